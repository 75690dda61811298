// Options: the one Option type for a client and for a single call, the
// configuration it builds, and the credentials of each service.

package client

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"golang.org/x/net/http/httpguts"
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
	// DefaultMaxResponseSize bounds a response body as decoded (after gzip):
	// the largest legitimate answer (Harbor's 100-user page, 24 KB; a Kipu
	// profile image) with a wide margin.
	DefaultMaxResponseSize = 32 << 20
)

// ClientOption configures a client at construction: every New* function
// takes them. Each Option is also a ClientOption (it then sets the client's
// default for every call); WithBaseURL, WithHTTPClient,
// WithClientCredentials and WithTokenSource are construction-only, so
// passing one to a method does not compile.
type ClientOption interface {
	applyClient(*config)
}

// CallOption configures a single call: every method takes them as its last
// arguments, on top of the client's configuration. Each Option is also a
// CallOption; WithRequestID and WithResponseInto are for one call only, so
// passing one to a constructor does not compile.
type CallOption interface {
	applyCall(*config)
}

// Option configures a client (as its default) or a single call (for that
// call only): timeouts, retries, headers, logging and credentials.
type Option interface {
	ClientOption
	CallOption
}

// option is every With* function's value; its kind decides, through the
// interfaces it satisfies, where it may be passed.
type option struct {
	name string // the function, for errors: "WithMaxRetries"
	// cred names a credential: the service must accept it (authOptions).
	cred bool
	set  func(*config) error
}

func (o option) apply(c *config) {
	if err := o.set(c); err != nil {
		c.errs = append(c.errs, &OptionError{Option: o.name, Err: err})
	}
	if o.cred {
		c.creds = append(c.creds, o.name)
	}
}

type (
	clientOnly struct{ option } // construction only
	callOnly   struct{ option } // one call only
	anywhere   struct{ option } // both
)

func (o clientOnly) applyClient(c *config) { o.apply(c) }
func (o callOnly) applyCall(c *config)     { o.apply(c) }
func (o anywhere) applyClient(c *config)   { o.apply(c) }
func (o anywhere) applyCall(c *config)     { o.apply(c) }

func newOption(name string, set func(*config)) Option {
	return anywhere{option{name: name, set: func(c *config) error { set(c); return nil }}}
}

func checkedOption(name string, set func(*config) error) Option {
	return anywhere{option{name: name, set: set}}
}

func credOption(name string, set func(*config)) Option {
	return anywhere{option{name: name, cred: true, set: func(c *config) error { set(c); return nil }}}
}

// OptionError is an option that cannot apply: a value out of range, or a
// credential the service does not use. Constructors and methods return it
// before anything is sent; errors.Is(err, ErrInvalidOption) matches it.
type OptionError struct {
	Option  string // the option function, e.g. "WithMaxRetries"
	Service string // the service it was given to, when known
	Err     error  // what is wrong and what to do instead
}

func (e *OptionError) Error() string {
	if e.Service != "" {
		return fmt.Sprintf("%s: %s: %v", e.Service, e.Option, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Option, e.Err)
}

// Unwrap returns ErrInvalidOption and the reason.
func (e *OptionError) Unwrap() []error { return []error{ErrInvalidOption, e.Err} }

// authOptions is which credential options each service understands, in the
// words of the error that refuses the others.
var authOptions = map[string]struct {
	accepted []string
	hint     string
}{
	"kipu":    {[]string{"WithPersonalAccessToken", "WithBearerToken"}, "Kipu authenticates with WithPersonalAccessToken (X-Auth-Token) or WithBearerToken (OAuth2)"},
	"harbor":  {[]string{"WithBasicAuth"}, "Harbor authenticates with WithBasicAuth"},
	"homebox": {[]string{"WithBearerToken", "WithAPIKey"}, "Homebox authenticates with UserLogin, WithBearerToken (a session token) or WithAPIKey"},
	"vectara": {[]string{"WithAPIKey", "WithClientCredentials", "WithTokenSource"}, "Vectara authenticates with WithAPIKey or WithClientCredentials/WithTokenSource (OAuth2)"},
}

// check returns the first problem of the options applied to c for service:
// a refused value, or a credential the service does not use. creds[from:]
// are the credentials to check (a call checks only its own).
func (c *config) check(service string, from int) error {
	if len(c.errs) > 0 {
		e := c.errs[0]
		e.Service = service
		return e
	}
	a := authOptions[service]
	for _, name := range c.creds[from:] {
		if !slices.Contains(a.accepted, name) {
			return &OptionError{Option: name, Service: service, Err: fmt.Errorf("does not apply: %s", a.hint)}
		}
	}
	return nil
}

// config is the merged configuration one call runs with.
type config struct {
	baseURL    string
	httpClient *http.Client
	headers    http.Header
	// sharedHeaders: headers is the client's map, which a call's clone
	// must copy before adding to it.
	sharedHeaders bool
	userAgent     string
	timeout       time.Duration
	maxRetries    int
	backoff       time.Duration
	maxBackoff    time.Duration
	maxRetryAfter time.Duration
	// maxResponseBytes bounds every body read (decoded).
	maxResponseBytes int64
	logger           *slog.Logger
	requestID        string
	responseInto     **Response

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

	errs  []*OptionError // options that could not apply
	creds []string       // credential options applied, by name
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

		maxResponseBytes: DefaultMaxResponseSize,
	}
}

