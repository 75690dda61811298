// Homebox's error shape ({"error": ..., "fields": ...}), the router's
// plain-text 404 and bare 405, and the one renderer of handler errors.

package homeboxfake

import (
	"encoding/json"
	"io"
	"net/http"

	"github.com/userapis/userapis-go/gen/homebox"
	"github.com/userapis/userapis-go/internal/fakekit"
)

func errorBody(_ int, msg string) []byte {
	b, _ := json.Marshal(homebox.ErrorResponse{Error: msg})
	return append(b, '\n')
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", ctJSON)
	w.WriteHeader(status)
	_, _ = w.Write(errorBody(status, msg))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", ctJSON)
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// badRequest answers a request the validator refused as the real
// server would: the router's plain-text 404 and bare 405 (with Allow); a
// login it cannot read is 401 {"error":"unauthorized"}; a registration
// body that does not decode is 500, a password change that does not
// decode goes on with empty fields and fails as a wrong password (500);
// everything else 400.
func badRequest(w http.ResponseWriter, r *http.Request, e fakekit.RequestError) {
	switch e.Status {
	case http.StatusNotFound:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, "404 page not found\n")
		return
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", e.Allow)
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	switch e.Operation {
	case "userLogin":
		writeError(w, http.StatusUnauthorized, msgUnauthorized)
	case "registerNewUser", "changePassword":
		writeError(w, http.StatusInternalServerError, decodeMessage(r, e.Message))
	default:
		writeError(w, e.Status, e.Message)
	}
}

// renderError writes a handler's error as {"error": ..., "fields": ...}
// with the status the store's *fakekit.Error carries.
func renderError(w http.ResponseWriter, _ *http.Request, err error) {
	e := fakekit.AsError(err)
	if len(e.Fields) > 0 {
		writeJSON(w, e.Status, homebox.ErrorResponse{Error: e.Message, Fields: &e.Fields})
		return
	}
	writeError(w, e.Status, e.Message)
}

// label gives every JSON answer the real server's
// "application/json; charset=utf-8".
func label(h http.Header, _ int) {
	if h.Get("Content-Type") == ctJSON {
		h.Set("Content-Type", ctJSONUTF8)
	}
}

// decodeMessage is what the real server says of a body it cannot decode:
// encoding/json's Decoder's own error ("unexpected EOF"); msg when the
// body decodes (the validator refused it for another reason).
func decodeMessage(r *http.Request, msg string) string {
	if r == nil || r.Body == nil {
		return msg
	}
	var v map[string]any
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&v); err != nil {
		return err.Error()
	}
	return msg
}
