package fake

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/userapis/userapis-go/gen/homebox"
)

// Seed account of every new HomeboxFake (the credentials of the document's
// examples).
const (
	HomeboxSeedName     = "Admin"
	HomeboxSeedEmail    = "admin@admin.com"
	HomeboxSeedPassword = "admin"
)

// Fixed ids of the seed account and its group.
var (
	HomeboxSeedUserID  = homeboxMustUUID("5b0f7c1e-2d4a-4c6e-9f3b-1a2b3c4d5e6f")
	HomeboxSeedGroupID = homeboxMustUUID("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
)

// Paths and messages of the real server.
const (
	homeboxBasePath          = "/api"
	homeboxMsgMissingToken   = "authorization header or query is required"
	homeboxMsgInvalidToken   = "valid authorization token is required"
	homeboxMsgUnauthorized   = "unauthorized"
	homeboxMsgRateLimited    = "too many authentication attempts"
	homeboxMsgLocalDisabled  = "local login is not enabled"
	homeboxMsgRegDisabled    = "user registration disabled"
	homeboxOIDCFailedPath    = "/?oidc_error=oidc_auth_failed"
	homeboxOIDCSuccessPath   = "/home"
	homeboxCookieToken       = "hb.auth.token"
	homeboxCookieRemember    = "hb.auth.remember"
	homeboxCookieSession     = "hb.auth.session"
	homeboxCookieAttachment  = "hb.auth.attachment_token"
	homeboxMaxSettingsBody   = 64 << 10
	homeboxCTJSON            = "application/json"
	homeboxCTJSONUTF8        = "application/json; charset=utf-8"
	homeboxCTForm            = "application/x-www-form-urlencoded"
	homeboxDefaultOIDCIssuer = "https://id.example.com"
)

// HomeboxRateLimit is the auth rate limiter of userLogin, forgotPassword,
// resetPassword, oidcLogin and oidcCallback: after more than MaxAttempts
// failed (4xx) answers per client IP and path within Window, the client is
// locked out for BaseBackoff, doubling on each further failure up to
// MaxBackoff, and gets 429 with Retry-After in whole seconds. The client IP
// is X-Real-IP, else the first X-Forwarded-For entry, else the peer address,
// as on the real server.
type HomeboxRateLimit struct {
	Enabled     bool
	MaxAttempts int
	Window      time.Duration
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
}

// HomeboxConfig is the fake's server configuration.
type HomeboxConfig struct {
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
	RateLimit HomeboxRateLimit
}

// DefaultHomeboxConfig is what NewHomeboxFake starts with: the real
// server's defaults (local login and registration on, OIDC off, rate limit
// 5 failures per minute with a 10 s lock-out doubling up to 5 min). The
// OIDC issuer and client id are filled in so that setting OIDCEnabled is
// all it takes to turn OIDC on.
func DefaultHomeboxConfig() HomeboxConfig {
	return HomeboxConfig{
		LocalLoginEnabled:   true,
		RegistrationEnabled: true,
		OIDCEnabled:         false,
		OIDCIssuer:          homeboxDefaultOIDCIssuer,
		OIDCClientID:        "homebox",
		RateLimit: HomeboxRateLimit{
			Enabled:     true,
			MaxAttempts: 5,
			Window:      time.Minute,
			BaseBackoff: 10 * time.Second,
			MaxBackoff:  5 * time.Minute,
		},
	}
}

// HomeboxOIDCIdentity is who signs in at the fake identity provider.
type HomeboxOIDCIdentity struct {
	Subject string // the provider's user id; the email when empty
	Email   string
	Name    string
}

// HomeboxFake is an in-memory Homebox /api/v1/users server implementing
// the generated strict-server interface: session tokens (7 or 28 days,
// refresh, logout), API keys, password change and reset, settings and OIDC,
// with the real server's statuses and {"error": ...} bodies. It is safe for
// concurrent use.
type HomeboxFake struct {
	// Now is the fake's clock (default time.Now): token and API key expiry,
	// reset tokens and the rate limiter use it. Set it before serving or
	// between requests.
	Now func() time.Time
	// Faults injects failures; StartHomebox shares it with the Server.
	Faults *Faults

	store   *homeboxStore
	limiter *homeboxLimiter
	mu      sync.Mutex
	cfg     HomeboxConfig
}

var _ homebox.StrictServerInterface = (*HomeboxFake)(nil)

// NewHomeboxFake returns a fake with DefaultHomeboxConfig and one user,
// HomeboxSeedName <HomeboxSeedEmail> with password HomeboxSeedPassword,
// whose id and group are HomeboxSeedUserID and HomeboxSeedGroupID.
func NewHomeboxFake() *HomeboxFake {
	f := &HomeboxFake{
		Now:     time.Now,
		Faults:  &Faults{errFn: homeboxErrorBody},
		store:   newHomeboxStore(),
		limiter: &homeboxLimiter{state: map[string]*homeboxAttempt{}},
		cfg:     DefaultHomeboxConfig(),
	}
	if _, err := f.store.addUser(HomeboxSeedUserID, HomeboxSeedGroupID, HomeboxSeedName, HomeboxSeedEmail, HomeboxSeedPassword, ""); err != nil {
		panic(err)
	}
	f.store.seq = 16 // new ids never collide with hand-picked ones
	return f
}

// Config returns the fake's configuration.
func (f *HomeboxFake) Config() HomeboxConfig {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cfg
}

// SetConfig replaces the fake's configuration.
func (f *HomeboxFake) SetConfig(cfg HomeboxConfig) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cfg = cfg
}

