// Authentication of the Vectara fake: x-api-key or a bearer token to a
// principal, 401 and 403 as the real service answers.

package vectarafake

import (
	"context"
	"net/http"
	"strings"
)

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
