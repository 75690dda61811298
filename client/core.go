package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Response is the HTTP answer to a call. Its Body has been read and closed;
// the bytes are in RawBody.
type Response struct {
	*http.Response
	RawBody   []byte
	RequestID string // X-Request-Id (Harbor) or the service's request id
	Attempts  int    // how many times the call was sent

	// TotalCount is Harbor's X-Total-Count on list and search answers, -1
	// when the answer has none.
	TotalCount int
	// Links is Harbor's Link header by relation ("next", "prev").
	Links map[string]string

	raw rawBody // the parser's reader over RawBody
}

// core holds what every service client shares: configuration, the wrapped
// *http.Client, the resolved server URL, and the service's hooks.
type core struct {
	service string
	cfg     config
	hc      *http.Client
	server  string // base URL with the API path, ending in "/"
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
}

// newCore applies opts over the defaults and resolves the server URL:
// baseURL (or defaultBase) with apiPath appended unless already there.
func newCore(service, defaultBase, apiPath string, opts []Option) (*core, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
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
	p := strings.TrimSuffix(u.Path, "/")
	if apiPath != "" && !strings.HasSuffix(p, apiPath) {
		p += apiPath
	}
	u.Path = p + "/"
	u.RawPath = ""

	hc := &http.Client{Transport: defaultTransport()}
	if cfg.httpClient != nil {
		copied := *cfg.httpClient
		hc = &copied
	}
	hc.CheckRedirect = safeRedirect(hc.CheckRedirect)
	// The per-attempt timeout is a context deadline; http.Client.Timeout of a
	// caller's client still applies on top.
	return &core{service: service, cfg: cfg, hc: hc, server: u.String(), userAgent: []string{cfg.userAgent}}, nil
}

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

// callConfig merges per-call options over the client's configuration.
// Without per-call options it returns the client's own configuration, which
// a call only reads, rather than a copy.
func (c *core) callConfig(opts []Option) *config {
	if len(opts) == 0 {
		return &c.cfg
	}
	cfg := c.cfg.clone()
	for _, o := range opts {
		o(&cfg)
	}
	return &cfg
}

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

// send runs one operation: build its request, send it with retries, and
// parse the answer with the generated parser.
func send[R any](ctx context.Context, c *core, op string, opts []Option,
	build func(server string) (*http.Request, error), parse func(*http.Response) (R, error),
) (R, *Response, error) {
	var zero R
	cfg := c.callConfig(opts)
	req, err := build(c.server)
	if err != nil {
		return zero, nil, fmt.Errorf("%s %s: building request: %w", c.service, op, err)
	}
	resp, err := c.do(ctx, cfg, op, req)
	if cfg.responseInto != nil {
		*cfg.responseInto = resp
	}
	if err != nil {
		return zero, resp, err
	}
	parsed, err := parse(resp.bodyReset())
	if err != nil {
		return zero, resp, c.decodeErr(op, resp, err)
	}
	return parsed, resp, nil
}

// bodyReset gives the parser a fresh reader over the raw body, without
// allocating: the reader lives in the Response.
func (r *Response) bodyReset() *http.Response {
	r.raw.b = r.RawBody
	r.raw.Reset(r.RawBody)
	r.Body = &r.raw
	return r.Response
}

// rawBody is the Body a parser gets: a reader over Response.RawBody that
// jsonOK and jsonCreated see through, so that the bytes are decoded where
// they are instead of being read (copied) again.
type rawBody struct {
	bytes.Reader
	b []byte
}

func (*rawBody) Close() error { return nil }

// jsonOK parses an answer whose result is its JSON body with status 200.
func jsonOK[T any](res *http.Response) (*T, error) {
	return jsonAnswer[T](res, http.StatusOK)
}

// jsonCreated parses an answer whose result is its JSON body with status 201.
func jsonCreated[T any](res *http.Response) (*T, error) {
	return jsonAnswer[T](res, http.StatusCreated)
}

