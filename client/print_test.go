// Tests that no value of the package prints a credential: clients,
// options, responses and errors under every fmt verb and slog, and
// credentials a server echoes in any encoding.
package client_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/client"
	gen "github.com/userapis/userapis-go/gen/harbor"
)

const (
	printSecret = "s3cr3t-T0ken/with+odd&chars"
	printUser   = "admin"
)

// printed renders v under every verb and as a slog attribute.
func printed(v any) string {
	var b strings.Builder
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x"} {
		fmt.Fprintf(&b, verb+"\n", v)
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("value", "v", v)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("value", "v", v)
	b.Write(logs.Bytes())
	return b.String()
}

// assertNoSecret fails when out holds the secret in any form a reader
// could recover.
func assertNoSecret(t *testing.T, out, what string) {
	t.Helper()
	for _, form := range []string{
		printSecret, url.QueryEscape(printSecret), url.PathEscape(printSecret),
		base64.StdEncoding.EncodeToString([]byte(printSecret)),
		base64.StdEncoding.EncodeToString([]byte(printUser + ":" + printSecret)),
		fmt.Sprintf("%x", printSecret),
	} {
		assert.NotContains(t, out, form, "%s prints the credential", what)
	}
}

func TestNothingPrintsACredential(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Set-Cookie", "session="+printSecret)
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token" token="`+printSecret+`"`)
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":"bad token `+printSecret+`"}`)
	}))
	defer srv.Close()

	kipu, err := client.NewKipu(client.WithBaseURL(srv.URL), client.WithPersonalAccessToken(printSecret))
	require.NoError(t, err)
	harbor, err := client.NewHarbor(client.WithBaseURL(srv.URL), client.WithBasicAuth(printUser, printSecret))
	require.NoError(t, err)
	homebox, err := client.NewHomebox(client.WithBaseURL(srv.URL), client.WithBearerToken(printSecret))
	require.NoError(t, err)
	vectara, err := client.NewVectara(client.WithBaseURL(srv.URL), client.WithClientCredentials("id", printSecret, srv.URL+"/token"))
	require.NoError(t, err)
	vectaraKey, err := client.NewVectara(client.WithBaseURL(srv.URL), client.WithAPIKey(printSecret))
	require.NoError(t, err)

	values := map[string]any{
		"*Kipu": kipu, "*Harbor": harbor, "*Homebox": homebox, "Homebox value": fmt.Sprintf("%+v", homeboxValue(homebox)),
		"*Vectara": vectara, "*Vectara (key)": vectaraKey,
		"WithAPIKey": client.WithAPIKey(printSecret), "WithBasicAuth": client.WithBasicAuth(printUser, printSecret),
		"WithBearerToken": client.WithBearerToken(printSecret), "WithPersonalAccessToken": client.WithPersonalAccessToken(printSecret),
		"WithClientCredentials": client.WithClientCredentials("id", printSecret, ""),
	}
	var resp *client.Response
	_, _, err = homebox.GetUserSelf(context.Background(), client.WithResponseInto(&resp), client.WithMaxRetries(0))
	require.Error(t, err)
	values["APIError"] = err
	values["Response"] = resp
	var ae *client.APIError
	require.ErrorAs(t, err, &ae)
	values["*APIError"] = ae
	assert.Equal(t, "session="+printSecret, ae.Header.Get("Set-Cookie"), "the raw header stays for code")

	for what, v := range values {
		assertNoSecret(t, printed(v), what)
	}
}

// homeboxValue copies the client the way a careless %+v of a dereferenced
// pointer would.
func homeboxValue(h *client.Homebox) any {
	type shadow struct{ H *client.Homebox }
	return shadow{h}
}

