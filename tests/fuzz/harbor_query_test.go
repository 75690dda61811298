package fuzz_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/internal/harborq"
)

// The builder is fuzzed against internal/harborq, the q grammar the Harbor
// fake parses with (Harbor's src/lib/q rules), so what the client builds is
// checked against the parser the fake serves.

type (
	qExact = harborq.Exact
	qFuzzy = harborq.Fuzzy
	qRange = harborq.Range
	qOr    = harborq.Or
	qAnd   = harborq.And
)

func harborParseQ(q string) (map[string]any, error) { return harborq.Parse(q) }

// norm makes parsed and expected values comparable: times by their UTC
// wall clock to the second, ints as int64, nested lists and ranges alike.
func norm(v any) any {
	switch x := v.(type) {
	case time.Time:
		return "time:" + x.UTC().Format("2006-01-02T15:04:05")
	case int:
		return int64(x)
	case qRange:
		return qRange{Min: norm(x.Min), Max: norm(x.Max)}
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
		return norm(qRange{Min: q.lo, Max: q.hi})
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