// jsonAnswer decodes, like the generated parsers, the body only when the
// status is code and the Content-Type names JSON, and returns nil otherwise
// (which must turns into a *DecodeError). Unlike them, it decodes the bytes
// the attempt already read, instead of reading them into a new buffer, and
// builds no generated response wrapper.
func jsonAnswer[T any](res *http.Response, code int) (*T, error) {
	if res.StatusCode != code || !strings.Contains(res.Header.Get("Content-Type"), "json") {
		return nil, nil
	}
	var b []byte
	if rb, ok := res.Body.(*rawBody); ok {
		b = rb.b
	} else {
		var err error
		if b, err = io.ReadAll(res.Body); err != nil {
			return nil, err
		}
	}
	v := new(T)
	if err := json.Unmarshal(b, v); err != nil {
		return nil, err
	}
	return v, nil
}

func (c *core) decodeErr(op string, resp *Response, err error) error {
	return &DecodeError{
		Service: c.service, Operation: op, StatusCode: resp.StatusCode,
		ContentType: resp.Header.Get("Content-Type"), Body: resp.RawBody, Err: err,
	}
}

// sendEmpty runs an operation whose documented answers carry no body and
// checks the status is one of codes.
func sendEmpty(ctx context.Context, c *core, op string, opts []Option,
	build func(server string) (*http.Request, error), codes ...int,
) (*Response, error) {
	_, resp, err := send(ctx, c, op, opts, build, func(*http.Response) (struct{}, error) { return struct{}{}, nil })
	if err != nil {
		return resp, err
	}
	return expectStatus(c, op, resp, codes...)
}

// sendResult runs an operation whose result is its body, as parse decodes
// it: a missing result (wrong status, Content-Type or JSON) is a
// *DecodeError, so a nil result never comes with a nil error.
func sendResult[T any](ctx context.Context, c *core, op string, opts []Option,
	build func(server string) (*http.Request, error), parse func(*http.Response) (*T, error),
) (*T, *Response, error) {
	r, resp, err := send(ctx, c, op, opts, build, parse)
	if err != nil {
		return nil, resp, err
	}
	return must(c, op, resp, r)
}

// must returns v, or a *DecodeError when the generated parser found no body
// of the documented shape (wrong status, Content-Type or JSON).
func must[T any](c *core, op string, resp *Response, v *T) (*T, *Response, error) {
	if v == nil {
		return nil, resp, c.decodeErr(op, resp, errors.New("no body of the documented type"))
	}
	return v, resp, nil
}

// expectStatus checks a body-less answer has one of the documented statuses.
func expectStatus(c *core, op string, resp *Response, codes ...int) (*Response, error) {
	for _, code := range codes {
		if resp.StatusCode == code {
			return resp, nil
		}
	}
	return resp, c.decodeErr(op, resp, fmt.Errorf("status %d is not one of %v", resp.StatusCode, codes))
}

