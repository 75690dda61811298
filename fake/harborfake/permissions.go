// Permissions by scope, from upstream's RBAC tables.

package harborfake

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/userapis/userapis-go/gen/harbor"
)

// ---- permissions -----------------------------------------------------------

// Permission tables, in the order of upstream's rbac sources (v2.15.2):
// src/common/rbac/system/policies.go and, for a project, the projectAdmin
// role of src/common/rbac/project/rbac_role.go; a public project's
// non-members get src/common/rbac/project/rbac_util.go's public policies.
// System resources are bare names ("user", not "/system/user"), as the
// server answers.
var (
	systemPolicies = policyList(
		"catalog:read", "audit-log:list",
		"project:create", "project:read", "project:update", "project:delete", "project:list",
		"user:create", "user:read", "user:update", "user:delete", "user:list",
		"user-group:create", "user-group:read", "user-group:update", "user-group:delete", "user-group:list",
		"registry:create", "registry:read", "registry:update", "registry:delete", "registry:list",
		"replication:create", "replication:read", "replication:update", "replication:list", "replication:delete",
		"distribution:create", "distribution:read", "distribution:update", "distribution:delete", "distribution:list",
		"garbage-collection:create", "garbage-collection:read", "garbage-collection:update", "garbage-collection:delete", "garbage-collection:list",
		"scan-all:create", "scan-all:read", "scan-all:update", "scan-all:delete", "scan-all:list", "scan-all:stop",
		"system-volumes:read",
		"ldap-user:create", "ldap-user:list",
		"configuration:read", "configuration:update",
		"jobservice-monitor:read", "jobservice-monitor:list", "jobservice-monitor:stop",
		"security-hub:read", "security-hub:list",
	)
	projectAdmin = policyList(
		":read", ":update", ":delete",
		"member:create", "member:read", "member:update", "member:delete", "member:list",
		"metadata:create", "metadata:read", "metadata:update", "metadata:delete",
		"log:list",
		"label:create", "label:read", "label:update", "label:delete", "label:list",
		"quota:read",
		"repository:create", "repository:read", "repository:update", "repository:delete", "repository:list", "repository:pull", "repository:push",
		"tag-retention:create", "tag-retention:read", "tag-retention:update", "tag-retention:delete", "tag-retention:list", "tag-retention:operate",
		"immutable-tag:create", "immutable-tag:update", "immutable-tag:delete", "immutable-tag:list",
		"configuration:read", "configuration:update",
		"robot:create", "robot:read", "robot:update", "robot:delete", "robot:list",
		"notification-policy:create", "notification-policy:update", "notification-policy:delete", "notification-policy:list", "notification-policy:read",
		"scan:create", "scan:read", "scan:stop",
		"sbom:create", "sbom:stop", "sbom:read",
		"scanner:read", "scanner:create",
		"artifact:create", "artifact:read", "artifact:delete", "artifact:list",
		"artifact-addition:read",
		"tag:list", "tag:create", "tag:delete",
		"accessory:list",
		"artifact-label:create", "artifact-label:delete",
		"preheat-policy:create", "preheat-policy:read", "preheat-policy:update", "preheat-policy:delete", "preheat-policy:list",
		"export-cve:create", "export-cve:read", "export-cve:list",
	)
	// projectDeveloper is the developer role of rbac_role.go. The project
	// namespace's policies are the roles' tables merged (each policy
	// once) in the order upstream ranges over its map of roles; v2.15.2
	// was seen, restart after restart, to give developer's first, then
	// the rest of projectAdmin's (projectOrder).
	projectDeveloper = policyList(
		":read", "member:read", "member:list", "label:read", "label:list", "quota:read",
		"repository:create", "repository:read", "repository:update", "repository:list", "repository:push", "repository:pull",
		"tag-retention:create", "tag-retention:read", "tag-retention:update", "tag-retention:delete", "tag-retention:list", "tag-retention:operate",
		"configuration:read", "robot:read", "robot:list", "scan:read", "sbom:read", "scanner:read",
		"artifact:create", "artifact:read", "artifact:list", "artifact-addition:read", "tag:list", "tag:create",
		"accessory:list", "artifact-label:create", "artifact-label:delete", "export-cve:create", "export-cve:read", "export-cve:list",
	)
	projectOrder = mergePolicies(projectDeveloper, projectAdmin)
	// publicProject is what any authenticated user may do in a public
	// project (the seeded "library", id 1) without being a member.
	publicProject = policySet(
		":read", "label:read", "label:list", "repository:list", "repository:pull", "scan:read", "scanner:read",
		"tag:list", "artifact:read", "artifact:list", "artifact-addition:read", "accessory:list",
	)
	// robotProject is what the seeded robot may do in project 1.
	robotProject = policySet(
		"repository:list", "repository:pull", "repository:push", "artifact:read", "artifact:list", "tag:create", "tag:list",
	)
	projectScopeRe = regexp.MustCompile(`^/project/([^/]*)/?`)
)

