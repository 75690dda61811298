package client

// Tests of the shared mechanics: construction and options, typed errors,
// decode errors, and the paging helpers. The helpers at the top (all named
// mech...) are shared by retry_test.go, safety_test.go and logging_test.go.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/gen/harbor"
	"github.com/userapis/userapis-go/gen/homebox"
	"github.com/userapis/userapis-go/gen/kipu"
	"github.com/userapis/userapis-go/gen/vectara"
)

// ---------------------------------------------------------------------------
// helpers

// mechRequest is one request as a test server saw it.
type mechRequest struct {
	Method  string
	Path    string // decoded path
	RawPath string // escaped path, as sent
	Query   string
	Header  http.Header
	Body    []byte
	At      time.Time
}

// mechRecorder records the requests a test server received under its mount
// path; requests outside it are counted as strays and fail the test.
type mechRecorder struct {
	mu     sync.Mutex
	reqs   []mechRequest
	strays atomic.Int32
}

func (r *mechRecorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

func (r *mechRecorder) all() []mechRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

func (r *mechRecorder) last(t *testing.T) mechRequest {
	t.Helper()
	all := r.all()
	require.NotEmpty(t, all, "the server saw no request")
	return all[len(all)-1]
}

// mechHandler answers the n-th (1-based) request under the mount path; the
// request body has already been read and recorded (r.Body replays it).
type mechHandler func(w http.ResponseWriter, r *http.Request, n int)

// mechWrap records requests under prefix and hands them to h; anything
// outside prefix (a method that dropped the base path) gets a 404 and is
// counted as a stray.
func mechWrap(t *testing.T, prefix string, h mechHandler) (http.Handler, *mechRecorder) {
	rec := &mechRecorder{}
	t.Cleanup(func() {
		if n := rec.strays.Load(); n > 0 {
			t.Errorf("%d request(s) arrived outside the mount path %q", n, prefix)
		}
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if prefix != "" && !strings.HasPrefix(r.URL.Path, prefix+"/") {
			rec.strays.Add(1)
			http.Error(w, "not mounted here: "+r.URL.Path, http.StatusNotFound)
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, mechRequest{
			Method: r.Method, Path: r.URL.Path, RawPath: r.URL.EscapedPath(), Query: r.URL.RawQuery,
			Header: r.Header.Clone(), Body: body, At: time.Now(),
		})
		n := len(rec.reqs)
		rec.mu.Unlock()
		h(w, r, n)
	}), rec
}

// mechServer starts an httptest server (127.0.0.1) whose handler is
// mounted under prefix, closed when the test ends.
func mechServer(t *testing.T, prefix string, h mechHandler) (*httptest.Server, *mechRecorder) {
	t.Helper()
	handler, rec := mechWrap(t, prefix, h)
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return srv, rec
}

// mechJSON writes a JSON answer.
func mechJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// mechStatus answers every request with status and a small JSON body.
func mechStatus(status int) mechHandler {
	return func(w http.ResponseWriter, _ *http.Request, _ int) {
		mechJSON(w, status, `{"error":"x"}`)
	}
}

// mechClosedAddr returns host:port where nothing listens (connection
// refused).
func mechClosedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// mechRT is a RoundTripper from a function.
type mechRT func(*http.Request) (*http.Response, error)

func (f mechRT) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// mechResponse builds a response for a mechRT.
func mechResponse(r *http.Request, status int, contentType, body string) *http.Response {
	h := http.Header{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	return &http.Response{
		StatusCode: status, Status: http.StatusText(status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r,
	}
}

// mechFast keeps retry backoff in milliseconds.
var mechFast = WithRetryBackoff(time.Millisecond, 8*time.Millisecond)

func mechKipu(t *testing.T, srvURL string, opts ...ClientOption) *Kipu {
	t.Helper()
	k, err := NewKipu(append([]ClientOption{WithBaseURL(srvURL + "/user-service"), WithPersonalAccessToken("pat"), mechFast}, opts...)...)
	require.NoError(t, err)
	return k
}

func mechHarbor(t *testing.T, srvURL string, opts ...ClientOption) *Harbor {
	t.Helper()
	h, err := NewHarbor(append([]ClientOption{WithBaseURL(srvURL), WithBasicAuth("admin", "Harbor12345"), mechFast}, opts...)...)
	require.NoError(t, err)
	return h
}

func mechHomebox(t *testing.T, srvURL string, opts ...ClientOption) *Homebox {
	t.Helper()
	h, err := NewHomebox(append([]ClientOption{WithBaseURL(srvURL), WithBearerToken("hb-token"), mechFast}, opts...)...)
	require.NoError(t, err)
	return h
}

func mechVectara(t *testing.T, srvURL string, opts ...ClientOption) *Vectara {
	t.Helper()
	v, err := NewVectara(append([]ClientOption{WithBaseURL(srvURL), WithAPIKey("zqt_key"), mechFast}, opts...)...)
	require.NoError(t, err)
	return v
}

// Valid answers of each service's GET used in cross-service tests.
const (
	mechKipuUser    = `{"id":"u-1","username":"ada@example.com"}`
	mechHarborUser  = `{"user_id":3,"username":"ada","creation_time":"2024-01-01T00:00:00Z","update_time":"2024-01-01T00:00:00Z","sysadmin_flag":false,"admin_role_in_auth":false}`
	mechHomeboxUser = `{"item":{"id":"5b0f7c1e-2d4a-4c6e-9f3b-1a2b3c4d5e6f","defaultGroupId":"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d","groupIds":[],"email":"ada@example.com","name":"Ada","isSuperuser":false}}`
	mechVectaraUser = `{"username":"ada","email":"ada@example.com"}`
)

// mechAny turns a typed nil pointer into a nil interface.
func mechAny[T any](v *T) any {
	if v == nil {
		return nil
	}
	return v
}

// mechCallFn is one call through a facade method.
type mechCallFn func(ctx context.Context, opts ...CallOption) (any, *Response, error)

// mechService describes one service for tests that run across all four.
type mechService struct {
	name   string
	prefix string // where the API is mounted on a test server
	op     string // operationId of the GET below
	path   string // path the GET hits, prefix included
	okJSON string
	// get builds a client on srvURL (the bare server URL) and returns a GET.
	get func(t *testing.T, srvURL string, opts ...ClientOption) mechCallFn
}

var mechServices = []mechService{
	{
		name: "kipu", prefix: "/user-service", op: "getCurrentUser", path: "/user-service/me", okJSON: mechKipuUser,
		get: func(t *testing.T, srvURL string, opts ...ClientOption) mechCallFn {
			k := mechKipu(t, srvURL, opts...)
			return func(ctx context.Context, o ...CallOption) (any, *Response, error) {
				v, r, err := k.GetCurrentUser(ctx, o...)
				return mechAny(v), r, err
			}
		},
	},
	{
		name: "harbor", prefix: "/api/v2.0", op: "getCurrentUserInfo", path: "/api/v2.0/users/current", okJSON: mechHarborUser,
		get: func(t *testing.T, srvURL string, opts ...ClientOption) mechCallFn {
			h := mechHarbor(t, srvURL, opts...)
			return func(ctx context.Context, o ...CallOption) (any, *Response, error) {
				v, r, err := h.GetCurrentUserInfo(ctx, o...)
				return mechAny(v), r, err
			}
		},
	},
	{
		name: "homebox", prefix: "/api", op: "getUserSelf", path: "/api/v1/users/self", okJSON: mechHomeboxUser,
		get: func(t *testing.T, srvURL string, opts ...ClientOption) mechCallFn {
			h := mechHomebox(t, srvURL, opts...)
			return func(ctx context.Context, o ...CallOption) (any, *Response, error) {
				v, r, err := h.GetUserSelf(ctx, o...)
				return mechAny(v), r, err
			}
		},
	},
	{
		name: "vectara", prefix: "/v2", op: "getUser", path: "/v2/users/ada", okJSON: mechVectaraUser,
		get: func(t *testing.T, srvURL string, opts ...ClientOption) mechCallFn {
			v := mechVectara(t, srvURL, opts...)
			return func(ctx context.Context, o ...CallOption) (any, *Response, error) {
				u, r, err := v.GetUser(ctx, "ada", o...)
				return mechAny(u), r, err
			}
		},
	},
}

func mechPtr[T any](v T) *T { return &v }

// ---------------------------------------------------------------------------
// construction and options

func TestMechDefaultBaseURLs(t *testing.T) {
	assert.Equal(t, "https://api.hub.kipu-quantum.com", KipuDefaultBaseURL)
	assert.Equal(t, "https://api.vectara.io", VectaraDefaultBaseURL)

	var got []string
	hc := &http.Client{Transport: mechRT(func(r *http.Request) (*http.Response, error) {
		got = append(got, r.URL.String())
		switch {
		case strings.HasSuffix(r.URL.Path, "/me"):
			return mechResponse(r, 200, "application/json", mechKipuUser), nil
		default:
			return mechResponse(r, 200, "application/json", mechVectaraUser), nil
		}
	})}

	k, err := NewKipu(WithHTTPClient(hc), WithPersonalAccessToken("pat"))
	require.NoError(t, err)
	_, _, err = k.GetCurrentUser(t.Context())
	require.NoError(t, err)

	v, err := NewVectara(WithHTTPClient(hc), WithAPIKey("key"))
	require.NoError(t, err)
	_, _, err = v.GetUser(t.Context(), "ada")
	require.NoError(t, err)

	assert.Equal(t, []string{
		"https://api.hub.kipu-quantum.com/user-service/me",
		"https://api.vectara.io/v2/users/ada",
	}, got)
}

func TestMechBaseURLRequired(t *testing.T) {
	_, err := NewHarbor(WithBasicAuth("a", "b"))
	assert.Error(t, err, "Harbor has no public default")
	_, err = NewHomebox()
	assert.Error(t, err, "Homebox has no public default")
	_, err = NewHarbor(WithBaseURL(""))
	assert.Error(t, err)
}

func TestMechAPIPathAppendedOnce(t *testing.T) {
	var got string
	hc := &http.Client{Transport: mechRT(func(r *http.Request) (*http.Response, error) {
		got = r.URL.String()
		if strings.Contains(r.URL.Path, "/v1/users/self") {
			return mechResponse(r, 200, "application/json", mechHomeboxUser), nil
		}
		if strings.Contains(r.URL.Path, "/users/current") {
			return mechResponse(r, 200, "application/json", mechHarborUser), nil
		}
		return mechResponse(r, 200, "application/json", mechKipuUser), nil
	})}
	for _, tc := range []struct{ base, want string }{
		{"http://h.test", "http://h.test/api/v2.0/users/current"},
		{"http://h.test/", "http://h.test/api/v2.0/users/current"},
		{"http://h.test/api/v2.0", "http://h.test/api/v2.0/users/current"},
		{"http://h.test/api/v2.0/", "http://h.test/api/v2.0/users/current"},
		{"https://h.test/registry", "https://h.test/registry/api/v2.0/users/current"},
		{"https://h.test/registry/api/v2.0", "https://h.test/registry/api/v2.0/users/current"},
	} {
		h, err := NewHarbor(WithBaseURL(tc.base), WithHTTPClient(hc), WithBasicAuth("a", "b"))
		require.NoError(t, err, tc.base)
		_, _, err = h.GetCurrentUserInfo(t.Context())
		require.NoError(t, err, tc.base)
		assert.Equal(t, tc.want, got, "harbor base %q", tc.base)
	}
	for _, tc := range []struct{ base, want string }{
		{"http://h.test", "http://h.test/api/v1/users/self"},
		{"http://h.test/", "http://h.test/api/v1/users/self"},
		{"http://h.test/api", "http://h.test/api/v1/users/self"},
		{"http://h.test/api/", "http://h.test/api/v1/users/self"},
		{"http://h.test/homebox", "http://h.test/homebox/api/v1/users/self"},
	} {
		h, err := NewHomebox(WithBaseURL(tc.base), WithHTTPClient(hc), WithBearerToken("t"))
		require.NoError(t, err, tc.base)
		_, _, err = h.GetUserSelf(t.Context())
		require.NoError(t, err, tc.base)
		assert.Equal(t, tc.want, got, "homebox base %q", tc.base)
	}
	for _, base := range []string{"http://h.test/user-service", "http://h.test/user-service/"} {
		k, err := NewKipu(WithBaseURL(base), WithHTTPClient(hc), WithPersonalAccessToken("p"))
		require.NoError(t, err)
		_, _, err = k.GetCurrentUser(t.Context())
		require.NoError(t, err)
		assert.Equal(t, "http://h.test/user-service/me", got, "kipu base %q", base)
	}
}

func TestMechBaseURLRejected(t *testing.T) {
	ctors := map[string]func(...ClientOption) error{
		"kipu":    func(o ...ClientOption) error { _, err := NewKipu(o...); return err },
		"harbor":  func(o ...ClientOption) error { _, err := NewHarbor(o...); return err },
		"homebox": func(o ...ClientOption) error { _, err := NewHomebox(o...); return err },
		"vectara": func(o ...ClientOption) error { _, err := NewVectara(o...); return err },
	}
	for name, ctor := range ctors {
		for _, base := range []string{
			"https://alice:pw-in-url-s3cret@h.test",
			"https://tokenonly-s3cret@h.test/api",
			"ftp://h.test",
			"h.test:8080",
			"/relative/path",
			"http://",
			"://bad",
		} {
			err := ctor(WithBaseURL(base))
			if assert.Error(t, err, "%s accepted base URL %q", name, base) {
				assert.NotContains(t, err.Error(), "s3cret", "%s: error leaks the base URL's credentials", name)
			}
		}
	}
}

func TestMechCustomHTTPClientUsed(t *testing.T) {
	for _, svc := range mechServices {
		t.Run(svc.name, func(t *testing.T) {
			srv, rec := mechServer(t, svc.prefix, func(w http.ResponseWriter, _ *http.Request, _ int) {
				mechJSON(w, 200, svc.okJSON)
			})
			var seen atomic.Int32
			base := &http.Transport{}
			t.Cleanup(base.CloseIdleConnections)
			hc := &http.Client{Transport: mechRT(func(r *http.Request) (*http.Response, error) {
				seen.Add(1)
				return base.RoundTrip(r)
			})}
			call := svc.get(t, srv.URL, WithHTTPClient(hc))
			v, _, err := call(t.Context())
			require.NoError(t, err)
			require.NotNil(t, v)
			assert.Equal(t, int32(1), seen.Load(), "the caller's transport must carry the call")
			assert.Equal(t, 1, rec.count())
			assert.Nil(t, hc.CheckRedirect, "the caller's *http.Client must not be modified")
		})
	}
}

func TestMechHeaders(t *testing.T) {
	for _, svc := range mechServices {
		t.Run(svc.name, func(t *testing.T) {
			srv, rec := mechServer(t, svc.prefix, func(w http.ResponseWriter, _ *http.Request, _ int) {
				mechJSON(w, 200, svc.okJSON)
			})
			call := svc.get(t, srv.URL, WithHeader("X-Client", "c1"))
			_, _, err := call(t.Context(), WithHeader("X-Call", "p1"))
			require.NoError(t, err)
			first := rec.last(t)
			assert.Equal(t, svc.path, first.Path)
			assert.Equal(t, "c1", first.Header.Get("X-Client"))
			assert.Equal(t, "p1", first.Header.Get("X-Call"))
			assert.Equal(t, "userapis-go/"+Version, first.Header.Get("User-Agent"))

			_, _, err = call(t.Context())
			require.NoError(t, err)
			second := rec.last(t)
			assert.Equal(t, "c1", second.Header.Get("X-Client"))
			assert.Empty(t, second.Header.Values("X-Call"), "a per-call header must not stick to the client")

			_, _, err = call(t.Context(), WithUserAgent("my-app/2"))
			require.NoError(t, err)
			assert.Equal(t, "my-app/2", rec.last(t).Header.Get("User-Agent"))
		})
	}
	assert.Regexp(t, `^\d+\.\d+\.\d+`, Version)
}

func TestMechDefaultTimeout(t *testing.T) {
	assert.Equal(t, 60*time.Second, DefaultTimeout)

	var deadline time.Time
	var hasDeadline bool
	hc := &http.Client{Transport: mechRT(func(r *http.Request) (*http.Response, error) {
		deadline, hasDeadline = r.Context().Deadline()
		return mechResponse(r, 200, "application/json", mechKipuUser), nil
	})}
	k, err := NewKipu(WithBaseURL("http://h.test/user-service"), WithHTTPClient(hc), WithPersonalAccessToken("p"))
	require.NoError(t, err)

	start := time.Now()
	_, _, err = k.GetCurrentUser(context.Background())
	require.NoError(t, err)
	require.True(t, hasDeadline, "each attempt must be bounded by the default timeout")
	left := deadline.Sub(start)
	assert.True(t, left > DefaultTimeout-5*time.Second && left <= DefaultTimeout+time.Second, "deadline %s after the call", left)

	_, _, err = k.GetCurrentUser(context.Background(), WithTimeout(0))
	require.NoError(t, err)
	assert.False(t, hasDeadline, "WithTimeout(0) means no bound beyond the context's")
}

// mechSlowHandler holds every request until the client gives up (or 10 s).
func mechSlowHandler(w http.ResponseWriter, r *http.Request, _ int) {
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
	mechJSON(w, 200, mechKipuUser)
}

func TestMechPerCallTimeout(t *testing.T) {
	srv, rec := mechServer(t, "/user-service", mechSlowHandler)
	k := mechKipu(t, srv.URL)

	start := time.Now()
	v, _, err := k.GetCurrentUser(t.Context(), WithTimeout(50*time.Millisecond), WithMaxRetries(0))
	assert.Less(t, time.Since(start), 5*time.Second, "the per-call timeout must end the call")
	assert.Nil(t, v)
	var te *TransportError
	require.ErrorAs(t, err, &te)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, "getCurrentUser", te.Operation)
	assert.Equal(t, 1, te.Attempts)
	assert.Equal(t, 1, rec.count())

	// A POST that timed out may have been processed: never sent twice.
	_, _, err = k.CreatePersonalAccessToken(t.Context(), KipuTokenRequest{Name: "ci"}, WithTimeout(50*time.Millisecond))
	require.ErrorAs(t, err, &te)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, 2, rec.count(), "a timed-out POST must not be retried")
}

func TestMechMaxRetries(t *testing.T) {
	assert.Equal(t, 2, DefaultMaxRetries)
	for _, tc := range []struct {
		name       string
		clientOpts []ClientOption
		callOpts   []CallOption
		want       int
	}{
		{"default is 2 retries", nil, nil, 3},
		{"per call 0", nil, []CallOption{WithMaxRetries(0)}, 1},
		{"client 1", []ClientOption{WithMaxRetries(1)}, nil, 2},
		{"client 4, call 0", []ClientOption{WithMaxRetries(4)}, []CallOption{WithMaxRetries(0)}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, rec := mechServer(t, "/user-service", mechStatus(500))
			k := mechKipu(t, srv.URL, tc.clientOpts...)
			v, resp, err := k.GetCurrentUser(t.Context(), tc.callOpts...)
			assert.Nil(t, v)
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tc.want, rec.count())
			assert.Equal(t, tc.want, ae.Attempts)
			require.NotNil(t, resp)
			assert.Equal(t, tc.want, resp.Attempts)
		})
	}
}