// do sends req with per-attempt credentials, logging and retries, and reads
// every answer's body so that connections are reused. A non-2xx answer is
// an *APIError; no answer at all is a *TransportError.
func (c *core) do(ctx context.Context, cfg *config, op string, req *http.Request) (*Response, error) {
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
			redactedURL = redactURL(req.URL)
		}
		return redactedURL
	}
	renewed := 0 // a resend after renewAuth does not use the retry budget
	for attempt := 1; ; attempt++ {
		retries := attempt - renewed
		res, body, err := c.attempt(ctx, cfg, op, req, attempt)
		if err != nil {
			if ctx.Err() != nil {
				return nil, &TransportError{Service: c.service, Operation: op, Method: req.Method, URL: redacted(), Attempts: attempt, Err: ctx.Err()}
			}
			var ae *authError
			if errors.As(err, &ae) {
				return nil, err
			}
			if retries <= cfg.maxRetries && retryableTransport(idempotent, res != nil, err) {
				if werr := sleep(ctx, backoff(cfg, retries)); werr != nil {
					return nil, &TransportError{Service: c.service, Operation: op, Method: req.Method, URL: redacted(), Attempts: attempt, Err: werr}
				}
				continue
			}
			return nil, &TransportError{Service: c.service, Operation: op, Method: req.Method, URL: redacted(), Attempts: attempt, Err: err}
		}
		resp := &Response{Response: res, RawBody: body, RequestID: res.Header.Get("X-Request-Id"), Attempts: attempt, TotalCount: -1}
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
	if cfg.timeout > 0 {
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
	if c.authorize != nil && !cfg.unauthorized {
		if err := c.authorize(actx, areq, cfg); err != nil {
			return nil, nil, err
		}
	}
	start := time.Now()
	res, err := c.hc.Do(areq)
	var body []byte
	if err == nil {
		body, err = readBody(res)
		_ = res.Body.Close()
	}
	err = unwrapURLError(err)
	c.log(ctx, cfg, op, req.Method, req.URL, res, n, time.Since(start), err)
	return res, body, err
}

// maxBodyHint bounds the buffer allocated up front from a Content-Length
// the server announces; a larger body grows as it arrives.
const maxBodyHint = 4 << 20

// readBody reads res.Body whole. When the server announced the length, the
// buffer is allocated once at that size instead of grown step by step.
func readBody(res *http.Response) ([]byte, error) {
	n := res.ContentLength
	if n <= 0 || n > maxBodyHint {
		return io.ReadAll(res.Body)
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
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
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

func (c *core) log(ctx context.Context, cfg *config, op, method string, u *url.URL, res *http.Response, n int, d time.Duration, err error) {
	if cfg.logger == nil || !cfg.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
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
	redactEcho(e, resp.Request)
	if e.RequestID == "" {
		e.RequestID = sentID
	}
	return e
}

func noFollow(ctx context.Context) bool {
	v, _ := ctx.Value(noFollowKey{}).(bool)
	return v
}

func isIdempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// retryableStatus: idempotent calls retry on transient statuses; POST and
// PATCH only where the server says it did not process the request. A 500
// is retried for reads alone: real servers answer some refusals with 500
// (Homebox: a wrong current password), so resending a write repeats a
// verdict. A 429 on an authentication attempt is returned at once, because
// each refused attempt lengthens the server's lock-out.
func retryableStatus(method string, authAttempt bool, status int) bool {
	switch status {
	case http.StatusTooManyRequests:
		return !authAttempt
	case http.StatusServiceUnavailable:
		return true
	case http.StatusInternalServerError:
		return method == http.MethodGet || method == http.MethodHead
	case http.StatusRequestTimeout, http.StatusBadGateway, http.StatusGatewayTimeout:
		return isIdempotent(method)
	}
	return false
}

// retryableTransport: idempotent calls retry on any network failure; POST
// and PATCH only when the connection was never made, so the server cannot
// have seen the request.
func retryableTransport(idempotent, gotHeaders bool, err error) bool {
	// A certificate the client refuses, or a peer that does not speak TLS,
	// fails the same way every time.
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	if errors.As(err, &certErr) || errors.As(err, &recErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) {
		return false
	}
	// A name that does not exist will not exist a second later either;
	// other DNS failures (a timeout, a server failure) may pass.
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return false
	}
	if idempotent {
		return true
	}
	if gotHeaders {
		return false
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	return errors.As(err, &dns)
}

// retryAfter reads Retry-After-Ms, then Retry-After (seconds or HTTP date).
func retryAfter(h http.Header) (time.Duration, bool) {
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && ms >= 0 {
			// A wait too long for a Duration saturates instead of wrapping
			// around to a negative (immediate) one.
			if ms >= float64(math.MaxInt64/int64(time.Millisecond)) {
				return time.Duration(math.MaxInt64), true
			}
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	s, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if (err == nil && s > math.MaxInt64/int64(time.Second)) || (errors.Is(err, strconv.ErrRange) && s > 0) {
		return time.Duration(math.MaxInt64), true
	}
	if err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

// backoff is initial·2^(n-1), capped, minus up to 25% jitter.
func backoff(cfg *config, n int) time.Duration {
	d := cfg.backoff
	for i := 1; i < n && d < cfg.maxBackoff; i++ {
		d *= 2
	}
	d = min(d, cfg.maxBackoff)
	if d <= 0 {
		return 0
	}
	return d - time.Duration(rand.Int64N(int64(d)/4+1))
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// checkPathParam refuses values that would change which endpoint is hit:
// url.PathEscape leaves "." and ".." as they are, and an empty segment
// collapses the path.
func checkPathParam(op, name, value string) error {
	switch value {
	case "":
		return &ParamError{Operation: op, Param: name, Reason: "must not be empty"}
	case ".", "..":
		return &ParamError{Operation: op, Param: name, Reason: fmt.Sprintf("%q would change the endpoint", value)}
	}
	return nil
}

// authError is a credential problem found before sending (no token, or the
// token endpoint failed); it is never retried.
type authError struct {
	service string
	err     error
}

func (e *authError) Error() string { return e.service + ": authentication: " + e.err.Error() }
func (e *authError) Unwrap() error { return e.err }
