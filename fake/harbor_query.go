package fake

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// The q grammar of Harbor (src/lib/q), parsed the way the server does: the
// whole q is URL-unescaped once more, split on ",", and each k=v is exact
// (a leading "\" is dropped), k=~v fuzzy, k=[min~max] a range, k={a b} a
// union, k=(a b) an intersection. Range bounds and list members are a time
// (2006-01-02T15:04:05), else an integer, else a string with surrounding
// quotes trimmed. A key given twice keeps its last value.

type (
	harborFuzzy   struct{ value string }
	harborRange   struct{ min, max any } // nil = open
	harborOrList  struct{ values []any }
	harborAndList struct{ values []any }
)

func harborParseQ(q string) (map[string]any, error) {
	kw := map[string]any{}
	if q == "" {
		return kw, nil
	}
	if un, err := url.QueryUnescape(q); err == nil {
		q = un
	}
	for _, param := range strings.Split(q, ",") {
		k, v, ok := strings.Cut(param, "=")
		if !ok || k == "" || v == "" {
			return nil, harborBadRequestf(`the query string must contain "=" and the key/value cannot be empty`)
		}
		val, ok := harborParsePattern(v)
		if !ok {
			return nil, harborBadRequestf("invalid query string value: %s", v)
		}
		kw[k] = val
	}
	return kw, nil
}

