// Package echo lists the forms in which a credential may come back from a
// server, so that the client (redacting what it prints) and conform's
// recordings (scrubbing what they keep) take out the same ones.
package echo

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
)

// Forms are the forms a server may echo secret in: as sent, URL-escaped
// (query and path), base64 (standard and URL alphabets, padded or not)
// and JSON-escaped (with and without HTML escaping); longest first, so
// that a form is replaced before a part of it, each once.
func Forms(secret string) []string {
	forms := []string{
		secret,
		url.QueryEscape(secret), url.PathEscape(secret),
		base64.StdEncoding.EncodeToString([]byte(secret)), base64.RawStdEncoding.EncodeToString([]byte(secret)),
		base64.URLEncoding.EncodeToString([]byte(secret)), base64.RawURLEncoding.EncodeToString([]byte(secret)),
	}
	if j, err := json.Marshal(secret); err == nil {
		forms = append(forms, string(j[1:len(j)-1]))
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(secret) == nil {
		j := strings.TrimSpace(b.String())
		forms = append(forms, j[1:len(j)-1])
	}
	slices.SortFunc(forms, func(a, b string) int {
		if d := len(b) - len(a); d != 0 {
			return d
		}
		return strings.Compare(a, b) // equal forms side by side, for Compact
	})
	return slices.Compact(forms)
}
