// The fakes' check of their own answers: every answer a handler gives is
// validated against the service's document (status declared, headers,
// body schema) before it is sent, so an answer the real service could not
// give fails loudly instead of passing a test.
package fake

import (
	"bytes"
	"fmt"
	"log"
	"maps"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/userapis/userapis-go/internal/contract"
)

// Option configures a fake's HTTP handler; StartX, ListenX and the
// fakes' Handler methods take them.
type Option func(*options)

type options struct {
	validateResponses bool
	onViolation       []func(error)
}

func newOptions(opts []Option) options {
	// In a test binary the check is on unless switched off: a fake that
	// answers what its document does not declare should fail the test.
	o := options{validateResponses: testing.Testing()}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// ValidateResponses switches the check of the fake's own answers on or
// off. When on, every answer of an operation (not the injected faults,
// which break the contract on purpose, and not the router's answers for an
// unknown path) is validated against the document before it is sent: the
// status must be declared for the operation, declared headers present and
// valid, and the body must match the declared media type and schema. An
// answer that breaks the document is not sent: the client gets 500
// text/plain naming the violation, with the header
// X-Fake-Contract-Violation, the violation is logged (see OnViolation)
// and kept (Server.Violations).
//
// The default is on in test binaries (testing.Testing) and off otherwise;
// `userapis serve -validate-responses` turns it on for a served fake.
func ValidateResponses(on bool) Option {
	return func(o *options) { o.validateResponses = on }
}

// OnViolation calls fn with each violation the fake finds in its own
// answers (with ValidateResponses on), instead of logging it with the log
// package. fn must be safe for concurrent use.
func OnViolation(fn func(error)) Option {
	return func(o *options) { o.onViolation = append(o.onViolation, fn) }
}

// ViolationHeader marks an answer that replaced one breaking the document.
const ViolationHeader = "X-Fake-Contract-Violation"

// unhandled counts the violations that went to the log because no
// OnViolation callback took them.
var unhandled atomic.Int64

// UnhandledViolations is how many answers, across every fake in this
// process, broke their document with no OnViolation callback to take them
// (they were logged). A TestMain can fail the run when it is not zero, as
// the module's own tests do.
func UnhandledViolations() int64 { return unhandled.Load() }

// report hands a violation to the registered callbacks, or to the log.
func (o options) report(err error) {
	if len(o.onViolation) == 0 {
		unhandled.Add(1)
		log.Print(err)
		return
	}
	for _, fn := range o.onViolation {
		fn(err)
	}
}

// violationLog keeps the violations a server's fake found.
type violationLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *violationLog) add(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
}

func (l *violationLog) list() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]error(nil), l.errs...)
}

// recordInto makes a violation also land in l (and still be logged, and
// counted as unhandled, unless the caller gave its own OnViolation).
func recordInto(l *violationLog, opts []Option) []Option {
	o := newOptions(opts)
	record := OnViolation(l.add)
	if len(o.onViolation) == 0 {
		record = OnViolation(func(err error) {
			l.add(err)
			unhandled.Add(1)
			log.Print(err)
		})
	}
	return append(append([]Option(nil), opts...), record)
}

// captureWriter holds an answer back until it has been checked. Headers
// already set by outer layers (a request id) are part of the answer.
type captureWriter struct {
	real   http.ResponseWriter
	header http.Header
	status int
	body   bytes.Buffer
}

func newCaptureWriter(w http.ResponseWriter) *captureWriter {
	return &captureWriter{real: w, header: w.Header().Clone()}
}

func (c *captureWriter) Header() http.Header { return c.header }

func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.body.Write(b)
}

// Flush does nothing: the answer leaves only once it has been checked.
func (c *captureWriter) Flush() {}

// Unwrap lets the services find their own writer (and its request)
// beneath this one.
func (c *captureWriter) Unwrap() http.ResponseWriter { return c.real }

// finish checks the held answer against in's operation and sends it, or
// sends the violation in its place.
func (c *captureWriter) finish(v *validator, in *openapi3filter.RequestValidationInput) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	real := c.real
	err := contract.CheckResponse(in, c.status, c.header, c.body.Bytes())
	if err != nil {
		err = fmt.Errorf("fake %s: %s %s (%s) answered %d, which api/%s.yaml does not allow: %w",
			v.service, in.Request.Method, in.Request.URL.Path, in.Route.Operation.OperationID, c.status, v.service, err)
		v.opts.report(err)
		h := real.Header()
		h.Del("Content-Length")
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set(ViolationHeader, "true")
		real.WriteHeader(http.StatusInternalServerError)
		_, _ = fmt.Fprintln(real, err)
		return
	}
	h := real.Header()
	clear(h)
	maps.Copy(h, c.header)
	real.WriteHeader(c.status)
	_, _ = real.Write(c.body.Bytes())
}

// writerOf finds a writer of type T in w or beneath it (Unwrap), for the
// services' error writers that need their own wrapper's request.
func writerOf[T http.ResponseWriter](w http.ResponseWriter) (T, bool) {
	for w != nil {
		if t, ok := w.(T); ok {
			return t, true
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			break
		}
		w = u.Unwrap()
	}
	var zero T
	return zero, false
}

// Violations returns the answers this server's fake refused to send
// because they broke the service's document (see ValidateResponses).
func (s *Server) Violations() []error { return s.violations.list() }
