// Package harborq is Harbor's `q` query grammar (upstream src/lib/q), parsed
// the way the v2.15.2 server parses it. The Harbor fake filters with it,
// and the client's query builder is tested and fuzzed against it, so the
// builder is checked against the very parser the fake serves.
//
// The whole q is URL-unescaped once more (kept as is when that fails),
// split on ",", and each part cut at its first "=" into a non-empty key and
// value. A value is, by its first byte: "~" fuzzy (the rest, at least one
// byte); "[" a range, ending in "]", with exactly one "~" in the whole
// value, bounds trimmed, at least one set; "{" an or-list ending in "}";
// "(" an and-list ending in ")", members split on " " with empty strings
// dropped; otherwise exact, with one leading "\" dropped. Range bounds and
// list members are a time (2006-01-02T15:04:05), else an int64, else a
// string with leading and trailing ' and " trimmed. A key given twice
// keeps its last value.
package harborq

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"
)

type (
	// Exact matches the value exactly.
	Exact string
	// Fuzzy matches values that contain it, ignoring case.
	Fuzzy string
	// Range matches values between Min and Max (nil: open).
	Range struct{ Min, Max any }
	// Or matches any of its values.
	Or []any
	// And matches all of its values.
	And []any
)

// Error is a q the server refuses; Error() is the server's message.
type Error struct{ msg string }

func (e *Error) Error() string { return e.msg }

// ErrEmptyTerm is the server's refusal of a term without "=" or with an
// empty key or value.
var ErrEmptyTerm = &Error{msg: `the query string must contain "=" and the key/value cannot be empty`}

// Parse parses q into its keywords: key → Exact, Fuzzy, Range, Or or And.
// A refused q is an *Error with the server's message.
func Parse(q string) (map[string]any, error) {
	kw := map[string]any{}
	if q == "" {
		return kw, nil
	}
	if u, err := url.QueryUnescape(q); err == nil {
		q = u
	}
	for _, term := range strings.Split(q, ",") {
		k, v, ok := strings.Cut(term, "=")
		if !ok || k == "" || v == "" {
			return nil, ErrEmptyTerm
		}
		val, err := pattern(v)
		if err != nil {
			return nil, &Error{msg: "invalid query string value: " + v}
		}
		kw[k] = val
	}
	return kw, nil
}

func pattern(v string) (any, error) {
	n := len(v)
	switch v[0] {
	case '~':
		if n < 2 {
			return nil, errors.New(`fuzzy match value must start with "~" and contain at least 1 other character`)
		}
		return Fuzzy(v[1:]), nil
	case '[':
		if v[n-1] != ']' || strings.Count(v, "~") != 1 {
			return nil, errors.New(`range must start with "[", end with "]" and contain only one "~"`)
		}
		lo, hi, _ := strings.Cut(v[1:n-1], "~")
		lo, hi = strings.TrimSpace(lo), strings.TrimSpace(hi)
		if lo == "" && hi == "" {
			return nil, errors.New("min and max at least one should be set in range")
		}
		var r Range
		if lo != "" {
			r.Min = Value(lo)
		}
		if hi != "" {
			r.Max = Value(hi)
		}
		return r, nil
	case '{':
		if v[n-1] != '}' {
			return nil, errors.New(`or list must start with "{" and end with "}"`)
		}
		return Or(list(v)), nil
	case '(':
		if v[n-1] != ')' {
			return nil, errors.New(`and list must start with "(" and end with ")"`)
		}
		return And(list(v)), nil
	}
	return Exact(strings.TrimPrefix(v, `\`)), nil
}

func list(v string) []any {
	var out []any
	for _, s := range strings.Split(v[1:len(v)-1], " ") {
		x := Value(s)
		if str, ok := x.(string); ok && str == "" {
			continue
		}
		out = append(out, x)
	}
	return out
}

// TimeLayout is the layout of a time in a range bound or list member.
const TimeLayout = "2006-01-02T15:04:05"

// Value is a range bound or list member: a time.Time, else an int64, else
// the string with leading and trailing quotes trimmed.
func Value(s string) any {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(TimeLayout, s); err == nil {
		return t
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i
	}
	return strings.Trim(s, `"'`)
}
