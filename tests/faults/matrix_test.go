// Package faults_test runs the fault matrix of the facades against the
// fakes: every fault of the list against one operation per HTTP
// method, each injected once (the next attempt would succeed), with the
// outcome of every cell asserted from the retry rules of the design
// (/work/shared/design.md, "Facade semantics") rather than from the code:
//
//   - GET, HEAD, PUT and DELETE retry on connection errors, 408, 429, 502,
//     503 and 504; a 500 only for GET and HEAD (the real Homebox answers a
//     wrong current password with 500: for a write a 500 can be a verdict,
//     as issue 9 found, which amends the design's list);
//   - POST and PATCH retry only when the request provably was not
//     processed: 429, 503, or a failure to connect;
//   - a 2xx body that does not decode is a *client.DecodeError carrying the
//     raw bytes, and is not retried;
//   - a Retry-After over the cap fails at once with *client.RetryAfterError.
//
// Creates are counted on the server side: the fake's own request counter
// (Faults.Requests) and its state (the user exists once, or not at all).
// The matrix is printed with t.Log.
package faults_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake"
	"github.com/userapis/userapis-go/fake/kipufake"
	"github.com/userapis/userapis-go/gen/kipu"
	"github.com/userapis/userapis-go/gen/vectara"
	"github.com/userapis/userapis-go/internal/servicetest"
)

const (
	backoffInitial = time.Millisecond
	backoffMax     = 10 * time.Millisecond
	// attemptTimeout bounds each attempt in the timeout row (per call).
	attemptTimeout = 400 * time.Millisecond
	// hangLatency is how long the timeout fault holds an answer back; the
	// fake stops waiting as soon as the client hangs up.
	hangLatency = 5 * time.Second
)

// ---------------------------------------------------------------------------
// Columns: one facade operation per HTTP method, each on a fresh fake.
// ---------------------------------------------------------------------------

// column is an HTTP method and the facade operation standing for it.
type column struct {
	method     string
	op         string // operationId, as fake.Faults counts requests
	desc       string
	idempotent bool // by the design's list: GET, HEAD, PUT, DELETE
	okStatus   int  // the documented success status
	bodyless   bool // the success answer carries no body (HEAD, 204)
	open       func(t *testing.T, hc *http.Client) *target
}

// target is a fresh fake and a client of it sending through hc.
type target struct {
	faults *fake.Faults
	// okBody is a well-formed success body of the operation, cut short by
	// the reset and truncated-body faults; nil for body-less answers.
	okBody []byte
	// secrets must never appear in an error string.
	secrets []string
	// call runs the operation once (with the facade's retries); with a nil
	// error it has also checked that the result is the right one.
	call func(ctx context.Context, opts ...client.CallOption) (*client.Response, error)
	// applied inspects the fake's state after it closed: whether the
	// operation's effect is there exactly once (true) or not at all
	// (false); an error for anything else, such as a duplicate. Nil for
	// read-only operations.
	applied func() (bool, error)
	close   func()
}

// wrongResult is a call that succeeded with the wrong result. It is
// deliberately none of the client's typed errors.
type wrongResult struct{ msg string }

func (e *wrongResult) Error() string { return "wrong result: " + e.msg }

func wrong(format string, args ...any) error { return &wrongResult{fmt.Sprintf(format, args...)} }

func baseOpts(hc *http.Client) []client.ClientOption {
	return []client.ClientOption{client.WithHTTPClient(hc), client.WithRetryBackoff(backoffInitial, backoffMax)}
}

