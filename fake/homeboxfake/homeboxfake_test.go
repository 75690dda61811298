package homeboxfake_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake"
	"github.com/userapis/userapis-go/fake/homeboxfake"
	"github.com/userapis/userapis-go/gen/homebox"
	"github.com/userapis/userapis-go/internal/contract"
)

// clock is a settable clock for Fake.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var tokenRe = regexp.MustCompile(`^Bearer [A-Z2-7]{26}$`)

// start starts a fake with a fixed clock and a contract-checking
// transport; both are torn down with the test.
func start(t *testing.T) (*homeboxfake.Server, *clock, *contract.Transport) {
	t.Helper()
	srv := homeboxfake.Start()
	t.Cleanup(srv.Close)
	clock := &clock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	srv.Fake.Now = clock.Now
	doc, err := openapi3.NewLoader().LoadFromFile("../../api/homebox.yaml")
	require.NoError(t, err)
	v, err := contract.New(doc, srv.URL)
	require.NoError(t, err)
	return srv, clock, &contract.Transport{V: v, Next: srv.Client().Transport}
}

// newClient is a facade client over rt with fast retries.
func newClient(t *testing.T, srv *homeboxfake.Server, rt http.RoundTripper, opts ...client.ClientOption) *client.Homebox {
	t.Helper()
	base := []client.ClientOption{
		client.WithBaseURL(srv.URL),
		client.WithHTTPClient(&http.Client{Transport: rt}),
		client.WithRetryBackoff(time.Millisecond, 5*time.Millisecond),
	}
	hb, err := client.NewHomebox(append(base, opts...)...)
	require.NoError(t, err)
	return hb
}

// apiErr asserts err is an *APIError of status with message msg
// (any message when msg is "").
func apiErr(t *testing.T, err error, sentinel error, status int, msg string) *client.APIError {
	t.Helper()
	require.Error(t, err)
	var ae *client.APIError
	require.True(t, errors.As(err, &ae), "want *client.APIError, got %T: %v", err, err)
	assert.ErrorIs(t, err, sentinel)
	assert.Equal(t, status, ae.StatusCode)
	if msg != "" {
		assert.Equal(t, msg, ae.Message)
	}
	return ae
}

