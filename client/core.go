// The core every service client shares: its configuration, the wrapped
// *http.Client and server URL, the service's hooks (credentials, error
// decoding, token renewal), and the loop that sends one call: one attempt
// after another under the retry policy, each read whole, logged and turned
// into a Response or a typed error.

package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// core holds what every service client shares: configuration, the wrapped
// *http.Client, the resolved server URL, and the service's hooks.
type core struct {
	service string
	cfg     config
	hc      *http.Client
	server  string // base URL with the API path, ending in "/"
	paths   apiPaths
	// userAgent is cfg.userAgent as a header value, shared by the calls
	// that keep it (len == cap, so an append never writes into it).
	userAgent []string
	// authorize sets credentials on an outgoing attempt.
	authorize func(ctx context.Context, req *http.Request, cfg *config) error
	// decodeError fills Message, Code, Fields and RequestID from the body.
	decodeError func(e *APIError)
	// renewAuth, when set, is asked about a 401 answer to sent: true means
	// the credential was renewed and the call is sent once more (a 401
	// proves the request was not processed, so this is safe for POST).
	renewAuth func(cfg *config, sent *http.Request) bool
	// lastProbe is the echoProbe of the credentials last sent (see probe).
	lastProbe atomic.Pointer[echoProbe]
	// routeMiss, when set, recognises the service's own answer for a path
	// it has no route for (see routeNotFound).
	routeMiss func(e *APIError) bool
}

// newCore applies opts over the defaults and resolves the server URL with
// resolveBase: baseURL (or defaultBase) and the service's paths.
func newCore(service, defaultBase string, paths apiPaths, opts []ClientOption) (*core, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if o == nil {
			return nil, &OptionError{Service: service, Option: "nil", Err: errors.New("a nil option")}
		}
		o.applyClient(&cfg)
	}
	if err := cfg.check(service, 0); err != nil {
		return nil, err
	}
	base := cfg.baseURL
	if base == "" {
		base = defaultBase
	}
	if base == "" {
		return nil, fmt.Errorf("%s: a base URL is required (WithBaseURL)", service)
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s: base URL %q must be an absolute http or https URL", service, redactURLString(base))
	}
	if u.User != nil {
		return nil, fmt.Errorf("%s: base URL must not carry credentials; use the auth options", service)
	}
	u.RawQuery, u.Fragment = "", ""
	u.Path = paths.resolve(u.Path)
	u.RawPath = ""

	hc := &http.Client{Transport: defaultTransport()}
	if cfg.httpClient != nil {
		copied := *cfg.httpClient
		hc = &copied
	}
	hc.CheckRedirect = safeRedirect(hc.CheckRedirect)
	// The per-attempt timeout is a context deadline; http.Client.Timeout of a
	// caller's client still applies on top.
	return &core{service: service, cfg: cfg, hc: hc, server: u.String(), paths: paths, userAgent: []string{cfg.userAgent}}, nil
}

// apiPaths is where a service's API lives on its host: server is the path
// the generated client is given (the document's servers), full the prefix
// every operation's path starts with (server plus the paths' own first
// segments: Homebox /api + /v1, Vectara "" + /v2).
type apiPaths struct{ server, full string }

// resolve is the one base-URL rule of every service: the base URL may be
// the bare host, or the host with any leading part of the API path (all of
// it included), with or without a trailing slash; a path before that is a
// prefix of the caller's (a reverse proxy's) and is kept. The API path is
// then appended once, so it is never doubled.
func (p apiPaths) resolve(base string) string {
	base = strings.TrimRight(base, "/")
	segs := strings.Split(strings.Trim(p.full, "/"), "/")
	for k := len(segs); k >= 1 && p.full != ""; k-- {
		if lead := "/" + strings.Join(segs[:k], "/"); strings.HasSuffix(base, lead) {
			base = strings.TrimSuffix(base, lead)
			break
		}
	}
	return base + p.server + "/"
}

