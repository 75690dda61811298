package client_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/userapis/userapis-go/internal/harborq"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/gen/harbor"
)

// Built queries are parsed back with internal/harborq, the q grammar the
// Harbor fake serves (Harbor's src/lib/q rules): one parser for the fake,
// these tests and the fuzz target.

type (
	hqExact = harborq.Exact
	hqFuzzy = harborq.Fuzzy
	hqRange = harborq.Range
	hqOr    = harborq.Or
	hqAnd   = harborq.And
)

func hqParse(q string) (map[string]any, error) { return harborq.Parse(q) }

// hqNorm makes parsed values comparable with reflect.DeepEqual: times
// become tagged RFC 3339 strings, ints int64.
func hqNorm(v any) any {
	switch x := v.(type) {
	case time.Time:
		return "time:" + x.UTC().Format(time.RFC3339Nano)
	case int:
		return int64(x)
	case hqRange:
		var r hqRange
		if x.Min != nil {
			r.Min = hqNorm(x.Min)
		}
		if x.Max != nil {
			r.Max = hqNorm(x.Max)
		}
		return r
	case hqOr:
		out := hqOr{}
		for _, e := range x {
			out = append(out, hqNorm(e))
		}
		return out
	case hqAnd:
		out := hqAnd{}
		for _, e := range x {
			out = append(out, hqNorm(e))
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = hqNorm(e)
		}
		return out
	}
	return v
}

// hqWant is what Harbor must recover for a value the caller gave: times in
// UTC to the second, ints as int64, strings as they are.
func hqWant(v any) any {
	if t, ok := v.(time.Time); ok {
		return hqNorm(t.UTC().Truncate(time.Second))
	}
	return hqNorm(v)
}

// hqRoundTrip parses q as Harbor does and compares with want.
func hqRoundTrip(t *testing.T, q string, want map[string]any) {
	t.Helper()
	got, err := hqParse(q)
	if err != nil {
		t.Errorf("Harbor would reject q %q: %v", q, err)
		return
	}
	if g, w := hqNorm(got), hqNorm(want); !reflect.DeepEqual(g, w) {
		t.Errorf("q %q parses as\n  %#v\nwant\n  %#v", q, g, w)
	}
}

var (
	hqT1 = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	hqT2 = time.Date(2024, 12, 31, 23, 59, 59, 0, time.UTC)
)

