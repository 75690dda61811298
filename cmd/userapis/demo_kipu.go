// The demo's walk through the Kipu Quantum Hub user-service.

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake/kipufake"
	"github.com/userapis/userapis-go/gen/kipu"
	"github.com/userapis/userapis-go/gen/kipu/kipuserver"
)

func demoKipu(ctx context.Context, t *transcript, common []client.ClientOption) error {
	srv := kipufake.Start()
	defer srv.Close()
	t.section("Kipu Quantum Hub user-service", "fake at "+srv.URL+" — personal access token in X-Auth-Token")
	check, err := t.checked("kipu", kipuserver.GetSpec, srv.URL, nil)
	if err != nil {
		return err
	}
	common = append(common, check)
	k, err := client.NewKipu(append(common, client.WithBaseURL(srv.URL), client.WithPersonalAccessToken(srv.Token))...)
	if err != nil {
		return err
	}
	var me *kipu.UserDto
	var pat *client.KipuAccessToken
	steps := []struct {
		label string
		fn    func() (string, error)
	}{
		{"getCurrentUser (provisioned on first call)", func() (string, error) {
			u, _, err := k.GetCurrentUser(ctx)
			if err != nil {
				return "", err
			}
			me = u
			return fmt.Sprintf("id=%s email=%s", u.ID, deref(u.Email)), nil
		}},
		{"updateCurrentUser", func() (string, error) {
			u, _, err := k.UpdateCurrentUser(ctx, kipu.UpdateUserRequest{CurrentPosition: client.Ptr("Quantum engineer"), Homepage: client.Ptr("https://example.com/ada")})
			if err != nil {
				return "", err
			}
			return "position=" + deref(u.CurrentPosition), nil
		}},
		{"updateCurrentUserProfileImage (multipart)", func() (string, error) {
			png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
			_, err := k.UpdateCurrentUserProfileImage(ctx, "ada.png", bytes.NewReader(png))
			return fmt.Sprintf("%d bytes uploaded", len(png)), err
		}},
		{"getUserProfileImage (public)", func() (string, error) {
			img, _, err := k.GetUserProfileImage(ctx, me.ID)
			if err != nil {
				return "", err
			}
			if img == nil {
				return "", errors.New("no image after the upload")
			}
			ct, data, err := client.ParseDataURI(*img)
			return fmt.Sprintf("nullable string (data: URI): %s, %d bytes", ct, len(data)), err
		}},
		{"createPersonalAccessToken", func() (string, error) {
			tok, _, err := k.CreatePersonalAccessToken(ctx, client.KipuTokenRequest{Name: "ci-pipeline"})
			if err != nil {
				return "", err
			}
			pat = tok
			return fmt.Sprintf("id=%s, raw value shown once (%d chars, not printed)", tok.ID, len(tok.Value)), nil
		}},
		{"getPersonalAccessTokens", func() (string, error) {
			list, _, err := k.GetPersonalAccessTokens(ctx)
			if err != nil {
				return "", err
			}
			withValue := 0
			for _, tk := range list.Tokens {
				if tk.Value != "" {
					withValue++
				}
			}
			return fmt.Sprintf("%d tokens, %d with a raw value; created %s", len(list.Tokens), withValue, list.Tokens[len(list.Tokens)-1].CreatedAt.Format(time.RFC3339)), nil
		}},
		{"authorizeByPersonalAccessToken (public)", func() (string, error) {
			p, _, err := k.AuthorizeByPersonalAccessToken(ctx, pat.Value)
			if err != nil {
				return "", err
			}
			return "principal " + p.UserID, nil
		}},
		{"getUserById + checkUserExists (public)", func() (string, error) {
			u, _, err := k.GetUserByID(ctx, me.ID)
			if err != nil {
				return "", err
			}
			ok, _, err := k.CheckUserExists(ctx, me.ID)
			if err != nil {
				return "", err
			}
			missing, _, err := k.CheckUserExists(ctx, "no-such-user")
			return fmt.Sprintf("%s %s exists=%v, unknown exists=%v", deref(u.Firstname), deref(u.Lastname), ok, missing), err
		}},
		{"searchUsers q=lov", func() (string, error) {
			res, _, err := k.SearchUsers(ctx, "lov")
			return fmt.Sprintf("%d match(es)", len(res)), err
		}},
		{"getUserRegistrationStatus", func() (string, error) {
			st, _, err := k.GetUserRegistrationStatus(ctx, deref(me.Email))
			if err != nil {
				return "", err
			}
			return string(st.Status), nil
		}},
		{"deletePersonalAccessToken", func() (string, error) {
			_, err := k.DeletePersonalAccessToken(ctx, pat.ID)
			return "revoked " + pat.ID, err
		}},
		{"deleteCurrentUserProfileImage", func() (string, error) {
			_, err := k.DeleteCurrentUserProfileImage(ctx)
			return "removed", err
		}},
	}
	for _, s := range steps {
		if err := t.step("kipu "+s.label, s.fn); err != nil {
			return err
		}
	}
	if err := t.refused("kipu authorize with the revoked token", client.ErrUnauthorized, func() error {
		_, _, err := k.AuthorizeByPersonalAccessToken(ctx, pat.Value)
		return err
	}); err != nil {
		return err
	}
	if err := t.refused("kipu getUserById(\"..\") never leaves the client", client.ErrInvalidParam, func() error {
		_, _, err := k.GetUserByID(ctx, "..")
		return err
	}); err != nil {
		return err
	}
	var newDefault string
	if err := t.step("kipu regenerateDefaultPersonalAccessToken", func() (string, error) {
		d, _, err := k.RegenerateDefaultPersonalAccessToken(ctx)
		if err != nil {
			return "", err
		}
		newDefault = d.DefaultToken
		return fmt.Sprintf("new default token (%d chars, not printed)", len(d.DefaultToken)), nil
	}); err != nil {
		return err
	}
	if err := t.refused("kipu old default token stops working", client.ErrUnauthorized, func() error {
		_, _, err := k.GetCurrentUser(ctx)
		return err
	}); err != nil {
		return err
	}
	return t.step("kipu deleteCurrentUser (with the new default token)", func() (string, error) {
		opt := client.WithPersonalAccessToken(newDefault)
		if _, err := k.DeleteCurrentUser(ctx, opt); err != nil {
			return "", err
		}
		exists, _, err := k.CheckUserExists(ctx, me.ID)
		return fmt.Sprintf("account gone: exists=%v", exists), err
	})
}
