package client

// Tests of retries: backoff, server hints (Retry-After, Retry-After-Ms) and
// their cap, cancellation during a wait, which methods retry on which
// failures, body replay, and connection reuse across attempts.

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strconv"
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

func TestMechBackoffBounds(t *testing.T) {
	cfg := defaultConfig()
	require.Equal(t, 500*time.Millisecond, cfg.backoff)
	require.Equal(t, 8*time.Second, cfg.maxBackoff)
	for n := 1; n <= 8; n++ {
		d := min(time.Duration(float64(500*time.Millisecond)*math.Pow(2, float64(n-1))), 8*time.Second)
		lo, hi := d*3/4, d
		minSeen, maxSeen := time.Duration(math.MaxInt64), time.Duration(0)
		for range 2000 {
			got := backoff(&cfg, n)
			require.True(t, got >= lo && got <= hi, "backoff(%d) = %s, want within [%s, %s]", n, got, lo, hi)
			minSeen, maxSeen = min(minSeen, got), max(maxSeen, got)
		}
		assert.Less(t, minSeen, maxSeen, "backoff(%d) has no jitter", n)
		assert.Less(t, minSeen, lo+d/8, "backoff(%d) jitter does not reach down to 75%%", n)
	}
	// A custom schedule follows the same rule.
	cfg.backoff, cfg.maxBackoff = time.Millisecond, 8*time.Millisecond
	for n, d := range map[int]time.Duration{1: 1, 2: 2, 3: 4, 4: 8, 5: 8, 30: 8} {
		d *= time.Millisecond
		got := backoff(&cfg, n)
		assert.True(t, got >= d*3/4 && got <= d, "custom backoff(%d) = %s", n, got)
	}
}

func TestMechRetryAfterParsing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header map[string]string
		want   time.Duration
		hinted bool
	}{
		{"none", nil, 0, false},
		{"seconds", map[string]string{"Retry-After": "3"}, 3 * time.Second, true},
		{"zero", map[string]string{"Retry-After": "0"}, 0, true},
		{"seconds with spaces", map[string]string{"Retry-After": " 7 "}, 7 * time.Second, true},
		{"ms", map[string]string{"Retry-After-Ms": "250"}, 250 * time.Millisecond, true},
		{"fractional ms", map[string]string{"Retry-After-Ms": "1.5"}, 1500 * time.Microsecond, true},
		{"ms wins", map[string]string{"Retry-After-Ms": "20", "Retry-After": "30"}, 20 * time.Millisecond, true},
		{"bad ms falls back", map[string]string{"Retry-After-Ms": "soon", "Retry-After": "2"}, 2 * time.Second, true},
		{"negative", map[string]string{"Retry-After": "-5"}, 0, false},
		{"garbage", map[string]string{"Retry-After": "tomorrow"}, 0, false},
		{"past date", map[string]string{"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tc.header {
				h.Set(k, v)
			}
			got, hinted := retryAfter(h)
			assert.Equal(t, tc.hinted, hinted)
			assert.Equal(t, tc.want, got)
		})
	}

	h := http.Header{}
	h.Set("Retry-After", time.Now().Add(90*time.Second).UTC().Format(http.TimeFormat))
	got, hinted := retryAfter(h)
	assert.True(t, hinted)
	assert.True(t, got > 80*time.Second && got <= 90*time.Second, "date hint gave %s", got)

	// A huge hint must stay huge (and so go over any cap), not wrap around.
	for _, hv := range [][2]string{
		{"Retry-After", "9223372037"},
		{"Retry-After", "99999999999999999"},
		{"Retry-After-Ms", "1e300"},
		{"Retry-After-Ms", "+Inf"},
		{"Retry-After-Ms", "9223372036855"},
	} {
		h := http.Header{}
		h.Set(hv[0], hv[1])
		got, hinted := retryAfter(h)
		assert.True(t, hinted, "%s: %s", hv[0], hv[1])
		assert.Greater(t, got, DefaultMaxRetryAfter, "%s: %s gave %s", hv[0], hv[1], got)
	}
}