// callConfig merges per-call options over the client's configuration.
// Without per-call options it returns the client's own configuration, which
// a call only reads, rather than a copy.
func (c *core) callConfig(opts []CallOption) (*config, error) {
	if len(opts) == 0 {
		return &c.cfg, nil
	}
	cfg := c.cfg.clone()
	from := len(cfg.creds)
	for _, o := range opts {
		if o == nil {
			return nil, &OptionError{Service: c.service, Option: "nil", Err: errors.New("a nil option")}
		}
		o.applyCall(&cfg)
	}
	if err := cfg.check(c.service, from); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// do sends req with per-attempt credentials, logging and retries, and reads
// every answer's body so that connections are reused. A non-2xx answer is
// an *APIError; no answer at all is a *TransportError. shown is the URL
// req was parsed from, which errors report (redacted).
func (c *core) do(ctx context.Context, cfg *config, op string, req *http.Request, shown string) (*Response, error) {
	if ctx == nil {
		return nil, fmt.Errorf("%s %s: nil context", c.service, op)
	}
	if req.Body != nil && req.GetBody == nil {
		// Buffer a body that cannot be replayed, so that retries resend it.
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("%s %s: reading request body: %w", c.service, op, err)
		}
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	// The headers every attempt sends are set once, on req, which send
	// built for this call alone.
	for k, vs := range cfg.headers {
		req.Header[k] = append([]string(nil), vs...)
	}
	if cfg.userAgent == c.cfg.userAgent {
		req.Header["User-Agent"] = c.userAgent
	} else {
		req.Header.Set("User-Agent", cfg.userAgent)
	}
	if cfg.requestID != "" {
		req.Header.Set("X-Request-Id", cfg.requestID)
	}
	idempotent := isIdempotent(req.Method)
	// The redacted URL is rendered only for an error (or a log line).
	var redactedURL string
	redacted := func() string {
		if redactedURL == "" {
			redactedURL = redactShown(shown)
		}
		return redactedURL
	}
	renewed := 0 // a resend after renewAuth does not use the retry budget
	for attempt := 1; ; attempt++ {
		retries := attempt - renewed
		res, body, err := c.attempt(ctx, cfg, op, req, attempt)
		if err != nil {
			var ae *authError
			if errors.As(err, &ae) {
				return nil, err
			}
			// A write whose request may have reached the server, and whose
			// answer was lost: the caller must find out what happened.
			unknown := !idempotent && mayHaveBeenSent(err)
			terr := func(cause error) *TransportError {
				return &TransportError{Service: c.service, Operation: op, Method: req.Method, URL: redacted(), Attempts: attempt, Err: cause, OutcomeUnknown: unknown}
			}
			if ctx.Err() != nil {
				return nil, terr(ctx.Err())
			}
			if retries <= cfg.maxRetries && retryableTransport(idempotent, res != nil, err) {
				wait := backoff(cfg, retries)
				if !fitsDeadline(ctx, wait) {
					return nil, terr(err) // the last failure, not a deadline slept into
				}
				if werr := sleep(ctx, wait); werr != nil {
					return nil, terr(werr)
				}
				continue
			}
			return nil, terr(err)
		}
		resp := &Response{Response: res, RawBody: body, RequestID: first(res.Header, "X-Request-Id"), Attempts: attempt, TotalCount: -1}
		if res.StatusCode < 300 || (res.StatusCode < 400 && noFollow(ctx)) {
			return resp, nil
		}
		if res.StatusCode == http.StatusUnauthorized && renewed == 0 && c.renewAuth != nil && c.renewAuth(cfg, res.Request) {
			renewed++
			continue
		}
		// The *APIError (and its decoded body) is built only when the call
		// ends with it, not for an answer that is retried.
		if retries <= cfg.maxRetries && retryableStatus(req.Method, cfg.authAttempt, res.StatusCode) {
			wait, hinted := retryAfter(res.Header)
			if hinted && wait > cfg.maxRetryAfter {
				return resp, &RetryAfterError{Wait: wait, Cap: cfg.maxRetryAfter, Err: c.apiError(op, req.Method, redacted(), cfg.requestID, resp)}
			}
			if !hinted {
				wait = backoff(cfg, retries)
			}
			if !fitsDeadline(ctx, wait) {
				// The context would end during the wait: the server's
				// answer (and its Retry-After) now, not "deadline exceeded".
				return resp, c.apiError(op, req.Method, redacted(), cfg.requestID, resp)
			}
			if werr := sleep(ctx, wait); werr != nil {
				return resp, &TransportError{Service: c.service, Operation: op, Method: req.Method, URL: redacted(), Attempts: attempt, Err: werr}
			}
			continue
		}
		return resp, c.apiError(op, req.Method, redacted(), cfg.requestID, resp)
	}
}

// attempt sends one copy of req and reads the whole answer. res is non-nil
// when headers arrived, even if reading the body failed.
func (c *core) attempt(ctx context.Context, cfg *config, op string, req *http.Request, n int) (*http.Response, []byte, error) {
	actx := ctx
	// A caller's deadline that comes sooner than the attempt timeout makes
	// the attempt's own context (a timer and two allocations' worth of
	// bookkeeping) unnecessary.
	if cfg.timeout > 0 && fitsDeadline(ctx, cfg.timeout) {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, cfg.timeout)
		defer cancel()
	}
	// The first attempt sends req itself (a shallow copy for the context);
	// a retry sends a deep copy, so that no header map an earlier attempt's
	// transport may still hold is changed.
	var areq *http.Request
	if n == 1 {
		areq = req.WithContext(actx)
	} else {
		areq = req.Clone(actx)
	}
	if req.GetBody != nil {
		b, err := req.GetBody()
		if err != nil {
			return nil, nil, fmt.Errorf("rewinding request body: %w", err)
		}
		areq.Body = b
	}
	if c.authorize != nil && !cfg.withoutCredentials {
		if err := c.authorize(actx, areq, cfg); err != nil {
			return nil, nil, err
		}
	}
	// The clock is read only for a log line.
	logging := cfg.logger != nil && cfg.logger.Enabled(ctx, slog.LevelDebug)
	var start time.Time
	if logging {
		start = time.Now()
	}
	res, err := c.hc.Do(areq)
	var body []byte
	if err == nil {
		body, err = readBody(res, cfg.maxResponseBytes)
		// A body left unread (over the limit) makes Close drop the
		// connection instead of draining it for reuse.
		_ = res.Body.Close()
	}
	err = unwrapURLError(err)
	if logging {
		c.log(ctx, cfg, op, req.Method, req.URL, res, n, time.Since(start), err)
	}
	return res, body, err
}

