// Routing of the Vectara fake's generated handler: usernames are one
// percent-decoded path segment (a%2Fb is user a/b), which Go's ServeMux
// would not keep.

package vectarafake

import (
	"net/http"
	"net/url"
	"strings"
)

// mux is the generated router's base router. It routes exactly as
// the validator in front of it does (kin-openapi's gorillamux on the escaped
// path): segment by segment, each {name} segment percent-decoded exactly
// once into the path value, so "a%2Fb" is user "a/b" and
// "x%2Freset_password" is getUser of "x/reset_password". Unlike
// http.ServeMux it never cleans the path, so a literal "." or ".." segment
// is a username lookup (404 NotFoundError) rather than a redirect, and it
// never answers in plain text.
type mux struct {
	f      *Fake
	routes []route
}

type route struct {
	method   string
	segments []string // "{name}" for a path parameter
	handler  http.HandlerFunc
}

// HandleFunc registers a pattern "METHOD /path/{param}".
func (m *mux) HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request)) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		panic("mux: pattern without method: " + pattern)
	}
	m.routes = append(m.routes, route{method: method, segments: strings.Split(path, "/"), handler: handler})
}

// ServeHTTP dispatches r to the route its escaped path matches.
func (m *mux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	segs := strings.Split(r.URL.EscapedPath(), "/")
	methodMismatch := false
	for _, rt := range m.routes {
		vals, ok := rt.match(segs)
		if !ok {
			continue
		}
		if rt.method != r.Method {
			methodMismatch = true
			continue
		}
		for k, v := range vals {
			r.SetPathValue(k, v)
		}
		rt.handler(w, r)
		return
	}
	if methodMismatch {
		m.f.writeError(w, http.StatusMethodNotAllowed, "Method not allowed: "+r.Method+" "+r.URL.EscapedPath())
		return
	}
	m.f.writeError(w, http.StatusNotFound, "No such endpoint: "+r.Method+" "+r.URL.EscapedPath())
}

func (rt route) match(segs []string) (map[string]string, bool) {
	if len(segs) != len(rt.segments) {
		return nil, false
	}
	vals := map[string]string{}
	for i, want := range rt.segments {
		got, err := url.PathUnescape(segs[i])
		if err != nil {
			return nil, false
		}
		if strings.HasPrefix(want, "{") && strings.HasSuffix(want, "}") {
			if got == "" {
				return nil, false
			}
			vals[want[1:len(want)-1]] = got
			continue
		}
		if got != want {
			return nil, false
		}
	}
	return vals, true
}
