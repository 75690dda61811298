package fake

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/userapis/userapis-go/gen/harbor"
)

// Harbor auth modes (the server's auth_mode setting) the fake understands.
const (
	HarborAuthDB   = "db_auth"   // local users with passwords (the default)
	HarborAuthOIDC = "oidc_auth" // users come from an OIDC provider and use CLI secrets
	HarborAuthLDAP = "ldap_auth" // users come from LDAP; local user management is refused
)

// Seeded credentials of every new HarborFake.
const (
	HarborAdminUser     = "admin"
	HarborAdminPassword = "Harbor12345"
	HarborUserName      = "alice"
	HarborUserPassword  = "Passw0rdAlice"
	HarborUserID        = int64(3)
	HarborRobotName     = "robot$ci"
	HarborRobotSecret   = "R0botSecretCi"
)

// harborBasePath is where the API lives under the portal root.
const harborBasePath = "/api/v2.0"

// HarborFake is an in-memory Harbor (API v2.0, the user operations of
// api/harbor.yaml). It is safe for concurrent use.
//
// The seed is deterministic: user 1 admin/Harbor12345 (system admin), user 2
// the built-in "anonymous" (deleted, as in a fresh Harbor), then alice (3,
// Passw0rdAlice), bob (4, Passw0rdBob1) and carol (5, Passw0rdCarol, system
// admin), and a robot account robot$ci/R0botSecretCi. The auth mode is
// db_auth and self-registration is off; change them with SetAuthMode and
// SetSelfRegistration.
type HarborFake struct {
	// Faults injects failures into the fake's answers; HarborServer shares it.
	Faults *Faults
	// Now is the clock for creation and update times. Set it before the
	// fake serves requests, or use SetClock while it does. Default time.Now.
	Now func() time.Time

	store *harborStore
}

var _ harbor.StrictServerInterface = (*HarborFake)(nil)

// NewHarborFake returns a fake with the deterministic seed.
func NewHarborFake() *HarborFake {
	f := &HarborFake{Faults: &Faults{errFn: harborErrorBody}, Now: time.Now}
	f.store = newHarborStore(func() time.Time {
		if f.Now == nil {
			return time.Now()
		}
		return f.Now()
	})
	return f
}

// SetClock replaces Now while the fake may be serving requests.
func (f *HarborFake) SetClock(now func() time.Time) {
	f.store.mu.Lock()
	defer f.store.mu.Unlock()
	f.Now = now
}

// SetAuthMode sets Harbor's auth mode: HarborAuthDB, HarborAuthOIDC or
// another mode such as HarborAuthLDAP. Under oidc_auth, users other than
// admin authenticate with their CLI secret instead of a password.
func (f *HarborFake) SetAuthMode(mode string) {
	f.store.mu.Lock()
	defer f.store.mu.Unlock()
	f.store.authMode = mode
}

// AuthMode returns the current auth mode.
func (f *HarborFake) AuthMode() string {
	f.store.mu.Lock()
	defer f.store.mu.Unlock()
	return f.store.authMode
}

// SetSelfRegistration turns Harbor's self-registration setting on or off.
// When on, createUser by anyone but a system admin is refused with 403
// ("self-registration cannot be triggered via API"), as the real server
// does for API callers.
func (f *HarborFake) SetSelfRegistration(on bool) {
	f.store.mu.Lock()
	defer f.store.mu.Unlock()
	f.store.selfReg = on
}

// AddRobot adds (or replaces) a robot account. Robots authenticate with
// Basic auth but are not local users: getCurrentUserInfo answers 412.
func (f *HarborFake) AddRobot(name, secret string) {
	f.store.mu.Lock()
	defer f.store.mu.Unlock()
	f.store.robots[name] = secret
}

// HarborUser is a user as the fake stores it.
type HarborUser struct {
	ID           int64
	Username     string
	Email        string
	Realname     string
	Comment      string
	Password     string
	SysAdmin     bool
	Deleted      bool
	CreationTime time.Time
	UpdateTime   time.Time
	// CLISecret is the OIDC CLI secret; set only once the user has OIDC
	// metadata (under oidc_auth).
	CLISecret string
}

// AddUser stores u as a new local user without any check but uniqueness of
// username and email among users not deleted, and returns its id (u.ID is
// ignored). Zero times are set from the clock.
func (f *HarborFake) AddUser(u HarborUser) (int64, error) {
	return f.store.addUser(u)
}