// clone copies c so that per-call options never change the client's config.
func (c config) clone() config {
	// The headers are copied by the first option that adds one (most
	// per-call options leave them alone).
	c.sharedHeaders = true
	c.creds = slices.Clip(c.creds) // a call's credentials never land in the client's array
	return c
}

// WithBaseURL sets the service's base URL, by one rule for every service:
// give the host (https://harbor.example.com), or the host with the
// service's API path or any leading part of it (…/api/v2.0 for Harbor,
// …/api or …/api/v1 for Homebox, …/user-service for Kipu, …/v2 for
// Vectara), with or without a trailing slash; the API path is appended
// once, never doubled. A path before it (a reverse proxy's prefix) is kept.
// A 404 for a path the server does not have says "check WithBaseURL".
func WithBaseURL(u string) ClientOption {
	return clientOnly{option{name: "WithBaseURL", set: func(c *config) error { c.baseURL = u; return nil }}}
}

// WithHTTPClient sets the *http.Client used for requests. The client is
// copied: its redirect policy is wrapped so that credentials never follow a
// redirect to another host or from https to http.
func WithHTTPClient(hc *http.Client) ClientOption {
	return clientOnly{option{name: "WithHTTPClient", set: func(c *config) error {
		if hc == nil {
			return errors.New("nil *http.Client; leave the option out for the default")
		}
		c.httpClient = hc
		return nil
	}}}
}

// WithHeader adds a header to every request (or to one call).
func WithHeader(key, value string) Option {
	return checkedOption("WithHeader", func(c *config) error {
		if !httpguts.ValidHeaderFieldName(key) {
			return fmt.Errorf("%q is not a valid header name", key)
		}
		if !httpguts.ValidHeaderFieldValue(value) {
			return fmt.Errorf("the value of %s has characters a header cannot carry", key)
		}
		if c.sharedHeaders {
			c.headers, c.sharedHeaders = c.headers.Clone(), false
		}
		c.headers.Add(key, value)
		return nil
	})
}

// WithUserAgent replaces the default User-Agent, userapis-go/<version>.
func WithUserAgent(ua string) Option {
	return newOption("WithUserAgent", func(c *config) { c.userAgent = ua })
}

// WithTimeout bounds each attempt of a call (default 60 s). Zero means no
// bound beyond the context's.
func WithTimeout(d time.Duration) Option {
	return checkedOption("WithTimeout", func(c *config) error {
		if d < 0 {
			return fmt.Errorf("negative timeout %s; 0 means no bound beyond the context's", d)
		}
		c.timeout = d
		return nil
	})
}

// WithMaxRetries sets how many times a failed call is retried (default 2).
func WithMaxRetries(n int) Option {
	return checkedOption("WithMaxRetries", func(c *config) error {
		if n < 0 {
			return fmt.Errorf("negative retry count %d; 0 turns retries off", n)
		}
		c.maxRetries = n
		return nil
	})
}

// WithRetryBackoff sets the first backoff delay and its cap (default 0.5 s
// doubling to at most 8 s, with up to 25% jitter subtracted).
func WithRetryBackoff(initial, maxDelay time.Duration) Option {
	return checkedOption("WithRetryBackoff", func(c *config) error {
		if initial < 0 || maxDelay < 0 {
			return fmt.Errorf("negative delay (%s, %s)", initial, maxDelay)
		}
		if maxDelay < initial {
			return fmt.Errorf("the cap %s is below the first delay %s", maxDelay, initial)
		}
		c.backoff, c.maxBackoff = initial, maxDelay
		return nil
	})
}