var columns = []column{
	{
		method: http.MethodGet, op: "getUser", desc: "harbor GetUser", idempotent: true, okStatus: 200,
		open: func(t *testing.T, hc *http.Client) *target {
			srv, h := servicetest.Harbor(t, baseOpts(hc)...)
			return &target{
				faults:  srv.Faults,
				okBody:  []byte(`{"user_id":3,"username":"alice","email":"alice@example.com","realname":"Alice","sysadmin_flag":false,"admin_role_in_auth":false,"creation_time":"2025-01-01T00:00:00Z","update_time":"2025-01-01T00:00:00Z"}`),
				secrets: []string{srv.AdminPassword, base64.StdEncoding.EncodeToString([]byte(srv.AdminUser + ":" + srv.AdminPassword))},
				call: func(ctx context.Context, opts ...client.CallOption) (*client.Response, error) {
					u, resp, err := h.GetUser(ctx, srv.UserID, opts...)
					if err == nil && (u == nil || u.Username != srv.User || u.UserID != srv.UserID) {
						return resp, wrong("GetUser(%d) = %+v", srv.UserID, u)
					}
					return resp, err
				},
				close: srv.Close,
			}
		},
	},
	{
		method: http.MethodHead, op: "checkUserExists", desc: "kipu CheckUserExists", idempotent: true, okStatus: 200, bodyless: true,
		open: func(t *testing.T, hc *http.Client) *target {
			srv, k := servicetest.Kipu(t, baseOpts(hc)...)
			return &target{
				faults:  srv.Faults,
				secrets: []string{srv.Token},
				call: func(ctx context.Context, opts ...client.CallOption) (*client.Response, error) {
					ok, resp, err := k.CheckUserExists(ctx, kipufake.AlanID, opts...)
					if err == nil && !ok {
						return resp, wrong("CheckUserExists(alan) = false")
					}
					return resp, err
				},
				close: srv.Close,
			}
		},
	},
	{
		method: http.MethodPut, op: "updateCurrentUser", desc: "kipu UpdateCurrentUser", idempotent: true, okStatus: 200,
		open: func(t *testing.T, hc *http.Client) *target {
			srv, k := servicetest.Kipu(t, baseOpts(hc)...)
			before, ok := srv.Fake.User(srv.UserID)
			require.True(t, ok)
			require.NotNil(t, before.About)
			orig, about := *before.About, "About text set by the fault matrix"
			return &target{
				faults:  srv.Faults,
				okBody:  []byte(`{"id":"` + srv.UserID + `","username":"ada","email":"ada@example.com","firstname":"Ada","lastname":"Lovelace","about":"` + about + `"}`),
				secrets: []string{srv.Token},
				call: func(ctx context.Context, opts ...client.CallOption) (*client.Response, error) {
					u, resp, err := k.UpdateCurrentUser(ctx, kipu.UpdateUserRequest{About: &about}, opts...)
					if err == nil && (u == nil || u.About == nil || *u.About != about) {
						return resp, wrong("UpdateCurrentUser = %+v", u)
					}
					return resp, err
				},
				applied: func() (bool, error) {
					u, _ := srv.Fake.User(srv.UserID)
					switch {
					case u.About != nil && *u.About == about:
						return true, nil
					case u.About != nil && *u.About == orig:
						return false, nil
					}
					return false, fmt.Errorf("about is %v", u.About)
				},
				close: srv.Close,
			}
		},
	},
	{
		method: http.MethodPost, op: "createUser", desc: "vectara CreateUser", okStatus: 201,
		open: func(t *testing.T, hc *http.Client) *target {
			srv, v := servicetest.Vectara(t, baseOpts(hc)...)
			const email = "new.hire@example.com"
			base := len(srv.Fake.Usernames())
			return &target{
				faults:  srv.Faults,
				okBody:  []byte(`{"username":"` + email + `","email":"` + email + `","enabled":true,"one_time_code":"123456"}`),
				secrets: []string{srv.APIKey},
				call: func(ctx context.Context, opts ...client.CallOption) (*client.Response, error) {
					u, resp, err := v.CreateUser(ctx, vectara.CreateUserRequest{Email: email}, opts...)
					if err == nil && (u == nil || u.Email == nil || *u.Email != email) {
						return resp, wrong("CreateUser = %+v", u)
					}
					return resp, err
				},
				applied: func() (bool, error) {
					n := len(srv.Fake.Usernames())
					_, ok := srv.Fake.User(email)
					switch {
					case ok && n == base+1:
						return true, nil
					case !ok && n == base:
						return false, nil
					}
					return false, fmt.Errorf("user exists: %v; %d users, %d before", ok, n, base)
				},
				close: srv.Close,
			}
		},
	},
	{
		method: http.MethodPatch, op: "updateUser", desc: "vectara UpdateUser", okStatus: 200,
		open: func(t *testing.T, hc *http.Client) *target {
			srv, v := servicetest.Vectara(t, baseOpts(hc)...)
			const name = "ada@example.com"
			before, ok := srv.Fake.User(name)
			require.True(t, ok)
			require.NotNil(t, before.Description)
			orig, desc := *before.Description, "Described by the fault matrix"
			return &target{
				faults:  srv.Faults,
				okBody:  []byte(`{"username":"` + name + `","email":"` + name + `","description":"` + desc + `","enabled":true}`),
				secrets: []string{srv.APIKey},
				call: func(ctx context.Context, opts ...client.CallOption) (*client.Response, error) {
					u, resp, err := v.UpdateUser(ctx, name, vectara.UpdateUserRequest{Description: &desc}, opts...)
					if err == nil && (u == nil || u.Description == nil || *u.Description != desc) {
						return resp, wrong("UpdateUser = %+v", u)
					}
					return resp, err
				},
				applied: func() (bool, error) {
					u, _ := srv.Fake.User(name)
					switch {
					case u.Description != nil && *u.Description == desc:
						return true, nil
					case u.Description != nil && *u.Description == orig:
						return false, nil
					}
					return false, fmt.Errorf("description is %v", u.Description)
				},
				close: srv.Close,
			}
		},
	},
	{
		method: http.MethodDelete, op: "deleteUser", desc: "vectara DeleteUser", idempotent: true, okStatus: 204, bodyless: true,
		open: func(t *testing.T, hc *http.Client) *target {
			srv, v := servicetest.Vectara(t, baseOpts(hc)...)
			const name = "grace@example.com"
			_, ok := srv.Fake.User(name)
			require.True(t, ok)
			return &target{
				faults: srv.Faults,
				// Only the reset fault uses it, as a 200 body to cut: a 204
				// cannot carry one.
				okBody:  []byte(`{"deleted":"` + name + `","request_id":"0000"}`),
				secrets: []string{srv.APIKey},
				call: func(ctx context.Context, opts ...client.CallOption) (*client.Response, error) {
					return v.DeleteUser(ctx, name, opts...)
				},
				applied: func() (bool, error) {
					_, ok := srv.Fake.User(name)
					return !ok, nil
				},
				close: srv.Close,
			}
		},
	},
}

