package client

// Tests of the safety rules: credentials never follow a redirect to another
// host or from https to http, path parameters that would change the
// endpoint are refused before sending, and no credential reaches a log
// line or an error string.

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/gen/harbor"
	"github.com/userapis/userapis-go/gen/vectara"
)

// mechTokenServer is an OAuth2 token endpoint issuing access.
func mechTokenServer(t *testing.T, access string) *httptest.Server {
	t.Helper()
	srv, _ := mechServer(t, "", func(w http.ResponseWriter, _ *http.Request, _ int) {
		mechJSON(w, 200, `{"access_token":"`+access+`","token_type":"Bearer","expires_in":3600}`)
	})
	return srv
}

// mechAuthCase is one way a service authenticates.
type mechAuthCase struct {
	name   string
	svc    string
	header string // where the credential travels
	opts   func(t *testing.T) []ClientOption
}

func mechAuthCases() []mechAuthCase {
	none := func(*testing.T) []ClientOption { return nil }
	return []mechAuthCase{
		{"kipu PAT", "kipu", "X-Auth-Token", none},
		{"harbor basic", "harbor", "Authorization", none},
		{"homebox bearer", "homebox", "Authorization", none},
		{"vectara api key", "vectara", "X-Api-Key", none},
		{"vectara oauth", "vectara", "Authorization", func(t *testing.T) []ClientOption {
			tok := mechTokenServer(t, "oauth-access")
			return []ClientOption{WithAPIKey(""), WithClientCredentials("cid", "csecret", tok.URL+"/oauth2/token")}
		}},
	}
}

// mechRedirect answers every request with a redirect to target+URI.
func mechRedirect(status int, target string) mechHandler {
	return func(w http.ResponseWriter, r *http.Request, _ int) {
		http.Redirect(w, r, target+r.URL.RequestURI(), status)
	}
}

func mechPort(t *testing.T, srvURL string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(strings.TrimPrefix(strings.TrimPrefix(srvURL, "http://"), "https://"))
	require.NoError(t, err)
	return port
}

// mechCheckStripped asserts the origin saw the credentials and the target
// saw none of them.
func mechCheckStripped(t *testing.T, ac mechAuthCase, origin, target *mechRecorder) {
	t.Helper()
	o := origin.last(t)
	require.NotEmpty(t, o.Header.Get(ac.header), "the origin must get the credential")
	require.Equal(t, "sid=c00kie", o.Header.Get("Cookie"))
	got := target.last(t)
	for _, h := range []string{"Authorization", "X-Auth-Token", "X-Api-Key", "Cookie", "Proxy-Authorization"} {
		assert.Empty(t, got.Header.Values(h), "%s followed the redirect", h)
	}
	assert.Equal(t, "kept", got.Header.Get("X-Trace"), "other headers still follow")
}

func TestMechRedirectToOtherHostStripsCredentials(t *testing.T) {
	for _, ac := range mechAuthCases() {
		svc := mechServiceNamed(t, ac.svc)
		for _, code := range []int{http.StatusFound, http.StatusTemporaryRedirect} {
			t.Run(fmt.Sprintf("%s/%d", ac.name, code), func(t *testing.T) {
				target, trec := mechServer(t, svc.prefix, func(w http.ResponseWriter, _ *http.Request, _ int) {
					mechJSON(w, 200, svc.okJSON)
				})
				// Same machine, another name: another host to the client.
				other := "http://localhost:" + mechPort(t, target.URL)
				origin, orec := mechServer(t, svc.prefix, mechRedirect(code, other))
				opts := append(ac.opts(t), WithHeader("Cookie", "sid=c00kie"), WithHeader("X-Trace", "kept"))
				v, _, err := svc.get(t, origin.URL, opts...)(t.Context())
				require.NoError(t, err)
				require.NotNil(t, v)
				require.Equal(t, 1, trec.count())
				mechCheckStripped(t, ac, orec, trec)
			})
		}
	}
}

