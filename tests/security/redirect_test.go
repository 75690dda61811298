package securitytest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake/kipufake"
	"github.com/userapis/userapis-go/fake/vectarafake"
	"github.com/userapis/userapis-go/gen/harbor"
	"github.com/userapis/userapis-go/gen/homebox"
	"github.com/userapis/userapis-go/gen/kipu"
	"github.com/userapis/userapis-go/gen/vectara"
)

// Credentials the redirect probes send; none may arrive at a server the
// client was redirected to across hosts or from https to http.
const (
	rKipuPAT        = "kqh_pat_redirect_secret_0001"
	rKipuOtherPAT   = "kqh_pat_redirect_secret_0002"
	rHarborPassword = "Redirect-Passw0rd-1"
	rHarborNewPass  = "Redirect-Passw0rd-2"
	rHomeboxToken   = "hb_redirect_session_token_0001"
	rHomeboxPass    = "Redirect homebox passphrase"
	rHomeboxNewPass = "Redirect homebox passphrase 2"
	rVectaraKey     = "zut_redirect_api_key_0001"
	rClientSecret   = "redirect-client-secret-0001"
	rCookie         = "session=redirect-cookie-0001"
)

var redirectSecrets = []string{rKipuPAT, rKipuOtherPAT, rHarborPassword, rHarborNewPass, rHomeboxToken,
	rHomeboxPass, rHomeboxNewPass, rVectaraKey, rClientSecret, "redirect-cookie-0001"}

// credentialHeaders must never follow such a redirect.
var credentialHeaders = []string{"Authorization", "Proxy-Authorization", "X-Auth-Token", "X-Api-Key", "Cookie", "Cookie2"}

// recorded is one request that reached a recording server.
type recorded struct {
	method, path string
	header       http.Header
	body         []byte
}

// recorder is a handler that keeps every request and answers 404.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, recorded{method: r.Method, path: r.URL.Path, header: r.Header.Clone(), body: body})
	rec.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte(`{}`))
}

func (rec *recorder) requests() []recorded {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]recorded(nil), rec.reqs...)
}

func (rec *recorder) reset() {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.reqs = nil
}

// quietServer starts h (with TLS when tlsOn) without logging handshake
// errors to stderr.
func quietServer(t *testing.T, h http.Handler, tlsOn bool) *httptest.Server {
	s := httptest.NewUnstartedServer(h)
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	if tlsOn {
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s
}

// redirector answers every request with a redirect to target + the
// request's path and query.
func redirector(target string, code int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+r.URL.RequestURI(), code)
	})
}

// probe makes calls with credentials through a client of one service.
type probe struct {
	service string
	// gets counts the body-less calls (GET, HEAD, DELETE) among them,
	// which every redirect code follows.
	gets int
	call func(t *testing.T, base string, hc *http.Client)
}

func redirectOpts(base string, hc *http.Client, more ...client.ClientOption) []client.ClientOption {
	return append([]client.ClientOption{
		client.WithBaseURL(base),
		client.WithHTTPClient(hc),
		client.WithMaxRetries(0),
		client.WithTimeout(10 * time.Second),
		client.WithHeader("Cookie", rCookie),
	}, more...)
}