// ---------------------------------------------------------------------------
// Rows: the faults, and the outcome the design prescribes for each method.
// ---------------------------------------------------------------------------

type faultKind int

const (
	kindRefused faultKind = iota // the first dial is refused
	kindReset                    // the connection is reset mid-response
	kindTimeout                  // the answer takes longer than the call's timeout
	kindStatus                   // an error status, perhaps with Retry-After
	kindDecode                   // a 2xx whose body is not what the document says
)

type row struct {
	name   string
	kind   faultKind
	status int // kindStatus
	// retryAfter gives the Retry-After header at injection time.
	retryAfter  func() string
	overCap     bool   // the Retry-After is over the client's cap
	contentType string // kindStatus, kindDecode
	// body is the fault's body (nil: the service's own error body for
	// kindStatus); decodeBody computes a kindDecode body from the
	// operation's well-formed success body.
	body       []byte
	decodeBody func(ok []byte) []byte
	opts       []client.CallOption // per-call options
	parallel   bool                // the row's cells wait on purpose: run them side by side
	minElapsed time.Duration       // a server hint that must be honoured
	maxElapsed time.Duration
}

const nginx502 = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n</body>\r\n</html>\r\n"

const htmlPage = `<!DOCTYPE html><html><head><title>Sign in</title></head><body><form action="/login"><input name="user"></form></body></html>`