// A server may echo the credential it refused in any encoding: none of them
// reaches err.Error(), the message, the code or the field errors.
func TestEchoedCredentialInAnyEncoding(t *testing.T) {
	j, _ := json.Marshal(printSecret)
	forms := map[string]string{
		"raw":          printSecret,
		"query-escape": url.QueryEscape(printSecret),
		"path-escape":  url.PathEscape(printSecret),
		"base64":       base64.StdEncoding.EncodeToString([]byte(printSecret)),
		"base64url":    base64.RawURLEncoding.EncodeToString([]byte(printSecret)),
		"json-escaped": strings.Trim(string(j), `"`),
		"basic pair":   base64.StdEncoding.EncodeToString([]byte(printUser + ":" + printSecret)),
	}
	for name, form := range forms {
		t.Run(name, func(t *testing.T) {
			// The form goes into the message as a JSON string: escaped once
			// more, so that the decoded message holds the form itself.
			msg, _ := json.Marshal("refused " + form)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				// Homebox's shape and Vectara's in one body: each client
				// decodes its own.
				fmt.Fprintf(w, `{"error":%s,"fields":{"token":%s},"messages":[%s],"field_errors":{"token":%s}}`, msg, msg, msg, msg)
			}))
			defer srv.Close()
			for svc, c := range map[string]func() error{
				"homebox": func() error {
					h, err := client.NewHomebox(client.WithBaseURL(srv.URL), client.WithBearerToken(printSecret))
					require.NoError(t, err)
					_, _, err = h.GetUserSelf(context.Background())
					return err
				},
				"vectara": func() error {
					v, err := client.NewVectara(client.WithBaseURL(srv.URL), client.WithAPIKey(printSecret))
					require.NoError(t, err)
					_, _, err = v.GetUser(context.Background(), "ada")
					return err
				},
				"harbor": func() error {
					h, err := client.NewHarbor(client.WithBaseURL(srv.URL), client.WithBasicAuth(printUser, printSecret))
					require.NoError(t, err)
					_, _, err = h.GetCurrentUserInfo(context.Background())
					return err
				},
			} {
				err := c()
				require.Error(t, err)
				var ae *client.APIError
				require.ErrorAs(t, err, &ae)
				if svc != "harbor" {
					require.NotEmpty(t, ae.Message, "%s decoded its error shape", svc)
					require.NotEmpty(t, ae.Fields, "%s decoded its field errors", svc)
				}
				out := err.Error() + ae.Message + ae.Code + fmt.Sprint(ae.Fields) + printed(ae)
				assert.NotContains(t, out, form, "%s: %s form echoed", svc, name)
			}
		})
	}
}

// echoCase is one credential of one service, a call that sends it, and the
// strings a server may send back that must never be printed.
type echoCase struct {
	name string
	call func(t *testing.T, srvURL string, opts ...client.CallOption) error
	// secrets are the credentials the call sends: each is echoed in every
	// form of echoForms.
	secrets []string
}

// echoCases covers every credential of every service: the ones set on the
// client, and the passwords a call sends in its body.
func echoCases(secret string) []echoCase {
	return []echoCase{
		{"kipu PAT", func(t *testing.T, u string, opts ...client.CallOption) error {
			k, err := client.NewKipu(client.WithBaseURL(u), client.WithPersonalAccessToken(secret), client.WithMaxRetries(0))
			require.NoError(t, err)
			_, _, err = k.GetCurrentUser(context.Background(), opts...)
			return err
		}, []string{secret}},
		{"harbor basic", func(t *testing.T, u string, opts ...client.CallOption) error {
			h, err := client.NewHarbor(client.WithBaseURL(u), client.WithBasicAuth(printUser, secret), client.WithMaxRetries(0))
			require.NoError(t, err)
			_, _, err = h.GetCurrentUserInfo(context.Background(), opts...)
			return err
		}, []string{secret, printUser + ":" + secret}},
		{"harbor password in body", func(t *testing.T, u string, opts ...client.CallOption) error {
			h, err := client.NewHarbor(client.WithBaseURL(u), client.WithBasicAuth(printUser, "other-admin-password"), client.WithMaxRetries(0))
			require.NoError(t, err)
			_, err = h.UpdateUserPassword(context.Background(), 3, gen.PasswordReq{NewPassword: secret}, opts...)
			return err
		}, []string{secret}},
		{"homebox bearer", func(t *testing.T, u string, opts ...client.CallOption) error {
			h, err := client.NewHomebox(client.WithBaseURL(u), client.WithBearerToken(secret), client.WithMaxRetries(0))
			require.NoError(t, err)
			_, _, err = h.GetUserSelf(context.Background(), opts...)
			return err
		}, []string{secret}},
		{"homebox API key", func(t *testing.T, u string, opts ...client.CallOption) error {
			h, err := client.NewHomebox(client.WithBaseURL(u), client.WithAPIKey(secret), client.WithMaxRetries(0))
			require.NoError(t, err)
			_, _, err = h.GetUserSelf(context.Background(), opts...)
			return err
		}, []string{secret}},
		{"homebox login password", func(t *testing.T, u string, opts ...client.CallOption) error {
			h, err := client.NewHomebox(client.WithBaseURL(u), client.WithMaxRetries(0))
			require.NoError(t, err)
			_, _, err = h.UserLogin(context.Background(), "ada@example.com", secret, false, opts...)
			return err
		}, []string{secret}},
		{"vectara API key", func(t *testing.T, u string, opts ...client.CallOption) error {
			v, err := client.NewVectara(client.WithBaseURL(u), client.WithAPIKey(secret), client.WithMaxRetries(0))
			require.NoError(t, err)
			_, _, err = v.GetUser(context.Background(), "ada", opts...)
			return err
		}, []string{secret}},
		{"vectara OAuth token", func(t *testing.T, u string, opts ...client.CallOption) error {
			v, err := client.NewVectara(client.WithBaseURL(u), client.WithClientCredentials("id", "client-secret", u+"/token"), client.WithMaxRetries(0))
			require.NoError(t, err)
			_, _, err = v.GetUser(context.Background(), "ada", opts...)
			return err
		}, []string{secret}},
	}
}

