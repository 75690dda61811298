// The one response writer of every fake: it knows the request and its
// operation, records the status (rate limiters need it), labels media
// types, passes Flush and Hijack through for fault injection, and, when
// the fake checks its own answers, holds the answer back until it has
// been validated against the document.

package fakekit

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"net"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/userapis/userapis-go/internal/contract"
)

// Writer wraps every answer of a fake. Services reach it from the writer
// they are given with WriterOf.
type Writer struct {
	http.ResponseWriter
	// Request is the request being answered; Operation its operationId
	// (lower camel; "" when no route matched).
	Request   *http.Request
	Operation string
	// Status is the status written so far (0 before any).
	Status int

	label  func(http.Header, int)
	held   bool
	header http.Header
	body   bytes.Buffer
}

// WriterOf finds the kit's *Writer in w or beneath it.
func WriterOf(w http.ResponseWriter) (*Writer, bool) {
	for w != nil {
		if kw, ok := w.(*Writer); ok {
			return kw, true
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			break
		}
		w = u.Unwrap()
	}
	return nil, false
}

// hold keeps the answer in memory from now on; headers set so far (a
// request id) are part of it.
func (w *Writer) hold() {
	w.held = true
	w.header = w.ResponseWriter.Header().Clone()
}

func (w *Writer) Header() http.Header {
	if w.held {
		return w.header
	}
	return w.ResponseWriter.Header()
}

func (w *Writer) WriteHeader(code int) {
	if w.Status != 0 {
		return
	}
	w.Status = code
	if w.held {
		return
	}
	if w.label != nil {
		w.label(w.ResponseWriter.Header(), code)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *Writer) Write(b []byte) (int, error) {
	if w.Status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.held {
		return w.body.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

// Flush passes through, except while the answer is held for its check.
func (w *Writer) Flush() {
	if w.held {
		return
	}
	if fl, ok := w.ResponseWriter.(http.Flusher); ok {
		fl.Flush()
	}
}

// Hijack serves fault injection (dropped and truncated answers).
func (w *Writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap lets http.ResponseController reach the connection.
func (w *Writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// finish checks the held answer against in's operation and sends it, or
// sends the violation in its place.
func (w *Writer) finish(k *Kit, in *openapi3filter.RequestValidationInput) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	w.held = false
	if w.label != nil {
		w.label(w.header, w.Status)
	}
	real := w.ResponseWriter
	err := contract.CheckResponse(in, w.Status, w.header, w.body.Bytes())
	if err != nil {
		err = fmt.Errorf("fake %s: %s %s (%s) answered %d, which api/%s.yaml does not allow: %w",
			k.cfg.Service, in.Request.Method, in.Request.URL.Path, in.Route.Operation.OperationID, w.Status, k.cfg.Service, err)
		k.opts.report(err)
		h := real.Header()
		h.Del("Content-Length")
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set(ViolationHeader, "true")
		real.WriteHeader(http.StatusInternalServerError)
		_, _ = fmt.Fprintln(real, err)
		return
	}
	h := real.Header()
	clear(h)
	maps.Copy(h, w.header)
	real.WriteHeader(w.Status)
	_, _ = real.Write(w.body.Bytes())
}