// genericJSON stands in for the success body of a body-less operation.
var genericJSON = []byte(`{"id":"0e1f7a3c","name":"stand-in body","ok":true}`)

func orGeneric(ok []byte) []byte {
	if ok == nil {
		return genericJSON
	}
	return ok
}

func fixed(v string) func() string { return func() string { return v } }

// rows are the faults. Two kinds of cut answer are told apart: "reset
// mid-response" sends the status line and half the body it announced, then
// resets the connection (a transport failure; for HEAD, whose answer is
// only headers, the reset comes before them); "2xx truncated body" is a
// well-framed answer whose JSON is cut in half (a decoding failure).
var rows = []row{
	{name: "connection refused", kind: kindRefused},
	{name: "connection reset mid-response", kind: kindReset},
	{name: "timeout", kind: kindTimeout, opts: []client.CallOption{client.WithTimeout(attemptTimeout)}},
	{name: "408", kind: kindStatus, status: 408},
	{name: "429 Retry-After: 0", kind: kindStatus, status: 429, retryAfter: fixed("0"), maxElapsed: 2 * time.Second},
	{name: "429 Retry-After: 1 (honoured)", kind: kindStatus, status: 429, retryAfter: fixed("1"), parallel: true, minElapsed: 950 * time.Millisecond},
	{name: "429 Retry-After: past HTTP date", kind: kindStatus, status: 429, retryAfter: fixed("Wed, 21 Oct 2015 07:28:00 GMT"), maxElapsed: 2 * time.Second},
	{name: "429 Retry-After: HTTP date +2s (honoured)", kind: kindStatus, status: 429, parallel: true, minElapsed: 900 * time.Millisecond,
		retryAfter: func() string { return time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat) }},
	{name: "429 Retry-After: 3600 (over cap)", kind: kindStatus, status: 429, retryAfter: fixed("3600"), overCap: true, maxElapsed: 2 * time.Second},
	{name: "500", kind: kindStatus, status: 500},
	{name: "502 (nginx HTML page)", kind: kindStatus, status: 502, contentType: "text/html", body: []byte(nginx502)},
	{name: "503", kind: kindStatus, status: 503},
	{name: "504", kind: kindStatus, status: 504},
	{name: "2xx truncated body", kind: kindDecode, contentType: "application/json",
		decodeBody: func(ok []byte) []byte { b := orGeneric(ok); return b[:len(b)/2] }},
	{name: "2xx malformed JSON", kind: kindDecode, contentType: "application/json",
		decodeBody: func([]byte) []byte { return []byte(`{"username": "alice", "email": }`) }},
	{name: "2xx wrong Content-Type", kind: kindDecode, contentType: "text/plain; charset=utf-8", decodeBody: orGeneric},
	{name: "2xx HTML page", kind: kindDecode, contentType: "text/html; charset=utf-8",
		decodeBody: func([]byte) []byte { return []byte(htmlPage) }},
	{name: "2xx empty body", kind: kindDecode, contentType: "application/json",
		decodeBody: func([]byte) []byte { return []byte{} }},
}

// fault builds the injected fault of r for column c; refuse means the
// fault is the refused first dial instead.
func (r row) fault(c column, tg *target) (f fake.Fault, refuse bool) {
	switch r.kind {
	case kindRefused:
		return fake.Fault{}, true
	case kindReset:
		if c.method == http.MethodHead {
			// A HEAD answer is only headers: the reset comes before them.
			// (On a fresh connection, so net/http does not resend by itself.)
			return fake.Fault{Operation: c.op, Drop: true}, false
		}
		status := c.okStatus
		if status == http.StatusNoContent {
			status = http.StatusOK // a 204 has no body to cut
		}
		return fake.Fault{Operation: c.op, Status: status, Body: orGeneric(tg.okBody), Truncate: true}, false
	case kindTimeout:
		return fake.Fault{Operation: c.op, Latency: hangLatency}, false
	case kindStatus:
		f = fake.Fault{Operation: c.op, Status: r.status, ContentType: r.contentType, Body: r.body}
		if r.retryAfter != nil {
			f.RetryAfter = r.retryAfter()
		}
		return f, false
	}
	return fake.Fault{Operation: c.op, Status: c.okStatus, ContentType: r.contentType, Body: r.decodeBody(tg.okBody)}, false
}

