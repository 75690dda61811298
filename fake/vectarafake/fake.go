// Package vectarafake is an in-memory, stateful fake of Vectara's v2 users
// API (api/vectara.yaml) with its OAuth2 client-credentials token endpoint:
// Personal API keys, expiring bearer tokens, roles, page_key paging:
//
//	srv := vectarafake.Start()
//	defer srv.Close()
//	c, _ := client.NewVectara(client.WithBaseURL(srv.URL), client.WithAPIKey(srv.APIKey))
package vectarafake

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/userapis/userapis-go/gen/vectara"
	"github.com/userapis/userapis-go/internal/fakekit"
)

// Seed credentials of the Vectara fake. Vectara prefixes Personal keys
// zut_, QueryService keys zqt_ and IndexService keys zwt_.
const (
	// SeedAPIKey is the Personal API key of the seeded account owner
	// (owner@example.com): every user operation is allowed.
	SeedAPIKey = "zut_fake_owner_personal_key_0001"
	// SeedLimitedAPIKey is the Personal API key of ada@example.com,
	// a corpus_administrator without the owner or administrator role: user
	// operations answer 403.
	SeedLimitedAPIKey = "zut_fake_ada_personal_key_0002"
	// SeedQueryAPIKey is a QueryService key: user operations answer
	// 403, as they need a Personal key.
	SeedQueryAPIKey = "zqt_fake_query_service_key_0003"
	// SeedClientID and SeedClientSecret are the OAuth2 client
	// credentials of a seeded application client with the administrator role.
	SeedClientID     = "vectara-fake-app-client"
	SeedClientSecret = "fake-client-secret/with+reserved&chars"
	// TokenPath is where the fake serves its OAuth2 token endpoint
	// (the real one is https://auth.vectara.io/oauth2/token).
	TokenPath = "/oauth2/token"
	// DefaultTokenLifetime is how long an access token lasts, as on
	// the real service (expires_in 1800).
	DefaultTokenLifetime = 30 * time.Minute
)

// Fake is an in-memory Vectara v2 users API (api/vectara.yaml) with
// its OAuth2 token endpoint. It is safe for concurrent use.
//
// Modelled: Personal API keys (x-api-key) and OAuth2 client-credentials
// tokens (Authorization: Bearer) that expire by the fake's clock; a missing,
// unknown or expired credential, or the key of a deleted or disabled user,
// answers 401; QueryService/IndexService keys and principals without the
// owner or administrator role answer 403. Users are ordered by username and
// paged with an opaque, signed page_key; listUsers filters by corpus_key (404
// for an unknown corpus); createUser defaults username to email, refuses a
// duplicate username or e-mail with 409 and returns a one-time code;
// updateUser changes only the fields sent; deleteUser answers 204 and then
// 404. Usernames are addressed exactly as percent-decoded from one path
// segment, so "a%2Fb" is user "a/b".
type Fake struct {
	// Faults injects failures into the API operations; Faults.Requests
	// counts requests by operationId.
	Faults *fakekit.Faults
	// TokenFaults injects failures into the token endpoint, which is
	// outside the document; its operation name is "oauth2Token".
	TokenFaults *fakekit.Faults
	// Now is the fake's clock (default time.Now). Set it before the fake
	// serves requests; to move it while it serves, use Advance.
	Now func() time.Time
	// TokenLifetime is the lifetime of issued access tokens (default
	// DefaultTokenLifetime). Set it before the fake serves requests.
	TokenLifetime time.Duration

	mu         sync.Mutex
	users      map[string]*userRow // by username
	sorted     []string            // usernames in order for listUsers; nil when stale
	emails     map[string]string   // lower-cased e-mail → username
	corpora    map[string]bool
	keys       map[string]apiKeyRow
	clients    map[string]appClient
	tokens     map[string]accessToken
	seq        int // users created
	codes      int // one-time codes issued
	tokenSeq   int // access tokens issued
	reqSeq     int // request ids issued
	pageSecret []byte

	once    sync.Once
	handler http.Handler
}

var _ vectara.StrictServerInterface = (*Fake)(nil)

