// The control API of a fake (api/control.yaml): reset, seeding, faults,
// the clock, the out-of-band outbox, Harbor's auth mode, Homebox's identity
// provider and the recorded violations, over HTTP under /__userapis. A thin
// layer over the fakes' Go API: every ability is a Go method of the fake or
// of the kit, which this file only maps.

package fakekit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/userapis/userapis-go/gen/control"
	"github.com/userapis/userapis-go/gen/control/controlserver"
)

// ControlPath is the reserved path prefix of the control API: none of the
// four real services uses it.
const ControlPath = "/__userapis"

// Controlled is what a fake gives its control API. The fake packages
// implement it with small adapters over their public Go methods.
type Controlled interface {
	// Info names the service (its short name, title and API base path).
	Info() (service, title, basePath string)
	// Reset puts the fake back to its seed (state and configuration).
	Reset()
	// SetClock installs the clock the fake reads its time from.
	SetClock(now func() time.Time)
	// Describe lists the seeded credentials, the users the fake holds now
	// and its other seeded objects by kind.
	Describe() (credentials map[string]string, users []map[string]any, objects map[string][]string)
	// Seed adds an object of kind; ErrNoSuchKind when the fake has none.
	Seed(kind string, obj map[string]any) (map[string]any, error)
	// Outbox is what the service sent out of band, oldest first.
	Outbox() []Message
	// ClearOutbox forgets the messages Outbox lists.
	ClearOutbox()
}

// AuthModeSetter is a Controlled fake with auth modes (Harbor).
type AuthModeSetter interface {
	SetAuthMode(mode string)
}

// OIDCProvider is a Controlled fake with an identity provider stand-in
// (Homebox): Authorize answers the login of state for the identity.
type OIDCProvider interface {
	AuthorizeOIDC(state, subject, email, name string) (code string, err error)
}

// ErrNoSuchKind is Controlled.Seed's error for a kind the fake has not.
var ErrNoSuchKind = errors.New("this fake has no such kind of object")

// Message is one message a service sent out of band.
type Message struct {
	Kind  string // password_reset, oidc_code or one_time_code
	To    string
	Value string
	At    time.Time
}

// Outbox keeps the messages a fake sent out of band, the newest
// maxOutbox, safe for concurrent use.
type Outbox struct {
	mu   sync.Mutex
	msgs []Message
}

// maxOutbox bounds an Outbox: a long-running fake under churn keeps only
// the newest messages.
const maxOutbox = 1000

// Add files m.
func (o *Outbox) Add(m Message) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.msgs = append(o.msgs, m)
	if len(o.msgs) > maxOutbox {
		o.msgs = slices.Clone(o.msgs[len(o.msgs)-maxOutbox:])
	}
}

// List returns the messages, oldest first.
func (o *Outbox) List() []Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.msgs)
}

// Clear forgets every message.
func (o *Outbox) Clear() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.msgs = nil
}

// Clock is a fake's time under the control API: real time plus an offset
// that only moves forward (or back to zero on a reset).
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now is the fake's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

func (c *Clock) state() control.Clock {
	c.mu.Lock()
	defer c.mu.Unlock()
	return control.Clock{Now: time.Now().Add(c.offset).UTC(), OffsetSeconds: c.offset.Seconds()}
}

func (c *Clock) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = 0
}

// controlAPI serves api/control.yaml for one running fake.
type controlAPI struct {
	srv   *Server
	ctl   Controlled
	clock *Clock
}

var _ controlserver.StrictServerInterface = (*controlAPI)(nil)

// controlHandler is the control API of srv's fake, mounted at ControlPath.
func controlHandler(srv *Server, ctl Controlled, clock *Clock) http.Handler {
	api := &controlAPI{srv: srv, ctl: ctl, clock: clock}
	bad := func(w http.ResponseWriter, _ *http.Request, err error) {
		writeControlError(w, http.StatusBadRequest, err.Error())
	}
	strict := controlserver.NewStrictHandlerWithOptions(api, nil, controlserver.StrictHTTPServerOptions{
		RequestErrorHandlerFunc: bad,
		ResponseErrorHandlerFunc: func(w http.ResponseWriter, _ *http.Request, err error) {
			writeControlError(w, http.StatusInternalServerError, err.Error())
		},
	})
	mux := http.NewServeMux()
	h := controlserver.HandlerWithOptions(strict, controlserver.StdHTTPServerOptions{BaseURL: ControlPath, BaseRouter: mux, ErrorHandlerFunc: bad})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == ControlPath { // the description, without its slash
			r.URL.Path += "/"
		}
		h.ServeHTTP(w, r)
	})
}