type outcome string

const (
	recovered  outcome = "recovered"
	apiError   outcome = "APIError"
	transport  outcome = "TransportError"
	decodeErr  outcome = "DecodeError"
	retryAfter outcome = "RetryAfterError"
	noBody     outcome = "no effect: ok"
	unaffected outcome = "ok"
)

// want is a cell's prescribed outcome.
type want struct {
	outcome  outcome
	status   int // for APIError / RetryAfterError
	attempts int
	requests int  // requests of the operation reaching the fake
	applied  bool // the operation's effect is in the state (mutating operations)
}

func (w want) label() string {
	switch w.outcome {
	case recovered:
		return fmt.Sprintf("recovered(%d)", w.attempts)
	case apiError, retryAfter:
		return fmt.Sprintf("%s %d (%d)", w.outcome, w.status, w.attempts)
	}
	return fmt.Sprintf("%s (%d)", w.outcome, w.attempts)
}

// retryableStatus is the design's list (as amended by issue 9), written
// out here independently of client/core.go.
func retryableStatus(method string, idempotent bool, status int) bool {
	switch status {
	case 429, 503:
		return true
	case 500:
		return method == http.MethodGet || method == http.MethodHead
	case 408, 502, 504:
		return idempotent
	}
	return false
}

func (r row) expect(c column) want {
	ok := want{outcome: recovered, attempts: 2, requests: 2, applied: true}
	switch r.kind {
	case kindRefused:
		ok.requests = 1 // the refused attempt never reached the fake
		return ok
	case kindReset, kindTimeout:
		if c.idempotent {
			return ok
		}
		return want{outcome: transport, attempts: 1, requests: 1}
	case kindStatus:
		if r.overCap {
			return want{outcome: retryAfter, status: r.status, attempts: 1, requests: 1}
		}
		if retryableStatus(c.method, c.idempotent, r.status) {
			return ok
		}
		return want{outcome: apiError, status: r.status, attempts: 1, requests: 1}
	}
	if c.bodyless {
		// HEAD and 204 answers have no body, so a body fault cannot reach
		// the client: the fault's 2xx is taken as it is, once.
		return want{outcome: noBody, attempts: 1, requests: 1}
	}
	return want{outcome: decodeErr, attempts: 1, requests: 1}
}

// observe classifies what a call of c returned.
func observe(c column, resp *client.Response, err error) want {
	var (
		rae *client.RetryAfterError
		ae  *client.APIError
		de  *client.DecodeError
		te  *client.TransportError
	)
	switch {
	case err == nil:
		if resp == nil {
			return want{outcome: "nil response"}
		}
		if resp.Attempts == 1 && c.bodyless {
			return want{outcome: noBody, attempts: 1}
		}
		if resp.Attempts == 1 {
			return want{outcome: unaffected, attempts: 1}
		}
		return want{outcome: recovered, attempts: resp.Attempts}
	case errors.As(err, &rae):
		return want{outcome: retryAfter, status: rae.Err.StatusCode, attempts: rae.Err.Attempts}
	case errors.As(err, &ae):
		return want{outcome: apiError, status: ae.StatusCode, attempts: ae.Attempts}
	case errors.As(err, &de):
		w := want{outcome: decodeErr}
		if resp != nil {
			w.attempts = resp.Attempts
		}
		return w
	case errors.As(err, &te):
		return want{outcome: transport, attempts: te.Attempts}
	}
	return want{outcome: outcome("untyped: " + err.Error())}
}

// ---------------------------------------------------------------------------
// The matrix.
// ---------------------------------------------------------------------------

// refusingDialer dials a closed port (a real ECONNREFUSED) while refuse is
// positive, then the address asked for.
type refusingDialer struct {
	closed string
	refuse atomic.Int32
	mu     sync.Mutex
	errs   []error
}

