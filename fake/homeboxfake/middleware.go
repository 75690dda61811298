// What runs between the kit and the Homebox fake's handlers: the auth rate
// limiter, token authentication where the real server looks for tokens,
// and the tenant check.

package homeboxfake

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/userapis/userapis-go/internal/fakekit"
)

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
	var id uuid.UUID
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