func TestMechRedirectHTTPSToHTTPStripsCredentials(t *testing.T) {
	for _, ac := range mechAuthCases() {
		svc := mechServiceNamed(t, ac.svc)
		t.Run(ac.name, func(t *testing.T) {
			target, trec := mechServer(t, svc.prefix, func(w http.ResponseWriter, _ *http.Request, _ int) {
				mechJSON(w, 200, svc.okJSON)
			})
			h, orec := mechWrap(t, svc.prefix, mechRedirect(http.StatusFound, target.URL))
			origin := httptest.NewTLSServer(h)
			t.Cleanup(origin.Close)
			opts := append(ac.opts(t), WithHTTPClient(origin.Client()), WithHeader("Cookie", "sid=c00kie"), WithHeader("X-Trace", "kept"))
			v, _, err := svc.get(t, origin.URL, opts...)(t.Context())
			require.NoError(t, err)
			require.NotNil(t, v)
			mechCheckStripped(t, ac, orec, trec)
		})
	}
}

// From https to http on the very same host and port: only the scheme
// changes, so only the downgrade rule can catch it.
func TestMechRedirectDowngradeSameHost(t *testing.T) {
	for _, ac := range mechAuthCases() {
		svc := mechServiceNamed(t, ac.svc)
		t.Run(ac.name, func(t *testing.T) {
			var mu sync.Mutex
			var seen []*http.Request
			hc := &http.Client{Transport: mechRT(func(r *http.Request) (*http.Response, error) {
				if r.URL.Host != "api.test" {
					// the OAuth token endpoint
					return http.DefaultTransport.RoundTrip(r)
				}
				mu.Lock()
				seen = append(seen, r)
				mu.Unlock()
				if r.URL.Scheme == "https" {
					res := mechResponse(r, http.StatusFound, "", "")
					res.Header.Set("Location", "http://api.test"+r.URL.RequestURI())
					return res, nil
				}
				return mechResponse(r, 200, "application/json", svc.okJSON), nil
			})}
			opts := append(ac.opts(t), WithHTTPClient(hc), WithHeader("Cookie", "sid=c00kie"))
			v, _, err := svc.get(t, "https://api.test", opts...)(t.Context())
			require.NoError(t, err)
			require.NotNil(t, v)
			mu.Lock()
			defer mu.Unlock()
			require.Len(t, seen, 2)
			assert.NotEmpty(t, seen[0].Header.Get(ac.header))
			assert.Equal(t, "http", seen[1].URL.Scheme)
			for _, h := range []string{"Authorization", "X-Auth-Token", "X-Api-Key", "Cookie"} {
				assert.Empty(t, seen[1].Header.Values(h), "%s followed a redirect from https to http", h)
			}
		})
	}
}

func TestMechRedirectSameHostKeepsCredentials(t *testing.T) {
	for _, ac := range mechAuthCases() {
		svc := mechServiceNamed(t, ac.svc)
		t.Run(ac.name, func(t *testing.T) {
			srv, rec := mechServer(t, svc.prefix, func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					http.Redirect(w, r, r.URL.Path+"-moved", http.StatusTemporaryRedirect)
					return
				}
				mechJSON(w, 200, svc.okJSON)
			})
			opts := append(ac.opts(t), WithHeader("Cookie", "sid=c00kie"))
			v, _, err := svc.get(t, srv.URL, opts...)(t.Context())
			require.NoError(t, err)
			require.NotNil(t, v)
			reqs := rec.all()
			require.Len(t, reqs, 2)
			assert.Equal(t, svc.path+"-moved", reqs[1].Path)
			assert.NotEmpty(t, reqs[0].Header.Get(ac.header))
			assert.Equal(t, reqs[0].Header.Get(ac.header), reqs[1].Header.Get(ac.header))
			assert.Equal(t, "sid=c00kie", reqs[1].Header.Get("Cookie"))
		})
	}
}