func TestMechRetryAfterZeroIsImmediate(t *testing.T) {
	srv, rec := mechServer(t, "/user-service", func(w http.ResponseWriter, _ *http.Request, n int) {
		if n == 1 {
			w.Header().Set("Retry-After", "0")
			mechJSON(w, 503, `{}`)
			return
		}
		mechJSON(w, 200, mechKipuUser)
	})
	// Exponential backoff would wait at least 7.5 s here.
	k := mechKipu(t, srv.URL, WithRetryBackoff(10*time.Second, 10*time.Second))
	start := time.Now()
	v, resp, err := k.GetCurrentUser(t.Context())
	require.NoError(t, err)
	assert.NotNil(t, v)
	assert.Less(t, time.Since(start), 5*time.Second, "Retry-After: 0 must be retried at once")
	assert.Equal(t, 2, rec.count())
	assert.Equal(t, 2, resp.Attempts)
}

func TestMechRetryAfterHonoured(t *testing.T) {
	for _, tc := range []struct {
		name    string
		header  func() (string, string)
		minGap  time.Duration
		inTime  time.Duration
		backoff time.Duration
	}{
		{"seconds", func() (string, string) { return "Retry-After", "1" }, 900 * time.Millisecond, 10 * time.Second, time.Millisecond},
		{"ms", func() (string, string) { return "Retry-After-Ms", "300" }, 250 * time.Millisecond, 10 * time.Second, time.Millisecond},
		{"http date", func() (string, string) {
			return "Retry-After", time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat)
		}, 500 * time.Millisecond, 10 * time.Second, time.Millisecond},
		// The hint replaces a much longer backoff.
		{"ms over backoff", func() (string, string) { return "Retry-After-Ms", "10" }, 0, 5 * time.Second, 20 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, rec := mechServer(t, "/api/v2.0", func(w http.ResponseWriter, _ *http.Request, n int) {
				if n == 1 {
					k, v := tc.header()
					w.Header().Set(k, v)
					mechJSON(w, 429, `{"errors":[{"code":"TOO_MANY","message":"slow down"}]}`)
					return
				}
				mechJSON(w, 200, mechHarborUser)
			})
			h := mechHarbor(t, srv.URL, WithRetryBackoff(tc.backoff, tc.backoff))
			start := time.Now()
			_, _, err := h.GetUser(t.Context(), 3)
			require.NoError(t, err)
			assert.Less(t, time.Since(start), tc.inTime)
			reqs := rec.all()
			require.Len(t, reqs, 2)
			assert.GreaterOrEqual(t, reqs[1].At.Sub(reqs[0].At), tc.minGap, "the server's wait was not honoured")
		})
	}
}