func TestMechResponseInto(t *testing.T) {
	srv, _ := mechServer(t, "/user-service", func(w http.ResponseWriter, r *http.Request, _ int) {
		if strings.HasSuffix(r.URL.Path, "/me") {
			w.Header().Set("X-Seen", "yes")
			mechJSON(w, 200, mechKipuUser)
			return
		}
		mechJSON(w, 404, `{"status":404,"error":"Not Found","path":"/x"}`)
	})
	k := mechKipu(t, srv.URL)

	var got *Response
	_, _, err := k.GetCurrentUser(t.Context(), WithResponseInto(&got))
	require.NoError(t, err)
	require.NotNil(t, got)
	assert.Equal(t, 200, got.StatusCode)
	assert.Equal(t, "yes", got.Header.Get("X-Seen"))
	assert.JSONEq(t, mechKipuUser, string(got.RawBody))

	got = nil
	_, err = k.DeletePersonalAccessToken(t.Context(), "tok-1", WithResponseInto(&got))
	require.Error(t, err)
	require.NotNil(t, got, "the response is stored also when the call fails")
	assert.Equal(t, 404, got.StatusCode)
	assert.Contains(t, string(got.RawBody), "Not Found")
}

func TestMechRequestID(t *testing.T) {
	for _, echo := range []bool{true, false} {
		srv, rec := mechServer(t, "/api/v2.0", func(w http.ResponseWriter, r *http.Request, _ int) {
			if id := r.Header.Get("X-Request-Id"); echo && id != "" {
				w.Header().Set("X-Request-Id", id)
			}
			mechJSON(w, 404, `{"errors":[{"code":"NOT_FOUND","message":"user 7 not found"}]}`)
		})
		h := mechHarbor(t, srv.URL)
		_, _, err := h.GetUser(t.Context(), 7, WithRequestID("rid-123"))
		var ae *APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, "rid-123", rec.last(t).Header.Get("X-Request-Id"))
		assert.Equal(t, "rid-123", ae.RequestID, "echoed by server: %v", echo)
		assert.Contains(t, err.Error(), "rid-123")

		// Without WithRequestID nothing is invented.
		_, _, err = h.GetUser(t.Context(), 7)
		require.ErrorAs(t, err, &ae)
		assert.Empty(t, rec.last(t).Header.Get("X-Request-Id"))
		assert.Empty(t, ae.RequestID)
	}
}

