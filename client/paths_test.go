// The requests the facade builds from gen's <OperationId>Path and
// <OperationId>Header are those the generated New<OperationId>Request
// builds: same method, URL (path, escaping, query and its order) and header
// parameters, for awkward values of every parameter.

package client

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/userapis/userapis-go/gen/harbor"
	"github.com/userapis/userapis-go/gen/homebox"
	"github.com/userapis/userapis-go/gen/kipu"
	"github.com/userapis/userapis-go/gen/vectara"
)

// stockBuilder is a generated New<OperationId>Request with its arguments.
type stockBuilder = func(server string) (*http.Request, error)

// recorder answers every request with a bodiless 418 and keeps the first.
type recorder struct{ got *http.Request }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if r.got == nil {
		r.got = req
	}
	return &http.Response{StatusCode: http.StatusTeapot, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
}

// awkward are path and query values that need escaping, or look as if
// they did.
var awkward = []string{
	"ada@example.com", "a b", "ü/ñ?x#y", "50%", "%2F", "a;b=c,d", "+plus", "~tilde",
	"..x", "x..", "a&b=c", "tab\there", "quote\"'", "[v6]", "emoji😀", "a/../b",
}

func TestPathsBuildTheGeneratedRequests(t *testing.T) {
	const base = "http://127.0.0.1:9/proxy"
	type call func(ctx context.Context, rt http.RoundTripper) (server string)
	type tcase struct {
		name  string
		call  call
		stock stockBuilder
	}
	hb := func(rt http.RoundTripper) *Harbor {
		c, err := NewHarbor(WithBaseURL(base), WithBasicAuth("admin", "pw-123456"), WithHTTPClient(&http.Client{Transport: rt}), WithMaxRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	hx := func(rt http.RoundTripper) *Homebox {
		c, err := NewHomebox(WithBaseURL(base), WithBearerToken("tok-123456"), WithHTTPClient(&http.Client{Transport: rt}), WithMaxRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	kp := func(rt http.RoundTripper) *Kipu {
		c, err := NewKipu(WithBaseURL(base), WithPersonalAccessToken("pat-123456"), WithHTTPClient(&http.Client{Transport: rt}), WithMaxRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	vc := func(rt http.RoundTripper) *Vectara {
		c, err := NewVectara(WithBaseURL(base), WithAPIKey("zqt_123456"), WithHTTPClient(&http.Client{Transport: rt}), WithMaxRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ptr := func(s string) *string { return &s }
	i64 := func(n int64) *int64 { return &n }

	var cases []tcase
	add := func(name string, c call, stock stockBuilder) { cases = append(cases, tcase{name, c, stock}) }

	// Harbor
	for _, id := range []int64{1, 42, math.MaxInt64} {
		add("harbor getUser", func(ctx context.Context, rt http.RoundTripper) string {
			h := hb(rt)
			_, _, _ = h.GetUser(ctx, id)
			return h.c.server
		}, func(s string) (*http.Request, error) { return harbor.NewGetUserRequest(s, id, nil) })
		add("harbor deleteUser", func(ctx context.Context, rt http.RoundTripper) string {
			h := hb(rt)
			_, _ = h.DeleteUser(ctx, id)
			return h.c.server
		}, func(s string) (*http.Request, error) { return harbor.NewDeleteUserRequest(s, id, nil) })
	}
	add("harbor getCurrentUserInfo", func(ctx context.Context, rt http.RoundTripper) string {
		h := hb(rt)
		_, _, _ = h.GetCurrentUserInfo(ctx)
		return h.c.server
	}, func(s string) (*http.Request, error) { return harbor.NewGetCurrentUserInfoRequest(s, nil) })
	for _, v := range awkward {
		p := &harbor.ListUsersParams{Q: ptr("username=~" + v), Sort: ptr("-" + v), Page: i64(2), PageSize: i64(100), XRequestID: ptr("rid-" + url.PathEscape(v))}
		add("harbor listUsers "+v, func(ctx context.Context, rt http.RoundTripper) string {
			h := hb(rt)
			_, _, _ = h.ListUsers(ctx, p)
			return h.c.server
		}, func(s string) (*http.Request, error) { return harbor.NewListUsersRequest(s, p) })
		sp := &harbor.SearchUsersParams{Username: v, PageSize: i64(7), XRequestID: ptr("rid")}
		add("harbor searchUsers "+v, func(ctx context.Context, rt http.RoundTripper) string {
			h := hb(rt)
			_, _, _ = h.SearchUsers(ctx, v, &harbor.SearchUsersParams{PageSize: i64(7), XRequestID: ptr("rid")})
			return h.c.server
		}, func(s string) (*http.Request, error) { return harbor.NewSearchUsersRequest(s, sp) })
		relative := true
		pp := &harbor.GetCurrentUserPermissionsParams{Scope: ptr("/project/" + v), Relative: &relative}
		add("harbor getCurrentUserPermissions "+v, func(ctx context.Context, rt http.RoundTripper) string {
			h := hb(rt)
			_, _, _ = h.GetCurrentUserPermissions(ctx, pp)
			return h.c.server
		}, func(s string) (*http.Request, error) { return harbor.NewGetCurrentUserPermissionsRequest(s, pp) })
	}
	add("harbor listUsers nil", func(ctx context.Context, rt http.RoundTripper) string {
		h := hb(rt)
		_, _, _ = h.ListUsers(ctx, nil)
		return h.c.server
	}, func(s string) (*http.Request, error) { return harbor.NewListUsersRequest(s, &harbor.ListUsersParams{}) })

	// Homebox
	simple := []struct {
		name  string
		call  func(context.Context, *Homebox)
		stock stockBuilder
	}{
		{"userLogout", func(ctx context.Context, h *Homebox) { _, _ = h.UserLogout(ctx) }, homebox.NewUserLogoutRequest},
		{"userLogoutAll", func(ctx context.Context, h *Homebox) { _, _ = h.UserLogoutAll(ctx) }, homebox.NewUserLogoutAllRequest},
		{"userTokenRefresh", func(ctx context.Context, h *Homebox) { _, _, _ = h.UserTokenRefresh(ctx) }, homebox.NewUserTokenRefreshRequest},
		{"oidcLogin", func(ctx context.Context, h *Homebox) { _, _, _ = h.OIDCLogin(ctx) }, homebox.NewOIDCLoginRequest},
		{"getUserSelf", func(ctx context.Context, h *Homebox) { _, _, _ = h.GetUserSelf(ctx) }, homebox.NewGetUserSelfRequest},
		{"deleteAccount", func(ctx context.Context, h *Homebox) { _, _ = h.DeleteAccount(ctx) }, homebox.NewDeleteAccountRequest},
		{"getUserSettings", func(ctx context.Context, h *Homebox) { _, _, _ = h.GetUserSettings(ctx) }, homebox.NewGetUserSettingsRequest},
		{"listAPIKeys", func(ctx context.Context, h *Homebox) { _, _, _ = h.ListAPIKeys(ctx) }, homebox.NewListAPIKeysRequest},
	}
	for _, s := range simple {
		add("homebox "+s.name, func(ctx context.Context, rt http.RoundTripper) string {
			h := hx(rt)
			s.call(ctx, h)
			return h.c.server
		}, s.stock)
	}
	id := uuid.MustParse("0b6c5bd8-7d2c-4a4e-9a59-1f2c3d4e5f60")
	add("homebox deleteAPIKey", func(ctx context.Context, rt http.RoundTripper) string {
		h := hx(rt)
		_, _ = h.DeleteAPIKey(ctx, id)
		return h.c.server
	}, func(s string) (*http.Request, error) { return homebox.NewDeleteAPIKeyRequest(s, id) })
	for _, v := range awkward {
		add("homebox oidcCallback "+v, func(ctx context.Context, rt http.RoundTripper) string {
			h := hx(rt)
			_, _, _ = h.OIDCCallback(ctx, v, "st/"+v)
			return h.c.server
		}, func(s string) (*http.Request, error) {
			return homebox.NewOIDCCallbackRequest(s, &homebox.OIDCCallbackParams{Code: v, State: "st/" + v})
		})
	}

	// Kipu
	ksimple := []struct {
		name  string
		call  func(context.Context, *Kipu)
		stock stockBuilder
	}{
		{"getCurrentUser", func(ctx context.Context, k *Kipu) { _, _, _ = k.GetCurrentUser(ctx) }, kipu.NewGetCurrentUserRequest},
		{"deleteCurrentUser", func(ctx context.Context, k *Kipu) { _, _ = k.DeleteCurrentUser(ctx) }, kipu.NewDeleteCurrentUserRequest},
		{"deleteCurrentUserProfileImage", func(ctx context.Context, k *Kipu) { _, _ = k.DeleteCurrentUserProfileImage(ctx) }, kipu.NewDeleteCurrentUserProfileImageRequest},
		{"getPersonalAccessTokens", func(ctx context.Context, k *Kipu) { _, _, _ = k.GetPersonalAccessTokens(ctx) }, kipu.NewGetPersonalAccessTokensRequest},
		{"regenerateDefaultPersonalAccessToken", func(ctx context.Context, k *Kipu) { _, _, _ = k.RegenerateDefaultPersonalAccessToken(ctx) }, kipu.NewRegenerateDefaultPersonalAccessTokenRequest},
	}
	for _, s := range ksimple {
		add("kipu "+s.name, func(ctx context.Context, rt http.RoundTripper) string {
			k := kp(rt)
			s.call(ctx, k)
			return k.c.server
		}, s.stock)
	}
	for _, v := range awkward {
		add("kipu deletePersonalAccessToken "+v, func(ctx context.Context, rt http.RoundTripper) string {
			k := kp(rt)
			_, _ = k.DeletePersonalAccessToken(ctx, v)
			return k.c.server
		}, func(s string) (*http.Request, error) { return kipu.NewDeletePersonalAccessTokenRequest(s, v) })
		add("kipu getUserByID "+v, func(ctx context.Context, rt http.RoundTripper) string {
			k := kp(rt)
			_, _, _ = k.GetUserByID(ctx, v)
			return k.c.server
		}, func(s string) (*http.Request, error) { return kipu.NewGetUserByIDRequest(s, v) })
		add("kipu checkUserExists "+v, func(ctx context.Context, rt http.RoundTripper) string {
			k := kp(rt)
			_, _, _ = k.CheckUserExists(ctx, v)
			return k.c.server
		}, func(s string) (*http.Request, error) { return kipu.NewCheckUserExistsRequest(s, v) })
		add("kipu getUserProfileImage "+v, func(ctx context.Context, rt http.RoundTripper) string {
			k := kp(rt)
			_, _, _ = k.GetUserProfileImage(ctx, v)
			return k.c.server
		}, func(s string) (*http.Request, error) { return kipu.NewGetUserProfileImageRequest(s, v) })
		add("kipu getUserRegistrationStatus "+v, func(ctx context.Context, rt http.RoundTripper) string {
			k := kp(rt)
			_, _, _ = k.GetUserRegistrationStatus(ctx, v)
			return k.c.server
		}, func(s string) (*http.Request, error) {
			return kipu.NewGetUserRegistrationStatusRequest(s, &kipu.GetUserRegistrationStatusParams{Email: v})
		})
		add("kipu searchUsers "+v, func(ctx context.Context, rt http.RoundTripper) string {
			k := kp(rt)
			_, _, _ = k.SearchUsers(ctx, v)
			return k.c.server
		}, func(s string) (*http.Request, error) {
			return kipu.NewSearchUsersRequest(s, &kipu.SearchUsersParams{Q: v})
		})
	}

	// Vectara
	for _, v := range awkward {
		add("vectara getUser "+v, func(ctx context.Context, rt http.RoundTripper) string {
			c := vc(rt)
			_, _, _ = c.GetUser(ctx, v)
			return c.c.server
		}, func(s string) (*http.Request, error) { return vectara.NewGetUserRequest(s, v, nil) })
		add("vectara deleteUser "+v, func(ctx context.Context, rt http.RoundTripper) string {
			c := vc(rt)
			_, _ = c.DeleteUser(ctx, v)
			return c.c.server
		}, func(s string) (*http.Request, error) { return vectara.NewDeleteUserRequest(s, v, nil) })
		add("vectara resetUserPassword "+v, func(ctx context.Context, rt http.RoundTripper) string {
			c := vc(rt)
			_, _, _ = c.ResetUserPassword(ctx, v)
			return c.c.server
		}, func(s string) (*http.Request, error) { return vectara.NewResetUserPasswordRequest(s, v, nil) })
		limit, timeout, millis := int32(5), 30, 1500
		lp := &vectara.ListUsersParams{Limit: &limit, PageKey: ptr(v), CorpusKey: ptr("c-" + url.PathEscape(v)), RequestTimeout: &timeout, RequestTimeoutMillis: &millis}
		add("vectara listUsers "+v, func(ctx context.Context, rt http.RoundTripper) string {
			c := vc(rt)
			_, _, _ = c.ListUsers(ctx, lp)
			return c.c.server
		}, func(s string) (*http.Request, error) { return vectara.NewListUsersRequest(s, lp) })
	}

	ctx := context.Background()
	for _, tc := range cases {
		rec := &recorder{}
		server := tc.call(ctx, rec)
		want, err := tc.stock(server)
		if err != nil {
			t.Fatalf("%s: generated builder: %v", tc.name, err)
		}
		got := rec.got
		if got == nil {
			t.Errorf("%s: the facade sent nothing", tc.name)
			continue
		}
		if got.Method != want.Method || got.URL.String() != want.URL.String() {
			t.Errorf("%s:\nfacade    %s %s\ngenerated %s %s", tc.name, got.Method, got.URL, want.Method, want.URL)
		}
		if got.URL.Path != want.URL.Path || got.URL.RawPath != want.URL.RawPath || got.URL.RawQuery != want.URL.RawQuery || got.Host != want.Host {
			t.Errorf("%s: URL fields differ:\nfacade    %#v host %q\ngenerated %#v host %q", tc.name, *got.URL, got.Host, *want.URL, want.Host)
		}
		// Every header the generated builder sets, the facade sends alike
		// (it sends more: credentials, User-Agent).
		keys := make([]string, 0, len(want.Header))
		for k := range want.Header {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if g, w := strings.Join(got.Header[k], "|"), strings.Join(want.Header[k], "|"); g != w {
				t.Errorf("%s: header %s = %q, generated %q", tc.name, k, g, w)
			}
		}
	}
	if len(cases) < 100 {
		t.Fatalf("only %d cases", len(cases))
	}
}

// An error reports the URL the facade built and parsed, with credential
// query values redacted, exactly as rendering the request's URL would.
func TestErrorURLIsTheRequestURL(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		call func(rt http.RoundTripper) error
	}{
		{"harbor getUser", func(rt http.RoundTripper) error {
			h, err := NewHarbor(WithBaseURL("http://127.0.0.1:9/proxy"), WithBasicAuth("admin", "pw-123456"), WithHTTPClient(&http.Client{Transport: rt}))
			if err != nil {
				return err
			}
			_, _, err = h.GetUser(ctx, 42)
			return err
		}},
		{"harbor listUsers", func(rt http.RoundTripper) error {
			h, err := NewHarbor(WithBaseURL("http://127.0.0.1:9"), WithBasicAuth("admin", "pw-123456"), WithHTTPClient(&http.Client{Transport: rt}))
			if err != nil {
				return err
			}
			q, size := "username=~a b&c%", int64(10)
			_, _, err = h.ListUsers(ctx, &harbor.ListUsersParams{Q: &q, PageSize: &size})
			return err
		}},
		{"homebox oidcCallback", func(rt http.RoundTripper) error {
			h, err := NewHomebox(WithBaseURL("http://127.0.0.1:9"), WithHTTPClient(&http.Client{Transport: rt}))
			if err != nil {
				return err
			}
			_, _, err = h.OIDCCallback(ctx, "the-code-1234", "st ate")
			return err
		}},
		{"vectara createUser (generated builder)", func(rt http.RoundTripper) error {
			v, err := NewVectara(WithBaseURL("http://127.0.0.1:9"), WithAPIKey("zqt_123456"), WithHTTPClient(&http.Client{Transport: rt}))
			if err != nil {
				return err
			}
			_, _, err = v.CreateUser(ctx, vectara.CreateUserRequest{Email: "a@example.com"})
			return err
		}},
	} {
		rec := &recorder{}
		err := tc.call(rec)
		var ae *APIError
		if !errors.As(err, &ae) {
			t.Fatalf("%s: want an *APIError, got %v", tc.name, err)
		}
		if want := redactURL(rec.got.URL); ae.URL != want {
			t.Errorf("%s: error URL %q, the request's %q", tc.name, ae.URL, want)
		}
		if strings.Contains(ae.URL, "the-code-1234") {
			t.Errorf("%s: %q shows the code", tc.name, ae.URL)
		}
	}
}
