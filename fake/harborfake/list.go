// Listing and searching users: cached sorted views of the users not
// deleted, filtered with q, paged as the real server pages.

package harborfake

import (
	"regexp"
	"slices"
	"strings"

	"github.com/userapis/userapis-go/gen/harbor"
	"github.com/userapis/userapis-go/internal/harborq"
)

// ---- listing ---------------------------------------------------------------

// view returns the users not deleted in the order of sorts, cached per
// sort until the next write; mu held.
func (s *store) view(sorts []sortKey, key string) *view {
	if v := s.views[key]; v != nil && v.version == s.version {
		return v
	}
	users := make([]*userRow, 0, len(s.users))
	for _, u := range s.users {
		users = append(users, u)
	}
	slices.SortFunc(users, func(a, b *userRow) int { return compareUsers(sorts, a, b) })
	v := &view{version: s.version, users: users, adminIdx: -1}
	for i, u := range users {
		if u.id == 1 {
			v.adminIdx = i
			break
		}
	}
	if len(s.views) > 16 {
		clear(s.views)
	}
	s.views[key] = v
	return v
}

// listQuery is a parsed listUsers or searchUsers request.
type listQuery struct {
	keywords map[string]any
	sorts    []sortKey
	sortKey  string
	page     int64
	size     int64
	noOffset bool   // searchUsers: page does not move the window
	cacheKey string // identifies keywords and sort, for the match cache
}

// list answers a listing as Harbor does: the total counts matching users
// not deleted, never the built-in admin; the page lists them in order, with
// the admin included only when the query filters on user_id (a quirk of
// Harbor's user manager); page_size <= 0 lists everything.
func (s *store) list(q listQuery) ([]*userRow, int64, error) {
	var preds []predicate
	includeAdmin := false
	for k, v := range q.keywords {
		if lk := strings.ToLower(k); lk == "user_id" || lk == "user_id__in" {
			includeAdmin = true
		}
		pred, err := compileFilter(k, v)
		if err != nil {
			return nil, 0, err
		}
		if pred != nil {
			preds = append(preds, pred)
		}
	}
	match := func(u *userRow) bool {
		for _, p := range preds {
			if !p(u) {
				return false
			}
		}
		return true
	}
	v := s.view(q.sorts, q.sortKey)
	offset, limit := int64(0), int64(-1)
	if q.size > 0 {
		limit = q.size
		if q.page > 0 && !q.noOffset {
			offset = q.size * (q.page - 1)
		}
	}
	if len(preds) == 0 {
		// fast path: no filter, so positions are known
		total := int64(len(v.users))
		if v.adminIdx >= 0 {
			total--
		}
		if total == 0 {
			return nil, 0, nil
		}
		skipAdmin := !includeAdmin && v.adminIdx >= 0
		n := int64(len(v.users))
		if skipAdmin {
			n--
		}
		end := n
		if limit >= 0 {
			end = min(n, offset+limit)
		}
		var page []*userRow
		for i := offset; i < end; i++ {
			j := i
			if skipAdmin && j >= int64(v.adminIdx) {
				j++
			}
			page = append(page, v.users[j])
		}
		return page, total, nil
	}
	m := s.matches[q.cacheKey]
	if m == nil || m.version != s.version {
		m = &matchSet{version: s.version}
		for _, u := range v.users {
			if !match(u) {
				continue
			}
			if u.id != 1 {
				m.total++
			} else if !includeAdmin {
				continue
			}
			m.users = append(m.users, u)
		}
		if len(s.matches) > 16 {
			clear(s.matches)
		}
		s.matches[q.cacheKey] = m
	}
	if m.total == 0 || offset >= int64(len(m.users)) {
		return nil, m.total, nil
	}
	end := int64(len(m.users))
	if limit >= 0 {
		end = min(end, offset+limit)
	}
	return m.users[offset:end], m.total, nil
}

func (s *store) listUsers(p *principal, rawQ, sort string, extra map[string]string, page, size int64) ([]harbor.UserResp, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireSystemAccess(p); err != nil {
		return nil, 0, err
	}
	kw, err := harborq.Parse(rawQ)
	if err != nil {
		return nil, 0, badRequestf("%s", err.Error())
	}
	sorts, key, err := parseSort(sort)
	if err != nil {
		return nil, 0, err
	}
	for k, v := range extra {
		if v != "" {
			kw[k] = harborq.Fuzzy(v)
		}
	}
	cacheKey := strings.Join([]string{"list", key, rawQ, extra["username"], extra["email"]}, "\x00")
	users, total, err := s.list(listQuery{keywords: kw, sorts: sorts, sortKey: key, page: page, size: size, cacheKey: cacheKey})
	if err != nil {
		return nil, 0, err
	}
	out := make([]harbor.UserResp, len(users))
	for i, u := range users {
		out[i] = s.resp(u, false)
	}
	return out, total, nil
}

// searchUsers is the real handler: X-Total-Count counts the fuzzy
// (case-insensitive) matches as listUsers would, but the items come from
// SearchByName, a raw `username LIKE '%name%' AND deleted = false ORDER BY
// length(username), username LIMIT page_size` with no offset. page never
// moves the items (it only shapes Link), LIKE is case-sensitive, the
// name's own % and _ are wildcards, and the built-in admin can be listed.
func (s *store) searchUsers(p *principal, username string, size int64) ([]harbor.UserSearchRespItem, int64, error) {
	if p == nil {
		return nil, 0, unauthorized() // RequireAuthenticated
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sorts, key, _ := parseSort("")
	_, total, err := s.list(listQuery{
		keywords: map[string]any{"username": harborq.Fuzzy(username)},
		sorts:    sorts, sortKey: key, size: 1,
		cacheKey: "search\x00" + username,
	})
	if err != nil || total == 0 {
		return []harbor.UserSearchRespItem{}, total, err
	}
	like := like("%" + username + "%")
	var found []*userRow
	for _, u := range s.users {
		if like.MatchString(u.username) {
			found = append(found, u)
		}
	}
	slices.SortFunc(found, func(a, b *userRow) int {
		if c := len(a.username) - len(b.username); c != 0 {
			return c
		}
		return strings.Compare(a.username, b.username)
	})
	out := make([]harbor.UserSearchRespItem, 0, min(int64(len(found)), max(size, 0)))
	for _, u := range found[:min(int64(len(found)), max(size, 0))] {
		out = append(out, harbor.UserSearchRespItem{UserID: u.id, Username: u.username})
	}
	return out, total, nil
}

// like compiles a PostgreSQL LIKE pattern (% any run, _ any one
// character, backslash escapes the next character) to an anchored regexp.
func like(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?s)^")
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		switch c := rs[i]; {
		case c == '\\' && i+1 < len(rs):
			i++
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		case c == '%':
			b.WriteString(".*")
		case c == '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}
