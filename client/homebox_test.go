package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/gen/homebox"
)

// homeboxSetup returns a client of a Homebox whose API is mounted at /api
// (the facade appends it to the browser URL), the mux, and the browser URL.
func homeboxSetup(t *testing.T, opts ...client.ClientOption) (*client.Homebox, *http.ServeMux, string) {
	t.Helper()
	mux, base := mtServer(t, "/api")
	h, err := client.NewHomebox(append([]client.ClientOption{client.WithBaseURL(base), mtFast}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return h, mux, base
}

func homeboxError(w http.ResponseWriter, status int, msg string) {
	mtWriteJSON(w, status, fmt.Sprintf(`{"error":%q}`, msg))
}

const homeboxUserJSON = `{"item":{"id":"5b0f7c1e-2d4a-4c6e-9f3b-1a2b3c4d5e6f","name":"Admin","email":"admin@admin.com","isSuperuser":false,
	"defaultGroupId":"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d","groupIds":["9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"],"oidcIssuer":null,"oidcSubject":null}}`

func homeboxUUID(t *testing.T, s string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := id.UnmarshalText([]byte(s)); err != nil {
		t.Fatal(err)
	}
	return id
}

func homeboxUser(t *testing.T) homebox.UserOut {
	g := homeboxUUID(t, "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
	return homebox.UserOut{ID: homeboxUUID(t, "5b0f7c1e-2d4a-4c6e-9f3b-1a2b3c4d5e6f"), Name: "Admin", Email: "admin@admin.com", DefaultGroupID: g, GroupIDs: []uuid.UUID{g}}
}

// homeboxSelf serves GET /v1/users/self for the given Authorization value.
func homeboxSelf(t *testing.T, mux *http.ServeMux, wantAuth *string) {
	mux.HandleFunc("/v1/users/self", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "GET")
		mtHeader(t, r, "Authorization", *wantAuth)
		mtWriteJSON(w, 200, homeboxUserJSON)
	})
}

// The login token carries "Bearer " already: it is stored and sent as is,
// never as "Bearer Bearer ...".
func TestHomebox_UserLogin(t *testing.T) {
	h, mux, _ := homeboxSetup(t)
	mux.HandleFunc("/v1/users/login", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "POST")
		mtNoHeader(t, r, "Authorization")
		mtQuery(t, r, nil)
		// Homebox refuses a Content-Type with parameters.
		mtJSONBody(t, r, `{"username":"admin@admin.com","password":"admin","stayLoggedIn":true}`)
		mtWriteJSON(w, 200, `{"token":"Bearer 3QJ5FZ2K7M4XWQ2RVTB6N8YHCA","expiresAt":"2025-06-08T12:00:00Z","attachmentToken":"K2M7Q4XW3RVTB6N8YHCA5FZ2JP"}`)
	})
	want := "Bearer 3QJ5FZ2K7M4XWQ2RVTB6N8YHCA"
	homeboxSelf(t, mux, &want)
	tok, _, err := h.UserLogin(context.Background(), "admin@admin.com", "admin", true)
	if err != nil {
		t.Fatal(err)
	}
	wantTok := &homebox.TokenResponse{Token: want, ExpiresAt: time.Date(2025, 6, 8, 12, 0, 0, 0, time.UTC), AttachmentToken: "K2M7Q4XW3RVTB6N8YHCA5FZ2JP"}
	if !reflect.DeepEqual(tok, wantTok) {
		t.Errorf("token = %+v", tok)
	}
	if h.Token() != want {
		t.Errorf("Token() = %q, want %q", h.Token(), want)
	}
	u, _, err := h.GetUserSelf(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*u, homeboxUser(t)) {
		t.Errorf("user = %+v", u)
	}
}

func TestHomebox_UserLogin_errors(t *testing.T) {
	h, mux, _ := homeboxSetup(t, client.WithBearerToken("Bearer old"))
	var n atomic.Int32
	mux.HandleFunc("/v1/users/login", func(w http.ResponseWriter, r *http.Request) {
		mtNoHeader(t, r, "Authorization")
		if n.Add(1) == 1 {
			homeboxError(w, 401, "unauthorized")
			return
		}
		mtWriteJSON(w, 200, `{"token":"","expiresAt":"2025-06-08T12:00:00Z","attachmentToken":"x"}`)
	})
	_, _, err := h.UserLogin(context.Background(), "admin@admin.com", "wrong", false)
	mtAPIError(t, err, 401, client.ErrUnauthorized, "unauthorized")
	if h.Token() != "Bearer old" {
		t.Errorf("a failed login changed the token to %q", h.Token())
	}
	// A 200 without a token is not a login.
	tok, _, err := h.UserLogin(context.Background(), "admin@admin.com", "admin", false)
	var de *client.DecodeError
	if tok != nil || !errors.As(err, &de) {
		t.Errorf("empty token: %v, %v; want a *DecodeError", tok, err)
	}
	for _, up := range [][2]string{{"", "x"}, {"x", ""}} {
		_, _, err := h.UserLogin(context.Background(), up[0], up[1], false)
		mtParamError(t, err)
	}
}

