// The transport of clients made without WithHTTPClient, and the redirect
// policy every client gets: credentials never follow a redirect to another
// host or from https to http, and a redirect that would resend a body
// there is not followed.

package client

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
)

// defaultTransport is the transport of clients made without
// WithHTTPClient, shared by all of them: http.DefaultTransport's settings,
// except that up to 100 idle connections per host are kept instead of 2.
// With 2, concurrent calls to one service close and reopen connections all
// the time (32 workers making 2,048 calls opened about 680 connections).
var defaultTransport = sync.OnceValue(func() http.RoundTripper {
	t, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return http.DefaultTransport
	}
	t = t.Clone()
	t.MaxIdleConnsPerHost = 100
	return t
})

type noFollowKey struct{}

// credentialHeaders never follow a redirect to another host or from https
// to http. Go strips Authorization and Cookie itself only across domains;
// X-Auth-Token and x-api-key it would forward.
var credentialHeaders = []string{"Authorization", "Proxy-Authorization", "X-Auth-Token", "X-Api-Key", "Cookie", "Cookie2"}

func safeRedirect(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if v, _ := req.Context().Value(noFollowKey{}).(bool); v {
			return http.ErrUseLastResponse
		}
		first := via[0]
		downgrade := false
		for _, r := range via {
			if r.URL.Scheme == "https" && req.URL.Scheme != "https" {
				downgrade = true
			}
		}
		if downgrade || !strings.EqualFold(req.URL.Host, first.URL.Host) {
			for _, h := range credentialHeaders {
				req.Header.Del(h)
			}
			// A 307 or 308 resends the body, which may hold a password or
			// an OAuth2 client secret: never to another host or over plain
			// http. The redirect answer is returned instead.
			if req.Body != nil && req.Body != http.NoBody {
				return http.ErrUseLastResponse
			}
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
}

func noFollow(ctx context.Context) bool {
	v, _ := ctx.Value(noFollowKey{}).(bool)
	return v
}
