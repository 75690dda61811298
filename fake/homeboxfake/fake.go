// Package homeboxfake is an in-memory, stateful fake of Homebox's
// /api/v1/users API (api/homebox.yaml) that answers as the real v0.26.2-46
// server does: session tokens (7 or 28 days, refresh, logout, logout
// everywhere), API keys, password change and reset, settings, OIDC (off
// unless configured) and the auth rate limiter:
//
//	srv := homeboxfake.Start()
//	defer srv.Close()
//	hb, _ := client.NewHomebox(client.WithBaseURL(srv.URL))
//	_, _, err := hb.UserLogin(ctx, srv.Email, srv.Password, false)
package homeboxfake

import (
	"net/http"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"
	"github.com/userapis/userapis-go/gen/homebox"
	"github.com/userapis/userapis-go/gen/homebox/homeboxserver"
	"github.com/userapis/userapis-go/internal/fakekit"
)

// Seed account of every new Fake (the credentials of the document's
// examples).
const (
	SeedName     = "Admin"
	SeedEmail    = "admin@admin.com"
	SeedPassword = "admin"
)

// Fixed ids of the seed account and its group.
var (
	SeedUserID  = mustUUID("5b0f7c1e-2d4a-4c6e-9f3b-1a2b3c4d5e6f")
	SeedGroupID = mustUUID("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
)

// Paths and messages of the real server.
const (
	basePath          = "/api"
	msgMissingToken   = "authorization header or query is required"
	msgInvalidToken   = "valid authorization token is required"
	msgUnauthorized   = "unauthorized"
	msgRateLimited    = "too many authentication attempts"
	msgLocalDisabled  = "local login is not enabled"
	msgRegDisabled    = "user registration disabled"
	oidcFailedPath    = "/?oidc_error=oidc_auth_failed"
	oidcSuccessPath   = "/home"
	cookieToken       = "hb.auth.token"
	cookieRemember    = "hb.auth.remember"
	cookieSession     = "hb.auth.session"
	cookieAttachment  = "hb.auth.attachment_token"
	maxSettingsBody   = 64 << 10
	ctJSON            = "application/json"
	ctJSONUTF8        = "application/json; charset=utf-8"
	ctForm            = "application/x-www-form-urlencoded"
	defaultOIDCIssuer = "https://id.example.com"
)

// RateLimit is the auth rate limiter of userLogin, forgotPassword,
// resetPassword, oidcLogin and oidcCallback: after more than MaxAttempts
// failed (4xx) answers per client IP and path within Window, the client is
// locked out for BaseBackoff, doubling on each further failure up to
// MaxBackoff, and gets 429 with Retry-After in whole seconds. The client IP
// is X-Real-IP, else the first X-Forwarded-For entry, else the peer address,
// as on the real server.
type RateLimit struct {
	Enabled     bool
	MaxAttempts int
	Window      time.Duration
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
}

// Config is the fake's server configuration.
type Config struct {
	// LocalLoginEnabled: when false, login, registration and password reset
	// answer 403, as with HBOX_OPTIONS_ALLOW_LOCAL_LOGIN=false.
	LocalLoginEnabled bool
	// RegistrationEnabled: when false, registering without an invitation
	// token answers 403.
	RegistrationEnabled bool
	// OIDCEnabled: when false (the default, as on a real server that has
	// no OIDC configuration) the two OIDC routes are not mounted: 404
	// text/plain.
	OIDCEnabled bool
	// OIDCIssuer is the identity provider's base URL; oidcLogin redirects to
	// OIDCIssuer + "/authorize". OIDC users get it as oidcIssuer.
	OIDCIssuer string
	// OIDCClientID is sent to the identity provider.
	OIDCClientID string
	// RateLimit configures the auth rate limiter.
	RateLimit RateLimit
}

// DefaultConfig is what New starts with: the real
// server's defaults (local login and registration on, OIDC off, rate limit
// 5 failures per minute with a 10 s lock-out doubling up to 5 min). The
// OIDC issuer and client id are filled in so that setting OIDCEnabled is
// all it takes to turn OIDC on.
func DefaultConfig() Config {
	return Config{
		LocalLoginEnabled:   true,
		RegistrationEnabled: true,
		OIDCEnabled:         false,
		OIDCIssuer:          defaultOIDCIssuer,
		OIDCClientID:        "homebox",
		RateLimit: RateLimit{
			Enabled:     true,
			MaxAttempts: 5,
			Window:      time.Minute,
			BaseBackoff: 10 * time.Second,
			MaxBackoff:  5 * time.Minute,
		},
	}
}

// OIDCIdentity is who signs in at the fake identity provider.
type OIDCIdentity struct {
	Subject string // the provider's user id; the email when empty
	Email   string
	Name    string
}

// Fake is an in-memory Homebox /api/v1/users server implementing
// the generated strict-server interface: session tokens (7 or 28 days,
// refresh, logout), API keys, password change and reset, settings and OIDC,
// with the real server's statuses and {"error": ...} bodies. It is safe for
// concurrent use.
type Fake struct {
	// Now is the fake's clock (default time.Now): token and API key expiry,
	// reset tokens and the rate limiter use it. Set it before serving or
	// between requests.
	Now func() time.Time
	// Faults injects failures; Start shares it with the Server.
	Faults *fakekit.Faults

	store   *store
	limiter *limiter
	mu      sync.Mutex
	cfg     Config
	seedCfg Config         // what Reset restores
	outbox  fakekit.Outbox // reset e-mails and OIDC codes: what the real server sends out of band
}

var _ homeboxserver.StrictServerInterface = (*Fake)(nil)

// New returns a fake with DefaultConfig and one user,
// SeedName <SeedEmail> with password SeedPassword,
// whose id and group are SeedUserID and SeedGroupID.
func New() *Fake {
	return &Fake{
		Now:     time.Now,
		Faults:  fakekit.NewFaults(errorBody),
		store:   seededStore(),
		limiter: &limiter{state: map[string]*attempt{}},
		cfg:     DefaultConfig(),
		seedCfg: DefaultConfig(),
	}
}

// seededStore is the store of a new fake: the seed account only.
func seededStore() *store {
	s := newHomeboxStore()
	if _, err := s.addUser(SeedUserID, SeedGroupID, SeedName, SeedEmail, SeedPassword, ""); err != nil {
		panic(err)
	}
	s.seq = 16 // new ids never collide with hand-picked ones
	return s
}

// Config returns the fake's configuration.
func (f *Fake) Config() Config {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cfg
}

// SetConfig replaces the fake's configuration.
func (f *Fake) SetConfig(cfg Config) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cfg = cfg
}

