// The recording of a run (`conform -record FILE`): every exchange as it
// went over the wire, then scrubbed so that the file holds no credential
// and two runs against equal servers give equal files.

package conform

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/userapis/userapis-go/internal/echo"
)

// Recording is what -record writes: the service, what the caller says of
// the server (its provenance), and the exchanges in the order they were
// sent.
type Recording struct {
	Service    string            `json:"service"`
	Provenance map[string]string `json:"provenance,omitempty"`
	Exchanges  []Recorded        `json:"exchanges"`
}

// Recorded is one exchange of a Recording.
type Recorded struct {
	Step      string      `json:"step"`
	Operation string      `json:"operation"`
	Request   RecordedReq `json:"request"`
	Response  RecordedRes `json:"response"`
}

// RecordedReq is the request of a Recorded exchange.
type RecordedReq struct {
	Method string            `json:"method"`
	Path   string            `json:"path"`
	Query  string            `json:"query,omitempty"`
	Header map[string]string `json:"header,omitempty"`
	Body   json.RawMessage   `json:"body,omitempty"`
}

// RecordedRes is the answer of a Recorded exchange; Status 0 with Error
// when none came.
type RecordedRes struct {
	Status int               `json:"status"`
	Header map[string]string `json:"header,omitempty"`
	Body   json.RawMessage   `json:"body,omitempty"`
	Error  string            `json:"error,omitempty"`
}

// maxTapedBody bounds what the tape keeps of one body; the rest is cut
// (the client bounds what it reads itself).
const maxTapedBody = 1 << 20

// Tape is an http.RoundTripper that records every exchange it carries.
// Put it under the validating transport (as its Next), so that it sees
// the requests as sent; label each exchange with its operation through
// Label (from the transport's OnExchange).
type Tape struct {
	Next http.RoundTripper // nil means http.DefaultTransport
	// Step names the running step (Recorder.Step).
	Step func() string

	mu   sync.Mutex
	tape []taped
}

type taped struct {
	req        *http.Request
	step, op   string
	method     string
	url        *url.URL
	reqHeader  http.Header
	reqBody    []byte
	status     int
	respHeader http.Header
	respBody   []byte
	err        string
}

// RoundTrip sends req and records it and its answer, handing the caller a
// body it can still read.
func (t *Tape) RoundTrip(req *http.Request) (*http.Response, error) {
	next := t.Next
	if next == nil {
		next = http.DefaultTransport
	}
	e := taped{req: req, method: req.Method, url: req.URL, reqHeader: req.Header.Clone()}
	if t.Step != nil {
		e.step = t.Step()
	}
	if req.GetBody != nil {
		if b, err := req.GetBody(); err == nil {
			e.reqBody, _ = io.ReadAll(io.LimitReader(b, maxTapedBody))
			_ = b.Close()
		}
	}
	resp, err := next.RoundTrip(req)
	if err != nil {
		e.err = err.Error()
	} else {
		e.status, e.respHeader = resp.StatusCode, resp.Header.Clone()
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxTapedBody+1))
		_ = resp.Body.Close()
		if len(body) > maxTapedBody {
			// Too large to keep whole: the caller still gets all of it.
			resp.Body = readCloser{io.MultiReader(bytes.NewReader(body), resp.Body), resp.Body}
			body = body[:maxTapedBody]
		} else {
			resp.Body = io.NopCloser(bytes.NewReader(body))
		}
		if rerr != nil {
			e.err = rerr.Error()
		}
		e.respBody = body
	}
	t.mu.Lock()
	t.tape = append(t.tape, e)
	t.mu.Unlock()
	return resp, err
}

type readCloser struct {
	io.Reader
	io.Closer
}

// Label names the operation of the exchange that carried req.
func (t *Tape) Label(req *http.Request, op string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := len(t.tape) - 1; i >= 0; i-- {
		if t.tape[i].req == req {
			t.tape[i].op = op
			return
		}
	}
}

