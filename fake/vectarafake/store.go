package vectarafake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"sort"
	"strings"
	"time"

	"github.com/userapis/userapis-go/gen/vectara"
	"github.com/userapis/userapis-go/internal/fakekit"
)

// This file is the Vectara fake's storage: users, corpora, API keys, app
// clients and access tokens, with domain errors. It knows nothing of HTTP;
// vectara_handlers.go maps its results to the generated response types.
// Every method expects f.mu to be held by the caller.

// Domain errors of the Vectara store.
var (
	errUserNotFound   = errors.New("user not found")
	errCorpusNotFound = errors.New("corpus not found")
	errConflict       = errors.New("already exists")
)

// invalid is the 400 of a request that failed validation, naming the
// field.
func invalid(field, problem string) error {
	return &fakekit.Error{Status: http.StatusBadRequest, Message: "Request failed validation.", Fields: map[string]string{field: problem}}
}

// userRow is a stored user.
type userRow struct {
	id          string
	email       string
	username    string
	description string
	enabled     bool
	created     time.Time
	updated     time.Time
	apiRoles    []vectara.APIRole
	corpusRoles []vectara.CorpusRole
	agentRoles  []vectara.AgentRole
	resets      int // password resets requested
}

// Kinds of Vectara API keys. Only Personal keys may manage users.
const (
	KeyPersonal     = "personal"      // a user's Personal API key
	KeyQueryService = "query_service" // a QueryService key (refused with 403)
	KeyIndexService = "index_service" // an IndexService key (refused with 403)
)

// apiKeyRow is an API key; a Personal key acts as its owner, so it stops
// working when the owner is disabled or deleted.
type apiKeyRow struct {
	kind  string
	owner string // username
}

// appClient is an OAuth2 application client.
type appClient struct {
	secret string
	roles  []vectara.APIRole
}

// accessToken is an issued OAuth2 access token.
type accessToken struct {
	clientID string
	expires  time.Time
}

// principal is who a request acts as, put in the request context by
// the auth middleware.
type principal struct {
	name  string // username or client id
	kind  string // a VectaraKey* kind, or "oauth2"
	roles []vectara.APIRole
}

// keyTypeAllowed reports whether p's credential may call the user
// operations at all: a Personal key or an OAuth2 app client may,
// QueryService and IndexService keys may not.
func (p principal) keyTypeAllowed() bool {
	return p.kind == KeyPersonal || p.kind == "oauth2"
}

// isAdmin reports whether p has a customer-level role that may manage users.
func (p principal) isAdmin() bool {
	for _, r := range p.roles {
		if r == "owner" || r == "administrator" {
			return true
		}
	}
	return false
}

func (u *userRow) clone() *userRow {
	c := *u
	c.apiRoles = append([]vectara.APIRole{}, u.apiRoles...)
	c.corpusRoles = append([]vectara.CorpusRole{}, u.corpusRoles...)
	c.agentRoles = append([]vectara.AgentRole{}, u.agentRoles...)
	return &c
}

// policyOps are the operations each customer-level role allows, as
// reported in User.api_policy (a null value: on any resource).
var policyOps = map[vectara.APIRole][]string{
	"owner":                 {"listUsers", "createUser", "getUser", "updateUser", "deleteUser", "resetUserPassword", "listCorpora", "createCorpus", "deleteCorpus", "updateBilling"},
	"administrator":         {"listUsers", "createUser", "getUser", "updateUser", "deleteUser", "resetUserPassword", "listCorpora", "createCorpus", "deleteCorpus"},
	"billing_administrator": {"getBilling", "updateBilling"},
	"corpus_administrator":  {"listCorpora", "createCorpus", "deleteCorpus", "queryCorpus"},
	"corpus_developer":      {"listCorpora", "queryCorpus", "indexDocument"},
	"agent_administrator":   {"listAgents", "createAgent", "updateAgent", "deleteAgent"},
	"agent_developer":       {"listAgents", "updateAgent"},
	"agent_viewer":          {"listAgents"},
}

// toAPI renders u as the document's User: role arrays always present (as
// [] when empty), description only when set, api_policy for users with a
// customer-level role.
func (u *userRow) toAPI() vectara.User {
	c := u.clone()
	out := vectara.User{
		ID:          &c.id,
		Email:       &c.email,
		Username:    &c.username,
		Enabled:     &c.enabled,
		CreatedAt:   &c.created,
		UpdatedAt:   &c.updated,
		APIRoles:    &c.apiRoles,
		CorpusRoles: &c.corpusRoles,
		AgentRoles:  &c.agentRoles,
	}
	if c.description != "" {
		out.Description = &c.description
	}
	if len(c.apiRoles) > 0 {
		ops := map[string]*vectara.APIOperationPolicy{}
		for _, r := range c.apiRoles {
			for _, op := range policyOps[r] {
				ops[op] = &vectara.APIOperationPolicy{AllowAnyResource: true}
			}
		}
		// Corpus roles narrow querying to the corpora named.
		if len(c.corpusRoles) > 0 {
			keys := make([]string, 0, len(c.corpusRoles))
			for _, cr := range c.corpusRoles {
				keys = append(keys, cr.CorpusKey)
			}
			ops["queryCorpus"] = &vectara.APIOperationPolicy{
				AllowAnyResource: false,
				AllowedResources: &map[string][]string{"path.corpus_key": keys},
			}
		}
		out.APIPolicy = &vectara.APIPolicy{Name: string(c.apiRoles[0]), AllowedOperations: ops}
	}
	return out
}