func TestHarborQuery_Build(t *testing.T) {
	cest := time.FixedZone("CEST", 2*3600)
	for _, tc := range []struct {
		name  string
		build func(*client.HarborQuery) *client.HarborQuery
		q     string
		want  map[string]any
	}{
		{"empty", func(q *client.HarborQuery) *client.HarborQuery { return q }, "", map[string]any{}},
		{"exact", func(q *client.HarborQuery) *client.HarborQuery { return q.Exact("username", "alice") },
			"username=alice", map[string]any{"username": hqExact("alice")}},
		{"exact with = and space", func(q *client.HarborQuery) *client.HarborQuery { return q.Exact("comment", "a=b c") },
			"comment=a=b c", map[string]any{"comment": hqExact("a=b c")}},
		{"exact digits stay exact strings", func(q *client.HarborQuery) *client.HarborQuery { return q.Exact("user_id", "42") },
			"user_id=42", map[string]any{"user_id": hqExact("42")}},
		{"fuzzy", func(q *client.HarborQuery) *client.HarborQuery { return q.Fuzzy("username", "ali") },
			"username=~ali", map[string]any{"username": hqFuzzy("ali")}},
		{"fuzzy with ~ inside", func(q *client.HarborQuery) *client.HarborQuery { return q.Fuzzy("username", "~a~") },
			"username=~~a~", map[string]any{"username": hqFuzzy("~a~")}},
		{"percent and plus", func(q *client.HarborQuery) *client.HarborQuery {
			return q.Exact("email", "a+b%41@x.com").Fuzzy("realname", "50% +1")
		}, "email=a%2Bb%2541@x.com,realname=~50%25 %2B1",
			map[string]any{"email": hqExact("a+b%41@x.com"), "realname": hqFuzzy("50% +1")}},
		{"range ints", func(q *client.HarborQuery) *client.HarborQuery { return q.Range("user_id", 1, int64(10)) },
			"user_id=[1~10]", map[string]any{"user_id": hqRange{Min: int64(1), Max: int64(10)}}},
		{"range negative", func(q *client.HarborQuery) *client.HarborQuery { return q.Range("n", -5, -1) },
			"n=[-5~-1]", map[string]any{"n": hqRange{Min: int64(-5), Max: int64(-1)}}},
		{"range times in UTC", func(q *client.HarborQuery) *client.HarborQuery {
			return q.Range("creation_time", hqT1.In(cest), hqT2.Add(700*time.Millisecond))
		}, "creation_time=[2024-01-02T03:04:05~2024-12-31T23:59:59]",
			map[string]any{"creation_time": hqRange{Min: hqT1, Max: hqT2}}},
		{"range strings quoted", func(q *client.HarborQuery) *client.HarborQuery { return q.Range("username", "a", "42") },
			`username=["a"~"42"]`, map[string]any{"username": hqRange{Min: "a", Max: "42"}}},
		{"range open min", func(q *client.HarborQuery) *client.HarborQuery { return q.Range("user_id", nil, 5) },
			"user_id=[~5]", map[string]any{"user_id": hqRange{Min: nil, Max: int64(5)}}},
		{"range open max", func(q *client.HarborQuery) *client.HarborQuery { return q.Range("update_time", hqT1, nil) },
			"update_time=[2024-01-02T03:04:05~]", map[string]any{"update_time": hqRange{Min: hqT1, Max: nil}}},
		{"range string with % and +", func(q *client.HarborQuery) *client.HarborQuery { return q.Range("k", "a%", "b+") },
			`k=["a%25"~"b%2B"]`, map[string]any{"k": hqRange{Min: "a%", Max: "b+"}}},
		{"union", func(q *client.HarborQuery) *client.HarborQuery { return q.Union("user_id", 1, 2, int64(3)) },
			"user_id={1 2 3}", map[string]any{"user_id": hqOr{int64(1), int64(2), int64(3)}}},
		{"union strings stay strings", func(q *client.HarborQuery) *client.HarborQuery {
			return q.Union("username", "alice", "42", "2024-01-02T03:04:05", "a%b+c")
		}, `username={"alice" "42" "2024-01-02T03:04:05" "a%25b%2Bc"}`,
			map[string]any{"username": hqOr{"alice", "42", "2024-01-02T03:04:05", "a%b+c"}}},
		{"union mixed", func(q *client.HarborQuery) *client.HarborQuery { return q.Union("k", 7, "x~y", hqT1) },
			`k={7 "x~y" 2024-01-02T03:04:05}`, map[string]any{"k": hqOr{int64(7), "x~y", hqT1}}},
		{"intersection", func(q *client.HarborQuery) *client.HarborQuery { return q.Intersection("tags", "a", "b") },
			`tags=("a" "b")`, map[string]any{"tags": hqAnd{"a", "b"}}},
		{"several terms", func(q *client.HarborQuery) *client.HarborQuery {
			return q.Exact("a", "1").Fuzzy("b", "2").Range("c", 3, 4).Union("d", 5).Intersection("e", 6)
		}, "a=1,b=~2,c=[3~4],d={5},e=(6)", map[string]any{
			"a": hqExact("1"), "b": hqFuzzy("2"), "c": hqRange{Min: int64(3), Max: int64(4)}, "d": hqOr{int64(5)}, "e": hqAnd{int64(6)},
		}},
		{"key with % and +", func(q *client.HarborQuery) *client.HarborQuery { return q.Exact("a%zz+b", "50%") },
			"a%25zz%2Bb=50%25", map[string]any{"a%zz+b": hqExact("50%")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := tc.build(client.NewHarborQuery()).Build()
			if err != nil {
				t.Fatal(err)
			}
			if q != tc.q {
				t.Errorf("Build = %q, want %q", q, tc.q)
			}
			hqRoundTrip(t, q, tc.want)
		})
	}
}

