// Comparing two recordings of the same scenario (a real server's and a
// fake's, or one server before and after an upgrade): what a client can
// see differ, exchange by exchange.

package conform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"slices"
	"strings"
)

// Difference is one way the second recording's answer differs from the
// first's.
type Difference struct {
	Index     int    `json:"index"` // the exchange's place in the first recording
	Step      string `json:"step"`
	Operation string `json:"operation"`
	// What differs: "exchanges", "request", "status", "media type",
	// "header <Name>", "body shape", "body".
	What string `json:"what"`
	Want string `json:"want"` // in the first recording
	Got  string `json:"got"`  // in the second
}

func (d Difference) String() string {
	return fmt.Sprintf("#%d %s (%s): %s: want %s, got %s", d.Index, d.Step, d.Operation, d.What, d.Want, d.Got)
}

// Compare lists how got's exchanges differ from want's, in order: the
// request sent (method and path), the status, the media type, every
// response header either sends (their values after the placeholders), the
// body's shape (members and JSON types, not values) for an answer under
// 400, and the body exactly (after the placeholders) for an error answer,
// so that every error message counts.
func Compare(want, got Recording) []Difference {
	var out []Difference
	if len(want.Exchanges) != len(got.Exchanges) {
		out = append(out, Difference{Index: -1, What: "exchanges",
			Want: fmt.Sprint(len(want.Exchanges)), Got: fmt.Sprint(len(got.Exchanges))})
	}
	for i := range min(len(want.Exchanges), len(got.Exchanges)) {
		w, g := want.Exchanges[i], got.Exchanges[i]
		diff := func(what, a, b string) {
			if a != b {
				out = append(out, Difference{Index: i, Step: w.Step, Operation: w.Operation, What: what, Want: a, Got: b})
			}
		}
		wr, gr := w.Request.Method+" "+w.Request.Path, g.Request.Method+" "+g.Request.Path
		if w.Step != g.Step || wr != gr {
			// Out of step: what follows cannot be paired.
			diff("request", w.Step+": "+wr, g.Step+": "+gr)
			return out
		}
		diff("status", fmt.Sprint(w.Response.Status), fmt.Sprint(g.Response.Status))
		diff("media type", mediaType(w.Response.Header), mediaType(g.Response.Header))
		names := map[string]bool{}
		for k := range w.Response.Header {
			names[k] = true
		}
		for k := range g.Response.Header {
			names[k] = true
		}
		for _, k := range sortedKeys(names) {
			if k == "Content-Type" {
				continue
			}
			wv, wok := w.Response.Header[k]
			gv, gok := g.Response.Header[k]
			diff("header "+k, quoteOrAbsent(wv, wok), quoteOrAbsent(gv, gok))
		}
		if w.Response.Status >= 400 {
			diff("body", compact(w.Response.Body), compact(g.Response.Body))
		} else {
			diff("body shape", shapeOf(w.Response.Body), shapeOf(g.Response.Body))
		}
	}
	return out
}

func mediaType(h map[string]string) string {
	ct := h["Content-Type"]
	if ct == "" {
		return "(none)"
	}
	if mt, params, err := mime.ParseMediaType(ct); err == nil {
		if cs := params["charset"]; cs != "" {
			return mt + "; charset=" + strings.ToLower(cs)
		}
		return mt
	}
	return ct
}

func quoteOrAbsent(v string, ok bool) string {
	if !ok {
		return "(absent)"
	}
	return fmt.Sprintf("%q", v)
}

func compact(b json.RawMessage) string {
	if len(b) == 0 {
		return "(empty)"
	}
	var c bytes.Buffer
	if json.Compact(&c, b) == nil {
		return c.String()
	}
	return string(b)
}

// shapeOf describes a body by its JSON types: objects by their members'
// names and shapes, arrays by the distinct shapes of their elements, a
// non-JSON body (recorded as a string) as "text".
func shapeOf(b json.RawMessage) string {
	if len(b) == 0 {
		return "(empty)"
	}
	var v any
	if json.Unmarshal(b, &v) != nil {
		return "(not JSON)"
	}
	if _, ok := v.(string); ok {
		return "text"
	}
	return shape(v)
}

func shape(v any) string {
	switch x := v.(type) {
	case map[string]any:
		var parts []string
		for _, k := range sortedKeys(x) {
			parts = append(parts, k+":"+shape(x[k]))
		}
		return "{" + strings.Join(parts, ",") + "}"
	case []any:
		var elems []string
		for _, e := range x {
			if s := shape(e); !slices.Contains(elems, s) {
				elems = append(elems, s)
			}
		}
		slices.Sort(elems)
		return "[" + strings.Join(elems, "|") + "]"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Allowed is a difference the recordings' allowlist accepts, with the
// reason: Service and What must match; Step, when set, too.
type Allowed struct {
	Service string `json:"service"`
	Step    string `json:"step,omitempty"`
	What    string `json:"what"`
	Reason  string `json:"reason"`
}

// Allows reports whether a accepts d of service.
func (a Allowed) Allows(service string, d Difference) bool {
	return a.Service == service && a.What == d.What && (a.Step == "" || a.Step == d.Step)
}