// 429 with Retry-After: reported when retries are off or the wait is over
// the cap; waited for and retried (the login was not processed) otherwise.
func TestHomebox_UserLogin_rateLimited(t *testing.T) {
	h, mux, _ := homeboxSetup(t)
	var n atomic.Int32
	var retryAfter atomic.Value
	retryAfter.Store("7")
	mux.HandleFunc("/v1/users/login", func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 1 {
			w.Header().Set("Retry-After", retryAfter.Load().(string))
			homeboxError(w, 429, "too many authentication attempts")
			return
		}
		mtWriteJSON(w, 200, `{"token":"Bearer T","expiresAt":"2025-06-08T12:00:00Z","attachmentToken":"A"}`)
	})
	ctx := context.Background()
	_, _, err := h.UserLogin(ctx, "a@b.c", "pw", false, client.WithMaxRetries(0))
	ae := mtAPIError(t, err, 429, client.ErrRateLimited, "too many authentication attempts")
	if ae.RetryAfter != 7*time.Second || ae.Header.Get("Retry-After") != "7" {
		t.Errorf("RetryAfter = %v", ae.RetryAfter)
	}
	n.Store(0)

	// A login is never retried on 429, whatever the hint: each refused
	// attempt lengthens the lock-out. The answer comes back at once.
	for _, hint := range []string{"120", "0"} {
		n.Store(0)
		retryAfter.Store(hint)
		start := time.Now()
		bounded, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, resp, err := h.UserLogin(bounded, "a@b.c", "pw", false)
		cancel()
		mtAPIError(t, err, 429, client.ErrRateLimited, "too many authentication attempts")
		if errors.Is(err, client.ErrRetryAfterTooLong) || time.Since(start) > 4*time.Second || resp.Attempts != 1 || n.Load() != 1 {
			t.Errorf("Retry-After %s: err = %v after %v, %d attempts; want the 429 at once", hint, err, time.Since(start), n.Load())
		}
	}
}

func TestHomebox_UserLogout(t *testing.T) {
	h, mux, _ := homeboxSetup(t, client.WithBearerToken("Bearer sess"))
	mux.HandleFunc("/v1/users/logout", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "POST")
		mtHeader(t, r, "Authorization", "Bearer sess")
		mtNoBody(t, r)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/v1/users/self", mtNeverCalled(t))
	if _, err := h.UserLogout(context.Background()); err != nil {
		t.Fatal(err)
	}
	if h.Token() != "" {
		t.Errorf("Token() = %q after logout", h.Token())
	}
	_, _, err := h.GetUserSelf(context.Background())
	mtNotAuthenticated(t, err)
}

func TestHomebox_UserLogout_error(t *testing.T) {
	h, mux, _ := homeboxSetup(t, client.WithAPIKey("hbk_key"))
	mux.HandleFunc("/v1/users/logout", func(w http.ResponseWriter, r *http.Request) {
		mtHeader(t, r, "Authorization", "Bearer hbk_key")
		homeboxError(w, 400, "API keys cannot log out")
	})
	_, err := h.UserLogout(context.Background())
	mtAPIError(t, err, 400, client.ErrBadRequest, "API keys cannot log out")
	if h.Token() != "Bearer hbk_key" {
		t.Errorf("a failed logout cleared the token: %q", h.Token())
	}
}

// The refreshed token has no prefix; the client sends "Bearer "+raw.
func TestHomebox_UserTokenRefresh(t *testing.T) {
	h, mux, _ := homeboxSetup(t, client.WithBearerToken("Bearer old"))
	mux.HandleFunc("/v1/users/refresh", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "GET")
		mtHeader(t, r, "Authorization", "Bearer old")
		mtWriteJSON(w, 200, `{"raw":"7HX2QK4M9WZ3RVTB6N8YCA5FJP","attachmentToken":"N8Y","expiresAt":"2025-06-08T12:00:00Z"}`)
	})
	want := "Bearer 7HX2QK4M9WZ3RVTB6N8YCA5FJP"
	homeboxSelf(t, mux, &want)
	tok, _, err := h.UserTokenRefresh(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tok.Raw != "7HX2QK4M9WZ3RVTB6N8YCA5FJP" || tok.AttachmentToken != "N8Y" {
		t.Errorf("refresh = %+v", tok)
	}
	if h.Token() != want {
		t.Errorf("Token() = %q", h.Token())
	}
	if _, _, err := h.GetUserSelf(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestHomebox_UserTokenRefresh_error(t *testing.T) {
	h, mux, _ := homeboxSetup(t, client.WithBearerToken("Bearer old"))
	var n atomic.Int32
	mux.HandleFunc("/v1/users/refresh", func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			homeboxError(w, 401, "valid authorization token is required")
			return
		}
		mtWriteJSON(w, 200, `{"raw":"","attachmentToken":"","expiresAt":"2025-06-08T12:00:00Z"}`)
	})
	_, _, err := h.UserTokenRefresh(context.Background())
	mtAPIError(t, err, 401, client.ErrUnauthorized, "valid authorization token is required")
	_, _, err = h.UserTokenRefresh(context.Background())
	if !errors.Is(err, client.ErrUnexpectedResponse) {
		t.Errorf("empty raw: err = %v", err)
	}
	if h.Token() != "Bearer old" {
		t.Errorf("Token() = %q, want it unchanged", h.Token())
	}
}

