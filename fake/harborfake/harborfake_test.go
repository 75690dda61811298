package harborfake_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake"
	"github.com/userapis/userapis-go/fake/harborfake"
	"github.com/userapis/userapis-go/gen/harbor"
	"github.com/userapis/userapis-go/internal/contract"
)

// harness is a started fake with a contract-checking transport.
type harness struct {
	srv *harborfake.Server
	tr  *contract.Transport
	ops []string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile("../../api/harbor.yaml")
	require.NoError(t, err)
	ops := contract.OperationIDs(doc)
	srv := harborfake.Start()
	t.Cleanup(srv.Close)
	v, err := contract.New(doc, srv.URL)
	require.NoError(t, err)
	h := &harness{srv: srv, tr: &contract.Transport{V: v, Next: srv.Client().Transport}, ops: ops}
	t.Cleanup(func() {
		for _, e := range h.tr.Errors() {
			t.Errorf("contract violation: %v", e)
		}
	})
	return h
}

// as returns a facade client for user/pass whose traffic is checked
// against the document.
func (h *harness) as(t *testing.T, user, pass string, opts ...client.ClientOption) *client.Harbor {
	t.Helper()
	base := []client.ClientOption{
		client.WithBaseURL(h.srv.URL),
		client.WithBasicAuth(user, pass),
		client.WithHTTPClient(&http.Client{Transport: h.tr}),
		client.WithRetryBackoff(time.Millisecond, 5*time.Millisecond),
	}
	c, err := client.NewHarbor(append(base, opts...)...)
	require.NoError(t, err)
	return c
}

func (h *harness) admin(t *testing.T) *client.Harbor {
	return h.as(t, h.srv.AdminUser, h.srv.AdminPassword)
}

func (h *harness) user(t *testing.T) *client.Harbor {
	return h.as(t, h.srv.User, h.srv.UserPassword)
}

// raw sends a request without the facade or the contract check (for
// requests the document forbids) and decodes a Harbor Errors body.
func (h *harness) raw(t *testing.T, method, path, body string, hdr map[string]string) (*http.Response, harbor.Errors) {
	t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := h.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var e harbor.Errors
	if resp.StatusCode >= 400 {
		require.NoError(t, json.Unmarshal(b, &e), "error body must be Harbor's Errors shape: %s", b)
		require.Len(t, e.Errors, 1)
	}
	return resp, e
}

func (h *harness) rawAdmin(t *testing.T, method, path, body string) (*http.Response, harbor.Errors) {
	return h.raw(t, method, path, body, map[string]string{"Authorization": basic(h.srv.AdminUser, h.srv.AdminPassword)})
}

func basic(u, p string) string {
	r, _ := http.NewRequest(http.MethodGet, "http://x", nil)
	r.SetBasicAuth(u, p)
	return r.Header.Get("Authorization")
}

// apiError asserts err is an *APIError of the sentinel class and
// returns it.
func apiError(t *testing.T, err error, sentinel error) *client.APIError {
	t.Helper()
	require.Error(t, err)
	var ae *client.APIError
	require.ErrorAs(t, err, &ae)
	require.ErrorIs(t, err, sentinel, "status %d: %s", ae.StatusCode, ae.Message)
	return ae
}

func newUserReq(name string) harbor.UserCreationReq {
	return harbor.UserCreationReq{
		Username: name, Email: name + "@example.org", Realname: "User " + name,
		Password: "Secr3tPassword", Comment: client.Ptr("created by test"),
	}
}

func TestHarborContractCoversEveryOperation(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	admin := h.admin(t)

	users, resp, err := admin.ListUsers(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, users, 3)
	assert.Equal(t, 3, resp.TotalCount)

	id, resp, err := admin.CreateUser(ctx, newUserReq("dave"))
	require.NoError(t, err)
	assert.Equal(t, int64(6), id)
	assert.Equal(t, "/api/v2.0/users/6", resp.Header.Get("Location"))

	dave, _, err := admin.GetUser(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "dave", dave.Username)

	_, err = admin.UpdateUserProfile(ctx, id, harbor.UserProfile{Email: "dave@example.net", Realname: "Dave"})
	require.NoError(t, err)
	_, err = admin.SetUserSysAdmin(ctx, id, true)
	require.NoError(t, err)
	_, err = admin.UpdateUserPassword(ctx, id, harbor.PasswordReq{NewPassword: "An0therPassword"})
	require.NoError(t, err)

	found, _, err := admin.SearchUsers(ctx, "dav", nil)
	require.NoError(t, err)
	assert.Equal(t, []harbor.UserSearchRespItem{{UserID: id, Username: "dave"}}, found)

	me, _, err := admin.GetCurrentUserInfo(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(1), me.UserID)

	perms, _, err := admin.GetCurrentUserPermissions(ctx, &harbor.GetCurrentUserPermissionsParams{Scope: client.Ptr("/system")})
	require.NoError(t, err)
	assert.NotEmpty(t, perms)

	_, err = admin.SetCliSecret(ctx, id, "CliSecret2024")
	apiError(t, err, client.ErrPreconditionFailed)

	_, err = admin.DeleteUser(ctx, id)
	require.NoError(t, err)

	h.srv.Fake.SetAuthMode(harborfake.AuthOIDC)
	_, err = admin.SetCliSecret(ctx, h.srv.UserID, "CliSecret2024")
	require.NoError(t, err)

	assert.Empty(t, h.tr.Errors())
	for _, op := range h.ops {
		assert.Contains(t, h.tr.Covered(), op)
	}
}

func TestHarborAuthAndRequestID(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()

	// No credentials: 401 in Harbor's Errors shape, with a generated request id.
	resp, e := h.raw(t, http.MethodGet, "/api/v2.0/users/current", "", nil)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, "UNAUTHORIZED", e.Errors[0].Code)
	assert.Len(t, resp.Header.Get("X-Request-Id"), 36)
	// An empty X-Request-Id is replaced, as Harbor's middleware does.
	resp, _ = h.raw(t, http.MethodGet, "/api/v2.0/users/current", "", map[string]string{"X-Request-Id": ""})
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Len(t, resp.Header.Get("X-Request-Id"), 36)

	// Wrong password through the facade: typed error with the code.
	_, _, err := h.as(t, h.srv.AdminUser, "wrong").GetCurrentUserInfo(ctx)
	ae := apiError(t, err, client.ErrUnauthorized)
	assert.Equal(t, "UNAUTHORIZED", ae.Code)
	assert.NotEmpty(t, ae.RequestID)

	// The caller's X-Request-Id is echoed, on success and on failure.
	me, resp2, err := h.user(t).GetCurrentUserInfo(ctx, client.WithRequestID("req-42"))
	require.NoError(t, err)
	assert.Equal(t, "req-42", resp2.RequestID)
	assert.Equal(t, h.srv.User, me.Username)
	assert.Equal(t, h.srv.UserID, me.UserID)
	assert.False(t, me.SysadminFlag)
	_, _, err = h.user(t).ListUsers(ctx, nil, client.WithRequestID("req-43"))
	ae = apiError(t, err, client.ErrForbidden)
	assert.Equal(t, "req-43", ae.RequestID)

	// Harbor accepts the email as the login name.
	me, _, err = h.as(t, "alice@example.com", h.srv.UserPassword).GetCurrentUserInfo(ctx)
	require.NoError(t, err)
	assert.Equal(t, "alice", me.Username)

	// A robot is authenticated but not a local user.
	_, _, err = h.as(t, h.srv.RobotUser, h.srv.RobotPassword).GetCurrentUserInfo(ctx)
	ae = apiError(t, err, client.ErrPreconditionFailed)
	assert.Equal(t, "PRECONDITION", ae.Code)
	_, _, err = h.as(t, h.srv.RobotUser, "nope").GetCurrentUserInfo(ctx)
	apiError(t, err, client.ErrUnauthorized)

	// Unknown endpoint and method: Errors shape too.
	resp, e = h.rawAdmin(t, http.MethodGet, "/api/v2.0/nothing", "")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Equal(t, "NOT_FOUND", e.Errors[0].Code)
	resp, e = h.rawAdmin(t, http.MethodPatch, "/api/v2.0/users/3", "{}")
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Equal(t, "METHOD_NOT_ALLOWED", e.Errors[0].Code)
}

