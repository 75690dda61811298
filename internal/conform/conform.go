// Package conform runs a service's scenario through the facade against a
// live server and reports, step by step, every exchange that breaks the
// service's document and every behaviour the scenario relies on that does
// not hold. It backs `userapis conform`.
package conform

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// Violation is one way an exchange broke the document, or a behaviour did
// not hold.
type Violation struct {
	Operation string `json:"operation,omitempty"`
	Method    string `json:"method,omitempty"`
	Path      string `json:"path,omitempty"`
	Status    int    `json:"status,omitempty"`
	// Pointer is the JSON pointer of the offending field in the body, or
	// the header or parameter at fault ("header X-Request-Id").
	Pointer string `json:"pointer,omitempty"`
	Message string `json:"message"`

	request bool // found in the request, not the answer
}

func (v Violation) String() string {
	var b strings.Builder
	if v.Operation != "" {
		fmt.Fprintf(&b, "%s: ", v.Operation)
	}
	if v.Status != 0 {
		fmt.Fprintf(&b, "%d: ", v.Status)
	}
	if v.Pointer != "" {
		fmt.Fprintf(&b, "at %s: ", v.Pointer)
	}
	b.WriteString(v.Message)
	return b.String()
}

// Exchange is one request and its answer, as a step saw it.
type Exchange struct {
	Operation string `json:"operation"`
	Method    string `json:"method"`
	Path      string `json:"path"`
	Status    int    `json:"status"`
}

// Verdicts of a step.
const (
	Pass      = "pass"      // every exchange conformed and the behaviour held
	Violated  = "violation" // an exchange broke the document, or a behaviour did not hold
	Failed    = "error"     // the step could not run (no answer, a refused credential)
	Skipped   = "skipped"   // a write step without -write, or after a step it needs failed
	CleanedUp = "cleanup"   // a cleanup step that worked
)

// Result is one step's outcome.
type Result struct {
	Step       string      `json:"step"`
	Write      bool        `json:"write,omitempty"`
	Verdict    string      `json:"verdict"`
	Exchanges  []Exchange  `json:"exchanges"`
	Violations []Violation `json:"violations,omitempty"`
	Error      string      `json:"error,omitempty"`
	// Note says what a passing step could only partly do (an operation
	// tried on the path the run can reach: a refusal, a 404 where the
	// feature is off).
	Note string `json:"note,omitempty"`
}

// Step is one part of a scenario.
type Step struct {
	Name string
	// Write: the step creates, changes or deletes something (run only
	// with -write).
	Write bool
	// Refused: the step sends, on purpose, requests the document refuses
	// (no credential, a malformed or invalid body) to see the server's
	// error answer; their request violations are expected, not reported.
	Refused bool
	// Run does the step; an error from a Behaviour is a violation, any
	// other error a failure of the step.
	Run func(ctx context.Context) error
}

// Behaviour is an expectation of the scenario that the server did not meet
// (a created user that cannot be read back, a page that repeats items).
type Behaviour struct{ Msg string }

func (b *Behaviour) Error() string { return b.Msg }

// Behaviourf returns a *Behaviour error.
func Behaviourf(format string, args ...any) error {
	return &Behaviour{Msg: fmt.Sprintf(format, args...)}
}

// NoteError ends a step that passed on the path a run can reach, saying
// what it could not do (see Result.Note).
type NoteError struct{ Msg string }

func (e *NoteError) Error() string { return e.Msg }

// Reached returns a *NoteError.
func Reached(format string, args ...any) error {
	return &NoteError{Msg: fmt.Sprintf(format, args...)}
}

// SkipError ends a step that cannot apply to this server or account (a
// write that needs a system admin, a read of a user when there is none).
type SkipError struct{ Reason string }

func (e *SkipError) Error() string { return e.Reason }

// Skip returns a *SkipError.
func Skip(reason string) error { return &SkipError{Reason: reason} }

// Recorder files each exchange a contract.Transport validated, with its
// violations, under the running step: give its Observe to the transport's
// OnExchange.
type Recorder struct {
	mu  sync.Mutex
	cur *Result
}

// Observe files one exchange under the running step.
func (r *Recorder) Observe(op string, req *http.Request, status int, reqErr, respErr error) {
	var vs []Violation
	if reqErr != nil {
		v := violation(op, req, 0, reqErr)
		v.request = true
		vs = append(vs, v)
	}
	if respErr != nil {
		vs = append(vs, violation(op, req, status, respErr))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cur == nil {
		return
	}
	r.cur.Exchanges = append(r.cur.Exchanges, Exchange{Operation: op, Method: req.Method, Path: req.URL.Path, Status: status})
	r.cur.Violations = append(r.cur.Violations, vs...)
}

// Step names the running step ("" between steps).
func (r *Recorder) Step() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cur == nil {
		return ""
	}
	return r.cur.Step
}