// OIDC redirects are returned, not followed: the identity provider and
// Homebox's /home see no request, and no credential is sent.
func TestHomebox_OIDCLogin(t *testing.T) {
	idp := httptest.NewServer(mtNeverCalled(t))
	t.Cleanup(idp.Close)
	h, mux, _ := homeboxSetup(t, client.WithBearerToken("Bearer sess"))
	target := idp.URL + "/authorize?client_id=homebox&state=xyz&redirect_uri=" + url.QueryEscape("https://hb/api/v1/users/login/oidc/callback")
	mux.HandleFunc("/v1/users/login/oidc", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "GET")
		mtNoHeader(t, r, "Authorization")
		http.Redirect(w, r, target, http.StatusFound)
	})
	u, resp, err := h.OIDCLogin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if u.String() != target || resp.StatusCode != 302 {
		t.Errorf("URL = %s (status %d), want %s", u, resp.StatusCode, target)
	}
}

func TestHomebox_OIDCLogin_errors(t *testing.T) {
	h, mux, _ := homeboxSetup(t)
	var n atomic.Int32
	mux.HandleFunc("/v1/users/login/oidc", func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1: // OIDC disabled: the route is not mounted
			http.NotFound(w, r)
		default: // a 302 without Location
			w.WriteHeader(http.StatusFound)
		}
	})
	u, _, err := h.OIDCLogin(context.Background())
	if u != nil {
		t.Errorf("URL = %v", u)
	}
	mtAPIError(t, err, 404, client.ErrNotFound, "") // body is not JSON
	_, _, err = h.OIDCLogin(context.Background())
	if !errors.Is(err, client.ErrUnexpectedResponse) {
		t.Errorf("302 without Location: err = %v", err)
	}
}

func TestHomebox_OIDCCallback(t *testing.T) {
	h, mux, base := homeboxSetup(t)
	mux.HandleFunc("/v1/users/login/oidc/callback", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "GET")
		mtNoHeader(t, r, "Authorization")
		q := r.URL.Query()
		if q.Get("code") == "good code/+&=" {
			mtQuery(t, r, url.Values{"code": {"good code/+&="}, "state": {"st%41te"}})
			w.Header().Set("Location", "/home") // relative, as Homebox sends it
		} else {
			w.Header().Set("Location", "/?oidc_error=oidc_auth_failed")
		}
		w.WriteHeader(http.StatusFound)
	})
	// The root server's fallback fails the test if /home or / is fetched.
	u, _, err := h.OIDCCallback(context.Background(), "good code/+&=", "st%41te")
	if err != nil {
		t.Fatal(err)
	}
	if u.String() != base+"/home" {
		t.Errorf("URL = %s, want %s/home", u, base)
	}
	u, _, err = h.OIDCCallback(context.Background(), "bad", "s")
	if err != nil || u.String() != base+"/?oidc_error=oidc_auth_failed" || u.Query().Get("oidc_error") != "oidc_auth_failed" {
		t.Errorf("failure redirect: %v, %v", u, err)
	}
	for _, cs := range [][2]string{{"", "s"}, {"c", ""}} {
		_, _, err := h.OIDCCallback(context.Background(), cs[0], cs[1])
		mtParamError(t, err)
	}
}

func TestHomebox_OIDCCallback_error(t *testing.T) {
	h, mux, _ := homeboxSetup(t)
	mux.HandleFunc("/v1/users/login/oidc/callback", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		homeboxError(w, 429, "too many authentication attempts")
	})
	_, _, err := h.OIDCCallback(context.Background(), "c", "s", client.WithMaxRetries(0))
	ae := mtAPIError(t, err, 429, client.ErrRateLimited, "too many authentication attempts")
	if ae.RetryAfter != 30*time.Second {
		t.Errorf("RetryAfter = %v", ae.RetryAfter)
	}
}