// ---------------------------------------------------------------------------
// errors

func TestMechAPIErrorPerService(t *testing.T) {
	cases := []struct {
		svc       string
		status    int
		body      string
		header    map[string]string
		message   string
		code      string
		requestID string
		fields    map[string]string
	}{
		{
			svc: "kipu", status: 404,
			body:    `{"timestamp":"2024-05-01T10:00:00.000+00:00","status":404,"error":"Not Found","message":"user u-1 not found","path":"/user-service/me"}`,
			message: "user u-1 not found", code: "Not Found",
		},
		{
			svc: "kipu", status: 403,
			body:    `{"timestamp":"2024-05-01T10:00:00.000+00:00","status":403,"error":"Forbidden","path":"/user-service/me"}`,
			message: "Forbidden", code: "Forbidden",
		},
		{
			svc: "harbor", status: 403,
			body:    `{"errors":[{"code":"FORBIDDEN","message":"forbidden for ada"},{"code":"DENIED","message":"second"}]}`,
			header:  map[string]string{"X-Request-Id": "h-req-1"},
			message: "forbidden for ada; second", code: "FORBIDDEN", requestID: "h-req-1",
		},
		{
			svc: "homebox", status: 422,
			body:    `{"error":"validation failed","fields":{"name":"name is required"}}`,
			message: "validation failed", fields: map[string]string{"name": "name is required"},
		},
		{
			svc: "vectara", status: 400,
			body:    `{"messages":["bad email","try again"],"request_id":"v-req-9","field_errors":{"email":"not an email"}}`,
			message: "bad email; try again", requestID: "v-req-9", fields: map[string]string{"email": "not an email"},
		},
	}
	for _, tc := range cases {
		svc := mechServiceNamed(t, tc.svc)
		t.Run(tc.svc+"/"+http.StatusText(tc.status), func(t *testing.T) {
			srv, rec := mechServer(t, svc.prefix, func(w http.ResponseWriter, _ *http.Request, _ int) {
				w.Header().Set("X-Test", "yes")
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				mechJSON(w, tc.status, tc.body)
			})
			v, resp, err := svc.get(t, srv.URL)(t.Context())
			assert.Nil(t, v)
			require.NotNil(t, resp)
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tc.svc, ae.Service)
			assert.Equal(t, svc.op, ae.Operation)
			assert.Equal(t, http.MethodGet, ae.Method)
			assert.Equal(t, srv.URL+svc.path, ae.URL)
			assert.Equal(t, tc.status, ae.StatusCode)
			assert.Equal(t, "yes", ae.Header.Get("X-Test"))
			assert.Equal(t, tc.body, string(ae.Body), "raw body kept byte for byte")
			assert.Equal(t, tc.message, ae.Message)
			assert.Equal(t, tc.code, ae.Code)
			assert.Equal(t, tc.requestID, ae.RequestID)
			assert.Equal(t, tc.fields, ae.Fields)
			assert.Equal(t, 1, ae.Attempts)
			assert.Equal(t, 1, rec.count())
			assert.Contains(t, ae.Error(), tc.message)
			assert.Contains(t, ae.Error(), tc.svc)
		})
	}
}

