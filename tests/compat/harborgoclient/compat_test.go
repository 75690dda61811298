// Package harborgoclient drives the Harbor fake with Harbor's own
// go-swagger client, github.com/goharbor/go-client v0.213.1, through all 11
// user operations and their error paths, and asserts go-client's typed
// result for each. It is a module of its own so that the main module does
// not depend on go-client; `.ci/run` runs it (`make compat`).
package harborgoclient

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	httptransport "github.com/go-openapi/runtime/client"
	"github.com/go-openapi/strfmt"
	v2client "github.com/goharbor/go-client/pkg/sdk/v2.0/client"
	"github.com/goharbor/go-client/pkg/sdk/v2.0/client/user"
	"github.com/goharbor/go-client/pkg/sdk/v2.0/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/fake/harborfake"
)

type harness struct {
	srv   *harborfake.Server
	admin *user.Client
	alice *user.Client
	wrong *user.Client
	anon  *user.Client
}

func setup(t *testing.T) *harness {
	t.Helper()
	srv := harborfake.Start()
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL + "/api/v2.0")
	require.NoError(t, err)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	as := func(auth any) *user.Client {
		cfg := v2client.Config{URL: u, Transport: tr}
		if auth != nil {
			cfg.AuthInfo = httptransport.BasicAuth(auth.([2]string)[0], auth.([2]string)[1])
		}
		return v2client.New(cfg).User
	}
	return &harness{
		srv:   srv,
		admin: as([2]string{srv.AdminUser, srv.AdminPassword}),
		alice: as([2]string{srv.User, srv.UserPassword}),
		wrong: as([2]string{srv.AdminUser, "not-the-password"}),
		anon:  as(nil),
	}
}

func ptr[T any](v T) *T { return &v }

// errorAs asserts err is go-client's typed answer *T and returns it.
func errorAs[T any](t *testing.T, err error) *T {
	t.Helper()
	require.Error(t, err)
	got, ok := any(err).(*T)
	require.True(t, ok, "want %T, got %T: %v", new(T), err, err)
	return got
}

