// Paging: the iterator driver every list iterator shares, and the parser
// of Harbor's Link header.

package client

import (
	"context"
	"iter"
	"strings"
)

// paginate yields the items of successive pages. fetch returns one page and
// whether another follows. Only one page is held at a time, and breaking out
// of the loop stops fetching.
func paginate[T any](ctx context.Context, fetch func(ctx context.Context) ([]T, bool, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			if err := ctx.Err(); err != nil {
				var zero T
				yield(zero, err)
				return
			}
			items, more, err := fetch(ctx)
			// Items that arrived with an error are still yielded first.
			for i := range items {
				if !yield(items[i], nil) {
					return
				}
			}
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			if !more {
				return
			}
		}
	}
}

// parseLink parses an RFC 8288 Link header such as Harbor's
// `</api/v2.0/users?page=1&page_size=10>; rel="prev" , </api/v2.0/users?page=3&page_size=10>; rel="next"`
// into a map from relation type to target. Malformed entries are skipped.
func parseLink(header string) map[string]string {
	links := map[string]string{}
	for len(header) > 0 {
		header = strings.TrimLeft(header, " ,\t")
		if !strings.HasPrefix(header, "<") {
			// Skip to the next entry.
			i := strings.Index(header, ",")
			if i < 0 {
				break
			}
			header = header[i+1:]
			continue
		}
		end := strings.Index(header, ">")
		if end < 0 {
			break
		}
		target := header[1:end]
		rest := header[end+1:]
		next := len(rest)
		// Parameters run to the next "," that starts a new <...> entry.
		for i := 0; i < len(rest); i++ {
			if rest[i] == ',' && strings.HasPrefix(strings.TrimLeft(rest[i+1:], " \t"), "<") {
				next = i
				break
			}
		}
		for param := range strings.SplitSeq(rest[:next], ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(param), "=")
			if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
				continue
			}
			for rel := range strings.FieldsSeq(strings.Trim(strings.TrimSpace(v), `"`)) {
				if _, dup := links[strings.ToLower(rel)]; !dup {
					links[strings.ToLower(rel)] = target
				}
			}
		}
		header = rest[next:]
	}
	return links
}