// DisableRateLimit turns the auth rate limiter off (as
// HBOX_AUTH_RATE_LIMIT_ENABLED=false) and forgets every lock-out.
func (f *HomeboxFake) DisableRateLimit() {
	f.mu.Lock()
	f.cfg.RateLimit.Enabled = false
	f.mu.Unlock()
	f.ResetRateLimit()
}

// ResetRateLimit forgets every failed attempt and lock-out.
func (f *HomeboxFake) ResetRateLimit() {
	f.limiter.mu.Lock()
	defer f.limiter.mu.Unlock()
	f.limiter.state = map[string]*homeboxAttempt{}
}

// AddUser creates a local user as registration does (email lowercased, a
// new group) and returns it.
func (f *HomeboxFake) AddUser(name, email, password string) (homebox.UserOut, error) {
	f.store.mu.Lock()
	defer f.store.mu.Unlock()
	u, err := f.store.addUser(openapi_types.UUID{}, openapi_types.UUID{}, name, email, password, "")
	if err != nil {
		return homebox.UserOut{}, err
	}
	return u.out(), nil
}

// User returns the user with email (any case), as getUserSelf shows it.
func (f *HomeboxFake) User(email string) (homebox.UserOut, bool) {
	return f.store.userByEmail(email)
}

// Sessions counts the live session tokens of the user with email
// (attachment tokens and API keys are not counted).
func (f *HomeboxFake) Sessions(email string) int {
	return f.store.liveSessions(email, f.now())
}

// LastResetToken returns the reset token of the last password-reset email
// the fake "sent" to email, or "" when none was sent (unknown address or an
// OIDC-only account). The token stays reported after it was used.
func (f *HomeboxFake) LastResetToken(email string) string {
	tok, _ := f.store.lastResetToken(email)
	return tok
}

// OIDCAuthorize plays the identity provider: the person at the browser
// signed in as id for the login that oidcLogin started with state (the
// state query parameter of its Location). It returns the authorization code
// the provider would send to the callback with that state.
func (f *HomeboxFake) OIDCAuthorize(state string, id HomeboxOIDCIdentity) (string, error) {
	if id.Subject == "" {
		id.Subject = homeboxNormalizeEmail(id.Email)
	}
	return f.store.oidcAuthorize(state, id, f.now())
}

// CreateInvitation returns a group invitation token good for uses
// registrations into groupID (registerNewUser's token field).
func (f *HomeboxFake) CreateInvitation(groupID openapi_types.UUID, uses int) string {
	return f.store.createInvitation(groupID, uses)
}

