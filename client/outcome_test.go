// Tests of ErrOutcomeUnknown: a create whose answer was lost, or was a
// 500, 502 or 504, says it may have happened, and is not retried.
package client_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/gen/harbor"
	"github.com/userapis/userapis-go/gen/homebox"
	"github.com/userapis/userapis-go/gen/vectara"
)

// creates are the create methods of the four services, each on base.
var creates = map[string]func(ctx context.Context, base string) error{
	"harbor CreateUser": func(ctx context.Context, base string) error {
		h, err := client.NewHarbor(client.WithBaseURL(base), client.WithBasicAuth("admin", "pw"), mtFast)
		if err != nil {
			return err
		}
		_, _, err = h.CreateUser(ctx, harbor.UserCreationReq{Username: "dave", Email: "dave@example.com", Realname: "Dave", Password: "Passw0rdDave"})
		return err
	},
	"vectara CreateUser": func(ctx context.Context, base string) error {
		v, err := client.NewVectara(client.WithBaseURL(base), client.WithAPIKey("key"), mtFast)
		if err != nil {
			return err
		}
		_, _, err = v.CreateUser(ctx, vectara.CreateUserRequest{Email: "dave@example.com", Username: client.Ptr("dave")})
		return err
	},
	"kipu CreatePersonalAccessToken": func(ctx context.Context, base string) error {
		k, err := client.NewKipu(client.WithBaseURL(base), client.WithPersonalAccessToken("pat"), mtFast)
		if err != nil {
			return err
		}
		_, _, err = k.CreatePersonalAccessToken(ctx, client.KipuTokenRequest{Name: "ci"})
		return err
	},
	"homebox RegisterNewUser": func(ctx context.Context, base string) error {
		h, err := client.NewHomebox(client.WithBaseURL(base), mtFast)
		if err != nil {
			return err
		}
		_, err = h.RegisterNewUser(ctx, homebox.UserRegistration{Email: "dave@example.com", Name: "Dave", Password: "Passw0rdDave"})
		return err
	},
	"homebox CreateAPIKey": func(ctx context.Context, base string) error {
		h, err := client.NewHomebox(client.WithBaseURL(base), client.WithAPIKey("hb_key"), mtFast)
		if err != nil {
			return err
		}
		_, _, err = h.CreateAPIKey(ctx, homebox.APIKeyCreate{Name: "ci"})
		return err
	},
}

func TestOutcomeUnknown(t *testing.T) {
	for name, create := range creates {
		for _, tc := range []struct {
			what    string
			handler func(w http.ResponseWriter, r *http.Request)
			unknown bool
		}{
			{"500", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }, true},
			{"502", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(502) }, true},
			{"504", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(504) }, true},
			{"reset after the request", func(w http.ResponseWriter, r *http.Request) {
				conn, _, err := http.NewResponseController(w).Hijack()
				if err == nil {
					if tc, ok := conn.(*net.TCPConn); ok {
						_ = tc.SetLinger(0) // a reset, not a clean close
					}
					_ = conn.Close()
				}
			}, true},
			{"400", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(400) }, false},
			{"409", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(409) }, false},
		} {
			t.Run(name+"/"+tc.what, func(t *testing.T) {
				var n atomic.Int32
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					n.Add(1)
					tc.handler(w, r)
				}))
				defer srv.Close()
				err := create(context.Background(), srv.URL)
				require.Error(t, err)
				if tc.unknown {
					assert.ErrorIs(t, err, client.ErrOutcomeUnknown)
					assert.Contains(t, err.Error(), "may have been processed")
					assert.EqualValues(t, 1, n.Load(), "never retried")
				} else {
					assert.NotErrorIs(t, err, client.ErrOutcomeUnknown)
				}
			})
		}
		t.Run(name+"/refused connection", func(t *testing.T) {
			// Nothing listens: the request never left, so the outcome is known.
			l, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			addr := l.Addr().String()
			require.NoError(t, l.Close())
			err = create(context.Background(), "http://"+addr)
			require.Error(t, err)
			assert.NotErrorIs(t, err, client.ErrOutcomeUnknown)
		})
	}
}

// A read is retried and never "outcome unknown".
func TestOutcomeKnownForReads(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(502) }))
	defer srv.Close()
	v, err := client.NewVectara(client.WithBaseURL(srv.URL), client.WithAPIKey("key"), mtFast)
	require.NoError(t, err)
	_, resp, err := v.GetUser(context.Background(), "ada")
	require.Error(t, err)
	assert.NotErrorIs(t, err, client.ErrOutcomeUnknown)
	assert.Equal(t, 3, resp.Attempts)
}
