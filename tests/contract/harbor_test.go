package contracttest

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake/harborfake"
	"github.com/userapis/userapis-go/gen/harbor"
)

func harborScenario(t *testing.T, register func(*env)) {
	ctx := context.Background()
	srv := harborfake.Start()
	t.Cleanup(srv.Close)
	srv.Fake.SeedUsers(25)
	e := newEnv(t, "harbor", srv.URL, nil)
	register(e)
	as := func(user, pass string) *client.Harbor {
		c, err := client.NewHarbor(e.opts(srv.URL, client.WithBasicAuth(user, pass))...)
		require.NoError(t, err)
		return c
	}
	admin := as(srv.AdminUser, srv.AdminPassword)
	alice := as(srv.User, srv.UserPassword)
	bad := as(srv.AdminUser, "Wrong-Passw0rd")
	robot := as(srv.RobotUser, srv.RobotPassword)

	// getCurrentUserInfo: 200, 401, 412 (a robot is not a user).
	me, _, err := admin.GetCurrentUserInfo(ctx)
	require.NoError(t, err)
	assert.Equal(t, "admin", me.Username)
	assert.True(t, me.SysadminFlag)
	_, _, err = bad.GetCurrentUserInfo(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "getCurrentUserInfo with a wrong password")
	_, _, err = robot.GetCurrentUserInfo(ctx)
	wantStatus(t, err, http.StatusPreconditionFailed, "getCurrentUserInfo as a robot")

	// createUser: 201, 409, 400, 403, 401.
	const pw = "Contract-Passw0rd"
	id, resp, err := admin.CreateUser(ctx, harbor.UserCreationReq{Username: "contract", Email: "contract@example.com", Realname: "Con Tract", Password: pw}, client.WithRequestID("contract-create-1"))
	require.NoError(t, err)
	assert.Positive(t, id)
	assert.Equal(t, "contract-create-1", resp.RequestID)
	_, _, err = admin.CreateUser(ctx, harbor.UserCreationReq{Username: "contract", Email: "other@example.com", Realname: "C", Password: pw})
	wantStatus(t, err, http.StatusConflict, "createUser with a taken username")
	_, _, err = admin.CreateUser(ctx, harbor.UserCreationReq{Username: "weak", Email: "weak@example.com", Realname: "W", Password: "short"})
	wantStatus(t, err, http.StatusBadRequest, "createUser with a weak password")
	_, _, err = admin.CreateUser(ctx, harbor.UserCreationReq{Username: "noemail", Email: "not-an-email", Realname: "N", Password: pw})
	wantStatus(t, err, http.StatusBadRequest, "createUser with a bad email")
	_, _, err = alice.CreateUser(ctx, harbor.UserCreationReq{Username: "byalice", Email: "byalice@example.com", Realname: "B", Password: pw})
	wantStatus(t, err, http.StatusForbidden, "createUser by a user who is not an admin")
	_, _, err = bad.CreateUser(ctx, harbor.UserCreationReq{Username: "bybad", Email: "bybad@example.com", Realname: "B", Password: pw})
	wantStatus(t, err, http.StatusUnauthorized, "createUser with a wrong password")

	// getUser: 200, 404, 403, 401.
	u, _, err := admin.GetUser(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "contract", u.Username)
	assert.Equal(t, "contract@example.com", *u.Email)
	_, _, err = admin.GetUser(ctx, 999999)
	wantStatus(t, err, http.StatusNotFound, "getUser of an unknown id")
	_, _, err = alice.GetUser(ctx, id)
	wantStatus(t, err, http.StatusForbidden, "getUser of another user by a user")
	self, _, err := alice.GetUser(ctx, srv.UserID)
	require.NoError(t, err)
	assert.Equal(t, srv.User, self.Username)
	_, _, err = bad.GetUser(ctx, id)
	wantStatus(t, err, http.StatusInternalServerError, "getUser with a wrong password (anonymous: the real server's bare 500)")

	// updateUserProfile: 200, 400, 403, 404, 401.
	_, err = admin.UpdateUserProfile(ctx, id, harbor.UserProfile{Email: "contract@navy.example", Realname: "Con B. Tract", Comment: client.Ptr("updated")})
	require.NoError(t, err)
	u, _, err = admin.GetUser(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "contract@navy.example", *u.Email)
	assert.Equal(t, "Con B. Tract", *u.Realname)
	_, err = admin.UpdateUserProfile(ctx, id, harbor.UserProfile{Email: "", Realname: "X"})
	wantStatus(t, err, http.StatusBadRequest, "updateUserProfile with an empty email")
	_, err = alice.UpdateUserProfile(ctx, id, harbor.UserProfile{Email: "x@example.com", Realname: "X"})
	wantStatus(t, err, http.StatusForbidden, "updateUserProfile of another user by a user")
	_, err = admin.UpdateUserProfile(ctx, 999999, harbor.UserProfile{Email: "x@example.com", Realname: "X"})
	wantStatus(t, err, http.StatusNotFound, "updateUserProfile of an unknown id")
	_, err = bad.UpdateUserProfile(ctx, id, harbor.UserProfile{Email: "x@example.com", Realname: "X"})
	wantStatus(t, err, http.StatusInternalServerError, "updateUserProfile with a wrong password (bare 500)")

	// listUsers: 200 (one page, and every page through the iterator), 400, 403, 401.
	q, err := client.NewHarborQuery().Fuzzy("username", "contr").Build()
	require.NoError(t, err)
	users, resp, err := admin.ListUsers(ctx, &harbor.ListUsersParams{Q: &q})
	require.NoError(t, err)
	require.Len(t, users, 1)
	assert.Equal(t, id, users[0].UserID)
	assert.Equal(t, 1, resp.TotalCount)
	n := 0
	for _, err := range admin.ListUsersIter(ctx, &harbor.ListUsersParams{PageSize: client.Ptr(int64(10))}) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, srv.Fake.UserCount()-1, n, "the iterator yields every user but the built-in admin once")
	badQ := harbor.Query("username")
	_, _, err = admin.ListUsers(ctx, &harbor.ListUsersParams{Q: &badQ})
	wantStatus(t, err, http.StatusBadRequest, "listUsers with a malformed q")
	_, _, err = alice.ListUsers(ctx, nil)
	wantStatus(t, err, http.StatusForbidden, "listUsers by a user who is not an admin")
	_, _, err = bad.ListUsers(ctx, nil)
	wantStatus(t, err, http.StatusUnauthorized, "listUsers with a wrong password")

	// searchUsers: 200, 401.
	hits, _, err := alice.SearchUsers(ctx, "contr", nil)
	require.NoError(t, err)
	require.Len(t, hits, 1)
	assert.Equal(t, id, hits[0].UserID)
	all, resp, err := admin.SearchUsers(ctx, "seed-", &harbor.SearchUsersParams{PageSize: client.Ptr(int64(client.HarborMaxPageSize))})
	require.NoError(t, err)
	assert.Len(t, all, 25)
	assert.Equal(t, 25, resp.TotalCount)
	_, _, err = bad.SearchUsers(ctx, "contr", nil)
	wantStatus(t, err, http.StatusUnauthorized, "searchUsers with a wrong password")

	// setUserSysAdmin: 200, 403, 404, 401.
	_, err = admin.SetUserSysAdmin(ctx, id, true)
	require.NoError(t, err)
	u, _, err = admin.GetUser(ctx, id)
	require.NoError(t, err)
	assert.True(t, u.SysadminFlag)
	_, err = alice.SetUserSysAdmin(ctx, id, false)
	wantStatus(t, err, http.StatusForbidden, "setUserSysAdmin by a user who is not an admin")
	_, err = admin.SetUserSysAdmin(ctx, 999999, true)
	wantStatus(t, err, http.StatusNotFound, "setUserSysAdmin of an unknown id")
	_, err = bad.SetUserSysAdmin(ctx, id, true)
	wantStatus(t, err, http.StatusUnauthorized, "setUserSysAdmin with a wrong password")

	// updateUserPassword: 200 (self, old password checked), 400, 403, 404, 401.
	contract := as("contract", pw)
	const pw2 = "Contract-Passw0rd-2"
	_, err = contract.UpdateUserPassword(ctx, id, harbor.PasswordReq{OldPassword: client.Ptr(pw), NewPassword: pw2})
	require.NoError(t, err)
	_, _, err = contract.GetCurrentUserInfo(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "the old password after a change")
	contract = as("contract", pw2)
	_, _, err = contract.GetCurrentUserInfo(ctx)
	require.NoError(t, err, "the new password works")
	_, err = contract.UpdateUserPassword(ctx, id, harbor.PasswordReq{OldPassword: client.Ptr(pw2), NewPassword: "weak"})
	wantStatus(t, err, http.StatusBadRequest, "updateUserPassword to a weak password")
	_, err = contract.UpdateUserPassword(ctx, id, harbor.PasswordReq{OldPassword: client.Ptr("Wrong-Passw0rd"), NewPassword: "Another-Passw0rd"})
	wantStatus(t, err, http.StatusForbidden, "updateUserPassword with a wrong old password")
	_, err = alice.UpdateUserPassword(ctx, id, harbor.PasswordReq{NewPassword: "Another-Passw0rd"})
	wantStatus(t, err, http.StatusForbidden, "updateUserPassword of another user by a user")
	_, err = admin.UpdateUserPassword(ctx, 999999, harbor.PasswordReq{NewPassword: "Another-Passw0rd"})
	wantStatus(t, err, http.StatusNotFound, "updateUserPassword of an unknown id")
	_, err = bad.UpdateUserPassword(ctx, id, harbor.PasswordReq{NewPassword: "Another-Passw0rd"})
	wantStatus(t, err, http.StatusInternalServerError, "updateUserPassword with a wrong password (bare 500)")

	// getCurrentUserPermissions: 200, 401.
	perms, _, err := admin.GetCurrentUserPermissions(ctx, &harbor.GetCurrentUserPermissionsParams{Scope: client.Ptr("/system")})
	require.NoError(t, err)
	assert.NotEmpty(t, perms)
	_, _, err = admin.GetCurrentUserPermissions(ctx, nil)
	require.NoError(t, err)
	_, _, err = alice.GetCurrentUserPermissions(ctx, &harbor.GetCurrentUserPermissionsParams{Scope: client.Ptr("/project/1"), Relative: client.Ptr(true)})
	require.NoError(t, err)
	_, _, err = bad.GetCurrentUserPermissions(ctx, nil)
	wantStatus(t, err, http.StatusUnauthorized, "getCurrentUserPermissions with a wrong password")

	// deleteUser: 200, 403 (not admin; self; user 1), 404, 401.
	_, err = alice.DeleteUser(ctx, id)
	wantStatus(t, err, http.StatusForbidden, "deleteUser by a user who is not an admin")
	_, err = admin.DeleteUser(ctx, 1)
	wantStatus(t, err, http.StatusForbidden, "deleteUser of the admin")
	_, err = bad.DeleteUser(ctx, id)
	wantStatus(t, err, http.StatusUnauthorized, "deleteUser with a wrong password")
	victim, _, err := admin.CreateUser(ctx, harbor.UserCreationReq{Username: "victim", Email: "victim@example.com", Realname: "V", Password: pw})
	require.NoError(t, err)
	_, err = admin.DeleteUser(ctx, victim)
	require.NoError(t, err)
	_, _, err = admin.GetUser(ctx, victim)
	wantStatus(t, err, http.StatusNotFound, "getUser after deleteUser")
	_, err = admin.DeleteUser(ctx, victim)
	wantStatus(t, err, http.StatusNotFound, "deleteUser twice")

	// setCliSecret: 412 under db_auth; under oidc_auth 200, 400, 403, 404, 401.
	_, err = admin.SetCliSecret(ctx, id, "Secr3tValue1")
	wantStatus(t, err, http.StatusPreconditionFailed, "setCliSecret under db_auth")
	srv.Fake.SetAuthMode(harborfake.AuthOIDC)
	_, err = admin.SetCliSecret(ctx, id, "Secr3tValue1")
	require.NoError(t, err)
	viaSecret := as("contract", "Secr3tValue1")
	_, _, err = viaSecret.GetCurrentUserInfo(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "a CLI secret is not a credential on /users*")
	_, err = admin.SetCliSecret(ctx, id, "")
	require.NoError(t, err, "an empty secret asks the server to generate one")
	_, err = admin.SetCliSecret(ctx, id, "weak")
	wantStatus(t, err, http.StatusBadRequest, "setCliSecret with a weak secret")
	_, err = admin.SetCliSecret(ctx, 999999, "Secr3tValue1")
	wantStatus(t, err, http.StatusNotFound, "setCliSecret of an unknown id")
	_, err = bad.SetCliSecret(ctx, id, "Secr3tValue1")
	wantStatus(t, err, http.StatusInternalServerError, "setCliSecret with a wrong password (anonymous under oidc_auth: bare 500)")
	_, err = as(srv.RobotUser, srv.RobotPassword).SetCliSecret(ctx, id, "Secr3tValue2")
	wantStatus(t, err, http.StatusForbidden, "setCliSecret of a user by a robot without system access")
	srv.Fake.SetAuthMode(harborfake.AuthDB)
}