// raw sends a request without the facade.
func rawCall(t *testing.T, srv *homeboxfake.Server, method, path, body string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	require.NoError(t, err)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

func errorOf(t *testing.T, b []byte) string {
	t.Helper()
	var e homebox.ErrorResponse
	require.NoError(t, json.Unmarshal(b, &e), "body %s", b)
	return e.Error
}

// TestHomeboxEveryOperation walks every operation of the document through
// the facade, with every request and response checked against it.
func TestHomeboxEveryOperation(t *testing.T) {
	srv, clock, tr := start(t)
	ctx := context.Background()
	hb := newClient(t, srv, tr)
	start := clock.Now()
	cfg := srv.Fake.Config()
	cfg.OIDCEnabled = true // off by default, as on a real server without OIDC settings
	srv.Fake.SetConfig(cfg)

	// Register: 204, email lowercased, duplicate (any case) → 500 with the database's text.
	_, err := hb.RegisterNewUser(ctx, homebox.UserRegistration{Name: "Jane", Email: "Jane@Example.com", Password: "correct-horse"})
	require.NoError(t, err)
	_, err = hb.RegisterNewUser(ctx, homebox.UserRegistration{Name: "Jane 2", Email: "JANE@example.COM", Password: "correct-horse"})
	ae := apiErr(t, err, client.ErrServer, 500, "")
	assert.Equal(t, "ent: constraint failed: constraint failed: UNIQUE constraint failed: users.email (2067)", ae.Message, "the real server's message (NOTES: third real-server run)")

	// Login: wrong password → 401 unauthorized; right → Bearer + 26 base32, 7 days.
	_, _, err = hb.UserLogin(ctx, "jane@example.com", "wrong-password", false)
	apiErr(t, err, client.ErrUnauthorized, 401, "unauthorized")
	tok, resp, err := hb.UserLogin(ctx, "JANE@example.com", "correct-horse", false)
	require.NoError(t, err)
	assert.Regexp(t, tokenRe, tok.Token)
	assert.Equal(t, tok.Token, hb.Token())
	assert.True(t, tok.ExpiresAt.Equal(start.Add(7*24*time.Hour)), "expiresAt %s", tok.ExpiresAt)
	assert.NotEmpty(t, tok.AttachmentToken)
	var cookieNames []string
	for _, c := range resp.Cookies() {
		cookieNames = append(cookieNames, c.Name)
	}
	assert.ElementsMatch(t, []string{"hb.auth.remember", "hb.auth.token", "hb.auth.session", "hb.auth.attachment_token"}, cookieNames)

	long := newClient(t, srv, tr)
	ltok, _, err := long.UserLogin(ctx, "jane@example.com", "correct-horse", true)
	require.NoError(t, err)
	assert.True(t, ltok.ExpiresAt.Equal(start.Add(28*24*time.Hour)), "stayLoggedIn expiresAt %s", ltok.ExpiresAt)

	// Self.
	me, _, err := hb.GetUserSelf(ctx)
	require.NoError(t, err)
	assert.Equal(t, "jane@example.com", me.Email)
	assert.Equal(t, "Jane", me.Name)
	require.Len(t, me.GroupIDs, 1)
	assert.Equal(t, me.DefaultGroupID, me.GroupIDs[0])
	assert.Nil(t, me.OIDCIssuer)
	assert.Nil(t, me.OIDCSubject)
	assert.NotEqual(t, homeboxfake.SeedGroupID, me.DefaultGroupID, "registration makes a new group")

	upd, _, err := hb.UpdateAccount(ctx, homebox.UserUpdate{Name: "Jane Doe", Email: "Jane.Doe@Example.com"})
	require.NoError(t, err)
	assert.Equal(t, me.ID, upd.ID)
	assert.Equal(t, "Jane Doe", upd.Name)
	assert.Equal(t, "jane.doe@example.com", upd.Email)
	assert.Equal(t, me.GroupIDs, upd.GroupIDs, "the response is the full user")
	_, _, err = hb.UpdateAccount(ctx, homebox.UserUpdate{Name: "Jane Doe", Email: srv.Email})
	apiErr(t, err, client.ErrServer, 500, "")
	me, _, err = hb.GetUserSelf(ctx)
	require.NoError(t, err)
	assert.Equal(t, "jane.doe@example.com", me.Email, "a failed update changes nothing")

	// Settings: replace, not merge; null allowed; no-store.
	s, resp, err := hb.GetUserSettings(ctx)
	require.NoError(t, err)
	assert.Empty(t, s)
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	s, resp, err = hb.UpdateUserSettings(ctx, homebox.UserSettings{"theme": "dark", "pageSize": 50.0, "nested": map[string]any{"a": true}})
	require.NoError(t, err)
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	assert.Equal(t, "dark", s["theme"])
	s, _, err = hb.UpdateUserSettings(ctx, homebox.UserSettings{"theme": "light"})
	require.NoError(t, err)
	assert.Equal(t, homebox.UserSettings{"theme": "light"}, s)
	s, _, err = hb.GetUserSettings(ctx)
	require.NoError(t, err)
	assert.Equal(t, homebox.UserSettings{"theme": "light"}, s, "PUT replaced the whole object")
	s, _, err = hb.UpdateUserSettings(ctx, nil)
	require.NoError(t, err)
	assert.Nil(t, s)
	_, resp, err = hb.GetUserSettings(ctx)
	require.NoError(t, err)
	assert.JSONEq(t, `{"item":null}`, string(resp.RawBody))

	// API keys: token once, newest first, no token in the list.
	clock.Advance(time.Second)
	k1, _, err := hb.CreateAPIKey(ctx, homebox.APIKeyCreate{Name: "backup"})
	require.NoError(t, err)
	clock.Advance(time.Second)
	exp := clock.Now().Add(time.Hour)
	k2, _, err := hb.CreateAPIKey(ctx, homebox.APIKeyCreate{Name: "ci", ExpiresAt: &exp})
	require.NoError(t, err)
	assert.NotEmpty(t, k1.Token)
	assert.NotEqual(t, k1.Token, k2.Token)
	assert.Equal(t, me.ID, k1.UserID)
	require.NotNil(t, k1.ExpiresAt, "no expiresAt: 30 days, as builds after v0.26.2 do")
	assert.True(t, k1.ExpiresAt.Equal(k1.CreatedAt.Add(30*24*time.Hour)), "expiresAt %v", k1.ExpiresAt)
	assert.Regexp(t, `^hb_[A-Za-z0-9_-]{43}$`, k1.Token)
	assert.Nil(t, k1.LastUsedAt)
	require.NotNil(t, k2.ExpiresAt)
	assert.True(t, k2.ExpiresAt.Equal(exp))
	keys, resp, err := hb.ListAPIKeys(ctx)
	require.NoError(t, err)
	require.Len(t, keys, 2)
	assert.Equal(t, []uuid.UUID{k2.ID, k1.ID}, []uuid.UUID{keys[0].ID, keys[1].ID}, "newest first")
	assert.NotContains(t, string(resp.RawBody), k1.Token)
	assert.NotContains(t, string(resp.RawBody), `"token"`)

	// An API key authenticates as the user but cannot log out or refresh.
	byKey := newClient(t, srv, tr, client.WithAPIKey(k1.Token))
	kme, _, err := byKey.GetUserSelf(ctx)
	require.NoError(t, err)
	assert.Equal(t, me.ID, kme.ID)
	keys, _, err = hb.ListAPIKeys(ctx)
	require.NoError(t, err)
	require.NotNil(t, keys[1].LastUsedAt, "use is recorded")
	_, err = byKey.UserLogout(ctx)
	apiErr(t, err, client.ErrBadRequest, 400, "")
	_, _, err = byKey.UserTokenRefresh(ctx)
	apiErr(t, err, client.ErrBadRequest, 400, "")
	_, err = hb.DeleteAPIKey(ctx, k1.ID)
	require.NoError(t, err)
	_, _, err = byKey.GetUserSelf(ctx)
	apiErr(t, err, client.ErrUnauthorized, 401, "valid authorization token is required")
	_, err = hb.DeleteAPIKey(ctx, k1.ID)
	apiErr(t, err, client.ErrNotFound, 404, "")
	keys, _, err = hb.ListAPIKeys(ctx)
	require.NoError(t, err)
	require.Len(t, keys, 1)
	assert.Equal(t, k2.ID, keys[0].ID)

	// Another user's key is not found, and cannot be deleted.
	admin := newClient(t, srv, tr)
	_, _, err = admin.UserLogin(ctx, srv.Email, srv.Password, false)
	require.NoError(t, err)
	_, err = admin.DeleteAPIKey(ctx, k2.ID)
	apiErr(t, err, client.ErrNotFound, 404, "")
	adminKeys, _, err := admin.ListAPIKeys(ctx)
	require.NoError(t, err)
	assert.Empty(t, adminKeys)
	assert.NotNil(t, adminKeys, "an empty list is [], not null")

	// Refresh: new raw token (no prefix), old one dies at once, 7 days always.
	old := hb.Token()
	clock.Advance(time.Minute)
	ref, _, err := long.UserTokenRefresh(ctx)
	require.NoError(t, err)
	assert.False(t, strings.HasPrefix(ref.Raw, "Bearer "))
	assert.Regexp(t, tokenRe, "Bearer "+ref.Raw)
	assert.True(t, ref.ExpiresAt.Equal(clock.Now().Add(7*24*time.Hour)), "refresh is always 7 days, got %s", ref.ExpiresAt)
	assert.Equal(t, "Bearer "+ref.Raw, long.Token())
	_, _, err = newClient(t, srv, tr, client.WithBearerToken(ltok.Token)).GetUserSelf(ctx)
	apiErr(t, err, client.ErrUnauthorized, 401, "valid authorization token is required")
	_, _, err = long.GetUserSelf(ctx)
	require.NoError(t, err)

	// Change password: wrong current → 500; right → other sessions die, this one stays.
	_, err = hb.ChangePassword(ctx, "not-it", "new-secret")
	apiErr(t, err, client.ErrServer, 500, "")
	_, err = hb.ChangePassword(ctx, "correct-horse", "new-secret")
	require.NoError(t, err)
	assert.Equal(t, old, hb.Token())
	_, _, err = hb.GetUserSelf(ctx)
	require.NoError(t, err, "the calling session stays")
	_, _, err = long.GetUserSelf(ctx)
	apiErr(t, err, client.ErrUnauthorized, 401, "valid authorization token is required")
	_, _, err = newClient(t, srv, tr).UserLogin(ctx, "jane.doe@example.com", "correct-horse", false)
	apiErr(t, err, client.ErrUnauthorized, 401, "unauthorized")

	// Forgot / reset: 204 always, single-use token, every session revoked.
	_, err = hb.ForgotPassword(ctx, "nobody@example.com")
	require.NoError(t, err)
	assert.Empty(t, srv.Fake.LastResetToken("nobody@example.com"), "no mail for unknown addresses")
	_, err = hb.ForgotPassword(ctx, "JANE.DOE@example.com")
	require.NoError(t, err)
	reset := srv.Fake.LastResetToken("jane.doe@example.com")
	require.NotEmpty(t, reset)
	_, err = hb.ResetPassword(ctx, strings.Repeat("x", 32), "whatever-123")
	apiErr(t, err, client.ErrBadRequest, 400, "")
	_, err = hb.ResetPassword(ctx, reset, "reset-secret")
	require.NoError(t, err)
	_, _, err = hb.GetUserSelf(ctx)
	apiErr(t, err, client.ErrUnauthorized, 401, "valid authorization token is required")
	_, err = hb.ResetPassword(ctx, reset, "reset-again")
	apiErr(t, err, client.ErrBadRequest, 400, "")
	_, _, err = hb.UserLogin(ctx, "jane.doe@example.com", "new-secret", false)
	apiErr(t, err, client.ErrUnauthorized, 401, "")
	_, _, err = hb.UserLogin(ctx, "jane.doe@example.com", "reset-secret", false)
	require.NoError(t, err)

	// OIDC: login redirects to the provider; the callback to /home (session
	// cookies set) or to the error page.
	idp, resp, err := hb.OIDCLogin(ctx)
	require.NoError(t, err)
	assert.Equal(t, http.StatusFound, resp.StatusCode)
	assert.Equal(t, "id.example.com", idp.Host)
	assert.Equal(t, "/authorize", idp.Path)
	state := idp.Query().Get("state")
	require.NotEmpty(t, state)
	assert.Equal(t, srv.URL+"/api/v1/users/login/oidc/callback", idp.Query().Get("redirect_uri"))
	code, err := srv.Fake.OIDCAuthorize(state, homeboxfake.OIDCIdentity{Subject: "248289761001", Email: "Oidc.User@Example.com", Name: "Oidc User"})
	require.NoError(t, err)
	home, resp, err := hb.OIDCCallback(ctx, code, state)
	require.NoError(t, err)
	assert.Equal(t, "/home", home.Path)
	var session string
	for _, c := range resp.Cookies() {
		if c.Name == "hb.auth.token" {
			session = c.Value
		}
	}
	require.NotEmpty(t, session)
	oidcMe, _, err := newClient(t, srv, tr, client.WithBearerToken(session)).GetUserSelf(ctx)
	require.NoError(t, err)
	assert.Equal(t, "oidc.user@example.com", oidcMe.Email)
	require.NotNil(t, oidcMe.OIDCIssuer)
	require.NotNil(t, oidcMe.OIDCSubject)
	assert.Equal(t, "https://id.example.com", *oidcMe.OIDCIssuer)
	assert.Equal(t, "248289761001", *oidcMe.OIDCSubject)
	failed, _, err := hb.OIDCCallback(ctx, code, state)
	require.NoError(t, err, "a failed callback is still a 302")
	assert.Equal(t, "/", failed.Path)
	assert.Equal(t, "oidc_auth_failed", failed.Query().Get("oidc_error"))

	// Logout: 204, then the token is refused; the facade forgets it.
	logoutTok := hb.Token()
	_, err = hb.UserLogout(ctx)
	require.NoError(t, err)
	assert.Empty(t, hb.Token())
	_, _, err = newClient(t, srv, tr, client.WithBearerToken(logoutTok)).GetUserSelf(ctx)
	apiErr(t, err, client.ErrUnauthorized, 401, "valid authorization token is required")

	// Logout everywhere: 204, the token is refused.
	_, _, err = hb.UserLogin(ctx, "jane.doe@example.com", "reset-secret", false)
	require.NoError(t, err)
	allTok := hb.Token()
	_, err = hb.UserLogoutAll(ctx)
	require.NoError(t, err)
	assert.Empty(t, hb.Token())
	_, _, err = newClient(t, srv, tr, client.WithBearerToken(allTok)).GetUserSelf(ctx)
	apiErr(t, err, client.ErrUnauthorized, 401, "valid authorization token is required")

	// Delete account: token dies, the email can register again.
	_, _, err = hb.UserLogin(ctx, "jane.doe@example.com", "reset-secret", false)
	require.NoError(t, err)
	delTok := hb.Token()
	_, err = hb.DeleteAccount(ctx)
	require.NoError(t, err)
	_, _, err = newClient(t, srv, tr, client.WithBearerToken(delTok)).GetUserSelf(ctx)
	apiErr(t, err, client.ErrUnauthorized, 401, "valid authorization token is required")
	_, ok := srv.Fake.User("jane.doe@example.com")
	assert.False(t, ok)
	_, err = hb.RegisterNewUser(ctx, homebox.UserRegistration{Name: "Jane again", Email: "jane.doe@example.com", Password: "another-one"})
	require.NoError(t, err)
	again, _, err := hb.UserLogin(ctx, "jane.doe@example.com", "another-one", false)
	require.NoError(t, err)
	assert.NotEqual(t, delTok, again.Token)
	me2, _, err := hb.GetUserSelf(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, me.ID, me2.ID)

	assert.Empty(t, tr.Errors(), "contract violations")
	assert.Subset(t, tr.Covered(), contract.OperationIDs(tr.V.Doc()))
	assert.Len(t, contract.OperationIDs(tr.V.Doc()), 18)
}

// TestHomeboxTokenSourcesAndContentType covers what the facade never sends:
// the exact login Content-Type rule, form logins, cookie, query and bare
// tokens, attachment tokens, X-Tenant, and the two 401 messages.
func TestHomeboxTokenSourcesAndContentType(t *testing.T) {
	srv, _, _ := start(t)
	srv.Fake.DisableRateLimit()
	login := `{"username":"admin@admin.com","password":"admin"}`

	resp, b := rawCall(t, srv, "POST", "/api/v1/users/login", login, map[string]string{"Content-Type": "application/json; charset=utf-8"})
	assert.Equal(t, 401, resp.StatusCode)
	assert.Equal(t, "unauthorized", errorOf(t, b))
	resp, b = rawCall(t, srv, "POST", "/api/v1/users/login", login, map[string]string{"Content-Type": "text/plain"})
	assert.Equal(t, 401, resp.StatusCode)
	assert.Equal(t, "unauthorized", errorOf(t, b))
	resp, b = rawCall(t, srv, "POST", "/api/v1/users/login", `{"username":"admin@admin.com"}`, map[string]string{"Content-Type": "application/json"})
	assert.Equal(t, 401, resp.StatusCode, "a login without password is 401 as on the real server")
	assert.Equal(t, "unauthorized", errorOf(t, b))
	resp, b = rawCall(t, srv, "POST", "/api/v1/users/login?provider=ldap", login, map[string]string{"Content-Type": "application/json"})
	assert.Equal(t, 400, resp.StatusCode)
	assert.Equal(t, "invalid auth provider", errorOf(t, b))

	form := url.Values{"username": {"ADMIN@admin.com"}, "password": {"admin"}, "stayLoggedIn": {"true"}}.Encode()
	resp, b = rawCall(t, srv, "POST", "/api/v1/users/login", form, map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	require.Equal(t, 200, resp.StatusCode, "%s", b)
	var tok homebox.TokenResponse
	require.NoError(t, json.Unmarshal(b, &tok))
	assert.Regexp(t, tokenRe, tok.Token)
	raw := strings.TrimPrefix(tok.Token, "Bearer ")

	self := "/api/v1/users/self"
	resp, b = rawCall(t, srv, "GET", self, "", nil)
	assert.Equal(t, 401, resp.StatusCode)
	assert.Equal(t, "authorization header or query is required", errorOf(t, b))
	resp, b = rawCall(t, srv, "GET", self, "", map[string]string{"Authorization": "Bearer nope"})
	assert.Equal(t, 401, resp.StatusCode)
	assert.Equal(t, "valid authorization token is required", errorOf(t, b))

	for name, hdr := range map[string]map[string]string{
		"header with prefix": {"Authorization": tok.Token},
		"bare header":        {"Authorization": raw},
		"cookies":            {"Cookie": "hb.auth.token=" + raw + "; hb.auth.remember=true"},
		"websocket protocol": {"Sec-WebSocket-Protocol": "homebox, " + raw},
	} {
		resp, b = rawCall(t, srv, "GET", self, "", hdr)
		assert.Equal(t, 200, resp.StatusCode, "%s: %s", name, b)
	}
	resp, _ = rawCall(t, srv, "GET", self+"?access_token="+url.QueryEscape(tok.Token), "", nil)
	assert.Equal(t, 200, resp.StatusCode, "query token")
	for name, hdr := range map[string]map[string]string{
		"lower-case bearer":  {"Authorization": "bearer " + raw},
		"double prefix":      {"Authorization": "Bearer " + tok.Token},
		"cookie w/o partner": {"Cookie": "hb.auth.token=" + raw},
	} {
		resp, _ = rawCall(t, srv, "GET", self, "", hdr)
		assert.Equal(t, 401, resp.StatusCode, name)
	}

	// The attachment token authenticates, but lacks the user role.
	resp, b = rawCall(t, srv, "GET", self, "", map[string]string{"Authorization": "Bearer " + tok.AttachmentToken})
	assert.Equal(t, 403, resp.StatusCode)
	assert.Equal(t, "Forbidden", errorOf(t, b))

	// X-Tenant: malformed → 400, another group → 403, own group → 200.
	resp, b = rawCall(t, srv, "GET", self, "", map[string]string{"Authorization": tok.Token, "X-Tenant": "not-a-uuid"})
	assert.Equal(t, 400, resp.StatusCode, "%s", b)
	resp, _ = rawCall(t, srv, "GET", self, "", map[string]string{"Authorization": tok.Token, "X-Tenant": "0e6f2a4b-8c1d-4e3f-9a5b-7c6d5e4f3a2b"})
	assert.Equal(t, 403, resp.StatusCode)
	resp, _ = rawCall(t, srv, "GET", self, "", map[string]string{"Authorization": tok.Token, "X-Tenant": homeboxfake.SeedGroupID.String()})
	assert.Equal(t, 200, resp.StatusCode)

	// An API key works in the Authorization header only.
	hb := newClient(t, srv, srv.Client().Transport, client.WithBearerToken(tok.Token))
	k, _, err := hb.CreateAPIKey(context.Background(), homebox.APIKeyCreate{Name: "script"})
	require.NoError(t, err)
	resp, _ = rawCall(t, srv, "GET", self, "", map[string]string{"Authorization": k.Token})
	assert.Equal(t, 200, resp.StatusCode)
	resp, _ = rawCall(t, srv, "GET", self+"?access_token="+url.QueryEscape(k.Token), "", nil)
	assert.Equal(t, 401, resp.StatusCode)
}

// TestHomeboxExpiry moves the fake's clock past token and API key expiry.
func TestHomeboxExpiry(t *testing.T) {
	srv, clock, tr := start(t)
	ctx := context.Background()
	short := newClient(t, srv, tr)
	_, _, err := short.UserLogin(ctx, srv.Email, srv.Password, false)
	require.NoError(t, err)
	long := newClient(t, srv, tr)
	_, _, err = long.UserLogin(ctx, srv.Email, srv.Password, true)
	require.NoError(t, err)
	exp := clock.Now().Add(24 * time.Hour)
	k, _, err := long.CreateAPIKey(ctx, homebox.APIKeyCreate{Name: "one day", ExpiresAt: &exp})
	require.NoError(t, err)
	byKey := newClient(t, srv, tr, client.WithAPIKey(k.Token))
	_, _, err = byKey.GetUserSelf(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, srv.Fake.Sessions(srv.Email))

	clock.Advance(24 * time.Hour)
	_, _, err = byKey.GetUserSelf(ctx)
	apiErr(t, err, client.ErrUnauthorized, 401, "valid authorization token is required")
	clock.Advance(6*24*time.Hour - time.Second)
	_, _, err = short.GetUserSelf(ctx)
	require.NoError(t, err, "still inside 7 days")
	clock.Advance(time.Second)
	_, _, err = short.GetUserSelf(ctx)
	apiErr(t, err, client.ErrUnauthorized, 401, "valid authorization token is required")
	_, _, err = long.GetUserSelf(ctx)
	require.NoError(t, err, "stayLoggedIn lasts 28 days")
	clock.Advance(21 * 24 * time.Hour)
	_, _, err = long.GetUserSelf(ctx)
	apiErr(t, err, client.ErrUnauthorized, 401, "")
	assert.Equal(t, 0, srv.Fake.Sessions(srv.Email))
	assert.Empty(t, tr.Errors())
}

// TestHomeboxRateLimit: more than 5 failed logins per IP and path in a
// minute lock the client out with 429 and Retry-After, doubling.
func TestHomeboxRateLimit(t *testing.T) {
	srv, clock, tr := start(t)
	ctx := context.Background()
	hb := newClient(t, srv, tr, client.WithMaxRetries(0))
	for i := 0; i < 6; i++ {
		_, _, err := hb.UserLogin(ctx, srv.Email, "wrong", false)
		apiErr(t, err, client.ErrUnauthorized, 401, "unauthorized")
	}
	_, _, err := hb.UserLogin(ctx, srv.Email, srv.Password, false)
	ae := apiErr(t, err, client.ErrRateLimited, 429, "too many authentication attempts")
	assert.Equal(t, "10", ae.Header.Get("Retry-After"))
	assert.Equal(t, 10*time.Second, ae.RetryAfter)

	// Other paths, and other clients (X-Real-IP), are not locked.
	_, err = hb.ForgotPassword(ctx, srv.Email)
	require.NoError(t, err)
	other := newClient(t, srv, tr, client.WithMaxRetries(0), client.WithHeader("X-Real-IP", "203.0.113.9"))
	_, _, err = other.UserLogin(ctx, srv.Email, srv.Password, false)
	require.NoError(t, err)

	clock.Advance(4 * time.Second)
	_, _, err = hb.UserLogin(ctx, srv.Email, srv.Password, false)
	ae = apiErr(t, err, client.ErrRateLimited, 429, "")
	assert.Equal(t, "6", ae.Header.Get("Retry-After"))
	clock.Advance(6 * time.Second)
	_, _, err = hb.UserLogin(ctx, srv.Email, "wrong", false)
	apiErr(t, err, client.ErrUnauthorized, 401, "")
	_, _, err = hb.UserLogin(ctx, srv.Email, srv.Password, false)
	ae = apiErr(t, err, client.ErrRateLimited, 429, "")
	assert.Equal(t, "20", ae.Header.Get("Retry-After"), "the lock-out doubles")

	// After the lock-out a success clears the record.
	clock.Advance(20 * time.Second)
	_, _, err = hb.UserLogin(ctx, srv.Email, srv.Password, false)
	require.NoError(t, err)
	_, _, err = hb.UserLogin(ctx, srv.Email, "wrong", false)
	apiErr(t, err, client.ErrUnauthorized, 401, "")

	// Disabled: no lock-out however many failures.
	srv.Fake.DisableRateLimit()
	for i := 0; i < 8; i++ {
		_, _, err = hb.UserLogin(ctx, srv.Email, "wrong", false)
		apiErr(t, err, client.ErrUnauthorized, 401, "")
	}
	_, _, err = hb.UserLogin(ctx, srv.Email, srv.Password, false)
	require.NoError(t, err)
	assert.Empty(t, tr.Errors())
}

// TestHomeboxConfigSwitches: OIDC off (404), registration off (403 unless
// invited), local login off (403).
func TestHomeboxConfigSwitches(t *testing.T) {
	srv, _, tr := start(t)
	ctx := context.Background()
	hb := newClient(t, srv, tr)

	cfg := srv.Fake.Config()
	assert.False(t, cfg.OIDCEnabled, "OIDC is off unless configured")
	cfg.RegistrationEnabled = false
	srv.Fake.SetConfig(cfg)
	_, _, err := hb.OIDCLogin(ctx)
	apiErr(t, err, client.ErrNotFound, 404, "")
	_, _, err = hb.OIDCCallback(ctx, "code", "state")
	apiErr(t, err, client.ErrNotFound, 404, "")

	_, err = hb.RegisterNewUser(ctx, homebox.UserRegistration{Name: "Eve", Email: "eve@example.com", Password: "password1"})
	apiErr(t, err, client.ErrForbidden, 403, "user registration disabled")
	inv := srv.Fake.CreateInvitation(homeboxfake.SeedGroupID, 1)
	_, err = hb.RegisterNewUser(ctx, homebox.UserRegistration{Name: "Eve", Email: "eve@example.com", Password: "password1", Token: &inv})
	require.NoError(t, err)
	eve, ok := srv.Fake.User("EVE@example.com")
	require.True(t, ok)
	assert.Equal(t, homeboxfake.SeedGroupID, eve.DefaultGroupID, "an invitation joins its group")
	_, err = hb.RegisterNewUser(ctx, homebox.UserRegistration{Name: "Mallory", Email: "m@example.com", Password: "password1", Token: &inv})
	apiErr(t, err, client.ErrServer, 500, "")

	cfg.LocalLoginEnabled = false
	srv.Fake.SetConfig(cfg)
	_, _, err = hb.UserLogin(ctx, srv.Email, srv.Password, false)
	apiErr(t, err, client.ErrForbidden, 403, "local login is not enabled")
	_, err = hb.ForgotPassword(ctx, srv.Email)
	apiErr(t, err, client.ErrForbidden, 403, "")
	assert.Empty(t, tr.Errors())
}

// TestHomeboxBadRequests: requests the document refuses get the service's
// own error shapes, never a panic or plain text.
func TestHomeboxBadRequests(t *testing.T) {
	srv, _, _ := start(t)
	ctx := context.Background()
	hb := newClient(t, srv, srv.Client().Transport)
	tok, _, err := hb.UserLogin(ctx, srv.Email, srv.Password, false)
	require.NoError(t, err)
	auth := map[string]string{"Authorization": tok.Token, "Content-Type": "application/json"}

	resp, b := rawCall(t, srv, "PUT", "/api/v1/users/self", `{"name":1}`, auth)
	assert.Equal(t, 400, resp.StatusCode)
	assert.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.NotEmpty(t, errorOf(t, b))
	resp, b = rawCall(t, srv, "PUT", "/api/v1/users/self/settings", `{not json`, auth)
	assert.Equal(t, 400, resp.StatusCode)
	assert.NotEmpty(t, errorOf(t, b))
	resp, b = rawCall(t, srv, "PUT", "/api/v1/users/self/settings", `{"blob":"`+strings.Repeat("x", 70<<10)+`"}`, auth)
	assert.Equal(t, 400, resp.StatusCode, "settings over 64 KiB")
	assert.NotEmpty(t, errorOf(t, b))
	resp, b = rawCall(t, srv, "DELETE", "/api/v1/users/self/api-keys/not-a-uuid", "", auth)
	assert.Equal(t, 400, resp.StatusCode)
	assert.NotEmpty(t, errorOf(t, b))
	// Registration failures are 500 on the real server, never 400.
	resp, b = rawCall(t, srv, "POST", "/api/v1/users/register", `{"name":"x","email":"x@example.com","password":"short"}`, map[string]string{"Content-Type": "application/json"})
	assert.Equal(t, 500, resp.StatusCode)
	assert.Equal(t, "password must be at least 6 characters", errorOf(t, b))
	resp, b = rawCall(t, srv, "GET", "/api/v1/nothing-here", "", nil)
	assert.Equal(t, 404, resp.StatusCode)
	assert.Equal(t, "404 page not found\n", string(b))

	// createApiKey validation failures are 422 with fields keyed by the Go
	// field name, as on the real server.
	_, _, err = hb.CreateAPIKey(ctx, homebox.APIKeyCreate{Name: ""})
	ae := apiErr(t, err, client.ErrBadRequest, 422, "Validation Error")
	assert.Equal(t, map[string]string{"Name": "Key: 'APIKeyCreate.Name' Error:Field validation for 'Name' failed on the 'required' tag"}, ae.Fields)
	_, _, err = hb.CreateAPIKey(ctx, homebox.APIKeyCreate{Name: strings.Repeat("n", 256)})
	ae = apiErr(t, err, client.ErrBadRequest, 422, "Validation Error")
	assert.Equal(t, map[string]string{"Name": "Key: 'APIKeyCreate.Name' Error:Field validation for 'Name' failed on the 'max' tag"}, ae.Fields)
	resp, b = rawCall(t, srv, "POST", "/api/v1/users/self/api-keys", `{}`, auth)
	assert.Equal(t, 422, resp.StatusCode, "a missing name is the validator's 'required', not a 400")
	assert.Contains(t, string(b), `"Name"`)
	k, _, err := hb.CreateAPIKey(ctx, homebox.APIKeyCreate{Name: "   "})
	require.NoError(t, err, "a name of spaces passes required,min=1")
	assert.Equal(t, "   ", k.Name)
}

// TestHomeboxRealServerAnswers: each difference the second real-server run
// found between the fake and Homebox v0.26.2-46 (NOTES.md, last section).
func TestHomeboxRealServerAnswers(t *testing.T) {
	srv, clock, tr := start(t)
	ctx := context.Background()
	hb := newClient(t, srv, tr, client.WithMaxRetries(0))
	tok, _, err := hb.UserLogin(ctx, srv.Email, srv.Password, false)
	require.NoError(t, err)
	auth := map[string]string{"Authorization": tok.Token, "Content-Type": "application/json"}

	// Router level: the upstream spec's change-password path is not routed
	// (404 text/plain); a wrong method is 405 with an empty body and Allow.
	resp, b := rawCall(t, srv, "PUT", "/api/v1/users/change-password", `{"current":"a","new":"b"}`, auth)
	assert.Equal(t, 404, resp.StatusCode)
	assert.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Equal(t, "404 page not found\n", string(b))
	resp, b = rawCall(t, srv, "PATCH", "/api/v1/users/self", `{}`, auth)
	assert.Equal(t, 405, resp.StatusCode)
	assert.Empty(t, b)
	assert.Equal(t, "GET, PUT, DELETE", resp.Header.Get("Allow"))
	assert.Empty(t, resp.Header.Get("Content-Type"))

	// Every JSON answer says charset=utf-8, success or error.
	_, r, err := hb.GetUserSelf(ctx)
	require.NoError(t, err)
	assert.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))
	_, _, err = hb.UserLogin(ctx, srv.Email, "wrong", false)
	ae := apiErr(t, err, client.ErrUnauthorized, 401, "unauthorized")
	assert.Equal(t, "application/json; charset=utf-8", ae.Header.Get("Content-Type"))

	// OIDC routes are not mounted by default: plain-text 404.
	resp, b = rawCall(t, srv, "GET", "/api/v1/users/login/oidc", "", nil)
	assert.Equal(t, 404, resp.StatusCode)
	assert.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Equal(t, "404 page not found\n", string(b))

	// Register: validation failures are 500 with the server's text.
	for body, msg := range map[string]string{
		`{"name":"A","email":"a@example.com","password":"12345"}`: "password must be at least 6 characters",
		`{"name":"","email":"a@example.com","password":"123456"}`: `ent: validator failed for field "User.name": value is less than the required length`,
		`{"name":"A","email":"","password":"123456"}`:             `ent: validator failed for field "User.email": value is less than the required length`,
		`{"name":"A","email":"a@example.com"}`:                    "password must be at least 6 characters",
	} {
		resp, b = rawCall(t, srv, "POST", "/api/v1/users/register", body, map[string]string{"Content-Type": "application/json"})
		assert.Equal(t, 500, resp.StatusCode, body)
		assert.Equal(t, msg, errorOf(t, b), body)
	}
	resp, _ = rawCall(t, srv, "POST", "/api/v1/users/register", `{not json`, map[string]string{"Content-Type": "application/json"})
	assert.Equal(t, 500, resp.StatusCode, "an undecodable registration is 500")

	// Reset password: a short or unknown token is the real message; a short
	// password is checked first.
	for _, token := range []string{"x", "0123456789abcdefghijklmnop"} {
		_, err = hb.ResetPassword(ctx, token, "long-enough")
		apiErr(t, err, client.ErrBadRequest, 400, "password reset link is invalid or has expired")
	}
	_, err = hb.ResetPassword(ctx, "x", "short")
	apiErr(t, err, client.ErrBadRequest, 400, "password must be at least 6 characters")

	// API key as the credential: refresh and logout refuse with the real texts.
	key, _, err := hb.CreateAPIKey(ctx, homebox.APIKeyCreate{Name: "script"})
	require.NoError(t, err)
	byKey := newClient(t, srv, tr, client.WithBearerToken(key.Token), client.WithMaxRetries(0))
	_, _, err = byKey.UserTokenRefresh(ctx)
	apiErr(t, err, client.ErrBadRequest, 400, "API keys do not require refresh")
	_, err = byKey.UserLogout(ctx)
	apiErr(t, err, client.ErrBadRequest, 400, "API keys cannot be logged out; revoke them from the API keys page")

	// Change password without "new": taken as "" and accepted (204); the
	// empty password then logs nobody in.
	resp, b = rawCall(t, srv, "PUT", "/api/v1/users/self/change-password", `{"current":"`+srv.Password+`"}`, auth)
	assert.Equal(t, 204, resp.StatusCode, "body %s", b)
	_, _, err = hb.UserLogin(ctx, srv.Email, srv.Password, false)
	apiErr(t, err, client.ErrUnauthorized, 401, "unauthorized")
	// A wrong current password is 500 every time.
	for range 2 {
		resp, b = rawCall(t, srv, "PUT", "/api/v1/users/self/change-password", `{"current":"nope","new":"x"}`, auth)
		assert.Equal(t, 500, resp.StatusCode)
		assert.Equal(t, "Internal Server Error", errorOf(t, b))
	}
	_ = clock
}

