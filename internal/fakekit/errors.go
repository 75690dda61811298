// Domain errors of the fakes' stores: the status and message the real
// service answers, kept free of HTTP so that a store can be read alone.
// Handlers return them as they are; each service has one renderer that
// writes them in its own error shape.

package fakekit

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is a failure the service answers with Status and Message (and,
// for validation failures, per-field messages).
type Error struct {
	Status  int
	Message string
	// Fields maps request fields to what is wrong with them (validation).
	Fields map[string]string
	// Resource names what was not found, for shapes that carry it.
	Resource string
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s", e.Status, e.Message) }

// Errorf is an *Error with a formatted message.
func Errorf(status int, format string, args ...any) *Error {
	return &Error{Status: status, Message: fmt.Sprintf(format, args...)}
}

// AsError is err as an *Error; anything else is a 500 with err's text.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Status: http.StatusInternalServerError, Message: err.Error()}
}