func mechServiceNamed(t *testing.T, name string) mechService {
	t.Helper()
	for _, s := range mechServices {
		if s.name == name {
			return s
		}
	}
	t.Fatalf("no service %q", name)
	return mechService{}
}

var mechSentinels = map[string]error{
	"ErrBadRequest": ErrBadRequest, "ErrUnauthorized": ErrUnauthorized, "ErrForbidden": ErrForbidden,
	"ErrNotFound": ErrNotFound, "ErrConflict": ErrConflict, "ErrPreconditionFailed": ErrPreconditionFailed,
	"ErrRateLimited": ErrRateLimited, "ErrServer": ErrServer,
	"ErrInvalidParam": ErrInvalidParam, "ErrUnexpectedResponse": ErrUnexpectedResponse,
	"ErrNotAuthenticated": ErrNotAuthenticated, "ErrRetryAfterTooLong": ErrRetryAfterTooLong,
}

func TestMechAPIErrorSentinels(t *testing.T) {
	want := map[int]string{
		400: "ErrBadRequest", 422: "ErrBadRequest", 401: "ErrUnauthorized", 403: "ErrForbidden",
		404: "ErrNotFound", 409: "ErrConflict", 412: "ErrPreconditionFailed", 429: "ErrRateLimited",
		500: "ErrServer", 501: "ErrServer", 502: "ErrServer", 503: "ErrServer", 504: "ErrServer",
		405: "", 410: "", 418: "",
	}
	var status atomic.Int32
	srv, _ := mechServer(t, "/user-service", func(w http.ResponseWriter, _ *http.Request, _ int) {
		mechJSON(w, int(status.Load()), `{"status":0,"error":"e","path":"/"}`)
	})
	k := mechKipu(t, srv.URL)
	for code, sentinel := range want {
		status.Store(int32(code))
		_, _, err := k.GetCurrentUser(t.Context(), WithMaxRetries(0))
		var ae *APIError
		require.ErrorAs(t, err, &ae, "status %d", code)
		require.Equal(t, code, ae.StatusCode)
		for name, s := range mechSentinels {
			assert.Equal(t, name == sentinel, errors.Is(err, s), "status %d: errors.Is(err, %s)", code, name)
		}
		// Sentinels match by identity, not by text.
		assert.False(t, errors.Is(err, errors.New(ErrNotFound.Error())))
	}
}