func writeControlError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(control.Error{Error: msg})
}

// DescribeFake implements GET /__userapis/.
func (a *controlAPI) DescribeFake(context.Context, controlserver.DescribeFakeRequestObject) (controlserver.DescribeFakeResponseObject, error) {
	service, title, base := a.ctl.Info()
	creds, users, objects := a.ctl.Describe()
	d := control.Description{
		Service: control.DescriptionService(service), Title: title,
		URL: a.srv.URL, ServerURL: a.srv.URL + base, ControlURL: a.srv.URL + ControlPath,
		Credentials: creds, Users: []control.Object{}, Objects: objects,
		Abilities: []string{"describeFake", "resetFake", "seedObject", "queueFault", "clearFaults", "getClock", "advanceClock", "listOutbox", "listViolations", "clearViolations"},
	}
	if d.Credentials == nil {
		d.Credentials = map[string]string{}
	}
	if d.Objects == nil {
		d.Objects = map[string][]string{}
	}
	for _, u := range users {
		d.Users = append(d.Users, u)
	}
	if _, ok := a.ctl.(AuthModeSetter); ok {
		d.Abilities = append(d.Abilities, "setAuthMode")
	}
	if _, ok := a.ctl.(OIDCProvider); ok {
		d.Abilities = append(d.Abilities, "authorizeOIDC")
	}
	return controlserver.DescribeFake200JSONResponse(d), nil
}

// ResetFake implements POST /__userapis/reset.
func (a *controlAPI) ResetFake(context.Context, controlserver.ResetFakeRequestObject) (controlserver.ResetFakeResponseObject, error) {
	a.ctl.Reset()
	a.ctl.ClearOutbox()
	a.srv.Faults.Reset()
	a.srv.violations.clear()
	a.clock.reset()
	return controlserver.ResetFake204Response{}, nil
}

// SeedObject implements POST /__userapis/objects/{kind}.
func (a *controlAPI) SeedObject(_ context.Context, req controlserver.SeedObjectRequestObject) (controlserver.SeedObjectResponseObject, error) {
	if req.Body == nil {
		return controlserver.SeedObject400JSONResponse{Error: "a JSON object is required"}, nil
	}
	made, err := a.ctl.Seed(req.Kind, *req.Body)
	switch {
	case errors.Is(err, ErrNoSuchKind):
		service, _, _ := a.ctl.Info()
		return controlserver.SeedObject404JSONResponse{Error: fmt.Sprintf("%s: no objects of kind %q", service, req.Kind)}, nil
	case err != nil:
		return controlserver.SeedObject400JSONResponse{Error: err.Error()}, nil
	}
	return controlserver.SeedObject201JSONResponse(made), nil
}

// QueueFault implements POST /__userapis/faults.
func (a *controlAPI) QueueFault(_ context.Context, req controlserver.QueueFaultRequestObject) (controlserver.QueueFaultResponseObject, error) {
	if req.Body == nil {
		return controlserver.QueueFault400JSONResponse{Error: "a JSON object is required"}, nil
	}
	f, err := faultOf(*req.Body)
	if err != nil {
		return controlserver.QueueFault400JSONResponse{Error: err.Error()}, nil
	}
	a.srv.Faults.Inject(f)
	return controlserver.QueueFault204Response{}, nil
}