func TestHarborCreateUser(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	admin := h.admin(t)
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	h.srv.Fake.SetClock(func() time.Time { return t0 })

	id, _, err := admin.CreateUser(ctx, newUserReq("erin"))
	require.NoError(t, err)
	u, _, err := admin.GetUser(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "erin@example.org", *u.Email)
	assert.Equal(t, "User erin", *u.Realname)
	assert.Equal(t, "created by test", *u.Comment)
	assert.False(t, u.SysadminFlag)
	assert.Nil(t, u.OIDCUserMeta)
	assert.True(t, u.CreationTime.Equal(t0))
	// The new user can log in.
	me, _, err := h.as(t, "erin", "Secr3tPassword").GetCurrentUserInfo(ctx)
	require.NoError(t, err)
	assert.Equal(t, id, me.UserID)

	// Duplicates: username or email.
	_, _, err = admin.CreateUser(ctx, newUserReq("erin"))
	ae := apiError(t, err, client.ErrConflict)
	assert.Equal(t, "CONFLICT", ae.Code)
	dup := newUserReq("erin2")
	dup.Email = "alice@example.com"
	_, _, err = admin.CreateUser(ctx, dup)
	apiError(t, err, client.ErrConflict)

	// Password rule: 8-128 characters with upper, lower and digit.
	for _, pw := range []string{"Sh0rt", "alllower1", "ALLUPPER1", "NoDigitsHere", "A1" + strings.Repeat("a", 127)} {
		req := newUserReq("weak")
		req.Password = pw
		_, _, err = admin.CreateUser(ctx, req)
		ae = apiError(t, err, client.ErrBadRequest)
		assert.Equal(t, http.StatusBadRequest, ae.StatusCode, pw)
		assert.Contains(t, ae.Message, "password or secret", pw)
	}
	ok := newUserReq("edge")
	ok.Password = "A1" + strings.Repeat("a", 126)
	_, _, err = admin.CreateUser(ctx, ok)
	require.NoError(t, err)

	// Profile rules.
	for msg, mutate := range map[string]func(*harbor.UserCreationReq){
		"email with illegal format":            func(r *harbor.UserCreationReq) { r.Email = "not-an-email" },
		"realname contains illegal characters": func(r *harbor.UserCreationReq) { r.Realname = "a,b" },
		"comment with illegal length":          func(r *harbor.UserCreationReq) { r.Comment = client.Ptr(strings.Repeat("c", 31)) },
		"username contains illegal characters": func(r *harbor.UserCreationReq) { r.Username = "a#b" },
	} {
		req := newUserReq("rules")
		mutate(&req)
		_, _, err = admin.CreateUser(ctx, req)
		ae = apiError(t, err, client.ErrBadRequest)
		assert.Equal(t, msg, ae.Message)
	}

	// Missing fields reach the handler's checks (400), in its order.
	resp, e := h.rawAdmin(t, http.MethodPost, "/api/v2.0/users", `{"username":"x","password":"Passw0rdX","realname":"X"}`)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Equal(t, "email can't be empty", e.Errors[0].Message)
	// Binding failures are go-swagger's 422.
	resp, e = h.rawAdmin(t, http.MethodPost, "/api/v2.0/users", `{"username":`+`"`+strings.Repeat("u", 256)+`"}`)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Equal(t, "UNPROCESSABLE_ENTITY", e.Errors[0].Code)
	assert.Equal(t, "validation failure list:\nusername in body should be at most 255 chars long", e.Errors[0].Message)
	resp, e = h.rawAdmin(t, http.MethodPost, "/api/v2.0/users", `{"username": 5}`)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, e.Errors[0].Message, `parsing userReq body from "" failed`)
	resp, e = h.rawAdmin(t, http.MethodPost, "/api/v2.0/users", `{not json`)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, e.Errors[0].Message, "invalid character")

	// Only a system admin, unless self-registration (which the API refuses
	// to anyone but an admin all the same).
	_, _, err = h.user(t).CreateUser(ctx, newUserReq("frank"))
	apiError(t, err, client.ErrForbidden)
	resp, e = h.raw(t, http.MethodPost, "/api/v2.0/users", `{"username":"frank"}`, nil)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, e)
	h.srv.Fake.SetSelfRegistration(true)
	_, _, err = h.user(t).CreateUser(ctx, newUserReq("frank"))
	ae = apiError(t, err, client.ErrForbidden)
	assert.Equal(t, "self-registration cannot be triggered via API", ae.Message)
	resp, e = h.raw(t, http.MethodPost, "/api/v2.0/users", `{"username":"frank"}`, nil)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Equal(t, "self-registration cannot be triggered via API", e.Errors[0].Message)
	_, _, err = admin.CreateUser(ctx, newUserReq("frank"))
	require.NoError(t, err)

	// Only under db_auth.
	h.srv.Fake.SetAuthMode(harborfake.AuthLDAP)
	_, _, err = admin.CreateUser(ctx, newUserReq("gina"))
	ae = apiError(t, err, client.ErrForbidden)
	assert.Contains(t, ae.Message, "ldap_auth")
	_, ok2 := h.srv.Fake.UserByName("gina")
	assert.False(t, ok2)
}

func TestHarborGetUser(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()

	me, _, err := h.user(t).GetUser(ctx, h.srv.UserID)
	require.NoError(t, err)
	assert.Equal(t, "alice", me.Username)
	assert.Equal(t, "QA team", *me.Comment)
	assert.Equal(t, "2024-05-02T09:30:00Z", me.CreationTime.Format(time.RFC3339))

	// RequireSystemAccess's 403 carries the caller's username (REAL-SERVER 4),
	// with the error Content-Type of the real server (REAL-SERVER 3).
	_, resp0, err := h.user(t).GetUser(ctx, 4)
	ae := apiError(t, err, client.ErrForbidden)
	assert.Equal(t, "alice", ae.Message)
	assert.Equal(t, "application/json; charset=utf-8", resp0.Header.Get("Content-Type"))
	_, resp0, err = h.user(t).GetUser(ctx, h.srv.UserID)
	require.NoError(t, err)
	assert.Equal(t, "application/json", resp0.Header.Get("Content-Type"), "2xx JSON has no charset")

	bob, _, err := h.admin(t).GetUser(ctx, 4)
	require.NoError(t, err)
	assert.Equal(t, "bob", bob.Username)
	assert.Nil(t, bob.Comment, "empty properties are omitted")

	_, _, err = h.admin(t).GetUser(ctx, 2) // the built-in anonymous user is deleted
	apiError(t, err, client.ErrNotFound)
	_, _, err = h.admin(t).GetUser(ctx, 999)
	ae = apiError(t, err, client.ErrNotFound)
	assert.Equal(t, "NOT_FOUND", ae.Code)
	assert.Equal(t, "user 999 not found", ae.Message)

	// The built-in admin has no email (REAL-SERVER 11).
	root, _, err := h.admin(t).GetUser(ctx, 1)
	require.NoError(t, err)
	assert.Nil(t, root.Email)

	// A user id that is not an integer is go-swagger's 422, not plain text.
	resp, e := h.rawAdmin(t, http.MethodGet, "/api/v2.0/users/abc", "")
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Equal(t, "validation failure list:\nuser_id in path must be of type int64: \"abc\"", e.Errors[0].Message)
	assert.NotEmpty(t, resp.Header.Get("X-Request-Id"))
}

