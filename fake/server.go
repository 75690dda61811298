// Package fake provides in-memory, stateful fake servers for the four
// services of this module, built on the generated strict-server interfaces.
// They validate every request against the service's OpenAPI document,
// enforce auth and roles as the real services do, and can inject faults so
// that callers can test their own retry handling.
//
// Each service has a constructor that starts it on 127.0.0.1 with a random
// port, in the style of httptest:
//
//	srv := fake.StartHarbor()
//	defer srv.Close()
//	c, _ := client.NewHarbor(client.WithBaseURL(srv.URL), client.WithBasicAuth(srv.AdminUser, srv.AdminPassword))
package fake

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
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
// faulted ones included.
func (f *Faults) Requests(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[op]
}

func (f *Faults) take(op string) *Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.counts == nil {
		f.counts = map[string]int{}
	}
	f.counts[op]++
	for i, q := range f.queue {
		if q.Operation == "" || q.Operation == op {
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

// apply carries out fault on w; it reports whether the request is done.
func (f *Faults) apply(w http.ResponseWriter, r *http.Request, fault *Fault) bool {
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

// validator checks incoming requests against the service's document.
type validator struct {
	service string // the document is api/<service>.yaml
	router  routers.Router
	opts    options
}

func newValidator(service string, doc *openapi3.T, basePath string, opts options) (*validator, error) {
	doc.Servers = openapi3.Servers{{URL: basePath}}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &validator{service: service, router: r, opts: opts}, nil
}

type opKey struct{}

// operationOf returns the operationId the validator matched (lower camel).
func operationOf(ctx context.Context) string {
	s, _ := ctx.Value(opKey{}).(string)
	return s
}

// middleware wraps next with fault injection, request validation and (when
// on) the check of the answer against the document. badRequest writes the
// service's own 400 (or 404 for no route) shape.
func (v *validator) middleware(faults *Faults, badRequest func(w http.ResponseWriter, status int, msg string), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route, params, err := v.router.FindRoute(r)
		if err != nil {
			status := http.StatusNotFound
			if strings.Contains(err.Error(), "method not allowed") {
				status = http.StatusMethodNotAllowed
			}
			badRequest(w, status, "no such endpoint: "+r.Method+" "+r.URL.Path)
			return
		}
		op := route.Operation.OperationID
		op = strings.ToLower(op[:1]) + op[1:]
		if fault := faults.take(op); fault != nil && faults.apply(w, r, fault) {
			return
		}
		in := &openapi3filter.RequestValidationInput{
			Request: r, PathParams: params, Route: route,
			Options: &openapi3filter.Options{
				AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
				MultiError:         false,
			},
		}
		if v.opts.validateResponses {
			cw := newCaptureWriter(w)
			defer cw.finish(v, in)
			w = cw
		}
		if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
			badRequest(w, http.StatusBadRequest, validationMessage(err))
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), opKey{}, op)))
	})
}

// relaxRequestSchemas drops the required lists of the named request
// schemas (and, with lengths, their properties' length limits), for a
// fake whose real server checks those bodies in its handlers, with its
// own statuses and messages, rather than in a schema validator.
func relaxRequestSchemas(doc *openapi3.T, lengths bool, names ...string) {
	for _, name := range names {
		s := doc.Components.Schemas[name]
		if s == nil || s.Value == nil {
			panic("fake: no schema " + name + " to relax")
		}
		s.Value.Required = nil
		if !lengths {
			continue
		}
		for _, p := range s.Value.Properties {
			if p.Value != nil {
				p.Value.MinLength, p.Value.MaxLength = 0, nil
			}
		}
	}
}

// allowed lists the methods the document serves at r's path, for the
// Allow header of a 405.
func (v *validator) allowed(r *http.Request) string {
	var methods []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, _, err := v.router.FindRoute(probe); err == nil {
			methods = append(methods, m)
		}
	}
	return strings.Join(methods, ", ")
}

// validationMessage shortens kin-openapi's error to its first line.
func validationMessage(err error) string {
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return msg
}

// Server is a fake listening on 127.0.0.1.
type Server struct {
	// URL is the base URL to give a client of this module (WithBaseURL).
	URL string
	// Faults injects failures into this server's answers.
	Faults *Faults

	hs         *httptest.Server
	violations *violationLog
}

func start(h http.Handler, faults *Faults, path string, violations *violationLog) *Server {
	hs := httptest.NewUnstartedServer(h)
	hs.Config.ReadHeaderTimeout = 10 * time.Second
	hs.Start()
	return &Server{URL: hs.URL + path, Faults: faults, hs: hs, violations: violations}
}

// listenOn starts h on addr (such as 127.0.0.1:8081) instead of a random port.
func listenOn(addr string, h http.Handler, faults *Faults, path string, violations *violationLog) (*Server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	hs := httptest.NewUnstartedServer(h)
	_ = hs.Listener.Close()
	hs.Listener = l
	hs.Config.ReadHeaderTimeout = 10 * time.Second
	hs.Start()
	return &Server{URL: hs.URL + path, Faults: faults, hs: hs, violations: violations}, nil
}

// Close shuts the server down and closes idle client connections to it.
func (s *Server) Close() {
	s.hs.CloseClientConnections()
	s.hs.Close()
}

// Client returns an *http.Client for this server (plain HTTP on loopback).
func (s *Server) Client() *http.Client { return s.hs.Client() }