func TestMechHTMLErrorBody(t *testing.T) {
	const page = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>{\"error\":\"no\"}</body></html>\n"
	for _, svc := range mechServices {
		t.Run(svc.name, func(t *testing.T) {
			srv, _ := mechServer(t, svc.prefix, func(w http.ResponseWriter, _ *http.Request, _ int) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(502)
				_, _ = io.WriteString(w, page)
			})
			v, _, err := svc.get(t, srv.URL)(t.Context(), WithMaxRetries(0))
			assert.Nil(t, v)
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.Empty(t, ae.Message)
			assert.Equal(t, page, string(ae.Body))
			assert.ErrorIs(t, err, ErrServer)
		})
	}
}

func TestMechDecodeError(t *testing.T) {
	bodies := []struct {
		name, contentType, body string
	}{
		{"malformed JSON", "application/json", `{"id": "u-1", "username": `},
		{"wrong content type", "text/plain", `{"id":"u-1"}`},
		{"html", "text/html", `<html>hello</html>`},
		{"empty body", "application/json", ``},
		{"no content type", "", `{"id":"u-1"}`},
		{"JSON of the wrong type", "application/json", `["not","an","object"]`},
	}
	for _, svc := range mechServices {
		for _, b := range bodies {
			t.Run(svc.name+"/"+b.name, func(t *testing.T) {
				srv, rec := mechServer(t, svc.prefix, func(w http.ResponseWriter, _ *http.Request, _ int) {
					if b.contentType != "" {
						w.Header().Set("Content-Type", b.contentType)
					} else {
						w.Header()["Content-Type"] = nil // no sniffing
					}
					w.WriteHeader(200)
					_, _ = io.WriteString(w, b.body)
				})
				v, resp, err := svc.get(t, srv.URL)(t.Context())
				assert.Nil(t, v, "no result with a decode error")
				require.Error(t, err, "never a nil result with a nil error")
				var de *DecodeError
				require.ErrorAs(t, err, &de)
				assert.ErrorIs(t, err, ErrUnexpectedResponse)
				assert.Equal(t, svc.name, de.Service)
				assert.Equal(t, svc.op, de.Operation)
				assert.Equal(t, 200, de.StatusCode)
				assert.Equal(t, b.contentType, de.ContentType)
				assert.Equal(t, b.body, string(de.Body))
				require.NotNil(t, resp)
				assert.Equal(t, b.body, string(resp.RawBody))
				assert.Equal(t, 1, rec.count(), "a decode error is not retried")
				var ae *APIError
				assert.False(t, errors.As(err, &ae), "a 2xx is not an APIError")
			})
		}
	}

	// A body-less operation answered with an undocumented success status.
	srv, _ := mechServer(t, "/user-service", func(w http.ResponseWriter, _ *http.Request, _ int) {
		mechJSON(w, 200, `{}`)
	})
	_, err := mechKipu(t, srv.URL).DeleteCurrentUser(t.Context())
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, 200, de.StatusCode)
	assert.ErrorIs(t, err, ErrUnexpectedResponse)
}