// maxBodyHint bounds the buffer allocated up front from a Content-Length
// the server announces; a larger body grows as it arrives.
const maxBodyHint = 4 << 20

// readBody reads res.Body whole, up to limit bytes (as decoded: after the
// transport's gzip decompression). When the server announced the length,
// the buffer is allocated once at that size instead of grown step by step;
// an announced length over the limit fails before anything is read.
func readBody(res *http.Response, limit int64) ([]byte, error) {
	tooLarge := func() error {
		return fmt.Errorf("%w: more than %d bytes (raise it with WithMaxResponseSize)", ErrResponseTooLarge, limit)
	}
	n := res.ContentLength
	if n > limit {
		return nil, tooLarge()
	}
	if n <= 0 || n > maxBodyHint || res.Uncompressed {
		return readChunks(res.Body, limit, tooLarge)
	}
	// One byte more than announced, so that reading the EOF needs no growth.
	b := make([]byte, 0, n+1)
	for {
		m, err := res.Body.Read(b[len(b):cap(b)])
		b = b[:len(b)+m]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if int64(len(b)) > limit {
			return nil, tooLarge()
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// readChunks reads r whole into chunks of growing size (512 B doubling to
// 1 MiB) joined at the end, so that a body over the limit is dropped
// holding at most the limit plus one chunk, never a grown copy of it.
func readChunks(r io.Reader, limit int64, tooLarge func() error) ([]byte, error) {
	var chunks [][]byte
	var total int64
	size := 512
	for {
		buf := make([]byte, size)
		n, err := io.ReadFull(r, buf)
		total += int64(n)
		if total > limit {
			return nil, tooLarge()
		}
		if n > 0 {
			chunks = append(chunks, buf[:n])
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return nil, err
		}
		size = min(2*size, 1<<20)
	}
	switch len(chunks) {
	case 0:
		return []byte{}, nil
	case 1:
		return chunks[0], nil
	}
	out := make([]byte, 0, total)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return out, nil
}

// unwrapURLError drops *url.Error's copy of the URL, which may carry a
// credential in its query; callers report the redacted URL instead.
func unwrapURLError(err error) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// log writes the debug line of one attempt; attempt calls it only when
// cfg.logger is enabled at debug level.
func (c *core) log(ctx context.Context, cfg *config, op, method string, u *url.URL, res *http.Response, n int, d time.Duration, err error) {
	attrs := []slog.Attr{
		slog.String("service", c.service),
		slog.String("operation", op),
		slog.String("method", method),
		slog.String("url", redactURL(u)),
		slog.Int("attempt", n),
		slog.Duration("duration", d),
	}
	if res != nil {
		attrs = append(attrs, slog.Int("status", res.StatusCode))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	cfg.logger.LogAttrs(ctx, slog.LevelDebug, "userapis request", attrs...)
}

// apiError describes a non-2xx answer. sentID is the X-Request-Id the call
// sent (WithRequestID), reported when the answer names no request id.
func (c *core) apiError(op, method, redacted, sentID string, resp *Response) *APIError {
	e := &APIError{
		Service: c.service, Operation: op, Method: method, URL: redacted,
		StatusCode: resp.StatusCode, Header: resp.Header, Body: resp.RawBody,
		RequestID: resp.RequestID, Attempts: resp.Attempts,
	}
	e.RetryAfter, _ = retryAfter(resp.Header)
	if c.decodeError != nil && len(resp.RawBody) > 0 {
		c.decodeError(e)
	}
	// A service may echo the credential it refused ("invalid token ...");
	// Error() prints what it said, so the credentials sent are taken out.
	if resp.Request != nil {
		e.sent = resp.Request
		redactEcho(e, resp.Request, c.probe(resp.Request.Header))
	}
	if e.RequestID == "" {
		e.RequestID = sentID
	}
	if e.StatusCode == http.StatusNotFound && c.routeNotFound(e, resp) {
		e.Hint = "the server has no such path: check WithBaseURL (requests go to " + redactURLString(c.server) + ")"
	}
	return e
}

// routeNotFound tells a 404 of the server's router (a wrong base URL: no
// such path at all) from a 404 of an operation (no such user): the first
// has no message in the service's error shape (a text/plain or HTML page),
// or one that names the path (Harbor: "path /api/v2.0/x was not found"),
// or one the service's routeMiss recognises (Spring's bare "Not Found").
func (c *core) routeNotFound(e *APIError, resp *Response) bool {
	if e.Message == "" || (c.routeMiss != nil && c.routeMiss(e)) {
		return true
	}
	return resp.Request != nil && strings.Contains(e.Message, resp.Request.URL.Path)
}

// authError is a credential problem found before sending (no token, or the
// token endpoint failed); it is never retried.
type authError struct {
	service string
	err     error
}

func (e *authError) Error() string { return e.service + ": authentication: " + e.err.Error() }
func (e *authError) Unwrap() error { return e.err }
