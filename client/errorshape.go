// Decoding each service's error body into an *APIError's Message, Code and
// Fields, tolerant of bodies that are not the documented shape.

package client

import (
	"encoding/json"
	"strings"
)

// decodeJSONError unmarshals an error body into v, ignoring bodies that are
// not JSON (an HTML error page from a proxy, say): the raw bytes stay in
// APIError.Body either way.
func decodeJSONError(e *APIError, v any) bool {
	body := strings.TrimSpace(string(e.Body))
	if !strings.HasPrefix(body, "{") {
		return false
	}
	return json.Unmarshal(e.Body, v) == nil
}
