// The Harbor fake's state: the harbor_user table (deleted rows stay, ids
// are never reused), OIDC records, robots and settings, the seed, and who
// a request authenticates as. No HTTP here: failures are *fakekit.Error
// with the status and message the real server answers.

package harborfake

import (
	"fmt"
	"hash/crc32"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/userapis/userapis-go/gen/harbor"
)

// userRow is one row of Harbor's harbor_user table.
type userRow struct {
	id       int64
	username string
	email    string // "" is NULL
	realname string
	comment  string
	password string
	sysAdmin bool
	deleted  bool
	created  time.Time
	updated  time.Time
	oidc     *oidcMeta // only under oidc_auth, for id > 1
}

// oidcMeta is a user's row in oidc_user.
type oidcMeta struct {
	id      int64
	subiss  string
	secret  string
	created time.Time
	updated time.Time
}

// view is the users not deleted, ordered by one sort, cached until
// the next write.
type view struct {
	version  uint64
	users    []*userRow
	adminIdx int // position of user 1, -1 if absent
}

// matchSet is the result of one filtered query, in order, cached until
// the next write so that paging through it costs one scan.
type matchSet struct {
	version uint64
	users   []*userRow // matches, the admin included only when listed
	total   int64      // matches without the admin
}

// store is the fake's state. Every method takes mu.
type store struct {
	mu      sync.Mutex
	now     func() time.Time
	users   map[int64]*userRow // live users by id: what lists and searches walk
	nextID  int64              // the id sequence: never reused (deleted ids, failed inserts)
	tombs   map[int64]*userRow // the most recent deleted users (soft-deleted rows), at most maxTombstones
	tombIDs []int64            // tombs in deletion order, oldest first
	// evicted has bit id set for a deleted user dropped from tombs: the
	// real server still has its (soft-deleted) row, which an UPDATE by id
	// finds. One bit per id, so it stays small under any churn.
	evicted  []uint64
	byName   map[string]*userRow // users not deleted, by username
	byEmail  map[string]*userRow // users not deleted, by email
	version  uint64              // bumped by every write
	views    map[string]*view
	matches  map[string]*matchSet
	authMode string
	selfReg  bool
	robots   map[string]string
}

var seedTime = time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)

func newStore(now func() time.Time) *store {
	s := &store{
		now: now, byName: map[string]*userRow{}, byEmail: map[string]*userRow{},
		users: map[int64]*userRow{}, tombs: map[int64]*userRow{},
		views: map[string]*view{}, matches: map[string]*matchSet{}, authMode: AuthDB,
		robots: map[string]string{RobotName: RobotSecret},
	}
	seed := []userRow{
		// As a fresh Harbor: the built-in admin has no email.
		{username: AdminUser, realname: "system admin", comment: "admin user",
			password: AdminPassword, sysAdmin: true, created: seedTime},
		{username: "anonymous", email: "anonymous@example.com", realname: "anonymous user", comment: "anonymous user",
			deleted: true, created: seedTime},
		{username: UserName, email: "alice@example.com", realname: "Alice Liddell", comment: "QA team",
			password: UserPassword, created: seedTime.Add(25*time.Hour + 30*time.Minute)},
		{username: "bob", email: "bob@example.com", realname: "Bob Builder",
			password: "Passw0rdBob1", created: seedTime.Add(50 * time.Hour)},
		{username: "carol", email: "carol@example.com", realname: "Carol Danvers", comment: "ops",
			password: "Passw0rdCarol", sysAdmin: true, created: seedTime.Add(75*time.Hour + 15*time.Minute)},
	}
	for i := range seed {
		u := seed[i]
		u.updated = u.created
		s.insert(&u)
	}
	return s
}

// maxTombstones bounds the deleted rows the fake keeps (for Fake.User and
// its soft-delete renaming): a long-running fake's memory follows its live
// users, not how many were ever deleted. A deleted id answers 404 either way.
const maxTombstones = 1024

