// Tests of strict decoding: null, the wrong JSON kind, or a result without
// its identifying fields is a *DecodeError, never an all-zero result.
package client_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/client"
)

func TestStrictDecoding(t *testing.T) {
	calls := map[string]func(base string) (any, error){
		"harbor GetUser": func(base string) (any, error) {
			h, err := client.NewHarbor(client.WithBaseURL(base), client.WithBasicAuth("a", "b"))
			require.NoError(t, err)
			v, _, err := h.GetUser(context.Background(), 3)
			return v, err
		},
		"harbor ListUsers": func(base string) (any, error) {
			h, err := client.NewHarbor(client.WithBaseURL(base), client.WithBasicAuth("a", "b"))
			require.NoError(t, err)
			v, _, err := h.ListUsers(context.Background(), nil)
			return v, err
		},
		"kipu GetCurrentUser": func(base string) (any, error) {
			k, err := client.NewKipu(client.WithBaseURL(base), client.WithPersonalAccessToken("p"))
			require.NoError(t, err)
			v, _, err := k.GetCurrentUser(context.Background())
			return v, err
		},
		"homebox GetUserSelf": func(base string) (any, error) {
			h, err := client.NewHomebox(client.WithBaseURL(base), client.WithAPIKey("k"))
			require.NoError(t, err)
			v, _, err := h.GetUserSelf(context.Background())
			return v, err
		},
		"vectara GetUser": func(base string) (any, error) {
			v, err := client.NewVectara(client.WithBaseURL(base), client.WithAPIKey("k"))
			require.NoError(t, err)
			u, _, err := v.GetUser(context.Background(), "ada")
			return u, err
		},
	}
	bodies := map[string][]string{ // bad bodies per call
		"harbor GetUser":      {`null`, `[]`, `"x"`, `{}`, `{"user_id":0,"username":"a"}`, `{"user_id":3}`},
		"harbor ListUsers":    {`null`, `{}`, `[null]`, `[{"username":"a"}]`},
		"kipu GetCurrentUser": {`null`, `[]`, `{"username":"ada"}`},
		"homebox GetUserSelf": {`null`, `{}`, `{"item":null}`, `{"item":{"email":"a@b.c"}}`},
		"vectara GetUser":     {`null`, `[]`, `42`},
	}
	for name, call := range calls {
		for _, body := range bodies[name] {
			t.Run(name+" "+body, func(t *testing.T) {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					_, _ = io.WriteString(w, body)
				}))
				defer srv.Close()
				v, err := call(srv.URL)
				require.Error(t, err, "result %+v", v)
				assert.ErrorIs(t, err, client.ErrUnexpectedResponse)
				var de *client.DecodeError
				assert.ErrorAs(t, err, &de)
			})
		}
	}
}