func TestHarborUpdateUserProfile(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	t1 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	h.srv.Fake.SetClock(func() time.Time { return t1 })

	_, err := h.user(t).UpdateUserProfile(ctx, h.srv.UserID, harbor.UserProfile{Email: "alice@example.org", Realname: "Alice L."})
	require.NoError(t, err)
	me, _, err := h.user(t).GetCurrentUserInfo(ctx)
	require.NoError(t, err)
	assert.Equal(t, "alice@example.org", *me.Email)
	assert.Equal(t, "Alice L.", *me.Realname)
	assert.Nil(t, me.Comment, "an omitted comment is cleared")
	assert.True(t, me.UpdateTime.Equal(t1))
	assert.Equal(t, "2024-05-02T09:30:00Z", me.CreationTime.Format(time.RFC3339))
	// The old email is free again, the new one taken.
	_, _, err = h.admin(t).CreateUser(ctx, harbor.UserCreationReq{Username: "alice2", Email: "alice@example.com", Realname: "A", Password: "Passw0rdA2"})
	require.NoError(t, err)

	_, err = h.user(t).UpdateUserProfile(ctx, 4, harbor.UserProfile{Email: "bob@example.org", Realname: "Bob"})
	ae := apiError(t, err, client.ErrForbidden)
	assert.Equal(t, "alice", ae.Message, "db_auth: RequireSystemAccess names the caller")
	_, err = h.admin(t).UpdateUserProfile(ctx, 4, harbor.UserProfile{Email: "bob@example.org", Realname: "Bob", Comment: client.Ptr("x")})
	require.NoError(t, err)
	bob, _ := h.srv.Fake.User(4)
	assert.Equal(t, "bob@example.org", bob.Email)

	for msg, p := range map[string]harbor.UserProfile{
		"email with illegal format":            {Email: "x@", Realname: "R"},
		"realname with illegal length":         {Email: "a@b.co", Realname: strings.Repeat("r", 256)},
		"realname contains illegal characters": {Email: "a@b.co", Realname: "50%"},
		"comment with illegal length":          {Email: "a@b.co", Realname: "R", Comment: client.Ptr(strings.Repeat("c", 31))},
	} {
		_, err = h.user(t).UpdateUserProfile(ctx, h.srv.UserID, p)
		ae = apiError(t, err, client.ErrBadRequest)
		assert.Equal(t, msg, ae.Message)
	}
	resp, e := h.raw(t, http.MethodPut, "/api/v2.0/users/3", `{"realname":"R"}`, map[string]string{"Authorization": basic(h.srv.User, h.srv.UserPassword)})
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Equal(t, "email can't be empty", e.Errors[0].Message)

	_, err = h.admin(t).UpdateUserProfile(ctx, 999, harbor.UserProfile{Email: "a@b.co", Realname: "R"})
	ae = apiError(t, err, client.ErrNotFound)
	assert.Equal(t, "user with id 999 not found", ae.Message)

	// Outside db_auth only user 1 can be updated, by a system admin.
	h.srv.Fake.SetAuthMode(harborfake.AuthLDAP)
	_, err = h.user(t).UpdateUserProfile(ctx, h.srv.UserID, harbor.UserProfile{Email: "a@b.co", Realname: "R"})
	ae = apiError(t, err, client.ErrForbidden)
	assert.Equal(t, "User with ID 3 can't be updated", ae.Message)
	_, err = h.admin(t).UpdateUserProfile(ctx, 1, harbor.UserProfile{Email: "root@example.com", Realname: "root"})
	require.NoError(t, err)
}

func TestHarborDeleteUser(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	admin := h.admin(t)
	carol := h.as(t, "carol", "Passw0rdCarol") // a second system admin

	_, err := h.user(t).DeleteUser(ctx, 4)
	ae := apiError(t, err, client.ErrForbidden)
	assert.Equal(t, "alice", ae.Message)
	_, err = admin.DeleteUser(ctx, 1)
	apiError(t, err, client.ErrForbidden)
	_, err = carol.DeleteUser(ctx, 1)
	ae = apiError(t, err, client.ErrForbidden)
	assert.Equal(t, "User with ID 1 cannot be deleted", ae.Message)
	_, err = carol.DeleteUser(ctx, 5)
	apiError(t, err, client.ErrForbidden)

	_, err = admin.DeleteUser(ctx, 4)
	require.NoError(t, err)

	// Gone from every read; the row stays, renamed.
	_, _, err = admin.GetUser(ctx, 4)
	apiError(t, err, client.ErrNotFound)
	users, resp, err := admin.ListUsers(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, 2, resp.TotalCount)
	for _, u := range users {
		assert.NotEqual(t, int64(4), u.UserID)
	}
	found, _, err := admin.SearchUsers(ctx, "bob", nil)
	require.NoError(t, err)
	assert.Empty(t, found)
	_, _, err = h.as(t, "bob", "Passw0rdBob1").GetCurrentUserInfo(ctx)
	apiError(t, err, client.ErrUnauthorized)
	row, ok := h.srv.Fake.User(4)
	require.True(t, ok)
	assert.True(t, row.Deleted)
	assert.Equal(t, "bob#4", row.Username)

	_, err = admin.DeleteUser(ctx, 4)
	ae = apiError(t, err, client.ErrNotFound)
	assert.Equal(t, "user 4 not found", ae.Message)

	// Username and email are free again.
	id, _, err := admin.CreateUser(ctx, harbor.UserCreationReq{Username: "bob", Email: "bob@example.com", Realname: "Bob 2", Password: "Passw0rdBob2"})
	require.NoError(t, err)
	assert.NotEqual(t, int64(4), id)
}

func TestHarborSetUserSysAdmin(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	alice := h.user(t)

	_, err := alice.SetUserSysAdmin(ctx, h.srv.UserID, true)
	apiError(t, err, client.ErrForbidden)
	_, _, err = alice.ListUsers(ctx, nil)
	apiError(t, err, client.ErrForbidden)

	_, err = h.admin(t).SetUserSysAdmin(ctx, h.srv.UserID, true)
	require.NoError(t, err)
	users, _, err := alice.ListUsers(ctx, nil)
	require.NoError(t, err, "a promoted user lists users")
	assert.NotEmpty(t, users)
	me, _, err := alice.GetCurrentUserInfo(ctx)
	require.NoError(t, err)
	assert.True(t, me.SysadminFlag)

	_, err = h.admin(t).SetUserSysAdmin(ctx, h.srv.UserID, false)
	require.NoError(t, err)
	_, _, err = alice.ListUsers(ctx, nil)
	apiError(t, err, client.ErrForbidden)

	_, err = h.admin(t).SetUserSysAdmin(ctx, 999, true)
	apiError(t, err, client.ErrNotFound)
}

func TestHarborUpdateUserPassword(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	alice := h.user(t)

	// Own password: the old one is required and verified.
	_, err := alice.UpdateUserPassword(ctx, h.srv.UserID, harbor.PasswordReq{OldPassword: client.Ptr("wrong"), NewPassword: "N3wPassw0rd"})
	ae := apiError(t, err, client.ErrForbidden)
	assert.Equal(t, "Current password is incorrect", ae.Message)
	_, err = alice.UpdateUserPassword(ctx, h.srv.UserID, harbor.PasswordReq{NewPassword: "N3wPassw0rd"})
	apiError(t, err, client.ErrForbidden)
	_, err = alice.UpdateUserPassword(ctx, h.srv.UserID, harbor.PasswordReq{OldPassword: &h.srv.UserPassword, NewPassword: h.srv.UserPassword})
	ae = apiError(t, err, client.ErrBadRequest)
	assert.Equal(t, "New password is identical to old password", ae.Message)
	_, err = alice.UpdateUserPassword(ctx, h.srv.UserID, harbor.PasswordReq{OldPassword: &h.srv.UserPassword, NewPassword: "weak"})
	ae = apiError(t, err, client.ErrBadRequest)
	assert.Contains(t, ae.Message, "password or secret")
	_, err = alice.UpdateUserPassword(ctx, 4, harbor.PasswordReq{OldPassword: client.Ptr("Passw0rdBob1"), NewPassword: "N3wPassw0rd"})
	apiError(t, err, client.ErrForbidden)

	_, err = alice.UpdateUserPassword(ctx, h.srv.UserID, harbor.PasswordReq{OldPassword: &h.srv.UserPassword, NewPassword: "N3wPassw0rd"})
	require.NoError(t, err)
	_, _, err = alice.GetCurrentUserInfo(ctx)
	apiError(t, err, client.ErrUnauthorized)
	_, _, err = h.as(t, h.srv.User, "N3wPassw0rd").GetCurrentUserInfo(ctx)
	require.NoError(t, err)

	// An admin changes someone else's without the old one.
	_, err = h.admin(t).UpdateUserPassword(ctx, 4, harbor.PasswordReq{NewPassword: "B0bNewPassword"})
	require.NoError(t, err)
	_, _, err = h.as(t, "bob", "B0bNewPassword").GetCurrentUserInfo(ctx)
	require.NoError(t, err)
	_, err = h.admin(t).UpdateUserPassword(ctx, 999, harbor.PasswordReq{NewPassword: "B0bNewPassword2"})
	ae = apiError(t, err, client.ErrNotFound)
	assert.Equal(t, "user 999 not found", ae.Message)

	// The new password is compared with the target's current one, whoever
	// the caller is (REAL-SERVER 12): the admin setting bob's to what it is.
	_, err = h.admin(t).UpdateUserPassword(ctx, 4, harbor.PasswordReq{NewPassword: "B0bNewPassword"})
	ae = apiError(t, err, client.ErrBadRequest)
	assert.Equal(t, "New password is identical to old password", ae.Message)
	// ... and not with the caller's own.
	_, err = h.admin(t).UpdateUserPassword(ctx, 4, harbor.PasswordReq{NewPassword: h.srv.AdminPassword})
	require.NoError(t, err)
	// The rule's exact message (REAL-SERVER 5).
	_, err = h.admin(t).UpdateUserPassword(ctx, 4, harbor.PasswordReq{NewPassword: "short"})
	ae = apiError(t, err, client.ErrBadRequest)
	assert.Equal(t, "the password or secret must be 8-128, inclusively, characters long with at least 1 uppercase letter, 1 lowercase letter and 1 number", ae.Message)
}