func TestMechRetryAfterOverCap(t *testing.T) {
	for _, tc := range []struct {
		name      string
		key, val  string
		cap       time.Duration
		wantWait  func(time.Duration) bool
		clientCap bool
	}{
		{"seconds over default cap", "Retry-After", "3600", DefaultMaxRetryAfter,
			func(d time.Duration) bool { return d == time.Hour }, false},
		{"seconds over custom cap", "Retry-After", "5", 2 * time.Second,
			func(d time.Duration) bool { return d == 5*time.Second }, true},
		{"ms over custom cap", "Retry-After-Ms", "120000", 10 * time.Second,
			func(d time.Duration) bool { return d == 2*time.Minute }, true},
		{"date over cap", "Retry-After", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), DefaultMaxRetryAfter,
			func(d time.Duration) bool { return d > 58*time.Minute && d <= time.Hour }, false},
		{"overflowing seconds", "Retry-After", "99999999999999", DefaultMaxRetryAfter,
			func(d time.Duration) bool { return d > DefaultMaxRetryAfter }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, rec := mechServer(t, "/user-service", func(w http.ResponseWriter, _ *http.Request, _ int) {
				w.Header().Set(tc.key, tc.val)
				mechJSON(w, 503, `{"status":503,"error":"Service Unavailable","message":"maintenance","path":"/user-service/me"}`)
			})
			var opts []ClientOption
			if tc.clientCap {
				opts = append(opts, WithMaxRetryAfter(tc.cap))
			}
			k := mechKipu(t, srv.URL, opts...)
			// A deadline shorter than every wait asked for: without the cap
			// the call returns the bare *APIError at once (the wait would
			// outlast it) instead of sleeping, so the test fails in
			// seconds rather than at the package timeout.
			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
			defer cancel()
			start := time.Now()
			v, resp, err := k.GetCurrentUser(ctx)
			assert.Less(t, time.Since(start), 5*time.Second, "an over-cap wait must fail at once")
			assert.Nil(t, v)
			assert.Equal(t, 1, rec.count())

			var rae *RetryAfterError
			require.ErrorAs(t, err, &rae)
			assert.True(t, tc.wantWait(rae.Wait), "wait %s", rae.Wait)
			assert.Equal(t, tc.cap, rae.Cap)
			assert.ErrorIs(t, err, ErrRetryAfterTooLong)
			assert.ErrorIs(t, err, ErrServer)
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, 503, ae.StatusCode)
			assert.Equal(t, "maintenance", ae.Message)
			assert.InDelta(t, float64(rae.Wait), float64(ae.RetryAfter), float64(time.Second))
			require.NotNil(t, resp)
			assert.Equal(t, 503, resp.StatusCode)
			assert.Contains(t, err.Error(), "maintenance")
		})
	}

	// The same for a POST answered 429.
	srv, rec := mechServer(t, "/user-service", func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("Retry-After", "600")
		mechJSON(w, 429, `{}`)
	})
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	_, _, err := mechKipu(t, srv.URL).CreatePersonalAccessToken(ctx, KipuTokenRequest{Name: "n"})
	var rae *RetryAfterError
	require.ErrorAs(t, err, &rae)
	assert.Equal(t, 10*time.Minute, rae.Wait)
	assert.ErrorIs(t, err, ErrRateLimited)
	assert.Equal(t, 1, rec.count())
}

// mechWaitHandler answers the first request with first (after signalling on got)
// and every later one with 200 and ok.
func mechWaitHandler(got chan<- struct{}, first func(w http.ResponseWriter), ok string) mechHandler {
	var once sync.Once
	return func(w http.ResponseWriter, _ *http.Request, n int) {
		if n == 1 {
			first(w)
			once.Do(func() { close(got) })
			return
		}
		mechJSON(w, 200, ok)
	}
}

func TestMechCancelDuringWait(t *testing.T) {
	for _, tc := range []struct {
		name  string
		first func(w http.ResponseWriter)
		opts  []ClientOption
	}{
		{"Retry-After under the cap", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "30")
			mechJSON(w, 503, `{}`)
		}, nil},
		{"Retry-After-Ms under the cap", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After-Ms", "30000")
			mechJSON(w, 429, `{}`)
		}, nil},
		{"exponential backoff", func(w http.ResponseWriter) { mechJSON(w, 500, `{}`) },
			[]ClientOption{WithRetryBackoff(30*time.Second, 30*time.Second)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := make(chan struct{})
			srv, rec := mechServer(t, "/user-service", mechWaitHandler(got, tc.first, mechKipuUser))
			k := mechKipu(t, srv.URL, tc.opts...)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			go func() {
				<-got
				time.Sleep(20 * time.Millisecond) // let the client start waiting
				cancel()
			}()
			start := time.Now()
			v, _, err := k.GetCurrentUser(ctx)
			assert.Less(t, time.Since(start), 5*time.Second, "cancellation must end the wait at once")
			assert.Nil(t, v)
			assert.ErrorIs(t, err, context.Canceled)
			assert.Equal(t, 1, rec.count())
		})
	}

	// A context deadline that would end during the wait: the server's
	// answer comes back at once, with its Retry-After, instead of a sleep
	// into "deadline exceeded".
	got := make(chan struct{})
	srv, rec := mechServer(t, "/user-service", mechWaitHandler(got, func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "30")
		mechJSON(w, 503, `{}`)
	}, mechKipuUser))
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, _, err := mechKipu(t, srv.URL).GetCurrentUser(ctx)
	assert.Less(t, time.Since(start), time.Second, "no sleep into the deadline")
	assert.NotErrorIs(t, err, context.DeadlineExceeded)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 503, ae.StatusCode)
	assert.Equal(t, 30*time.Second, ae.RetryAfter)
	assert.Equal(t, 1, rec.count())

	// The same for a backoff (no Retry-After) longer than what is left.
	srv, rec = mechServer(t, "/user-service", mechStatus(503))
	ctx, cancel = context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	_, _, err = mechKipu(t, srv.URL, WithRetryBackoff(time.Second, time.Second)).GetCurrentUser(ctx)
	assert.NotErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorAs(t, err, &ae, "the answer, not a sleep into the deadline")
	assert.Equal(t, 503, ae.StatusCode)
	assert.Equal(t, 1, rec.count())
}

