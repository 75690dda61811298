// Harbor's error shape, and the one renderer of the fake's errors: the
// store's *fakekit.Error as {"errors":[{"code","message"}]} with
// "application/json; charset=utf-8", and the bare 500 of a handler panic.

package harborfake

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/userapis/userapis-go/gen/harbor"
	"github.com/userapis/userapis-go/internal/fakekit"
)

func errorf(status int, format string, args ...any) error {
	return fakekit.Errorf(status, format, args...)
}

func badRequestf(format string, args ...any) error {
	return errorf(http.StatusBadRequest, format, args...)
}

func unauthorized() error { return errorf(http.StatusUnauthorized, "unauthorized") }

func internalError() error {
	return errorf(http.StatusInternalServerError, "internal server error")
}

// errNilSecurityContext is the real server's nil dereference in
// matchUserID for an anonymous caller (handler/user.go): go-swagger's
// recovery answers 500 with no body and no Content-Type. The document
// declares that this 500 may come bare.
var errNilSecurityContext = errors.New("nil security context")

// forbiddenFor is RequireSystemAccess's 403: its message is the caller's
// username.
func forbiddenFor(p *principal) error {
	return &fakekit.Error{Status: http.StatusForbidden, Message: p.username}
}

// renderError writes err, as a handler returned it, the way Harbor does;
// X-Request-Id is already set. 5xx messages are always the same text.
func renderError(w http.ResponseWriter, _ *http.Request, err error) {
	if errors.Is(err, errNilSecurityContext) {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	e := fakekit.AsError(err)
	if e.Status >= 500 {
		e = &fakekit.Error{Status: e.Status, Message: "internal server error"}
	}
	writeError(w, e.Status, e.Message)
}

// label gives error answers the Content-Type the real server sends:
// "application/json; charset=utf-8" (successes stay "application/json").
func label(h http.Header, status int) {
	if status >= 400 && h.Get("Content-Type") == "application/json" {
		h.Set("Content-Type", errorContentType)
	}
}

// errorCode is the Errors code Harbor uses for an HTTP status.
func errorCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "BAD_REQUEST"
	case http.StatusUnauthorized:
		return "UNAUTHORIZED"
	case http.StatusForbidden:
		return "FORBIDDEN"
	case http.StatusNotFound:
		return "NOT_FOUND"
	case http.StatusMethodNotAllowed:
		return "METHOD_NOT_ALLOWED"
	case http.StatusConflict:
		return "CONFLICT"
	case http.StatusPreconditionFailed:
		return "PRECONDITION"
	case http.StatusUnprocessableEntity:
		return "UNPROCESSABLE_ENTITY"
	case http.StatusInternalServerError:
		return "UNKNOWN"
	}
	return statusCode(status)
}

// statusCode is Harbor's fallback: the status text in upper case with
// underscores (SERVICE_UNAVAILABLE).
func statusCode(status int) string {
	b := []byte(http.StatusText(status))
	for i, c := range b {
		switch {
		case c == ' ' || c == '-':
			b[i] = '_'
		case c >= 'a' && c <= 'z':
			b[i] = c - 'a' + 'A'
		}
	}
	if len(b) == 0 {
		return "UNKNOWN"
	}
	return string(b)
}

func errorsBody(status int, msg string) harbor.Errors {
	return harbor.Errors{Errors: []harbor.Error{{Code: errorCode(status), Message: msg}}}
}

// faultBody is the Faults body for an injected status.
func faultBody(status int, msg string) []byte {
	if status >= 500 {
		msg = "internal server error"
	}
	b, _ := json.Marshal(errorsBody(status, msg))
	return b
}

// errorContentType is the Content-Type of every error answer.
const errorContentType = "application/json; charset=utf-8"

// writeError writes the Errors body; X-Request-Id is already set.
func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", errorContentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(errorsBody(status, msg))
}
