// Package fakekit is what the four fakes share: routing a request to its
// operation with the service's document, fault injection, request
// validation, the check of each answer against the document, the one
// response-writer wrapper, domain errors with their status, the
// operations that need no credentials (from the document's security),
// and starting a fake as a server. Each fake package (fake/<service>fake)
// adds only its store, its handlers and its error shape.
package fakekit

import (
	"context"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Document is a fake's document made ready once per process: parsed,
// adjusted, its servers replaced by the base path, routed, and its public
// operations listed. It is never changed afterwards, so every fake of the
// service shares it: starting a fake costs its state, not a parse.
type Document struct {
	Doc    *openapi3.T
	Router routers.Router
	// Public lists the operations that need no credentials (see
	// PublicOperations).
	Public map[string]bool
}

// Prepare returns the Document of a service's embedded document, built on
// the first call and shared by every later one: load parses it, adjust
// (may be nil) changes it before it is frozen (RelaxRequestSchemas), and
// basePath replaces its servers. A document that does not load panics:
// the embedded documents are the fakes' own, and must work.
func Prepare(service, basePath string, load func() (*openapi3.T, error), adjust func(*openapi3.T)) func() *Document {
	return sync.OnceValue(func() *Document {
		doc, err := load()
		if err != nil {
			panic("fakekit: " + service + ": document: " + err.Error())
		}
		if adjust != nil {
			adjust(doc)
		}
		doc.Servers = openapi3.Servers{{URL: basePath}}
		r, err := gorillamux.NewRouter(doc)
		if err != nil {
			panic("fakekit: " + service + ": router: " + err.Error())
		}
		return &Document{Doc: doc, Router: r, Public: PublicOperations(doc)}
	})
}

// Config describes one service to the kit.
type Config struct {
	// Service names the document: api/<Service>.yaml.
	Service string
	// Document is the service's prepared document (Prepare). When it is
	// nil, Doc is routed anew, its servers replaced by BasePath.
	Document *Document
	// Doc is the service's document, for a kit without a prepared one.
	Doc      *openapi3.T
	BasePath string
	// Faults is the service's fault queue.
	Faults *Faults
	// BadRequest answers, in the service's own shape, a request the
	// router (404, 405) or the document (400) refuses.
	BadRequest func(w http.ResponseWriter, r *http.Request, e RequestError)
	// Label, when set, may rewrite the headers of every answer just before
	// its status is written (the media type labels a real server uses).
	Label func(h http.Header, status int)
	// Done, when set, is called with every answer once it is complete (a
	// rate limiter counts failures by status); not for injected faults.
	Done func(w *Writer)
}

// RequestError is a request the kit refused before any handler ran.
type RequestError struct {
	Status    int    // 404 (no route), 405 (no such method) or 400
	Operation string // the operationId (lower camel) for a 400, else ""
	Message   string // kin-openapi's first line, or "no such endpoint: ..."
	Allow     string // for a 405: the methods the path is served for
}

// Kit routes, validates and checks the requests and answers of one fake.
type Kit struct {
	cfg    Config
	router routers.Router
	opts   options
}

// New returns the kit for cfg with the handler options opts.
func New(cfg Config, opts ...Option) (*Kit, error) {
	if cfg.Document != nil {
		return &Kit{cfg: cfg, router: cfg.Document.Router, opts: newOptions(opts)}, nil
	}
	cfg.Doc.Servers = openapi3.Servers{{URL: cfg.BasePath}}
	r, err := gorillamux.NewRouter(cfg.Doc)
	if err != nil {
		return nil, err
	}
	return &Kit{cfg: cfg, router: r, opts: newOptions(opts)}, nil
}

// MustNew is New for a fake's own, embedded document, which must work.
func MustNew(cfg Config, opts ...Option) *Kit {
	k, err := New(cfg, opts...)
	if err != nil {
		panic("fakekit: " + cfg.Service + ": " + err.Error())
	}
	return k
}

type opKey struct{}

// OperationOf returns the operationId (lower camel) the kit routed the
// request of ctx to.
func OperationOf(ctx context.Context) string {
	s, _ := ctx.Value(opKey{}).(string)
	return s
}

// Handler wraps next, the service's authentication and handlers, with the
// kit: every answer goes through one *Writer; the request is routed to its
// operation, a queued fault is applied, the request is validated against
// the document, and (with ValidateResponses) the answer is checked before
// it leaves.
func (k *Kit) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w := &Writer{ResponseWriter: rw, Request: r, label: k.cfg.Label}
		faulted := false
		if k.cfg.Done != nil {
			defer func() {
				if !faulted {
					k.cfg.Done(w)
				}
			}()
		}
		route, params, err := k.router.FindRoute(r)
		if err != nil {
			e := RequestError{Status: http.StatusNotFound, Message: "no such endpoint: " + r.Method + " " + r.URL.Path}
			if strings.Contains(err.Error(), "method not allowed") {
				e.Status, e.Allow = http.StatusMethodNotAllowed, k.allowed(r)
			}
			k.cfg.BadRequest(w, r, e)
			return
		}
		w.Operation = route.Operation.OperationID
		if fault := k.cfg.Faults.Take(w.Operation); fault != nil && k.cfg.Faults.Apply(w, r, fault) {
			faulted = true
			return
		}
		in := &openapi3filter.RequestValidationInput{
			Request: r, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		}
		if k.opts.validateResponses {
			w.hold()
			defer w.finish(k, in)
		}
		if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
			k.cfg.BadRequest(w, r, RequestError{Status: http.StatusBadRequest, Operation: w.Operation, Message: firstLine(err.Error())})
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), opKey{}, w.Operation)))
	})
}

// allowed lists the methods the document serves at r's path.
func (k *Kit) allowed(r *http.Request) string {
	var methods []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, _, err := k.router.FindRoute(probe); err == nil {
			methods = append(methods, m)
		}
	}
	return strings.Join(methods, ", ")
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// PublicOperations lists the operations (lower camel) that need no
// credentials by the document's security: those whose requirements (their
// own, else the document's) are empty or include the empty alternative
// `{}`. For these the fake lets anonymous callers through to the handler,
// which decides, as the real service does.
func PublicOperations(doc *openapi3.T) map[string]bool {
	out := map[string]bool{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			reqs := doc.Security
			if op.Security != nil {
				reqs = *op.Security
			}
			public := len(reqs) == 0
			for _, req := range reqs {
				public = public || len(req) == 0
			}
			if public {
				out[op.OperationID] = true
			}
		}
	}
	return out
}

// RelaxRequestSchemas drops the required lists of the named request
// schemas (and, with lengths, their properties' length limits), for a
// fake whose real server checks those bodies in its handlers, with its
// own statuses and messages, rather than in a schema validator.
func RelaxRequestSchemas(doc *openapi3.T, lengths bool, names ...string) {
	for _, name := range names {
		s := doc.Components.Schemas[name]
		if s == nil || s.Value == nil {
			panic("fakekit: no schema " + name + " to relax")
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
