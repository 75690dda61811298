// Options: the one Option type for a client and for a single call, the
// configuration it builds, and the credentials of each service.

package client

import (
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/oauth2"
)

// Version is the module version reported in the User-Agent header.
const Version = "0.1.0"

// Defaults shared by every service client.
const (
	DefaultTimeout      = 60 * time.Second
	DefaultMaxRetries   = 2
	DefaultRetryBackoff = 500 * time.Millisecond
	DefaultMaxBackoff   = 8 * time.Second
	// DefaultMaxRetryAfter is the longest server-requested wait (Retry-After,
	// Retry-After-Ms) a call sleeps through; a longer one fails the call at
	// once with the wait in the error.
	DefaultMaxRetryAfter = 60 * time.Second
)

// Option configures a client at construction, or a single call when passed
// to a method. Per-call options apply on top of the client's.
type Option func(*config)

// config is the merged configuration one call runs with.
type config struct {
	baseURL       string
	httpClient    *http.Client
	headers       http.Header
	userAgent     string
	timeout       time.Duration
	maxRetries    int
	backoff       time.Duration
	maxBackoff    time.Duration
	maxRetryAfter time.Duration
	logger        *slog.Logger
	requestID     string
	responseInto  **Response

	// credentials; each service uses the ones it understands
	token              string // Kipu personal access token
	bearerToken        string // Kipu OAuth2 access token, Homebox session token
	apiKey             string // Vectara x-api-key, Homebox API key
	basicUser          string // Harbor
	basicPass          string
	tokenSource        oauth2.TokenSource // Vectara OAuth2 client credentials
	clientCreds        *clientCredentials
	withoutCredentials bool // send the call without credentials (public operations)
	authAttempt        bool // a login-like call behind a server rate limiter: no retry on 429
}

type clientCredentials struct {
	id, secret, tokenURL string
	scopes               []string
}

func defaultConfig() config {
	return config{
		headers:       http.Header{},
		userAgent:     "userapis-go/" + Version,
		timeout:       DefaultTimeout,
		maxRetries:    DefaultMaxRetries,
		backoff:       DefaultRetryBackoff,
		maxBackoff:    DefaultMaxBackoff,
		maxRetryAfter: DefaultMaxRetryAfter,
	}
}

// clone copies c so that per-call options never change the client's config.
func (c config) clone() config {
	c.headers = c.headers.Clone()
	return c
}

// WithBaseURL sets the service's base URL. For Harbor give the address of the
// portal (https://harbor.example.com), for Homebox the address a person opens
// in a browser (https://homebox.example.com); the API path is appended.
func WithBaseURL(u string) Option { return func(c *config) { c.baseURL = u } }

// WithHTTPClient sets the *http.Client used for requests. The client is
// copied: its redirect policy is wrapped so that credentials never follow a
// redirect to another host or from https to http.
func WithHTTPClient(hc *http.Client) Option { return func(c *config) { c.httpClient = hc } }

// WithHeader adds a header to every request (or to one call).
func WithHeader(key, value string) Option {
	return func(c *config) { c.headers.Add(key, value) }
}

// WithUserAgent replaces the default User-Agent, userapis-go/<version>.
func WithUserAgent(ua string) Option { return func(c *config) { c.userAgent = ua } }

// WithTimeout bounds each attempt of a call (default 60 s). Zero means no
// bound beyond the context's.
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithMaxRetries sets how many times a failed call is retried (default 2).
func WithMaxRetries(n int) Option {
	return func(c *config) { c.maxRetries = max(n, 0) }
}

// WithRetryBackoff sets the first backoff delay and its cap (default 0.5 s
// doubling to at most 8 s, with up to 25% jitter subtracted).
func WithRetryBackoff(initial, maxDelay time.Duration) Option {
	return func(c *config) { c.backoff, c.maxBackoff = initial, maxDelay }
}

// WithMaxRetryAfter caps how long a server may ask the client to wait
// before a retry (default 60 s). A longer request fails the call at once.
func WithMaxRetryAfter(d time.Duration) Option { return func(c *config) { c.maxRetryAfter = d } }

// WithLogger logs one debug line per attempt to l. Nothing is logged by
// default. Credentials are never logged.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithRequestID sets the X-Request-Id header of a call (Harbor echoes it and
// errors report it).
func WithRequestID(id string) Option { return func(c *config) { c.requestID = id } }

// WithResponseInto stores the call's *Response in *dst, also when the call
// fails, for callers of methods that return only a result.
func WithResponseInto(dst **Response) Option { return func(c *config) { c.responseInto = dst } }

// WithPersonalAccessToken authenticates Kipu calls with a personal access
// token, sent as X-Auth-Token.
func WithPersonalAccessToken(token string) Option { return func(c *config) { c.token = token } }

// WithBasicAuth authenticates Harbor calls with HTTP Basic.
func WithBasicAuth(username, password string) Option {
	return func(c *config) { c.basicUser, c.basicPass = username, password }
}

// WithBearerToken authenticates with a bearer token, sent as
// "Authorization: Bearer <token>": for Homebox a session token as its login
// returns it (with or without the "Bearer " prefix); for Kipu an OAuth2
// access token from the Hub's identity provider, the alternative to a
// personal access token (when both are given, Kipu sends the bearer token).
func WithBearerToken(token string) Option { return func(c *config) { c.bearerToken = token } }

// WithAPIKey authenticates with an API key: Vectara sends it as x-api-key,
// Homebox as a bearer token.
func WithAPIKey(key string) Option { return func(c *config) { c.apiKey = key } }

// WithClientCredentials authenticates Vectara calls with OAuth2 client
// credentials. The token is fetched from tokenURL (Vectara's default when
// empty), cached and renewed before it expires; it is never logged.
func WithClientCredentials(clientID, clientSecret, tokenURL string, scopes ...string) Option {
	return func(c *config) {
		c.clientCreds = &clientCredentials{id: clientID, secret: clientSecret, tokenURL: tokenURL, scopes: scopes}
	}
}

// WithTokenSource authenticates Vectara calls with bearer tokens from ts.
func WithTokenSource(ts oauth2.TokenSource) Option { return func(c *config) { c.tokenSource = ts } }

// WithoutAuth sends one call without any credential, as a public operation.
func WithoutAuth() Option { return func(c *config) { c.withoutCredentials = true } }