// TestHomeboxLogoutAll: every session of the user ends, the caller's too;
// API keys survive and may make the call.
func TestHomeboxLogoutAll(t *testing.T) {
	srv, _, tr := start(t)
	ctx := context.Background()
	a := newClient(t, srv, tr)
	b := newClient(t, srv, tr)
	_, _, err := a.UserLogin(ctx, srv.Email, srv.Password, false)
	require.NoError(t, err)
	_, _, err = b.UserLogin(ctx, srv.Email, srv.Password, true)
	require.NoError(t, err)
	key, _, err := a.CreateAPIKey(ctx, homebox.APIKeyCreate{Name: "stays"})
	require.NoError(t, err)
	assert.Equal(t, 2, srv.Fake.Sessions(srv.Email))

	resp, err := a.UserLogoutAll(ctx)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	assert.Empty(t, a.Token(), "the caller's token is forgotten")
	assert.Equal(t, 0, srv.Fake.Sessions(srv.Email))
	_, _, err = b.GetUserSelf(ctx)
	apiErr(t, err, client.ErrUnauthorized, 401, "valid authorization token is required")

	byKey := newClient(t, srv, tr, client.WithBearerToken(key.Token))
	_, _, err = byKey.GetUserSelf(ctx)
	require.NoError(t, err, "API keys are not sessions")
	_, err = byKey.UserLogoutAll(ctx)
	require.NoError(t, err, "an API key may log the user's sessions out")
	assert.Empty(t, tr.Errors())
}