// probes call methods of every service with every kind of credential:
// header credentials on GET, POST, PUT and DELETE, and credentials in
// request bodies (passwords, a PAT in a parameter).
func probes(tokenURL string) []probe {
	ctx := context.Background()
	return []probe{
		{service: "kipu", gets: 3, call: func(t *testing.T, base string, hc *http.Client) {
			k, err := client.NewKipu(redirectOpts(base+kipufake.BasePath, hc, client.WithPersonalAccessToken(rKipuPAT))...)
			require.NoError(t, err)
			_, _, _ = k.GetCurrentUser(ctx)
			_, _, _ = k.AuthorizeByPersonalAccessToken(ctx, rKipuOtherPAT)
			_, _ = k.DeletePersonalAccessToken(ctx, "token-id")
			_, _, _ = k.CreatePersonalAccessToken(ctx, client.KipuTokenRequest{Name: "redirected"})
			_, _, _ = k.UpdateCurrentUser(ctx, kipu.UpdateUserRequest{About: client.Ptr("x")})
		}},
		{service: "harbor", gets: 2, call: func(t *testing.T, base string, hc *http.Client) {
			h, err := client.NewHarbor(redirectOpts(base, hc, client.WithBasicAuth("admin", rHarborPassword))...)
			require.NoError(t, err)
			_, _, _ = h.GetCurrentUserInfo(ctx)
			_, _ = h.DeleteUser(ctx, 7)
			_, _, _ = h.CreateUser(ctx, harbor.UserCreationReq{Username: "u", Email: "u@example.com", Realname: "U", Password: rHarborNewPass})
			_, _ = h.UpdateUserPassword(ctx, 3, harbor.PasswordReq{OldPassword: client.Ptr(rHarborPassword), NewPassword: rHarborNewPass})
		}},
		{service: "homebox", gets: 2, call: func(t *testing.T, base string, hc *http.Client) {
			hb, err := client.NewHomebox(redirectOpts(base, hc, client.WithBearerToken(rHomeboxToken))...)
			require.NoError(t, err)
			_, _, _ = hb.GetUserSelf(ctx)
			_, _, _ = hb.UserTokenRefresh(ctx)
			_, _, _ = hb.UpdateUserSettings(ctx, homebox.UserSettings{"k": "v"})
			_, _ = hb.ChangePassword(ctx, rHomeboxPass, rHomeboxNewPass)
			_, _, _ = hb.UserLogin(ctx, "someone@example.com", rHomeboxPass, false)
		}},
		{service: "vectara", gets: 2, call: func(t *testing.T, base string, hc *http.Client) {
			v, err := client.NewVectara(redirectOpts(base, hc, client.WithAPIKey(rVectaraKey))...)
			require.NoError(t, err)
			_, _, _ = v.GetUser(ctx, "ada@example.com")
			_, _ = v.DeleteUser(ctx, "ada@example.com")
			_, _, _ = v.CreateUser(ctx, vectara.CreateUserRequest{Email: "x@example.com"})
			// The OAuth2 token endpoint itself behind the redirect: the
			// client secret (Basic header or form body) must not follow.
			o, err := client.NewVectara(redirectOpts(base, hc, client.WithClientCredentials("redirect-client", rClientSecret, base+vectarafake.TokenPath))...)
			require.NoError(t, err)
			_, _, _ = o.GetUser(ctx, "ada@example.com")
			if tokenURL != "" {
				// A working token endpoint elsewhere: the bearer token
				// must not follow the API call's redirect.
				ob, err := client.NewVectara(redirectOpts(base, hc, client.WithClientCredentials(vectarafake.SeedClientID, vectarafake.SeedClientSecret, tokenURL))...)
				require.NoError(t, err)
				_, _, _ = ob.GetUser(ctx, "ada@example.com")
			}
		}},
	}
}

// assertNothingForwarded fails for every credential header or secret that
// reached the target, and when the target saw fewer than min requests (the
// redirects must really have been followed for the check to mean much).
func assertNothingForwarded(t *testing.T, reqs []recorded, minimum int) {
	t.Helper()
	assert.GreaterOrEqual(t, len(reqs), minimum, "requests that followed the redirect")
	for _, r := range reqs {
		for _, h := range credentialHeaders {
			if v := r.header.Get(h); v != "" {
				t.Errorf("%s %s arrived with %s: %q", r.method, r.path, h, v)
			}
		}
		for _, s := range redirectSecrets {
			if bytes.Contains(r.body, []byte(s)) || bytes.Contains(r.body, []byte(url.QueryEscape(s))) {
				t.Errorf("%s %s arrived with the secret %q in its body: %s", r.method, r.path, s, r.body)
			}
			if strings.Contains(r.path, s) {
				t.Errorf("%s %s arrived with the secret %q in its path", r.method, r.path, s)
			}
		}
	}
}