// insert stores u with the next id; mu held.
func (s *store) insert(u *userRow) int64 {
	s.nextID++
	u.id = s.nextID
	if u.deleted {
		s.bury(u)
	} else {
		s.users[u.id] = u
		s.byName[u.username] = u
		if u.email != "" {
			s.byEmail[u.email] = u
		}
	}
	s.version++
	return u.id
}

// bury keeps u, deleted, among the tombstones, dropping the oldest beyond
// maxTombstones; mu held.
func (s *store) bury(u *userRow) {
	delete(s.users, u.id)
	s.tombs[u.id] = u
	s.tombIDs = append(s.tombIDs, u.id)
	for len(s.tombIDs) > maxTombstones {
		id := s.tombIDs[0]
		delete(s.tombs, id)
		s.tombIDs = s.tombIDs[1:]
		for int(id/64) >= len(s.evicted) {
			s.evicted = append(s.evicted, 0)
		}
		s.evicted[id/64] |= 1 << (id % 64)
	}
	if cap(s.tombIDs) > 4*maxTombstones { // re-slicing from the front keeps the old array
		s.tombIDs = slices.Clone(s.tombIDs)
	}
}

// get returns the user with id unless deleted; mu held.
func (s *store) get(id int64) *userRow {
	if u := s.row(id); u != nil && !u.deleted {
		return u
	}
	return nil
}

// burnID uses up the next id, as a failed INSERT uses up a value of the
// id sequence on the real server's PostgreSQL; mu held.
func (s *store) burnID() {
	s.nextID++
}

// row returns the row with id, deleted (while among the tombstones) or
// not; mu held.
func (s *store) row(id int64) *userRow {
	if u := s.users[id]; u != nil {
		return u
	}
	return s.tombs[id]
}

// wasEvicted reports whether id is a deleted user no longer among the
// tombstones; mu held.
func (s *store) wasEvicted(id int64) bool {
	return id >= 0 && int(id/64) < len(s.evicted) && s.evicted[id/64]&(1<<(id%64)) != 0
}

func (s *store) stamp() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// ---- helpers for users of the fake -----------------------------------------

func (s *store) addUser(h User) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !h.Deleted {
		if s.byName[h.Username] != nil || (h.Email != "" && s.byEmail[h.Email] != nil) {
			return 0, errorf(http.StatusConflict, "user %s or email %s already exists", h.Username, h.Email)
		}
	}
	now := s.stamp()
	u := &userRow{
		username: h.Username, email: h.Email, realname: h.Realname, comment: h.Comment,
		password: h.Password, sysAdmin: h.SysAdmin, deleted: h.Deleted,
		created: h.CreationTime.UTC(), updated: h.UpdateTime.UTC(),
	}
	if h.CreationTime.IsZero() {
		u.created = now
	}
	if h.UpdateTime.IsZero() {
		u.updated = u.created
	}
	id := s.insert(u)
	if h.CLISecret != "" {
		s.ensureOIDC(u).secret = h.CLISecret
	}
	return id, nil
}

func (s *store) seed(n int) []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.stamp()
	ids := make([]int64, 0, n)
	for range n {
		id := s.nextID + 1
		name := fmt.Sprintf("seed-%07d", id)
		for s.byName[name] != nil || s.byEmail[name+"@example.com"] != nil {
			name += "x"
		}
		u := &userRow{
			username: name, email: name + "@example.com", realname: fmt.Sprintf("Seed User %d", id),
			password: "Seed-Passw0rd", created: now, updated: now,
		}
		ids = append(ids, s.insert(u))
	}
	return ids
}

func (s *store) export(id int64) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.row(id)
	if u == nil {
		return User{}, false
	}
	return u.export(), true
}

func (s *store) exportByName(name string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.byName[name]
	if u == nil {
		return User{}, false
	}
	return u.export(), true
}