// SetSeedConfig sets the configuration now and as the one Reset goes back
// to (`userapis serve -homebox-oidc` starts a fake with OIDC on this way).
func (f *Fake) SetSeedConfig(cfg Config) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cfg, f.seedCfg = cfg, cfg
}

// DisableRateLimit turns the auth rate limiter off (as
// HBOX_AUTH_RATE_LIMIT_ENABLED=false) and forgets every lock-out.
func (f *Fake) DisableRateLimit() {
	f.mu.Lock()
	f.cfg.RateLimit.Enabled = false
	f.mu.Unlock()
	f.ResetRateLimit()
}

// ResetRateLimit forgets every failed attempt and lock-out.
func (f *Fake) ResetRateLimit() {
	f.limiter.mu.Lock()
	defer f.limiter.mu.Unlock()
	f.limiter.state = map[string]*attempt{}
}

// AddUser creates a local user as registration does (email lowercased, a
// new group) and returns it.
func (f *Fake) AddUser(name, email, password string) (homebox.UserOut, error) {
	f.store.mu.Lock()
	defer f.store.mu.Unlock()
	u, err := f.store.addUser(uuid.UUID{}, uuid.UUID{}, name, email, password, "")
	if err != nil {
		return homebox.UserOut{}, err
	}
	return u.out(), nil
}

// User returns the user with email (any case), as getUserSelf shows it.
func (f *Fake) User(email string) (homebox.UserOut, bool) {
	return f.store.userByEmail(email)
}

// Sessions counts the live session tokens of the user with email
// (attachment tokens and API keys are not counted).
func (f *Fake) Sessions(email string) int {
	return f.store.liveSessions(email, f.now())
}

// LastResetToken returns the reset token of the last password-reset email
// the fake "sent" to email, or "" when none was sent (unknown address or an
// OIDC-only account). The token stays reported after it was used.
func (f *Fake) LastResetToken(email string) string {
	tok, _ := f.store.lastResetToken(email)
	return tok
}

// OIDCAuthorize plays the identity provider: the person at the browser
// signed in as id for the login that oidcLogin started with state (the
// state query parameter of its Location). It returns the authorization code
// the provider would send to the callback with that state.
func (f *Fake) OIDCAuthorize(state string, id OIDCIdentity) (string, error) {
	if id.Subject == "" {
		id.Subject = normalizeEmail(id.Email)
	}
	now := f.now()
	code, err := f.store.oidcAuthorize(state, id, now)
	if err == nil {
		f.outbox.Add(fakekit.Message{Kind: "oidc_code", To: normalizeEmail(id.Email), Value: code, At: now})
	}
	return code, err
}

// Outbox lists what the fake sent out of band, oldest first: the
// password-reset tokens of forgot-password (the real server e-mails them)
// and the OIDC codes of OIDCAuthorize (the identity provider's redirect).
func (f *Fake) Outbox() []fakekit.Message { return f.outbox.List() }