// WithMaxRetryAfter caps how long a server may ask the client to wait
// before a retry (default 60 s). A longer request fails the call at once.
func WithMaxRetryAfter(d time.Duration) Option {
	return checkedOption("WithMaxRetryAfter", func(c *config) error {
		if d < 0 {
			return fmt.Errorf("negative cap %s; 0 fails every call the server asks to wait", d)
		}
		c.maxRetryAfter = d
		return nil
	})
}

// WithMaxResponseSize bounds the size of a response body, counted after
// decompression (default DefaultMaxResponseSize, 32 MiB). A larger body is
// not read: the connection is closed and the call fails with
// ErrResponseTooLarge, without retrying.
func WithMaxResponseSize(n int64) Option {
	return checkedOption("WithMaxResponseSize", func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("limit %d is not positive", n)
		}
		c.maxResponseBytes = n
		return nil
	})
}

// WithLogger logs one debug line per attempt to l. Nothing is logged by
// default. Credentials are never logged.
func WithLogger(l *slog.Logger) Option {
	return newOption("WithLogger", func(c *config) { c.logger = l })
}

// WithRequestID sets the X-Request-Id header of a call (Harbor echoes it and
// errors report it).
func WithRequestID(id string) CallOption {
	return callOnly{option{name: "WithRequestID", set: func(c *config) error {
		if !httpguts.ValidHeaderFieldValue(id) {
			return errors.New("the request id has characters a header cannot carry")
		}
		c.requestID = id
		return nil
	}}}
}

// WithResponseInto stores the call's *Response in *dst, also when the call
// fails, for callers of methods that return only a result.
func WithResponseInto(dst **Response) CallOption {
	return callOnly{option{name: "WithResponseInto", set: func(c *config) error {
		if dst == nil {
			return errors.New("nil destination")
		}
		c.responseInto = dst
		return nil
	}}}
}

// WithPersonalAccessToken authenticates Kipu calls with a personal access
// token, sent as X-Auth-Token.
func WithPersonalAccessToken(token string) Option {
	return credOption("WithPersonalAccessToken", func(c *config) { c.token = token })
}

// WithBasicAuth authenticates Harbor calls with HTTP Basic.
func WithBasicAuth(username, password string) Option {
	return credOption("WithBasicAuth", func(c *config) { c.basicUser, c.basicPass = username, password })
}

// WithBearerToken authenticates with a bearer token, sent as
// "Authorization: Bearer <token>": for Homebox a session token as its login
// returns it (with or without the "Bearer " prefix); for Kipu an OAuth2
// access token from the Hub's identity provider, the alternative to a
// personal access token (when both are given, Kipu sends the bearer token).
func WithBearerToken(token string) Option {
	return credOption("WithBearerToken", func(c *config) { c.bearerToken = token })
}

// WithAPIKey authenticates with an API key: Vectara sends it as x-api-key,
// Homebox as a bearer token.
func WithAPIKey(key string) Option {
	return credOption("WithAPIKey", func(c *config) { c.apiKey = key })
}

// WithClientCredentials authenticates Vectara calls with OAuth2 client
// credentials. The token is fetched from tokenURL (Vectara's default when
// empty), cached and renewed before it expires; it is never logged.
func WithClientCredentials(clientID, clientSecret, tokenURL string, scopes ...string) ClientOption {
	return clientOnly{option{name: "WithClientCredentials", cred: true, set: func(c *config) error {
		if clientID == "" {
			return errors.New("empty client id")
		}
		c.clientCreds = &clientCredentials{id: clientID, secret: clientSecret, tokenURL: tokenURL, scopes: scopes}
		return nil
	}}}
}

// WithTokenSource authenticates Vectara calls with bearer tokens from ts.
func WithTokenSource(ts oauth2.TokenSource) ClientOption {
	return clientOnly{option{name: "WithTokenSource", cred: true, set: func(c *config) error {
		if ts == nil {
			return errors.New("nil token source")
		}
		c.tokenSource = ts
		return nil
	}}}
}

// WithoutAuth sends one call without any credential, as a public operation.
func WithoutAuth() Option {
	return newOption("WithoutAuth", func(c *config) { c.withoutCredentials = true })
}
