// Package contract checks HTTP traffic against the project's OpenAPI
// documents with kin-openapi. Tests wrap a client's transport in a
// [Transport] so that every request the client sends and every response the
// server returns is validated, and the operations seen are counted.
package contract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

func init() {
	// Binary payloads (profile images) are validated as files, like octet-stream.
	for _, ct := range []string{"image/png", "image/jpeg", "image/gif", "image/webp"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
	}
}

// Validator validates requests and responses against one document.
type Validator struct {
	doc    *openapi3.T
	router routers.Router
}

// New returns a Validator for doc whose servers are rebased onto baseURL
// (scheme and host of the server under test), keeping each server's path, so
// that requests to a local fake route like requests to the real service.
func New(doc *openapi3.T, baseURL string) (*Validator, error) {
	base, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("contract: base URL: %w", err)
	}
	path := ""
	if len(doc.Servers) > 0 {
		path = ServerPath(doc.Servers[0])
	}
	// baseURL may already carry the server path (a fake's URL such as
	// http://127.0.0.1:1234/user-service): do not append it twice.
	basePath := strings.TrimSuffix(base.Path, "/")
	if path != "" && strings.HasSuffix(basePath, path) {
		path = ""
	}
	doc.Servers = openapi3.Servers{{URL: strings.TrimSuffix(base.Scheme+"://"+base.Host+basePath+path, "/")}}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("contract: document: %w", err)
	}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("contract: router: %w", err)
	}
	return &Validator{doc: doc, router: r}, nil
}

// ServerPath is the path part of a server URL, with variables replaced by
// their defaults.
func ServerPath(s *openapi3.Server) string {
	raw := s.URL
	for name, v := range s.Variables {
		raw = strings.ReplaceAll(raw, "{"+name+"}", v.Default)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(u.Path, "/")
}

// Doc returns the document the validator checks against.
func (v *Validator) Doc() *openapi3.T { return v.doc }

// Exchange is one validated request, ready for its response.
type Exchange struct {
	OperationID string
	input       *openapi3filter.RequestValidationInput
}

func (v *Validator) options() *openapi3filter.Options {
	return &openapi3filter.Options{
		AuthenticationFunc:    authenticate,
		IncludeResponseStatus: true,
		MultiError:            false,
	}
}

// ValidateRequest checks req against the document. The request body is read
// and put back, so req can still be sent.
func (v *Validator) ValidateRequest(req *http.Request) (*Exchange, error) {
	route, pathParams, err := v.router.FindRoute(req)
	if err != nil {
		return nil, fmt.Errorf("contract: %s %s: no operation: %w", req.Method, req.URL.Path, err)
	}
	body, err := readAndRestore(&req.Body)
	if err != nil {
		return nil, err
	}
	// Validate a copy: the validator may consume the body.
	clone := req.Clone(req.Context())
	clone.Body = io.NopCloser(bytes.NewReader(body))
	in := &openapi3filter.RequestValidationInput{
		Request:    clone,
		PathParams: pathParams,
		Route:      route,
		Options:    v.options(),
	}
	ex := &Exchange{OperationID: route.Operation.OperationID, input: in}
	if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
		return ex, fmt.Errorf("contract: request of %s: %w", ex.OperationID, err)
	}
	return ex, nil
}

// ValidateResponse checks resp (status, headers, body) against the response
// the document declares for ex's operation. The body is put back.
func (v *Validator) ValidateResponse(ex *Exchange, resp *http.Response) error {
	body, err := readAndRestore(&resp.Body)
	if err != nil {
		return err
	}
	if err := CheckResponse(ex.input, resp.StatusCode, resp.Header, body); err != nil {
		return fmt.Errorf("contract: %d response of %s: %w", resp.StatusCode, ex.OperationID, err)
	}
	return nil
}

// EmptyBodyExtension, set to true on a response object of a document,
// declares that the server may send that response with no body and no
// Content-Type (Harbor's 500 after a handler panic) although it declares
// content for the usual case. OpenAPI 3.0 has no way to say "content is
// optional"; kin-openapi would otherwise refuse the missing Content-Type.
const EmptyBodyExtension = "x-body-optional"

// CheckResponse validates one answer to the request in in: the status
// must be declared (no default fallback to "anything goes"), every declared
// header must be present and valid, and the body must match the declared
// media type and schema. It is shared by the test transport and the fakes'
// checks of their own answers.
func CheckResponse(in *openapi3filter.RequestValidationInput, status int, header http.Header, body []byte) error {
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: false}
	if len(body) == 0 && header.Get("Content-Type") == "" {
		if ref := in.Route.Operation.Responses.Status(status); ref != nil && ref.Value != nil {
			if optional, _ := ref.Value.Extensions[EmptyBodyExtension].(bool); optional {
				opts.ExcludeResponseBody = true
			}
		}
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Options:                opts,
	}
	out.SetBodyBytes(body)
	return openapi3filter.ValidateResponse(context.Background(), out)
}