func TestHomebox_RegisterNewUser(t *testing.T) {
	h, mux, _ := homeboxSetup(t, client.WithBearerToken("Bearer sess"))
	mux.HandleFunc("/v1/users/register", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "POST")
		mtNoHeader(t, r, "Authorization")
		mtJSONBody(t, r, `{"name":"Jane Doe","email":"jane@example.com","password":"correct-horse","token":"invite-1"}`)
		w.WriteHeader(http.StatusNoContent)
	})
	_, err := h.RegisterNewUser(context.Background(), homebox.UserRegistration{Name: "Jane Doe", Email: "jane@example.com", Password: "correct-horse", Token: client.Ptr("invite-1")})
	if err != nil {
		t.Fatal(err)
	}
	if h.Token() != "Bearer sess" {
		t.Errorf("registering changed the token: %q", h.Token())
	}
}

func TestHomebox_RegisterNewUser_errors(t *testing.T) {
	h, mux, _ := homeboxSetup(t)
	var n atomic.Int32
	mux.HandleFunc("/v1/users/register", func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			homeboxError(w, 403, "user registration disabled")
			return
		}
		homeboxError(w, 500, "email already exists")
	})
	body := homebox.UserRegistration{Name: "J", Email: "j@x", Password: "secret1"}
	_, err := h.RegisterNewUser(context.Background(), body)
	mtAPIError(t, err, 403, client.ErrForbidden, "user registration disabled")
	_, err = h.RegisterNewUser(context.Background(), body)
	ae := mtAPIError(t, err, 500, client.ErrServer, "email already exists")
	if ae.Attempts != 1 {
		t.Errorf("a POST answered 500 was retried (%d attempts)", ae.Attempts)
	}
}

func TestHomebox_GetUserSelf(t *testing.T) {
	h, mux, _ := homeboxSetup(t, client.WithBearerToken("Bearer sess"))
	want := "Bearer sess"
	homeboxSelf(t, mux, &want)
	u, _, err := h.GetUserSelf(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*u, homeboxUser(t)) {
		t.Errorf("user = %+v", u)
	}
}

func TestHomebox_GetUserSelf_error(t *testing.T) {
	h, mux, _ := homeboxSetup(t, client.WithBearerToken("Bearer expired"))
	mux.HandleFunc("/v1/users/self", func(w http.ResponseWriter, r *http.Request) {
		homeboxError(w, 401, "valid authorization token is required")
	})
	u, _, err := h.GetUserSelf(context.Background())
	if u != nil {
		t.Errorf("user = %v", u)
	}
	ae := mtAPIError(t, err, 401, client.ErrUnauthorized, "valid authorization token is required")
	if strings.Contains(ae.Error(), "expired") && strings.Contains(ae.Error(), "Bearer") {
		t.Errorf("error %q carries the token", ae)
	}
}

func TestHomebox_UpdateAccount(t *testing.T) {
	h, mux, _ := homeboxSetup(t, client.WithBearerToken("Bearer sess"))
	mux.HandleFunc("/v1/users/self", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "PUT")
		mtHeader(t, r, "Authorization", "Bearer sess")
		mtJSONBody(t, r, `{"name":"Admin Renamed","email":"admin@admin.com"}`)
		mtWriteJSON(w, 200, strings.Replace(homeboxUserJSON, `"name":"Admin"`, `"name":"Admin Renamed","oidcIssuer":"https://id","oidcSubject":"248"`, 1))
	})
	u, _, err := h.UpdateAccount(context.Background(), homebox.UserUpdate{Name: "Admin Renamed", Email: "admin@admin.com"})
	if err != nil {
		t.Fatal(err)
	}
	want := homeboxUser(t)
	want.Name = "Admin Renamed"
	if !reflect.DeepEqual(*u, want) {
		t.Errorf("user = %+v, want %+v", u, want)
	}
}

func TestHomebox_UpdateAccount_error(t *testing.T) {
	h, mux, _ := homeboxSetup(t, client.WithBearerToken("Bearer sess"))
	mux.HandleFunc("/v1/users/self", func(w http.ResponseWriter, r *http.Request) {
		homeboxError(w, 400, "invalid request body")
	})
	_, _, err := h.UpdateAccount(context.Background(), homebox.UserUpdate{})
	mtAPIError(t, err, 400, client.ErrBadRequest, "invalid request body")
}

func TestHomebox_DeleteAccount(t *testing.T) {
	h, mux, _ := homeboxSetup(t, client.WithBearerToken("Bearer sess"))
	var n atomic.Int32
	mux.HandleFunc("/v1/users/self", func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) > 1 {
			t.Errorf("request after DeleteAccount: %s", r.Method)
		}
		mtMethod(t, r, "DELETE")
		mtHeader(t, r, "Authorization", "Bearer sess")
		w.WriteHeader(http.StatusNoContent)
	})
	if _, err := h.DeleteAccount(context.Background()); err != nil {
		t.Fatal(err)
	}
	if h.Token() != "" {
		t.Errorf("Token() = %q", h.Token())
	}
	_, _, err := h.GetUserSelf(context.Background())
	mtNotAuthenticated(t, err)
}

