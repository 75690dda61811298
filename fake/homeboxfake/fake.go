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
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/userapis/userapis-go/gen/homebox"
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
}

var _ homebox.StrictServerInterface = (*Fake)(nil)

// New returns a fake with DefaultConfig and one user,
// SeedName <SeedEmail> with password SeedPassword,
// whose id and group are SeedUserID and SeedGroupID.
func New() *Fake {
	f := &Fake{
		Now:     time.Now,
		Faults:  fakekit.NewFaults(errorBody),
		store:   newHomeboxStore(),
		limiter: &limiter{state: map[string]*attempt{}},
		cfg:     DefaultConfig(),
	}
	if _, err := f.store.addUser(SeedUserID, SeedGroupID, SeedName, SeedEmail, SeedPassword, ""); err != nil {
		panic(err)
	}
	f.store.seq = 16 // new ids never collide with hand-picked ones
	return f
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
	u, err := f.store.addUser(openapi_types.UUID{}, openapi_types.UUID{}, name, email, password, "")
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
	return f.store.oidcAuthorize(state, id, f.now())
}

// CreateInvitation returns a group invitation token good for uses
// registrations into groupID (registerNewUser's token field).
func (f *Fake) CreateInvitation(groupID openapi_types.UUID, uses int) string {
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
	doc, err := homebox.GetSpec()
	if err != nil {
		panic("homeboxfake: document: " + err.Error())
	}
	// The real handlers check bodies themselves, with their own statuses
	// (register 500, change password none at all, reset 400 with its own
	// message, API keys 422 keyed by Go field): the fake's validator must
	// let such bodies through to the handlers.
	fakekit.RelaxRequestSchemas(doc, true, "UserRegistration", "ChangePassword", "ResetPasswordRequest", "APIKeyCreate", "UserUpdate")
	kit := fakekit.MustNew(fakekit.Config{
		Service: "homebox", Doc: doc, BasePath: basePath, Faults: f.Faults,
		BadRequest: badRequest, Label: label, Done: f.countAttempt,
	}, opts...)
	badBody := func(w http.ResponseWriter, _ *http.Request, err error) {
		writeError(w, http.StatusBadRequest, err.Error())
	}
	strict := homebox.NewStrictHandlerWithOptions(f, nil, homebox.StrictHTTPServerOptions{
		RequestErrorHandlerFunc:  badBody,
		ResponseErrorHandlerFunc: renderError,
	})
	mux := http.NewServeMux()
	homebox.HandlerWithOptions(strict, homebox.StdHTTPServerOptions{BaseURL: basePath, BaseRouter: mux, ErrorHandlerFunc: badBody})
	return kit.Handler(f.auth(fakekit.PublicOperations(doc), mux))
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
func Start(opts ...fakekit.Option) *Server {
	f := New()
	return newServer(fakekit.MustStart(f.Handler, f.Faults, "", opts), f)
}

// Listen starts a new Fake on addr (such as 127.0.0.1:7745).
func Listen(addr string, opts ...fakekit.Option) (*Server, error) {
	f := New()
	s, err := fakekit.Listen(addr, f.Handler, f.Faults, "", opts)
	if err != nil {
		return nil, err
	}
	return newServer(s, f), nil
}

func newServer(s *fakekit.Server, f *Fake) *Server {
	return &Server{Server: s, Fake: f, Name: SeedName, Email: SeedEmail, Password: SeedPassword}
}

// ---------------------------------------------------------------------------
// Error shape

func errorBody(_ int, msg string) []byte {
	b, _ := json.Marshal(homebox.ErrorResponse{Error: msg})
	return append(b, '\n')
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", ctJSON)
	w.WriteHeader(status)
	_, _ = w.Write(errorBody(status, msg))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", ctJSON)
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// badRequest answers a request the validator refused as the real
// server would: the router's plain-text 404 and bare 405 (with Allow); a
// login it cannot read is 401 {"error":"unauthorized"}; a registration
// body that does not decode is 500, a password change that does not
// decode goes on with empty fields and fails as a wrong password (500);
// everything else 400.
func badRequest(w http.ResponseWriter, _ *http.Request, e fakekit.RequestError) {
	switch e.Status {
	case http.StatusNotFound:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, "404 page not found\n")
		return
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", e.Allow)
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	switch e.Operation {
	case "userLogin":
		writeError(w, http.StatusUnauthorized, msgUnauthorized)
	case "registerNewUser", "changePassword":
		writeError(w, http.StatusInternalServerError, e.Message)
	default:
		writeError(w, e.Status, e.Message)
	}
}

// renderError writes a handler's error as {"error": ..., "fields": ...}
// with the status the store's *fakekit.Error carries.
func renderError(w http.ResponseWriter, _ *http.Request, err error) {
	e := fakekit.AsError(err)
	if len(e.Fields) > 0 {
		writeJSON(w, e.Status, homebox.ErrorResponse{Error: e.Message, Fields: &e.Fields})
		return
	}
	writeError(w, e.Status, e.Message)
}

// label gives every JSON answer the real server's
// "application/json; charset=utf-8".
func label(h http.Header, _ int) {
	if h.Get("Content-Type") == ctJSON {
		h.Set("Content-Type", ctJSONUTF8)
	}
}

// ---------------------------------------------------------------------------
// Middleware

// rateLimited are the operations behind the auth rate limiter.
var rateLimited = map[string]bool{
	"userLogin": true, "forgotPassword": true, "resetPassword": true, "oidcLogin": true, "oidcCallback": true,
}

// countAttempt feeds the rate limiter with the outcome of each
// rate-limited request (the real middleware records the handler's result).
func (f *Fake) countAttempt(w *fakekit.Writer) {
	if !rateLimited[w.Operation] {
		return
	}
	rl := f.Config().RateLimit
	switch s := w.Status; {
	case s == 0, s >= 500, s == http.StatusTooManyRequests, s == http.StatusNotFound:
		// no answer (dropped), a server-side failure, a lock-out, or OIDC
		// not mounted: not an attempt
	case s >= 400:
		f.limiter.record(rl, limitKey(w.Request), f.now(), false)
	default:
		f.limiter.record(rl, limitKey(w.Request), f.now(), true)
	}
}

type infoKey struct{}

// reqInfo is what handlers need from the HTTP request.
type reqInfo struct {
	contentType string
	origin      string // scheme://host of the request
	domain      string // host without port, for cookies
	principal   *principal
}

func infoOf(ctx context.Context) *reqInfo {
	if i, ok := ctx.Value(infoKey{}).(*reqInfo); ok {
		return i
	}
	return &reqInfo{}
}

// auth runs after validation: the rate limiter's lock-out, OIDC being off,
// token authentication and the tenant check, in the real server's order.
func (f *Fake) auth(public map[string]bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := fakekit.OperationOf(r.Context())
		if op == "updateUserSettings" && r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxSettingsBody)
		}
		cfg := f.Config()
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		domain := r.Host
		if h, _, err := net.SplitHostPort(r.Host); err == nil {
			domain = h
		}
		info := &reqInfo{contentType: r.Header.Get("Content-Type"), origin: scheme + "://" + r.Host, domain: domain}
		if (op == "oidcLogin" || op == "oidcCallback") && !cfg.OIDCEnabled {
			http.NotFound(w, r) // route not mounted: chi's plain-text 404
			return
		}
		if rateLimited[op] && cfg.RateLimit.Enabled {
			if wait, locked := f.limiter.locked(cfg.RateLimit, limitKey(r), f.now()); locked {
				secs := int((wait + time.Second/2) / time.Second)
				w.Header().Set("Retry-After", strconv.Itoa(max(secs, 0)))
				writeError(w, http.StatusTooManyRequests, msgRateLimited)
				return
			}
		}
		if !public[op] {
			p, status, msg := f.authenticate(r)
			if p == nil {
				writeError(w, status, msg)
				return
			}
			if status, msg := tenantCheck(r, p); status != 0 {
				writeError(w, status, msg)
				return
			}
			info.principal = p
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), infoKey{}, info)))
	})
}

