// The builder of Harbor's q query parameter: exact, fuzzy, range, union
// and intersection terms, escaped so that the server parses back exactly
// what was built (tested against internal/harborq).

package client

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// HarborQuery builds Harbor's `q` filter: k=v (exact), k=~v (fuzzy),
// k=[min~max] (range), k={v1 v2} (union), k=(v1 v2) (intersection), joined
// by commas.
//
// Harbor splits q on "," and list values on " " after URL-unescaping the
// whole string once more (src/lib/q/builder.go), and there is no escape for
// either separator. The builder therefore refuses values that would be cut
// apart, percent-escapes "%" and "+" so that the server's extra unescape
// restores them, prefixes an exact value that starts with an operator
// character with the server's "\" escape, and quotes string list and range
// values so that "42" stays a string. A zero HarborQuery is empty and ready
// to use; its methods chain and the first error is reported by Build.
type HarborQuery struct {
	terms []string
	keys  map[string]bool
	err   error
}

// NewHarborQuery returns an empty query.
func NewHarborQuery() *HarborQuery { return &HarborQuery{} }

// ErrInvalidQuery is wrapped by every error the query builder reports.
var ErrInvalidQuery = errors.New("invalid harbor query")

func (q *HarborQuery) fail(format string, args ...any) *HarborQuery {
	if q.err == nil {
		q.err = fmt.Errorf("%w: %s", ErrInvalidQuery, fmt.Sprintf(format, args...))
	}
	return q
}

func (q *HarborQuery) add(key, value string) *HarborQuery {
	if q.err != nil {
		return q
	}
	if key == "" || strings.ContainsAny(key, "=, ") {
		return q.fail("key %q must be non-empty without '=', ',' or spaces", key)
	}
	if q.keys == nil {
		q.keys = map[string]bool{}
	}
	if q.keys[key] {
		return q.fail("key %q given twice (Harbor keeps only the last)", key)
	}
	q.keys[key] = true
	// The server's extra unescape applies to the whole q, keys included.
	q.terms = append(q.terms, escapeServer(key)+"="+value)
	return q
}

// escapeServer protects characters the server's second URL-unescape would
// change.
func escapeServer(v string) string {
	return strings.NewReplacer("%", "%25", "+", "%2B").Replace(v)
}

// Exact matches key equal to value.
func (q *HarborQuery) Exact(key, value string) *HarborQuery {
	if value == "" || strings.Contains(value, ",") {
		return q.fail("exact value for %q must be non-empty and without ','", key)
	}
	v := escapeServer(value)
	if strings.ContainsAny(value[:1], `~[{(\`) {
		v = `\` + v
	}
	return q.add(key, v)
}

// Fuzzy matches key containing value.
func (q *HarborQuery) Fuzzy(key, value string) *HarborQuery {
	if value == "" || strings.Contains(value, ",") {
		return q.fail("fuzzy value for %q must be non-empty and without ','", key)
	}
	return q.add(key, "~"+escapeServer(value))
}

// Range matches min <= key <= max. Either bound may be nil (open); each is
// an integer, a time.Time (sent as 2006-01-02T15:04:05 UTC, so years
// 0000-9999 only) or a string.
func (q *HarborQuery) Range(key string, minV, maxV any) *HarborQuery {
	if minV == nil && maxV == nil {
		return q.fail("range for %q needs a bound", key)
	}
	lo, err := listValue(minV, "~")
	if err != nil {
		return q.fail("range min for %q: %v", key, err)
	}
	hi, err := listValue(maxV, "~")
	if err != nil {
		return q.fail("range max for %q: %v", key, err)
	}
	return q.add(key, "["+lo+"~"+hi+"]")
}

// Union matches key equal to any of values.
func (q *HarborQuery) Union(key string, values ...any) *HarborQuery {
	return q.list(key, "{", "}", values)
}

// Intersection matches key having all of values.
func (q *HarborQuery) Intersection(key string, values ...any) *HarborQuery {
	return q.list(key, "(", ")", values)
}

func (q *HarborQuery) list(key, open, closing string, values []any) *HarborQuery {
	if len(values) == 0 {
		return q.fail("list for %q needs a value", key)
	}
	parts := make([]string, 0, len(values))
	for _, v := range values {
		s, err := listValue(v, "")
		if err != nil {
			return q.fail("list value for %q: %v", key, err)
		}
		parts = append(parts, s)
	}
	return q.add(key, open+strings.Join(parts, " ")+closing)
}

// listValue renders a range bound or list member. Strings are quoted, since
// the server turns unquoted digits into integers and trims quotes.
func listValue(v any, forbidden string) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case time.Time:
		// Harbor reads a time only with a four-digit year; any other
		// would reach the server as a string.
		if y := x.UTC().Year(); y < 0 || y > 9999 {
			return "", fmt.Errorf("time %s is outside the years 0000-9999", x.UTC().Format(time.RFC3339))
		}
		return x.UTC().Format("2006-01-02T15:04:05"), nil
	case string:
		if x == "" || strings.ContainsAny(x, `, "'`+forbidden+"})]") {
			return "", fmt.Errorf("string %q must be non-empty without spaces, quotes, ',' or closing brackets", x)
		}
		return `"` + escapeServer(x) + `"`, nil
	}
	return "", fmt.Errorf("unsupported value type %T", v)
}

// Build returns the q string, or the first error.
func (q *HarborQuery) Build() (string, error) {
	if q.err != nil {
		return "", q.err
	}
	return strings.Join(q.terms, ","), nil
}