// New returns a fake with a deterministic seed: the users
// ada@example.com (corpus_administrator), bob (disabled, no roles),
// grace@example.com (administrator) and owner@example.com (owner); the
// corpora my-corpus, support-docs and archive; the keys and the app client
// of the VectaraSeed* constants.
func New() *Fake {
	f := &Fake{
		Now:           time.Now,
		TokenLifetime: DefaultTokenLifetime,
		users:         map[string]*userRow{},
		emails:        map[string]string{},
		corpora:       map[string]bool{"my-corpus": true, "support-docs": true, "archive": true},
		keys:          map[string]apiKeyRow{},
		clients:       map[string]appClient{},
		tokens:        map[string]accessToken{},
		pageSecret:    []byte("vectara-fake-page-key/v1"),
	}
	f.Faults = fakekit.NewFaults(f.faultBody)
	f.TokenFaults = fakekit.NewFaults(oauthFaultBody)
	at := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	seed := []struct {
		req     vectara.CreateUserRequest
		enabled bool
		created string
	}{
		{vectara.CreateUserRequest{
			Email: "owner@example.com", Description: ptr("Account owner"),
			ApiRoles: &[]vectara.ApiRole{"owner"},
		}, true, "2025-01-06T08:00:00Z"},
		{vectara.CreateUserRequest{
			Email: "ada@example.com", Description: ptr("Content manager"),
			ApiRoles:    &[]vectara.ApiRole{"corpus_administrator"},
			CorpusRoles: &[]vectara.CorpusRole{{CorpusKey: "my-corpus", Role: "editor"}, {CorpusKey: "support-docs", Role: "viewer"}},
			AgentRoles:  &[]vectara.AgentRole{{AgentKey: "support-agent", Role: "agent_user"}},
		}, true, "2025-03-14T09:26:53Z"},
		{vectara.CreateUserRequest{
			Email: "grace@example.com", ApiRoles: &[]vectara.ApiRole{"administrator"},
			CorpusRoles: &[]vectara.CorpusRole{{CorpusKey: "my-corpus", Role: "owner"}},
		}, true, "2025-03-20T14:00:00Z"},
		{vectara.CreateUserRequest{Email: "bob@example.com", Username: ptr("bob")}, false, "2025-04-01T08:00:00Z"},
	}
	for _, s := range seed {
		u, _, err := f.createUser(s.req, at(s.created))
		if err != nil {
			panic("vectara seed: " + err.Error())
		}
		f.users[u.username].enabled = s.enabled
	}
	f.codes = 0
	f.keys[SeedAPIKey] = apiKeyRow{kind: KeyPersonal, owner: "owner@example.com"}
	f.keys[SeedLimitedAPIKey] = apiKeyRow{kind: KeyPersonal, owner: "ada@example.com"}
	f.keys[SeedQueryAPIKey] = apiKeyRow{kind: KeyQueryService, owner: "owner@example.com"}
	f.clients[SeedClientID] = appClient{secret: SeedClientSecret, roles: []vectara.ApiRole{"administrator"}}
	return f
}

func ptr[T any](v T) *T { return &v }

// nowLocked reads the clock; f.mu must be held.
func (f *Fake) nowLocked() time.Time {
	now := time.Now
	if f.Now != nil {
		now = f.Now
	}
	return now().UTC().Truncate(time.Millisecond)
}

// Advance moves the fake's clock forward by d (for example past an access
// token's expiry). It is safe while the fake serves requests.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	prev := f.Now
	if prev == nil {
		prev = time.Now
	}
	f.Now = func() time.Time { return prev().Add(d) }
}

// AddUser creates a user directly, under the same rules as createUser
// (username defaults to email; duplicates and unknown corpora are refused).
func (f *Fake) AddUser(req vectara.CreateUserRequest) (vectara.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, _, err := f.createUser(req, f.nowLocked())
	if err != nil {
		return vectara.User{}, err
	}
	return u.toAPI(), nil
}

// User returns the stored user with this username.
func (f *Fake) User(username string) (vectara.User, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.users[username]
	if !ok {
		return vectara.User{}, false
	}
	return u.toAPI(), true
}