// authenticate finds the token where the real server looks, in its order:
// the hb.auth.token cookie (with hb.auth.remember), the Authorization
// header, the second Sec-WebSocket-Protocol item, the access_token query.
// One leading "Bearer " is stripped. API keys count only in the header.
func (f *Fake) authenticate(r *http.Request) (*principal, int, string) {
	var tok string
	fromHeader := false
	if c, err := r.Cookie(cookieToken); err == nil && c.Value != "" {
		if _, err := r.Cookie(cookieRemember); err == nil {
			tok = c.Value
		}
	}
	if tok == "" {
		if a := r.Header.Get("Authorization"); a != "" {
			tok, fromHeader = a, true
		}
	}
	if tok == "" {
		if parts := strings.Split(r.Header.Get("Sec-WebSocket-Protocol"), ","); len(parts) >= 2 {
			tok = strings.TrimSpace(parts[1])
		}
	}
	if tok == "" {
		tok = r.URL.Query().Get("access_token")
	}
	if tok == "" {
		return nil, http.StatusUnauthorized, msgMissingToken
	}
	tok = strings.TrimPrefix(tok, "Bearer ")
	return f.store.authenticate(tok, fromHeader, f.now())
}

// tenantCheck checks the optional X-Tenant header (or tenant query).
func tenantCheck(r *http.Request, p *principal) (int, string) {
	t := r.Header.Get("X-Tenant")
	if t == "" {
		t = r.URL.Query().Get("tenant")
	}
	if t == "" {
		return 0, ""
	}
	var id openapi_types.UUID
	if err := id.UnmarshalText([]byte(t)); err != nil {
		return http.StatusBadRequest, "invalid X-Tenant header format"
	}
	for _, g := range p.groupIDs {
		if g == id {
			return 0, ""
		}
	}
	return http.StatusForbidden, "user does not have access to the requested tenant"
}