func (f *HomeboxFake) now() time.Time {
	if f.Now == nil {
		return time.Now()
	}
	return f.Now()
}

// Handler returns the complete fake: fault injection, request validation
// against api/homebox.yaml, the auth rate limiter, token authentication and
// the generated handler, mounted at /api.
func (f *HomeboxFake) Handler(opts ...Option) http.Handler {
	doc, err := homebox.GetSpec()
	if err != nil {
		panic(err)
	}
	// The real handlers check bodies themselves, with their own statuses
	// (register 500, change password none at all, reset 400 with its own
	// message, API keys 422 keyed by Go field): the fake's validator must
	// let such bodies through to the handlers.
	relaxRequestSchemas(doc, true, "UserRegistration", "ChangePassword", "ResetPasswordRequest", "APIKeyCreate", "UserUpdate")
	v, err := newValidator("homebox", doc, homeboxBasePath, newOptions(opts))
	if err != nil {
		panic(err)
	}
	strict := homebox.NewStrictHandlerWithOptions(f, nil, homebox.StrictHTTPServerOptions{
		RequestErrorHandlerFunc: func(w http.ResponseWriter, _ *http.Request, err error) {
			homeboxWriteError(w, http.StatusBadRequest, err.Error())
		},
		ResponseErrorHandlerFunc: func(w http.ResponseWriter, _ *http.Request, err error) {
			homeboxWriteError(w, http.StatusInternalServerError, err.Error())
		},
	})
	mux := http.NewServeMux()
	homebox.HandlerWithOptions(strict, homebox.StdHTTPServerOptions{
		BaseURL:    homeboxBasePath,
		BaseRouter: mux,
		ErrorHandlerFunc: func(w http.ResponseWriter, _ *http.Request, err error) {
			homeboxWriteError(w, http.StatusBadRequest, err.Error())
		},
	})
	return f.outer(v, v.middleware(f.Faults, homeboxBadRequest, f.auth(mux)))
}

// HomeboxServer is a HomeboxFake listening on 127.0.0.1. URL is the address
// a person would open in a browser; the API is under URL + "/api", which is
// what client.NewHomebox(client.WithBaseURL(URL)) calls.
type HomeboxServer struct {
	*Server
	// Fake is the server's state.
	Fake *HomeboxFake
	// Name, Email and Password are the seed account's.
	Name, Email, Password string
}

// StartHomebox starts a new HomeboxFake on 127.0.0.1 with a random port.
func StartHomebox(opts ...Option) *HomeboxServer {
	f, log := NewHomeboxFake(), &violationLog{}
	return homeboxServer(start(f.Handler(recordInto(log, opts)...), f.Faults, "", log), f)
}

// ListenHomebox starts a new HomeboxFake on addr (such as 127.0.0.1:7745).
func ListenHomebox(addr string, opts ...Option) (*HomeboxServer, error) {
	f, log := NewHomeboxFake(), &violationLog{}
	s, err := listenOn(addr, f.Handler(recordInto(log, opts)...), f.Faults, "", log)
	if err != nil {
		return nil, err
	}
	return homeboxServer(s, f), nil
}

func homeboxServer(s *Server, f *HomeboxFake) *HomeboxServer {
	return &HomeboxServer{Server: s, Fake: f, Name: HomeboxSeedName, Email: HomeboxSeedEmail, Password: HomeboxSeedPassword}
}

// ---------------------------------------------------------------------------
// Error shape

func homeboxErrorBody(_ int, msg string) []byte {
	b, _ := json.Marshal(homebox.ErrorResponse{Error: msg})
	return append(b, '\n')
}

func homeboxWriteError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", homeboxCTJSON)
	w.WriteHeader(status)
	_, _ = w.Write(homeboxErrorBody(status, msg))
}