// Scrub says what to take out of a recording: the server's base URL, the
// run's object prefix, and the credentials the run was given. Tokens the
// servers hand out (in the fields of tokenKeys, in Set-Cookie) are found
// in the answers themselves.
type Scrub struct {
	BaseURL string
	Prefix  string
	Secrets []string
}

// tokenKeys are the JSON fields whose string values are credentials the
// servers hand out (session tokens, API keys, secrets, one-time codes).
var tokenKeys = map[string]bool{
	"token": true, "raw": true, "attachmentToken": true, "accessToken": true, "access_token": true,
	"refresh_token": true, "id_token": true, "secret": true, "value": true, "api_key": true,
	"apiKey": true, "defaultToken": true, "password": true, "new_password": true, "old_password": true,
	"current": true, "new": true, "client_secret": true,
}

// sensitiveHeaders are request and response headers whose values are
// credentials as a whole.
var sensitiveHeaders = map[string]bool{
	"Authorization": true, "X-Auth-Token": true, "X-Api-Key": true, "Cookie": true,
}

// volatileHeaders vary from run to run or with the placeholders' lengths:
// their values are replaced, or they are dropped.
var volatileHeaders = map[string]string{
	"Date": "<http-date>", "X-Request-Id": "<request-id>", "Content-Length": "",
	"Last-Modified": "<http-date>", "Etag": "<etag>", "Retry-After": "<seconds>",
}