// A value starting with one of Harbor's operator characters, or with the
// escape character itself, gets the \ escape and stays an exact match.
func TestHarborQuery_ExactOperatorPrefix(t *testing.T) {
	for _, v := range []string{"~ali", "[1~2]", "{a b}", "(a b)", `\x`, `\`, `\\`, "~", "[", "{", "(", `~%+`} {
		q, err := client.NewHarborQuery().Exact("k", v).Build()
		if err != nil {
			t.Errorf("%q: %v", v, err)
			continue
		}
		if !strings.HasPrefix(q, `k=\`) {
			t.Errorf("%q: Build = %q, want the \\ escape", v, q)
		}
		hqRoundTrip(t, q, map[string]any{"k": hqExact(v)})
	}
	// Other values are not escaped.
	q, _ := client.NewHarborQuery().Exact("k", "a~[").Build()
	if q != "k=a~[" {
		t.Errorf("Build = %q", q)
	}
}

func TestHarborQuery_Errors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func(*client.HarborQuery) *client.HarborQuery
	}{
		{"exact empty", func(q *client.HarborQuery) *client.HarborQuery { return q.Exact("k", "") }},
		{"exact comma", func(q *client.HarborQuery) *client.HarborQuery { return q.Exact("k", "a,b") }},
		{"fuzzy empty", func(q *client.HarborQuery) *client.HarborQuery { return q.Fuzzy("k", "") }},
		{"fuzzy comma", func(q *client.HarborQuery) *client.HarborQuery { return q.Fuzzy("k", "a,b") }},
		{"list space", func(q *client.HarborQuery) *client.HarborQuery { return q.Union("k", "a b") }},
		{"list comma", func(q *client.HarborQuery) *client.HarborQuery { return q.Union("k", "a,b") }},
		{"list quote", func(q *client.HarborQuery) *client.HarborQuery { return q.Intersection("k", `a"b`) }},
		{"list apostrophe", func(q *client.HarborQuery) *client.HarborQuery { return q.Intersection("k", "it's") }},
		{"list closing brace", func(q *client.HarborQuery) *client.HarborQuery { return q.Union("k", "a}") }},
		{"list closing paren", func(q *client.HarborQuery) *client.HarborQuery { return q.Intersection("k", "a)") }},
		{"list empty string", func(q *client.HarborQuery) *client.HarborQuery { return q.Union("k", 1, "") }},
		{"list no values", func(q *client.HarborQuery) *client.HarborQuery { return q.Union("k") }},
		{"intersection no values", func(q *client.HarborQuery) *client.HarborQuery { return q.Intersection("k") }},
		{"list float", func(q *client.HarborQuery) *client.HarborQuery { return q.Union("k", 1.5) }},
		{"range no bounds", func(q *client.HarborQuery) *client.HarborQuery { return q.Range("k", nil, nil) }},
		{"range tilde", func(q *client.HarborQuery) *client.HarborQuery { return q.Range("k", "a~b", nil) }},
		{"range space", func(q *client.HarborQuery) *client.HarborQuery { return q.Range("k", nil, "a b") }},
		{"range bracket", func(q *client.HarborQuery) *client.HarborQuery { return q.Range("k", "a]", nil) }},
		{"range empty string", func(q *client.HarborQuery) *client.HarborQuery { return q.Range("k", "", 5) }},
		{"range unsupported type", func(q *client.HarborQuery) *client.HarborQuery { return q.Range("k", uint(1), nil) }},
		{"duplicate key", func(q *client.HarborQuery) *client.HarborQuery { return q.Exact("k", "a").Fuzzy("k", "b") }},
		{"duplicate key across kinds", func(q *client.HarborQuery) *client.HarborQuery { return q.Range("k", 1, 2).Union("k", 3) }},
		{"empty key", func(q *client.HarborQuery) *client.HarborQuery { return q.Exact("", "a") }},
		{"key with =", func(q *client.HarborQuery) *client.HarborQuery { return q.Exact("a=b", "a") }},
		{"key with comma", func(q *client.HarborQuery) *client.HarborQuery { return q.Exact("a,b", "a") }},
		{"key with space", func(q *client.HarborQuery) *client.HarborQuery { return q.Exact("a b", "a") }},
		{"first error kept", func(q *client.HarborQuery) *client.HarborQuery {
			return q.Exact("k", "a,b").Exact("ok", "fine").Fuzzy("x", "y")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := tc.build(client.NewHarborQuery()).Build()
			if !errors.Is(err, client.ErrInvalidQuery) || q != "" {
				t.Errorf("Build = %q, %v; want \"\" and an error wrapping ErrInvalidQuery", q, err)
			}
		})
	}
}

func TestHarborQuery_ZeroValue(t *testing.T) {
	var hq client.HarborQuery
	q, err := hq.Exact("a", "1").Union("b", 2).Build()
	if err != nil || q != "a=1,b={2}" {
		t.Errorf("Build = %q, %v", q, err)
	}
}