func readAndRestore(rc *io.ReadCloser) ([]byte, error) {
	if *rc == nil || *rc == http.NoBody {
		return nil, nil
	}
	b, err := io.ReadAll(*rc)
	_ = (*rc).Close()
	*rc = io.NopCloser(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("contract: reading body: %w", err)
	}
	return b, nil
}

// authenticate accepts a security scheme when the request carries the
// credential the scheme names; the fake, not the validator, checks its value.
func authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	req := in.RequestValidationInput.Request
	s := in.SecurityScheme
	switch s.Type {
	case "apiKey":
		var ok bool
		switch s.In {
		case "header":
			ok = req.Header.Get(s.Name) != ""
		case "query":
			ok = req.URL.Query().Get(s.Name) != ""
		case "cookie":
			_, err := req.Cookie(s.Name)
			ok = err == nil
		}
		if !ok {
			return in.NewError(fmt.Errorf("missing %s %q", s.In, s.Name))
		}
		return nil
	case "http":
		want := strings.ToLower(s.Scheme) + " "
		if !strings.HasPrefix(strings.ToLower(req.Header.Get("Authorization")), want) {
			return in.NewError(fmt.Errorf("missing %s authorization", s.Scheme))
		}
		return nil
	case "oauth2", "openIdConnect":
		if !strings.HasPrefix(strings.ToLower(req.Header.Get("Authorization")), "bearer ") {
			return in.NewError(errors.New("missing bearer token"))
		}
		return nil
	}
	return in.NewError(fmt.Errorf("unsupported security scheme type %q", s.Type))
}

// Transport is an http.RoundTripper that validates every exchange against a
// document and records violations and the operations it saw.
type Transport struct {
	V    *Validator
	Next http.RoundTripper // nil means http.DefaultTransport
	// Skip, when set, passes matching requests through unvalidated (such as
	// an OAuth2 token endpoint that is not part of the document).
	Skip func(*http.Request) bool
	// OnExchange, when set, is told of every validated exchange: its
	// operationId ("" when no operation matched), the request, the status
	// (0 when no answer came), and what broke the document in the request
	// and in the answer (nil when each conformed).
	OnExchange func(op string, req *http.Request, status int, reqErr, respErr error)

	mu       sync.Mutex
	errs     []error
	covered  map[string]int
	statuses map[string]map[int]int
}

// RoundTrip validates req, sends it, and validates the response. Violations
// are recorded (see [Transport.Errors]) rather than returned, so that the
// client under test sees exactly what the server sent.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	next := t.Next
	if next == nil {
		next = http.DefaultTransport
	}
	if t.Skip != nil && t.Skip(req) {
		return next.RoundTrip(req)
	}
	ex, reqErr := t.V.ValidateRequest(req)
	if reqErr != nil {
		t.record(reqErr)
	}
	op := ""
	if ex != nil {
		op = ex.OperationID
	}
	resp, err := next.RoundTrip(req)
	if err != nil || ex == nil {
		if t.OnExchange != nil {
			status := 0
			if resp != nil {
				status = resp.StatusCode
			}
			t.OnExchange(op, req, status, reqErr, nil)
		}
		return resp, err
	}
	t.mu.Lock()
	if t.covered == nil {
		t.covered = map[string]int{}
		t.statuses = map[string]map[int]int{}
	}
	t.covered[ex.OperationID]++
	if t.statuses[ex.OperationID] == nil {
		t.statuses[ex.OperationID] = map[int]int{}
	}
	t.statuses[ex.OperationID][resp.StatusCode]++
	t.mu.Unlock()
	var respErr error
	if reqErr == nil {
		if respErr = t.V.ValidateResponse(ex, resp); respErr != nil {
			t.record(respErr)
		}
	}
	if t.OnExchange != nil {
		t.OnExchange(op, req, resp.StatusCode, reqErr, respErr)
	}
	return resp, nil
}

func (t *Transport) record(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.errs = append(t.errs, err)
}

// Errors returns every violation seen so far.
func (t *Transport) Errors() []error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]error(nil), t.errs...)
}

// Covered returns the operationIds that got a response, sorted.
func (t *Transport) Covered() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	ids := make([]string, 0, len(t.covered))
	for id := range t.covered {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Statuses returns, per operationId, how often each status was answered.
func (t *Transport) Statuses() map[string]map[int]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]map[int]int, len(t.statuses))
	for id, m := range t.statuses {
		c := make(map[int]int, len(m))
		for k, v := range m {
			c[k] = v
		}
		out[id] = c
	}
	return out
}

// OperationIDs lists every operationId of a document, sorted.
func OperationIDs(doc *openapi3.T) []string {
	var ids []string
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			ids = append(ids, op.OperationID)
		}
	}
	sort.Strings(ids)
	return ids
}