// homeboxBadRequest answers a request the validator refused as the real
// server would: the router's plain-text 404 and bare 405 (with Allow); a
// login it cannot read is 401 {"error":"unauthorized"}; a registration
// body that does not decode is 500, a password change that does not
// decode goes on with empty fields and fails as a wrong password (500);
// everything else 400.
func homeboxBadRequest(w http.ResponseWriter, status int, msg string) {
	hw, _ := writerOf[*homeboxWriter](w)
	switch status {
	case http.StatusNotFound:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, "404 page not found\n")
		return
	case http.StatusMethodNotAllowed:
		if hw != nil && hw.allow != nil {
			w.Header().Set("Allow", hw.allow())
		}
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if hw != nil {
		switch hw.op {
		case "userLogin":
			homeboxWriteError(w, http.StatusUnauthorized, homeboxMsgUnauthorized)
			return
		case "registerNewUser":
			homeboxWriteError(w, http.StatusInternalServerError, msg)
			return
		case "changePassword":
			homeboxWriteError(w, http.StatusInternalServerError, msg)
			return
		}
	}
	homeboxWriteError(w, status, msg)
}

// ---------------------------------------------------------------------------
// Middleware

// homeboxRoutes names the operations the outer layer must know before the
// validator routes the request.
var homeboxRoutes = map[string]string{
	"POST " + homeboxBasePath + "/v1/users/login":               "userLogin",
	"POST " + homeboxBasePath + "/v1/users/forgot-password":     "forgotPassword",
	"POST " + homeboxBasePath + "/v1/users/reset-password":      "resetPassword",
	"GET " + homeboxBasePath + "/v1/users/login/oidc":           "oidcLogin",
	"GET " + homeboxBasePath + "/v1/users/login/oidc/callback":  "oidcCallback",
	"POST " + homeboxBasePath + "/v1/users/self/api-keys":       "createApiKey",
	"PUT " + homeboxBasePath + "/v1/users/self/settings":        "updateUserSettings",
	"POST " + homeboxBasePath + "/v1/users/register":            "registerNewUser",
	"PUT " + homeboxBasePath + "/v1/users/self/change-password": "changePassword",
}

// homeboxRateLimited are the operations behind the auth rate limiter.
var homeboxRateLimited = map[string]bool{
	"userLogin": true, "forgotPassword": true, "resetPassword": true, "oidcLogin": true, "oidcCallback": true,
}

// homeboxPublic are the operations that need no token.
var homeboxPublic = map[string]bool{
	"userLogin": true, "forgotPassword": true, "resetPassword": true, "oidcLogin": true, "oidcCallback": true,
	"registerNewUser": true,
}

// homeboxWriter remembers the operation (for the error shape) and the
// status written (for the rate limiter).
type homeboxWriter struct {
	http.ResponseWriter
	op     string
	status int
	allow  func() string // the methods the request's path is served for
}

// WriteHeader also labels JSON as the real server does: every JSON answer
// is "application/json; charset=utf-8".
func (w *homeboxWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	if h := w.Header(); h.Get("Content-Type") == homeboxCTJSON {
		h.Set("Content-Type", homeboxCTJSONUTF8)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *homeboxWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush and Hijack keep fault injection (truncation, dropped connections)
// working through the wrapper.
func (w *homeboxWriter) Flush() {
	if fl, ok := w.ResponseWriter.(http.Flusher); ok {
		fl.Flush()
	}
}

func (w *homeboxWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("homebox fake: connection cannot be hijacked")
	}
	return hj.Hijack()
}

func (w *homeboxWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// outer wraps the whole chain: it caps the settings body at 64 KiB and
// feeds the rate limiter with the outcome of each rate-limited request.
func (f *HomeboxFake) outer(v *validator, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := homeboxRoutes[r.Method+" "+r.URL.Path]
		hw := &homeboxWriter{ResponseWriter: w, op: op, allow: func() string { return v.allowed(r) }}
		if op == "updateUserSettings" && r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, homeboxMaxSettingsBody)
		}
		now := f.now()
		next.ServeHTTP(hw, r)
		if !homeboxRateLimited[op] {
			return
		}
		rl := f.Config().RateLimit
		switch s := hw.status; {
		case s == 0, s >= 500, s == http.StatusTooManyRequests, s == http.StatusNotFound:
			// no answer (dropped), a server-side failure or injected fault,
			// a lock-out, or OIDC not mounted: not an attempt
		case s >= 400:
			f.limiter.record(rl, homeboxLimitKey(r), now, false)
		default:
			f.limiter.record(rl, homeboxLimitKey(r), now, true)
		}
	})
}