func TestHomebox_DeleteAccount_error(t *testing.T) {
	h, mux, _ := homeboxSetup(t, client.WithBearerToken("Bearer sess"))
	mux.HandleFunc("/v1/users/self", func(w http.ResponseWriter, r *http.Request) {
		homeboxError(w, 403, "Forbidden")
	})
	_, err := h.DeleteAccount(context.Background())
	mtAPIError(t, err, 403, client.ErrForbidden, "Forbidden")
	if h.Token() != "Bearer sess" {
		t.Errorf("a failed delete cleared the token")
	}
}

func TestHomebox_GetUserSettings(t *testing.T) {
	h, mux, _ := homeboxSetup(t, client.WithBearerToken("Bearer sess"))
	var n atomic.Int32
	mux.HandleFunc("/v1/users/self/settings", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "GET")
		mtHeader(t, r, "Authorization", "Bearer sess")
		w.Header().Set("Cache-Control", "no-store")
		if n.Add(1) == 1 {
			mtWriteJSON(w, 200, `{"item":{"theme":"dark","itemDisplayView":"card","columns":[1,2]}}`)
			return
		}
		mtWriteJSON(w, 200, `{"item":null}`)
	})
	s, _, err := h.GetUserSettings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := homebox.UserSettings{"theme": "dark", "itemDisplayView": "card", "columns": []any{1.0, 2.0}}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("settings = %#v", s)
	}
	s, _, err = h.GetUserSettings(context.Background())
	if s != nil || err != nil {
		t.Errorf("null item: %#v, %v; want nil, nil", s, err)
	}
}

func TestHomebox_GetUserSettings_error(t *testing.T) {
	h, mux, _ := homeboxSetup(t, client.WithBearerToken("Bearer sess"))
	mux.HandleFunc("/v1/users/self/settings", func(w http.ResponseWriter, r *http.Request) {
		homeboxError(w, 401, "valid authorization token is required")
	})
	_, _, err := h.GetUserSettings(context.Background())
	mtAPIError(t, err, 401, client.ErrUnauthorized, "valid authorization token is required")
}

// Settings are replaced whole: the client sends exactly the new object,
// not a merge with what the server has.
func TestHomebox_UpdateUserSettings(t *testing.T) {
	h, mux, _ := homeboxSetup(t, client.WithBearerToken("Bearer sess"))
	stored := `{"theme":"dark","legacy":true}`
	mux.HandleFunc("/v1/users/self/settings", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "PUT")
		mtHeader(t, r, "Authorization", "Bearer sess")
		mtJSONBody(t, r, `{"theme":"light","layout":{"cols":[1,2]}}`)
		stored = `{"theme":"light","layout":{"cols":[1,2]}}`
		mtWriteJSON(w, 200, `{"item":`+stored+`}`)
	})
	got, _, err := h.UpdateUserSettings(context.Background(), homebox.UserSettings{"theme": "light", "layout": map[string]any{"cols": []int{1, 2}}})
	if err != nil {
		t.Fatal(err)
	}
	want := homebox.UserSettings{"theme": "light", "layout": map[string]any{"cols": []any{1.0, 2.0}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stored = %#v", got)
	}
	if _, ok := got["legacy"]; ok {
		t.Error("old keys survived a replace")
	}
}

func TestHomebox_UpdateUserSettings_error(t *testing.T) {
	h, mux, _ := homeboxSetup(t, client.WithBearerToken("Bearer sess"))
	mux.HandleFunc("/v1/users/self/settings", func(w http.ResponseWriter, r *http.Request) {
		homeboxError(w, 400, "request body too large")
	})
	got, _, err := h.UpdateUserSettings(context.Background(), homebox.UserSettings{"x": 1})
	if got != nil {
		t.Errorf("settings = %v", got)
	}
	mtAPIError(t, err, 400, client.ErrBadRequest, "request body too large")
}

func TestHomebox_ChangePassword(t *testing.T) {
	h, mux, _ := homeboxSetup(t, client.WithBearerToken("Bearer sess"))
	mux.HandleFunc("/v1/users/self/change-password", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "PUT")
		mtHeader(t, r, "Authorization", "Bearer sess")
		mtJSONBody(t, r, `{"current":"admin","new":"a-much-better-password"}`)
		w.WriteHeader(http.StatusNoContent)
	})
	if _, err := h.ChangePassword(context.Background(), "admin", "a-much-better-password"); err != nil {
		t.Fatal(err)
	}
	if h.Token() != "Bearer sess" {
		t.Error("this session's token must stay")
	}
}

