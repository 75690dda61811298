// Decoding each service's error body into an *APIError's Message, Code and
// Fields, tolerant of bodies that are not the documented shape.

package client

import (
	"bytes"
	"encoding/json"
)

// decodeJSONError unmarshals an error body into v, ignoring bodies that are
// not JSON (an HTML error page from a proxy, say): the raw bytes stay in
// APIError.Body either way.
func decodeJSONError(e *APIError, v any) bool {
	if !bytes.HasPrefix(bytes.TrimSpace(e.Body), []byte("{")) {
		return false
	}
	return json.Unmarshal(e.Body, v) == nil
}