// TestHarborAnonymousBare500: an anonymous caller of the operations whose
// handler reaches matchUserID gets 500 with no body and no Content-Type,
// only X-Request-Id (REAL-SERVER 2); the facade makes it an *APIError.
func TestHarborAnonymousBare500(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	anon := h.as(t, "nobody", "wrong", client.WithMaxRetries(0))
	check := func(what string, resp *client.Response, err error) {
		t.Helper()
		ae := apiError(t, err, client.ErrServer)
		assert.Equal(t, http.StatusInternalServerError, ae.StatusCode, what)
		assert.Empty(t, ae.Body, what)
		require.NotNil(t, resp, what)
		assert.Empty(t, resp.Header.Get("Content-Type"), what)
		assert.NotEmpty(t, resp.Header.Get("X-Request-Id"), what)
	}
	_, resp, err := anon.GetUser(ctx, 3)
	check("getUser", resp, err)
	resp, err = anon.UpdateUserProfile(ctx, 3, harbor.UserProfile{Email: "a@b.co", Realname: "R"})
	check("updateUserProfile", resp, err)
	resp, err = anon.UpdateUserPassword(ctx, 3, harbor.PasswordReq{NewPassword: "N3wPassw0rd"})
	check("updateUserPassword", resp, err)
	// Without any Authorization header too.
	raw, err := h.srv.Client().Get(h.srv.URL + "/api/v2.0/users/3")
	require.NoError(t, err)
	body, _ := io.ReadAll(raw.Body)
	_ = raw.Body.Close()
	assert.Equal(t, http.StatusInternalServerError, raw.StatusCode)
	assert.Empty(t, raw.Header.Get("Content-Type"))
	assert.Empty(t, body)
	// The others start with RequireAuthenticated: 401 in the Errors shape.
	_, _, err = anon.GetCurrentUserInfo(ctx)
	apiError(t, err, client.ErrUnauthorized)
	_, err = anon.DeleteUser(ctx, 4)
	apiError(t, err, client.ErrUnauthorized)
	_, err = anon.SetUserSysAdmin(ctx, 4, true)
	apiError(t, err, client.ErrUnauthorized)
	// searchUsers too, with a wrong credential and with none at all: it is
	// the one read that lists other users' names.
	_, _, err = anon.SearchUsers(ctx, "a", nil)
	ae := apiError(t, err, client.ErrUnauthorized)
	assert.Equal(t, "UNAUTHORIZED", ae.Code)
	raw, err = h.srv.Client().Get(h.srv.URL + "/api/v2.0/users/search?username=a")
	require.NoError(t, err)
	body, _ = io.ReadAll(raw.Body)
	_ = raw.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, raw.StatusCode, "anonymous search: %s", body)
	assert.NotContains(t, string(body), h.srv.User, "an anonymous search lists no user")
	// Under oidc_auth the same happens to setCliSecret, and an update of a
	// user other than 1 is refused before matchUserID is reached.
	h.srv.Fake.SetAuthMode(harborfake.AuthOIDC)
	resp, err = anon.SetCliSecret(ctx, 3, "CliSecret2024")
	check("setCliSecret (oidc_auth)", resp, err)
	_, err = anon.UpdateUserProfile(ctx, 3, harbor.UserProfile{Email: "a@b.co", Realname: "R"})
	ae = apiError(t, err, client.ErrForbidden)
	assert.Equal(t, "User with ID 3 can't be updated", ae.Message)
	_, err = anon.UpdateUserPassword(ctx, 1, harbor.PasswordReq{NewPassword: "N3wPassw0rd"})
	apiError(t, err, client.ErrUnauthorized)
}

func TestHarborCliSecret(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	admin := h.admin(t)

	_, err := h.user(t).SetCliSecret(ctx, h.srv.UserID, "CliSecret2024")
	ae := apiError(t, err, client.ErrPreconditionFailed)
	assert.Equal(t, "unable to update CLI secret under authmode: db_auth", ae.Message)
	// Harbor checks the auth mode before the credentials and the id.
	resp, e := h.raw(t, http.MethodPut, "/api/v2.0/users/3/cli_secret", `{"secret":"CliSecret2024"}`, nil)
	assert.Equal(t, http.StatusPreconditionFailed, resp.StatusCode)
	assert.Equal(t, "PRECONDITION", e.Errors[0].Code)
	_, err = admin.SetCliSecret(ctx, 999, "CliSecret2024")
	apiError(t, err, client.ErrPreconditionFailed)

	h.srv.Fake.SetAuthMode(harborfake.AuthOIDC)
	_, err = admin.SetCliSecret(ctx, h.srv.UserID, "CliSecret2024")
	require.NoError(t, err)
	u, _, err := admin.GetUser(ctx, h.srv.UserID)
	require.NoError(t, err)
	require.NotNil(t, u.OIDCUserMeta)
	assert.Equal(t, "CliSecret2024", *u.OIDCUserMeta.Secret)
	assert.Equal(t, h.srv.UserID, u.OIDCUserMeta.UserID)
	me, _, err := admin.GetCurrentUserInfo(ctx)
	require.NoError(t, err)
	assert.Nil(t, me.OIDCUserMeta, "user 1 authenticates against the DB")

	// CLI secrets are not credentials on /users* (REAL-SERVER 8): an OIDC
	// user with its secret is anonymous here; so is its password.
	_, _, err = h.user(t).GetCurrentUserInfo(ctx)
	apiError(t, err, client.ErrUnauthorized)
	alice := h.as(t, h.srv.User, "CliSecret2024", client.WithMaxRetries(0))
	_, _, err = alice.GetCurrentUserInfo(ctx)
	apiError(t, err, client.ErrUnauthorized)
	_, err = alice.SetCliSecret(ctx, h.srv.UserID, "Rotated2025x")
	ae = apiError(t, err, client.ErrServer)
	assert.Empty(t, ae.Body, "its own setCliSecret is the bare 500")

	// A weak secret is refused before the user is looked up.
	_, err = admin.SetCliSecret(ctx, 999, "weak")
	apiError(t, err, client.ErrBadRequest)
	// An empty secret makes the server generate a 9-character one.
	_, err = admin.SetCliSecret(ctx, h.srv.UserID, "")
	require.NoError(t, err)
	row, _ := h.srv.Fake.User(h.srv.UserID)
	assert.NotEqual(t, "CliSecret2024", row.CLISecret)
	assert.Len(t, row.CLISecret, 9)
	assert.Regexp(t, `^[A-Za-z0-9]{9}$`, row.CLISecret)

	// No OIDC record (user 1, a missing id): 404 with the server's wording.
	_, err = admin.SetCliSecret(ctx, 1, "AdminSecret1")
	ae = apiError(t, err, client.ErrNotFound)
	assert.Equal(t, "oidc info for user 1 not found", ae.Message)
	_, err = admin.SetCliSecret(ctx, 999, "AdminSecret1")
	ae = apiError(t, err, client.ErrNotFound)
	assert.Equal(t, "oidc info for user 999 not found", ae.Message)
	// Local user management is closed under OIDC (REAL-SERVER 9).
	_, _, err = admin.CreateUser(ctx, newUserReq("oidcuser"))
	ae = apiError(t, err, client.ErrForbidden)
	assert.Equal(t, "creating local user is not allowed under auth mode: oidc_auth", ae.Message)
	_, err = admin.UpdateUserPassword(ctx, h.srv.UserID, harbor.PasswordReq{NewPassword: "N3wPassw0rd"})
	ae = apiError(t, err, client.ErrForbidden)
	assert.Equal(t, "User with ID 3 can't be updated", ae.Message)
}