// Every facade method with a result: a 2xx answer with an empty body is an
// error, never (nil, nil).
func TestMechNeverNilResultWithNilError(t *testing.T) {
	srv, _ := mechServer(t, "", func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
	})
	k := mechKipu(t, srv.URL)
	hb := mechHarbor(t, srv.URL)
	ho := mechHomebox(t, srv.URL)
	ve := mechVectara(t, srv.URL)
	ctx := t.Context()
	calls := map[string]func() (any, error){
		"kipu.GetCurrentUser": func() (any, error) { v, _, err := k.GetCurrentUser(ctx); return mechAny(v), err },
		"kipu.UpdateCurrentUser": func() (any, error) {
			v, _, err := k.UpdateCurrentUser(ctx, kipu.UpdateUserRequest{})
			return mechAny(v), err
		},
		"kipu.GetPersonalAccessTokens": func() (any, error) { v, _, err := k.GetPersonalAccessTokens(ctx); return mechAny(v), err },
		"kipu.CreatePersonalAccessToken": func() (any, error) {
			v, _, err := k.CreatePersonalAccessToken(ctx, KipuTokenRequest{Name: "n"})
			return mechAny(v), err
		},
		"kipu.GetUserByID": func() (any, error) { v, _, err := k.GetUserByID(ctx, "u"); return mechAny(v), err },
		"kipu.GetUserRegistrationStatus": func() (any, error) {
			v, _, err := k.GetUserRegistrationStatus(ctx, "a@b.c")
			return mechAny(v), err
		},
		"kipu.SearchUsers": func() (any, error) {
			v, _, err := k.SearchUsers(ctx, "ada")
			if v == nil {
				return nil, err
			}
			return v, err
		},
		"harbor.GetCurrentUserInfo": func() (any, error) { v, _, err := hb.GetCurrentUserInfo(ctx); return mechAny(v), err },
		"harbor.GetUser":            func() (any, error) { v, _, err := hb.GetUser(ctx, 3); return mechAny(v), err },
		"homebox.GetUserSelf":       func() (any, error) { v, _, err := ho.GetUserSelf(ctx); return mechAny(v), err },
		"homebox.CreateAPIKey": func() (any, error) {
			v, _, err := ho.CreateAPIKey(ctx, homebox.APIKeyCreate{})
			return mechAny(v), err
		},
		"vectara.GetUser": func() (any, error) { v, _, err := ve.GetUser(ctx, "ada"); return mechAny(v), err },
		"vectara.UpdateUser": func() (any, error) {
			v, _, err := ve.UpdateUser(ctx, "ada", vectara.UpdateUserRequest{})
			return mechAny(v), err
		},
		"vectara.ListUsers": func() (any, error) { v, _, err := ve.ListUsers(ctx, nil); return mechAny(v), err },
	}
	for name, call := range calls {
		v, err := call()
		assert.False(t, v == nil && err == nil, "%s returned a nil result with a nil error", name)
		assert.ErrorIs(t, err, ErrUnexpectedResponse, name)
	}
}