// TestHomeboxFaults: injected failures for users' own retry tests.
func TestHomeboxFaults(t *testing.T) {
	srv, _, _ := start(t)
	ctx := context.Background()
	hb := newClient(t, srv, srv.Client().Transport)
	_, _, err := hb.UserLogin(ctx, srv.Email, srv.Password, false)
	require.NoError(t, err)

	srv.Faults.FailNext(2, "getUserSelf", http.StatusServiceUnavailable, "0")
	me, resp, err := hb.GetUserSelf(ctx)
	require.NoError(t, err)
	assert.Equal(t, srv.Email, me.Email)
	assert.Equal(t, 3, resp.Attempts)
	assert.Equal(t, 3, srv.Faults.Requests("getUserSelf"))

	// A POST is retried on 503 too: the server said it did not process it.
	srv.Faults.FailNext(1, "createApiKey", http.StatusServiceUnavailable, "0")
	_, resp, err = hb.CreateAPIKey(ctx, homebox.APIKeyCreate{Name: "after 503"})
	require.NoError(t, err)
	assert.Equal(t, 2, resp.Attempts)
	keys, _, err := hb.ListAPIKeys(ctx)
	require.NoError(t, err)
	assert.Len(t, keys, 1, "created once")

	// Out of retries: the fault's body is the service's error shape.
	srv.Faults.FailNext(5, "getUserSelf", http.StatusServiceUnavailable, "0")
	_, _, err = hb.GetUserSelf(ctx, client.WithMaxRetries(1))
	apiErr(t, err, client.ErrServer, 503, "Service Unavailable")
	srv.Faults.Reset()

	srv.Faults.Inject(fake.Fault{Operation: "getUserSelf", Drop: true, Count: 10})
	_, _, err = hb.GetUserSelf(ctx, client.WithMaxRetries(1))
	var te *client.TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 2, te.Attempts)
	srv.Faults.Reset()

	srv.Faults.Inject(fake.Fault{Operation: "listApiKeys", Latency: 300 * time.Millisecond})
	_, _, err = hb.ListAPIKeys(ctx, client.WithTimeout(30*time.Millisecond), client.WithMaxRetries(0))
	require.ErrorAs(t, err, &te)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	_, _, err = hb.ListAPIKeys(ctx)
	require.NoError(t, err, "latency fault consumed")
}

