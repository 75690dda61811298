// Package harborfake is an in-memory, stateful fake of Harbor's user API
// v2.0 (api/harbor.yaml) that answers as a real Harbor v2.15.2 server does:
//
//	srv := harborfake.Start()
//	defer srv.Close()
//	h, _ := client.NewHarbor(client.WithBaseURL(srv.URL), client.WithBasicAuth(srv.AdminUser, srv.AdminPassword))
//
// Faults (srv.Faults) and the check of the fake's own answers
// (fake.ValidateResponses) work as for every fake of package fake.
package harborfake

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/userapis/userapis-go/gen/harbor/harborserver"
	"github.com/userapis/userapis-go/internal/fakekit"
)

// Harbor auth modes (the server's auth_mode setting) the fake understands.
const (
	AuthDB   = "db_auth"   // local users with passwords (the default)
	AuthOIDC = "oidc_auth" // users come from an OIDC provider and use CLI secrets
	AuthLDAP = "ldap_auth" // users come from LDAP; local user management is refused
)

// Seeded credentials of every new Fake.
const (
	AdminUser     = "admin"
	AdminPassword = "Harbor12345"
	UserName      = "alice"
	UserPassword  = "Passw0rdAlice"
	UserID        = int64(3)
	RobotName     = "robot$ci"
	RobotSecret   = "R0botSecretCi"
)

// basePath is where the API lives under the portal root.
const basePath = "/api/v2.0"

// Fake is an in-memory Harbor (API v2.0, the user operations of
// api/harbor.yaml). It is safe for concurrent use.
//
// The seed is deterministic: user 1 admin/Harbor12345 (system admin), user 2
// the built-in "anonymous" (deleted, as in a fresh Harbor), then alice (3,
// Passw0rdAlice), bob (4, Passw0rdBob1) and carol (5, Passw0rdCarol, system
// admin), and a robot account robot$ci/R0botSecretCi. The auth mode is
// db_auth and self-registration is off; change them with SetAuthMode and
// SetSelfRegistration.
type Fake struct {
	// Faults injects failures into the fake's answers; Server shares it.
	Faults *fakekit.Faults
	// Now is the clock for creation and update times. Set it before the
	// fake serves requests, or use SetClock while it does. Default time.Now.
	Now func() time.Time

	store *store
}

var _ harborserver.StrictServerInterface = (*Fake)(nil)

// New returns a fake with the deterministic seed.
func New() *Fake {
	f := &Fake{Faults: fakekit.NewFaults(faultBody), Now: time.Now}
	f.store = newStore(func() time.Time {
		if f.Now == nil {
			return time.Now()
		}
		return f.Now()
	})
	return f
}

// SetClock replaces Now while the fake may be serving requests.
func (f *Fake) SetClock(now func() time.Time) {
	f.store.mu.Lock()
	defer f.store.mu.Unlock()
	f.Now = now
}

// SetAuthMode sets Harbor's auth mode: AuthDB, AuthOIDC or
// another mode such as AuthLDAP. Under oidc_auth, users other than
// admin authenticate with their CLI secret instead of a password.
func (f *Fake) SetAuthMode(mode string) {
	f.store.mu.Lock()
	defer f.store.mu.Unlock()
	f.store.authMode = mode
}

// AuthMode returns the current auth mode.
func (f *Fake) AuthMode() string {
	f.store.mu.Lock()
	defer f.store.mu.Unlock()
	return f.store.authMode
}

// SetSelfRegistration turns Harbor's self-registration setting on or off.
// When on, createUser by anyone but a system admin is refused with 403
// ("self-registration cannot be triggered via API"), as the real server
// does for API callers.
func (f *Fake) SetSelfRegistration(on bool) {
	f.store.mu.Lock()
	defer f.store.mu.Unlock()
	f.store.selfReg = on
}

// AddRobot adds (or replaces) a robot account. Robots authenticate with
// Basic auth but are not local users: getCurrentUserInfo answers 412.
func (f *Fake) AddRobot(name, secret string) {
	f.store.mu.Lock()
	defer f.store.mu.Unlock()
	f.store.robots[name] = secret
}