// CreateInvitation returns a group invitation token good for uses
// registrations into groupID (registerNewUser's token field).
func (f *Fake) CreateInvitation(groupID uuid.UUID, uses int) string {
	return f.store.createInvitation(groupID, uses)
}

func (f *Fake) now() time.Time {
	if f.Now == nil {
		return time.Now()
	}
	return f.Now()
}

// Handler returns the complete fake: the kit (routing, fault injection,
// validation of requests against api/homebox.yaml and of the fake's own
// answers: see fake.ValidateResponses), the auth rate limiter, token
// authentication and the generated handler, mounted at /api.
func (f *Fake) Handler(opts ...fakekit.Option) http.Handler {
	doc := document()
	kit := fakekit.MustNew(fakekit.Config{
		Service: "homebox", Document: doc, BasePath: basePath, Faults: f.Faults,
		BadRequest: badRequest, Label: label, Done: f.countAttempt,
	}, opts...)
	badBody := func(w http.ResponseWriter, _ *http.Request, err error) {
		writeError(w, http.StatusBadRequest, err.Error())
	}
	strict := homeboxserver.NewStrictHandlerWithOptions(f, nil, homeboxserver.StrictHTTPServerOptions{
		RequestErrorHandlerFunc:  badBody,
		ResponseErrorHandlerFunc: renderError,
	})
	mux := http.NewServeMux()
	homeboxserver.HandlerWithOptions(strict, homeboxserver.StdHTTPServerOptions{BaseURL: basePath, BaseRouter: mux, ErrorHandlerFunc: badBody})
	return securityHeaders(kit.Handler(f.auth(doc.Public, mux)))
}

// document is api/homebox.yaml as the fake serves it, prepared once per
// process. The real handlers check bodies themselves, with their own
// statuses (register 500, change password none at all, reset 400 with its
// own message, API keys 422 keyed by Go field): the fake's validator must
// let such bodies through to the handlers.
var document = fakekit.Prepare("homebox", basePath, homeboxserver.GetSpec, func(doc *openapi3.T) {
	fakekit.RelaxRequestSchemas(doc, true, "UserRegistration", "ChangePassword", "ResetPasswordRequest", "APIKeyCreate", "UserUpdate")
})

// securityHeaders sets the headers the real server's router sets on every
// answer, before any handler, its 404 and 405 included (upstream's
// mid.SecurityHeaders; seen on the real server, NOTES: third run).
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for _, kv := range securityHeaderValues {
			h[kv[0]] = []string{kv[1]}
		}
		next.ServeHTTP(w, r)
	})
}

// securityHeaderValues are the names (canonical) and values of securityHeaders.
var securityHeaderValues = [...][2]string{
	{"Cross-Origin-Embedder-Policy", "require-corp"},
	{"Cross-Origin-Opener-Policy", "same-origin"},
	{"Cross-Origin-Resource-Policy", "same-site"},
	{"Permissions-Policy", "accelerometer=(), autoplay=(), camera=(self), cross-origin-isolated=(), display-capture=(), encrypted-media=(), fullscreen=(), geolocation=(), gyroscope=(), keyboard-map=(), magnetometer=(), microphone=(), midi=(), payment=(), picture-in-picture=(), publickey-credentials-get=(), screen-wake-lock=(), sync-xhr=(self), usb=(), web-share=(), xr-spatial-tracking=(), clipboard-read=(), clipboard-write=(self), gamepad=(), hid=(), idle-detection=(), interest-cohort=(), serial=(), unload=()"},
	{"Referrer-Policy", "no-referrer"},
	{"X-Content-Type-Options", "nosniff"},
	{"X-Frame-Options", "DENY"},
	{"X-Permitted-Cross-Domain-Policies", "none"},
}

// Server is a Fake listening on 127.0.0.1. URL is the address
// a person would open in a browser; the API is under URL + "/api", which is
// what client.NewHomebox(client.WithBaseURL(URL)) calls.
type Server struct {
	*fakekit.Server
	// Fake is the server's state.
	Fake *Fake
	// Name, Email and Password are the seed account's.
	Name, Email, Password string
}

// Start starts a new Fake on 127.0.0.1 with a random port.
func Start(opts ...fakekit.Option) *Server { return fakekit.MustStart(Listen, opts) }

// Listen starts a new Fake on addr (such as 127.0.0.1:7745).
func Listen(addr string, opts ...fakekit.Option) (*Server, error) {
	f := New()
	return fakekit.ListenAs(addr, f.Handler, f.Faults, controlled{f}, opts, func(s *fakekit.Server) *Server { return newServer(s, f) })
}

func newServer(s *fakekit.Server, f *Fake) *Server {
	return &Server{Server: s, Fake: f, Name: SeedName, Email: SeedEmail, Password: SeedPassword}
}

func mustUUID(s string) uuid.UUID {
	var id uuid.UUID
	if err := id.UnmarshalText([]byte(s)); err != nil {
		panic(err)
	}
	return id
}