// TestHomeboxConcurrency: many goroutines writing through the facade.
func TestHomeboxConcurrency(t *testing.T) {
	srv, _, tr := start(t)
	srv.Fake.DisableRateLimit()
	ctx := context.Background()
	hb := newClient(t, srv, tr)
	_, _, err := hb.UserLogin(ctx, srv.Email, srv.Password, false)
	require.NoError(t, err)

	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, 3*n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := hb.CreateAPIKey(ctx, homebox.APIKeyCreate{Name: fmt.Sprintf("key-%d", i)}); err != nil {
				errs <- err
			}
			email := fmt.Sprintf("user%d@example.com", i)
			own := newClient(t, srv, tr)
			if _, err := own.RegisterNewUser(ctx, homebox.UserRegistration{Name: "U", Email: email, Password: "password"}); err != nil {
				errs <- err
				return
			}
			if _, _, err := own.UserLogin(ctx, email, "password", false); err != nil {
				errs <- err
				return
			}
			if _, _, err := own.UpdateUserSettings(ctx, homebox.UserSettings{"n": float64(i)}); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	keys, _, err := hb.ListAPIKeys(ctx)
	require.NoError(t, err)
	require.Len(t, keys, n)
	ids := map[uuid.UUID]bool{}
	for _, k := range keys {
		ids[k.ID] = true
	}
	assert.Len(t, ids, n, "unique ids")
	for i := range n {
		u, ok := srv.Fake.User(fmt.Sprintf("user%d@example.com", i))
		require.True(t, ok)
		assert.Equal(t, 1, srv.Fake.Sessions(u.Email))
	}
	assert.Empty(t, tr.Errors())
}

