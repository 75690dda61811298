// The demo's walk through Harbor's user API.

package main

import (
	"context"
	"fmt"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake/harborfake"
	"github.com/userapis/userapis-go/gen/harbor"
	"github.com/userapis/userapis-go/gen/harbor/harborserver"
)

func demoHarbor(ctx context.Context, t *transcript, common []client.ClientOption) error {
	srv := harborfake.Start()
	defer srv.Close()
	srv.Fake.SeedUsers(250)
	t.section("Harbor v2.0", "fake at "+srv.URL+" — HTTP Basic, 250 seeded users")
	check, err := t.checked("harbor", harborserver.GetSpec, srv.URL, nil)
	if err != nil {
		return err
	}
	common = append(common, check)
	admin, err := client.NewHarbor(append(common, client.WithBaseURL(srv.URL), client.WithBasicAuth(srv.AdminUser, srv.AdminPassword))...)
	if err != nil {
		return err
	}
	var id int64
	const pw = "Tr0ub4dor&3x"
	steps := []struct {
		label string
		fn    func() (string, error)
	}{
		{"getCurrentUserInfo", func() (string, error) {
			u, _, err := admin.GetCurrentUserInfo(ctx)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%s (sysadmin=%v)", u.Username, u.SysadminFlag), nil
		}},
		{"createUser", func() (string, error) {
			var resp *client.Response
			var err error
			id, resp, err = admin.CreateUser(ctx, harbor.UserCreationReq{Username: "grace", Email: "grace@example.com", Realname: "Grace Hopper", Password: pw}, client.WithRequestID("demo-create-1"))
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("id=%d (Location %s, X-Request-Id %s)", id, resp.Header.Get("Location"), resp.RequestID), nil
		}},
		{"getUser", func() (string, error) {
			u, _, err := admin.GetUser(ctx, id)
			if err != nil {
				return "", err
			}
			return u.Username + " <" + deref(u.Email) + ">", nil
		}},
		{"updateUserProfile", func() (string, error) {
			_, err := admin.UpdateUserProfile(ctx, id, harbor.UserProfile{Email: "grace@navy.example", Realname: "Grace B. Hopper", Comment: client.Ptr("COBOL")})
			return "email and realname replaced", err
		}},
		{"listUsers q=username=~gra (query builder)", func() (string, error) {
			q, err := client.NewHarborQuery().Fuzzy("username", "gra").Build()
			if err != nil {
				return "", err
			}
			users, resp, err := admin.ListUsers(ctx, &harbor.ListUsersParams{Q: &q})
			return fmt.Sprintf("q=%q → %d user(s), X-Total-Count %d", q, len(users), resp.TotalCount), err
		}},
		{"listUsers iterator (page_size 100)", func() (string, error) {
			n := 0
			for _, err := range admin.ListUsersIter(ctx, &harbor.ListUsersParams{PageSize: client.Ptr(int64(100))}) {
				if err != nil {
					return "", err
				}
				n++
			}
			return fmt.Sprintf("%d users over %d pages (Link rel=next)", n, (n+99)/100), nil
		}},
		{"searchUsers username=gra (one call: Harbor's search does not page)", func() (string, error) {
			res, resp, err := admin.SearchUsers(ctx, "gra", nil)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%d hit(s) of %d", len(res), resp.TotalCount), nil
		}},
		{"setUserSysAdmin", func() (string, error) {
			_, err := admin.SetUserSysAdmin(ctx, id, true)
			return "grace is now a system admin", err
		}},
		{"updateUserPassword (as the user, old password checked)", func() (string, error) {
			grace, err := client.NewHarbor(append(common, client.WithBaseURL(srv.URL), client.WithBasicAuth("grace", pw))...)
			if err != nil {
				return "", err
			}
			_, err = grace.UpdateUserPassword(ctx, id, harbor.PasswordReq{OldPassword: client.Ptr(pw), NewPassword: "N3w-Passw0rd"})
			return "changed", err
		}},
		{"getCurrentUserPermissions scope=/system", func() (string, error) {
			perms, _, err := admin.GetCurrentUserPermissions(ctx, &harbor.GetCurrentUserPermissionsParams{Scope: client.Ptr("/system")})
			if err != nil || len(perms) == 0 {
				return fmt.Sprintf("%d permission(s)", len(perms)), err
			}
			return fmt.Sprintf("%d permission(s), e.g. %s on %s", len(perms), perms[0].Action, perms[0].Resource), nil
		}},
	}
	for _, s := range steps {
		if err := t.step("harbor "+s.label, s.fn); err != nil {
			return err
		}
	}
	if err := t.refused("harbor createUser duplicate", client.ErrConflict, func() error {
		_, _, err := admin.CreateUser(ctx, harbor.UserCreationReq{Username: "grace", Email: "other@example.com", Realname: "G", Password: pw})
		return err
	}); err != nil {
		return err
	}
	if err := t.refused("harbor setCliSecret outside OIDC mode", client.ErrPreconditionFailed, func() error {
		_, err := admin.SetCliSecret(ctx, id, "Secr3tValue1")
		return err
	}); err != nil {
		return err
	}
	if err := t.step("harbor deleteUser", func() (string, error) {
		_, err := admin.DeleteUser(ctx, id)
		return fmt.Sprintf("user %d deleted", id), err
	}); err != nil {
		return err
	}
	return t.refused("harbor getUser after delete", client.ErrNotFound, func() error {
		_, _, err := admin.GetUser(ctx, id)
		return err
	})
}