func TestMechPathParamsRefused(t *testing.T) {
	srv, rec := mechServer(t, "", func(w http.ResponseWriter, _ *http.Request, _ int) {
		mechJSON(w, 200, `{}`)
	})
	k := mechKipu(t, srv.URL)
	hb := mechHarbor(t, srv.URL)
	v := mechVectara(t, srv.URL)
	ctx := t.Context()

	str := map[string]func(string) error{
		"kipu.DeletePersonalAccessToken": func(id string) error { _, err := k.DeletePersonalAccessToken(ctx, id); return err },
		"kipu.GetUserByID":               func(id string) error { _, _, err := k.GetUserByID(ctx, id); return err },
		"kipu.CheckUserExists":           func(id string) error { _, _, err := k.CheckUserExists(ctx, id); return err },
		"kipu.GetUserProfileImage":       func(id string) error { _, _, err := k.GetUserProfileImage(ctx, id); return err },
		"vectara.GetUser":                func(u string) error { _, _, err := v.GetUser(ctx, u); return err },
		"vectara.UpdateUser": func(u string) error {
			_, _, err := v.UpdateUser(ctx, u, vectara.UpdateUserRequest{})
			return err
		},
		"vectara.DeleteUser":        func(u string) error { _, err := v.DeleteUser(ctx, u); return err },
		"vectara.ResetUserPassword": func(u string) error { _, _, err := v.ResetUserPassword(ctx, u); return err },
	}
	for name, call := range str {
		for _, bad := range []string{"", ".", ".."} {
			err := call(bad)
			var pe *ParamError
			require.ErrorAs(t, err, &pe, "%s(%q)", name, bad)
			assert.ErrorIs(t, err, ErrInvalidParam)
			assert.NotEmpty(t, pe.Param)
		}
	}

	ids := map[string]func(int64) error{
		"harbor.GetUser": func(id int64) error { _, _, err := hb.GetUser(ctx, id); return err },
		"harbor.UpdateUserProfile": func(id int64) error {
			_, err := hb.UpdateUserProfile(ctx, id, harbor.UserProfile{})
			return err
		},
		"harbor.DeleteUser":      func(id int64) error { _, err := hb.DeleteUser(ctx, id); return err },
		"harbor.SetUserSysAdmin": func(id int64) error { _, err := hb.SetUserSysAdmin(ctx, id, true); return err },
		"harbor.UpdateUserPassword": func(id int64) error {
			_, err := hb.UpdateUserPassword(ctx, id, harbor.PasswordReq{NewPassword: "Passw0rd!"})
			return err
		},
		"harbor.SetCliSecret": func(id int64) error { _, err := hb.SetCliSecret(ctx, id, ""); return err },
	}
	for name, call := range ids {
		for _, bad := range []int64{0, -1, -9223372036854775808} {
			err := call(bad)
			var pe *ParamError
			require.ErrorAs(t, err, &pe, "%s(%d)", name, bad)
			assert.ErrorIs(t, err, ErrInvalidParam)
		}
	}
	assert.Equal(t, 0, rec.count(), "nothing may be sent for a refused parameter")

	// Values that merely look odd are escaped into one segment under the base path.
	for id, want := range map[string]string{
		"...":     "/user-service/users/...",
		"a/../b":  "/user-service/users/a%2F..%2Fb",
		"%2e%2e":  "/user-service/users/%252e%252e",
		"ada lov": "/user-service/users/ada%20lov",
	} {
		_, _, _ = k.GetUserByID(ctx, id)
		assert.Equal(t, want, rec.last(t).RawPath, "GetUserByID(%q)", id)
	}
}