// echoForms are the forms a server may echo s in.
func echoForms(s string) map[string]string {
	j, _ := json.Marshal(s)
	var raw strings.Builder
	enc := json.NewEncoder(&raw)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return map[string]string{
		"raw":                           s,
		"query-escape":                  url.QueryEscape(s),
		"path-escape":                   url.PathEscape(s),
		"base64":                        base64.StdEncoding.EncodeToString([]byte(s)),
		"base64 raw":                    base64.RawStdEncoding.EncodeToString([]byte(s)),
		"base64url":                     base64.URLEncoding.EncodeToString([]byte(s)),
		"base64url raw":                 base64.RawURLEncoding.EncodeToString([]byte(s)),
		"json-escaped":                  strings.Trim(string(j), `"`),
		"json-escaped, no HTML escapes": strings.Trim(strings.TrimSpace(raw.String()), `"`),
	}
}

// A server may echo a credential into any response header, not only the
// ones known to carry credentials (Set-Cookie, WWW-Authenticate): into
// X-Request-Id, which the error and the Response also show as their request
// id, or into a header of its own. No fmt verb and no slog output of the
// error, the *APIError or the *Response shows it, for an error answer or a
// 2xx; the raw Header keeps it, for code.
func TestEchoedCredentialInAnyHeader(t *testing.T) {
	for _, tc := range echoCases(printSecret) {
		t.Run(tc.name, func(t *testing.T) {
			for _, secret := range tc.secrets {
				for form, echoed := range echoForms(secret) {
					for _, status := range []int{http.StatusUnauthorized, http.StatusOK} {
						srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
							w.Header().Set("Content-Type", "application/json")
							if r.URL.Path == "/token" { // Vectara's OAuth token endpoint
								fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3600}`, printSecret)
								return
							}
							w.Header().Set("X-Request-Id", echoed)
							w.Header().Set("X-Debug", "credential="+echoed+"; seen")
							w.Header().Add("X-Debug", "second value")
							w.Header().Set("Link", `<https://example.com/next?t=`+echoed+`>; rel="next"`)
							w.WriteHeader(status)
							_, _ = io.WriteString(w, `{"message":"no"}`)
						}))
						var resp *client.Response
						err := tc.call(t, srv.URL, client.WithResponseInto(&resp))
						srv.Close()
						what := fmt.Sprintf("%s, %s echoed %s, status %d", tc.name, secret, form, status)
						require.NotNil(t, resp, what)
						assert.Equal(t, echoed, resp.Header.Get("X-Request-Id"), "%s: the raw header stays for code", what)
						out := printed(resp)
						if err != nil {
							out += err.Error() + printed(err)
						}
						var ae *client.APIError
						if errors.As(err, &ae) {
							out += ae.Message + ae.RequestID + printed(ae)
						} else if status != http.StatusOK {
							t.Fatalf("%s: got %v, want an *APIError", what, err)
						}
						assertNotPrinted(t, out, echoed, what)
						assertNotPrinted(t, out, secret, what)
						assert.Contains(t, out, "second value", "%s: the headers are still printed", what)
					}
				}
			}
		})
	}
}