// TestHomeboxUpdateAccountChecks: the database checks name and email on
// update as on create (NOTES: PUT /self without email → 500).
func TestHomeboxUpdateAccountChecks(t *testing.T) {
	srv, _, _ := start(t)
	ctx := context.Background()
	hb := newClient(t, srv, srv.Client().Transport, client.WithMaxRetries(0))
	tok, _, err := hb.UserLogin(ctx, srv.Email, srv.Password, false)
	require.NoError(t, err)
	auth := map[string]string{"Authorization": tok.Token, "Content-Type": "application/json"}
	for body, msg := range map[string]string{
		`{"name":"Admin"}`:            `ent: validator failed for field "User.email": value is less than the required length`,
		`{"email":"admin@admin.com"}`: `ent: validator failed for field "User.name": value is less than the required length`,
		`{"name":"` + strings.Repeat("n", 256) + `","email":"admin@admin.com"}`: `ent: validator failed for field "User.name": value is greater than the required length`,
	} {
		resp, b := rawCall(t, srv, "PUT", "/api/v1/users/self", body, auth)
		assert.Equal(t, 500, resp.StatusCode, body)
		assert.Equal(t, msg, errorOf(t, b))
	}
	me, ok := srv.Fake.User(srv.Email)
	require.True(t, ok, "a refused update changes nothing")
	assert.Equal(t, homeboxfake.SeedName, me.Name)
}

