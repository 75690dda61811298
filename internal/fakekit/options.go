// Options of a fake's handler and the record of the answers its check
// refused: on by default in test binaries, reported through the log or a
// caller's callback, counted for a TestMain.

package fakekit

import (
	"log"
	"sync"
	"sync/atomic"
	"testing"
)

// Option configures a fake's HTTP handler; StartX, ListenX and the
// fakes' Handler methods take them.
type Option func(*options)

type options struct {
	validateResponses bool
	onViolation       []func(error)
	control           bool
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

// WithControl serves the control API (api/control.yaml) beside the fake,
// under ControlPath: reset, seeding, faults, the clock, the outbox,
// violations. Off unless asked for; `userapis serve` turns it on. With it
// on, the fake's clock is the control API's (real time until advanced).
func WithControl(on bool) Option {
	return func(o *options) { o.control = on }
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

func (l *violationLog) clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = nil
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