// SeedUsers adds n users named seed-<id> (zero-padded to 7 digits, so they
// sort by id), with email seed-<id>@example.com, realname "Seed User <id>"
// and password Seed-Passw0rd, and returns their ids. It is fast enough for
// hundreds of thousands of users.
func (f *HarborFake) SeedUsers(n int) []int64 {
	return f.store.seed(n)
}

// User returns the user with id, deleted ones included.
func (f *HarborFake) User(id int64) (HarborUser, bool) {
	return f.store.export(id)
}

// UserByName returns the user (not deleted) called username.
func (f *HarborFake) UserByName(username string) (HarborUser, bool) {
	return f.store.exportByName(username)
}

// UserCount returns how many users are not deleted, admin included.
func (f *HarborFake) UserCount() int {
	f.store.mu.Lock()
	defer f.store.mu.Unlock()
	return len(f.store.byName)
}

// Handler returns the complete HTTP handler, to be mounted at the portal
// root: request ids, fault injection, validation against api/harbor.yaml
// (of requests, and of its own answers: see ValidateResponses), Basic
// authentication, and the API under /api/v2.0.
func (f *HarborFake) Handler(opts ...Option) http.Handler {
	doc, err := harbor.GetSpec()
	if err != nil {
		panic(fmt.Sprintf("fake: harbor document: %v", err))
	}
	// The document marks as required what the server's handler rejects
	// with 400 (e.g. "email can't be empty"); go-swagger's binding (from
	// upstream's schema) lets such bodies through, so the fake's handler
	// answers them with the handler's messages, in the handler's order
	// (auth first). Lengths stay: go-swagger enforces them (422).
	relaxRequestSchemas(doc, false, "UserCreationReq", "UserProfile", "PasswordReq", "OIDCCliSecretReq", "UserSysAdminFlag")
	v, err := newValidator("harbor", doc, harborBasePath, newOptions(opts))
	if err != nil {
		panic(fmt.Sprintf("fake: harbor validator: %v", err))
	}
	strict := harbor.NewStrictHandlerWithOptions(f, nil, harbor.StrictHTTPServerOptions{
		RequestErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			harborWriteError(w, http.StatusUnprocessableEntity, "validation failure list:\n"+err.Error())
		},
		ResponseErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			harborWriteError(w, http.StatusInternalServerError, "internal server error")
		},
	})
	api := harbor.HandlerWithOptions(strict, harbor.StdHTTPServerOptions{
		BaseURL: harborBasePath,
		ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			harborWriteError(w, http.StatusUnprocessableEntity, "validation failure list:\n"+err.Error())
		},
	})
	return harborRequestID(v.middleware(f.Faults, harborBadRequest, f.authenticate(api)))
}

// HarborServer is a HarborFake listening on 127.0.0.1.
type HarborServer struct {
	*Server
	// Fake is the state behind the server.
	Fake *HarborFake

	// AdminUser and AdminPassword are the built-in system admin (user 1).
	AdminUser     string
	AdminPassword string
	// User, UserPassword and UserID are a seeded user without admin rights.
	User         string
	UserPassword string
	UserID       int64
	// RobotUser and RobotPassword are a seeded robot account.
	RobotUser     string
	RobotPassword string
}

// StartHarbor starts a Harbor fake on 127.0.0.1 with a random port. URL is
// the portal root: give it to client.WithBaseURL (the client appends
// /api/v2.0).
func StartHarbor(opts ...Option) *HarborServer {
	f, log := NewHarborFake(), &violationLog{}
	return newHarborServer(start(f.Handler(recordInto(log, opts)...), f.Faults, "", log), f)
}

// ListenHarbor starts a Harbor fake on addr, such as 127.0.0.1:8082.
func ListenHarbor(addr string, opts ...Option) (*HarborServer, error) {
	f, log := NewHarborFake(), &violationLog{}
	s, err := listenOn(addr, f.Handler(recordInto(log, opts)...), f.Faults, "", log)
	if err != nil {
		return nil, err
	}
	return newHarborServer(s, f), nil
}

func newHarborServer(s *Server, f *HarborFake) *HarborServer {
	return &HarborServer{
		Server: s, Fake: f,
		AdminUser: HarborAdminUser, AdminPassword: HarborAdminPassword,
		User: HarborUserName, UserPassword: HarborUserPassword, UserID: HarborUserID,
		RobotUser: HarborRobotName, RobotPassword: HarborRobotSecret,
	}
}

// ---- request context -------------------------------------------------------

// harborPrincipal is who a request authenticated as.
type harborPrincipal struct {
	userID   int64 // 0 for a robot
	username string
	robot    bool
}

type harborCtxKey struct{}

// harborRequest is what the handlers need from the HTTP request.
type harborRequest struct {
	requestID string
	url       url.URL
	principal *harborPrincipal // nil when anonymous
}