func TestHarborPermissions(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	perms := func(c *client.Harbor, scope string, relative bool) []harbor.Permission {
		t.Helper()
		p := &harbor.GetCurrentUserPermissionsParams{Scope: &scope}
		if relative {
			p.Relative = client.Ptr(true)
		}
		list, _, err := c.GetCurrentUserPermissions(ctx, p)
		require.NoError(t, err)
		return list
	}
	admin, alice := h.admin(t), h.user(t)

	// /system: 53 permissions with bare resource names, none relative
	// (REAL-SERVER 10).
	system := perms(admin, "/system", false)
	assert.Len(t, system, 53)
	assert.Equal(t, harbor.Permission{Resource: "catalog", Action: "read"}, system[0])
	assert.Contains(t, system, harbor.Permission{Resource: "user", Action: "list"})
	assert.Contains(t, system, harbor.Permission{Resource: "jobservice-monitor", Action: "stop"})
	for _, p := range system {
		assert.False(t, strings.HasPrefix(p.Resource, "/"), "system resource %q has a prefix", p.Resource)
	}
	assert.Empty(t, perms(admin, "/system", true), "bare names are not relative to /system")
	assert.Empty(t, perms(alice, "/system", false))
	// /project/1: the projectAdmin role's 75 for a system admin.
	project := perms(admin, "/project/1", false)
	assert.Len(t, project, 75)
	assert.Equal(t, harbor.Permission{Resource: "/project/1", Action: "read"}, project[0])
	assert.Contains(t, project, harbor.Permission{Resource: "/project/1/repository", Action: "push"})
	rel := perms(admin, "/project/1", true)
	assert.Len(t, rel, 75)
	assert.Contains(t, rel, harbor.Permission{Resource: "export-cve", Action: "list"})
	assert.Empty(t, perms(admin, "/project/7", false), "no such project")

	public := perms(alice, "/project/1", true)
	assert.Len(t, public, 12)
	assert.Contains(t, public, harbor.Permission{Resource: "repository", Action: "pull"})
	assert.Contains(t, public, harbor.Permission{Resource: "label", Action: "read"})
	assert.Contains(t, public, harbor.Permission{Resource: "scanner", Action: "read"})
	assert.NotContains(t, public, harbor.Permission{Resource: "repository", Action: "push"})
	assert.Contains(t, public, harbor.Permission{Resource: ".", Action: "read"})
	assert.Empty(t, perms(alice, "/project/2", false))
	assert.Empty(t, perms(alice, "/nowhere", false))

	robot := perms(h.as(t, h.srv.RobotUser, h.srv.RobotPassword), "/project/1", false)
	assert.Contains(t, robot, harbor.Permission{Resource: "/project/1/repository", Action: "push"})

	// No scope: an empty list, sent as [] (the contract checks the body).
	list, resp, err := alice.GetCurrentUserPermissions(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, list)
	assert.Equal(t, "[]", strings.TrimSpace(string(resp.RawBody)))

	// relative must be a boolean: 422.
	resp2, e := h.raw(t, http.MethodGet, "/api/v2.0/users/current/permissions?relative=maybe", "", map[string]string{"Authorization": basic(h.srv.User, h.srv.UserPassword)})
	assert.Equal(t, http.StatusUnprocessableEntity, resp2.StatusCode)
	assert.Equal(t, "validation failure list:\nrelative in query must be of type bool: \"maybe\"", e.Errors[0].Message)
}

func TestHarborListUsersPagingAndLinks(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	admin := h.admin(t)
	ids := h.srv.Fake.SeedUsers(22) // 3 seeded users + 22 = 25 listed (admin never is)

	users, resp, err := admin.ListUsers(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, 25, resp.TotalCount)
	require.Len(t, users, 10, "page_size defaults to 10")
	assert.Equal(t, "alice", users[0].Username, "sorted by username")
	assert.Equal(t, `</api/v2.0/users?page=2&page_size=10>; rel="next"`, resp.Header.Get("Link"))

	users, resp, err = admin.ListUsers(ctx, &harbor.ListUsersParams{Page: client.Ptr[int64](2), PageSize: client.Ptr[int64](10), Sort: client.Ptr("-username")})
	require.NoError(t, err)
	require.Len(t, users, 10)
	assert.Equal(t, fmt.Sprintf("seed-%07d", ids[11]), users[0].Username)
	assert.Equal(t, `</api/v2.0/users?page=1&page_size=10&sort=-username>; rel="prev" , </api/v2.0/users?page=3&page_size=10&sort=-username>; rel="next"`,
		resp.Header.Get("Link"))
	assert.Equal(t, "/api/v2.0/users?page=3&page_size=10&sort=-username", resp.Links["next"])

	users, resp, err = admin.ListUsers(ctx, &harbor.ListUsersParams{Page: client.Ptr[int64](3), PageSize: client.Ptr[int64](10)})
	require.NoError(t, err)
	assert.Len(t, users, 5)
	assert.Equal(t, `</api/v2.0/users?page=2&page_size=10>; rel="prev"`, resp.Header.Get("Link"))
	users, resp, err = admin.ListUsers(ctx, &harbor.ListUsersParams{Page: client.Ptr[int64](9)})
	require.NoError(t, err)
	assert.Empty(t, users)
	assert.Equal(t, "[]", strings.TrimSpace(string(resp.RawBody)))
	assert.Equal(t, 25, resp.TotalCount)
	assert.Empty(t, resp.Header.Get("Link"), "page 8 has no items, so no prev either")

	users, resp, err = admin.ListUsers(ctx, &harbor.ListUsersParams{PageSize: client.Ptr[int64](100)})
	require.NoError(t, err)
	assert.Len(t, users, 25)
	assert.Empty(t, resp.Header.Values("Link"))

	// Sorting by other keys; keys Harbor cannot sort by are skipped, as its
	// ORM does, so the order falls back to the next key or to username.
	users, _, err = admin.ListUsers(ctx, &harbor.ListUsersParams{Sort: client.Ptr("-sysadmin_flag,user_id"), PageSize: client.Ptr[int64](3)})
	require.NoError(t, err)
	assert.Equal(t, []string{"carol", "alice", "bob"}, userNames(users))
	users, _, err = admin.ListUsers(ctx, &harbor.ListUsersParams{Sort: client.Ptr("shoe_size,-sysadmin_flag,user_id"), PageSize: client.Ptr[int64](3)})
	require.NoError(t, err)
	assert.Equal(t, []string{"carol", "alice", "bob"}, userNames(users), "unknown key skipped")
	users, _, err = admin.ListUsers(ctx, &harbor.ListUsersParams{Sort: client.Ptr("shoe_size"), PageSize: client.Ptr[int64](3)})
	require.NoError(t, err)
	assert.Equal(t, []string{"alice", "bob", "carol"}, userNames(users), "only unknown keys: username order")

	// page_size over 100 is go-swagger's 422.
	resp2, e := h.rawAdmin(t, http.MethodGet, "/api/v2.0/users?page_size=101", "")
	assert.Equal(t, http.StatusUnprocessableEntity, resp2.StatusCode)
	assert.Equal(t, "validation failure list:\npage_size in query should be less than or equal to 100", e.Errors[0].Message)

	// The iterator walks every page.
	var all []string
	for u, err := range admin.ListUsersIter(ctx, &harbor.ListUsersParams{PageSize: client.Ptr[int64](7)}) {
		require.NoError(t, err)
		all = append(all, u.Username)
	}
	assert.Len(t, all, 25)
	assert.True(t, slices.IsSorted(all))
}

func userNames(users []harbor.UserResp) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = u.Username
	}
	return out
}