// TestRedirectToAnotherHost: each service's base URL answers every request
// with a redirect (302, 307, 308) to another host name for the loopback
// ("localhost" instead of 127.0.0.1), which records what arrives.
func TestRedirectToAnotherHost(t *testing.T) {
	// The other host is "localhost", another name for the loopback the
	// fronts listen on (127.0.0.1).
	evil := &recorder{}
	ln, err := net.Listen("tcp", "localhost:0")
	if err != nil {
		t.Skipf("cannot listen on localhost: %v", err)
	}
	evilSrv := httptest.NewUnstartedServer(evil)
	_ = evilSrv.Listener.Close()
	evilSrv.Listener = ln
	evilSrv.Config.ErrorLog = log.New(io.Discard, "", 0)
	evilSrv.Start()
	t.Cleanup(evilSrv.Close)
	_, port, err := net.SplitHostPort(ln.Addr().String())
	require.NoError(t, err)
	evilURL := "http://localhost:" + port
	vs := vectarafake.Start()
	t.Cleanup(vs.Close)
	tr := transport(t)
	hc := &http.Client{Transport: tr}

	// Baseline: Go's own client forwards a custom credential header such
	// as X-Auth-Token across hosts, so the recorder would see a leak.
	front := quietServer(t, redirector(evilURL, http.StatusTemporaryRedirect), false)
	req, err := http.NewRequest(http.MethodGet, front.URL+"/user-service/me", nil)
	require.NoError(t, err)
	req.Header.Set("X-Auth-Token", rKipuPAT)
	resp, err := hc.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	require.Len(t, evil.requests(), 1)
	require.Equal(t, rKipuPAT, evil.requests()[0].header.Get("X-Auth-Token"), "baseline: a plain http.Client forwards X-Auth-Token")
	evil.reset()

	for _, code := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		front := quietServer(t, redirector(evilURL, code), false)
		for _, p := range probes(vs.TokenURL) {
			t.Run(fmt.Sprintf("%d/%s", code, p.service), func(t *testing.T) {
				evil.reset()
				p.call(t, front.URL, hc)
				assertNothingForwarded(t, evil.requests(), p.gets)
			})
		}
	}
}

// TestRedirectSameHostKeepsCredentials is the control: a redirect within
// the same scheme, host and port keeps the credentials, so the recorder
// above would have seen them had the client not removed them.
func TestRedirectSameHostKeepsCredentials(t *testing.T) {
	landed := &recorder{}
	mux := http.NewServeMux()
	mux.Handle("/landed/", landed)
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/landed"+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	srv := quietServer(t, mux, false)
	hc := &http.Client{Transport: transport(t)}
	ctx := context.Background()

	k, err := client.NewKipu(redirectOpts(srv.URL+kipufake.BasePath, hc, client.WithPersonalAccessToken(rKipuPAT))...)
	require.NoError(t, err)
	_, _, _ = k.GetCurrentUser(ctx)
	h, err := client.NewHarbor(redirectOpts(srv.URL, hc, client.WithBasicAuth("admin", rHarborPassword))...)
	require.NoError(t, err)
	_, _, _ = h.GetCurrentUserInfo(ctx)
	hb, err := client.NewHomebox(redirectOpts(srv.URL, hc, client.WithBearerToken(rHomeboxToken))...)
	require.NoError(t, err)
	_, _, _ = hb.GetUserSelf(ctx)
	v, err := client.NewVectara(redirectOpts(srv.URL, hc, client.WithAPIKey(rVectaraKey))...)
	require.NoError(t, err)
	_, _, _ = v.GetUser(ctx, "ada@example.com")

	reqs := landed.requests()
	require.Len(t, reqs, 4)
	assert.Equal(t, rKipuPAT, reqs[0].header.Get("X-Auth-Token"))
	user, pass, ok := (&http.Request{Header: reqs[1].header}).BasicAuth()
	assert.True(t, ok)
	assert.Equal(t, "admin", user)
	assert.Equal(t, rHarborPassword, pass)
	assert.Equal(t, "Bearer "+rHomeboxToken, reqs[2].header.Get("Authorization"))
	assert.Equal(t, rVectaraKey, reqs[3].header.Get("X-Api-Key"))
	for _, r := range reqs {
		assert.Equal(t, rCookie, r.header.Get("Cookie"))
	}
}