// checkRoles refuses corpus roles on corpora that do not exist.
func (f *Fake) checkRoles(corpusRoles *[]vectara.CorpusRole) error {
	if corpusRoles == nil {
		return nil
	}
	for i, cr := range *corpusRoles {
		if !f.corpora[cr.CorpusKey] {
			return invalid(fmt.Sprintf("corpus_roles[%d].corpus_key", i), fmt.Sprintf("corpus %q does not exist", cr.CorpusKey))
		}
	}
	return nil
}

// checkUsername refuses usernames that no path could address.
func checkUsername(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return invalid("username", "must not be blank")
	case name == "." || name == "..":
		return invalid("username", "must not be . or ..")
	}
	return nil
}

// checkEmail accepts a bare address such as ada@example.com.
func checkEmail(email string) error {
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" {
		return invalid("email", "must be a well-formed email address")
	}
	return nil
}

// createUser stores a new user; it returns the user and its one-time code.
func (f *Fake) createUser(req vectara.CreateUserRequest, now time.Time) (*userRow, string, error) {
	if err := checkEmail(req.Email); err != nil {
		return nil, "", err
	}
	username := req.Email
	if req.Username != nil && *req.Username != "" {
		username = *req.Username
	}
	if err := checkUsername(username); err != nil {
		return nil, "", err
	}
	if err := f.checkRoles(req.CorpusRoles); err != nil {
		return nil, "", err
	}
	if _, dup := f.users[username]; dup {
		return nil, "", fmt.Errorf("User %s %w.", username, errConflict)
	}
	if _, dup := f.emails[strings.ToLower(req.Email)]; dup {
		return nil, "", fmt.Errorf("A user with e-mail address %s %w.", req.Email, errConflict)
	}
	f.seq++
	u := &userRow{
		id:       userID(f.seq),
		email:    req.Email,
		username: username,
		enabled:  true,
		created:  now,
		updated:  now,
	}
	if req.Description != nil {
		u.description = *req.Description
	}
	if req.APIRoles != nil {
		u.apiRoles = append([]vectara.APIRole{}, *req.APIRoles...)
	}
	if req.CorpusRoles != nil {
		u.corpusRoles = append([]vectara.CorpusRole{}, *req.CorpusRoles...)
	}
	if req.AgentRoles != nil {
		u.agentRoles = append([]vectara.AgentRole{}, *req.AgentRoles...)
	}
	f.users[username] = u
	f.sorted = nil
	f.emails[strings.ToLower(req.Email)] = username
	return u.clone(), f.oneTimeCode(), nil
}

// userID is a deterministic, distinct-looking user id for sequence n.
func userID(n int) string {
	return fmt.Sprintf("usr_%08x", uint32(n)*2654435761)
}

// oneTimeCode is a deterministic six-digit code.
func (f *Fake) oneTimeCode() string {
	f.codes++
	return fmt.Sprintf("%06d", (f.codes*7919+104729)%1000000)
}

func (f *Fake) getUser(username string) (*userRow, error) {
	u, ok := f.users[username]
	if !ok {
		return nil, errUserNotFound
	}
	return u.clone(), nil
}

// updateUser applies the fields present in req; a present role list
// replaces the current one.
func (f *Fake) updateUser(username string, req vectara.UpdateUserRequest, now time.Time) (*userRow, error) {
	u, ok := f.users[username]
	if !ok {
		return nil, errUserNotFound
	}
	if err := f.checkRoles(req.CorpusRoles); err != nil {
		return nil, err
	}
	changed := false
	if req.Enabled != nil {
		u.enabled, changed = *req.Enabled, true
	}
	if req.Description != nil {
		u.description, changed = *req.Description, true
	}
	if req.APIRoles != nil {
		u.apiRoles, changed = append([]vectara.APIRole{}, *req.APIRoles...), true
	}
	if req.CorpusRoles != nil {
		u.corpusRoles, changed = append([]vectara.CorpusRole{}, *req.CorpusRoles...), true
	}
	if req.AgentRoles != nil {
		u.agentRoles, changed = append([]vectara.AgentRole{}, *req.AgentRoles...), true
	}
	if changed {
		u.updated = now
	}
	return u.clone(), nil
}

func (f *Fake) deleteUser(username string) error {
	u, ok := f.users[username]
	if !ok {
		return errUserNotFound
	}
	delete(f.users, username)
	f.sorted = nil
	delete(f.emails, strings.ToLower(u.email))
	return nil
}

// resetPassword records a reset and returns a new one-time code.
func (f *Fake) resetPassword(username string) (string, error) {
	u, ok := f.users[username]
	if !ok {
		return "", errUserNotFound
	}
	u.resets++
	return f.oneTimeCode(), nil
}