func TestHarborListUsersQuery(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	admin := h.admin(t)
	list := func(q *client.HarborQuery, extra ...string) ([]string, int) {
		t.Helper()
		s, err := q.Build()
		require.NoError(t, err)
		users, resp, err := admin.ListUsers(ctx, &harbor.ListUsersParams{Q: &s})
		require.NoError(t, err, "q=%s", s)
		return userNames(users), resp.TotalCount
	}

	names, total := list(client.NewHarborQuery().Exact("username", "bob"))
	assert.Equal(t, []string{"bob"}, names)
	assert.Equal(t, 1, total)
	names, _ = list(client.NewHarborQuery().Exact("username", "Bob"))
	assert.Empty(t, names, "exact match is case-sensitive")
	names, _ = list(client.NewHarborQuery().Fuzzy("email", "EXAMPLE.COM"))
	assert.Equal(t, []string{"alice", "bob", "carol"}, names, "fuzzy is case-insensitive; admin never listed")
	names, _ = list(client.NewHarborQuery().Fuzzy("realname", "ol"))
	assert.Equal(t, []string{"carol"}, names)
	names, _ = list(client.NewHarborQuery().Range("creation_time", time.Date(2024, 5, 3, 0, 0, 0, 0, time.UTC), nil))
	assert.Equal(t, []string{"bob", "carol"}, names)
	names, _ = list(client.NewHarborQuery().Range("user_id", 3, 4))
	assert.Equal(t, []string{"alice", "bob"}, names)
	names, _ = list(client.NewHarborQuery().Range("username", "b", "c"))
	assert.Equal(t, []string{"bob"}, names)
	names, _ = list(client.NewHarborQuery().Union("username", "alice", "carol", "nobody"))
	assert.Equal(t, []string{"alice", "carol"}, names)
	names, _ = list(client.NewHarborQuery().Exact("sysadmin_flag", "true"))
	assert.Equal(t, []string{"carol"}, names)
	names, _ = list(client.NewHarborQuery().Fuzzy("username", "o").Exact("sysadmin_flag", "false"))
	assert.Equal(t, []string{"bob"}, names)
	// Harbor leaves intersections to each DAO, and the user DAO ignores them.
	names, _ = list(client.NewHarborQuery().Intersection("username", "alice", "bob"))
	assert.Equal(t, []string{"alice", "bob", "carol"}, names)
	// Unknown keys are ignored, as the server's ORM does.
	names, _ = list(client.NewHarborQuery().Exact("shoe_size", "42"))
	assert.Len(t, names, 3)
	// Values the builder escapes round-trip: % and + survive the extra unescape.
	_, err := admin.UpdateUserProfile(ctx, 4, harbor.UserProfile{Email: "bob+ci@example.com", Realname: "Bob"})
	require.NoError(t, err)
	names, _ = list(client.NewHarborQuery().Exact("email", "bob+ci@example.com"))
	assert.Equal(t, []string{"bob"}, names)
	names, _ = list(client.NewHarborQuery().Fuzzy("email", "+ci"))
	assert.Equal(t, []string{"bob"}, names)

	// A filter on user_id lists the built-in admin (a quirk of Harbor's user
	// manager), though the total never counts it.
	users, resp, err := admin.ListUsers(ctx, &harbor.ListUsersParams{Q: client.Ptr("user_id={1 3}")})
	require.NoError(t, err)
	assert.Equal(t, []string{"admin", "alice"}, userNames(users))
	assert.Equal(t, 1, resp.TotalCount)
	users, resp, err = admin.ListUsers(ctx, &harbor.ListUsersParams{Q: client.Ptr("user_id=1")})
	require.NoError(t, err)
	assert.Empty(t, users)
	assert.Equal(t, 0, resp.TotalCount)

	// The undocumented username and email parameters filter fuzzily.
	resp2, _ := h.rawAdmin(t, http.MethodGet, "/api/v2.0/users?username=AR", "")
	require.Equal(t, http.StatusOK, resp2.StatusCode)
	assert.Equal(t, "1", resp2.Header.Get("X-Total-Count"))

	// Malformed q: 400 with the server's messages.
	for q, msg := range map[string]string{
		"username":      `the query string must contain "=" and the key/value cannot be empty`,
		"username=":     `the query string must contain "=" and the key/value cannot be empty`,
		"username=~":    "invalid query string value: ~",
		"user_id=[1~2":  "invalid query string value: [1~2",
		"user_id=[~]":   "invalid query string value: [~]",
		"username={a b": "invalid query string value: {a b",
	} {
		_, _, err := admin.ListUsers(ctx, &harbor.ListUsersParams{Q: client.Ptr(q)})
		ae := apiError(t, err, client.ErrBadRequest)
		assert.Equal(t, msg, ae.Message, q)
	}
	// A value the database cannot compare is the server's 500.
	_, _, err = admin.ListUsers(ctx, &harbor.ListUsersParams{Q: client.Ptr("user_id=abc")}, client.WithMaxRetries(0))
	ae := apiError(t, err, client.ErrServer)
	assert.Equal(t, "UNKNOWN", ae.Code)

	// q is kept in Link, unescaped as Harbor writes it.
	h.srv.Fake.SeedUsers(12)
	_, resp, err = admin.ListUsers(ctx, &harbor.ListUsersParams{Q: client.Ptr("username=~seed"), PageSize: client.Ptr[int64](5)})
	require.NoError(t, err)
	assert.Equal(t, 12, resp.TotalCount)
	assert.Equal(t, `</api/v2.0/users?page=2&page_size=5&q=username=~seed>; rel="next"`, resp.Header.Get("Link"))
}

// TestHarborSearchUsers: the real v2.15.2 search (REAL-SERVER 1) answers
// the first page_size LIKE matches ordered by length, then name, whatever
// page says; X-Total-Count and Link describe pages as if it paged.
func TestHarborSearchUsers(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	alice := h.user(t)
	h.srv.Fake.SeedUsers(15) // seed-0000006 ... seed-0000020

	items, resp, err := alice.SearchUsers(ctx, "seed-", &harbor.SearchUsersParams{PageSize: client.Ptr[int64](5)})
	require.NoError(t, err)
	require.Len(t, items, 5)
	assert.Equal(t, "seed-0000006", items[0].Username)
	assert.Equal(t, 15, resp.TotalCount)
	assert.Equal(t, `</api/v2.0/users/search?page=2&page_size=5&username=seed->; rel="next"`, resp.Header.Get("Link"))

	// page=2 (sent raw: the facade refuses it) returns the same items; only
	// Link moves.
	auth := map[string]string{"Authorization": basic(h.srv.User, h.srv.UserPassword)}
	for _, page := range []string{"2", "3", "9"} {
		req, err := http.NewRequest(http.MethodGet, h.srv.URL+"/api/v2.0/users/search?username=seed-&page_size=5&page="+page, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", auth["Authorization"])
		res, err := h.srv.Client().Do(req)
		require.NoError(t, err)
		var got []harbor.UserSearchRespItem
		require.NoError(t, json.NewDecoder(res.Body).Decode(&got))
		_ = res.Body.Close()
		assert.Equal(t, items, got, "page %s", page)
		assert.Equal(t, "15", res.Header.Get("X-Total-Count"))
		if page == "2" {
			assert.Equal(t, `</api/v2.0/users/search?page=1&page_size=5&username=seed->; rel="prev" , </api/v2.0/users/search?page=3&page_size=5&username=seed->; rel="next"`,
				res.Header.Get("Link"))
		}
	}

	// Ordered by length, then name; the built-in admin can be listed.
	items, _, err = alice.SearchUsers(ctx, "a", nil)
	require.NoError(t, err)
	assert.Equal(t, []harbor.UserSearchRespItem{{UserID: 1, Username: "admin"}, {UserID: 3, Username: "alice"}, {UserID: 5, Username: "carol"}}, items)
	items, _, err = alice.SearchUsers(ctx, "o", nil)
	require.NoError(t, err)
	assert.Equal(t, []harbor.UserSearchRespItem{{UserID: 4, Username: "bob"}, {UserID: 5, Username: "carol"}}, items)
	// The count leaves user 1 out, and with no match counted the handler
	// answers [] at once, so the admin alone is never found.
	items, resp, err = alice.SearchUsers(ctx, "adm", nil)
	require.NoError(t, err)
	assert.Empty(t, items)
	assert.Equal(t, 0, resp.TotalCount)

	// LIKE is case-sensitive, the count is not: items and total disagree.
	items, resp, err = alice.SearchUsers(ctx, "SEED", nil)
	require.NoError(t, err)
	assert.Empty(t, items)
	assert.Equal(t, 15, resp.TotalCount)
	// _ and % in the name are LIKE wildcards.
	for _, name := range []string{"ab_c1", "abxc1"} {
		_, err := h.srv.Fake.AddUser(harborfake.User{Username: name, Email: name + "@example.com", Realname: "W"})
		require.NoError(t, err)
	}
	items, resp, err = alice.SearchUsers(ctx, "ab_c", nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"ab_c1", "abxc1"}, []string{items[0].Username, items[1].Username})
	assert.Equal(t, 1, resp.TotalCount, "the count matches _ literally")

	items, resp, err = alice.SearchUsers(ctx, "zzz", nil)
	require.NoError(t, err)
	assert.Empty(t, items)
	assert.Equal(t, 0, resp.TotalCount)
	assert.Equal(t, "[]", strings.TrimSpace(string(resp.RawBody)))
	assert.Empty(t, resp.Header.Values("Link"))

	for _, path := range []string{"/api/v2.0/users/search", "/api/v2.0/users/search?username="} {
		resp2, e := h.raw(t, http.MethodGet, path, "", auth)
		assert.Equal(t, http.StatusUnprocessableEntity, resp2.StatusCode, path)
		assert.Equal(t, "validation failure list:\nusername in query is required", e.Errors[0].Message, path)
	}
	// page_size over 100: 422 with go-swagger's message (REAL-SERVER 13).
	resp2, e := h.raw(t, http.MethodGet, "/api/v2.0/users/search?username=a&page_size=101", "", auth)
	assert.Equal(t, http.StatusUnprocessableEntity, resp2.StatusCode)
	assert.Equal(t, "validation failure list:\npage_size in query should be less than or equal to 100", e.Errors[0].Message)
}