// TestRedirectHTTPSToHTTP: an https base URL redirects to plain http, on
// another port and on the very same host and port (a listener that serves
// TLS and plain HTTP on one port), so that only the scheme changes.
func TestRedirectHTTPSToHTTP(t *testing.T) {
	vs := vectarafake.Start()
	t.Cleanup(vs.Close)

	t.Run("other port", func(t *testing.T) {
		plain := &recorder{}
		plainSrv := quietServer(t, plain, false)
		front := quietServer(t, redirector(plainSrv.URL, http.StatusTemporaryRedirect), true)
		hc := front.Client() // trusts the test certificate; closed by front.Close
		for _, p := range probes(vs.TokenURL) {
			t.Run(p.service, func(t *testing.T) {
				plain.reset()
				p.call(t, front.URL, hc)
				assertNothingForwarded(t, plain.requests(), p.gets)
			})
		}
	})

	t.Run("same host and port", func(t *testing.T) {
		plain := &recorder{}
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.TLS != nil {
				http.Redirect(w, r, "http://"+r.Host+r.URL.RequestURI(), http.StatusTemporaryRedirect)
				return
			}
			plain.ServeHTTP(w, r)
		})
		httpsURL, hc := startDualServer(t, h)
		for _, p := range probes(vs.TokenURL) {
			t.Run(p.service, func(t *testing.T) {
				plain.reset()
				p.call(t, httpsURL, hc)
				assertNothingForwarded(t, plain.requests(), p.gets)
			})
		}
	})
}

// startDualServer serves h over TLS and plain HTTP on one 127.0.0.1 port,
// telling them apart by the first byte (0x16 starts a TLS handshake). It
// returns the https base URL and a client trusting its certificate.
func startDualServer(t *testing.T, h http.Handler) (string, *http.Client) {
	t.Helper()
	certSrv := quietServer(t, http.NotFoundHandler(), true) // for its certificate and client
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	plainL := newChanListener(ln.Addr())
	tlsL := newChanListener(ln.Addr())
	tlsConf := &tls.Config{Certificates: certSrv.TLS.Certificates}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				br := bufio.NewReader(c)
				_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
				b, err := br.Peek(1)
				_ = c.SetReadDeadline(time.Time{})
				if err != nil {
					_ = c.Close()
					return
				}
				pc := &peekedConn{Conn: c, r: br}
				if b[0] == 0x16 {
					tlsL.deliver(tls.Server(pc, tlsConf))
				} else {
					plainL.deliver(pc)
				}
			}()
		}
	}()
	plainSrv := &http.Server{Handler: h, ErrorLog: log.New(io.Discard, "", 0)}
	tlsSrv := &http.Server{Handler: h, ErrorLog: log.New(io.Discard, "", 0)}
	wg.Add(2)
	go func() { defer wg.Done(); _ = plainSrv.Serve(plainL) }()
	go func() { defer wg.Done(); _ = tlsSrv.Serve(tlsL) }()
	hc := certSrv.Client()
	t.Cleanup(func() {
		hc.CloseIdleConnections()
		_ = ln.Close()
		_ = plainSrv.Close()
		_ = tlsSrv.Close()
		wg.Wait()
	})
	return "https://" + ln.Addr().String(), hc
}

// chanListener is a net.Listener fed connections by deliver.
type chanListener struct {
	addr   net.Addr
	ch     chan net.Conn
	done   chan struct{}
	closer sync.Once
}

func newChanListener(addr net.Addr) *chanListener {
	return &chanListener{addr: addr, ch: make(chan net.Conn), done: make(chan struct{})}
}

func (l *chanListener) deliver(c net.Conn) {
	select {
	case l.ch <- c:
	case <-l.done:
		_ = c.Close()
	}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error {
	l.closer.Do(func() { close(l.done) })
	return nil
}

func (l *chanListener) Addr() net.Addr { return l.addr }

// peekedConn reads first what the bufio.Reader already peeked.
type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(p []byte) (int, error) { return c.r.Read(p) }
