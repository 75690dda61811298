// Tests of where each option may go: a misapplied option fails at once,
// with a typed error naming the option and the service, or does not
// compile at all.
package client_test

import (
	"context"
	"errors"
	"net/http"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/userapis/userapis-go/client"
)

// countingServer answers 200 {} to everything and counts requests, so that
// a test can say nothing was sent.
func countingServer(t *testing.T) (string, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	mux, base := mtServer(t, "")
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		// One body every service's GET accepts: each reads its own fields.
		_, _ = w.Write([]byte(`{"id":"5b0f7c1e-2d4a-4c6e-9f3b-1a2b3c4d5e6f","user_id":1,"username":"ada","email":"ada@example.com",` +
			`"item":{"id":"5b0f7c1e-2d4a-4c6e-9f3b-1a2b3c4d5e6f","email":"ada@example.com"}}`))
	})
	return base, &n
}

// services builds each client on base with opts and makes one call with
// callOpts.
var optionServices = []struct {
	name string
	auth []client.ClientOption // the service's own credential
	make func(base string, opts ...client.ClientOption) (func(context.Context, ...client.CallOption) error, error)
}{
	{"kipu", []client.ClientOption{client.WithPersonalAccessToken("pat")}, func(base string, opts ...client.ClientOption) (func(context.Context, ...client.CallOption) error, error) {
		k, err := client.NewKipu(append([]client.ClientOption{client.WithBaseURL(base)}, opts...)...)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, o ...client.CallOption) error {
			_, _, err := k.GetCurrentUser(ctx, o...)
			return err
		}, nil
	}},
	{"harbor", []client.ClientOption{client.WithBasicAuth("admin", "pw")}, func(base string, opts ...client.ClientOption) (func(context.Context, ...client.CallOption) error, error) {
		h, err := client.NewHarbor(append([]client.ClientOption{client.WithBaseURL(base)}, opts...)...)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, o ...client.CallOption) error {
			_, _, err := h.GetCurrentUserInfo(ctx, o...)
			return err
		}, nil
	}},
	{"homebox", []client.ClientOption{client.WithAPIKey("hb_key")}, func(base string, opts ...client.ClientOption) (func(context.Context, ...client.CallOption) error, error) {
		h, err := client.NewHomebox(append([]client.ClientOption{client.WithBaseURL(base)}, opts...)...)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, o ...client.CallOption) error {
			_, _, err := h.GetUserSelf(ctx, o...)
			return err
		}, nil
	}},
	{"vectara", []client.ClientOption{client.WithAPIKey("zwt_key")}, func(base string, opts ...client.ClientOption) (func(context.Context, ...client.CallOption) error, error) {
		v, err := client.NewVectara(append([]client.ClientOption{client.WithBaseURL(base)}, opts...)...)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, o ...client.CallOption) error {
			_, _, err := v.GetUser(ctx, "ada", o...)
			return err
		}, nil
	}},
}

// credentials are every credential option, by name.
var credentials = map[string]client.Option{
	"WithPersonalAccessToken": client.WithPersonalAccessToken("pat"),
	"WithBasicAuth":           client.WithBasicAuth("admin", "pw"),
	"WithBearerToken":         client.WithBearerToken("tok"),
	"WithAPIKey":              client.WithAPIKey("key"),
}

var accepted = map[string][]string{
	"kipu":    {"WithPersonalAccessToken", "WithBearerToken"},
	"harbor":  {"WithBasicAuth"},
	"homebox": {"WithBearerToken", "WithAPIKey"},
	"vectara": {"WithAPIKey"},
}

func optionError(t *testing.T, err error, option, service string) {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, client.ErrInvalidOption)
	var oe *client.OptionError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, option, oe.Option)
	assert.Equal(t, service, oe.Service)
	assert.Contains(t, err.Error(), option)
	assert.Contains(t, err.Error(), service)
}

func TestForeignCredentialRefused(t *testing.T) {
	for _, s := range optionServices {
		for name, opt := range credentials {
			ok := false
			for _, a := range accepted[s.name] {
				ok = ok || a == name
			}
			t.Run(s.name+"/"+name, func(t *testing.T) {
				base, sent := countingServer(t)
				call, err := s.make(base, opt)
				if ok {
					require.NoError(t, err)
					require.NoError(t, call(t.Context(), opt), "per call")
					return
				}
				// At construction: no client.
				optionError(t, err, name, s.name)
				assert.Nil(t, call)
				// Per call: refused before anything is sent.
				call, err = s.make(base, s.auth...)
				require.NoError(t, err)
				optionError(t, call(t.Context(), opt), name, s.name)
				assert.Zero(t, sent.Load(), "nothing is sent")
				// The message says what the service takes instead.
				_, err = s.make(base, opt)
				assert.Contains(t, err.Error(), accepted[s.name][0])
			})
		}
	}
}