var (
	uuidRE     = regexp.MustCompile(`(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`)
	timeRE     = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?`)
	httpDateRE = regexp.MustCompile(`(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2}[ -][A-Z][a-z]{2}[ -]\d{4} \d{2}:\d{2}:\d{2} GMT`)
	// idKeyRE matches JSON members that hold a numeric id.
	idKeyRE = regexp.MustCompile(`"((?:[A-Za-z_]*_)?id|[a-z][A-Za-z]*Id)"(\s*:\s*)(\d+)`)
	// boundaryRE finds a multipart boundary (random per request).
	boundaryRE = regexp.MustCompile(`boundary="?([^";\s]+)`)
	// idPathRE matches numeric path segments (Harbor's user ids).
	idPathRE = regexp.MustCompile(`/(\d+)(/|$)`)
)

// scrubber holds the placeholders given so far, so that one value gets one
// placeholder throughout a recording.
type scrubber struct {
	cfg     Scrub
	secrets map[string]string // secret -> <secret-N>
	order   []string          // secrets, longest first
	uuids   map[string]string
	ids     map[string]string
	host    string
}

// Recording scrubs the tape into a Recording.
func (t *Tape) Recording(service string, cfg Scrub, provenance map[string]string) Recording {
	t.mu.Lock()
	tape := slices.Clone(t.tape)
	t.mu.Unlock()
	s := &scrubber{cfg: cfg, secrets: map[string]string{}, uuids: map[string]string{}, ids: map[string]string{}}
	if u, err := url.Parse(cfg.BaseURL); err == nil {
		s.host = u.Host
	}
	for _, x := range cfg.Secrets {
		s.addSecret(x, "<credential>")
	}
	// First every credential the exchanges carry, so that one seen late
	// (a token handed out in step 5) is also taken out of step 2.
	for _, e := range tape {
		s.learn(e)
	}
	out := Recording{Service: service, Provenance: provenance, Exchanges: []Recorded{}}
	for _, e := range tape {
		out.Exchanges = append(out.Exchanges, s.exchange(e))
	}
	return out
}

// minLearned is the shortest credential taken from the exchanges
// themselves: a shorter value (a cookie's "true") is not a token.
const minLearned = 8

// addBoundary makes a multipart boundary <boundary>.
func (s *scrubber) addBoundary(b string) {
	if len(b) >= minLearned && s.secrets[b] == "" {
		s.secrets[b] = "<boundary>"
		s.order = append(s.order, b)
		slices.SortStableFunc(s.order, func(a, b string) int { return len(b) - len(a) })
	}
}

// addSecret gives secret its placeholder (name, or the next <secret-N>).
// A credential the run was given (name set) may be short, like a
// fake's "admin" password: such a one is replaced only where it stands
// whole (see text).
func (s *scrubber) addSecret(secret, name string) {
	secret = strings.TrimSpace(secret)
	if secret == "" || s.secrets[secret] != "" || (name == "" && len(secret) < minLearned) {
		return
	}
	if name == "" {
		name = fmt.Sprintf("<secret-%d>", len(s.secrets)+1)
	}
	s.secrets[secret] = name
	s.order = append(s.order, secret)
	slices.SortStableFunc(s.order, func(a, b string) int { return len(b) - len(a) })
}

// learn finds the credentials an exchange carries: its credential headers,
// its cookies, and the token fields of its JSON bodies.
func (s *scrubber) learn(e taped) {
	for _, name := range sortedKeys(sensitiveHeaders) {
		for _, v := range e.reqHeader.Values(name) {
			if scheme, tok, ok := strings.Cut(v, " "); ok && (strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "Basic")) {
				v = tok
				if strings.EqualFold(scheme, "Basic") {
					if raw, err := base64.StdEncoding.DecodeString(tok); err == nil {
						if _, pass, ok := strings.Cut(string(raw), ":"); ok {
							s.addSecret(pass, "")
						}
					}
				}
			}
			if name == "Cookie" {
				for _, c := range strings.Split(v, ";") {
					if _, val, ok := strings.Cut(c, "="); ok {
						s.addSecret(val, "")
					}
				}
				continue
			}
			s.addSecret(v, "")
		}
	}
	for _, h := range []http.Header{e.reqHeader, e.respHeader} {
		if m := boundaryRE.FindStringSubmatch(h.Get("Content-Type")); m != nil {
			s.addBoundary(m[1])
		}
	}
	for _, c := range e.respHeader.Values("Set-Cookie") {
		if _, val, ok := strings.Cut(strings.SplitN(c, ";", 2)[0], "="); ok {
			s.addSecret(val, "")
		}
	}
	for _, b := range [][]byte{e.reqBody, e.respBody} {
		var v any
		if json.Unmarshal(b, &v) == nil {
			s.learnJSON(v)
		} else if q, err := url.ParseQuery(string(b)); err == nil && bytes.Contains(b, []byte("=")) {
			for _, k := range sortedKeys(q) { // a form body (the OAuth2 token request)
				if tokenKeys[k] {
					for _, x := range q[k] {
						s.addSecret(x, "")
					}
				}
			}
		}
	}
}

func (s *scrubber) learnJSON(v any) {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(x) { // one order, run after run
			val := x[k]
			if str, ok := val.(string); ok && tokenKeys[k] {
				s.addSecret(strings.TrimPrefix(str, "Bearer "), "")
				continue
			}
			s.learnJSON(val)
		}
	case []any:
		for _, val := range x {
			s.learnJSON(val)
		}
	}
}

// text scrubs one string: credentials in every form, the server's
// address, the run's prefix, UUIDs and times.
func (s *scrubber) text(in string) string {
	for _, sec := range s.order {
		for _, f := range echo.Forms(sec) {
			if len(sec) < minLearned {
				// Short: only as a whole JSON string or header value,
				// not inside other words ("admin" in admin@admin.com).
				in = strings.ReplaceAll(in, `"`+f+`"`, `"`+s.secrets[sec]+`"`)
				if in == f {
					in = s.secrets[sec]
				}
				continue
			}
			in = strings.ReplaceAll(in, f, s.secrets[sec])
		}
	}
	if s.cfg.BaseURL != "" {
		in = strings.ReplaceAll(in, strings.TrimRight(s.cfg.BaseURL, "/"), "<server>")
	}
	if s.host != "" {
		in = strings.ReplaceAll(in, s.host, "<server>")
		if h, _, ok := strings.Cut(s.host, ":"); ok {
			in = strings.ReplaceAll(in, "Domain="+h, "Domain=<server>")
		}
	}
	if s.cfg.Prefix != "" {
		in = strings.ReplaceAll(in, s.cfg.Prefix, "<prefix>")
		in = strings.ReplaceAll(in, strings.ToUpper(s.cfg.Prefix), "<PREFIX>")
	}
	in = httpDateRE.ReplaceAllString(in, "<http-date>")
	in = timeRE.ReplaceAllString(in, "<time>")
	return uuidRE.ReplaceAllStringFunc(in, func(u string) string {
		u = strings.ToLower(u)
		if s.uuids[u] == "" {
			s.uuids[u] = fmt.Sprintf("<uuid-%d>", len(s.uuids)+1)
		}
		return s.uuids[u]
	})
}

// id renumbers a numeric id: the n-th distinct id seen is 900000+n, a
// number still, so that a body keeps its shape.
func (s *scrubber) id(n string) string {
	if s.ids[n] == "" {
		s.ids[n] = strconv.Itoa(900001 + len(s.ids))
	}
	return s.ids[n]
}

func (s *scrubber) path(p string) string {
	p = s.text(p)
	return idPathRE.ReplaceAllStringFunc(p, func(m string) string {
		sub := idPathRE.FindStringSubmatch(m)
		return "/" + s.id(sub[1]) + sub[2]
	})
}

func (s *scrubber) header(h http.Header, response bool) map[string]string {
	if len(h) == 0 {
		return nil
	}
	out := map[string]string{}
	for k, vs := range h {
		k = http.CanonicalHeaderKey(k)
		if repl, ok := volatileHeaders[k]; ok {
			if repl != "" {
				out[k] = repl
			}
			continue
		}
		v := strings.Join(vs, "\n")
		switch {
		case sensitiveHeaders[k]:
			scheme, _, ok := strings.Cut(v, " ")
			if ok && (strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "Basic")) {
				v = scheme + " " + s.text(strings.TrimPrefix(v, scheme+" "))
			} else {
				v = s.text(v)
			}
		case k == "Location":
			v = s.path(v)
		case k == "User-Agent" && !response:
			v = "<user-agent>"
		default:
			v = s.text(v)
		}
		out[k] = v
	}
	return out
}

// body scrubs a body: JSON is kept as JSON (indented, its member order
// as sent) with numeric ids renumbered; anything else as a JSON string.
func (s *scrubber) body(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	txt := s.text(string(b))
	if json.Valid([]byte(txt)) {
		txt = idKeyRE.ReplaceAllStringFunc(txt, func(m string) string {
			sub := idKeyRE.FindStringSubmatch(m)
			return `"` + sub[1] + `"` + sub[2] + s.id(sub[3])
		})
		var ind bytes.Buffer
		if json.Indent(&ind, []byte(txt), "", "  ") == nil {
			return ind.Bytes()
		}
	}
	var q bytes.Buffer
	enc := json.NewEncoder(&q)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(txt)
	return bytes.TrimSpace(q.Bytes())
}

func (s *scrubber) exchange(e taped) Recorded {
	r := Recorded{Step: s.text(e.step), Operation: e.op}
	r.Request = RecordedReq{Method: e.method, Header: s.header(e.reqHeader, false), Body: s.body(e.reqBody)}
	if e.url != nil {
		r.Request.Path = s.path(e.url.EscapedPath())
		r.Request.Query = s.text(e.url.RawQuery)
	}
	r.Response = RecordedRes{Status: e.status, Header: s.header(e.respHeader, true), Body: s.body(e.respBody)}
	if e.err != "" {
		r.Response.Error = s.text(e.err)
	}
	return r
}

// WriteRecording writes rec as indented JSON.
func WriteRecording(w io.Writer, rec Recording) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(rec)
}
