// The requests the facade builds from gen's <OperationId>Path and
// <OperationId>Header are those the generated New<OperationId>Request
// builds: same method, URL (path, escaping, query and its order) and header
// parameters, for awkward values of every parameter.

package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

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
	// core_test.go's clients, sending to the recorder, once.
	via := func(rt http.RoundTripper) []ClientOption {
		return []ClientOption{WithHTTPClient(&http.Client{Transport: rt}), WithMaxRetries(0)}
	}
	hb := func(rt http.RoundTripper) *Harbor { return mechHarbor(t, base, via(rt)...) }
	hx := func(rt http.RoundTripper) *Homebox { return mechHomebox(t, base, via(rt)...) }
	kp := func(rt http.RoundTripper) *Kipu { return mechKipu(t, base, via(rt)...) }
	vc := func(rt http.RoundTripper) *Vectara { return mechVectara(t, base, via(rt)...) }
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

	// Operations with a body: the same bytes, length and Content-Type.
	for _, v := range awkward {
		email, name := v+"@example.com", "Name "+v
		hcr := harbor.UserCreationReq{Username: v, Email: email, Realname: name, Password: "Pw-" + v + "-123", Comment: &v}
		add("harbor createUser "+v, func(ctx context.Context, rt http.RoundTripper) string {
			h := hb(rt)
			_, _, _ = h.CreateUser(ctx, hcr)
			return h.c.server
		}, func(s string) (*http.Request, error) { return harbor.NewCreateUserRequest(s, nil, hcr) })
		prof := harbor.UserProfile{Email: email, Realname: name, Comment: &v}
		add("harbor updateUserProfile "+v, func(ctx context.Context, rt http.RoundTripper) string {
			h := hb(rt)
			_, _ = h.UpdateUserProfile(ctx, 7, prof)
			return h.c.server
		}, func(s string) (*http.Request, error) { return harbor.NewUpdateUserProfileRequest(s, 7, nil, prof) })
		old := "old-" + v
		pw := harbor.PasswordReq{NewPassword: "new-" + v, OldPassword: &old}
		add("harbor updateUserPassword "+v, func(ctx context.Context, rt http.RoundTripper) string {
			h := hb(rt)
			_, _ = h.UpdateUserPassword(ctx, 7, pw)
			return h.c.server
		}, func(s string) (*http.Request, error) { return harbor.NewUpdateUserPasswordRequest(s, 7, nil, pw) })
		secret := "Secret-" + v + "-9"
		add("harbor setCliSecret "+v, func(ctx context.Context, rt http.RoundTripper) string {
			h := hb(rt)
			_, _ = h.SetCliSecret(ctx, 7, secret)
			return h.c.server
		}, func(s string) (*http.Request, error) {
			return harbor.NewSetCliSecretRequest(s, 7, nil, harbor.OIDCCliSecretReq{Secret: &secret})
		})
		stay := true
		add("homebox userLogin "+v, func(ctx context.Context, rt http.RoundTripper) string {
			h := hx(rt)
			_, _, _ = h.UserLogin(ctx, email, "pw-"+v, true)
			return h.c.server
		}, func(s string) (*http.Request, error) {
			return homebox.NewUserLoginRequest(s, nil, homebox.LoginForm{Username: email, Password: "pw-" + v, StayLoggedIn: &stay})
		})
		reg := homebox.UserRegistration{Email: email, Name: name, Password: "pw-" + v}
		add("homebox registerNewUser "+v, func(ctx context.Context, rt http.RoundTripper) string {
			h := hx(rt)
			_, _ = h.RegisterNewUser(ctx, reg)
			return h.c.server
		}, func(s string) (*http.Request, error) { return homebox.NewRegisterNewUserRequest(s, reg) })
		upd := homebox.UserUpdate{Email: email, Name: name}
		add("homebox updateAccount "+v, func(ctx context.Context, rt http.RoundTripper) string {
			h := hx(rt)
			_, _, _ = h.UpdateAccount(ctx, upd)
			return h.c.server
		}, func(s string) (*http.Request, error) { return homebox.NewUpdateAccountRequest(s, upd) })
		settings := homebox.UserSettings{"theme": v, "n": 3}
		add("homebox updateUserSettings "+v, func(ctx context.Context, rt http.RoundTripper) string {
			h := hx(rt)
			_, _, _ = h.UpdateUserSettings(ctx, settings)
			return h.c.server
		}, func(s string) (*http.Request, error) { return homebox.NewUpdateUserSettingsRequest(s, settings) })
		add("homebox changePassword "+v, func(ctx context.Context, rt http.RoundTripper) string {
			h := hx(rt)
			_, _ = h.ChangePassword(ctx, "cur-"+v, "new-"+v)
			return h.c.server
		}, func(s string) (*http.Request, error) {
			return homebox.NewChangePasswordRequest(s, homebox.ChangePassword{Current: "cur-" + v, New: "new-" + v})
		})
		add("homebox forgotPassword "+v, func(ctx context.Context, rt http.RoundTripper) string {
			h := hx(rt)
			_, _ = h.ForgotPassword(ctx, email)
			return h.c.server
		}, func(s string) (*http.Request, error) {
			return homebox.NewForgotPasswordRequest(s, homebox.ForgotPasswordRequest{Email: email})
		})
		add("homebox resetPassword "+v, func(ctx context.Context, rt http.RoundTripper) string {
			h := hx(rt)
			_, _ = h.ResetPassword(ctx, "tok-"+v, "pw-"+v)
			return h.c.server
		}, func(s string) (*http.Request, error) {
			return homebox.NewResetPasswordRequest(s, homebox.ResetPasswordRequest{Token: "tok-" + v, Password: "pw-" + v})
		})
		key := homebox.APIKeyCreate{Name: name}
		add("homebox createAPIKey "+v, func(ctx context.Context, rt http.RoundTripper) string {
			h := hx(rt)
			_, _, _ = h.CreateAPIKey(ctx, key)
			return h.c.server
		}, func(s string) (*http.Request, error) { return homebox.NewCreateAPIKeyRequest(s, key) })
		ku := kipu.UpdateUserRequest{About: &v, Homepage: &name}
		add("kipu updateCurrentUser "+v, func(ctx context.Context, rt http.RoundTripper) string {
			k := kp(rt)
			_, _, _ = k.UpdateCurrentUser(ctx, ku)
			return k.c.server
		}, func(s string) (*http.Request, error) { return kipu.NewUpdateCurrentUserRequest(s, ku) })
		kt := KipuTokenRequest{Name: name, ExpiresAt: time.Date(2027, 1, 2, 15, 4, 5, 0, time.UTC)}
		add("kipu createPersonalAccessToken "+v, func(ctx context.Context, rt http.RoundTripper) string {
			k := kp(rt)
			_, _, _ = k.CreatePersonalAccessToken(ctx, kt)
			return k.c.server
		}, func(s string) (*http.Request, error) { return kipu.NewCreatePersonalAccessTokenRequest(s, kt.body()) })
		add("kipu authorizeByPersonalAccessToken "+v, func(ctx context.Context, rt http.RoundTripper) string {
			k := kp(rt)
			_, _, _ = k.AuthorizeByPersonalAccessToken(ctx, "pat-"+url.PathEscape(v))
			return k.c.server
		}, func(s string) (*http.Request, error) {
			return kipu.NewAuthorizeByPersonalAccessTokenRequest(s, &kipu.AuthorizeByPersonalAccessTokenParams{XAuthToken: "pat-" + url.PathEscape(v)})
		})
		vcr := vectara.CreateUserRequest{Email: email, Username: &v, Description: &name}
		add("vectara createUser "+v, func(ctx context.Context, rt http.RoundTripper) string {
			c := vc(rt)
			_, _, _ = c.CreateUser(ctx, vcr)
			return c.c.server
		}, func(s string) (*http.Request, error) { return vectara.NewCreateUserRequest(s, nil, vcr) })
		enabled := false
		vur := vectara.UpdateUserRequest{Description: &name, Enabled: &enabled}
		add("vectara updateUser "+v, func(ctx context.Context, rt http.RoundTripper) string {
			c := vc(rt)
			_, _, _ = c.UpdateUser(ctx, v, vur)
			return c.c.server
		}, func(s string) (*http.Request, error) { return vectara.NewUpdateUserRequest(s, v, nil, vur) })
	}
	for _, admin := range []bool{true, false} {
		add("harbor setUserSysAdmin", func(ctx context.Context, rt http.RoundTripper) string {
			h := hb(rt)
			_, _ = h.SetUserSysAdmin(ctx, 7, admin)
			return h.c.server
		}, func(s string) (*http.Request, error) {
			return harbor.NewSetUserSysAdminRequest(s, 7, nil, harbor.UserSysAdminFlag{SysadminFlag: &admin})
		})
	}
	// The multipart body has a random boundary: the generated builder gets
	// the body and Content-Type the facade sent.
	var image *http.Request
	add("kipu updateCurrentUserProfileImage", func(ctx context.Context, rt http.RoundTripper) string {
		k := kp(rt)
		_, _ = k.UpdateCurrentUserProfileImage(ctx, "me ü.png", strings.NewReader("\x89PNG image"))
		image = rt.(*recorder).got
		return k.c.server
	}, func(s string) (*http.Request, error) {
		rc, err := image.GetBody()
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(rc)
		if err != nil {
			return nil, err
		}
		return kipu.NewUpdateCurrentUserProfileImageRequestWithBody(s, image.Header.Get("Content-Type"), bytes.NewReader(body))
	})

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
		if err := sameBody(got, want); err != nil {
			t.Errorf("%s: %v", tc.name, err)
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

// sameBody reports how the bodies of got and want differ: bytes, length,
// and whether a retry can resend them.
func sameBody(got, want *http.Request) error {
	read := func(r *http.Request) ([]byte, error) {
		if r.GetBody == nil {
			if r.Body == nil || r.Body == http.NoBody {
				return nil, nil
			}
			return nil, fmt.Errorf("a body without GetBody: a retry could not resend it")
		}
		b, err := r.GetBody()
		if err != nil {
			return nil, err
		}
		return io.ReadAll(b)
	}
	g, err := read(got)
	if err != nil {
		return fmt.Errorf("facade: %w", err)
	}
	w, err := read(want)
	if err != nil {
		return fmt.Errorf("generated: %w", err)
	}
	if !bytes.Equal(g, w) || got.ContentLength != want.ContentLength {
		return fmt.Errorf("body:\nfacade    %d %q\ngenerated %d %q", got.ContentLength, g, want.ContentLength, w)
	}
	return nil
}

// An error reports the URL the facade built and parsed, with credential
// query values redacted, exactly as rendering the request's URL would.
func TestErrorURLIsTheRequestURL(t *testing.T) {
	ctx := context.Background()
	via := func(rt http.RoundTripper) ClientOption { return WithHTTPClient(&http.Client{Transport: rt}) }
	for _, tc := range []struct {
		name string
		call func(rt http.RoundTripper) error
	}{
		{"harbor getUser", func(rt http.RoundTripper) error {
			_, _, err := mechHarbor(t, "http://127.0.0.1:9/proxy", via(rt)).GetUser(ctx, 42)
			return err
		}},
		{"harbor listUsers", func(rt http.RoundTripper) error {
			q, size := "username=~a b&c%", int64(10)
			_, _, err := mechHarbor(t, "http://127.0.0.1:9", via(rt)).ListUsers(ctx, &harbor.ListUsersParams{Q: &q, PageSize: &size})
			return err
		}},
		{"homebox oidcCallback", func(rt http.RoundTripper) error {
			_, _, err := mechHomebox(t, "http://127.0.0.1:9", via(rt)).OIDCCallback(ctx, "the-code-1234", "st ate")
			return err
		}},
		{"vectara createUser (a body)", func(rt http.RoundTripper) error {
			_, _, err := mechVectara(t, "http://127.0.0.1:9", via(rt)).CreateUser(ctx, vectara.CreateUserRequest{Email: "a@example.com"})
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