// ---------------------------------------------------------------------------
// Round-trip properties: whatever the builder accepts, Harbor's parser
// recovers exactly; whatever it refuses wraps ErrInvalidQuery.
// ---------------------------------------------------------------------------

// hqTerm is one randomly generated builder call.
type hqTerm struct {
	kind   int // 0 exact, 1 fuzzy, 2 range, 3 union, 4 intersection
	key    string
	s      string
	lo, hi any
	vs     []any
}

func (tm hqTerm) apply(q *client.HarborQuery) *client.HarborQuery {
	switch tm.kind {
	case 0:
		return q.Exact(tm.key, tm.s)
	case 1:
		return q.Fuzzy(tm.key, tm.s)
	case 2:
		return q.Range(tm.key, tm.lo, tm.hi)
	case 3:
		return q.Union(tm.key, tm.vs...)
	default:
		return q.Intersection(tm.key, tm.vs...)
	}
}

func (tm hqTerm) want() any {
	switch tm.kind {
	case 0:
		return hqExact(tm.s)
	case 1:
		return hqFuzzy(tm.s)
	case 2:
		var r hqRange
		if tm.lo != nil {
			r.Min = hqWant(tm.lo)
		}
		if tm.hi != nil {
			r.Max = hqWant(tm.hi)
		}
		return r
	}
	var vs []any
	for _, v := range tm.vs {
		vs = append(vs, hqWant(v))
	}
	if tm.kind == 3 {
		return hqOr(vs)
	}
	return hqAnd(vs)
}

// Alphabets: safe characters are accepted everywhere they are drawn;
// hostile ones include every separator and quote.
const (
	hqSafe    = "abcXYZ019_-.:@/!#$&*;<>?|^`%+=~[{(\\éü日"
	hqHostile = hqSafe + ` ,"'})]` + "\t"
)

func hqString(r *rand.Rand, alphabet string, maxLen int, drop string) string {
	runes := []rune(alphabet)
	var b strings.Builder
	for n := 1 + r.IntN(maxLen); b.Len() < n; {
		c := runes[r.IntN(len(runes))]
		if !strings.ContainsRune(drop, c) {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func hqListValue(r *rand.Rand, alphabet, drop string) any {
	switch r.IntN(4) {
	case 0:
		return r.IntN(2000) - 1000
	case 1:
		return int64(r.Int64N(1<<40) - 1<<39)
	case 2:
		return time.Unix(r.Int64N(4e9), r.Int64N(1e9)).In(time.FixedZone("X", (r.IntN(27)-13)*3600))
	}
	return hqString(r, alphabet, 8, drop)
}

// hqRandomTerm draws a term; with the safe alphabet it is always valid.
func hqRandomTerm(r *rand.Rand, alphabet string) hqTerm {
	tm := hqTerm{kind: r.IntN(5)}
	switch tm.kind {
	case 0, 1:
		tm.s = hqString(r, alphabet, 12, "")
	case 2:
		drop := "~" // a range string may not hold the range separator
		if alphabet == hqSafe {
			drop = `~]})"'`
		}
		if r.IntN(3) > 0 {
			tm.lo = hqListValue(r, alphabet, drop)
		}
		if tm.lo == nil || r.IntN(3) > 0 {
			tm.hi = hqListValue(r, alphabet, drop)
		}
	default:
		drop := ""
		if alphabet == hqSafe {
			drop = `}])"'`
		}
		for n := 1 + r.IntN(4); len(tm.vs) < n; {
			tm.vs = append(tm.vs, hqListValue(r, alphabet, drop))
		}
	}
	return tm
}

func hqRandomQuery(r *rand.Rand, alphabet string) ([]hqTerm, map[string]any) {
	var terms []hqTerm
	want := map[string]any{}
	for n := 1 + r.IntN(4); len(terms) < n; {
		tm := hqRandomTerm(r, alphabet)
		tm.key = hqString(r, alphabet, 6, "=, ")
		if _, dup := want[tm.key]; dup {
			continue
		}
		terms = append(terms, tm)
		want[tm.key] = tm.want()
	}
	return terms, want
}

func TestHarborQuery_RoundTripProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		terms, want := hqRandomQuery(r, hqSafe)
		q := client.NewHarborQuery()
		for _, tm := range terms {
			q = tm.apply(q)
		}
		s, err := q.Build()
		if err != nil {
			t.Fatalf("case %d: %+v refused: %v", i, terms, err)
		}
		hqRoundTrip(t, s, want)
		if t.Failed() {
			t.Fatalf("case %d: terms %+v", i, terms)
		}
	}
}

// With hostile input the builder may refuse, but never produces a q that
// Harbor reads differently.
func TestHarborQuery_HostileProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	accepted, refused := 0, 0
	for i := range 5000 {
		terms, want := hqRandomQuery(r, hqHostile)
		q := client.NewHarborQuery()
		for _, tm := range terms {
			q = tm.apply(q)
		}
		s, err := q.Build()
		if err != nil {
			if !errors.Is(err, client.ErrInvalidQuery) {
				t.Fatalf("case %d: error %v does not wrap ErrInvalidQuery", i, err)
			}
			refused++
			continue
		}
		accepted++
		hqRoundTrip(t, s, want)
		if t.Failed() {
			t.Fatalf("case %d: terms %+v", i, terms)
		}
	}
	if accepted < 100 || refused < 100 {
		t.Errorf("accepted %d, refused %d: the generator is not exercising both sides", accepted, refused)
	}
}