func (r *Recorder) start(res *Result) {
	r.mu.Lock()
	r.cur = res
	r.mu.Unlock()
}

// violation turns a validation error into a Violation with the JSON
// pointer of the field at fault, when the error names one.
func violation(op string, req *http.Request, status int, err error) Violation {
	v := Violation{Operation: op, Method: req.Method, Path: req.URL.Path, Status: status, Message: err.Error()}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		v.Pointer = "/" + strings.Join(se.JSONPointer(), "/")
		v.Message = se.Reason
	}
	var re *openapi3filter.ResponseError
	if v.Pointer == "" && errors.As(err, &re) {
		v.Message = re.Reason
		if re.Err != nil && !strings.Contains(re.Reason, re.Err.Error()) {
			v.Message += ": " + re.Err.Error()
		}
		if name, ok := strings.CutPrefix(re.Reason, "response header "); ok {
			v.Pointer = "header " + strings.Trim(strings.Fields(name)[0], `"`)
		}
	}
	var rq *openapi3filter.RequestError
	if v.Pointer == "" && errors.As(err, &rq) {
		if rq.Parameter != nil {
			v.Pointer = rq.Parameter.In + " " + rq.Parameter.Name
		}
	}
	return v
}

// Run runs steps in order with rec filing their exchanges, then the
// cleanups the steps registered (in reverse), and returns one Result per
// step and per cleanup. Write steps are skipped unless write is set; a step
// whose needs failed is skipped.
func Run(ctx context.Context, rec *Recorder, steps []Step, write bool, cleanups *Cleanups) []Result {
	var out []Result
	for _, s := range steps {
		res := Result{Step: s.Name, Write: s.Write, Exchanges: []Exchange{}}
		if s.Write && !write {
			res.Verdict = Skipped
			res.Error = "changes the server: run with -write"
			out = append(out, res)
			continue
		}
		rec.start(&res)
		err := s.Run(ctx)
		rec.start(nil)
		if s.Refused {
			res.Violations = slices.DeleteFunc(res.Violations, func(v Violation) bool { return v.request })
		}
		res.Verdict = verdict(&res, err)
		out = append(out, res)
	}
	for _, c := range cleanups.take() {
		res := Result{Step: "cleanup: " + c.name, Write: true, Exchanges: []Exchange{}}
		rec.start(&res)
		err := c.fn(context.WithoutCancel(ctx))
		rec.start(nil)
		res.Verdict = verdict(&res, err)
		if res.Verdict == Pass {
			res.Verdict = CleanedUp
		} else if err != nil {
			res.Error = "could not remove it: " + res.Error
		}
		out = append(out, res)
	}
	return out
}

func verdict(res *Result, err error) string {
	var b *Behaviour
	var sk *SkipError
	var note *NoteError
	switch {
	case errors.As(err, &note) && len(res.Violations) == 0:
		res.Note = note.Msg
		return Pass
	case errors.As(err, &sk) && len(res.Violations) == 0:
		res.Error = sk.Reason
		return Skipped
	case errors.As(err, &b):
		res.Violations = append(res.Violations, Violation{Message: b.Msg})
		return Violated
	case err != nil:
		res.Error = err.Error()
		if len(res.Violations) > 0 {
			return Violated
		}
		return Failed
	case len(res.Violations) > 0:
		return Violated
	}
	return Pass
}

// Cleanups are the removals of what write steps created, run after the
// scenario whatever happened.
type Cleanups struct {
	mu   sync.Mutex
	list []cleanup
}

type cleanup struct {
	name string
	fn   func(ctx context.Context) error
}

// Add registers fn, named name, to run after the scenario.
func (c *Cleanups) Add(name string, fn func(ctx context.Context) error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.list = append(c.list, cleanup{name, fn})
}

// Forget drops the cleanup named name (the scenario removed it itself).
func (c *Cleanups) Forget(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.list {
		if x.name == name {
			c.list = append(c.list[:i], c.list[i+1:]...)
			return
		}
	}
}

func (c *Cleanups) take() []cleanup {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]cleanup, 0, len(c.list))
	for i := len(c.list) - 1; i >= 0; i-- {
		out = append(out, c.list[i])
	}
	c.list = nil
	return out
}

// Failed reports whether any result is a violation or an error.
func HasViolations(results []Result) bool {
	for _, r := range results {
		if r.Verdict == Violated || r.Verdict == Failed {
			return true
		}
	}
	return false
}