func (d *refusingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var nd net.Dialer
	if d.refuse.Add(-1) >= 0 {
		conn, err := nd.DialContext(ctx, network, d.closed)
		if err == nil {
			_ = conn.Close()
			err = fmt.Errorf("the closed port %s accepted a connection", d.closed)
		}
		d.mu.Lock()
		d.errs = append(d.errs, err)
		d.mu.Unlock()
		return nil, err
	}
	return nd.DialContext(ctx, network, addr)
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func TestFaultMatrix(t *testing.T) {
	closed := closedAddr(t)
	table := map[[2]string]string{}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			// A row that waits on purpose (an honoured Retry-After) calls
			// all its cells at once, then checks each.
			var runs []*cellRun
			if r.parallel {
				var wg sync.WaitGroup
				for _, c := range columns {
					cr := prepareCell(t, r, c, closed)
					runs = append(runs, cr)
					wg.Go(func() { cr.call(t.Context()) })
				}
				wg.Wait()
			}
			for i, c := range columns {
				t.Run(c.method, func(t *testing.T) {
					var cr *cellRun
					if r.parallel {
						cr = runs[i]
					} else {
						cr = prepareCell(t, r, c, closed)
						cr.call(t.Context())
					}
					table[[2]string{r.name, c.method}] = cr.check(t)
				})
			}
		})
	}

	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "fault \\ method")
	for _, c := range columns {
		fmt.Fprintf(tw, "\t%s", c.method)
	}
	fmt.Fprint(tw, "\t\n")
	fmt.Fprint(tw, "(operation)")
	for _, c := range columns {
		fmt.Fprintf(tw, "\t%s", c.desc)
	}
	fmt.Fprint(tw, "\t\n")
	for _, r := range rows {
		fmt.Fprint(tw, r.name)
		for _, c := range columns {
			cell, ok := table[[2]string{r.name, c.method}]
			if !ok {
				cell = "(not run)"
			}
			fmt.Fprintf(tw, "\t%s", cell)
		}
		fmt.Fprint(tw, "\t\n")
	}
	_ = tw.Flush()
	t.Logf("fault matrix: cell = outcome (attempts); ✗ marks a cell that broke the design's rule\n%s", b.String())
	require.Len(t, table, len(rows)*len(columns))
}

// cellRun is one cell of the matrix: a fresh fake with r's fault injected
// once, the call of c's operation, and what it returned.
type cellRun struct {
	r         row
	c         column
	dialer    *refusingDialer
	tg        *target
	f         fake.Fault
	refuse    bool
	closeFake func()

	resp    *client.Response
	err     error
	elapsed time.Duration
}