func TestHomebox_ChangePassword_error(t *testing.T) {
	h, mux, _ := homeboxSetup(t, client.WithBearerToken("Bearer sess"))
	mux.HandleFunc("/v1/users/self/change-password", func(w http.ResponseWriter, r *http.Request) {
		homeboxError(w, 500, "current password is incorrect") // Homebox uses 500 for this
	})
	_, err := h.ChangePassword(context.Background(), "wrong", "x", client.WithMaxRetries(0))
	mtAPIError(t, err, 500, client.ErrServer, "current password is incorrect")
}

func TestHomebox_ForgotPassword(t *testing.T) {
	h, mux, _ := homeboxSetup(t, client.WithBearerToken("Bearer sess"))
	mux.HandleFunc("/v1/users/forgot-password", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "POST")
		mtNoHeader(t, r, "Authorization")
		mtJSONBody(t, r, `{"email":"user@example.com"}`)
		w.WriteHeader(http.StatusNoContent)
	})
	if _, err := h.ForgotPassword(context.Background(), "user@example.com"); err != nil {
		t.Fatal(err)
	}
	_, err := h.ForgotPassword(context.Background(), "")
	mtParamError(t, err)
}

func TestHomebox_ForgotPassword_error(t *testing.T) {
	h, mux, _ := homeboxSetup(t)
	mux.HandleFunc("/v1/users/forgot-password", func(w http.ResponseWriter, r *http.Request) {
		homeboxError(w, 403, "local login is not enabled")
	})
	_, err := h.ForgotPassword(context.Background(), "user@example.com")
	mtAPIError(t, err, 403, client.ErrForbidden, "local login is not enabled")
}

func TestHomebox_ResetPassword(t *testing.T) {
	h, mux, _ := homeboxSetup(t, client.WithBearerToken("Bearer sess"))
	mux.HandleFunc("/v1/users/reset-password", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "POST")
		mtNoHeader(t, r, "Authorization")
		mtJSONBody(t, r, `{"token":"8f14e45fceea167a5a36dedd4bea2543","password":"new-secret-password"}`)
		w.WriteHeader(http.StatusNoContent)
	})
	if _, err := h.ResetPassword(context.Background(), "8f14e45fceea167a5a36dedd4bea2543", "new-secret-password"); err != nil {
		t.Fatal(err)
	}
}

func TestHomebox_ResetPassword_error(t *testing.T) {
	h, mux, _ := homeboxSetup(t)
	mux.HandleFunc("/v1/users/reset-password", func(w http.ResponseWriter, r *http.Request) {
		homeboxError(w, 400, "invalid or expired token")
	})
	_, err := h.ResetPassword(context.Background(), "t", "p")
	mtAPIError(t, err, 400, client.ErrBadRequest, "invalid or expired token")
}

func TestHomebox_ListAPIKeys(t *testing.T) {
	h, mux, _ := homeboxSetup(t, client.WithBearerToken("Bearer sess"))
	var n atomic.Int32
	mux.HandleFunc("/v1/users/self/api-keys", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "GET")
		mtHeader(t, r, "Authorization", "Bearer sess")
		if n.Add(1) == 1 {
			mtWriteJSON(w, 200, `[{"id":"0e6f2a4b-8c1d-4e3f-9a5b-7c6d5e4f3a2b","userId":"5b0f7c1e-2d4a-4c6e-9f3b-1a2b3c4d5e6f",
				"name":"backup script","createdAt":"2025-06-01T09:30:00Z","expiresAt":null,"lastUsedAt":"2025-06-02T03:00:12Z"}]`)
			return
		}
		mtWriteJSON(w, 200, `[]`)
	})
	keys, _, err := h.ListAPIKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []homebox.APIKeyOut{{
		ID: homeboxUUID(t, "0e6f2a4b-8c1d-4e3f-9a5b-7c6d5e4f3a2b"), UserID: homeboxUUID(t, "5b0f7c1e-2d4a-4c6e-9f3b-1a2b3c4d5e6f"),
		Name: "backup script", CreatedAt: time.Date(2025, 6, 1, 9, 30, 0, 0, time.UTC), LastUsedAt: client.Ptr(time.Date(2025, 6, 2, 3, 0, 12, 0, time.UTC)),
	}}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("keys = %+v", keys)
	}
	keys, _, err = h.ListAPIKeys(context.Background())
	if err != nil || keys == nil || len(keys) != 0 {
		t.Errorf("[]: %#v, %v; want an empty non-nil slice", keys, err)
	}
}

