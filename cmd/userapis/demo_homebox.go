// The demo's walk through Homebox's /api/v1/users.

package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake/homeboxfake"
	"github.com/userapis/userapis-go/gen/homebox"
	"github.com/userapis/userapis-go/gen/homebox/homeboxserver"
)

func demoHomebox(ctx context.Context, t *transcript, common []client.ClientOption) error {
	srv := homeboxfake.Start()
	defer srv.Close()
	// OIDC is off on a server that has no OIDC settings; the demo shows it on.
	cfg := srv.Fake.Config()
	cfg.OIDCEnabled = true
	srv.Fake.SetConfig(cfg)
	t.section("Homebox", "fake at "+srv.URL+" — bearer session tokens and API keys")
	check, err := t.checked("homebox", homeboxserver.GetSpec, srv.URL, nil)
	if err != nil {
		return err
	}
	common = append(common, check)
	hb, err := client.NewHomebox(append(common, client.WithBaseURL(srv.URL))...)
	if err != nil {
		return err
	}
	const email, pw = "linus@example.com", "correct horse battery"
	var keyID homebox.APIKeyOut
	var oidcState string
	steps := []struct {
		label string
		fn    func() (string, error)
	}{
		{"registerNewUser", func() (string, error) {
			_, err := hb.RegisterNewUser(ctx, homebox.UserRegistration{Name: "Linus", Email: email, Password: pw})
			return email, err
		}},
		{"userLogin (token kept by the client)", func() (string, error) {
			tok, _, err := hb.UserLogin(ctx, email, pw, false)
			if err != nil {
				return "", err
			}
			return "session until " + tok.ExpiresAt.Format(time.DateOnly), nil
		}},
		{"getUserSelf", func() (string, error) {
			u, _, err := hb.GetUserSelf(ctx)
			if err != nil {
				return "", err
			}
			return u.Name + " <" + u.Email + ">", nil
		}},
		{"updateUserSettings (replaces the object)", func() (string, error) {
			s, _, err := hb.UpdateUserSettings(ctx, homebox.UserSettings{"theme": "dark", "locale": "de-CH"})
			return fmt.Sprintf("%d keys stored", len(s)), err
		}},
		{"getUserSettings", func() (string, error) {
			s, _, err := hb.GetUserSettings(ctx)
			return fmt.Sprintf("theme=%v", s["theme"]), err
		}},
		{"createApiKey (token shown once)", func() (string, error) {
			k, _, err := hb.CreateAPIKey(ctx, homebox.APIKeyCreate{Name: "backup-script"})
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("id=%s (%d-char token, not printed)", k.ID, len(k.Token)), nil
		}},
		{"listApiKeys", func() (string, error) {
			keys, _, err := hb.ListAPIKeys(ctx)
			if err == nil && len(keys) > 0 {
				keyID = keys[0]
			}
			return fmt.Sprintf("%d key(s), newest %q", len(keys), keyID.Name), err
		}},
		{"deleteApiKey", func() (string, error) {
			_, err := hb.DeleteAPIKey(ctx, keyID.ID)
			return "revoked", err
		}},
		{"userTokenRefresh (old token dies)", func() (string, error) {
			_, _, err := hb.UserTokenRefresh(ctx)
			return "client switched to the new token", err
		}},
		{"updateAccount", func() (string, error) {
			u, _, err := hb.UpdateAccount(ctx, homebox.UserUpdate{Name: "Linus T.", Email: email})
			if err != nil {
				return "", err
			}
			return "name=" + u.Name, nil
		}},
		{"changePassword (other sessions revoked)", func() (string, error) {
			_, err := hb.ChangePassword(ctx, pw, pw+"!")
			return "changed", err
		}},
		{"oidcLogin (302 returned, not followed)", func() (string, error) {
			u, _, err := hb.OIDCLogin(ctx)
			if err != nil {
				return "", err
			}
			oidcState = u.Query().Get("state")
			return "→ " + u.Host + u.Path, nil
		}},
		{"oidcCallback (the fake plays the identity provider)", func() (string, error) {
			code, err := srv.Fake.OIDCAuthorize(oidcState, homeboxfake.OIDCIdentity{Email: "margaret@example.com", Name: "Margaret"})
			if err != nil {
				return "", err
			}
			u, _, err := hb.OIDCCallback(ctx, code, oidcState)
			if err != nil {
				return "", err
			}
			return "→ " + u.RequestURI(), nil
		}},
		{"forgotPassword", func() (string, error) {
			_, err := hb.ForgotPassword(ctx, email)
			return "204 whether or not the address is known", err
		}},
		{"resetPassword (token from the fake's outbox)", func() (string, error) {
			_, err := hb.ResetPassword(ctx, srv.Fake.LastResetToken(email), "a whole new passphrase")
			return "password reset; sessions revoked", err
		}},
	}
	for _, s := range steps {
		if err := t.step("homebox "+s.label, s.fn); err != nil {
			return err
		}
	}
	if err := t.refused("homebox getUserSelf after the reset", client.ErrUnauthorized, func() error {
		_, _, err := hb.GetUserSelf(ctx)
		return err
	}); err != nil {
		return err
	}
	if err := t.step("homebox userLogin + userLogout", func() (string, error) {
		if _, _, err := hb.UserLogin(ctx, email, "a whole new passphrase", true); err != nil {
			return "", err
		}
		_, err := hb.UserLogout(ctx)
		return "token cleared: " + fmt.Sprint(hb.Token() == ""), err
	}); err != nil {
		return err
	}
	if err := t.step("homebox userLogoutAll (two sessions end at once)", func() (string, error) {
		other, err := client.NewHomebox(append(common, client.WithBaseURL(srv.URL))...)
		if err != nil {
			return "", err
		}
		for _, c := range []*client.Homebox{hb, other} {
			if _, _, err := c.UserLogin(ctx, email, "a whole new passphrase", false); err != nil {
				return "", err
			}
		}
		if _, err := hb.UserLogoutAll(ctx); err != nil {
			return "", err
		}
		_, _, err = other.GetUserSelf(ctx)
		if !errors.Is(err, client.ErrUnauthorized) {
			return "", fmt.Errorf("the other session still works: %v", err)
		}
		return "the other session gets 401 now", nil
	}); err != nil {
		return err
	}
	return t.step("homebox deleteAccount", func() (string, error) {
		if _, _, err := hb.UserLogin(ctx, email, "a whole new passphrase", false); err != nil {
			return "", err
		}
		_, err := hb.DeleteAccount(ctx)
		return "account deleted", err
	})
}