func harborReq(ctx context.Context) *harborRequest {
	if r, ok := ctx.Value(harborCtxKey{}).(*harborRequest); ok {
		return r
	}
	return &harborRequest{}
}

// harborRW carries the request to harborBadRequest, which the shared
// validator calls with only the ResponseWriter.
type harborRW struct {
	http.ResponseWriter
	req *http.Request
}

// WriteHeader labels error bodies as the real server does:
// "application/json; charset=utf-8" for errors, "application/json" for
// successes (the generated responses set the latter).
func (w *harborRW) WriteHeader(code int) {
	if h := w.Header(); code >= 400 && h.Get("Content-Type") == "application/json" {
		h.Set("Content-Type", harborErrorContentType)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *harborRW) Flush() {
	if fl, ok := w.ResponseWriter.(http.Flusher); ok {
		fl.Flush()
	}
}

func (w *harborRW) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

func (w *harborRW) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// harborRequestID echoes X-Request-Id, or generates one, on every response,
// as Harbor's request-id middleware does.
func harborRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if id == "" {
			id = harborUUID()
			r.Header.Set("X-Request-Id", id)
		}
		w.Header().Set("X-Request-Id", id)
		hr := &harborRequest{requestID: id, url: *r.URL}
		r = r.WithContext(context.WithValue(r.Context(), harborCtxKey{}, hr))
		next.ServeHTTP(&harborRW{ResponseWriter: w, req: r}, r)
	})
}

func harborUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// harborHandlerAuth are the operations whose handlers, not an early
// RequireAuthenticated, decide what an anonymous caller gets: createUser
// and setCliSecret check the auth mode first; getUser, updateUserProfile,
// updateUserPassword (and setCliSecret) reach matchUserID, which fails
// with a bare 500 for an anonymous caller on the real server.
var harborHandlerAuth = map[string]bool{
	"createUser": true, "setCliSecret": true, "getUser": true, "updateUserProfile": true, "updateUserPassword": true,
}

// authenticate resolves Basic credentials to a principal. Like Harbor's
// security middleware, bad or missing credentials make the request
// anonymous; the operations that start with RequireAuthenticated then
// answer 401, the others are left to their handlers (harborHandlerAuth).
func (f *HarborFake) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hr := harborReq(r.Context())
		if user, pass, ok := r.BasicAuth(); ok {
			hr.principal = f.store.login(user, pass)
		}
		if hr.principal == nil && !harborHandlerAuth[operationOf(r.Context())] {
			harborWriteError(w, http.StatusUnauthorized, "unauthorized")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// ---- error bodies ----------------------------------------------------------

// harborCode is the Errors code Harbor uses for an HTTP status.
func harborCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "BAD_REQUEST"
	case http.StatusUnauthorized:
		return "UNAUTHORIZED"
	case http.StatusForbidden:
		return "FORBIDDEN"
	case http.StatusNotFound:
		return "NOT_FOUND"
	case http.StatusMethodNotAllowed:
		return "METHOD_NOT_ALLOWED"
	case http.StatusConflict:
		return "CONFLICT"
	case http.StatusPreconditionFailed:
		return "PRECONDITION"
	case http.StatusUnprocessableEntity:
		return "UNPROCESSABLE_ENTITY"
	case http.StatusInternalServerError:
		return "UNKNOWN"
	}
	return harborStatusCode(status)
}

// harborStatusCode is Harbor's fallback: the status text in upper case with
// underscores (SERVICE_UNAVAILABLE).
func harborStatusCode(status int) string {
	b := []byte(http.StatusText(status))
	for i, c := range b {
		switch {
		case c == ' ' || c == '-':
			b[i] = '_'
		case c >= 'a' && c <= 'z':
			b[i] = c - 'a' + 'A'
		}
	}
	if len(b) == 0 {
		return "UNKNOWN"
	}
	return string(b)
}

func harborErrors(status int, msg string) harbor.Errors {
	return harbor.Errors{Errors: []harbor.Error{{Code: harborCode(status), Message: msg}}}
}

// harborErrorBody is the Faults body for an injected status.
func harborErrorBody(status int, msg string) []byte {
	if status >= 500 {
		msg = "internal server error"
	}
	b, _ := json.Marshal(harborErrors(status, msg))
	return b
}

// harborErrorContentType is the Content-Type of every error answer.
const harborErrorContentType = "application/json; charset=utf-8"

// harborWriteError writes the Errors body; X-Request-Id is already set.
func harborWriteError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", harborErrorContentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(harborErrors(status, msg))
}