// Secrets with a quote, a backslash, a control character or non-ASCII
// letters, echoed in a JSON error body (escaped as encoding/json does, and
// with every non-ASCII letter as \u escapes): the decoded message and field
// errors hold the secret itself, so only its raw form finds it there.
func TestEchoedOddSecretInJSONBody(t *testing.T) {
	for _, secret := range []string{`pa"ss\word-9`, "ctl\x01\x7fsecret-9", "pässwörd-ü9", "tab\tand\nnewline-9"} {
		// Header credentials cannot hold a control character other than a
		// tab: those go in a Basic pair or a body.
		inHeader := !strings.ContainsFunc(secret, func(r rune) bool { return r < ' ' || r == 0x7f })
		for _, tc := range echoCases(secret) {
			if !inHeader && !strings.Contains(tc.name, "basic") && !strings.Contains(tc.name, "body") && !strings.Contains(tc.name, "password") {
				continue
			}
			if tc.name == "vectara OAuth token" {
				continue // the token is the server's, not this secret
			}
			t.Run(fmt.Sprintf("%s/%q", tc.name, secret), func(t *testing.T) {
				plain, _ := json.Marshal("refused " + secret)
				var b strings.Builder
				for _, r := range string(plain) {
					if r > 0x7e {
						fmt.Fprintf(&b, `\u%04x`, r)
					} else {
						b.WriteRune(r)
					}
				}
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusBadRequest)
					// Every service's error shape in one body: each client
					// decodes its own.
					fmt.Fprintf(w, `{"error":%s,"fields":{"password":%s},"messages":[%s],"field_errors":{"password":%s},"errors":[{"code":"BAD","message":%s}],"message":%s}`,
						plain, b.String(), plain, b.String(), plain, b.String())
				}))
				defer srv.Close()
				err := tc.call(t, srv.URL)
				var ae *client.APIError
				require.ErrorAs(t, err, &ae)
				require.Contains(t, ae.Message, "refused", "the service's message was decoded")
				out := err.Error() + ae.Message + ae.Code + fmt.Sprint(ae.Fields) + printed(err) + printed(ae)
				for k, v := range ae.Fields {
					out += k + v
				}
				assertNotPrinted(t, out, secret, "the secret")
				assert.Contains(t, out, "refused REDACTED")
			})
		}
	}
}

// assertNotPrinted fails when out holds needle, showing the line it is on
// (not the whole output, which repeats it under every verb).
func assertNotPrinted(t *testing.T, out, needle, what string) {
	t.Helper()
	for line := range strings.Lines(out) {
		if strings.Contains(line, needle) {
			t.Errorf("%s: printed %q in: %.400s", what, needle, line)
			return
		}
	}
}

// A client remembers the credential forms it searched the last error for
// (so that the next error does not decode and encode them again); a call
// with other credentials must be searched for its own: a per-call
// credential, and a Homebox token replaced after login.
func TestEchoSearchFollowsTheCredentialSent(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		secret := ""
		if u, p, ok := r.BasicAuth(); ok {
			secret = u + " with " + p
		} else if _, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok {
			secret = tok
		}
		// Harbor's and Homebox's error shapes, both in one body.
		fmt.Fprintf(w, `{"errors":[{"code":"UNAUTHORIZED","message":"bad %s"}],"error":"bad %s"}`, secret, secret)
	}))
	defer srv.Close()

	h, err := client.NewHarbor(client.WithBaseURL(srv.URL), client.WithBasicAuth("admin", "first-password-1"), client.WithMaxRetries(0))
	require.NoError(t, err)
	ctx := context.Background()
	_, _, err = h.GetUser(ctx, 3)
	assertNotPrinted(t, err.Error(), "first-password-1", "the client's own credential")
	_, _, err = h.GetUser(ctx, 3, client.WithBasicAuth("admin", "second-password-2"))
	require.Error(t, err)
	assertNotPrinted(t, err.Error()+printed(err), "second-password-2", "a per-call credential after the client's")
	_, _, err = h.GetUser(ctx, 3)
	assertNotPrinted(t, err.Error()+printed(err), "first-password-1", "the client's own credential again")

	hb, err := client.NewHomebox(client.WithBaseURL(srv.URL), client.WithBearerToken("first-token-1"), client.WithMaxRetries(0))
	require.NoError(t, err)
	_, _, err = hb.GetUserSelf(ctx)
	assertNotPrinted(t, err.Error(), "first-token-1", "the first token")
	hb.SetToken("second-token-2")
	_, _, err = hb.GetUserSelf(ctx)
	require.Error(t, err)
	assertNotPrinted(t, err.Error()+printed(err), "second-token-2", "the token set after the first error")
}