// TestHarborFaults runs without the contract check: injected statuses are
// not in the document.
func TestHarborFaults(t *testing.T) {
	srv := harborfake.Start()
	defer srv.Close()
	ctx := context.Background()
	c, err := client.NewHarbor(client.WithBaseURL(srv.URL), client.WithBasicAuth(srv.AdminUser, srv.AdminPassword),
		client.WithHTTPClient(srv.Client()), client.WithRetryBackoff(time.Millisecond, 5*time.Millisecond))
	require.NoError(t, err)

	// 503 twice with Retry-After 0: the facade retries and succeeds.
	srv.Faults.FailNext(2, "getUser", http.StatusServiceUnavailable, "0")
	u, resp, err := c.GetUser(ctx, 3)
	require.NoError(t, err)
	assert.Equal(t, "alice", u.Username)
	assert.Equal(t, 3, resp.Attempts)
	assert.Equal(t, 3, srv.Faults.Requests("getUser"))

	// Without retries the injected answer is Harbor's Errors shape.
	srv.Faults.FailNext(1, "", http.StatusTooManyRequests, "0")
	_, _, err = c.ListUsers(ctx, nil, client.WithMaxRetries(0))
	ae := apiError(t, err, client.ErrRateLimited)
	assert.Equal(t, "TOO_MANY_REQUESTS", ae.Code)
	srv.Faults.FailNext(1, "", http.StatusServiceUnavailable, "")
	_, _, err = c.ListUsers(ctx, nil, client.WithMaxRetries(0))
	ae = apiError(t, err, client.ErrServer)
	assert.Equal(t, "internal server error", ae.Message)

	// A create is retried on 503 (not processed) and creates once.
	srv.Faults.FailNext(1, "createUser", http.StatusServiceUnavailable, "0")
	id, resp, err := c.CreateUser(ctx, newUserReq("retried"))
	require.NoError(t, err)
	assert.Equal(t, 2, resp.Attempts)
	names, _, err := c.SearchUsers(ctx, "retried", nil)
	require.NoError(t, err)
	assert.Equal(t, []harbor.UserSearchRespItem{{UserID: id, Username: "retried"}}, names)

	// Dropped connections: a typed transport error once retries run out.
	srv.Faults.Inject(fake.Fault{Operation: "getCurrentUserInfo", Count: 10, Drop: true})
	_, _, err = c.GetCurrentUserInfo(ctx, client.WithMaxRetries(1))
	var te *client.TransportError
	require.ErrorAs(t, err, &te)
	srv.Faults.Reset()

	// Latency beyond the per-call timeout.
	srv.Faults.Inject(fake.Fault{Operation: "getCurrentUserInfo", Latency: 300 * time.Millisecond})
	start := time.Now()
	_, _, err = c.GetCurrentUserInfo(ctx, client.WithTimeout(30*time.Millisecond), client.WithMaxRetries(0))
	require.ErrorAs(t, err, &te)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 250*time.Millisecond)
	srv.Faults.Reset()
	_, _, err = c.GetCurrentUserInfo(ctx)
	require.NoError(t, err)
}

func TestHarborBadRequestShape(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		method, path, body string
		status             int
		msg                string
	}{
		{http.MethodPut, "/api/v2.0/users/3/sysadmin", `{"sysadmin_flag":"yes"}`, 422, `parsing sysadmin_flag body from "" failed, because json: cannot unmarshal string into Go struct field UserSysAdminFlag.sysadmin_flag of type bool`},
		{http.MethodPut, "/api/v2.0/users/3/password", `[1]`, 422, `parsing password body from "" failed`},
		{http.MethodPut, "/api/v2.0/users/3", ``, 422, "profile in body is required"},
		{http.MethodGet, "/api/v2.0/users?page=two", ``, 422, `page in query must be of type int64: "two"`},
		{http.MethodGet, "/api/v2.0/users/99999999999999999999", ``, 422, `user_id in path must be of type int64: "99999999999999999999"`},
	} {
		resp, e := h.rawAdmin(t, tc.method, tc.path, tc.body)
		assert.Equal(t, tc.status, resp.StatusCode, tc.path)
		assert.Equal(t, "UNPROCESSABLE_ENTITY", e.Errors[0].Code)
		assert.Contains(t, e.Errors[0].Message, "validation failure list:\n"+tc.msg, tc.path)
	}
	// A body that is not JSON at all.
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/api/v2.0/users", strings.NewReader("username=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(h.srv.AdminUser, h.srv.AdminPassword)
	resp, err := h.srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode)
	// Validation comes before authentication, as in Harbor (go-swagger binds first).
	resp, e := h.raw(t, http.MethodGet, "/api/v2.0/users/abc", "", nil)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, e)
}

func TestHarborConcurrentWriters(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	admin := h.admin(t)
	const workers, each = 32, 4
	var wg sync.WaitGroup
	errs := make(chan error, workers*each*3)
	ids := make(chan int64, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				name := fmt.Sprintf("w%02d-%d", w, i)
				id, _, err := admin.CreateUser(ctx, newUserReq(name))
				if err != nil {
					errs <- err
					continue
				}
				ids <- id
				if _, err := admin.UpdateUserProfile(ctx, id, harbor.UserProfile{Email: name + "@example.net", Realname: "W " + name}); err != nil {
					errs <- err
				}
				if i%2 == 0 {
					if _, err := admin.DeleteUser(ctx, id); err != nil {
						errs <- err
					}
				}
			}
			// Readers race with the writers.
			if _, _, err := h.user(t).SearchUsers(ctx, "w", nil); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	close(ids)
	for err := range errs {
		t.Error(err)
	}
	seen := map[int64]bool{}
	for id := range ids {
		assert.False(t, seen[id], "id %d given twice", id)
		seen[id] = true
	}
	assert.Len(t, seen, workers*each)

	_, resp, err := admin.ListUsers(ctx, &harbor.ListUsersParams{Q: client.Ptr("email=~example.net")})
	require.NoError(t, err)
	assert.Equal(t, workers*each/2, resp.TotalCount)
	assert.Equal(t, 3+workers*each/2+1, h.srv.Fake.UserCount(), "admin, alice, bob, carol and the survivors")
}

// TestHarborManyUsers pages through 100,000 users, as the benchmarks do.
func TestHarborManyUsers(t *testing.T) {
	if testing.Short() {
		t.Skip("large")
	}
	srv := harborfake.Start()
	defer srv.Close()
	ctx := context.Background()
	const n = 100_000
	start := time.Now()
	ids := srv.Fake.SeedUsers(n)
	require.Len(t, ids, n)
	t.Logf("seeded %d users in %v", n, time.Since(start))
	c, err := client.NewHarbor(client.WithBaseURL(srv.URL), client.WithBasicAuth(srv.AdminUser, srv.AdminPassword), client.WithHTTPClient(srv.Client()))
	require.NoError(t, err)

	start = time.Now()
	users, resp, err := c.ListUsers(ctx, &harbor.ListUsersParams{Page: client.Ptr[int64](1000), PageSize: client.Ptr[int64](100)})
	require.NoError(t, err)
	assert.Equal(t, n+3, resp.TotalCount)
	assert.Len(t, users, 100)
	assert.Equal(t, fmt.Sprintf("seed-%07d", ids[99900-3]), users[0].Username, "alice, bob and carol sort first")
	count := 0
	for _, err := range c.ListUsersIter(ctx, &harbor.ListUsersParams{Q: client.Ptr("username=~seed-00000")}) {
		require.NoError(t, err)
		count++
	}
	assert.Equal(t, 94, count, "seed-0000006 .. seed-0000099")
	t.Logf("listed in %v", time.Since(start))
}

// TestHarborIDsSkipFailedInserts: a 409 on createUser uses up an id, as the
// real server's sequence does (REAL-SERVER 11); the skipped id is a 404.
func TestHarborIDsSkipFailedInserts(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	admin := h.admin(t)
	first, _, err := admin.CreateUser(ctx, newUserReq("dave"))
	require.NoError(t, err)
	_, _, err = admin.CreateUser(ctx, newUserReq("dave"))
	ae := apiError(t, err, client.ErrConflict)
	assert.Equal(t, "user dave or email dave@example.org already exists", ae.Message)
	next, _, err := admin.CreateUser(ctx, newUserReq("erin"))
	require.NoError(t, err)
	assert.Equal(t, first+2, next)
	_, _, err = admin.GetUser(ctx, first+1)
	ae = apiError(t, err, client.ErrNotFound)
	assert.Equal(t, fmt.Sprintf("user %d not found", first+1), ae.Message)
	_, err = admin.SetUserSysAdmin(ctx, first+1, true)
	ae = apiError(t, err, client.ErrNotFound)
	assert.Equal(t, fmt.Sprintf("user with id %d not found", first+1), ae.Message)
	users, _, err := admin.ListUsers(ctx, &harbor.ListUsersParams{PageSize: client.Ptr[int64](100)})
	require.NoError(t, err)
	assert.Len(t, users, h.srv.Fake.UserCount()-1)
}