type homeboxCtxKey struct{}

// homeboxReqInfo is what handlers need from the HTTP request.
type homeboxReqInfo struct {
	contentType string
	origin      string // scheme://host of the request
	domain      string // host without port, for cookies
	principal   *homeboxPrincipal
}

func homeboxInfo(ctx context.Context) *homeboxReqInfo {
	if i, ok := ctx.Value(homeboxCtxKey{}).(*homeboxReqInfo); ok {
		return i
	}
	return &homeboxReqInfo{}
}

// auth runs after validation: the rate limiter's lock-out, OIDC being off,
// token authentication and the tenant check, in the real server's order.
func (f *HomeboxFake) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := operationOf(r.Context())
		cfg := f.Config()
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		domain := r.Host
		if h, _, err := net.SplitHostPort(r.Host); err == nil {
			domain = h
		}
		info := &homeboxReqInfo{contentType: r.Header.Get("Content-Type"), origin: scheme + "://" + r.Host, domain: domain}
		if (op == "oidcLogin" || op == "oidcCallback") && !cfg.OIDCEnabled {
			http.NotFound(w, r) // route not mounted: chi's plain-text 404
			return
		}
		if homeboxRateLimited[op] && cfg.RateLimit.Enabled {
			if wait, locked := f.limiter.locked(cfg.RateLimit, homeboxLimitKey(r), f.now()); locked {
				secs := int((wait + time.Second/2) / time.Second)
				w.Header().Set("Retry-After", strconv.Itoa(max(secs, 0)))
				homeboxWriteError(w, http.StatusTooManyRequests, homeboxMsgRateLimited)
				return
			}
		}
		if !homeboxPublic[op] {
			p, status, msg := f.authenticate(r)
			if p == nil {
				homeboxWriteError(w, status, msg)
				return
			}
			if status, msg := homeboxTenant(r, p); status != 0 {
				homeboxWriteError(w, status, msg)
				return
			}
			info.principal = p
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), homeboxCtxKey{}, info)))
	})
}

// authenticate finds the token where the real server looks, in its order:
// the hb.auth.token cookie (with hb.auth.remember), the Authorization
// header, the second Sec-WebSocket-Protocol item, the access_token query.
// One leading "Bearer " is stripped. API keys count only in the header.
func (f *HomeboxFake) authenticate(r *http.Request) (*homeboxPrincipal, int, string) {
	var tok string
	fromHeader := false
	if c, err := r.Cookie(homeboxCookieToken); err == nil && c.Value != "" {
		if _, err := r.Cookie(homeboxCookieRemember); err == nil {
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
		return nil, http.StatusUnauthorized, homeboxMsgMissingToken
	}
	tok = strings.TrimPrefix(tok, "Bearer ")
	return f.store.authenticate(tok, fromHeader, f.now())
}

// homeboxTenant checks the optional X-Tenant header (or tenant query).
func homeboxTenant(r *http.Request, p *homeboxPrincipal) (int, string) {
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

type homeboxAttempt struct {
	failures    int
	last        time.Time
	lockedUntil time.Time
}

type homeboxLimiter struct {
	mu    sync.Mutex
	state map[string]*homeboxAttempt
}

func homeboxLimitKey(r *http.Request) string {
	return homeboxClientIP(r) + "|" + r.URL.Path
}

func homeboxClientIP(r *http.Request) string {
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
func (l *homeboxLimiter) locked(cfg HomeboxRateLimit, key string, now time.Time) (time.Duration, bool) {
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
func (l *homeboxLimiter) record(cfg HomeboxRateLimit, key string, now time.Time, success bool) {
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
		a = &homeboxAttempt{}
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

func homeboxMustUUID(s string) openapi_types.UUID {
	var id openapi_types.UUID
	if err := id.UnmarshalText([]byte(s)); err != nil {
		panic(err)
	}
	return id
}