func TestOAuthOptionsOnlyForVectara(t *testing.T) {
	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "x"})
	for _, s := range optionServices[:3] {
		base, _ := countingServer(t)
		_, err := s.make(base, client.WithClientCredentials("id", "secret", ""))
		optionError(t, err, "WithClientCredentials", s.name)
		_, err = s.make(base, client.WithTokenSource(ts))
		optionError(t, err, "WithTokenSource", s.name)
	}
}

func TestOptionValuesOutOfRange(t *testing.T) {
	cases := []struct {
		opt  client.Option
		name string
		hint string
	}{
		{client.WithMaxRetries(-1), "WithMaxRetries", "0 turns retries off"},
		{client.WithTimeout(-1), "WithTimeout", "0 means no bound"},
		{client.WithMaxRetryAfter(-1), "WithMaxRetryAfter", "negative"},
		{client.WithRetryBackoff(-1, 0), "WithRetryBackoff", "negative"},
		{client.WithRetryBackoff(2, 1), "WithRetryBackoff", "below the first delay"},
		{client.WithHeader("Bad Name", "v"), "WithHeader", "not a valid header name"},
		{client.WithHeader("X-Ok", "line\nbreak"), "WithHeader", "cannot carry"},
	}
	for _, s := range optionServices {
		for _, c := range cases {
			t.Run(s.name+"/"+c.name, func(t *testing.T) {
				base, sent := countingServer(t)
				_, err := s.make(base, append(s.auth, c.opt)...)
				optionError(t, err, c.name, s.name)
				assert.Contains(t, err.Error(), c.hint)

				call, err := s.make(base, s.auth...)
				require.NoError(t, err)
				err = call(t.Context(), c.opt)
				optionError(t, err, c.name, s.name)
				assert.Zero(t, sent.Load(), "nothing is sent")
			})
		}
	}
}

func TestOptionNilValues(t *testing.T) {
	base, _ := countingServer(t)
	_, err := client.NewKipu(client.WithBaseURL(base), client.WithHTTPClient(nil))
	optionError(t, err, "WithHTTPClient", "kipu")
	_, err = client.NewVectara(client.WithBaseURL(base), client.WithTokenSource(nil))
	optionError(t, err, "WithTokenSource", "vectara")
	_, err = client.NewKipu(nil)
	assert.ErrorIs(t, err, client.ErrInvalidOption)

	k, err := client.NewKipu(client.WithBaseURL(base), client.WithPersonalAccessToken("pat"))
	require.NoError(t, err)
	_, _, err = k.GetCurrentUser(t.Context(), client.WithResponseInto(nil))
	optionError(t, err, "WithResponseInto", "kipu")
	_, _, err = k.GetCurrentUser(t.Context(), nil)
	assert.ErrorIs(t, err, client.ErrInvalidOption)
}

// A valid option after an invalid one does not hide it, and a per-call
// option error leaves the client as it was.
func TestOptionErrorLeavesClientUsable(t *testing.T) {
	base, sent := countingServer(t)
	k, err := client.NewKipu(client.WithBaseURL(base), client.WithPersonalAccessToken("pat"))
	require.NoError(t, err)
	_, _, err = k.GetCurrentUser(t.Context(), client.WithBasicAuth("a", "b"), client.WithMaxRetries(0))
	optionError(t, err, "WithBasicAuth", "kipu")
	_, _, err = k.GetCurrentUser(t.Context())
	require.NoError(t, err)
	assert.EqualValues(t, 1, sent.Load())
	assert.False(t, errors.Is(err, client.ErrInvalidOption))
}

// TestMisplacedOptionsDoNotCompile builds programs that pass a
// construction-only option to a method, or a call-only option to a
// constructor: the compiler must refuse each.
func TestMisplacedOptionsDoNotCompile(t *testing.T) {
	for _, prog := range []string{"baseurl_per_call", "requestid_at_construction", "clientcredentials_per_call"} {
		t.Run(prog, func(t *testing.T) {
			cmd := exec.Command("go", "build", "-o", t.TempDir()+"/x", "./testdata/misuse/"+prog)
			out, err := cmd.CombinedOutput()
			require.Error(t, err, "%s compiled", prog)
			msg := string(out)
			assert.True(t, strings.Contains(msg, "does not implement client.CallOption") || strings.Contains(msg, "does not implement client.ClientOption"), msg)
		})
	}
}
