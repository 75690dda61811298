package contracttest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake/homeboxfake"
	"github.com/userapis/userapis-go/gen/homebox"
)

func homeboxScenario(t *testing.T, register func(*env)) {
	ctx := context.Background()
	srv := homeboxfake.Start()
	t.Cleanup(srv.Close)
	oidcOn := srv.Fake.Config()
	oidcOn.OIDCEnabled = true // a real server mounts the OIDC routes only when configured
	srv.Fake.SetConfig(oidcOn)
	e := newEnv(t, "homebox", srv.URL, nil)
	register(e)
	newClient := func(more ...client.ClientOption) *client.Homebox {
		c, err := client.NewHomebox(e.opts(srv.URL, more...)...)
		require.NoError(t, err)
		return c
	}
	hb := newClient()
	bad := newClient(client.WithBearerToken("not-a-session-token"))
	otherTenant := client.WithHeader("X-Tenant", "00000000-0000-4000-8000-000000000001")
	const email, pw = "linus@example.com", "correct horse battery"

	// registerNewUser: 204, 500 (duplicate email), 403 (registration off).
	_, err := hb.RegisterNewUser(ctx, homebox.UserRegistration{Name: "Linus", Email: email, Password: pw})
	require.NoError(t, err)
	_, err = hb.RegisterNewUser(ctx, homebox.UserRegistration{Name: "Linus 2", Email: email, Password: pw})
	wantStatus(t, err, http.StatusInternalServerError, "registerNewUser with a taken email")
	cfg := srv.Fake.Config()
	off := cfg
	off.RegistrationEnabled = false
	srv.Fake.SetConfig(off)
	_, err = hb.RegisterNewUser(ctx, homebox.UserRegistration{Name: "Late", Email: "late@example.com", Password: pw})
	wantStatus(t, err, http.StatusForbidden, "registerNewUser with registration disabled")
	srv.Fake.SetConfig(cfg)

	// userLogin: 200 (token kept), 401.
	tok, _, err := hb.UserLogin(ctx, email, pw, false)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(tok.Token, "Bearer "))
	assert.Equal(t, tok.Token, hb.Token())
	_, _, err = newClient().UserLogin(ctx, email, "wrong password", false)
	wantStatus(t, err, http.StatusUnauthorized, "userLogin with a wrong password")

	// getUserSelf: 200, 401, 403 (a tenant the user is not in).
	me, _, err := hb.GetUserSelf(ctx)
	require.NoError(t, err)
	assert.Equal(t, email, me.Email)
	assert.Equal(t, "Linus", me.Name)
	_, _, err = bad.GetUserSelf(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "getUserSelf with an unknown token")
	_, _, err = hb.GetUserSelf(ctx, otherTenant)
	wantStatus(t, err, http.StatusForbidden, "getUserSelf in another tenant")

	// updateUserSettings / getUserSettings: 200, 400 (over 64 KiB), 401, 403.
	set, _, err := hb.UpdateUserSettings(ctx, homebox.UserSettings{"theme": "dark", "locale": "de-CH"})
	require.NoError(t, err)
	assert.Equal(t, "dark", set["theme"])
	got, _, err := hb.GetUserSettings(ctx)
	require.NoError(t, err)
	assert.Equal(t, homebox.UserSettings{"theme": "dark", "locale": "de-CH"}, got)
	_, _, err = hb.UpdateUserSettings(ctx, homebox.UserSettings{"blob": strings.Repeat("x", 70<<10)})
	wantStatus(t, err, http.StatusBadRequest, "updateUserSettings over 64 KiB")
	_, _, err = bad.UpdateUserSettings(ctx, homebox.UserSettings{})
	wantStatus(t, err, http.StatusUnauthorized, "updateUserSettings with an unknown token")
	_, _, err = hb.UpdateUserSettings(ctx, homebox.UserSettings{}, otherTenant)
	wantStatus(t, err, http.StatusForbidden, "updateUserSettings in another tenant")
	_, _, err = bad.GetUserSettings(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "getUserSettings with an unknown token")
	_, _, err = hb.GetUserSettings(ctx, otherTenant)
	wantStatus(t, err, http.StatusForbidden, "getUserSettings in another tenant")

	// createApiKey: 201, 422, 401, 403; listApiKeys: 200, 401, 403;
	// deleteApiKey: 204, 404, 401, 403.
	key, _, err := hb.CreateAPIKey(ctx, homebox.APIKeyCreate{Name: "backup"})
	require.NoError(t, err)
	assert.NotEmpty(t, key.Token)
	// A 422 needs a body that breaks the document's request schema (an
	// empty name), so this one exchange bypasses the validating transport;
	// the fake checks its own answer against the document.
	unchecked := newClient(client.WithHTTPClient(&http.Client{Transport: e.tr.Next}), client.WithBearerToken(hb.Token()))
	_, _, err = unchecked.CreateAPIKey(ctx, homebox.APIKeyCreate{Name: ""})
	wantStatus(t, err, http.StatusUnprocessableEntity, "createApiKey with an empty name")
	_, _, err = bad.CreateAPIKey(ctx, homebox.APIKeyCreate{Name: "x"})
	wantStatus(t, err, http.StatusUnauthorized, "createApiKey with an unknown token")
	_, _, err = hb.CreateAPIKey(ctx, homebox.APIKeyCreate{Name: "x"}, otherTenant)
	wantStatus(t, err, http.StatusForbidden, "createApiKey in another tenant")
	keys, _, err := hb.ListAPIKeys(ctx)
	require.NoError(t, err)
	require.Len(t, keys, 1)
	assert.Equal(t, key.ID, keys[0].ID)
	_, _, err = bad.ListAPIKeys(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "listApiKeys with an unknown token")
	_, _, err = hb.ListAPIKeys(ctx, otherTenant)
	wantStatus(t, err, http.StatusForbidden, "listApiKeys in another tenant")

	// An API key authenticates, but cannot log out or refresh (400).
	byKey := newClient(client.WithAPIKey(key.Token))
	viaKey, _, err := byKey.GetUserSelf(ctx)
	require.NoError(t, err)
	assert.Equal(t, email, viaKey.Email)
	_, err = byKey.UserLogout(ctx)
	wantStatus(t, err, http.StatusBadRequest, "userLogout with an API key")
	_, _, err = byKey.UserTokenRefresh(ctx)
	wantStatus(t, err, http.StatusBadRequest, "userTokenRefresh with an API key")

	_, err = hb.DeleteAPIKey(ctx, key.ID)
	require.NoError(t, err)
	_, err = hb.DeleteAPIKey(ctx, key.ID)
	wantStatus(t, err, http.StatusNotFound, "deleteApiKey twice")
	_, _, err = byKey.GetUserSelf(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "a deleted API key")
	_, err = bad.DeleteAPIKey(ctx, key.ID)
	wantStatus(t, err, http.StatusUnauthorized, "deleteApiKey with an unknown token")
	_, err = hb.DeleteAPIKey(ctx, uuid.UUID{1}, otherTenant)
	wantStatus(t, err, http.StatusForbidden, "deleteApiKey in another tenant")

	// userTokenRefresh: 200 (the old token dies), 401, 403.
	old := hb.Token()
	_, _, err = hb.UserTokenRefresh(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, old, hb.Token())
	_, _, err = newClient(client.WithBearerToken(old)).GetUserSelf(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "the token replaced by a refresh")
	_, _, err = bad.UserTokenRefresh(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "userTokenRefresh with an unknown token")
	_, _, err = hb.UserTokenRefresh(ctx, otherTenant)
	wantStatus(t, err, http.StatusForbidden, "userTokenRefresh in another tenant")

	// updateAccount: 200, 401, 403.
	acct, _, err := hb.UpdateAccount(ctx, homebox.UserUpdate{Name: "Linus T.", Email: email})
	require.NoError(t, err)
	assert.Equal(t, "Linus T.", acct.Name)
	_, _, err = bad.UpdateAccount(ctx, homebox.UserUpdate{Name: "x", Email: email})
	wantStatus(t, err, http.StatusUnauthorized, "updateAccount with an unknown token")
	_, _, err = hb.UpdateAccount(ctx, homebox.UserUpdate{Name: "x", Email: email}, otherTenant)
	wantStatus(t, err, http.StatusForbidden, "updateAccount in another tenant")

	// changePassword: 204 (other sessions end), 500 (wrong current), 401, 403.
	second := newClient()
	_, _, err = second.UserLogin(ctx, email, pw, false)
	require.NoError(t, err)
	const pw2 = "correct horse battery staple"
	_, err = hb.ChangePassword(ctx, pw, pw2)
	require.NoError(t, err)
	_, _, err = hb.GetUserSelf(ctx)
	require.NoError(t, err, "the session that changed the password stays")
	_, _, err = second.GetUserSelf(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "another session after a password change")
	_, err = hb.ChangePassword(ctx, "not the password", "whatever else")
	wantStatus(t, err, http.StatusInternalServerError, "changePassword with a wrong current password")
	_, err = bad.ChangePassword(ctx, pw2, pw)
	wantStatus(t, err, http.StatusUnauthorized, "changePassword with an unknown token")
	_, err = hb.ChangePassword(ctx, pw2, pw, otherTenant)
	wantStatus(t, err, http.StatusForbidden, "changePassword in another tenant")

	// oidcLogin and oidcCallback: 302 (not followed), success and failure;
	// 404 once OIDC is off.
	loc, _, err := hb.OIDCLogin(ctx)
	require.NoError(t, err)
	state := loc.Query().Get("state")
	require.NotEmpty(t, state)
	code, err := srv.Fake.OIDCAuthorize(state, homeboxfake.OIDCIdentity{Email: "margaret@example.com", Name: "Margaret"})
	require.NoError(t, err)
	home, _, err := hb.OIDCCallback(ctx, code, state)
	require.NoError(t, err)
	assert.Equal(t, "/home", home.Path)
	fail, _, err := hb.OIDCCallback(ctx, "bogus-code", "bogus-state")
	require.NoError(t, err)
	assert.NotEmpty(t, fail.Query().Get("oidc_error"))
	noOIDC := srv.Fake.Config()
	noOIDC.OIDCEnabled = false
	srv.Fake.SetConfig(noOIDC)
	_, _, err = hb.OIDCLogin(ctx)
	wantStatus(t, err, http.StatusNotFound, "oidcLogin with OIDC off")
	_, _, err = hb.OIDCCallback(ctx, "c", "s")
	wantStatus(t, err, http.StatusNotFound, "oidcCallback with OIDC off")
	srv.Fake.SetConfig(cfg)

	// forgotPassword: 204 (known or not), 403 (local login off);
	// resetPassword: 204 (sessions end), 400 (bad token), 403.
	_, err = hb.ForgotPassword(ctx, email)
	require.NoError(t, err)
	_, err = hb.ForgotPassword(ctx, "nobody@example.com")
	require.NoError(t, err)
	resetTok := srv.Fake.LastResetToken(email)
	require.NotEmpty(t, resetTok)
	_, err = hb.ResetPassword(ctx, strings.Repeat("0", 32), "a whole new passphrase")
	wantStatus(t, err, http.StatusBadRequest, "resetPassword with an unknown token")
	const pw3 = "a whole new passphrase"
	_, err = hb.ResetPassword(ctx, resetTok, pw3)
	require.NoError(t, err)
	_, _, err = hb.GetUserSelf(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "a session after a password reset")
	local := srv.Fake.Config()
	local.LocalLoginEnabled = false
	srv.Fake.SetConfig(local)
	_, err = hb.ForgotPassword(ctx, email)
	wantStatus(t, err, http.StatusForbidden, "forgotPassword with local login off")
	_, err = hb.ResetPassword(ctx, resetTok, pw3)
	wantStatus(t, err, http.StatusForbidden, "resetPassword with local login off")
	_, _, err = hb.UserLogin(ctx, email, pw3, false)
	wantStatus(t, err, http.StatusForbidden, "userLogin with local login off")
	srv.Fake.SetConfig(cfg)

	// userLogout: 204 (token cleared), 401, 403.
	_, _, err = hb.UserLogin(ctx, email, pw3, true)
	require.NoError(t, err)
	_, err = hb.UserLogout(ctx, otherTenant)
	wantStatus(t, err, http.StatusForbidden, "userLogout in another tenant")
	loggedOut := hb.Token()
	_, err = hb.UserLogout(ctx)
	require.NoError(t, err)
	assert.Empty(t, hb.Token())
	_, err = newClient(client.WithBearerToken(loggedOut)).UserLogout(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "userLogout with a logged-out token")
	_, err = hb.UserLogout(ctx)
	assert.True(t, errors.Is(err, client.ErrNotAuthenticated), "no token: refused before sending, got %v", err)

	// userLogoutAll: 204 (every session ends), 401, 403.
	_, _, err = hb.UserLogin(ctx, email, pw3, false)
	require.NoError(t, err)
	everywhere := newClient()
	_, _, err = everywhere.UserLogin(ctx, email, pw3, false)
	require.NoError(t, err)
	_, err = hb.UserLogoutAll(ctx, otherTenant)
	wantStatus(t, err, http.StatusForbidden, "userLogoutAll in another tenant")
	_, err = hb.UserLogoutAll(ctx)
	require.NoError(t, err)
	_, _, err = everywhere.GetUserSelf(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "another session after userLogoutAll")
	_, err = bad.UserLogoutAll(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "userLogoutAll with an unknown token")

	// deleteAccount: 204, then 401; 403 in another tenant.
	_, _, err = hb.UserLogin(ctx, email, pw3, false)
	require.NoError(t, err)
	_, err = hb.DeleteAccount(ctx, otherTenant)
	wantStatus(t, err, http.StatusForbidden, "deleteAccount in another tenant")
	gone := hb.Token()
	_, err = hb.DeleteAccount(ctx)
	require.NoError(t, err)
	_, ok := srv.Fake.User(email)
	assert.False(t, ok, "the account is gone")
	_, err = newClient(client.WithBearerToken(gone)).DeleteAccount(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "deleteAccount with the deleted account's token")

	// userLogin: 429 from the auth rate limiter after repeated failures.
	var limited error
	for range 10 {
		if _, _, limited = newClient().UserLogin(ctx, srv.Email, "wrong", false); limited != nil {
			var ae *client.APIError
			if errors.As(limited, &ae) && ae.StatusCode == http.StatusTooManyRequests {
				break
			}
		}
	}
	wantStatus(t, limited, http.StatusTooManyRequests, "userLogin after repeated failures")
	var ae *client.APIError
	if errors.As(limited, &ae) {
		assert.Positive(t, ae.RetryAfter, "429 carries Retry-After")
	}
}
