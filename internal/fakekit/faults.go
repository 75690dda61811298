// The fault injection the fakes share: a queue of failures (statuses with
// Retry-After, latency, dropped or truncated answers) taken per operation,
// so that users of a fake can test their own retry handling.

package fakekit

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Fault is an injected failure. A request matching Operation (any when
// empty) consumes one of Count (1 when zero) and then, in order: waits
// Latency; drops the connection when Drop; otherwise answers Status with
// Header, Body and ContentType; with Truncate the body is cut short and the
// connection closed mid-response. A fault with only Latency delays the
// request and lets it through.
type Fault struct {
	Operation   string // operationId, e.g. "createUser"; "" matches every operation
	Count       int
	Status      int
	RetryAfter  string // sets the Retry-After header
	Header      http.Header
	ContentType string // default application/json
	Body        []byte // default: the service's own error body for Status
	Latency     time.Duration
	// Drop closes the connection without an answer. Go's client resends an
	// idempotent request once by itself when a reused connection dies
	// before any answer, so use Count >= 2 to make a GET see the drop.
	Drop     bool
	Truncate bool
}

// Faults is a queue of injected failures, safe for concurrent use.
type Faults struct {
	mu     sync.Mutex
	queue  []*Fault
	counts map[string]int // requests that reached the fake, per operation
	errFn  func(status int, msg string) []byte
}

// NewFaults returns an empty queue whose injected statuses get the body
// errBody gives (the service's own error shape) unless a Fault has one.
func NewFaults(errBody func(status int, msg string) []byte) *Faults {
	return &Faults{errFn: errBody}
}

// Inject queues f.
func (f *Faults) Inject(fault Fault) {
	if fault.Count <= 0 {
		fault.Count = 1
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queue = append(f.queue, &fault)
}

// FailNext makes the next n requests (of operation op, or any when op is
// "") answer status, with a Retry-After header when retryAfter is not "".
func (f *Faults) FailNext(n int, op string, status int, retryAfter string) {
	f.Inject(Fault{Operation: op, Count: n, Status: status, RetryAfter: retryAfter})
}

// Reset drops every queued fault.
func (f *Faults) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queue = nil
}

// Requests returns how many requests for operation op reached the fake,
// faulted ones included. op is the document's operationId; case does not
// matter (the generated code spells getUserById GetUserByID).
func (f *Faults) Requests(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[strings.ToLower(op)]
}

// Take consumes the first queued fault for op, counting the request.
func (f *Faults) Take(op string) *Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.counts == nil {
		f.counts = map[string]int{}
	}
	f.counts[strings.ToLower(op)]++
	for i, q := range f.queue {
		if q.Operation == "" || strings.EqualFold(q.Operation, op) {
			q.Count--
			if q.Count <= 0 {
				f.queue = append(f.queue[:i], f.queue[i+1:]...)
			}
			c := *q
			return &c
		}
	}
	return nil
}

// Apply carries out fault on w; it reports whether the request is done.
func (f *Faults) Apply(w http.ResponseWriter, r *http.Request, fault *Fault) bool {
	if r.Body != nil && r.Body != http.NoBody {
		// Read the body first so that the server notices a client that
		// hangs up during the latency, and Close does not wait it out.
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		_ = r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	if fault.Latency > 0 {
		t := time.NewTimer(fault.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	if fault.Drop {
		hijackClose(w)
		return true
	}
	if fault.Status == 0 {
		return false
	}
	body := fault.Body
	if body == nil && f.errFn != nil {
		body = f.errFn(fault.Status, http.StatusText(fault.Status))
	}
	for k, vs := range fault.Header {
		w.Header()[k] = vs
	}
	ct := fault.ContentType
	if ct == "" {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	if fault.RetryAfter != "" {
		w.Header().Set("Retry-After", fault.RetryAfter)
	}
	if fault.Truncate {
		w.Header().Set("Content-Length", fmt.Sprint(len(body)+64))
		w.WriteHeader(fault.Status)
		_, _ = w.Write(body[:len(body)/2])
		_ = http.NewResponseController(w).Flush()
		hijackClose(w)
		return true
	}
	w.WriteHeader(fault.Status)
	_, _ = w.Write(body)
	return true
}

func hijackClose(w http.ResponseWriter) {
	// ResponseController follows Unwrap, so wrapped writers work too.
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // reset rather than a clean close
	}
	_ = conn.Close()
}