func TestHomebox_ListAPIKeys_error(t *testing.T) {
	h, mux, _ := homeboxSetup(t, client.WithBearerToken("Bearer sess"))
	mux.HandleFunc("/v1/users/self/api-keys", func(w http.ResponseWriter, r *http.Request) {
		homeboxError(w, 403, "Forbidden")
	})
	_, _, err := h.ListAPIKeys(context.Background())
	mtAPIError(t, err, 403, client.ErrForbidden, "Forbidden")
}

func TestHomebox_CreateAPIKey(t *testing.T) {
	h, mux, _ := homeboxSetup(t, client.WithBearerToken("Bearer sess"))
	mux.HandleFunc("/v1/users/self/api-keys", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "POST")
		mtHeader(t, r, "Authorization", "Bearer sess")
		mtJSONBody(t, r, `{"name":"backup script","expiresAt":"2026-01-01T00:00:00Z"}`)
		mtWriteJSON(w, 201, `{"id":"0e6f2a4b-8c1d-4e3f-9a5b-7c6d5e4f3a2b","userId":"5b0f7c1e-2d4a-4c6e-9f3b-1a2b3c4d5e6f","name":"backup script",
			"createdAt":"2025-06-01T09:30:00Z","expiresAt":"2026-01-01T00:00:00Z","lastUsedAt":null,"token":"hbk_Zt9cQ2"}`)
	})
	exp := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	k, _, err := h.CreateAPIKey(context.Background(), homebox.APIKeyCreate{Name: "backup script", ExpiresAt: &exp})
	if err != nil {
		t.Fatal(err)
	}
	want := &homebox.APIKeyCreatedOut{ID: homeboxUUID(t, "0e6f2a4b-8c1d-4e3f-9a5b-7c6d5e4f3a2b"), UserID: homeboxUUID(t, "5b0f7c1e-2d4a-4c6e-9f3b-1a2b3c4d5e6f"),
		Name: "backup script", CreatedAt: time.Date(2025, 6, 1, 9, 30, 0, 0, time.UTC), ExpiresAt: &exp, Token: "hbk_Zt9cQ2"}
	if !reflect.DeepEqual(k, want) {
		t.Errorf("key = %+v", k)
	}
}

// Homebox's validation error: {"error", "fields"} decoded into Message and
// Fields.
func TestHomebox_CreateAPIKey_errors(t *testing.T) {
	h, mux, _ := homeboxSetup(t, client.WithBearerToken("Bearer sess"))
	var n atomic.Int32
	mux.HandleFunc("/v1/users/self/api-keys", func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			mtWriteJSON(w, 422, `{"error":"Validation Error","fields":{"name":"name is required","expiresAt":"must be in the future"}}`)
			return
		}
		mtWriteJSON(w, 200, `{"id":"0e6f2a4b-8c1d-4e3f-9a5b-7c6d5e4f3a2b"}`) // undocumented status
	})
	k, _, err := h.CreateAPIKey(context.Background(), homebox.APIKeyCreate{})
	if k != nil {
		t.Errorf("key = %v", k)
	}
	ae := mtAPIError(t, err, 422, client.ErrBadRequest, "Validation Error")
	if want := map[string]string{"name": "name is required", "expiresAt": "must be in the future"}; !reflect.DeepEqual(ae.Fields, want) {
		t.Errorf("Fields = %v", ae.Fields)
	}
	k, _, err = h.CreateAPIKey(context.Background(), homebox.APIKeyCreate{Name: "x"})
	var de *client.DecodeError
	if k != nil || !errors.As(err, &de) || de.StatusCode != 200 {
		t.Errorf("200 instead of 201: %v, %v; want a *DecodeError", k, err)
	}
}

func TestHomebox_DeleteAPIKey(t *testing.T) {
	h, mux, _ := homeboxSetup(t, client.WithBearerToken("Bearer sess"))
	mux.HandleFunc("/v1/users/self/api-keys/{id}", func(w http.ResponseWriter, r *http.Request) {
		mtMethod(t, r, "DELETE")
		mtHeader(t, r, "Authorization", "Bearer sess")
		mtPath(t, r, "/v1/users/self/api-keys/0e6f2a4b-8c1d-4e3f-9a5b-7c6d5e4f3a2b")
		w.WriteHeader(http.StatusNoContent)
	})
	if _, err := h.DeleteAPIKey(context.Background(), homeboxUUID(t, "0e6f2a4b-8c1d-4e3f-9a5b-7c6d5e4f3a2b")); err != nil {
		t.Fatal(err)
	}
	_, err := h.DeleteAPIKey(context.Background(), uuid.UUID{})
	mtParamError(t, err)
}