// ---------------------------------------------------------------------------
// Rate limiter

type attempt struct {
	failures    int
	last        time.Time
	lockedUntil time.Time
}

type limiter struct {
	mu    sync.Mutex
	state map[string]*attempt
}

func limitKey(r *http.Request) string {
	return clientIP(r) + "|" + r.URL.Path
}

func clientIP(r *http.Request) string {
	if ip := r.Header.Get("X-Real-IP"); ip != "" {
		return ip
	}
	if ip := r.Header.Get("X-Forwarded-For"); ip != "" {
		return strings.TrimSpace(strings.Split(ip, ",")[0])
	}
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

// locked reports whether key is locked out at now, and for how long. As
// on the real server, a key whose last failure is older than the window is
// forgotten, lock-out included.
func (l *limiter) locked(cfg RateLimit, key string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a, ok := l.state[key]
	if !ok {
		return 0, false
	}
	if now.Sub(a.last) > cfg.Window {
		delete(l.state, key)
		return 0, false
	}
	if now.Before(a.lockedUntil) {
		return a.lockedUntil.Sub(now), true
	}
	return 0, false
}

// record counts a failed attempt (locking the key out past MaxAttempts) or
// forgets the key after a success.
func (l *limiter) record(cfg RateLimit, key string, now time.Time, success bool) {
	if !cfg.Enabled {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if success {
		delete(l.state, key)
		return
	}
	a, ok := l.state[key]
	if !ok || now.Sub(a.last) > cfg.Window {
		a = &attempt{}
		l.state[key] = a
	}
	a.failures++
	a.last = now
	if over := a.failures - max(cfg.MaxAttempts, 0); over > 0 {
		delay := cfg.BaseBackoff
		for i := 1; i < over && delay < cfg.MaxBackoff; i++ {
			delay *= 2
		}
		a.lockedUntil = now.Add(min(delay, cfg.MaxBackoff))
	}
}

func mustUUID(s string) openapi_types.UUID {
	var id openapi_types.UUID
	if err := id.UnmarshalText([]byte(s)); err != nil {
		panic(err)
	}
	return id
}