// Usernames returns every username, sorted.
func (f *Fake) Usernames() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	names := make([]string, 0, len(f.users))
	for n := range f.users {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// PasswordResets returns how many password resets were requested for the
// user.
func (f *Fake) PasswordResets(username string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u, ok := f.users[username]; ok {
		return u.resets
	}
	return 0
}

// AddCorpus makes a corpus key known (for corpus roles and corpus_key).
func (f *Fake) AddCorpus(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.corpora[key] = true
}

// AddAPIKey registers an API key of kind (KeyPersonal,
// KeyQueryService or KeyIndexService). A Personal key acts as
// the user owner and stops working when that user is disabled or deleted.
func (f *Fake) AddAPIKey(key, kind, owner string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys[key] = apiKeyRow{kind: kind, owner: owner}
}

// AddClient registers an OAuth2 application client with customer-level
// roles (owner or administrator may manage users).
func (f *Fake) AddClient(id, secret string, roles ...vectara.ApiRole) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clients[id] = appClient{secret: secret, roles: append([]vectara.ApiRole{}, roles...)}
}

// TokenRequests returns how many requests reached the token endpoint,
// failed and faulted ones included.
func (f *Fake) TokenRequests() int {
	return f.TokenFaults.Requests(tokenOp)
}

// Handler returns the fake's complete handler: the token endpoint at
// TokenPath, and the API behind the kit (routing, fault injection,
// validation of requests against api/vectara.yaml and of the fake's own
// answers: see fake.ValidateResponses) and authentication, mounted at the
// root (the document's paths start with /v2).
//
// Without options the handler is built once and shared; with options
// (such as ValidateResponses) a new one is built.
func (f *Fake) Handler(opts ...fakekit.Option) http.Handler {
	if len(opts) > 0 {
		return f.buildHandler(opts...)
	}
	f.once.Do(func() { f.handler = f.buildHandler() })
	return f.handler
}

func (f *Fake) buildHandler(opts ...fakekit.Option) http.Handler {
	doc, err := vectara.GetSpec()
	if err != nil {
		panic("vectarafake: document: " + err.Error())
	}
	kit := fakekit.MustNew(fakekit.Config{
		Service: "vectara", Doc: doc, Faults: f.Faults, BadRequest: f.badRequest,
	}, opts...)
	strict := vectara.NewStrictHandlerWithOptions(f, nil, vectara.StrictHTTPServerOptions{
		RequestErrorHandlerFunc: func(w http.ResponseWriter, _ *http.Request, err error) {
			f.writeBadRequest(w, nil, "Request body is invalid: "+err.Error())
		},
		ResponseErrorHandlerFunc: f.renderError,
	})
	api := vectara.HandlerWithOptions(strict, vectara.StdHTTPServerOptions{
		BaseRouter: &mux{f: f},
		ErrorHandlerFunc: func(w http.ResponseWriter, _ *http.Request, err error) {
			f.writeBadRequest(w, paramFields(err), err.Error())
		},
	})
	chain := kit.Handler(f.authenticate(api))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == TokenPath {
			f.serveToken(w, r)
			return
		}
		chain.ServeHTTP(w, r)
	})
}

// ---- errors ----

func (f *Fake) newRequestID() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqSeq++
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", uint32(f.reqSeq)*2654435761, f.reqSeq)
}

func (f *Fake) errorShape(msg string) vectara.Error {
	return vectara.Error{Messages: &[]string{msg}, RequestId: ptr(f.newRequestID())}
}

func (f *Fake) badRequestShape(fields map[string]string, msg string) vectara.BadRequestError {
	e := vectara.BadRequestError{Messages: &[]string{msg}, RequestId: ptr(f.newRequestID())}
	if len(fields) > 0 {
		e.FieldErrors = &fields
	}
	return e
}

func (f *Fake) notFoundShape(id, msg string) vectara.NotFoundError {
	return vectara.NotFoundError{Id: &id, Messages: &[]string{msg}, RequestId: ptr(f.newRequestID())}
}

