package harborfake

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/userapis/userapis-go/internal/harborq"
)

// Filtering and sorting users for listUsers and searchUsers: the columns
// of Harbor's harbor_user table that q and sort may name, q's keywords
// (parsed by internal/harborq, the one q grammar) compiled into
// predicates, the sort order, and the Link header.

// ---- columns ---------------------------------------------------------------

type kind int

const (
	kindInt kind = iota
	kindString
	kindBool
	kindTime
)

// column is a column of Harbor's harbor_user table that q and sort may
// name, by column name or by the Go field name of Harbor's model.
type column struct {
	name string
	kind kind
	get  func(u *userRow) any // nil means SQL NULL
	cmp  func(a, b *userRow) int
}

var columns = func() map[string]*column {
	str := func(f func(u *userRow) string) func(a, b *userRow) int {
		return func(a, b *userRow) int { return strings.Compare(f(a), f(b)) }
	}
	cols := []struct {
		column, field string
		c             column
	}{
		{"user_id", "UserID", column{kind: kindInt,
			get: func(u *userRow) any { return u.id },
			cmp: func(a, b *userRow) int { return cmpInt64(a.id, b.id) }}},
		{"username", "Username", column{kind: kindString,
			get: func(u *userRow) any { return u.username },
			cmp: str(func(u *userRow) string { return u.username })}},
		{"email", "Email", column{kind: kindString,
			get: func(u *userRow) any {
				if u.email == "" {
					return nil // Harbor stores a missing email as NULL
				}
				return u.email
			},
			cmp: func(a, b *userRow) int {
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
		{"realname", "Realname", column{kind: kindString,
			get: func(u *userRow) any { return u.realname },
			cmp: str(func(u *userRow) string { return u.realname })}},
		{"comment", "Comment", column{kind: kindString,
			get: func(u *userRow) any { return u.comment },
			cmp: str(func(u *userRow) string { return u.comment })}},
		{"sysadmin_flag", "SysAdminFlag", column{kind: kindBool,
			get: func(u *userRow) any { return u.sysAdmin },
			cmp: func(a, b *userRow) int { return compare(a.sysAdmin, b.sysAdmin) }}},
		{"creation_time", "CreationTime", column{kind: kindTime,
			get: func(u *userRow) any { return u.created },
			cmp: func(a, b *userRow) int { return a.created.Compare(b.created) }}},
		{"update_time", "UpdateTime", column{kind: kindTime,
			get: func(u *userRow) any { return u.updated },
			cmp: func(a, b *userRow) int { return a.updated.Compare(b.updated) }}},
	}
	m := map[string]*column{}
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

// lookupColumn finds a column by name, then by the snake case of the
// name, as Harbor's ORM does.
func lookupColumn(name string) *column {
	if c := columns[name]; c != nil {
		return c
	}
	return columns[snake(name)]
}

// snake converts CamelCase to snake_case the way Harbor's ORM does.
func snake(s string) string {
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

type predicate func(u *userRow) bool

// compileFilter turns one keyword into a predicate, or nil when the
// server ignores the keyword (unknown column, intersection list, "deleted",
// which the server always sets to false itself). Values that the database
// would refuse (user_id=abc) give the server's 500.
func compileFilter(key string, value any) (predicate, error) {
	col, op, _ := strings.Cut(key, "__")
	if col == "username_or_email" || col == "UsernameOrEmail" || snake(col) == "username_or_email" {
		x, ok := value.(harborq.Exact)
		if !ok {
			return nil, nil
		}
		s := string(x)
		return func(u *userRow) bool { return u.username == s || (u.email != "" && u.email == s) }, nil
	}
	c := lookupColumn(col)
	if c == nil {
		return nil, nil
	}
	switch v := value.(type) {
	case harborq.And:
		return nil, nil
	case harborq.Fuzzy:
		if op != "" {
			return nil, internalError()
		}
		needle := strings.ToLower(string(v))
		return func(u *userRow) bool {
			x := c.get(u)
			return x != nil && strings.Contains(strings.ToLower(text(x)), needle)
		}, nil
	case harborq.Range:
		if op != "" {
			return nil, internalError()
		}
		var lo, hi any
		var err error
		if v.Min != nil {
			if lo, err = coerce(v.Min, c.kind); err != nil {
				return nil, err
			}
		}
		if v.Max != nil {
			if hi, err = coerce(v.Max, c.kind); err != nil {
				return nil, err
			}
		}
		return func(u *userRow) bool {
			x := c.get(u)
			if x == nil {
				return false
			}
			return (lo == nil || compare(x, lo) >= 0) && (hi == nil || compare(x, hi) <= 0)
		}, nil
	case harborq.Or:
		if op != "" {
			return nil, internalError()
		}
		want := make([]any, 0, len(v))
		for _, m := range v {
			cv, err := coerce(m, c.kind)
			if err != nil {
				return nil, err
			}
			want = append(want, cv)
		}
		return func(u *userRow) bool {
			x := c.get(u)
			if x == nil {
				return false
			}
			for _, w := range want {
				if compare(x, w) == 0 {
					return true
				}
			}
			return false
		}, nil
	case harborq.Exact:
		return compileOp(c, op, string(v))
	}
	return nil, internalError()
}

// compileOp applies an exact value with an optional ORM operator
// suffix (user_id__gt=5, username__istartswith=a), as the server passes the
// key to its ORM unchanged.
func compileOp(c *column, op, v string) (predicate, error) {
	text := func(f func(x, v string) bool, fold bool) (predicate, error) {
		want := v
		if fold {
			want = strings.ToLower(v)
		}
		return func(u *userRow) bool {
			x := c.get(u)
			if x == nil {
				return false
			}
			s := text(x)
			if fold {
				s = strings.ToLower(s)
			}
			return f(s, want)
		}, nil
	}
	cmp := func(ok func(int) bool) (predicate, error) {
		want, err := coerce(v, c.kind)
		if err != nil {
			return nil, err
		}
		return func(u *userRow) bool {
			x := c.get(u)
			return x != nil && ok(compare(x, want))
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
		b, err := coerce(v, kindBool)
		if err != nil {
			return nil, err
		}
		return func(u *userRow) bool { return (c.get(u) == nil) == b.(bool) }, nil
	}
	return nil, internalError()
}

// text is a value as PostgreSQL prints it in ::text.
func text(x any) string {
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

// coerce converts a q value to a column's type as PostgreSQL would
// read the parameter (lib/pq sends every parameter as text); a value the
// database refuses is the server's 500.
func coerce(v any, kind kind) (any, error) {
	if t, ok := v.(time.Time); ok {
		if kind == kindTime {
			return wall(t), nil
		}
		v = t.Format("2006-01-02 15:04:05.999999999Z07:00")
	}
	s := text(v)
	switch kind {
	case kindString:
		return s, nil
	case kindInt:
		i, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, internalError()
		}
		return i, nil
	case kindBool:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "t", "true", "y", "yes", "on", "1":
			return true, nil
		case "f", "false", "n", "no", "off", "0":
			return false, nil
		}
		return nil, internalError()
	case kindTime:
		s = strings.TrimSpace(s)
		for _, layout := range []string{
			"2006-01-02 15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999Z07:00",
			"2006-01-02 15:04:05.999999999Z07", "2006-01-02 15:04:05.999999999",
			"2006-01-02T15:04:05.999999999", "2006-01-02 15:04", "2006-01-02",
		} {
			if t, err := time.Parse(layout, s); err == nil {
				return wall(t), nil
			}
		}
		return nil, internalError()
	}
	return nil, internalError()
}

// wall keeps the wall clock of t in UTC: Harbor's columns are
// timestamps without time zone, which ignore a zone in their input.
func wall(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// compare compares two values of the same column type.
func compare(a, b any) int {
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

type sortKey struct {
	col  *column
	desc bool
}

// parseSort reads sort=k1,-k2. An empty sort is the server's default,
// username ascending; ties are broken by user_id. A key that is not a
// sortable column is refused with 400.
func parseSort(s string) ([]sortKey, string, error) {
	if s == "" {
		return []sortKey{{col: columns["username"]}}, "username", nil
	}
	var sorts []sortKey
	var canon []string
	for _, part := range strings.Split(s, ",") {
		key, desc := strings.CutPrefix(part, "-")
		c := lookupColumn(key)
		if c == nil {
			// Harbor's ORM skips keys that are not sortable (lib/orm/query.go
			// setSorts) rather than failing the request.
			continue
		}
		sorts = append(sorts, sortKey{col: c, desc: desc})
		if desc {
			canon = append(canon, "-"+c.name)
		} else {
			canon = append(canon, c.name)
		}
	}
	if len(sorts) == 0 {
		return []sortKey{{col: columns["username"]}}, "username", nil
	}
	return sorts, strings.Join(canon, ","), nil
}

// compareUsers orders users by sorts (NULLs last ascending, first
// descending, as PostgreSQL does), then by id.
func compareUsers(sorts []sortKey, a, b *userRow) int {
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

// links builds the Link header as Harbor does: the request's own URL
// (path and query, query re-encoded with sorted keys and then unescaped)
// with page and page_size replaced, "prev" when page > 1 and the previous
// page has items, "next" when page*page_size < total, joined by " , ".
func links(u url.URL, total, page, size int64) string {
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
