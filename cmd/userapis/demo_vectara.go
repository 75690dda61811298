// The demo's walk through Vectara's v2 users API.

package main

import (
	"context"
	"fmt"
	"net/http"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake/vectarafake"
	"github.com/userapis/userapis-go/gen/vectara"
	"github.com/userapis/userapis-go/gen/vectara/vectaraserver"
)

func demoVectara(ctx context.Context, t *transcript, common []client.ClientOption) error {
	srv := vectarafake.Start()
	defer srv.Close()
	t.section("Vectara v2", "fake at "+srv.URL+" — OAuth2 client credentials (token cached), x-api-key also accepted")
	check, err := t.checked("vectara", vectaraserver.GetSpec, srv.URL, func(r *http.Request) bool {
		return r.URL.String() == srv.TokenURL // the OAuth2 token endpoint is not in the document
	})
	if err != nil {
		return err
	}
	common = append(common, check)
	v, err := client.NewVectara(append(common, client.WithBaseURL(srv.URL), client.WithClientCredentials(srv.ClientID, srv.ClientSecret, srv.TokenURL))...)
	if err != nil {
		return err
	}
	const name = "marie.curie@example.com"
	steps := []struct {
		label string
		fn    func() (string, error)
	}{
		{"createUser", func() (string, error) {
			u, resp, err := v.CreateUser(ctx, vectara.CreateUserRequest{Email: name, Description: client.Ptr("physicist"), APIRoles: &[]vectara.APIRole{vectara.APIRoleCorpusAdministrator}})
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%d, username=%s", resp.StatusCode, deref(u.Username)), nil
		}},
		{"getUser (username percent-encoded by the client)", func() (string, error) {
			u, resp, err := v.GetUser(ctx, name)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%s via %s", deref(u.ID), resp.Request.URL.EscapedPath()), nil
		}},
		{"updateUser (PATCH)", func() (string, error) {
			u, _, err := v.UpdateUser(ctx, name, vectara.UpdateUserRequest{Enabled: client.Ptr(false)})
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("enabled=%v", deref(u.Enabled)), nil
		}},
		{"listUsers iterator (page_key, limit 5)", func() (string, error) {
			n := 0
			for _, err := range v.ListUsersIter(ctx, &vectara.ListUsersParams{Limit: client.Ptr(int32(5))}) {
				if err != nil {
					return "", err
				}
				n++
			}
			return fmt.Sprintf("%d users", n), nil
		}},
		{"resetUserPassword", func() (string, error) {
			r, _, err := v.ResetUserPassword(ctx, name)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("one-time link issued=%v", r.OneTimeCodeLink != nil), nil
		}},
		{"503 + Retry-After: 0 injected, then getUser", func() (string, error) {
			srv.Faults.FailNext(1, "getUser", 503, "0")
			_, resp, err := v.GetUser(ctx, name)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("recovered after %d attempts", resp.Attempts), nil
		}},
		{"deleteUser", func() (string, error) {
			_, err := v.DeleteUser(ctx, name)
			return "204", err
		}},
	}
	for _, s := range steps {
		if err := t.step("vectara "+s.label, s.fn); err != nil {
			return err
		}
	}
	if err := t.refused("vectara getUser after delete", client.ErrNotFound, func() error {
		_, _, err := v.GetUser(ctx, name)
		return err
	}); err != nil {
		return err
	}
	return t.step("vectara token endpoint hits", func() (string, error) {
		n := srv.Fake.TokenRequests()
		if n != 1 {
			return "", fmt.Errorf("expected the OAuth2 token to be fetched once and cached, got %d fetches", n)
		}
		return fmt.Sprintf("%d fetch, cached across every call above", n), nil
	})
}
