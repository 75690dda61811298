// Redaction: credentials never reach a log line or an error string, in
// URLs, headers, or echoed back by a server in an error body.

package client

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/userapis/userapis-go/internal/echo"
)

// sensitiveQuery lists query parameters whose values are credentials.
var sensitiveQuery = map[string]bool{
	"access_token": true, "refresh_token": true, "id_token": true, "token": true,
	"api_key": true, "apikey": true, "x-api-key": true, "key": true,
	"password": true, "secret": true, "client_secret": true, "code": true,
	"auth": true, "x-auth-token": true, "session": true,
}

const redacted = "REDACTED"

// redactURL renders u without user info and with credential query values
// replaced, for logs and errors.
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.User != nil {
		c.User = url.User(redacted)
	}
	if c.RawQuery != "" {
		c.RawQuery = redactQuery(c.RawQuery)
	}
	return c.String()
}

// redactQuery replaces the values of credential parameters in a raw query,
// pair by pair, leaving everything else as it was. It works on the raw text
// rather than url.ParseQuery, which drops pairs it cannot parse (a bad
// escape, a ";") and would let such a pair through unredacted.
func redactQuery(raw string) string {
	var b strings.Builder
	for raw != "" {
		i := strings.IndexAny(raw, "&;")
		pair, sep := raw, ""
		if i >= 0 {
			pair, sep, raw = raw[:i], raw[i:i+1], raw[i+1:]
		} else {
			raw = ""
		}
		key, _, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(key)
		if err != nil {
			name = key
		}
		if sensitiveQuery[strings.ToLower(name)] {
			pair = key + "=" + redacted
		}
		b.WriteString(pair)
		b.WriteString(sep)
	}
	return b.String()
}

func redactURLString(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "<unparsable URL>"
	}
	return redactURL(u)
}

// minEchoSecret is the shortest credential redactEcho takes out of a
// server's message; shorter ones would mangle ordinary words.
const minEchoSecret = 4

// bodySecretsKey marks, in a call's context, the secrets its request body
// carries (a password, a CLI secret): an echo of them is redacted like one
// of a header credential. The request holds them anyway, in its body.
type bodySecretsKey struct{}

// withBodySecrets returns ctx marked with secrets (see bodySecretsKey).
func withBodySecrets(ctx context.Context, secrets ...string) context.Context {
	if ctx == nil {
		return nil // do reports the nil context
	}
	if prev, ok := ctx.Value(bodySecretsKey{}).([]string); ok {
		secrets = append(secrets, prev...)
	}
	return context.WithValue(ctx, bodySecretsKey{}, secrets)
}

// bodySecrets returns the secrets withBodySecrets marked req's call with.
func bodySecrets(req *http.Request) []string {
	s, _ := req.Context().Value(bodySecretsKey{}).([]string)
	return s
}

// sentCredentials returns the credential values req carried: X-Auth-Token,
// X-Api-Key, Authorization's token (and, for Basic, the password), and the
// secrets of its body.
func sentCredentials(req *http.Request) []string {
	if req == nil {
		return nil
	}
	var out []string
	add := func(v string) {
		if v = strings.TrimSpace(v); len(v) >= minEchoSecret {
			out = append(out, v)
		}
	}
	add(req.Header.Get("X-Auth-Token"))
	add(req.Header.Get("X-Api-Key"))
	if a := req.Header.Get("Authorization"); a != "" {
		if _, tok, ok := strings.Cut(a, " "); ok {
			add(tok)
		} else {
			add(a)
		}
		if user, pass, ok := req.BasicAuth(); ok {
			add(pass)
			add(user + ":" + pass)
		}
	}
	for _, s := range bodySecrets(req) {
		add(s)
	}
	return out
}