// faultBody is the body of an injected fault: the shape the document gives
// for the status.
func (f *Fake) faultBody(status int, msg string) []byte {
	var v any
	switch status {
	case http.StatusBadRequest:
		v = f.badRequestShape(nil, msg)
	default:
		v = f.errorShape(msg)
	}
	b, _ := json.Marshal(v)
	return b
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError writes the general Error shape.
func (f *Fake) writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, f.errorShape(msg))
}

// writeBadRequest writes the BadRequestError shape with status 400.
func (f *Fake) writeBadRequest(w http.ResponseWriter, fields map[string]string, msg string) {
	writeJSON(w, http.StatusBadRequest, f.badRequestShape(fields, msg))
}

var (
	paramRe = regexp.MustCompile(`parameter "([^"]+)"`)
	bodyRe  = regexp.MustCompile(`Error at "/([^"]*)"`)
	propRe  = regexp.MustCompile(`property "([^"]+)" is missing`)
)

// renderError writes a handler's error in the shape the document gives
// its status: BadRequestError (with field_errors) for 400, NotFoundError
// (with the id) for 404, Error otherwise.
func (f *Fake) renderError(w http.ResponseWriter, _ *http.Request, err error) {
	e := fakekit.AsError(err)
	switch e.Status {
	case http.StatusBadRequest:
		f.writeBadRequest(w, e.Fields, e.Message)
	case http.StatusNotFound:
		writeJSON(w, e.Status, f.notFoundShape(e.Resource, e.Message))
	case http.StatusInternalServerError:
		f.writeError(w, e.Status, "Internal server error: "+e.Message)
	default:
		f.writeError(w, e.Status, e.Message)
	}
}

// badRequest answers a request the kit refused: 400 BadRequestError with
// the offending field when the message names one, and the general shape
// for no route (404) or a wrong method (405).
func (f *Fake) badRequest(w http.ResponseWriter, _ *http.Request, e fakekit.RequestError) {
	status, msg := e.Status, e.Message
	if status != http.StatusBadRequest {
		f.writeError(w, status, msg)
		return
	}
	fields := map[string]string{}
	problem := msg
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		problem = msg[i+2:]
	}
	switch {
	case paramRe.MatchString(msg):
		fields[paramRe.FindStringSubmatch(msg)[1]] = problem
	case bodyRe.MatchString(msg):
		fields[strings.ReplaceAll(bodyRe.FindStringSubmatch(msg)[1], "/", ".")] = problem
	case propRe.MatchString(msg):
		fields[propRe.FindStringSubmatch(msg)[1]] = "is required"
	}
	f.writeBadRequest(w, fields, msg)
}

// paramFields names the parameter the generated router could not
// bind.
func paramFields(err error) map[string]string {
	var (
		inv *vectara.InvalidParamFormatError
		req *vectara.RequiredParamError
		hdr *vectara.RequiredHeaderError
		tmv *vectara.TooManyValuesForParamError
	)
	switch {
	case errors.As(err, &inv):
		return map[string]string{inv.ParamName: "invalid format"}
	case errors.As(err, &req):
		return map[string]string{req.ParamName: "is required"}
	case errors.As(err, &hdr):
		return map[string]string{hdr.ParamName: "is required"}
	case errors.As(err, &tmv):
		return map[string]string{tmv.ParamName: "expected one value"}
	}
	return nil
}

// ---- authentication ----

// principalKey is the context key of the request's principal.
type principalKey struct{}