func TestGoClientUserOperations(t *testing.T) {
	h := setup(t)
	ctx := context.Background()

	// getCurrentUserInfo: 200, 401.
	me, err := h.admin.GetCurrentUserInfo(ctx, &user.GetCurrentUserInfoParams{})
	require.NoError(t, err)
	assert.Equal(t, int64(1), me.Payload.UserID)
	assert.Equal(t, "admin", me.Payload.Username)
	assert.True(t, me.Payload.SysadminFlag)
	assert.False(t, time0(me.Payload.CreationTime), "creation_time decoded")
	_, err = h.wrong.GetCurrentUserInfo(ctx, &user.GetCurrentUserInfoParams{})
	errorAs[user.GetCurrentUserInfoUnauthorized](t, err)

	// getCurrentUserPermissions: 200, 401.
	perms, err := h.admin.GetCurrentUserPermissions(ctx, &user.GetCurrentUserPermissionsParams{})
	require.NoError(t, err)
	assert.NotNil(t, perms.Payload)
	_, err = h.wrong.GetCurrentUserPermissions(ctx, &user.GetCurrentUserPermissionsParams{})
	errorAs[user.GetCurrentUserPermissionsUnauthorized](t, err)

	// listUsers: 200 with X-Total-Count and Link, 401, 403.
	list, err := h.admin.ListUsers(ctx, &user.ListUsersParams{Page: ptr[int64](1), PageSize: ptr[int64](2)})
	require.NoError(t, err)
	assert.Len(t, list.Payload, 2)
	assert.Positive(t, list.XTotalCount)
	assert.Contains(t, list.Link, `rel="next"`)
	_, err = h.wrong.ListUsers(ctx, &user.ListUsersParams{})
	errorAs[user.ListUsersUnauthorized](t, err)
	_, err = h.alice.ListUsers(ctx, &user.ListUsersParams{})
	errorAs[user.ListUsersForbidden](t, err)

	// searchUsers: 200 with X-Total-Count, 401.
	found, err := h.admin.SearchUsers(ctx, &user.SearchUsersParams{Username: "ali"})
	require.NoError(t, err)
	require.NotEmpty(t, found.Payload)
	assert.Equal(t, "alice", found.Payload[0].Username)
	assert.Positive(t, found.XTotalCount)
	_, err = h.wrong.SearchUsers(ctx, &user.SearchUsersParams{Username: "ali"})
	errorAs[user.SearchUsersUnauthorized](t, err)

	// createUser: 201 with Location, 409, 400, 401, 403.
	created, err := h.admin.CreateUser(ctx, &user.CreateUserParams{UserReq: &models.UserCreationReq{
		Username: "dave", Email: "dave@example.com", Realname: "Dave", Password: "Passw0rdDave", Comment: "go-client",
	}})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(created.Location, "/api/v2.0/users/"), created.Location)
	id, err := strconv.ParseInt(strings.TrimPrefix(created.Location, "/api/v2.0/users/"), 10, 64)
	require.NoError(t, err)
	_, err = h.admin.CreateUser(ctx, &user.CreateUserParams{UserReq: &models.UserCreationReq{
		Username: "dave", Email: "dave2@example.com", Realname: "Dave", Password: "Passw0rdDave",
	}})
	conflict := errorAs[user.CreateUserConflict](t, err)
	require.NotNil(t, conflict.Payload)
	require.NotEmpty(t, conflict.Payload.Errors)
	assert.Equal(t, "CONFLICT", conflict.Payload.Errors[0].Code)
	_, err = h.admin.CreateUser(ctx, &user.CreateUserParams{UserReq: &models.UserCreationReq{
		Username: "erin", Email: "erin@example.com", Realname: "Erin", Password: "weak",
	}})
	errorAs[user.CreateUserBadRequest](t, err)
	_, err = h.wrong.CreateUser(ctx, &user.CreateUserParams{UserReq: &models.UserCreationReq{Username: "x", Email: "x@example.com", Realname: "X", Password: "Passw0rdX1"}})
	errorAs[user.CreateUserUnauthorized](t, err)
	_, err = h.alice.CreateUser(ctx, &user.CreateUserParams{UserReq: &models.UserCreationReq{Username: "x", Email: "x@example.com", Realname: "X", Password: "Passw0rdX1"}})
	errorAs[user.CreateUserForbidden](t, err)

	// getUser: 200, 404, 401, 403, and 500 for an anonymous read (as real Harbor).
	got, err := h.admin.GetUser(ctx, &user.GetUserParams{UserID: id})
	require.NoError(t, err)
	assert.Equal(t, "dave", got.Payload.Username)
	assert.Equal(t, "dave@example.com", got.Payload.Email)
	assert.Equal(t, "go-client", got.Payload.Comment)
	_, err = h.admin.GetUser(ctx, &user.GetUserParams{UserID: 999999})
	nf := errorAs[user.GetUserNotFound](t, err)
	require.NotNil(t, nf.Payload)
	assert.Equal(t, "NOT_FOUND", nf.Payload.Errors[0].Code)
	// A wrong password makes the request anonymous, and an anonymous
	// getUser is a bare 500 on a real Harbor v2.15.2 (REAL-SERVER.md), not
	// the 401 go-client also declares.
	_, err = h.wrong.GetUser(ctx, &user.GetUserParams{UserID: id})
	errorAs[user.GetUserInternalServerError](t, err)
	_, err = h.alice.GetUser(ctx, &user.GetUserParams{UserID: id})
	errorAs[user.GetUserForbidden](t, err)
	_, err = h.anon.GetUser(ctx, &user.GetUserParams{UserID: id})
	errorAs[user.GetUserInternalServerError](t, err)

	// updateUserProfile: 200, 404, 403.
	_, err = h.admin.UpdateUserProfile(ctx, &user.UpdateUserProfileParams{UserID: id, Profile: &models.UserProfile{Email: "dave@example.org", Realname: "Dave D"}})
	require.NoError(t, err)
	got, err = h.admin.GetUser(ctx, &user.GetUserParams{UserID: id})
	require.NoError(t, err)
	assert.Equal(t, "dave@example.org", got.Payload.Email)
	_, err = h.admin.UpdateUserProfile(ctx, &user.UpdateUserProfileParams{UserID: 999999, Profile: &models.UserProfile{Email: "n@example.com", Realname: "N"}})
	errorAs[user.UpdateUserProfileNotFound](t, err)
	_, err = h.alice.UpdateUserProfile(ctx, &user.UpdateUserProfileParams{UserID: id, Profile: &models.UserProfile{Email: "a@example.com", Realname: "A"}})
	errorAs[user.UpdateUserProfileForbidden](t, err)

	// setUserSysAdmin: 200 (true, then false: go-client sends {} for false), 404, 403.
	_, err = h.admin.SetUserSysAdmin(ctx, &user.SetUserSysAdminParams{UserID: id, SysadminFlag: &models.UserSysAdminFlag{SysadminFlag: true}})
	require.NoError(t, err)
	got, err = h.admin.GetUser(ctx, &user.GetUserParams{UserID: id})
	require.NoError(t, err)
	assert.True(t, got.Payload.SysadminFlag)
	_, err = h.admin.SetUserSysAdmin(ctx, &user.SetUserSysAdminParams{UserID: id, SysadminFlag: &models.UserSysAdminFlag{SysadminFlag: false}})
	require.NoError(t, err)
	got, err = h.admin.GetUser(ctx, &user.GetUserParams{UserID: id})
	require.NoError(t, err)
	assert.False(t, got.Payload.SysadminFlag)
	_, err = h.admin.SetUserSysAdmin(ctx, &user.SetUserSysAdminParams{UserID: 999999, SysadminFlag: &models.UserSysAdminFlag{SysadminFlag: true}})
	errorAs[user.SetUserSysAdminNotFound](t, err)
	_, err = h.alice.SetUserSysAdmin(ctx, &user.SetUserSysAdminParams{UserID: id, SysadminFlag: &models.UserSysAdminFlag{SysadminFlag: true}})
	errorAs[user.SetUserSysAdminForbidden](t, err)

	// updateUserPassword: 200, 400 weak password, 403 (another user's, wrong old one).
	_, err = h.admin.UpdateUserPassword(ctx, &user.UpdateUserPasswordParams{UserID: id, Password: &models.PasswordReq{NewPassword: "N3wPassw0rdDave"}})
	require.NoError(t, err)
	_, err = h.admin.UpdateUserPassword(ctx, &user.UpdateUserPasswordParams{UserID: id, Password: &models.PasswordReq{NewPassword: "weak"}})
	errorAs[user.UpdateUserPasswordBadRequest](t, err)
	_, err = h.alice.UpdateUserPassword(ctx, &user.UpdateUserPasswordParams{UserID: id, Password: &models.PasswordReq{OldPassword: "x", NewPassword: "N3wPassw0rdX"}})
	errorAs[user.UpdateUserPasswordForbidden](t, err)

	// setCliSecret: 412 under db_auth (the fake's default, as a fresh Harbor).
	_, err = h.admin.SetCliSecret(ctx, &user.SetCliSecretParams{UserID: id, Secret: &models.OIDCCliSecretReq{Secret: "Secr3tCli9"}})
	errorAs[user.SetCliSecretPreconditionFailed](t, err)

	// deleteUser: 200, then 404, 403.
	_, err = h.alice.DeleteUser(ctx, &user.DeleteUserParams{UserID: id})
	errorAs[user.DeleteUserForbidden](t, err)
	_, err = h.admin.DeleteUser(ctx, &user.DeleteUserParams{UserID: id})
	require.NoError(t, err)
	_, err = h.admin.DeleteUser(ctx, &user.DeleteUserParams{UserID: id})
	errorAs[user.DeleteUserNotFound](t, err)

	assert.Empty(t, h.srv.Violations(), "the fake's answers keep to api/harbor.yaml")
}

func time0(t strfmt.DateTime) bool { return t.String() == strfmt.DateTime{}.String() }
