// Package fake holds what the four fakes share for their users: fault
// injection (Fault, Faults), the options of a fake's handler
// (ValidateResponses, OnViolation) and the running Server. The fakes
// themselves live in one package per service, named so that they do not
// clash with the generated packages at the import site:
//
//	fake/kipufake     Kipu Quantum Hub user-service  kipufake.Start()
//	fake/harborfake   Harbor API v2.0 users          harborfake.Start()
//	fake/homeboxfake  Homebox /api/v1/users          homeboxfake.Start()
//	fake/vectarafake  Vectara v2 users               vectarafake.Start()
//
// Each is in-memory and stateful, validates every request against its
// document in api/, checks its own answers against it in test binaries,
// enforces auth as the real service does, and can inject faults:
//
//	srv := vectarafake.Start() // 127.0.0.1, random port
//	defer srv.Close()
//	srv.Faults.FailNext(1, "createUser", 503, "0")
//	srv.Faults.Inject(fake.Fault{Operation: "getUser", Latency: 2 * time.Second})
package fake

import "github.com/userapis/userapis-go/internal/fakekit"

type (
	// Fault is an injected failure; see fakekit's documentation of the
	// fields: Operation, Count, Status, RetryAfter, Header, ContentType,
	// Body, Latency, Drop, Truncate.
	Fault = fakekit.Fault
	// Faults is a fake's queue of injected failures.
	Faults = fakekit.Faults
	// Option configures a fake's handler (Start, Listen, Handler).
	Option = fakekit.Option
	// Server is a fake listening on 127.0.0.1: URL, Faults, Close, Client,
	// Violations.
	Server = fakekit.Server
)

// ViolationHeader marks an answer that replaced one breaking the
// document (see ValidateResponses).
const ViolationHeader = fakekit.ViolationHeader

// ValidateResponses switches the check of the fake's own answers on or
// off. When on, every answer of an operation (not injected faults, and not
// the router's answers for an unknown path) is validated against the
// document before it is sent: the status must be declared for the
// operation, declared headers present and valid, and the body must match
// the declared media type and schema. An answer that breaks the document
// is not sent: the client gets 500 text/plain naming the violation, with
// the header X-Fake-Contract-Violation; the violation is logged (or handed
// to OnViolation) and kept (Server.Violations). Default: on in test
// binaries (testing.Testing), off otherwise; `userapis serve
// -validate-responses` turns it on for a served fake.
func ValidateResponses(on bool) Option { return fakekit.ValidateResponses(on) }

// WithControl serves the fakes' control API (api/control.yaml) beside the
// service, under /__userapis (Server.ControlURL): reset to the seed, seed
// objects, queue faults, read and advance the clock, read the outbox
// (password-reset tokens, OIDC codes, one-time codes), Harbor's auth mode,
// Homebox's identity provider, the recorded violations. Off unless asked
// for; `userapis serve` turns it on. With it on, the fake reads its time
// from the control API's clock (real time until advanced).
func WithControl(on bool) Option { return fakekit.WithControl(on) }

// ControlPath is the path prefix of the control API.
const ControlPath = fakekit.ControlPath

// Message is one message a fake's service sent out of band (Outbox).
type Message = fakekit.Message

// OnViolation calls fn with each violation the fake finds in its own
// answers, instead of logging it. fn must be safe for concurrent use.
func OnViolation(fn func(error)) Option { return fakekit.OnViolation(fn) }

// UnhandledViolations is how many answers, across every fake in this
// process, broke their document with no OnViolation callback to take them.
// A TestMain can fail the run when it is not zero.
func UnhandledViolations() int64 { return fakekit.UnhandledViolations() }
