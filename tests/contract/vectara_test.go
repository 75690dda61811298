package contracttest

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake/vectarafake"
	"github.com/userapis/userapis-go/gen/vectara"
)

func vectaraScenario(t *testing.T, register func(*env)) {
	ctx := context.Background()
	srv := vectarafake.Start()
	t.Cleanup(srv.Close)
	// The OAuth2 token endpoint is not part of the document.
	e := newEnv(t, "vectara", srv.URL, func(r *http.Request) bool { return r.URL.Path == vectarafake.TokenPath })
	register(e)
	newClient := func(more ...client.ClientOption) *client.Vectara {
		c, err := client.NewVectara(e.opts(srv.URL, more...)...)
		require.NoError(t, err)
		return c
	}
	v := newClient(client.WithAPIKey(srv.APIKey))
	oauth := newClient(client.WithClientCredentials(srv.ClientID, srv.ClientSecret, srv.TokenURL))
	bad := newClient(client.WithAPIKey("zut_not_a_real_key"))
	limited := newClient(client.WithAPIKey(srv.LimitedAPIKey))
	query := newClient(client.WithAPIKey(srv.QueryAPIKey))
	const name = "marie.curie@example.com"

	// createUser: 201 (API key and OAuth2), 409, 400, 401, 403.
	u, resp, err := v.CreateUser(ctx, vectara.CreateUserRequest{Email: name, Description: client.Ptr("physicist"),
		APIRoles: &[]vectara.APIRole{vectara.APIRoleCorpusAdministrator}})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, name, *u.Username)
	assert.NotEmpty(t, *u.OneTimeCode)
	viaOAuth, _, err := oauth.CreateUser(ctx, vectara.CreateUserRequest{Email: "pierre@example.com", Username: client.Ptr("pierre")})
	require.NoError(t, err)
	assert.Equal(t, "pierre", *viaOAuth.Username)
	_, _, err = v.CreateUser(ctx, vectara.CreateUserRequest{Email: name})
	wantStatus(t, err, http.StatusConflict, "createUser with a taken username")
	_, _, err = v.CreateUser(ctx, vectara.CreateUserRequest{Email: "not-an-email"})
	wantStatus(t, err, http.StatusBadRequest, "createUser with a bad email")
	_, _, err = v.CreateUser(ctx, vectara.CreateUserRequest{Email: "x@example.com", CorpusRoles: &[]vectara.CorpusRole{{CorpusKey: "no-such-corpus", Role: "viewer"}}})
	wantStatus(t, err, http.StatusBadRequest, "createUser with a role on an unknown corpus")
	_, _, err = bad.CreateUser(ctx, vectara.CreateUserRequest{Email: "y@example.com"})
	wantStatus(t, err, http.StatusUnauthorized, "createUser with an unknown key")
	_, _, err = limited.CreateUser(ctx, vectara.CreateUserRequest{Email: "y@example.com"})
	wantStatus(t, err, http.StatusForbidden, "createUser without an admin role")

	// getUser: 200, 404, 401, 403.
	got, resp, err := v.GetUser(ctx, name)
	require.NoError(t, err)
	assert.Equal(t, "physicist", *got.Description)
	assert.Equal(t, "/v2/users/marie.curie@example.com", resp.Request.URL.EscapedPath())
	_, _, err = oauth.GetUser(ctx, "pierre")
	require.NoError(t, err)
	_, _, err = v.GetUser(ctx, "nobody@example.com")
	wantStatus(t, err, http.StatusNotFound, "getUser of an unknown user")
	_, _, err = bad.GetUser(ctx, name)
	wantStatus(t, err, http.StatusUnauthorized, "getUser with an unknown key")
	_, _, err = query.GetUser(ctx, name)
	wantStatus(t, err, http.StatusForbidden, "getUser with a QueryService key")

	// updateUser: 200, 400, 404, 401, 403.
	upd, _, err := v.UpdateUser(ctx, name, vectara.UpdateUserRequest{Enabled: client.Ptr(false), Description: client.Ptr("chemist")})
	require.NoError(t, err)
	assert.False(t, *upd.Enabled)
	assert.Equal(t, "chemist", *upd.Description)
	_, _, err = v.UpdateUser(ctx, name, vectara.UpdateUserRequest{CorpusRoles: &[]vectara.CorpusRole{{CorpusKey: "no-such-corpus", Role: "viewer"}}})
	wantStatus(t, err, http.StatusBadRequest, "updateUser with a role on an unknown corpus")
	_, _, err = v.UpdateUser(ctx, "nobody@example.com", vectara.UpdateUserRequest{Enabled: client.Ptr(true)})
	wantStatus(t, err, http.StatusNotFound, "updateUser of an unknown user")
	_, _, err = bad.UpdateUser(ctx, name, vectara.UpdateUserRequest{})
	wantStatus(t, err, http.StatusUnauthorized, "updateUser with an unknown key")
	_, _, err = limited.UpdateUser(ctx, name, vectara.UpdateUserRequest{})
	wantStatus(t, err, http.StatusForbidden, "updateUser without an admin role")

	// listUsers: 200 (page by page_key through the iterator, by corpus),
	// 400, 404, 401, 403.
	var all []string
	for user, err := range v.ListUsersIter(ctx, &vectara.ListUsersParams{Limit: client.Ptr(int32(2))}) {
		require.NoError(t, err)
		all = append(all, *user.Username)
	}
	assert.Equal(t, srv.Fake.Usernames(), all, "every user once, in username order")
	page, _, err := oauth.ListUsers(ctx, &vectara.ListUsersParams{CorpusKey: client.Ptr("my-corpus")})
	require.NoError(t, err)
	require.NotNil(t, page.Users)
	assert.Len(t, *page.Users, 2, "ada and grace have roles on my-corpus")
	_, _, err = v.ListUsers(ctx, &vectara.ListUsersParams{PageKey: client.Ptr("forged-page-key")})
	wantStatus(t, err, http.StatusBadRequest, "listUsers with a forged page_key")
	_, _, err = v.ListUsers(ctx, &vectara.ListUsersParams{CorpusKey: client.Ptr("no-such-corpus")})
	wantStatus(t, err, http.StatusNotFound, "listUsers of an unknown corpus")
	_, _, err = bad.ListUsers(ctx, nil)
	wantStatus(t, err, http.StatusUnauthorized, "listUsers with an unknown key")
	_, _, err = limited.ListUsers(ctx, nil)
	wantStatus(t, err, http.StatusForbidden, "listUsers without an admin role")

	// resetUserPassword: 200, 404, 401, 403.
	reset, _, err := v.ResetUserPassword(ctx, name)
	require.NoError(t, err)
	assert.NotNil(t, reset.OneTimeCode)
	assert.Equal(t, 1, srv.Fake.PasswordResets(name))
	_, _, err = v.ResetUserPassword(ctx, "nobody@example.com")
	wantStatus(t, err, http.StatusNotFound, "resetUserPassword of an unknown user")
	_, _, err = bad.ResetUserPassword(ctx, name)
	wantStatus(t, err, http.StatusUnauthorized, "resetUserPassword with an unknown key")
	_, _, err = limited.ResetUserPassword(ctx, name)
	wantStatus(t, err, http.StatusForbidden, "resetUserPassword without an admin role")

	// deleteUser: 204, then 404; 401, 403.
	_, err = limited.DeleteUser(ctx, name)
	wantStatus(t, err, http.StatusForbidden, "deleteUser without an admin role")
	_, err = bad.DeleteUser(ctx, name)
	wantStatus(t, err, http.StatusUnauthorized, "deleteUser with an unknown key")
	_, err = v.DeleteUser(ctx, name)
	require.NoError(t, err)
	_, err = oauth.DeleteUser(ctx, "pierre")
	require.NoError(t, err)
	_, err = v.DeleteUser(ctx, name)
	wantStatus(t, err, http.StatusNotFound, "deleteUser twice")
	_, _, err = v.GetUser(ctx, name)
	wantStatus(t, err, http.StatusNotFound, "getUser after deleteUser")

	// The OAuth2 token was fetched once and cached across every call.
	assert.Equal(t, 1, srv.Fake.TokenRequests())
}