// mechLockedBuffer is a bytes.Buffer safe for concurrent writes.
type mechLockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *mechLockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *mechLockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func mechDebugLogger() (*slog.Logger, *mechLockedBuffer) {
	buf := &mechLockedBuffer{}
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

func TestMechNoCredentialInLogsOrErrors(t *testing.T) {
	const (
		pat          = "kipu-PAT-s3cret-1"
		harborPass   = "harbor-PASS-s3cret-2"
		bearer       = "homebox-BEARER-s3cret-3"
		apiKey       = "vectara-KEY-s3cret-4"
		clientSecret = "oauth-CLIENT-s3cret-5"
		accessToken  = "oauth-ACCESS-s3cret-6"
		queryToken   = "QUERY-ACCESS-s3cret-7"
		resolveToken = "kipu-RESOLVE-s3cret-8"
		loginPass    = "homebox-LOGIN-s3cret-9"
		newPass      = "harbor-NEWPASS-s3cret-10"
		baseSecret   = "BASEURL-s3cret-11"
	)
	secrets := []string{pat, harborPass, bearer, apiKey, clientSecret, accessToken, queryToken, resolveToken, loginPass, newPass, baseSecret,
		base64.StdEncoding.EncodeToString([]byte("admin:" + harborPass)),
		base64.StdEncoding.EncodeToString([]byte("cid:" + clientSecret)),
	}
	logger, logs := mechDebugLogger()
	var errs []error

	// 401 from every service, and a server echoing nothing.
	unauthorized, _ := mechServer(t, "", func(w http.ResponseWriter, _ *http.Request, _ int) {
		mechJSON(w, 401, `{"error":"unauthorized","message":"bad credentials","errors":[{"code":"UNAUTHORIZED","message":"unauthorized"}],"messages":["unauthorized"]}`)
	})
	// A token endpoint that works, and one that refuses while echoing the secret.
	tokens := mechTokenServer(t, accessToken)
	badTokens, _ := mechServer(t, "", func(w http.ResponseWriter, r *http.Request, _ int) {
		mechJSON(w, 401, `{"error":"invalid_client","error_description":"client secret `+clientSecret+` is wrong"}`)
	})
	closed := "http://" + mechClosedAddr(t)
	// Redirects: to another host that answers 401, and to a dead address
	// with a token in the query.
	crossHost := func() string {
		srv, _ := mechServer(t, "", mechRedirect(http.StatusTemporaryRedirect, "http://localhost:"+mechPort(t, unauthorized.URL)))
		return srv.URL
	}()
	toDead, _ := mechServer(t, "", func(w http.ResponseWriter, r *http.Request, _ int) {
		http.Redirect(w, r, closed+"/cb?access_token="+queryToken+"&state=x", http.StatusFound)
	})

	clientOpts := func(svc string) []ClientOption {
		switch svc {
		case "kipu":
			return []ClientOption{WithPersonalAccessToken(pat)}
		case "harbor":
			return []ClientOption{WithBasicAuth("admin", harborPass)}
		case "homebox":
			return []ClientOption{WithBearerToken(bearer)}
		}
		return []ClientOption{WithAPIKey(apiKey)}
	}
	for _, base := range []string{unauthorized.URL, closed, crossHost, toDead.URL} {
		for _, svc := range mechServices {
			opts := append(clientOpts(svc.name), WithLogger(logger))
			_, _, err := svc.get(t, base, opts...)(t.Context())
			require.Error(t, err, "%s at %s", svc.name, base)
			errs = append(errs, err)
		}
		// Vectara with OAuth client credentials.
		for _, tokURL := range []string{tokens.URL, badTokens.URL, closed} {
			v := mechVectara(t, base, WithAPIKey(""), WithClientCredentials("cid", clientSecret, tokURL+"/oauth2/token"), WithLogger(logger))
			_, _, err := v.GetUser(t.Context(), "ada")
			require.Error(t, err)
			errs = append(errs, err)
		}
		k := mechKipu(t, base, WithLogger(logger))
		_, _, err := k.AuthorizeByPersonalAccessToken(t.Context(), resolveToken)
		errs = append(errs, err)
		hb := mechHomebox(t, base, WithLogger(logger))
		_, _, err = hb.UserLogin(t.Context(), "ada@example.com", loginPass, false)
		errs = append(errs, err)
		h := mechHarbor(t, base, WithBasicAuth("admin", harborPass), WithLogger(logger))
		_, err = h.UpdateUserPassword(t.Context(), 3, harbor.PasswordReq{NewPassword: newPass, OldPassword: mechPtr(harborPass)})
		errs = append(errs, err)
	}

	// Credentials or a token in the base URL itself.
	_, err := NewKipu(WithBaseURL("https://ada:" + baseSecret + "@api.test/user-service"))
	require.Error(t, err)
	errs = append(errs, err)
	_, err = NewHarbor(WithBaseURL("https://" + baseSecret + "@harbor.test"))
	require.Error(t, err)
	errs = append(errs, err)
	k, err := NewKipu(WithBaseURL(unauthorized.URL+"/user-service?access_token="+queryToken), WithPersonalAccessToken(pat), WithLogger(logger))
	require.NoError(t, err)
	_, _, err = k.GetCurrentUser(t.Context())
	require.Error(t, err)
	errs = append(errs, err)
	_, err = k.UpdateCurrentUserProfileImage(t.Context(), "x.png", strings.NewReader("\x89PNG..."))
	errs = append(errs, err)

	out := logs.String()
	require.NotEmpty(t, out, "the debug logger saw nothing")
	for _, s := range secrets {
		assert.NotContains(t, out, s, "a log line carries a credential")
		for _, e := range errs {
			if e == nil {
				continue
			}
			assert.NotContains(t, e.Error(), s, "error %T carries a credential", e)
			assert.NotContains(t, fmt.Sprintf("%+v", e), s)
		}
	}
	// The token server that echoed the secret still produced a useful error.
	var sawTokenErr bool
	for _, e := range errs {
		if e != nil && strings.Contains(e.Error(), "token endpoint answered 401") {
			sawTokenErr = true
			assert.ErrorIs(t, e, ErrUnauthorized)
		}
	}
	assert.True(t, sawTokenErr)
}

// A credential sent by the caller as a header of its own is also stripped.
func TestMechRedirectStripsCallerAuthorization(t *testing.T) {
	target, trec := mechServer(t, "/user-service", func(w http.ResponseWriter, _ *http.Request, _ int) {
		mechJSON(w, 200, `{"name":"ci","id":"t"}`)
	})
	origin, _ := mechServer(t, "/user-service", mechRedirect(http.StatusPermanentRedirect, "http://localhost:"+mechPort(t, target.URL)))
	k := mechKipu(t, origin.URL, WithHeader("Authorization", "Bearer caller-s3cret"), WithHeader("Proxy-Authorization", "Basic x"))
	_, _, err := k.GetPersonalAccessTokens(context.Background())
	require.NoError(t, err)
	got := trec.last(t)
	assert.Equal(t, http.MethodGet, got.Method)
	for _, h := range []string{"Authorization", "Proxy-Authorization", "X-Auth-Token"} {
		assert.Empty(t, got.Header.Values(h), h)
	}
	// A 308 would replay the body, which may hold a password or a client
	// secret: across hosts it is not followed, and the redirect is the answer.
	before := len(trec.all())
	_, _, err = k.CreatePersonalAccessToken(context.Background(), KipuTokenRequest{Name: "ci"})
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusPermanentRedirect, ae.StatusCode)
	assert.Len(t, trec.all(), before, "the body never reached the other host")
}

