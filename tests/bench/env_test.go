package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// dialCounter counts the connections a transport opens.
type dialCounter struct {
	n atomic.Int64
	d net.Dialer
}

func (c *dialCounter) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c.n.Add(1)
	return c.d.DialContext(ctx, network, addr)
}

// newHTTPClient returns the *http.Client both sides of a comparison use:
// Go's default transport settings, except that up to 64 idle connections
// per host are kept (the default keeps 2, which would make 32 concurrent
// workers redial), and every dial is counted.
func newHTTPClient(dc *dialCounter) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = dc.DialContext
	tr.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: tr}
}

func closeIdle(hc *http.Client) {
	if tr, ok := hc.Transport.(*http.Transport); ok {
		tr.CloseIdleConnections()
	}
}

// fixture is one recorded answer of a fake: the path it was asked for and
// the status, headers and body it sent. A fixed server replays it, so that
// the server's cost is small and identical for facade and baseline.
type fixture struct {
	path   string
	status int
	header http.Header
	body   []byte
}

// keptHeaders are the headers a fixture replays: those the documents
// define for these answers.
var keptHeaders = []string{"Content-Type", "X-Request-Id", "X-Total-Count", "Link", "Retry-After"}

// record sends req (to a fake) and keeps its answer as a fixture.
func record(hc *http.Client, req *http.Request) (*fixture, error) {
	res, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("recording %s: %w", req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("recording %s: %w", req.URL, err)
	}
	fx := &fixture{path: req.URL.Path, status: res.StatusCode, header: http.Header{}, body: body}
	for _, k := range keptHeaders {
		if v := res.Header.Values(k); len(v) > 0 {
			fx.header[k] = append([]string(nil), v...)
		}
	}
	fx.header["Content-Length"] = []string{strconv.Itoa(len(body))}
	return fx, nil
}

// fixedServer replays ok for its path (404 otherwise). After failNext is
// set to n, the next n requests get fail instead (the retry benchmarks).
type fixedServer struct {
	*httptest.Server
	failNext atomic.Int64
	conns    atomic.Int64 // connections accepted
}

func startFixed(tb testing.TB, ok, fail *fixture) *fixedServer {
	tb.Helper()
	fs := &fixedServer{}
	fs.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fx := ok
		if fail != nil && fs.failNext.Load() > 0 && fs.failNext.Add(-1) >= 0 {
			fx = fail
		}
		if r.URL.Path != fx.path {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		h := w.Header()
		for k, v := range fx.header {
			h[k] = v
		}
		w.WriteHeader(fx.status)
		_, _ = w.Write(fx.body)
	}))
	fs.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			fs.conns.Add(1)
		}
	}
	fs.Start()
	tb.Cleanup(fs.Close)
	return fs
}

// fixtures are recorded once per process from fresh fakes.
var (
	fixturesOnce sync.Once
	fixtures     map[string]*fixture
	fixturesErr  error
)

func getFixtures(tb testing.TB) map[string]*fixture {
	tb.Helper()
	fixturesOnce.Do(func() { fixtures, fixturesErr = recordFixtures() })
	if fixturesErr != nil {
		tb.Fatalf("recording fixtures: %v", fixturesErr)
	}
	return fixtures
}
