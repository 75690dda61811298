// The Vectara fake's OAuth2 client-credentials token endpoint (outside the
// document): RFC 6749 answers, expiring tokens, its own fault queue.

package vectarafake

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"time"
)

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
