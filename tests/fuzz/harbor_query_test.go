package fuzz_test

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/userapis/userapis-go/client"
)

// ---------------------------------------------------------------------------
// Harbor's q parser, ported from goharbor/harbor src/lib/q/builder.go
// (parseKeywords, parsePattern, parseRange, parseList, parseValue,
// escapeValue). The fake has its own unexported copy; this one is kept
// separate on purpose, so that the builder is checked against the server's
// rules as written upstream, not against the fake.
//
//	q: URL-unescaped once more (kept as is when that fails), split on ",",
//	   each part SplitN on "=" into a non-empty key and value;
//	value by its first byte: "~" fuzzy (the rest, at least one byte);
//	   "[" range: ends in "]", exactly one "~" in the whole value, bounds
//	   trimmed, at least one set; "{" or-list ending in "}"; "(" and-list
//	   ending in ")": members split on " ", empty strings dropped;
//	   otherwise exact, one leading "\" dropped;
//	range bounds and list members: a time (2006-01-02T15:04:05), else an
//	   int64, else a string with leading/trailing ' and " trimmed.
//
// A key given twice keeps its last value.
// ---------------------------------------------------------------------------

type (
	qExact string
	qFuzzy string
	qRange struct{ Min, Max any }
	qOr    []any
	qAnd   []any
)

func harborParseQ(q string) (map[string]any, error) {
	kw := map[string]any{}
	if q == "" {
		return kw, nil
	}
	if u, err := url.QueryUnescape(q); err == nil {
		q = u
	}
	for _, param := range strings.Split(q, ",") {
		kv := strings.SplitN(param, "=", 2)
		if len(kv) != 2 || kv[0] == "" || kv[1] == "" {
			return nil, fmt.Errorf("term %q: the query string must contain \"=\" and the key/value cannot be empty", param)
		}
		v, err := harborParsePattern(kv[1])
		if err != nil {
			return nil, fmt.Errorf("invalid query string value %q: %w", kv[1], err)
		}
		kw[kv[0]] = v
	}
	return kw, nil
}

func harborParsePattern(v string) (any, error) {
	n := len(v)
	switch v[0] {
	case '~':
		if n < 2 {
			return nil, errors.New(`fuzzy match value must start with "~" and contain at least 1 other character`)
		}
		return qFuzzy(v[1:]), nil
	case '[':
		if v[n-1] != ']' || strings.Count(v, "~") != 1 {
			return nil, errors.New(`range must start with "[", end with "]" and contain only one "~"`)
		}
		b := strings.SplitN(v[1:n-1], "~", 2)
		lo, hi := strings.TrimSpace(b[0]), strings.TrimSpace(b[1])
		if lo == "" && hi == "" {
			return nil, errors.New("min and max at least one should be set in range")
		}
		var r qRange
		if lo != "" {
			r.Min = harborParseValue(lo)
		}
		if hi != "" {
			r.Max = harborParseValue(hi)
		}
		return r, nil
	case '{':
		if v[n-1] != '}' {
			return nil, errors.New(`or list must start with "{" and end with "}"`)
		}
		return qOr(harborParseList(v)), nil
	case '(':
		if v[n-1] != ')' {
			return nil, errors.New(`and list must start with "(" and end with ")"`)
		}
		return qAnd(harborParseList(v)), nil
	}
	if v[0] == '\\' {
		v = v[1:]
	}
	return qExact(v), nil
}

func harborParseList(v string) []any {
	var out []any
	for _, s := range strings.Split(v[1:len(v)-1], " ") {
		x := harborParseValue(s)
		if str, ok := x.(string); ok && str == "" {
			continue
		}
		out = append(out, x)
	}
	return out
}

func harborParseValue(s string) any {
	s = strings.TrimSpace(s)
	if t, err := time.Parse("2006-01-02T15:04:05", s); err == nil {
		return t
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i
	}
	return strings.Trim(s, `"'`)
}

// ---------------------------------------------------------------------------

// norm makes parsed and expected values comparable: times by their UTC
// wall clock to the second, ints as int64, nested lists and ranges alike.
func norm(v any) any {
	switch x := v.(type) {
	case time.Time:
		return "time:" + x.UTC().Format("2006-01-02T15:04:05")
	case int:
		return int64(x)
	case qRange:
		return qRange{norm(x.Min), norm(x.Max)}
	case qOr:
		out := make(qOr, len(x))
		for i, m := range x {
			out[i] = norm(m)
		}
		return out
	case qAnd:
		out := make(qAnd, len(x))
		for i, m := range x {
			out[i] = norm(m)
		}
		return out
	}
	return v
}