// authenticate resolves x-api-key (preferred) or a bearer token and puts
// the principal in the context: 401 when the credential is missing,
// unknown, expired or its user gone; 403 when its type or roles may not
// manage users.
func (f *Fake) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, status, msg := f.principal(r)
		if status != 0 {
			f.writeError(w, status, msg)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

func (f *Fake) principal(r *http.Request) (principal, int, string) {
	key := r.Header.Get("X-Api-Key")
	authz := r.Header.Get("Authorization")
	f.mu.Lock()
	defer f.mu.Unlock()
	var p principal
	switch {
	case key != "":
		var ok bool
		if p, ok = f.principalForKey(key); !ok {
			return p, http.StatusUnauthorized, "Unauthorized: the API key is invalid or revoked."
		}
	case authz != "":
		scheme, tok, _ := strings.Cut(authz, " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			return p, http.StatusUnauthorized, "Unauthorized: expected an OAuth2 bearer token."
		}
		var expired, ok bool
		p, expired, ok = f.principalForToken(strings.TrimSpace(tok), f.nowLocked())
		if expired {
			return p, http.StatusUnauthorized, "Unauthorized: the access token has expired."
		}
		if !ok {
			return p, http.StatusUnauthorized, "Unauthorized: the access token is invalid."
		}
	default:
		return p, http.StatusUnauthorized, "Unauthorized: send an x-api-key header or an OAuth2 bearer token."
	}
	if !p.keyTypeAllowed() {
		return p, http.StatusForbidden, "Permission denied: user management needs a Personal API key."
	}
	if !p.isAdmin() {
		return p, http.StatusForbidden, "Permission denied."
	}
	return p, 0, ""
}

// ---- OAuth2 token endpoint ----

// tokenOp names the token endpoint in TokenFaults.
const tokenOp = "oauth2Token"

// oauthFaultBody is an injected token-endpoint failure in the RFC
// 6749 error shape.
func oauthFaultBody(status int, msg string) []byte {
	code := "server_error"
	switch status {
	case http.StatusBadRequest:
		code = "invalid_request"
	case http.StatusUnauthorized:
		code = "invalid_client"
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		code = "temporarily_unavailable"
	}
	b, _ := json.Marshal(map[string]string{"error": code, "error_description": msg})
	return b
}

// serveToken is the RFC 6749 client-credentials token endpoint: a
// form-encoded POST with grant_type=client_credentials, the client
// authenticated with HTTP Basic (id and secret form-encoded first, as
// RFC 6749 §2.3.1 says) or with client_id/client_secret in the form.
func (f *Fake) serveToken(w http.ResponseWriter, r *http.Request) {
	// Read the (small) body first: once it is consumed the server notices a
	// client that hangs up, so an injected latency ends with the request.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "unreadable body"})
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if fault := f.TokenFaults.Take(tokenOp); fault != nil && f.TokenFaults.Apply(w, r, fault) {
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	oauthErr := func(status int, code, desc string) {
		writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		oauthErr(http.StatusMethodNotAllowed, "invalid_request", "the token endpoint takes POST")
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		oauthErr(http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthErr(http.StatusBadRequest, "invalid_request", "malformed form body")
		return
	}
	id, secret, basic := r.BasicAuth()
	if basic {
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			w.Header().Set("WWW-Authenticate", `Basic realm="vectara"`)
			oauthErr(http.StatusUnauthorized, "invalid_client", "client authentication failed")
			return
		}
		if r.PostForm.Get("client_secret") != "" {
			oauthErr(http.StatusBadRequest, "invalid_request", "use one client authentication method")
			return
		}
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	f.mu.Lock()
	c, known := f.clients[id]
	f.mu.Unlock()
	if id == "" || !known || subtle.ConstantTimeCompare([]byte(secret), []byte(c.secret)) != 1 {
		if basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="vectara"`)
		}
		oauthErr(http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	switch gt := r.PostForm.Get("grant_type"); gt {
	case "client_credentials":
	case "":
		oauthErr(http.StatusBadRequest, "invalid_request", "grant_type is required")
		return
	default:
		oauthErr(http.StatusBadRequest, "unsupported_grant_type", "only client_credentials is supported")
		return
	}
	f.mu.Lock()
	lifetime := f.TokenLifetime
	if lifetime <= 0 {
		lifetime = DefaultTokenLifetime
	}
	tok := f.issueToken(id, f.nowLocked(), lifetime)
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok,
		"token_type":   "Bearer",
		"expires_in":   int64(lifetime / time.Second),
	})
}

// ---- routing ----

// mux is the generated router's base router. It routes exactly as
// the validator in front of it does (kin-openapi's gorillamux on the escaped
// path): segment by segment, each {name} segment percent-decoded exactly
// once into the path value, so "a%2Fb" is user "a/b" and
// "x%2Freset_password" is getUser of "x/reset_password". Unlike
// http.ServeMux it never cleans the path, so a literal "." or ".." segment
// is a username lookup (404 NotFoundError) rather than a redirect, and it
// never answers in plain text.
type mux struct {
	f      *Fake
	routes []route
}

type route struct {
	method   string
	segments []string // "{name}" for a path parameter
	handler  http.HandlerFunc
}

// HandleFunc registers a pattern "METHOD /path/{param}".
func (m *mux) HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request)) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		panic("mux: pattern without method: " + pattern)
	}
	m.routes = append(m.routes, route{method: method, segments: strings.Split(path, "/"), handler: handler})
}

// ServeHTTP dispatches r to the route its escaped path matches.
func (m *mux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	segs := strings.Split(r.URL.EscapedPath(), "/")
	methodMismatch := false
	for _, rt := range m.routes {
		vals, ok := rt.match(segs)
		if !ok {
			continue
		}
		if rt.method != r.Method {
			methodMismatch = true
			continue
		}
		for k, v := range vals {
			r.SetPathValue(k, v)
		}
		rt.handler(w, r)
		return
	}
	if methodMismatch {
		m.f.writeError(w, http.StatusMethodNotAllowed, "Method not allowed: "+r.Method+" "+r.URL.EscapedPath())
		return
	}
	m.f.writeError(w, http.StatusNotFound, "No such endpoint: "+r.Method+" "+r.URL.EscapedPath())
}

func (rt route) match(segs []string) (map[string]string, bool) {
	if len(segs) != len(rt.segments) {
		return nil, false
	}
	vals := map[string]string{}
	for i, want := range rt.segments {
		got, err := url.PathUnescape(segs[i])
		if err != nil {
			return nil, false
		}
		if strings.HasPrefix(want, "{") && strings.HasSuffix(want, "}") {
			if got == "" {
				return nil, false
			}
			vals[want[1:len(want)-1]] = got
			continue
		}
		if got != want {
			return nil, false
		}
	}
	return vals, true
}

// ---- server ----

// Server is a running Fake with the seeded credentials.
//
//	srv := fake.Start()
//	defer srv.Close()
//	c, _ := client.NewVectara(client.WithBaseURL(srv.URL), client.WithAPIKey(srv.APIKey))
//	// or: client.WithClientCredentials(srv.ClientID, srv.ClientSecret, srv.TokenURL)
type Server struct {
	*fakekit.Server
	// Fake is the server's state.
	Fake *Fake
	// APIKey is a Personal API key of the account owner (x-api-key).
	APIKey string
	// LimitedAPIKey is a Personal API key of a user without the owner or
	// administrator role: user operations answer 403.
	LimitedAPIKey string
	// QueryAPIKey is a QueryService key: user operations answer 403.
	QueryAPIKey string
	// ClientID and ClientSecret are the OAuth2 client credentials of an
	// application client with the administrator role.
	ClientID     string
	ClientSecret string
	// TokenURL is the fake's OAuth2 token endpoint (URL + TokenPath).
	TokenURL string
}

func newServer(s *fakekit.Server, f *Fake) *Server {
	return &Server{
		Server: s, Fake: f,
		APIKey: SeedAPIKey, LimitedAPIKey: SeedLimitedAPIKey, QueryAPIKey: SeedQueryAPIKey,
		ClientID: SeedClientID, ClientSecret: SeedClientSecret,
		TokenURL: s.URL + TokenPath,
	}
}

// Start starts a seeded Vectara fake on 127.0.0.1 with a random
// port. Its URL is the base URL to give client.WithBaseURL.
func Start(opts ...fakekit.Option) *Server {
	f := New()
	return newServer(fakekit.MustStart(f.Handler, f.Faults, "", opts), f)
}

// Listen starts a seeded Vectara fake on addr, such as
// 127.0.0.1:8084.
func Listen(addr string, opts ...fakekit.Option) (*Server, error) {
	f := New()
	s, err := fakekit.Listen(addr, f.Handler, f.Faults, "", opts)
	if err != nil {
		return nil, err
	}
	return newServer(s, f), nil
}
