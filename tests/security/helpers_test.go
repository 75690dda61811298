// Package securitytest checks the clients' safety properties end to end
// against the fakes: no credential in any log line or error string,
// credentials never follow a redirect to another host or from https to
// http, hostile path parameters never reach another endpoint, and TLS
// verification is on by default.
package securitytest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// syncBuffer is an io.Writer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// secrets is the set of credential values seen during a scenario, each
// with a label for the failure message.
type secrets struct {
	mu sync.Mutex
	m  map[string]string // value -> label
}

func newSecrets() *secrets { return &secrets{m: map[string]string{}} }

// add records value and the encodings it could leak in: URL query and
// path escaping. Values shorter than 6 bytes are refused: scanning for
// them would match innocent text.
func (s *secrets) add(t *testing.T, label, value string) {
	t.Helper()
	if value == "" {
		return
	}
	require.GreaterOrEqual(t, len(value), 6, "secret %s is too short to scan for", label)
	s.mu.Lock()
	defer s.mu.Unlock()
	put := func(v, l string) {
		if _, seen := s.m[v]; !seen { // the first label names it best
			s.m[v] = l
		}
	}
	put(value, label)
	if e := url.QueryEscape(value); e != value {
		put(e, label+" (query-escaped)")
	}
	if e := url.PathEscape(value); e != value {
		put(e, label+" (path-escaped)")
	}
}

// addBasic records a Basic credential: the password, and the base64 of
// user:pass as it travels in the Authorization header.
func (s *secrets) addBasic(t *testing.T, label, user, pass string) {
	t.Helper()
	s.add(t, label+" password", pass)
	s.add(t, label+" base64(user:pass)", base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
}

// addHeader records the credential in an Authorization-style header value:
// the whole value and the part after the scheme.
func (s *secrets) addHeader(t *testing.T, label, value string) {
	t.Helper()
	s.add(t, label, value)
	if _, cred, ok := strings.Cut(value, " "); ok && len(cred) >= 6 {
		s.add(t, label+" (credential part)", cred)
	}
}

// find returns the labels of the secrets text contains.
func (s *secrets) find(text string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var found []string
	for v, label := range s.m {
		if strings.Contains(text, v) {
			found = append(found, label)
		}
	}
	sort.Strings(found)
	return found
}

func (s *secrets) labels() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.m))
	for _, label := range s.m {
		out = append(out, label)
	}
	sort.Strings(out)
	return out
}

func (s *secrets) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// jsonStrings returns every string (keys and values) in a JSON document,
// unescaped, so that a secret escaped by the encoder is still found.
func jsonStrings(line []byte) ([]string, error) {
	var v any
	if err := json.Unmarshal(line, &v); err != nil {
		return nil, err
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case map[string]any:
			for k, e := range x {
				out = append(out, k)
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return out, nil
}

// credentialSniffer is a RoundTripper that records every credential the
// client puts on the wire (so that values the test cannot read from the
// fakes, such as the OAuth2 access token, are scanned for too).
type credentialSniffer struct {
	t    *testing.T
	s    *secrets
	next http.RoundTripper
}

func (c credentialSniffer) RoundTrip(r *http.Request) (*http.Response, error) {
	for _, h := range []string{"Authorization", "X-Auth-Token", "X-Api-Key", "Cookie"} {
		if v := r.Header.Get(h); v != "" {
			c.s.addHeader(c.t, "the "+h+" header sent to "+r.URL.Path, v)
		}
	}
	return c.next.RoundTrip(r)
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// transport returns a fresh *http.Transport closed at the end of the test.
func transport(t *testing.T) *http.Transport {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}