// qTerm is one builder call and what Harbor must read back from it.
type qTerm struct {
	kind int // 0 exact, 1 fuzzy, 2 range, 3 union, 4 intersection
	key  string
	s    string
	lo   any
	hi   any
	vals []any
}

func (q qTerm) apply(b *client.HarborQuery) *client.HarborQuery {
	switch q.kind {
	case 0:
		return b.Exact(q.key, q.s)
	case 1:
		return b.Fuzzy(q.key, q.s)
	case 2:
		return b.Range(q.key, q.lo, q.hi)
	case 3:
		return b.Union(q.key, q.vals...)
	}
	return b.Intersection(q.key, q.vals...)
}

func (q qTerm) want() any {
	switch q.kind {
	case 0:
		return qExact(q.s)
	case 1:
		return qFuzzy(q.s)
	case 2:
		return norm(qRange{q.lo, q.hi})
	case 3:
		return norm(qOr(q.vals))
	}
	return norm(qAnd(q.vals))
}

// pick returns one of nil, the string, the int or the time by sel.
func pick(sel uint16, s string, n int64, t time.Time) any {
	switch sel % 4 {
	case 1:
		return s
	case 2:
		return n
	case 3:
		return t
	}
	return nil
}

// safeString: characters no builder rule is about; a query made only of
// such strings, distinct keys and times of years 0-9999 must be accepted.
func safeString(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '@' || r == '-') {
			return false
		}
	}
	return true
}

// FuzzHarborQueryBuilder builds a q of two terms of any kind from fuzzed
// keys, strings, an int and a time, and checks that the builder either
// refuses with an error wrapping client.ErrInvalidQuery, or produces a q
// that Harbor's parser reads back to exactly those keys and values; and
// that it does not refuse a plainly valid query.
func FuzzHarborQueryBuilder(f *testing.F) {
	f.Add("username", "alice", "email", "a+b%41@x.com", int64(42), int64(1700000000), uint32(0), int16(0), uint16(0))
	f.Add("user_id", "1", "creation_time", "x", int64(-7), int64(1700000000), uint32(5), int16(60), uint16(2+5*2+25*(1+4*3)))
	f.Add("k", `\~[{(`, "k2", "a b", int64(0), int64(-62135596800), uint32(0), int16(0), uint16(1+5*3+25*7))
	f.Add("k", "50% +1", "k", "dup", int64(1), int64(253402300799), uint32(999999999), int16(-720), uint16(4+5*4+25*15))
	f.Fuzz(func(t *testing.T, k1, s1, k2, s2 string, n int64, sec int64, nsec uint32, zoneMin int16, shape uint16) {
		tm := time.Unix(sec, int64(nsec%1e9)).In(time.FixedZone("Z", int(zoneMin)*60))
		terms := []qTerm{{kind: int(shape % 5), key: k1, s: s1}, {kind: int(shape / 5 % 5), key: k2, s: s2}}
		sel := shape / 25
		for i := range terms {
			tr := &terms[i]
			switch tr.kind {
			case 2:
				tr.lo, tr.hi = pick(sel, tr.s, n, tm), pick(sel/4, tr.s, n, tm)
			case 3, 4:
				all := []any{tr.s, n, tm}
				for j, v := range all {
					if sel&(1<<j) != 0 || j == 0 && sel&7 == 0 {
						tr.vals = append(tr.vals, v)
					}
				}
			}
			sel /= 16
		}

		b := client.NewHarborQuery()
		for _, tr := range terms {
			b = tr.apply(b)
		}
		q, err := b.Build()
		if err != nil {
			if !errors.Is(err, client.ErrInvalidQuery) {
				t.Fatalf("error %v does not wrap ErrInvalidQuery", err)
			}
			if k1 != k2 && safeString(k1) && safeString(k2) && safeString(s1) && safeString(s2) &&
				tm.UTC().Year() >= 0 && tm.UTC().Year() <= 9999 && !emptyRange(terms) {
				t.Fatalf("valid query %+v refused: %v", terms, err)
			}
			return
		}
		if k1 == k2 {
			t.Fatalf("key %q given twice was accepted: %q", k1, q)
		}
		got, err := harborParseQ(q)
		if err != nil {
			t.Fatalf("Harbor refuses q %q built from %+v: %v", q, terms, err)
		}
		for k, v := range got {
			got[k] = norm(v)
		}
		want := map[string]any{}
		for _, tr := range terms {
			want[tr.key] = tr.want()
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("q %q built from %+v\nHarbor reads %#v\nwant          %#v", q, terms, got, want)
		}
	})
}

func emptyRange(terms []qTerm) bool {
	for _, tr := range terms {
		if tr.kind == 2 && tr.lo == nil && tr.hi == nil {
			return true
		}
	}
	return false
}
