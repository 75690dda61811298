// The errors of the facade: *APIError for a non-2xx answer with its class
// sentinels, *DecodeError, *TransportError, *ParamError, *RetryAfterError.

package client

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Sentinels for errors.Is on an *APIError, one per class of HTTP status.
var (
	ErrBadRequest         = errors.New("bad request")          // 400, 422
	ErrUnauthorized       = errors.New("unauthorized")         // 401
	ErrForbidden          = errors.New("forbidden")            // 403
	ErrNotFound           = errors.New("not found")            // 404
	ErrConflict           = errors.New("conflict")             // 409
	ErrPreconditionFailed = errors.New("precondition failed")  // 412
	ErrRateLimited        = errors.New("rate limited")         // 429
	ErrServer             = errors.New("server error")         // 5xx
	ErrInvalidParam       = errors.New("invalid parameter")    // refused before sending
	ErrUnexpectedResponse = errors.New("unexpected response")  // a response the document does not declare, or that does not decode
	ErrNotAuthenticated   = errors.New("no credentials set")   // an operation needs credentials the client lacks
	ErrRetryAfterTooLong  = errors.New("retry-after over cap") // the server asked for a longer wait than allowed
	ErrInvalidOption      = errors.New("invalid option")       // an option that cannot apply (*OptionError)
	ErrResponseTooLarge   = errors.New("response too large")   // a body over WithMaxResponseSize (in a *TransportError)
	// ErrOutcomeUnknown: a POST or PATCH that may have been processed
	// although its answer was lost (a reset or timeout after the request
	// was sent) or was 500, 502 or 504. It was not retried; look the
	// result up before trying again (each create method says how).
	ErrOutcomeUnknown = errors.New("outcome unknown: the request may have been processed")
)

// APIError is a non-2xx answer of a service. Every method returns it (behind
// %w wrapping, if any) for HTTP-level failures; use errors.As to get it and
// errors.Is with the sentinels above to classify it.
type APIError struct {
	Service    string      // kipu, harbor, homebox or vectara
	Operation  string      // the operationId in api/<service>.yaml
	Method     string      // HTTP method
	URL        string      // request URL, credentials redacted
	StatusCode int         // HTTP status
	Header     http.Header // response headers
	Body       []byte      // raw response body
	RequestID  string      // X-Request-Id / request_id, when the service gives one

	// Message is the service's own message, decoded from its error shape
	// (Harbor errors[].message, Homebox error, Vectara messages, Kipu's
	// Spring error body). Empty when the body has none.
	Message string
	// Code is a machine-readable code when the service gives one (Harbor
	// errors[].code, Spring's error).
	Code string
	// Fields holds per-field problems (Homebox fields, Vectara field_errors).
	Fields map[string]string
	// RetryAfter is the wait the server asked for (Retry-After or
	// Retry-After-Ms), zero when none.
	RetryAfter time.Duration
	// Attempts is how many times the call was sent.
	Attempts int
	// Hint says what to check when the answer points at the client's own
	// set-up rather than the request (a 404 of a path the server does not
	// have: the base URL).
	Hint string

	// sent is the request answered: Format takes the credentials it
	// carried out of Header when printing it.
	sent *http.Request
}

// Error describes the failure without the body or any credential.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d %s", e.Service, e.Operation, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request id %s)", e.RequestID)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (server asks to retry after %s)", e.RetryAfter)
	}
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	if e.outcomeUnknown() {
		b.WriteString("; the request may have been processed: check before retrying")
	}
	return b.String()
}

// Is reports whether target is the sentinel for e's status class.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusUnprocessableEntity
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrPreconditionFailed:
		return e.StatusCode == http.StatusPreconditionFailed
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrServer:
		return e.StatusCode >= 500
	case ErrOutcomeUnknown:
		return e.outcomeUnknown()
	}
	return false
}

// outcomeUnknown: a 500, 502 or 504 to a POST or PATCH may come after the
// server (or the one behind a gateway) processed the request.
func (e *APIError) outcomeUnknown() bool {
	if e.Method != http.MethodPost && e.Method != http.MethodPatch {
		return false
	}
	switch e.StatusCode {
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// RetryAfterError is returned when the server asks for a longer wait than
// the client's cap (see WithMaxRetryAfter): the call fails at once instead
// of sleeping. It wraps the *APIError of the answer that asked.
type RetryAfterError struct {
	Wait time.Duration // what the server asked for
	Cap  time.Duration // the client's cap
	Err  *APIError
}

// Error gives the answer that asked for the wait, the wait and the cap.
func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("%v; not retried: the wait of %s is over the cap of %s", e.Err, e.Wait, e.Cap)
}

// Unwrap returns the *APIError and ErrRetryAfterTooLong.
func (e *RetryAfterError) Unwrap() []error { return []error{e.Err, ErrRetryAfterTooLong} }

// DecodeError is a response the client cannot turn into the documented
// result: a 2xx body that is not valid JSON of the expected shape, a wrong
// Content-Type, or a status the document does not declare.
type DecodeError struct {
	Service     string
	Operation   string
	StatusCode  int
	ContentType string
	Body        []byte // raw bytes as received
	Err         error  // the decoding error, if any
}

// Error names the operation, status, Content-Type and body size, not the
// body itself.
func (e *DecodeError) Error() string {
	msg := fmt.Sprintf("%s %s: cannot decode %d response (Content-Type %q, %d bytes)", e.Service, e.Operation, e.StatusCode, e.ContentType, len(e.Body))
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the decoding error and ErrUnexpectedResponse.
func (e *DecodeError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrUnexpectedResponse}
	}
	return []error{e.Err, ErrUnexpectedResponse}
}

// ParamError is an argument refused before anything is sent, such as an
// empty path parameter or one that would change the endpoint ("." or "..").
type ParamError struct {
	Operation string
	Param     string
	Reason    string
}

// Error names the operation, the parameter and why it was refused.
func (e *ParamError) Error() string {
	return fmt.Sprintf("%s: parameter %s: %s", e.Operation, e.Param, e.Reason)
}

// Unwrap returns ErrInvalidParam.
func (e *ParamError) Unwrap() error { return ErrInvalidParam }

// TransportError is a call that got no HTTP answer (connection refused or
// reset, timeout) after its retries. The URL in it is redacted.
type TransportError struct {
	Service   string
	Operation string
	Method    string
	URL       string
	Attempts  int
	Err       error
	// OutcomeUnknown: a POST or PATCH that may have reached the server
	// (errors.Is(err, ErrOutcomeUnknown)).
	OutcomeUnknown bool
}

// Error gives the operation, method, redacted URL, attempts and cause.
func (e *TransportError) Error() string {
	msg := fmt.Sprintf("%s %s: %s %s: %d attempt(s): %v", e.Service, e.Operation, e.Method, e.URL, e.Attempts, e.Err)
	if e.OutcomeUnknown {
		msg += " (the request may have been processed: check before retrying)"
	}
	return msg
}

// Is matches ErrOutcomeUnknown when the request may have been processed.
func (e *TransportError) Is(target error) bool {
	return target == ErrOutcomeUnknown && e.OutcomeUnknown
}

// Unwrap returns the underlying network or context error.
func (e *TransportError) Unwrap() error { return e.Err }