// mechMethodCall is one facade method of a given HTTP method.
type mechMethodCall struct {
	method string
	name   string
	prefix string
	call   func(t *testing.T, srvURL string, opts ...ClientOption) error
}

var mechMethodCalls = []mechMethodCall{
	{http.MethodGet, "kipu.GetCurrentUser", "/user-service", func(t *testing.T, u string, o ...ClientOption) error {
		_, _, err := mechKipu(t, u, o...).GetCurrentUser(t.Context())
		return err
	}},
	{http.MethodHead, "kipu.CheckUserExists", "/user-service", func(t *testing.T, u string, o ...ClientOption) error {
		_, _, err := mechKipu(t, u, o...).CheckUserExists(t.Context(), "u-1")
		return err
	}},
	{http.MethodPut, "kipu.UpdateCurrentUser", "/user-service", func(t *testing.T, u string, o ...ClientOption) error {
		_, _, err := mechKipu(t, u, o...).UpdateCurrentUser(t.Context(), kipu.UpdateUserRequest{About: mechPtr("hi")})
		return err
	}},
	{http.MethodDelete, "kipu.DeleteCurrentUser", "/user-service", func(t *testing.T, u string, o ...ClientOption) error {
		_, err := mechKipu(t, u, o...).DeleteCurrentUser(t.Context())
		return err
	}},
	{http.MethodPost, "kipu.CreatePersonalAccessToken", "/user-service", func(t *testing.T, u string, o ...ClientOption) error {
		_, _, err := mechKipu(t, u, o...).CreatePersonalAccessToken(t.Context(), KipuTokenRequest{Name: "ci"})
		return err
	}},
	{http.MethodGet, "harbor.GetUser", "/api/v2.0", func(t *testing.T, u string, o ...ClientOption) error {
		_, _, err := mechHarbor(t, u, o...).GetUser(t.Context(), 3)
		return err
	}},
	{http.MethodPut, "harbor.UpdateUserProfile", "/api/v2.0", func(t *testing.T, u string, o ...ClientOption) error {
		_, err := mechHarbor(t, u, o...).UpdateUserProfile(t.Context(), 3, harbor.UserProfile{Email: "a@b.c", Realname: "A"})
		return err
	}},
	{http.MethodPost, "harbor.CreateUser", "/api/v2.0", func(t *testing.T, u string, o ...ClientOption) error {
		_, _, err := mechHarbor(t, u, o...).CreateUser(t.Context(), harbor.UserCreationReq{Username: "ada", Email: "a@b.c", Realname: "A", Password: "Passw0rd!"})
		return err
	}},
	{http.MethodPut, "homebox.UpdateAccount", "/api", func(t *testing.T, u string, o ...ClientOption) error {
		_, _, err := mechHomebox(t, u, o...).UpdateAccount(t.Context(), homebox.UserUpdate{})
		return err
	}},
	{http.MethodPost, "homebox.CreateAPIKey", "/api", func(t *testing.T, u string, o ...ClientOption) error {
		_, _, err := mechHomebox(t, u, o...).CreateAPIKey(t.Context(), homebox.APIKeyCreate{Name: "k"})
		return err
	}},
	{http.MethodDelete, "vectara.DeleteUser", "/v2", func(t *testing.T, u string, o ...ClientOption) error {
		_, err := mechVectara(t, u, o...).DeleteUser(t.Context(), "ada")
		return err
	}},
	{http.MethodPost, "vectara.CreateUser", "/v2", func(t *testing.T, u string, o ...ClientOption) error {
		_, _, err := mechVectara(t, u, o...).CreateUser(t.Context(), vectara.CreateUserRequest{Email: "a@b.c"})
		return err
	}},
	{http.MethodPatch, "vectara.UpdateUser", "/v2", func(t *testing.T, u string, o ...ClientOption) error {
		_, _, err := mechVectara(t, u, o...).UpdateUser(t.Context(), "ada", vectara.UpdateUserRequest{Enabled: mechPtr(false)})
		return err
	}},
}