// listUsers returns up to limit users ordered by username, starting after
// the position pageKey records, and the page_key of the next page ("" on
// the last). Paging is by key, not offset: users created or deleted between
// pages never make another user appear twice or be skipped.
func (f *Fake) listUsers(corpusKey string, limit int, pageKey string) ([]*userRow, string, error) {
	if corpusKey != "" && !f.corpora[corpusKey] {
		return nil, "", errCorpusNotFound
	}
	after := ""
	if pageKey != "" {
		c, a, ok := f.decodePageKey(pageKey)
		if !ok {
			return nil, "", invalid("page_key", "invalid page key")
		}
		if c != corpusKey {
			return nil, "", invalid("page_key", "page key was issued for another corpus_key")
		}
		after = a
	}
	// The usernames are sorted once per change of the user set, not per
	// page, so that walking N users costs O(N log N) rather than
	// O(N² log N).
	if f.sorted == nil {
		f.sorted = make([]string, 0, len(f.users))
		for name := range f.users {
			f.sorted = append(f.sorted, name)
		}
		sort.Strings(f.sorted)
	}
	start := 0
	if pageKey != "" {
		start = sort.Search(len(f.sorted), func(i int) bool { return f.sorted[i] > after })
	}
	names := make([]string, 0, min(limit+1, len(f.sorted)-start))
	for _, name := range f.sorted[start:] {
		if corpusKey != "" && !hasCorpus(f.users[name], corpusKey) {
			continue
		}
		names = append(names, name)
		if len(names) > limit {
			break
		}
	}
	next := ""
	if len(names) > limit {
		names = names[:limit]
		next = f.encodePageKey(corpusKey, names[limit-1])
	}
	page := make([]*userRow, len(names))
	for i, name := range names {
		page[i] = f.users[name].clone()
	}
	return page, next, nil
}

func hasCorpus(u *userRow, corpusKey string) bool {
	for _, cr := range u.corpusRoles {
		if cr.CorpusKey == corpusKey {
			return true
		}
	}
	return false
}

// The page key is opaque to clients: base64url of "v1", the corpus filter
// and the last username of the page, signed so that a forged or mangled key
// is refused with 400 rather than silently read.
func (f *Fake) encodePageKey(corpusKey, after string) string {
	payload := "v1\x00" + corpusKey + "\x00" + after
	mac := hmac.New(sha256.New, f.pageSecret)
	mac.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(append([]byte(payload), mac.Sum(nil)[:8]...))
}

func (f *Fake) decodePageKey(key string) (corpusKey, after string, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(key)
	if err != nil || len(raw) < 8 {
		return "", "", false
	}
	payload, sum := raw[:len(raw)-8], raw[len(raw)-8:]
	mac := hmac.New(sha256.New, f.pageSecret)
	mac.Write(payload)
	if !hmac.Equal(sum, mac.Sum(nil)[:8]) {
		return "", "", false
	}
	parts := strings.SplitN(string(payload), "\x00", 3)
	if len(parts) != 3 || parts[0] != "v1" {
		return "", "", false
	}
	return parts[1], parts[2], true
}

// principalForKey resolves an x-api-key value.
func (f *Fake) principalForKey(key string) (principal, bool) {
	k, ok := f.keys[key]
	if !ok {
		return principal{}, false
	}
	if k.kind != KeyPersonal {
		return principal{name: k.owner, kind: k.kind}, true
	}
	u, ok := f.users[k.owner]
	if !ok || !u.enabled {
		return principal{}, false // the owner was deleted or disabled
	}
	return principal{name: u.username, kind: k.kind, roles: append([]vectara.APIRole{}, u.apiRoles...)}, true
}

// principalForToken resolves a bearer token; expired reports a known token
// past its expiry by the fake's clock.
func (f *Fake) principalForToken(tok string, now time.Time) (p principal, expired, ok bool) {
	t, found := f.tokens[tok]
	if !found {
		return principal{}, false, false
	}
	if !now.Before(t.expires) {
		return principal{}, true, false
	}
	c, found := f.clients[t.clientID]
	if !found {
		return principal{}, false, false
	}
	return principal{name: t.clientID, kind: "oauth2", roles: append([]vectara.APIRole{}, c.roles...)}, false, true
}

// issueToken returns a new access token for clientID, valid until
// now+lifetime.
func (f *Fake) issueToken(clientID string, now time.Time, lifetime time.Duration) string {
	f.tokenSeq++
	sum := sha256.Sum256(fmt.Appendf(nil, "vectara-token/%s/%d", clientID, f.tokenSeq))
	tok := "vat_" + base64.RawURLEncoding.EncodeToString(sum[:24])
	f.tokens[tok] = accessToken{clientID: clientID, expires: now.Add(lifetime)}
	// Forget tokens long expired so that the map stays small.
	for k, t := range f.tokens {
		if now.Sub(t.expires) > 24*time.Hour {
			delete(f.tokens, k)
		}
	}
	return tok
}