// User is a user as the fake stores it.
type User struct {
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
func (f *Fake) AddUser(u User) (int64, error) {
	return f.store.addUser(u)
}

// SeedUsers adds n users named seed-<id> (zero-padded to 7 digits, so they
// sort by id), with email seed-<id>@example.com, realname "Seed User <id>"
// and password Seed-Passw0rd, and returns their ids. It is fast enough for
// hundreds of thousands of users.
func (f *Fake) SeedUsers(n int) []int64 {
	return f.store.seed(n)
}

// User returns the user with id, deleted ones included.
func (f *Fake) User(id int64) (User, bool) {
	return f.store.export(id)
}

// UserByName returns the user (not deleted) called username.
func (f *Fake) UserByName(username string) (User, bool) {
	return f.store.exportByName(username)
}

// UserCount returns how many users are not deleted, admin included.
func (f *Fake) UserCount() int {
	f.store.mu.Lock()
	defer f.store.mu.Unlock()
	return len(f.store.byName)
}

// Handler returns the complete HTTP handler, to be mounted at the portal
// root: request ids, then the kit (routing, fault injection, validation of
// requests against api/harbor.yaml and of the fake's own answers: see
// fake.ValidateResponses), Basic authentication, and the API under
// /api/v2.0.
func (f *Fake) Handler(opts ...fakekit.Option) http.Handler {
	kit := fakekit.MustNew(fakekit.Config{
		Service: "harbor", Document: document(), BasePath: basePath, Faults: f.Faults,
		BadRequest: badRequest, Label: label,
	}, opts...)
	unprocessable := func(w http.ResponseWriter, _ *http.Request, err error) {
		writeError(w, http.StatusUnprocessableEntity, "validation failure list:\n"+err.Error())
	}
	strict := harborserver.NewStrictHandlerWithOptions(f, nil, harborserver.StrictHTTPServerOptions{
		RequestErrorHandlerFunc:  unprocessable,
		ResponseErrorHandlerFunc: renderError,
	})
	api := harborserver.HandlerWithOptions(strict, harborserver.StdHTTPServerOptions{BaseURL: basePath, ErrorHandlerFunc: unprocessable})
	return requestIDs(kit.Handler(f.authenticate(api)))
}

// document is api/harbor.yaml as the fake serves it, prepared once per
// process. The document marks as required what the server's handler
// rejects with 400 (e.g. "email can't be empty"); go-swagger's binding
// (from upstream's schema) lets such bodies through, so the fake's handler
// answers them with the handler's messages, in the handler's order (auth
// first). Lengths stay: go-swagger enforces them (422).
var document = fakekit.Prepare("harbor", basePath, harborserver.GetSpec, func(doc *openapi3.T) {
	fakekit.RelaxRequestSchemas(doc, false, "UserCreationReq", "UserProfile", "PasswordReq", "OIDCCliSecretReq", "UserSysAdminFlag")
})

// Server is a Fake listening on 127.0.0.1.
type Server struct {
	*fakekit.Server
	// Fake is the state behind the server.
	Fake *Fake

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

// Start starts a Harbor fake on 127.0.0.1 with a random port. URL is the
// portal root: give it to client.WithBaseURL (the client appends
// /api/v2.0).
func Start(opts ...fakekit.Option) *Server { return fakekit.MustStart(Listen, opts) }

// Listen starts a Harbor fake on addr, such as 127.0.0.1:8082.
func Listen(addr string, opts ...fakekit.Option) (*Server, error) {
	f := New()
	return fakekit.ListenAs(addr, f.Handler, f.Faults, controlled{f}, opts, func(s *fakekit.Server) *Server { return newServer(s, f) })
}

func newServer(s *fakekit.Server, f *Fake) *Server {
	return &Server{
		Server: s, Fake: f,
		AdminUser: AdminUser, AdminPassword: AdminPassword,
		User: UserName, UserPassword: UserPassword, UserID: UserID,
		RobotUser: RobotName, RobotPassword: RobotSecret,
	}
}

// ---- request context -------------------------------------------------------

// principal is who a request authenticated as.
type principal struct {
	userID   int64 // 0 for a robot
	username string
	robot    bool
}

type requestKey struct{}

// request is what the handlers need from the HTTP request.
type request struct {
	requestID string
	url       url.URL
	principal *principal // nil when anonymous
}

func requestOf(ctx context.Context) *request {
	if r, ok := ctx.Value(requestKey{}).(*request); ok {
		return r
	}
	return &request{}
}

// requestIDs echoes X-Request-Id, or generates one, on every response,
// as Harbor's request-id middleware does.
func requestIDs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if id == "" {
			id = newRequestID()
			r.Header.Set("X-Request-Id", id)
		}
		w.Header().Set("X-Request-Id", id)
		// Harbor core starts a web session for every request that brings
		// no cookie and sets its id, whatever the answer (seen on
		// v2.15.2). A request with cookies (a browser's) is not modelled.
		if r.Header.Get("Cookie") == "" {
			var sid [16]byte
			_, _ = rand.Read(sid[:])
			w.Header().Add("Set-Cookie", "sid="+hex.EncodeToString(sid[:])+"; Path=/; HttpOnly")
		}
		hr := &request{requestID: id, url: *r.URL}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestKey{}, hr)))
	})
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// authenticate resolves Basic credentials to a principal. Like Harbor's
// security middleware, bad or missing credentials make the request
// anonymous and let it through: the document's security allows anonymous
// callers everywhere, and each handler decides (RequireAuthenticated,
// RequireSystemAccess, or the auth mode first), as the real ones do.
func (f *Fake) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if user, pass, ok := r.BasicAuth(); ok {
			requestOf(r.Context()).principal = f.store.login(user, pass)
		}
		next.ServeHTTP(w, r)
	})
}