func TestMechCheckUserExists(t *testing.T) {
	for _, tc := range []struct {
		status   int
		exists   bool
		sentinel error
		attempts int
	}{
		{200, true, nil, 1},
		{404, false, nil, 1},
		{401, false, ErrUnauthorized, 1},
		{500, false, ErrServer, 3},
	} {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			srv, rec := mechServer(t, "/user-service", func(w http.ResponseWriter, _ *http.Request, _ int) {
				w.WriteHeader(tc.status)
			})
			k := mechKipu(t, srv.URL)
			ok, resp, err := k.CheckUserExists(t.Context(), "u-1")
			assert.Equal(t, tc.exists, ok)
			require.NotNil(t, resp)
			if tc.sentinel == nil {
				require.NoError(t, err)
			} else {
				var ae *APIError
				require.ErrorAs(t, err, &ae)
				assert.ErrorIs(t, err, tc.sentinel)
			}
			assert.Equal(t, tc.attempts, rec.count())
			got := rec.last(t)
			assert.Equal(t, http.MethodHead, got.Method)
			assert.Equal(t, "/user-service/users/u-1", got.Path)
			assert.Empty(t, got.Header.Get("X-Auth-Token"), "a public operation sends no credential")
		})
	}
	// A connection failure is an error, not "does not exist".
	k := mechKipu(t, "http://"+mechClosedAddr(t))
	ok, _, err := k.CheckUserExists(t.Context(), "u-1", WithMaxRetries(0))
	assert.False(t, ok)
	var te *TransportError
	assert.ErrorAs(t, err, &te)
}

// ---------------------------------------------------------------------------
// paging helpers