// A certificate the client refuses is not retried: it fails the same way
// every time.
func TestMechCertificateErrorNotRetried(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	k, err := NewKipu(WithBaseURL(srv.URL+"/user-service"), WithPersonalAccessToken("pat"), WithRetryBackoff(time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	_, resp, err := k.GetCurrentUser(context.Background())
	var te *TransportError
	if !errors.As(err, &te) {
		t.Fatalf("want *TransportError, got %v", err)
	}
	var certErr *tls.CertificateVerificationError
	if !errors.As(err, &certErr) {
		t.Fatalf("want a certificate verification error, got %v", err)
	}
	if te.Attempts != 1 || resp != nil {
		t.Fatalf("certificate error retried: %d attempts", te.Attempts)
	}
}

// TestMechEchoedCredentialRedacted: a server that puts the credential it
// was sent into its error (message, code, request id, field errors),
// plainly or JSON-escaped, does not get it into the *APIError's text or
// fields; for Harbor the Basic password is found inside the header. A body
// that holds no credential is left as the server wrote it.
func TestMechEchoedCredentialRedacted(t *testing.T) {
	const (
		pat      = "kqh_pat_echo_secret_1"
		password = "Harbor-Echo-Passw0rd"
		token    = "hb-echo-session-token"
		apiKey   = "zut_echo_api_key_000"
	)
	// escape JSON-escapes every character of s, so that the body never
	// holds s literally.
	escape := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		return b.String()
	}
	for _, tc := range []struct {
		name, secret, body string
		call               func(srvURL string) error
	}{
		{"kipu plain", pat, `{"status":401,"error":"Unauthorized","message":"token ` + pat + ` is unknown","path":"/me"}`,
			func(u string) error {
				_, _, err := mechKipu(t, u, WithPersonalAccessToken(pat)).GetCurrentUser(t.Context())
				return err
			}},
		{"kipu json-escaped", pat, `{"status":401,"error":"Unauthorized","message":"token ` + escape(pat) + ` is unknown","path":"/me"}`,
			func(u string) error {
				_, _, err := mechKipu(t, u, WithPersonalAccessToken(pat)).GetCurrentUser(t.Context())
				return err
			}},
		{"harbor basic password", password, `{"errors":[{"code":"UNAUTHORIZED","message":"password ` + password + ` is wrong"}]}`,
			func(u string) error {
				_, _, err := mechHarbor(t, u, WithBasicAuth("admin", password)).GetCurrentUserInfo(t.Context())
				return err
			}},
		{"homebox fields", token, `{"error":"invalid","fields":{"token":"` + token + ` was refused"}}`,
			func(u string) error {
				_, _, err := mechHomebox(t, u, WithBearerToken(token)).GetUserSelf(t.Context())
				return err
			}},
		{"vectara field_errors", apiKey, `{"messages":["bad key ` + apiKey + `"],"field_errors":{"x-api-key":"` + apiKey + `"},"request_id":"` + apiKey + `"}`,
			func(u string) error {
				_, _, err := mechVectara(t, u, WithAPIKey(apiKey)).GetUser(t.Context(), "ada")
				return err
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := mechServer(t, "", func(w http.ResponseWriter, _ *http.Request, _ int) { mechJSON(w, 400, tc.body) })
			err := tc.call(srv.URL)
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.NotEmpty(t, ae.Message, "the server's message is kept")
			assert.NotContains(t, err.Error(), tc.secret)
			assert.NotContains(t, ae.Message+ae.Code+ae.RequestID, tc.secret)
			for k, v := range ae.Fields {
				assert.NotContains(t, k+v, tc.secret, "field %q", k)
			}
			shown := err.Error()
			for k, v := range ae.Fields {
				shown += k + v
			}
			assert.Contains(t, shown, redacted, "the echo is replaced, not dropped")
		})
	}
	// Nothing to redact: the message stays as sent.
	srv, _ := mechServer(t, "", func(w http.ResponseWriter, _ *http.Request, _ int) {
		mechJSON(w, 400, `{"errors":[{"code":"BAD_REQUEST","message":"email with illegal format"}]}`)
	})
	_, _, err := mechHarbor(t, srv.URL).GetCurrentUserInfo(t.Context())
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "email with illegal format", ae.Message)
}