func mechIdempotent(method string) bool {
	return method != http.MethodPost && method != http.MethodPatch
}

func TestMechRetryMatrix(t *testing.T) {
	for _, mc := range mechMethodCalls {
		for _, status := range []int{408, 429, 500, 502, 503, 504, 400, 401, 403, 404, 409, 412, 422, 501} {
			t.Run(fmt.Sprintf("%s/%s/%d", mc.method, mc.name, status), func(t *testing.T) {
				srv, rec := mechServer(t, mc.prefix, mechStatus(status))
				err := mc.call(t, srv.URL)
				if !(mc.method == http.MethodHead && status == 404) {
					var ae *APIError
					require.ErrorAs(t, err, &ae)
					assert.Equal(t, status, ae.StatusCode)
				}
				want := 1
				switch status {
				case 429, 503:
					want = 3
				case 408, 502, 504:
					if mechIdempotent(mc.method) {
						want = 3
					}
				case 500:
					// A 500 may be a verdict (Homebox's wrong current
					// password): only reads are tried again.
					if mc.method == http.MethodGet || mc.method == http.MethodHead {
						want = 3
					}
				}
				assert.Equal(t, want, rec.count(), "attempts on the server")
				for _, r := range rec.all() {
					assert.Equal(t, mc.method, r.Method)
				}
			})
		}
	}
}

// mechDialCounter is a transport that counts dials.
func mechDialCounter(t *testing.T) (*http.Client, *atomic.Int32) {
	var dials atomic.Int32
	d := &net.Dialer{}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return d.DialContext(ctx, network, addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}, &dials
}

func TestMechConnectionRefusedRetried(t *testing.T) {
	addr := "http://" + mechClosedAddr(t)
	for _, mc := range mechMethodCalls {
		t.Run(mc.method+"/"+mc.name, func(t *testing.T) {
			hc, dials := mechDialCounter(t)
			err := mc.call(t, addr, WithHTTPClient(hc))
			var te *TransportError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, 3, te.Attempts)
			assert.Equal(t, int32(3), dials.Load(), "a failure to connect is retried for every method")
			var op *net.OpError
			assert.ErrorAs(t, err, &op)
		})
	}
}

// mechResetHandler reads the request, then drops the connection without an
// answer.
func mechResetHandler(w http.ResponseWriter, _ *http.Request, _ int) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // RST instead of FIN
	}
	_ = conn.Close()
}

func TestMechConnectionResetAfterRead(t *testing.T) {
	for _, mc := range mechMethodCalls {
		t.Run(mc.method+"/"+mc.name, func(t *testing.T) {
			srv, rec := mechServer(t, mc.prefix, mechResetHandler)
			err := mc.call(t, srv.URL)
			var te *TransportError
			require.ErrorAs(t, err, &te)
			if mechIdempotent(mc.method) {
				assert.Equal(t, 3, rec.count(), "idempotent calls retry on a reset")
			} else {
				assert.Equal(t, 1, rec.count(), "a request the server read must never be sent twice")
				assert.Equal(t, 1, te.Attempts)
			}
		})
	}
}