// mayEcho is the cheap test before redactEcho parses anything: the decoded
// message, code and fields are substrings of the body unless it has JSON
// escapes, so a body without a backslash that holds none of the header
// values req sent (tokens, API keys; a Basic header is checked decoded)
// cannot have echoed a credential.
func mayEcho(body []byte, req *http.Request) bool {
	if req == nil || len(body) == 0 {
		return false
	}
	// JSON or URL escapes may hide a credential from a plain search.
	if bytes.IndexByte(body, '\\') >= 0 || bytes.IndexByte(body, '%') >= 0 {
		return true
	}
	holds := func(v string) bool {
		return len(v) >= minEchoSecret && (bytes.Contains(body, []byte(v)) || base64In(body, v))
	}
	for _, h := range [...]string{"X-Auth-Token", "X-Api-Key", "Authorization"} {
		v := req.Header.Get(h)
		if scheme, tok, ok := strings.Cut(v, " "); ok && h == "Authorization" {
			if strings.EqualFold(scheme, "Basic") {
				if basicPasswordIn(body, tok) {
					return true
				}
				continue
			}
			v = tok
		}
		if holds(v) {
			return true
		}
	}
	return slices.ContainsFunc(bodySecrets(req), holds)
}

// headersMayEcho is mayEcho for the names and values of a server's headers.
func headersMayEcho(h http.Header, req *http.Request) bool {
	if req == nil {
		return false
	}
	for k, vs := range h {
		if mayEcho([]byte(k), req) {
			return true
		}
		for _, v := range vs {
			if mayEcho([]byte(v), req) {
				return true
			}
		}
	}
	return false
}

// base64In reports whether body holds v base64-encoded (either alphabet,
// with or without padding: the unpadded form is a prefix of the padded
// one), encoding on the stack; a v too long for that is assumed echoed.
func base64In(body []byte, v string) bool {
	var src [96]byte
	var dst [128]byte
	if len(v) > len(src) {
		return true
	}
	n := copy(src[:], v)
	for _, enc := range [...]*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		m := enc.EncodedLen(n)
		enc.Encode(dst[:m], src[:n])
		if bytes.Contains(body, dst[:m]) {
			return true
		}
	}
	return false
}

// basicPasswordIn reports whether body holds the password of the Basic
// credential tok (base64 of user:password), decoding on the stack; a
// credential too long for that, or undecodable, is assumed echoed.
func basicPasswordIn(body []byte, tok string) bool {
	var src [128]byte
	var dst [96]byte
	if len(tok) > len(src) {
		return true
	}
	n := copy(src[:], tok)
	m, err := base64.StdEncoding.Decode(dst[:], src[:n])
	if err != nil {
		return true
	}
	if bytes.Contains(body, src[:n]) { // the user:password pair, base64 as sent
		return true
	}
	_, pass, ok := bytes.Cut(dst[:m], []byte{':'})
	return !ok || (len(pass) >= minEchoSecret && (bytes.Contains(body, pass) || base64In(body, string(pass))))
}

// echoRedactor returns a function that takes every form (echo.Forms) of the
// credentials req carried out of a string, or nil when req carried none.
func echoRedactor(req *http.Request) func(string) string {
	var secrets []string
	for _, x := range sentCredentials(req) {
		secrets = append(secrets, echo.Forms(x)...)
	}
	if len(secrets) == 0 {
		return nil
	}
	// Longest first, so that a form is replaced before a part of it.
	slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	return func(s string) string {
		for _, x := range secrets {
			s = strings.ReplaceAll(s, x, redacted)
		}
		return s
	}
}

// redactEcho replaces the credentials req carried wherever the server's
// answer put them: e's message, code, request id and field errors, and the
// headers as e prints them (shownHeader). The raw Body and Header are left
// as received.
func redactEcho(e *APIError, req *http.Request) {
	inBody, inHeader := mayEcho(e.Body, req), headersMayEcho(e.Header, req)
	if !inBody && !inHeader {
		return
	}
	r := echoRedactor(req)
	if r == nil {
		return
	}
	e.Message, e.Code, e.RequestID = r(e.Message), r(e.Code), r(e.RequestID)
	if len(e.Fields) > 0 {
		fields := make(map[string]string, len(e.Fields))
		for k, v := range e.Fields {
			fields[r(k)] = r(v)
		}
		e.Fields = fields
	}
	if inHeader {
		e.shownHeader = printHeader(e.Header, r)
	}
}
