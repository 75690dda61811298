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
	if u.User == nil && u.RawQuery == "" {
		return u.String() // nothing to take out: no copy
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

// redactShown is redactURL(u) for a request whose URL was parsed from
// shown, a URL without user info (core refuses a base URL that has some):
// only its query may need redacting, and the string is at hand. An empty
// shown renders u.
func redactShown(shown string, u *url.URL) string {
	if shown == "" {
		return redactURL(u)
	}
	if before, query, ok := strings.Cut(shown, "?"); ok {
		return before + "?" + redactQuery(query)
	}
	return shown
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
// and none of its body secrets cannot have echoed a credential.
func mayEcho(body []byte, req *http.Request) bool {
	if req == nil || len(body) == 0 {
		return false
	}
	return newEchoProbe(req.Header).in(body) || secretsIn(body, req)
}

// An echoProbe is what mayEcho looks for in an answer: the credentials a
// request's headers carried (X-Auth-Token, X-Api-Key, Authorization), each
// as sent and base64-encoded (both alphabets, unpadded: a prefix of the
// padded form), a Basic one also as its password. A core keeps the last
// one it built (the credentials rarely change from call to call), so that
// an error answer costs a few substring searches, not a decoding and
// encodings of every credential. It is not changed once built.
type echoProbe struct {
	sent    [3]string // the three headers' values as sent: what it was built from
	needles []string
	bneedle [][]byte // needles as bytes, for bodies
	always  bool     // a Basic credential that does not decode: assume it echoed
}

var echoHeaders = [3]string{"X-Auth-Token", "X-Api-Key", "Authorization"}

// first is h.Get(k) for a canonical k, without Get's canonicalization of k
// on every call (a hot path reads a few headers of every answer).
func first(h http.Header, k string) string {
	if vs := h[k]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

func newEchoProbe(h http.Header) *echoProbe {
	p := &echoProbe{}
	add := func(v []byte) {
		if len(v) < minEchoSecret {
			return
		}
		p.needles = append(p.needles, string(v), base64.RawStdEncoding.EncodeToString(v), base64.RawURLEncoding.EncodeToString(v))
	}
	for i, k := range echoHeaders {
		v := first(h, k)
		p.sent[i] = v
		scheme, tok, ok := strings.Cut(v, " ")
		switch {
		case k != "Authorization" || !ok:
			add([]byte(v))
		case strings.EqualFold(scheme, "Basic"):
			// The pair as sent, and the password alone.
			if len(tok) >= minEchoSecret {
				p.needles = append(p.needles, tok)
			}
			pair, err := base64.StdEncoding.DecodeString(tok)
			_, pass, found := bytes.Cut(pair, []byte{':'})
			if err != nil || !found {
				p.always = true
				continue
			}
			add(pass)
		default:
			add([]byte(tok))
		}
	}
	// Both base64 alphabets agree on most credentials.
	slices.Sort(p.needles)
	p.needles = slices.Compact(p.needles)
	for _, n := range p.needles {
		p.bneedle = append(p.bneedle, []byte(n))
	}
	return p
}

// matches reports whether h carries the credentials p was built from.
func (p *echoProbe) matches(h http.Header) bool {
	for i, k := range echoHeaders {
		if first(h, k) != p.sent[i] {
			return false
		}
	}
	return true
}

// in reports whether b may hold one of p's credentials.
func (p *echoProbe) in(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	// JSON or URL escapes may hide a credential from a plain search.
	if p.always || bytes.IndexByte(b, '\\') >= 0 || bytes.IndexByte(b, '%') >= 0 {
		return true
	}
	for _, n := range p.bneedle {
		if bytes.Contains(b, n) {
			return true
		}
	}
	return false
}

// inString is in for a string (a header's name or value).
func (p *echoProbe) inString(s string) bool {
	if s == "" {
		return false
	}
	if p.always || strings.IndexByte(s, '\\') >= 0 || strings.IndexByte(s, '%') >= 0 {
		return true
	}
	for _, n := range p.needles {
		if len(n) <= len(s) && strings.Contains(s, n) {
			return true
		}
	}
	return false
}

// secretsIn reports whether b holds one of the secrets req's body carried
// (bodySecrets), as sent or base64-encoded.
func secretsIn(b []byte, req *http.Request) bool {
	return slices.ContainsFunc(bodySecrets(req), func(v string) bool {
		return len(v) >= minEchoSecret && (bytes.Contains(b, []byte(v)) || base64In(b, v))
	})
}

// probe returns an echoProbe of h's credentials: the core's last one when
// they are the same.
func (c *core) probe(h http.Header) *echoProbe {
	if p := c.lastProbe.Load(); p != nil && p.matches(h) {
		return p
	}
	p := newEchoProbe(h)
	c.lastProbe.Store(p)
	return p
}

// headersMayEcho is mayEcho for the names and values of a server's
// headers, tested together (see appendHeader).
func headersMayEcho(h http.Header, req *http.Request) bool {
	if req == nil || len(h) == 0 {
		return false
	}
	var buf [1024]byte
	return mayEcho(appendHeader(buf[:0], h), req)
}

// appendHeader appends the names and values of h to b, a newline (which
// no credential holds) after each, so that one mayEcho tests them all and
// the request's credentials are gathered and decoded once, not per value.
func appendHeader(b []byte, h http.Header) []byte {
	for k, vs := range h {
		b = append(append(b, k...), '\n')
		for _, v := range vs {
			b = append(append(b, v...), '\n')
		}
	}
	return b
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

// redactEcho replaces the credentials req carried wherever e shows what
// the server said: its message, code, request id and field errors. Those
// are searched, not the body they were decoded from: a few short strings,
// already unescaped. The headers are redacted when e is printed (Format);
// the raw Body and Header are left as received.
func redactEcho(e *APIError, req *http.Request, p *echoProbe) {
	if req == nil {
		return
	}
	secrets := bodySecrets(req)
	may := func(s string) bool {
		return p.inString(s) || (len(secrets) > 0 && secretsIn([]byte(s), req))
	}
	hit := may(e.Message) || may(e.Code) || may(e.RequestID)
	for k, v := range e.Fields {
		hit = hit || may(k) || may(v)
	}
	if !hit {
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
}

// headerEcho is the redaction of the credentials req carried for printing
// h, nil when no name or value of h may hold one.
func headerEcho(h http.Header, req *http.Request) func(string) string {
	if !headersMayEcho(h, req) {
		return nil
	}
	return echoRedactor(req)
}