// TestHomeboxThirdRealServerRun: what the third run against the real
// v0.26.2-46 server showed (../shared/reference/homebox/NOTES.md).
func TestHomeboxThirdRealServerRun(t *testing.T) {
	srv, _, _ := start(t)
	js := map[string]string{"Content-Type": "application/json"}

	// null means the zero value: no invitation token is 204; a null name is
	// an empty name (500, as the real server's empty-field failure).
	resp, b := rawCall(t, srv, "POST", "/api/v1/users/register", `{"name":"Nul Token","email":"nul@example.com","password":"correct-horse","token":null}`, js)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode, "register with token null: %s", b)
	resp, b = rawCall(t, srv, "POST", "/api/v1/users/register", `{"name":null,"email":"nul2@example.com","password":"correct-horse"}`, js)
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode, "register with name null: %s", b)

	// The duplicate e-mail's message, as the database says it.
	resp, b = rawCall(t, srv, "POST", "/api/v1/users/register", `{"name":"Again","email":"NUL@example.com","password":"correct-horse"}`, js)
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	assert.Equal(t, "ent: constraint failed: constraint failed: UNIQUE constraint failed: users.email (2067)", errorOf(t, b))

	// The security headers, on every answer: a success, an error, the
	// router's 404.
	want := map[string]string{
		"Cross-Origin-Embedder-Policy":      "require-corp",
		"Cross-Origin-Opener-Policy":        "same-origin",
		"Cross-Origin-Resource-Policy":      "same-site",
		"Referrer-Policy":                   "no-referrer",
		"X-Content-Type-Options":            "nosniff",
		"X-Frame-Options":                   "DENY",
		"X-Permitted-Cross-Domain-Policies": "none",
	}
	login, lb := rawCall(t, srv, "POST", "/api/v1/users/login", `{"username":"nul@example.com","password":"correct-horse"}`, js)
	require.Equal(t, http.StatusOK, login.StatusCode, "%s", lb)
	unauth, _ := rawCall(t, srv, "GET", "/api/v1/users/self", "", nil)
	missing, _ := rawCall(t, srv, "GET", "/api/v1/users/nowhere", "", nil)
	for what, r := range map[string]*http.Response{"login 200": login, "self 401": unauth, "router 404": missing} {
		for k, v := range want {
			assert.Equal(t, v, r.Header.Get(k), "%s: %s", what, k)
		}
		assert.True(t, strings.HasPrefix(r.Header.Get("Permissions-Policy"), "accelerometer=(), autoplay=()"), "%s: Permissions-Policy %q", what, r.Header.Get("Permissions-Policy"))
	}

	// The login answer's keys in the server's struct order.
	assert.Regexp(t, `^\{"token":"Bearer [A-Z2-7]{26}","expiresAt":"[^"]+","attachmentToken":"[A-Z2-7]{26}"\}\n$`, string(lb))
	// Cookies: SameSite=Lax on all; the token and remember cookies
	// HttpOnly, the session flag and the attachment token not.
	cookies := login.Cookies()
	require.Len(t, cookies, 4)
	for _, c := range cookies {
		assert.Equal(t, http.SameSiteLaxMode, c.SameSite, c.Name)
		httpOnly := c.Name == "hb.auth.token" || c.Name == "hb.auth.remember"
		assert.Equal(t, httpOnly, c.HttpOnly, "%s HttpOnly", c.Name)
	}
	var tok homebox.TokenResponse
	require.NoError(t, json.Unmarshal(lb, &tok))
	refresh, rb := rawCall(t, srv, "GET", "/api/v1/users/refresh", "", map[string]string{"Authorization": tok.Token})
	require.Equal(t, http.StatusOK, refresh.StatusCode)
	assert.Regexp(t, `^\{"raw":"[A-Z2-7]{26}","attachmentToken":"[A-Z2-7]{26}","expiresAt":"[^"]+"\}\n$`, string(rb))

	// Reset tokens look like session tokens: 26 base32 characters.
	resp, _ = rawCall(t, srv, "POST", "/api/v1/users/forgot-password", `{"email":"nul@example.com"}`, js)
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	assert.Regexp(t, `^[A-Z2-7]{26}$`, srv.Fake.LastResetToken("nul@example.com"))
}