// TestHarborForbiddenNamesCaller: every 403 from a permission check
// carries the caller's username as its message (REAL-SERVER 4).
func TestHarborForbiddenNamesCaller(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	alice := h.user(t)
	check := func(what string, err error) {
		t.Helper()
		ae := apiError(t, err, client.ErrForbidden)
		assert.Equal(t, "alice", ae.Message, what)
		assert.Equal(t, "FORBIDDEN", ae.Code, what)
		assert.Equal(t, "application/json; charset=utf-8", ae.Header.Get("Content-Type"), what)
	}
	_, _, err := alice.ListUsers(ctx, nil)
	check("listUsers", err)
	_, _, err = alice.CreateUser(ctx, newUserReq("mallory"))
	check("createUser", err)
	_, _, err = alice.GetUser(ctx, 4)
	check("getUser of another user", err)
	_, err = alice.SetUserSysAdmin(ctx, 4, true)
	check("setUserSysAdmin", err)
	_, err = alice.DeleteUser(ctx, 4)
	check("deleteUser", err)
	_, err = alice.UpdateUserProfile(ctx, 4, harbor.UserProfile{Email: "b@example.com", Realname: "B"})
	check("updateUserProfile of another user", err)
	_, err = alice.UpdateUserPassword(ctx, 4, harbor.PasswordReq{OldPassword: client.Ptr("Passw0rdBob1"), NewPassword: "N3wPassw0rd"})
	check("updateUserPassword of another user", err)
	robot := h.as(t, h.srv.RobotUser, h.srv.RobotPassword)
	_, _, err = robot.ListUsers(ctx, nil)
	ae := apiError(t, err, client.ErrForbidden)
	assert.Equal(t, h.srv.RobotUser, ae.Message, "a robot is named too")
}

// TestHarborIllegalCharacters: usernames and realnames refuse upstream's
// IllegalCharsInUsername, `,"~#%$`, and nothing else of ASCII punctuation.
func TestHarborIllegalCharacters(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	admin := h.admin(t)
	user := func(name, realname string) harbor.UserCreationReq {
		return harbor.UserCreationReq{Username: name, Email: fmt.Sprintf("u%x@example.org", name), Realname: realname, Password: "Secr3tPassword"}
	}
	for i, c := range []string{",", `"`, "~", "#", "%", "$"} {
		_, _, err := admin.CreateUser(ctx, user(fmt.Sprintf("bad%d%s", i, c), "Real"))
		ae := apiError(t, err, client.ErrBadRequest)
		assert.Equal(t, "username contains illegal characters", ae.Message, "%q", c)
		_, _, err = admin.CreateUser(ctx, user(fmt.Sprintf("badreal%d", i), "Real "+c))
		ae = apiError(t, err, client.ErrBadRequest)
		assert.Equal(t, "realname contains illegal characters", ae.Message, "%q", c)
	}
	for i, c := range []string{"!", "&", "'", "*", "+", "@", "^", "|"} {
		_, _, err := admin.CreateUser(ctx, user(fmt.Sprintf("ok%d%s", i, c), "Real "+c))
		require.NoError(t, err, "%q is allowed", c)
	}
}

// TestHarborUnsupportedMediaType: a body that is not JSON is go-swagger's
// 415, declared by the document on every operation with a body.
func TestHarborUnsupportedMediaType(t *testing.T) {
	h := newHarness(t)
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/api/v2.0/users", strings.NewReader("username=x"))
	require.NoError(t, err)
	req.SetBasicAuth(h.srv.AdminUser, h.srv.AdminPassword)
	req.Header.Set("Content-Type", "text/plain")
	resp, err := h.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var e harbor.Errors
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&e))
	assert.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode)
	assert.Equal(t, "UNSUPPORTED_MEDIA_TYPE", e.Errors[0].Code)
	assert.Empty(t, resp.Header.Get(fake.ViolationHeader), "415 is declared")
}

// Timestamps are written as real Harbor (go-swagger's strfmt.DateTime)
// writes them: always three fractional digits.
func TestHarborTimestampsHaveMilliseconds(t *testing.T) {
	srv := harborfake.Start()
	defer srv.Close()
	for _, path := range []string{"/api/v2.0/users/current", "/api/v2.0/users/3", "/api/v2.0/users?page_size=3"} {
		req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		require.NoError(t, err)
		req.SetBasicAuth(srv.AdminUser, srv.AdminPassword)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, 200, resp.StatusCode, "%s", b)
		times := regexp.MustCompile(`"(creation|update)_time":"([^"]*)"`).FindAllStringSubmatch(string(b), -1)
		require.NotEmpty(t, times, path)
		for _, m := range times {
			assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`, m[2], "%s %s", path, m[1])
		}
	}
}

// TestHarborNullIsTheZeroValue: go-swagger's binding takes JSON null as
// the field's zero value, then the handler judges it (REAL-SERVER, third
// run).
func TestHarborNullIsTheZeroValue(t *testing.T) {
	h := newHarness(t)
	resp, _ := h.rawAdmin(t, http.MethodPost, "/api/v2.0/users", `{"username":"nul1","email":"nul1@example.com","realname":"Nul","password":"Passw0rd-nul","comment":null}`)
	assert.Equal(t, http.StatusCreated, resp.StatusCode, "comment null")
	resp, e := h.rawAdmin(t, http.MethodPost, "/api/v2.0/users", `{"username":"nul2","email":"nul2@example.com","realname":null,"password":"Passw0rd-nul"}`)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, "realname null")
	assert.Equal(t, "realname with illegal length", e.Errors[0].Message)
	resp, e = h.rawAdmin(t, http.MethodPost, "/api/v2.0/users", `{"username":"nul3","email":null,"realname":"Nul","password":"Passw0rd-nul"}`)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, "email null")
	assert.Equal(t, "email can't be empty", e.Errors[0].Message)

	ctx := context.Background()
	admin := h.admin(t)
	_, err := admin.SetUserSysAdmin(ctx, h.srv.UserID, true)
	require.NoError(t, err)
	resp, _ = h.rawAdmin(t, http.MethodPut, fmt.Sprintf("/api/v2.0/users/%d/sysadmin", h.srv.UserID), `{"sysadmin_flag":null}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, "sysadmin_flag null")
	u, _, err := admin.GetUser(ctx, h.srv.UserID)
	require.NoError(t, err)
	assert.False(t, u.SysadminFlag, "null sets false")
	resp, e = h.rawAdmin(t, http.MethodPut, fmt.Sprintf("/api/v2.0/users/%d/password", h.srv.UserID), `{"new_password":null}`)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, "new_password null")
	assert.Contains(t, e.Errors[0].Message, "the password or secret must be 8-128")
}

// TestHarborProjectPermissionOrder: a system admin's 75 permissions in
// project 1 come in the order v2.15.2 gave, restart after restart: the
// developer role's policies first, then the rest of projectAdmin's.
func TestHarborProjectPermissionOrder(t *testing.T) {
	h := newHarness(t)
	perms, _, err := h.admin(t).GetCurrentUserPermissions(context.Background(), &harbor.GetCurrentUserPermissionsParams{Scope: client.Ptr("/project/1"), Relative: client.Ptr(true)})
	require.NoError(t, err)
	require.Len(t, perms, 75)
	seen := map[string]bool{}
	for _, p := range perms {
		k := p.Resource + ":" + p.Action
		assert.False(t, seen[k], "%s listed twice", k)
		seen[k] = true
	}
	var head []string
	for _, p := range perms[:7] {
		head = append(head, p.Resource+":"+p.Action)
	}
	assert.Equal(t, []string{".:read", "member:read", "member:list", "label:read", "label:list", "quota:read", "repository:create"}, head)
	assert.Equal(t, "export-cve:list", perms[35].Resource+":"+perms[35].Action, "the developer's last")
	assert.Equal(t, ".:update", perms[36].Resource+":"+perms[36].Action, "then projectAdmin's first not yet listed")
}
