package client_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/userapis/userapis-go/client"
)

// A per-call WithBearerToken or WithAPIKey overrides the session token for
// that call only.
func TestHomebox_PerCallCredentials(t *testing.T) {
	want := "Bearer session"
	h, mux, _ := homeboxSetup(t, client.WithBearerToken("session"))
	homeboxSelf(t, mux, &want)
	ctx := context.Background()
	if _, _, err := h.GetUserSelf(ctx); err != nil {
		t.Fatal(err)
	}
	want = "Bearer other"
	if _, _, err := h.GetUserSelf(ctx, client.WithBearerToken("other")); err != nil {
		t.Fatal(err)
	}
	want = "Bearer hbk_key"
	if _, _, err := h.GetUserSelf(ctx, client.WithAPIKey("hbk_key")); err != nil {
		t.Fatal(err)
	}
	want = "Bearer session"
	if _, _, err := h.GetUserSelf(ctx); err != nil {
		t.Fatal(err)
	}
	if h.Token() != "Bearer session" {
		t.Fatalf("per-call credentials changed the session: %q", h.Token())
	}
}

// A 401 on logout or account deletion means the session is already dead:
// the client forgets the token either way.
func TestHomebox_LogoutUnauthorizedClearsToken(t *testing.T) {
	for _, tc := range []struct {
		path string
		call func(*client.Homebox) error
	}{
		{"/v1/users/logout", func(h *client.Homebox) error { _, err := h.UserLogout(context.Background()); return err }},
		{"/v1/users/self", func(h *client.Homebox) error { _, err := h.DeleteAccount(context.Background()); return err }},
	} {
		h, mux, _ := homeboxSetup(t, client.WithBearerToken("stale"))
		mux.HandleFunc(tc.path, func(w http.ResponseWriter, r *http.Request) {
			homeboxError(w, http.StatusUnauthorized, "valid authorization token is required")
		})
		err := tc.call(h)
		if !errors.Is(err, client.ErrUnauthorized) {
			t.Fatalf("%s: got %v, want ErrUnauthorized", tc.path, err)
		}
		if h.Token() != "" {
			t.Fatalf("%s: token kept after 401: %q", tc.path, h.Token())
		}
	}
}

// A nil context is an error, not a panic.
func TestHomebox_OIDCNilContext(t *testing.T) {
	h, _, _ := homeboxSetup(t)
	//lint:ignore SA1012 the nil context is the point of the test
	if _, _, err := h.OIDCLogin(nil); err == nil { //nolint:staticcheck
		t.Fatal("OIDCLogin(nil) succeeded")
	}
	//lint:ignore SA1012 the nil context is the point of the test
	if _, _, err := h.OIDCCallback(nil, "c", "s"); err == nil { //nolint:staticcheck
		t.Fatal("OIDCCallback(nil) succeeded")
	}
}