func TestMechParseLink(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header string
		want   map[string]string
	}{
		{"harbor prev and next",
			`</api/v2.0/users?page=1&page_size=10>; rel="prev" , </api/v2.0/users?page=3&page_size=10>; rel="next"`,
			map[string]string{"prev": "/api/v2.0/users?page=1&page_size=10", "next": "/api/v2.0/users?page=3&page_size=10"}},
		{"next only", `</api/v2.0/users?page=2&page_size=10>; rel="next"`,
			map[string]string{"next": "/api/v2.0/users?page=2&page_size=10"}},
		{"spaces and tabs", "  <a> ;\trel = \"next\"  ,\t  <b>;rel=prev  ",
			map[string]string{"next": "a", "prev": "b"}},
		{"no space after comma", `<a>; rel="prev",<b>; rel="next"`, map[string]string{"prev": "a", "next": "b"}},
		{"missing rel", `<a>; title="first", <b>; rel="next"`, map[string]string{"next": "b"}},
		{"other params around rel", `<a>; type="text/html"; rel="next"; title="x"`, map[string]string{"next": "a"}},
		{"several rels", `<a>; rel="prev first"`, map[string]string{"prev": "a", "first": "a"}},
		{"case-insensitive", `<a>; REL="Next"`, map[string]string{"next": "a"}},
		{"comma inside target", `<http://h/x?ids=1,2>; rel="next"`, map[string]string{"next": "http://h/x?ids=1,2"}},
		{"first wins", `<a>; rel="next", <b>; rel="next"`, map[string]string{"next": "a"}},
		{"garbage then valid", `garbage, <b>; rel="next"`, map[string]string{"next": "b"}},
		{"empty", ``, map[string]string{}},
		{"garbage", `garbage`, map[string]string{}},
		{"only commas", ` , ,, `, map[string]string{}},
		{"unterminated", `<http://h/x; rel="next"`, map[string]string{}},
		{"rel without target", `rel="next"`, map[string]string{}},
		{"empty rel", `<a>; rel=""`, map[string]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := parseLink(tc.header)
			require.NotNil(t, got)
			assert.Equal(t, tc.want, got)
		})
	}
}

// mechPages is a fetch function over fixed pages that counts its calls.
func mechPages(pages [][]int, failOn int, calls *int) func(context.Context) ([]int, bool, error) {
	return func(ctx context.Context) ([]int, bool, error) {
		*calls++
		if *calls == failOn {
			return nil, false, errors.New("page failed")
		}
		i := *calls - 1
		return pages[i], i+1 < len(pages), nil
	}
}

func TestMechPaginate(t *testing.T) {
	pages := [][]int{{1, 2, 3}, {4, 5}, {6}}

	t.Run("all", func(t *testing.T) {
		calls := 0
		var got []int
		for v, err := range paginate(t.Context(), mechPages(pages, 0, &calls)) {
			require.NoError(t, err)
			got = append(got, v)
		}
		assert.Equal(t, []int{1, 2, 3, 4, 5, 6}, got)
		assert.Equal(t, 3, calls)
	})

	t.Run("break stops fetching", func(t *testing.T) {
		for _, stopAt := range []int{1, 3, 4} {
			calls := 0
			for v, err := range paginate(t.Context(), mechPages(pages, 0, &calls)) {
				require.NoError(t, err)
				if v == stopAt {
					break
				}
			}
			want := 1
			if stopAt > 3 {
				want = 2
			}
			assert.Equal(t, want, calls, "break at %d", stopAt)
		}
	})

	t.Run("error yielded once then stops", func(t *testing.T) {
		calls := 0
		var got []int
		var errs []error
		for v, err := range paginate(t.Context(), mechPages(pages, 2, &calls)) {
			if err != nil {
				errs = append(errs, err)
				continue // a consumer that ignores the error still gets no more
			}
			got = append(got, v)
		}
		assert.Equal(t, []int{1, 2, 3}, got)
		require.Len(t, errs, 1)
		assert.EqualError(t, errs[0], "page failed")
		assert.Equal(t, 2, calls)
	})

	t.Run("cancelled before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		calls := 0
		var errs []error
		n := 0
		for _, err := range paginate(ctx, mechPages(pages, 0, &calls)) {
			n++
			if err != nil {
				errs = append(errs, err)
			}
		}
		assert.Equal(t, 0, calls)
		assert.Equal(t, 1, n)
		require.Len(t, errs, 1)
		assert.ErrorIs(t, errs[0], context.Canceled)
	})

	t.Run("cancelled during", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		calls := 0
		var got []int
		var errs []error
		for v, err := range paginate(ctx, mechPages(pages, 0, &calls)) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			got = append(got, v)
			if v == 2 {
				cancel()
			}
		}
		assert.Equal(t, 1, calls, "no page is fetched after cancellation")
		assert.Equal(t, []int{1, 2, 3}, got)
		require.Len(t, errs, 1)
		assert.ErrorIs(t, errs[0], context.Canceled)
	})
}

// The facade's iterators use paginate: breaking out of a Harbor listing
// stops fetching pages.
func TestMechHarborIterBreak(t *testing.T) {
	srv, rec := mechServer(t, "/api/v2.0", func(w http.ResponseWriter, r *http.Request, n int) {
		q, _ := url.ParseQuery(r.URL.RawQuery)
		w.Header().Set("X-Total-Count", "1000")
		w.Header().Set("Link", `</api/v2.0/users?page=`+q.Get("page")+`0&page_size=2>; rel="next"`)
		mechJSON(w, 200, `[`+mechHarborUser+`,`+mechHarborUser+`]`)
	})
	h := mechHarbor(t, srv.URL)
	n := 0
	for u, err := range h.ListUsersIter(t.Context(), &harbor.ListUsersParams{PageSize: mechPtr(int64(2))}) {
		require.NoError(t, err)
		assert.Equal(t, "ada", u.Username)
		n++
		if n == 3 {
			break
		}
	}
	assert.Equal(t, 2, rec.count())
}