func TestMechBodyReplayedOnRetry(t *testing.T) {
	flaky := func(final int, finalBody string, statuses ...int) mechHandler {
		return func(w http.ResponseWriter, _ *http.Request, n int) {
			if n <= len(statuses) {
				mechJSON(w, statuses[n-1], `{}`)
				return
			}
			if final == http.StatusCreated {
				w.Header().Set("Location", "/api/v2.0/users/42")
			}
			if finalBody == "" {
				w.WriteHeader(final)
				return
			}
			mechJSON(w, final, finalBody)
		}
	}
	check := func(t *testing.T, rec *mechRecorder, attempts int) {
		t.Helper()
		reqs := rec.all()
		require.Len(t, reqs, attempts)
		require.NotEmpty(t, reqs[0].Body)
		for i, r := range reqs {
			assert.Equal(t, string(reqs[0].Body), string(r.Body), "attempt %d sent a different body", i+1)
			assert.Equal(t, strconv.Itoa(len(reqs[0].Body)), r.Header.Get("Content-Length"))
			assert.Equal(t, reqs[0].Header.Get("Content-Type"), r.Header.Get("Content-Type"))
		}
	}

	t.Run("POST kipu", func(t *testing.T) {
		srv, rec := mechServer(t, "/user-service", flaky(200, `{"id":"t","name":"ci","value":"raw"}`, 503, 429))
		_, _, err := mechKipu(t, srv.URL).CreatePersonalAccessToken(t.Context(), KipuTokenRequest{Name: "ci"})
		require.NoError(t, err)
		check(t, rec, 3)
		assert.JSONEq(t, `{"name":"ci"}`, string(rec.all()[0].Body))
	})
	t.Run("POST harbor", func(t *testing.T) {
		srv, rec := mechServer(t, "/api/v2.0", flaky(201, "", 503, 503))
		id, _, err := mechHarbor(t, srv.URL).CreateUser(t.Context(), harbor.UserCreationReq{Username: "ada", Email: "a@b.c", Realname: "A", Password: "Passw0rd!"})
		require.NoError(t, err)
		assert.Equal(t, int64(42), id)
		check(t, rec, 3)
	})
	t.Run("PUT multipart", func(t *testing.T) {
		srv, rec := mechServer(t, "/user-service", flaky(204, "", 504, 502))
		png := "\x89PNG\r\n\x1a\n" + strings.Repeat("x", 5000)
		_, err := mechKipu(t, srv.URL).UpdateCurrentUserProfileImage(t.Context(), "me.png", strings.NewReader(png))
		require.NoError(t, err)
		check(t, rec, 3)
		assert.Contains(t, string(rec.all()[2].Body), png)
	})
	t.Run("PATCH vectara", func(t *testing.T) {
		srv, rec := mechServer(t, "/v2", flaky(200, mechVectaraUser, 429))
		_, _, err := mechVectara(t, srv.URL).UpdateUser(t.Context(), "ada", vectara.UpdateUserRequest{Description: mechPtr("d")})
		require.NoError(t, err)
		check(t, rec, 2)
	})
}

func TestMechConnectionReusedAcrossAttempts(t *testing.T) {
	big := `{"error":"` + strings.Repeat("e", 8<<10) + `"}`
	for _, tc := range []struct {
		name     string
		statuses []int // one per attempt
		post     bool
	}{
		{"GET 500 500 200", []int{500, 500, 200}, false},
		{"GET 503 503 503", []int{503, 503, 503}, false},
		{"POST 429 503 200", []int{429, 503, 200}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var newConns atomic.Int32
			handler, rec := mechWrap(t, "/user-service", func(w http.ResponseWriter, r *http.Request, n int) {
				status := tc.statuses[n-1]
				if status == 200 {
					if tc.post {
						mechJSON(w, 200, `{"id":"t","name":"ci"}`)
					} else {
						mechJSON(w, 200, mechKipuUser)
					}
					return
				}
				mechJSON(w, status, big)
			})
			srv := httptest.NewUnstartedServer(handler)
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					newConns.Add(1)
				}
			}
			srv.Start()
			t.Cleanup(srv.Close)
			tr := &http.Transport{}
			t.Cleanup(tr.CloseIdleConnections)

			var mu sync.Mutex
			var reused []bool
			ctx := httptrace.WithClientTrace(t.Context(), &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
				mu.Lock()
				reused = append(reused, i.Reused)
				mu.Unlock()
			}})
			k := mechKipu(t, srv.URL, WithHTTPClient(&http.Client{Transport: tr}))
			if tc.post {
				_, _, _ = k.CreatePersonalAccessToken(ctx, KipuTokenRequest{Name: "ci"})
			} else {
				_, _, _ = k.GetCurrentUser(ctx)
			}
			require.Equal(t, len(tc.statuses), rec.count())
			assert.Equal(t, int32(1), newConns.Load(), "every attempt must drain its body so the connection is reused")
			mu.Lock()
			defer mu.Unlock()
			assert.Equal(t, []bool{false, true, true}, reused)
		})
	}
}

