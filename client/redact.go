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

// redactShown is redactURL for the URL a request was parsed from, shown
// (what every builder returns): it has no user info (core refuses a base
// URL that has some), so only its query may need redacting, and the
// string is at hand.
func redactShown(shown string) string {
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

// headerCredentials returns the credential values h carries: X-Auth-Token,
// X-Api-Key and Authorization's token (for Basic, also the password and the
// user:password pair), each trimmed and at least minEchoSecret long.
// opaque reports a Basic credential that does not decode, whose password
// cannot be searched for.
func headerCredentials(h http.Header) (creds []string, opaque bool) {
	add := func(v string) {
		if v = strings.TrimSpace(v); len(v) >= minEchoSecret {
			creds = append(creds, v)
		}
	}
	add(first(h, "X-Auth-Token"))
	add(first(h, "X-Api-Key"))
	a := first(h, "Authorization")
	scheme, tok, ok := strings.Cut(a, " ")
	if !ok {
		add(a)
		return creds, false
	}
	add(tok)
	if strings.EqualFold(scheme, "Basic") {
		pair, err := base64.StdEncoding.DecodeString(strings.TrimSpace(tok))
		user, pass, found := strings.Cut(string(pair), ":")
		if err != nil || !found {
			return creds, true
		}
		add(pass)
		add(user + ":" + pass)
	}
	return creds, false
}

// sentCredentials returns the credential values req carried: those of its
// headers (headerCredentials) and the secrets of its body.
func sentCredentials(req *http.Request) []string {
	if req == nil {
		return nil
	}
	out, _ := headerCredentials(req.Header)
	for _, s := range bodySecrets(req) {
		if s = strings.TrimSpace(s); len(s) >= minEchoSecret {
			out = append(out, s)
		}
	}
	return out
}

// mayEcho is the cheap test before anything is redacted: a string without
// a JSON or URL escape that holds none of the credentials req sent, in
// their plain and base64 forms, cannot have echoed one.
func mayEcho(s string, req *http.Request) bool {
	return req != nil && (newEchoProbe(req.Header).in(s) || secretsIn(s, req))
}

// An echoProbe is what mayEcho looks for: the credentials of a request's
// headers (headerCredentials), each as sent and base64-encoded (both
// alphabets, unpadded: a prefix of the padded form). A core keeps the last
// one it built (the credentials rarely change from call to call), so that
// an error answer costs a few substring searches, not a decoding and
// encodings of every credential. It is not changed once built.
type echoProbe struct {
	sent    [3]string // the three headers' values as sent: what it was built from
	needles []string
	always  bool // a Basic credential that does not decode: assume it echoed
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
	creds, opaque := headerCredentials(h)
	p := &echoProbe{always: opaque}
	for i, k := range echoHeaders {
		p.sent[i] = first(h, k)
	}
	for _, c := range creds {
		p.needles = append(p.needles, c, base64.RawStdEncoding.EncodeToString([]byte(c)), base64.RawURLEncoding.EncodeToString([]byte(c)))
	}
	// Both base64 alphabets agree on most credentials.
	slices.Sort(p.needles)
	p.needles = slices.Compact(p.needles)
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

// in reports whether s may hold one of p's credentials.
func (p *echoProbe) in(s string) bool {
	if s == "" {
		return false
	}
	// JSON or URL escapes may hide a credential from a plain search.
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

// secretsIn reports whether s holds one of the secrets req's body carried
// (bodySecrets), as sent or base64-encoded.
func secretsIn(s string, req *http.Request) bool {
	return slices.ContainsFunc(bodySecrets(req), func(v string) bool {
		return len(v) >= minEchoSecret && (strings.Contains(s, v) || base64In([]byte(s), v))
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

// headersMayEcho is mayEcho for the names and values of a server's headers,
// with req's credentials gathered once.
func headersMayEcho(h http.Header, req *http.Request) bool {
	if req == nil {
		return false
	}
	p := newEchoProbe(req.Header)
	may := func(s string) bool { return p.in(s) || secretsIn(s, req) }
	for k, vs := range h {
		if may(k) || slices.ContainsFunc(vs, may) {
			return true
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
	may := func(s string) bool { return p.in(s) || secretsIn(s, req) }
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