// prepareCell starts c's fake with a client dialing through a refusing
// dialer.
func prepareCell(t *testing.T, r row, c column, closed string) *cellRun {
	cr := &cellRun{r: r, c: c, dialer: &refusingDialer{closed: closed}}
	tr := &http.Transport{DialContext: cr.dialer.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	cr.tg = c.open(t, &http.Client{Transport: tr})
	cr.closeFake = sync.OnceFunc(cr.tg.close)
	t.Cleanup(cr.closeFake)
	return cr
}

// call injects the fault (just now, so that a Retry-After date is as far
// ahead as the row says), runs the operation once and then closes the
// fake, which waits for its handlers, so that its state is final.
func (cr *cellRun) call(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cr.f, cr.refuse = cr.r.fault(cr.c, cr.tg)
	if cr.refuse {
		cr.dialer.refuse.Store(1)
	} else {
		cr.tg.faults.Inject(cr.f)
	}
	start := time.Now()
	cr.resp, cr.err = cr.tg.call(ctx, cr.r.opts...)
	cr.elapsed = time.Since(start)
	cr.closeFake()
}

// check asserts the cell's outcome and returns its table entry.
func (cr *cellRun) check(t *testing.T) string {
	r, c, tg, f, refuse, dialer := cr.r, cr.c, cr.tg, cr.f, cr.refuse, cr.dialer
	resp, err, elapsed := cr.resp, cr.err, cr.elapsed
	w, got := r.expect(c), observe(c, resp, err)
	label := got.label()
	ok := assert.Equal(t, w.label(), label, "outcome (error: %v)", err)

	// Server side: how many requests reached the fake, and whether the
	// operation took effect, exactly once or not at all.
	ok = assert.Equal(t, w.requests, tg.faults.Requests(c.op), "requests of %s reaching the fake", c.op) && ok
	if tg.applied != nil {
		applied, aerr := tg.applied()
		ok = assert.NoError(t, aerr, "state after the call") && ok
		ok = assert.Equal(t, w.applied, applied, "operation took effect") && ok
	}

	if err != nil {
		for _, s := range tg.secrets {
			ok = assert.NotContains(t, err.Error(), s, "credential in the error string") && ok
		}
	}
	ok = checkDetails(t, r, c, f, resp, err, elapsed) && ok
	if refuse {
		dialer.mu.Lock()
		errs := dialer.errs
		dialer.mu.Unlock()
		if assert.Len(t, errs, 1, "refused dials") {
			var op *net.OpError
			ok = assert.ErrorAs(t, errs[0], &op) && assert.Equal(t, "dial", op.Op) &&
				assert.ErrorIs(t, errs[0], syscall.ECONNREFUSED) && ok
		} else {
			ok = false
		}
	}
	switch {
	case ok:
	case label == w.label():
		label += " ✗" // the outcome is right, a detail is not (see the failure)
	default:
		label += " ✗ want " + w.label()
	}
	return label
}

// checkDetails asserts what the outcome class alone does not show: raw
// bytes, sentinels, causes and timing.
func checkDetails(t *testing.T, r row, c column, f fake.Fault, resp *client.Response, err error, elapsed time.Duration) bool {
	ok := true
	if r.minElapsed > 0 {
		ok = assert.GreaterOrEqual(t, elapsed, r.minElapsed, "the server's Retry-After was not honoured") && ok
	}
	if r.maxElapsed > 0 {
		ok = assert.Less(t, elapsed, r.maxElapsed, "the call waited too long") && ok
	}
	var (
		rae *client.RetryAfterError
		ae  *client.APIError
		de  *client.DecodeError
	)
	switch {
	case errors.As(err, &rae):
		ok = assert.ErrorIs(t, err, client.ErrRetryAfterTooLong) && ok
		ok = assert.Greater(t, rae.Wait, rae.Cap, "RetryAfterError under its cap") && ok
		ok = assert.ErrorIs(t, err, client.ErrRateLimited) && ok
	case errors.As(err, &ae):
		if f.Body != nil {
			ok = assert.Equal(t, string(f.Body), string(ae.Body), "APIError.Body is the raw body") && ok
		} else if c.method != http.MethodHead {
			ok = assert.NotEmpty(t, ae.Message, "the service's error message is decoded") && ok
		}
		if ae.StatusCode >= 500 {
			ok = assert.ErrorIs(t, err, client.ErrServer) && ok
		}
		ok = assert.Equal(t, c.method, ae.Method) && ok
	case errors.As(err, &de):
		ok = assert.True(t, bytes.Equal(f.Body, de.Body), "DecodeError.Body %q is not the raw body %q", de.Body, f.Body) && ok
		ok = assert.Equal(t, c.okStatus, de.StatusCode) && ok
		ok = assert.ErrorIs(t, err, client.ErrUnexpectedResponse) && ok
		ok = assert.NotNil(t, resp, "a DecodeError comes with the response") && ok
	}
	if r.kind == kindTimeout && err != nil {
		ok = assert.ErrorIs(t, err, context.DeadlineExceeded, "a timed-out attempt reports its deadline") && ok
	}
	if err == nil && resp != nil && c.bodyless {
		ok = assert.Empty(t, resp.RawBody, "a body-less answer carried a body") && ok
	}
	return ok
}
