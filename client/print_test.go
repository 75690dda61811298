// Tests that no value of the package prints a credential: clients,
// options, responses and errors under every fmt verb and slog, and
// credentials a server echoes in any encoding.
package client_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
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