// FuzzHarborQuery: for any key and string value, each kind of term either
// round-trips exactly or is refused with ErrInvalidQuery.
func FuzzHarborQuery(f *testing.F) {
	for _, s := range []string{"alice", "a%41+b", "~x", `\`, "a,b", "a b", `"q"`, "", "[1~2]", "%zz", "é"} {
		f.Add("username", s)
		f.Add("k%+", s)
	}
	f.Fuzz(func(t *testing.T, key, value string) {
		if !utf8.ValidString(key) || !utf8.ValidString(value) {
			t.Skip()
		}
		for kind := range 5 {
			tm := hqTerm{kind: kind, key: key, s: value, lo: value, vs: []any{value, 1}}
			s, err := tm.apply(client.NewHarborQuery()).Build()
			if err != nil {
				if !errors.Is(err, client.ErrInvalidQuery) {
					t.Fatalf("kind %d: %v does not wrap ErrInvalidQuery", kind, err)
				}
				continue
			}
			hqRoundTrip(t, s, map[string]any{key: tm.want()})
		}
	})
}

// The q string survives the generated client's query encoding: after Go's
// own query decoding the server sees exactly what the builder produced, and
// Harbor's parser then recovers the terms.
func TestHarborQuery_ThroughListUsers(t *testing.T) {
	h, mux := harborSetup(t)
	var gotQ string
	mux.HandleFunc("/users", func(w http.ResponseWriter, r *http.Request) {
		vals := r.URL.Query()["q"]
		if len(vals) != 1 {
			t.Errorf("q values %q in %q", vals, r.URL.RawQuery)
		}
		gotQ = vals[0]
		harborEcho(w, r)
		w.Header().Set("X-Total-Count", "0")
		mtWriteJSON(w, 200, `[]`)
	})
	r := rand.New(rand.NewPCG(5, 6))
	check := func(s string, want map[string]any) {
		t.Helper()
		if _, _, err := h.ListUsers(context.Background(), &harbor.ListUsersParams{Q: &s}); err != nil {
			t.Fatal(err)
		}
		if gotQ != s {
			t.Errorf("server saw q %q, builder produced %q", gotQ, s)
		}
		hqRoundTrip(t, gotQ, want)
	}
	s, err := client.NewHarborQuery().Exact("email", "a+b%41@x.com").Fuzzy("realname", "50% & co=1#x").
		Range("creation_time", hqT1, nil).Union("username", "a%b", "c+d").Build()
	if err != nil {
		t.Fatal(err)
	}
	check(s, map[string]any{
		"email": hqExact("a+b%41@x.com"), "realname": hqFuzzy("50% & co=1#x"),
		"creation_time": hqRange{Min: hqT1, Max: nil}, "username": hqOr{"a%b", "c+d"},
	})
	for range 200 {
		terms, want := hqRandomQuery(r, hqSafe)
		q := client.NewHarborQuery()
		for _, tm := range terms {
			q = tm.apply(q)
		}
		s, err := q.Build()
		if err != nil {
			t.Fatal(err)
		}
		check(s, want)
	}
}