func TestHomebox_DeleteAPIKey_error(t *testing.T) {
	h, mux, _ := homeboxSetup(t, client.WithBearerToken("Bearer sess"))
	mux.HandleFunc("/v1/users/self/api-keys/{id}", func(w http.ResponseWriter, r *http.Request) {
		homeboxError(w, 404, "Not Found")
	})
	_, err := h.DeleteAPIKey(context.Background(), homeboxUUID(t, "0e6f2a4b-8c1d-4e3f-9a5b-7c6d5e4f3a2b"))
	mtAPIError(t, err, 404, client.ErrNotFound, "Not Found")
}

// WithBearerToken takes the token with or without its prefix; WithAPIKey
// sends the key as a bearer token; SetToken replaces either.
func TestHomebox_CredentialOptions(t *testing.T) {
	for _, tc := range []struct {
		opt  client.Option
		want string
	}{
		{client.WithBearerToken("raw123"), "Bearer raw123"},
		{client.WithBearerToken("Bearer pre456"), "Bearer pre456"},
		{client.WithAPIKey("hbk_key789"), "Bearer hbk_key789"},
	} {
		h, mux, _ := homeboxSetup(t, tc.opt)
		want := tc.want
		homeboxSelf(t, mux, &want)
		if h.Token() != want {
			t.Errorf("Token() = %q, want %q", h.Token(), want)
		}
		if _, _, err := h.GetUserSelf(context.Background()); err != nil {
			t.Fatal(err)
		}
		h.SetToken("Bearer other")
		want = "Bearer other"
		if _, _, err := h.GetUserSelf(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// Without a token every authenticated operation fails before sending; the
// public ones need none.
func TestHomebox_NotAuthenticated(t *testing.T) {
	h, mux, _ := homeboxSetup(t)
	mux.HandleFunc("/", mtNeverCalled(t))
	ctx := context.Background()
	id := homeboxUUID(t, "0e6f2a4b-8c1d-4e3f-9a5b-7c6d5e4f3a2b")
	calls := map[string]func() error{
		"UserLogout":         func() error { _, err := h.UserLogout(ctx); return err },
		"UserTokenRefresh":   func() error { _, _, err := h.UserTokenRefresh(ctx); return err },
		"GetUserSelf":        func() error { _, _, err := h.GetUserSelf(ctx); return err },
		"UpdateAccount":      func() error { _, _, err := h.UpdateAccount(ctx, homebox.UserUpdate{}); return err },
		"DeleteAccount":      func() error { _, err := h.DeleteAccount(ctx); return err },
		"GetUserSettings":    func() error { _, _, err := h.GetUserSettings(ctx); return err },
		"UpdateUserSettings": func() error { _, _, err := h.UpdateUserSettings(ctx, nil); return err },
		"ChangePassword":     func() error { _, err := h.ChangePassword(ctx, "a", "b"); return err },
		"ListAPIKeys":        func() error { _, _, err := h.ListAPIKeys(ctx); return err },
		"CreateAPIKey":       func() error { _, _, err := h.CreateAPIKey(ctx, homebox.APIKeyCreate{Name: "k"}); return err },
		"DeleteAPIKey":       func() error { _, err := h.DeleteAPIKey(ctx, id); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) { mtNotAuthenticated(t, call()) })
	}
}

// 32 goroutines call GetUserSelf while another refreshes the token: each
// request carries one whole token ever issued (run with -race).
func TestHomebox_ConcurrentRefresh(t *testing.T) {
	h, mux, _ := homeboxSetup(t, client.WithBearerToken("Bearer t0"))
	var mu sync.Mutex
	issued := map[string]bool{"Bearer t0": true}
	next := 0
	mux.HandleFunc("/v1/users/refresh", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		next++
		raw := fmt.Sprintf("t%d", next)
		issued["Bearer "+raw] = true
		mu.Unlock()
		mtWriteJSON(w, 200, fmt.Sprintf(`{"raw":%q,"attachmentToken":"a","expiresAt":"2025-06-08T12:00:00Z"}`, raw))
	})
	var bad atomic.Int32
	mux.HandleFunc("/v1/users/self", func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Values("Authorization")
		mu.Lock()
		ok := len(auth) == 1 && issued[auth[0]]
		mu.Unlock()
		if !ok {
			bad.Add(1)
			homeboxError(w, 401, "valid authorization token is required")
			return
		}
		mtWriteJSON(w, 200, homeboxUserJSON)
	})
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 32*20+10)
	for range 32 {
		wg.Go(func() {
			for range 20 {
				if _, _, err := h.GetUserSelf(ctx); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Go(func() {
		for range 10 {
			if _, _, err := h.UserTokenRefresh(ctx); err != nil {
				errs <- err
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if bad.Load() != 0 {
		t.Errorf("%d requests carried a token never issued", bad.Load())
	}
	if h.Token() != "Bearer t10" {
		t.Errorf("Token() = %q, want the last one", h.Token())
	}
}