func (u *userRow) export() User {
	h := User{
		ID: u.id, Username: u.username, Email: u.email, Realname: u.realname, Comment: u.comment,
		Password: u.password, SysAdmin: u.sysAdmin, Deleted: u.deleted,
		CreationTime: u.created, UpdateTime: u.updated,
	}
	if u.oidc != nil {
		h.CLISecret = u.oidc.secret
	}
	return h
}

// ---- authentication and permissions ---------------------------------------

// login checks Basic credentials as Harbor does on /api/v2.0/users*: a
// robot by name and secret; a user by username or email and password.
// Under oidc_auth only the built-in admin has a password: OIDC users'
// CLI secrets are accepted only on the registry and a few project APIs
// (upstream middleware/security/oidc_cli.go), so here they are anonymous.
func (s *store) login(name, secret string) *principal {
	s.mu.Lock()
	defer s.mu.Unlock()
	if strings.HasPrefix(name, "robot$") {
		if want, ok := s.robots[name]; ok && want == secret && secret != "" {
			return &principal{username: name, robot: true}
		}
		return nil
	}
	u := s.byName[name]
	if u == nil {
		u = s.byEmail[name]
	}
	if u == nil || secret == "" {
		return nil
	}
	if s.authMode == AuthOIDC && u.id != 1 {
		return nil
	}
	if u.password != secret {
		return nil
	}
	return &principal{userID: u.id, username: u.username}
}

// isAdmin reports whether p is a system admin now; mu held.
func (s *store) isAdmin(p *principal) bool {
	if p == nil || p.robot {
		return false
	}
	u := s.get(p.userID)
	return u != nil && u.sysAdmin
}

// requireSystemAccess is Harbor's RequireSystemAccess on the user resource:
// 401 when anonymous, 403 (with the caller's username) unless a system
// admin; mu held.
func (s *store) requireSystemAccess(p *principal) error {
	if p == nil {
		return unauthorized()
	}
	if !s.isAdmin(p) {
		return forbiddenFor(p)
	}
	return nil
}

// matchUserID is the handler's matchUserID: whether the caller is the
// local user id. For an anonymous caller the real server dereferences a
// nil user and answers a bare 500; mu held.
func matchUserID(p *principal, id int64) (bool, error) {
	if p == nil {
		return false, errNilSecurityContext
	}
	return !p.robot && p.userID == id, nil
}

func isSelf(p *principal, id int64) bool {
	return p != nil && !p.robot && p.userID == id
}

// ensureOIDC gives u its OIDC metadata (deterministic, as if onboarded from
// the identity provider when it was created); mu held.
func (s *store) ensureOIDC(u *userRow) *oidcMeta {
	if u.oidc == nil {
		u.oidc = &oidcMeta{
			id:      u.id,
			subiss:  fmt.Sprintf("%08xhttps://idp.example.com", crc32.ChecksumIEEE([]byte(u.username))),
			secret:  fmt.Sprintf("Oidc%dCliSecret", u.id),
			created: u.created, updated: u.created,
		}
	}
	return u.oidc
}

// resp renders u as UserResp; mu held.
func (s *store) resp(u *userRow, withOIDC bool) harbor.UserResp {
	r := harbor.UserResp{
		UserID: u.id, Username: u.username, SysadminFlag: u.sysAdmin,
		CreationTime: u.created, UpdateTime: u.updated,
		Email: opt(u.email), Realname: opt(u.realname), Comment: opt(u.comment),
	}
	if withOIDC && s.authMode == AuthOIDC && u.id > 1 {
		m := s.ensureOIDC(u)
		r.OIDCUserMeta = &harbor.OIDCUserInfo{
			ID: m.id, UserID: u.id, Subiss: m.subiss, Secret: opt(m.secret),
			CreationTime: m.created, UpdateTime: m.updated,
		}
	}
	return r
}

func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
