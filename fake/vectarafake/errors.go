// Vectara's error shapes (Error, BadRequestError with field_errors,
// NotFoundError with the id) and the one renderer of handler errors.

package vectarafake

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/userapis/userapis-go/gen/vectara"
	"github.com/userapis/userapis-go/gen/vectara/vectaraserver"
	"github.com/userapis/userapis-go/internal/fakekit"
)

func (f *Fake) newRequestID() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqSeq++
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", uint32(f.reqSeq)*2654435761, f.reqSeq)
}

func (f *Fake) errorShape(msg string) vectara.Error {
	return vectara.Error{Messages: &[]string{msg}, RequestID: ptr(f.newRequestID())}
}

func (f *Fake) badRequestShape(fields map[string]string, msg string) vectara.BadRequestError {
	e := vectara.BadRequestError{Messages: &[]string{msg}, RequestID: ptr(f.newRequestID())}
	if len(fields) > 0 {
		e.FieldErrors = &fields
	}
	return e
}

func (f *Fake) notFoundShape(id, msg string) vectara.NotFoundError {
	return vectara.NotFoundError{ID: &id, Messages: &[]string{msg}, RequestID: ptr(f.newRequestID())}
}

// faultBody is the body of an injected fault: the shape the document gives
// for the status.
func (f *Fake) faultBody(status int, msg string) []byte {
	var v any
	switch status {
	case http.StatusBadRequest:
		v = f.badRequestShape(nil, msg)
	default:
		v = f.errorShape(msg)
	}
	b, _ := json.Marshal(v)
	return b
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError writes the general Error shape.
func (f *Fake) writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, f.errorShape(msg))
}

// writeBadRequest writes the BadRequestError shape with status 400.
func (f *Fake) writeBadRequest(w http.ResponseWriter, fields map[string]string, msg string) {
	writeJSON(w, http.StatusBadRequest, f.badRequestShape(fields, msg))
}

// renderError writes a handler's error in the shape the document gives
// its status: BadRequestError (with field_errors) for 400, NotFoundError
// (with the id) for 404, Error otherwise.
func (f *Fake) renderError(w http.ResponseWriter, _ *http.Request, err error) {
	e := fakekit.AsError(err)
	switch e.Status {
	case http.StatusBadRequest:
		f.writeBadRequest(w, e.Fields, e.Message)
	case http.StatusNotFound:
		writeJSON(w, e.Status, f.notFoundShape(e.Resource, e.Message))
	case http.StatusInternalServerError:
		f.writeError(w, e.Status, "Internal server error: "+e.Message)
	default:
		f.writeError(w, e.Status, e.Message)
	}
}

// badRequest answers a request the kit refused: 400 BadRequestError with
// the offending field when the message names one, and the general shape
// for no route (404) or a wrong method (405).
func (f *Fake) badRequest(w http.ResponseWriter, _ *http.Request, e fakekit.RequestError) {
	status, msg := e.Status, e.Message
	if status != http.StatusBadRequest {
		f.writeError(w, status, msg)
		return
	}
	fields := map[string]string{}
	problem := msg
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		problem = msg[i+2:]
	}
	switch {
	case paramRe.MatchString(msg):
		fields[paramRe.FindStringSubmatch(msg)[1]] = problem
	case bodyRe.MatchString(msg):
		fields[strings.ReplaceAll(bodyRe.FindStringSubmatch(msg)[1], "/", ".")] = problem
	case propRe.MatchString(msg):
		fields[propRe.FindStringSubmatch(msg)[1]] = "is required"
	}
	f.writeBadRequest(w, fields, msg)
}

// paramFields names the parameter the generated router could not
// bind.
func paramFields(err error) map[string]string {
	var (
		inv *vectaraserver.InvalidParamFormatError
		req *vectaraserver.RequiredParamError
		hdr *vectaraserver.RequiredHeaderError
		tmv *vectaraserver.TooManyValuesForParamError
	)
	switch {
	case errors.As(err, &inv):
		return map[string]string{inv.ParamName: "invalid format"}
	case errors.As(err, &req):
		return map[string]string{req.ParamName: "is required"}
	case errors.As(err, &hdr):
		return map[string]string{hdr.ParamName: "is required"}
	case errors.As(err, &tmv):
		return map[string]string{tmv.ParamName: "expected one value"}
	}
	return nil
}

var (
	paramRe = regexp.MustCompile(`parameter "([^"]+)"`)
	bodyRe  = regexp.MustCompile(`Error at "/([^"]*)"`)
	propRe  = regexp.MustCompile(`property "([^"]+)" is missing`)
)