// policy is one (subresource, action) pair of a policy table.
type policy struct{ resource, action string }

func policyList(pairs ...string) []policy {
	out := make([]policy, len(pairs))
	for i, p := range pairs {
		res, act, _ := strings.Cut(p, ":")
		out[i] = policy{res, act}
	}
	return out
}

// mergePolicies joins tables, each policy once, in the order first seen.
func mergePolicies(tables ...[]policy) []policy {
	var out []policy
	seen := map[policy]bool{}
	for _, t := range tables {
		for _, p := range t {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

func policySet(pairs ...string) map[policy]bool {
	set := map[policy]bool{}
	for _, p := range policyList(pairs...) {
		set[p] = true
	}
	return set
}

// projectResource is upstream's Resource.Subresource: /project/{id}
// joined with the subresource ("" for the project itself).
func projectResource(id int64, sub string) string {
	r := fmt.Sprintf("/project/%d", id)
	if sub != "" {
		r += "/" + sub
	}
	return r
}

// permissions lists what p may do within scope, as the handler does: the
// namespace named by scope (/system... or /project/{id}), its policies in
// upstream's order, those p can do, made relative to scope when asked (a
// policy that is not under scope is left out). No scope or an unknown one
// gives an empty list; only project 1 exists.
func (s *store) permissions(p *principal, scope string, relative bool) ([]harbor.Permission, error) {
	if p == nil {
		return nil, unauthorized() // RequireAuthenticated
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	admin := s.isAdmin(p)
	var list []harbor.Permission
	switch m := projectScopeRe.FindStringSubmatch(scope); {
	case strings.HasPrefix(scope, "/system"):
		if admin {
			for _, pol := range systemPolicies {
				list = append(list, harbor.Permission{Resource: pol.resource, Action: pol.action})
			}
		}
	case m != nil:
		id, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || id != 1 {
			break
		}
		for _, pol := range projectOrder {
			can := admin
			switch {
			case p.robot:
				can = robotProject[pol]
			case !admin:
				can = publicProject[pol]
			}
			if can {
				list = append(list, harbor.Permission{Resource: projectResource(id, pol.resource), Action: pol.action})
			}
		}
	}
	out := make([]harbor.Permission, 0, len(list))
	for _, perm := range list {
		if relative {
			rel, ok := relativeTo(perm.Resource, scope)
			if !ok {
				continue
			}
			perm.Resource = rel
		}
		out = append(out, perm)
	}
	return out, nil
}

// relativeTo is resource relative to scope ("." for the scope
// itself), false when resource is not under scope.
func relativeTo(resource, scope string) (string, bool) {
	rest, ok := strings.CutPrefix(resource, scope)
	if !ok {
		return "", false
	}
	rest = strings.TrimPrefix(rest, "/")
	if rest == "" {
		rest = "."
	}
	return rest, true
}