func harborParsePattern(v string) (any, bool) {
	last := v[len(v)-1]
	switch v[0] {
	case '~':
		if len(v) < 2 {
			return nil, false
		}
		return harborFuzzy{value: v[1:]}, true
	case '[':
		if last != ']' || strings.Count(v, "~") != 1 {
			return nil, false
		}
		lo, hi, _ := strings.Cut(v[1:len(v)-1], "~")
		lo, hi = strings.TrimSpace(lo), strings.TrimSpace(hi)
		if lo == "" && hi == "" {
			return nil, false
		}
		r := harborRange{}
		if lo != "" {
			r.min = harborParseValue(lo)
		}
		if hi != "" {
			r.max = harborParseValue(hi)
		}
		return r, true
	case '{':
		if last != '}' {
			return nil, false
		}
		return harborOrList{values: harborParseList(v)}, true
	case '(':
		if last != ')' {
			return nil, false
		}
		return harborAndList{values: harborParseList(v)}, true
	}
	return strings.TrimPrefix(v, `\`), true
}

func harborParseList(v string) []any {
	var out []any
	for _, s := range strings.Split(v[1:len(v)-1], " ") {
		val := harborParseValue(s)
		if str, ok := val.(string); ok && str == "" {
			continue
		}
		out = append(out, val)
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

// ---- columns ---------------------------------------------------------------

type harborKind int

const (
	harborInt harborKind = iota
	harborString
	harborBool
	harborTime
)

// harborColumn is a column of Harbor's harbor_user table that q and sort may
// name, by column name or by the Go field name of Harbor's model.
type harborColumn struct {
	name string
	kind harborKind
	get  func(u *harborUser) any // nil means SQL NULL
	cmp  func(a, b *harborUser) int
}

var harborColumns = func() map[string]*harborColumn {
	str := func(f func(u *harborUser) string) func(a, b *harborUser) int {
		return func(a, b *harborUser) int { return strings.Compare(f(a), f(b)) }
	}
	cols := []struct {
		column, field string
		c             harborColumn
	}{
		{"user_id", "UserID", harborColumn{kind: harborInt,
			get: func(u *harborUser) any { return u.id },
			cmp: func(a, b *harborUser) int { return cmpInt64(a.id, b.id) }}},
		{"username", "Username", harborColumn{kind: harborString,
			get: func(u *harborUser) any { return u.username },
			cmp: str(func(u *harborUser) string { return u.username })}},
		{"email", "Email", harborColumn{kind: harborString,
			get: func(u *harborUser) any {
				if u.email == "" {
					return nil // Harbor stores a missing email as NULL
				}
				return u.email
			},
			cmp: func(a, b *harborUser) int {
				switch {
				case a.email == "" && b.email == "":
					return 0
				case a.email == "":
					return 1 // NULL sorts as the largest value
				case b.email == "":
					return -1
				}
				return strings.Compare(a.email, b.email)
			}}},
		{"realname", "Realname", harborColumn{kind: harborString,
			get: func(u *harborUser) any { return u.realname },
			cmp: str(func(u *harborUser) string { return u.realname })}},
		{"comment", "Comment", harborColumn{kind: harborString,
			get: func(u *harborUser) any { return u.comment },
			cmp: str(func(u *harborUser) string { return u.comment })}},
		{"sysadmin_flag", "SysAdminFlag", harborColumn{kind: harborBool,
			get: func(u *harborUser) any { return u.sysAdmin },
			cmp: func(a, b *harborUser) int { return harborCmp(a.sysAdmin, b.sysAdmin) }}},
		{"creation_time", "CreationTime", harborColumn{kind: harborTime,
			get: func(u *harborUser) any { return u.created },
			cmp: func(a, b *harborUser) int { return a.created.Compare(b.created) }}},
		{"update_time", "UpdateTime", harborColumn{kind: harborTime,
			get: func(u *harborUser) any { return u.updated },
			cmp: func(a, b *harborUser) int { return a.updated.Compare(b.updated) }}},
	}
	m := map[string]*harborColumn{}
	for _, c := range cols {
		col := c.c
		col.name = c.column
		m[c.column], m[c.field] = &col, &col
	}
	return m
}()

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// harborLookupColumn finds a column by name, then by the snake case of the
// name, as Harbor's ORM does.
func harborLookupColumn(name string) *harborColumn {
	if c := harborColumns[name]; c != nil {
		return c
	}
	return harborColumns[harborSnake(name)]
}

// harborSnake converts CamelCase to snake_case the way Harbor's ORM does.
func harborSnake(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if i > 0 && unicode.IsUpper(r) &&
			((i+1 < len(rs) && unicode.IsLower(rs[i+1])) || unicode.IsLower(rs[i-1])) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// ---- filters ---------------------------------------------------------------

type harborPred func(u *harborUser) bool

// harborCompileFilter turns one keyword into a predicate, or nil when the
// server ignores the keyword (unknown column, intersection list, "deleted",
// which the server always sets to false itself). Values that the database
// would refuse (user_id=abc) give the server's 500.
func harborCompileFilter(key string, value any) (harborPred, error) {
	col, op, _ := strings.Cut(key, "__")
	if col == "username_or_email" || col == "UsernameOrEmail" || harborSnake(col) == "username_or_email" {
		s, ok := value.(string)
		if !ok {
			return nil, nil
		}
		return func(u *harborUser) bool { return u.username == s || (u.email != "" && u.email == s) }, nil
	}
	c := harborLookupColumn(col)
	if c == nil {
		return nil, nil
	}
	switch v := value.(type) {
	case harborAndList:
		return nil, nil
	case harborFuzzy:
		if op != "" {
			return nil, harborInternal()
		}
		needle := strings.ToLower(v.value)
		return func(u *harborUser) bool {
			x := c.get(u)
			return x != nil && strings.Contains(strings.ToLower(harborText(x)), needle)
		}, nil
	case harborRange:
		if op != "" {
			return nil, harborInternal()
		}
		var lo, hi any
		var err error
		if v.min != nil {
			if lo, err = harborCoerce(v.min, c.kind); err != nil {
				return nil, err
			}
		}
		if v.max != nil {
			if hi, err = harborCoerce(v.max, c.kind); err != nil {
				return nil, err
			}
		}
		return func(u *harborUser) bool {
			x := c.get(u)
			if x == nil {
				return false
			}
			return (lo == nil || harborCmp(x, lo) >= 0) && (hi == nil || harborCmp(x, hi) <= 0)
		}, nil
	case harborOrList:
		if op != "" {
			return nil, harborInternal()
		}
		want := make([]any, 0, len(v.values))
		for _, m := range v.values {
			cv, err := harborCoerce(m, c.kind)
			if err != nil {
				return nil, err
			}
			want = append(want, cv)
		}
		return func(u *harborUser) bool {
			x := c.get(u)
			if x == nil {
				return false
			}
			for _, w := range want {
				if harborCmp(x, w) == 0 {
					return true
				}
			}
			return false
		}, nil
	case string:
		return harborCompileOp(c, op, v)
	}
	return nil, harborInternal()
}

// harborCompileOp applies an exact value with an optional ORM operator
// suffix (user_id__gt=5, username__istartswith=a), as the server passes the
// key to its ORM unchanged.
func harborCompileOp(c *harborColumn, op, v string) (harborPred, error) {
	text := func(f func(x, v string) bool, fold bool) (harborPred, error) {
		want := v
		if fold {
			want = strings.ToLower(v)
		}
		return func(u *harborUser) bool {
			x := c.get(u)
			if x == nil {
				return false
			}
			s := harborText(x)
			if fold {
				s = strings.ToLower(s)
			}
			return f(s, want)
		}, nil
	}
	cmp := func(ok func(int) bool) (harborPred, error) {
		want, err := harborCoerce(v, c.kind)
		if err != nil {
			return nil, err
		}
		return func(u *harborUser) bool {
			x := c.get(u)
			return x != nil && ok(harborCmp(x, want))
		}, nil
	}
	switch op {
	case "", "exact", "in":
		return cmp(func(n int) bool { return n == 0 })
	case "gt":
		return cmp(func(n int) bool { return n > 0 })
	case "gte":
		return cmp(func(n int) bool { return n >= 0 })
	case "lt":
		return cmp(func(n int) bool { return n < 0 })
	case "lte":
		return cmp(func(n int) bool { return n <= 0 })
	case "iexact":
		return text(func(x, v string) bool { return x == v }, true)
	case "contains", "icontains":
		return text(strings.Contains, op == "icontains")
	case "startswith", "istartswith":
		return text(strings.HasPrefix, op == "istartswith")
	case "endswith", "iendswith":
		return text(strings.HasSuffix, op == "iendswith")
	case "isnull":
		b, err := harborCoerce(v, harborBool)
		if err != nil {
			return nil, err
		}
		return func(u *harborUser) bool { return (c.get(u) == nil) == b.(bool) }, nil
	}
	return nil, harborInternal()
}

// harborText is a value as PostgreSQL prints it in ::text.
func harborText(x any) string {
	switch v := x.(type) {
	case int64:
		return strconv.FormatInt(v, 10)
	case bool:
		return strconv.FormatBool(v)
	case time.Time:
		return v.UTC().Format("2006-01-02 15:04:05.999999")
	case string:
		return v
	}
	return fmt.Sprint(x)
}

// harborCoerce converts a q value to a column's type as PostgreSQL would
// read the parameter (lib/pq sends every parameter as text); a value the
// database refuses is the server's 500.
func harborCoerce(v any, kind harborKind) (any, error) {
	if t, ok := v.(time.Time); ok {
		if kind == harborTime {
			return harborWall(t), nil
		}
		v = t.Format("2006-01-02 15:04:05.999999999Z07:00")
	}
	s := harborText(v)
	switch kind {
	case harborString:
		return s, nil
	case harborInt:
		i, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, harborInternal()
		}
		return i, nil
	case harborBool:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "t", "true", "y", "yes", "on", "1":
			return true, nil
		case "f", "false", "n", "no", "off", "0":
			return false, nil
		}
		return nil, harborInternal()
	case harborTime:
		s = strings.TrimSpace(s)
		for _, layout := range []string{
			"2006-01-02 15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999Z07:00",
			"2006-01-02 15:04:05.999999999Z07", "2006-01-02 15:04:05.999999999",
			"2006-01-02T15:04:05.999999999", "2006-01-02 15:04", "2006-01-02",
		} {
			if t, err := time.Parse(layout, s); err == nil {
				return harborWall(t), nil
			}
		}
		return nil, harborInternal()
	}
	return nil, harborInternal()
}

// harborWall keeps the wall clock of t in UTC: Harbor's columns are
// timestamps without time zone, which ignore a zone in their input.
func harborWall(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// harborCmp compares two values of the same column type.
func harborCmp(a, b any) int {
	switch x := a.(type) {
	case int64:
		return cmpInt64(x, b.(int64))
	case string:
		return strings.Compare(x, b.(string))
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case time.Time:
		return x.Compare(b.(time.Time))
	}
	return 0
}

// ---- sorting ---------------------------------------------------------------

type harborSort struct {
	col  *harborColumn
	desc bool
}

// harborParseSort reads sort=k1,-k2. An empty sort is the server's default,
// username ascending; ties are broken by user_id. A key that is not a
// sortable column is refused with 400.
func harborParseSort(s string) ([]harborSort, string, error) {
	if s == "" {
		return []harborSort{{col: harborColumns["username"]}}, "username", nil
	}
	var sorts []harborSort
	var canon []string
	for _, part := range strings.Split(s, ",") {
		key, desc := strings.CutPrefix(part, "-")
		c := harborLookupColumn(key)
		if c == nil {
			// Harbor's ORM skips keys that are not sortable (lib/orm/query.go
			// setSorts) rather than failing the request.
			continue
		}
		sorts = append(sorts, harborSort{col: c, desc: desc})
		if desc {
			canon = append(canon, "-"+c.name)
		} else {
			canon = append(canon, c.name)
		}
	}
	if len(sorts) == 0 {
		return []harborSort{{col: harborColumns["username"]}}, "username", nil
	}
	return sorts, strings.Join(canon, ","), nil
}

// harborCompareUsers orders users by sorts (NULLs last ascending, first
// descending, as PostgreSQL does), then by id.
func harborCompareUsers(sorts []harborSort, a, b *harborUser) int {
	for _, s := range sorts {
		n := s.col.cmp(a, b)
		if s.desc {
			n = -n
		}
		if n != 0 {
			return n
		}
	}
	return cmpInt64(a.id, b.id)
}

// ---- Link ------------------------------------------------------------------

// harborLinks builds the Link header as Harbor does: the request's own URL
// (path and query, query re-encoded with sorted keys and then unescaped)
// with page and page_size replaced, "prev" when page > 1 and the previous
// page has items, "next" when page*page_size < total, joined by " , ".
func harborLinks(u url.URL, total, page, size int64) string {
	if size == 0 {
		return ""
	}
	var links []string
	link := func(p int64, rel string) {
		q := u.Query()
		q.Set("page", strconv.FormatInt(p, 10))
		q.Set("page_size", strconv.FormatInt(size, 10))
		u.RawQuery = q.Encode()
		if un, err := url.QueryUnescape(u.RawQuery); err == nil {
			u.RawQuery = un
		}
		links = append(links, fmt.Sprintf(`<%s>; rel="%s"`, u.String(), rel))
	}
	if page > 1 && (page-1)*size < total {
		link(page-1, "prev")
	}
	if size*page < total {
		link(page+1, "next")
	}
	return strings.Join(links, " , ")
}