// TestMechAuthAttempt429NotRetried: a refused login (and a password reset
// or forgot-password request, behind the same limiter) comes back at once
// with the server's Retry-After; sleeping and retrying would lengthen the
// lock-out. Other calls still wait and retry on 429.
func TestMechAuthAttempt429NotRetried(t *testing.T) {
	limited := func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("Retry-After", "10")
		mechJSON(w, http.StatusTooManyRequests, `{"error":"too many authentication attempts"}`)
	}
	for name, call := range map[string]func(h *Homebox) error{
		"userLogin": func(h *Homebox) error {
			_, _, err := h.UserLogin(t.Context(), "a@b.c", "wrong", false)
			return err
		},
		"forgotPassword": func(h *Homebox) error {
			_, err := h.ForgotPassword(t.Context(), "a@b.c")
			return err
		},
		"resetPassword": func(h *Homebox) error {
			_, err := h.ResetPassword(t.Context(), "0123456789abcdefghij", "secret-1")
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv, rec := mechServer(t, "/api", limited)
			start := time.Now()
			err := call(mechHomebox(t, srv.URL, WithMaxRetryAfter(time.Minute)))
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, http.StatusTooManyRequests, ae.StatusCode)
			assert.Equal(t, 10*time.Second, ae.RetryAfter, "the server's Retry-After reaches the caller")
			assert.Equal(t, 1, rec.count(), "a refused authentication attempt is not sent again")
			assert.Less(t, time.Since(start), 5*time.Second, "no sleep through Retry-After")
		})
	}
	// The same answer on an ordinary call is waited out and retried.
	srv, rec := mechServer(t, "/api", func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Retry-After", "0")
		mechJSON(w, http.StatusTooManyRequests, `{"error":"slow down"}`)
	})
	_, _, err := mechHomebox(t, srv.URL).GetUserSelf(t.Context())
	require.Error(t, err)
	assert.Equal(t, 3, rec.count())
}

// TestMechNoSuchHostNotRetried: a name that does not resolve fails at once
// for every method; a DNS failure that may pass (a timeout) is retried.
func TestMechNoSuchHostNotRetried(t *testing.T) {
	var lookups atomic.Int32
	dnsErr := &net.DNSError{Err: "no such host", Name: "harbor.invalid", IsNotFound: true}
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		lookups.Add(1)
		return nil, &net.OpError{Op: "dial", Net: network, Err: dnsErr}
	}}}
	for _, mc := range mechMethodCalls {
		t.Run(mc.method+"/"+mc.name, func(t *testing.T) {
			lookups.Store(0)
			err := mc.call(t, "http://harbor.invalid", WithHTTPClient(hc))
			var te *TransportError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, 1, te.Attempts)
			assert.Equal(t, int32(1), lookups.Load(), "no such host is final")
			var de *net.DNSError
			require.ErrorAs(t, err, &de)
			assert.True(t, de.IsNotFound)
		})
	}
	assert.False(t, retryableTransport(true, false, &net.OpError{Op: "dial", Err: dnsErr}))
	assert.True(t, retryableTransport(false, false, &net.DNSError{Err: "i/o timeout", Name: "h", IsTimeout: true}),
		"a DNS timeout may pass: retried even for a POST, which never reached a server")
}