// faultOf maps the control API's fault to the kit's.
func faultOf(in control.Fault) (Fault, error) {
	f := Fault{
		Operation: deref(in.Operation), Count: deref(in.Count), Status: deref(in.Status),
		RetryAfter: deref(in.RetryAfter), ContentType: deref(in.ContentType),
		Latency: time.Duration(deref(in.LatencyMs)) * time.Millisecond,
		Drop:    deref(in.Drop), Truncate: deref(in.Truncate),
	}
	if in.Body != nil {
		f.Body = []byte(*in.Body)
	}
	if in.Headers != nil {
		f.Header = http.Header{}
		for k, v := range *in.Headers {
			f.Header.Set(k, v)
		}
	}
	switch {
	case f.Count < 0 || f.Latency < 0:
		return f, errors.New("count and latency_ms must not be negative")
	case f.Status != 0 && (f.Status < 100 || f.Status > 599):
		return f, fmt.Errorf("status %d is no HTTP status", f.Status)
	case f.Status == 0 && !f.Drop && f.Latency == 0:
		return f, errors.New("a fault needs a status, drop or latency_ms")
	case f.Truncate && f.Status == 0:
		return f, errors.New("truncate needs a status whose body to cut")
	}
	return f, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// ClearFaults implements DELETE /__userapis/faults.
func (a *controlAPI) ClearFaults(context.Context, controlserver.ClearFaultsRequestObject) (controlserver.ClearFaultsResponseObject, error) {
	a.srv.Faults.Reset()
	return controlserver.ClearFaults204Response{}, nil
}

// GetClock implements GET /__userapis/clock.
func (a *controlAPI) GetClock(context.Context, controlserver.GetClockRequestObject) (controlserver.GetClockResponseObject, error) {
	return controlserver.GetClock200JSONResponse(a.clock.state()), nil
}

// AdvanceClock implements POST /__userapis/clock/advance.
func (a *controlAPI) AdvanceClock(_ context.Context, req controlserver.AdvanceClockRequestObject) (controlserver.AdvanceClockResponseObject, error) {
	if req.Body == nil || !(req.Body.Seconds > 0) || req.Body.Seconds > 100*365*24*3600 {
		return controlserver.AdvanceClock400JSONResponse{Error: "seconds must be a positive number of at most a hundred years"}, nil
	}
	a.clock.Advance(time.Duration(req.Body.Seconds * float64(time.Second)))
	return controlserver.AdvanceClock200JSONResponse(a.clock.state()), nil
}

// ListOutbox implements GET /__userapis/outbox.
func (a *controlAPI) ListOutbox(context.Context, controlserver.ListOutboxRequestObject) (controlserver.ListOutboxResponseObject, error) {
	out := controlserver.ListOutbox200JSONResponse{}
	for _, m := range a.ctl.Outbox() {
		out = append(out, control.Message{Kind: control.MessageKind(m.Kind), To: m.To, Value: m.Value, At: m.At.UTC()})
	}
	return out, nil
}

// AuthorizeOIDC implements POST /__userapis/oidc/authorize.
func (a *controlAPI) AuthorizeOIDC(_ context.Context, req controlserver.AuthorizeOIDCRequestObject) (controlserver.AuthorizeOIDCResponseObject, error) {
	p, ok := a.ctl.(OIDCProvider)
	if !ok {
		service, _, _ := a.ctl.Info()
		return controlserver.AuthorizeOIDC404JSONResponse{Error: service + " has no identity provider"}, nil
	}
	if req.Body == nil {
		return controlserver.AuthorizeOIDC400JSONResponse{Error: "a JSON object is required"}, nil
	}
	code, err := p.AuthorizeOIDC(req.Body.State, deref(req.Body.Subject), req.Body.Email, deref(req.Body.Name))
	if err != nil {
		return controlserver.AuthorizeOIDC400JSONResponse{Error: err.Error()}, nil
	}
	return controlserver.AuthorizeOIDC200JSONResponse{Code: code}, nil
}

// SetAuthMode implements PUT /__userapis/auth-mode.
func (a *controlAPI) SetAuthMode(_ context.Context, req controlserver.SetAuthModeRequestObject) (controlserver.SetAuthModeResponseObject, error) {
	s, ok := a.ctl.(AuthModeSetter)
	if !ok {
		service, _, _ := a.ctl.Info()
		return controlserver.SetAuthMode404JSONResponse{Error: service + " has no auth modes"}, nil
	}
	if req.Body == nil || !req.Body.Mode.Valid() {
		return controlserver.SetAuthMode400JSONResponse{Error: "mode must be db_auth or oidc_auth"}, nil
	}
	s.SetAuthMode(string(req.Body.Mode))
	return controlserver.SetAuthMode204Response{}, nil
}

// ListViolations implements GET /__userapis/violations.
func (a *controlAPI) ListViolations(context.Context, controlserver.ListViolationsRequestObject) (controlserver.ListViolationsResponseObject, error) {
	out := controlserver.ListViolations200JSONResponse{}
	for _, err := range a.srv.Violations() {
		out = append(out, control.Violation{Message: err.Error()})
	}
	return out, nil
}

// ClearViolations implements DELETE /__userapis/violations.
func (a *controlAPI) ClearViolations(context.Context, controlserver.ClearViolationsRequestObject) (controlserver.ClearViolationsResponseObject, error) {
	a.srv.violations.clear()
	return controlserver.ClearViolations204Response{}, nil
}

// DecodeObject decodes a seeded object into v, a struct with JSON tags:
// an unknown field or a value of the wrong type is an error that names it.
func DecodeObject(obj map[string]any, v any) error {
	b, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// ObjectOf is v (a service's own type) as a JSON object.
func ObjectOf(v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		return map[string]any{"error": err.Error()}
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return map[string]any{"error": err.Error()}
	}
	return m
}
