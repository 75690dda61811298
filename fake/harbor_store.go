package fake

import (
	"crypto/rand"
	"fmt"
	"hash/crc32"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/userapis/userapis-go/gen/harbor"
)

// harborError is a domain error: the status and message Harbor answers.
type harborError struct {
	status int
	msg    string
}

func (e *harborError) Error() string { return fmt.Sprintf("%d %s", e.status, e.msg) }

func harborErrorf(status int, format string, args ...any) error {
	return &harborError{status: status, msg: fmt.Sprintf(format, args...)}
}

func harborBadRequestf(format string, args ...any) error {
	return harborErrorf(http.StatusBadRequest, format, args...)
}

func harborUnauthorized() error { return harborErrorf(http.StatusUnauthorized, "unauthorized") }
func harborInternal() error {
	return harborErrorf(http.StatusInternalServerError, "internal server error")
}

// errHarborNilSecurityContext is the real server's nil dereference in
// matchUserID for an anonymous caller (handler/user.go): go-swagger's
// recovery answers 500 with no body and no Content-Type.
var errHarborNilSecurityContext = &harborError{status: http.StatusInternalServerError, msg: ""}

// harborForbiddenFor is RequireSystemAccess's 403: its message is the
// caller's username.
func harborForbiddenFor(p *harborPrincipal) error {
	return &harborError{status: http.StatusForbidden, msg: p.username}
}

// harborUser is one row of Harbor's harbor_user table.
type harborUser struct {
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
	oidc     *harborOIDCMeta // only under oidc_auth, for id > 1
}

// harborOIDCMeta is a user's row in oidc_user.
type harborOIDCMeta struct {
	id      int64
	subiss  string
	secret  string
	created time.Time
	updated time.Time
}

// harborView is the users not deleted, ordered by one sort, cached until
// the next write.
type harborView struct {
	version  uint64
	users    []*harborUser
	adminIdx int // position of user 1, -1 if absent
}

// harborMatch is the result of one filtered query, in order, cached until
// the next write so that paging through it costs one scan.
type harborMatch struct {
	version uint64
	users   []*harborUser // matches, the admin included only when listed
	total   int64         // matches without the admin
}

// harborStore is the fake's state. Every method takes mu.
type harborStore struct {
	mu       sync.Mutex
	now      func() time.Time
	users    []*harborUser          // users[i].id == i+1; deleted rows stay; nil for an id a failed insert used up
	byName   map[string]*harborUser // users not deleted, by username
	byEmail  map[string]*harborUser // users not deleted, by email
	version  uint64                 // bumped by every write
	views    map[string]*harborView
	matches  map[string]*harborMatch
	authMode string
	selfReg  bool
	robots   map[string]string
}

var harborSeedTime = time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)

func newHarborStore(now func() time.Time) *harborStore {
	s := &harborStore{
		now: now, byName: map[string]*harborUser{}, byEmail: map[string]*harborUser{},
		views: map[string]*harborView{}, matches: map[string]*harborMatch{}, authMode: HarborAuthDB,
		robots: map[string]string{HarborRobotName: HarborRobotSecret},
	}
	seed := []harborUser{
		// As a fresh Harbor: the built-in admin has no email.
		{username: HarborAdminUser, realname: "system admin", comment: "admin user",
			password: HarborAdminPassword, sysAdmin: true, created: harborSeedTime},
		{username: "anonymous", email: "anonymous@example.com", realname: "anonymous user", comment: "anonymous user",
			deleted: true, created: harborSeedTime},
		{username: HarborUserName, email: "alice@example.com", realname: "Alice Liddell", comment: "QA team",
			password: HarborUserPassword, created: harborSeedTime.Add(25*time.Hour + 30*time.Minute)},
		{username: "bob", email: "bob@example.com", realname: "Bob Builder",
			password: "Passw0rdBob1", created: harborSeedTime.Add(50 * time.Hour)},
		{username: "carol", email: "carol@example.com", realname: "Carol Danvers", comment: "ops",
			password: "Passw0rdCarol", sysAdmin: true, created: harborSeedTime.Add(75*time.Hour + 15*time.Minute)},
	}
	for i := range seed {
		u := seed[i]
		u.updated = u.created
		s.insert(&u)
	}
	return s
}

// insert appends u with the next id; mu held.
func (s *harborStore) insert(u *harborUser) int64 {
	u.id = int64(len(s.users)) + 1
	s.users = append(s.users, u)
	if !u.deleted {
		s.byName[u.username] = u
		if u.email != "" {
			s.byEmail[u.email] = u
		}
	}
	s.version++
	return u.id
}

// get returns the user with id unless deleted; mu held.
func (s *harborStore) get(id int64) *harborUser {
	if u := s.row(id); u != nil && !u.deleted {
		return u
	}
	return nil
}

// burnID uses up the next id, as a failed INSERT uses up a value of the
// id sequence on the real server's PostgreSQL; mu held.
func (s *harborStore) burnID() {
	s.users = append(s.users, nil)
}

// row returns the row with id, deleted or not; mu held.
func (s *harborStore) row(id int64) *harborUser {
	if id < 1 || id > int64(len(s.users)) {
		return nil
	}
	return s.users[id-1]
}

func (s *harborStore) stamp() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// ---- helpers for users of the fake -----------------------------------------

func (s *harborStore) addUser(h HarborUser) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !h.Deleted {
		if s.byName[h.Username] != nil || (h.Email != "" && s.byEmail[h.Email] != nil) {
			return 0, harborErrorf(http.StatusConflict, "user %s or email %s already exists", h.Username, h.Email)
		}
	}
	now := s.stamp()
	u := &harborUser{
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

func (s *harborStore) seed(n int) []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.stamp()
	ids := make([]int64, 0, n)
	s.users = slices.Grow(s.users, n)
	for range n {
		id := int64(len(s.users)) + 1
		name := fmt.Sprintf("seed-%07d", id)
		for s.byName[name] != nil || s.byEmail[name+"@example.com"] != nil {
			name += "x"
		}
		u := &harborUser{
			username: name, email: name + "@example.com", realname: fmt.Sprintf("Seed User %d", id),
			password: "Seed-Passw0rd", created: now, updated: now,
		}
		ids = append(ids, s.insert(u))
	}
	return ids
}

func (s *harborStore) export(id int64) (HarborUser, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.row(id)
	if u == nil {
		return HarborUser{}, false
	}
	return u.export(), true
}

func (s *harborStore) exportByName(name string) (HarborUser, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.byName[name]
	if u == nil {
		return HarborUser{}, false
	}
	return u.export(), true
}

func (u *harborUser) export() HarborUser {
	h := HarborUser{
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
func (s *harborStore) login(name, secret string) *harborPrincipal {
	s.mu.Lock()
	defer s.mu.Unlock()
	if strings.HasPrefix(name, "robot$") {
		if want, ok := s.robots[name]; ok && want == secret && secret != "" {
			return &harborPrincipal{username: name, robot: true}
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
	if s.authMode == HarborAuthOIDC && u.id != 1 {
		return nil
	}
	if u.password != secret {
		return nil
	}
	return &harborPrincipal{userID: u.id, username: u.username}
}

// isAdmin reports whether p is a system admin now; mu held.
func (s *harborStore) isAdmin(p *harborPrincipal) bool {
	if p == nil || p.robot {
		return false
	}
	u := s.get(p.userID)
	return u != nil && u.sysAdmin
}

// requireSystemAccess is Harbor's RequireSystemAccess on the user resource:
// 401 when anonymous, 403 (with the caller's username) unless a system
// admin; mu held.
func (s *harborStore) requireSystemAccess(p *harborPrincipal) error {
	if p == nil {
		return harborUnauthorized()
	}
	if !s.isAdmin(p) {
		return harborForbiddenFor(p)
	}
	return nil
}

// matchUserID is the handler's matchUserID: whether the caller is the
// local user id. For an anonymous caller the real server dereferences a
// nil user and answers a bare 500; mu held.
func harborMatchUserID(p *harborPrincipal, id int64) (bool, error) {
	if p == nil {
		return false, errHarborNilSecurityContext
	}
	return !p.robot && p.userID == id, nil
}

func harborIsSelf(p *harborPrincipal, id int64) bool {
	return p != nil && !p.robot && p.userID == id
}

// ensureOIDC gives u its OIDC metadata (deterministic, as if onboarded from
// the identity provider when it was created); mu held.
func (s *harborStore) ensureOIDC(u *harborUser) *harborOIDCMeta {
	if u.oidc == nil {
		u.oidc = &harborOIDCMeta{
			id:      u.id,
			subiss:  fmt.Sprintf("%08xhttps://idp.example.com", crc32.ChecksumIEEE([]byte(u.username))),
			secret:  fmt.Sprintf("Oidc%dCliSecret", u.id),
			created: u.created, updated: u.created,
		}
	}
	return u.oidc
}

// resp renders u as UserResp; mu held.
func (s *harborStore) resp(u *harborUser, withOIDC bool) harbor.UserResp {
	r := harbor.UserResp{
		UserId: u.id, Username: u.username, SysadminFlag: u.sysAdmin,
		CreationTime: u.created, UpdateTime: u.updated,
		Email: harborOpt(u.email), Realname: harborOpt(u.realname), Comment: harborOpt(u.comment),
	}
	if withOIDC && s.authMode == HarborAuthOIDC && u.id > 1 {
		m := s.ensureOIDC(u)
		r.OidcUserMeta = &harbor.OIDCUserInfo{
			Id: m.id, UserId: u.id, Subiss: m.subiss, Secret: harborOpt(m.secret),
			CreationTime: m.created, UpdateTime: m.updated,
		}
	}
	return r
}

func harborOpt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// ---- validation (the handler's checks) -------------------------------------

// harborValidSecret is Harbor's rule for passwords and CLI secrets.
func harborValidSecret(s string) error {
	var lower, upper, digit bool
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= '0' && c <= '9':
			digit = true
		}
	}
	if len(s) >= 8 && len(s) <= 128 && lower && upper && digit {
		return nil
	}
	return harborBadRequestf("the password or secret must be 8-128, inclusively, characters long with at least 1 uppercase letter, 1 lowercase letter and 1 number")
}

// harborEmailRe accepts local@domain where local is dot-separated atoms
// (no specials, spaces, '@' or '"') or a quoted string, and domain is
// labels ending in a 2+ letter TLD or a bracketed IPv4 address.
var harborEmailRe = regexp.MustCompile(
	`^(?:[^<>()\[\]\\.,;:\s@"]+(?:\.[^<>()\[\]\\.,;:\s@"]+)*|".+")@` +
		`(?:\[\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\]|(?:[a-zA-Z0-9-]+\.)+[a-zA-Z]{2,})$`)

func harborRunes(s string) int { return utf8.RuneCountInString(s) }

// harborIllegalChars is upstream's common.IllegalCharsInUsername, checked in
// usernames and realnames.
const harborIllegalChars = `,"~#%$`

// harborValidateProfile is the check Harbor applies to created and updated
// profiles, in its order.
func harborValidateProfile(email, realname, comment string) error {
	switch {
	case email == "":
		return harborBadRequestf("email can't be empty")
	case !harborEmailRe.MatchString(email):
		return harborBadRequestf("email with illegal format")
	case harborRunes(realname) < 1 || harborRunes(realname) > 255:
		return harborBadRequestf("realname with illegal length")
	case strings.ContainsAny(realname, harborIllegalChars):
		return harborBadRequestf("realname contains illegal characters")
	case harborRunes(comment) > 30:
		return harborBadRequestf("comment with illegal length")
	}
	return nil
}

func harborValidateUsername(name string) error {
	switch {
	case harborRunes(name) < 1 || harborRunes(name) > 255:
		return harborBadRequestf("username with illegal length")
	case strings.ContainsAny(name, harborIllegalChars):
		return harborBadRequestf("username contains illegal characters")
	}
	return nil
}

// ---- operations ------------------------------------------------------------

func (s *harborStore) createUser(p *harborPrincipal, req harbor.UserCreationReq) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.authMode != HarborAuthDB {
		return 0, harborErrorf(http.StatusForbidden, "creating local user is not allowed under auth mode: %s", s.authMode)
	}
	access := s.requireSystemAccess(p)
	if !s.selfReg && access != nil {
		return 0, access
	}
	if s.selfReg && access != nil {
		return 0, harborErrorf(http.StatusForbidden, "self-registration cannot be triggered via API")
	}
	if err := harborValidSecret(req.Password); err != nil {
		return 0, err
	}
	comment := ""
	if req.Comment != nil {
		comment = *req.Comment
	}
	if err := harborValidateProfile(req.Email, req.Realname, comment); err != nil {
		return 0, err
	}
	if err := harborValidateUsername(req.Username); err != nil {
		return 0, err
	}
	if s.byName[req.Username] != nil || s.byEmail[req.Email] != nil {
		s.burnID()
		return 0, harborErrorf(http.StatusConflict, "user %s or email %s already exists", req.Username, req.Email)
	}
	now := s.stamp()
	return s.insert(&harborUser{
		username: req.Username, email: req.Email, realname: req.Realname, comment: comment,
		password: req.Password, created: now, updated: now,
	}), nil
}

func (s *harborStore) getUser(p *harborPrincipal, id int64) (harbor.UserResp, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	self, err := harborMatchUserID(p, id)
	if err != nil {
		return harbor.UserResp{}, err
	}
	if !self {
		if err := s.requireSystemAccess(p); err != nil {
			return harbor.UserResp{}, err
		}
	}
	u := s.get(id)
	if u == nil {
		return harbor.UserResp{}, harborErrorf(http.StatusNotFound, "user %d not found", id)
	}
	return s.resp(u, true), nil
}

func (s *harborStore) currentUser(p *harborPrincipal) (harbor.UserResp, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.robot {
		return harbor.UserResp{}, harborErrorf(http.StatusPreconditionFailed, "get current user not available for security context: robot")
	}
	u := s.get(p.userID)
	if u == nil {
		return harbor.UserResp{}, harborErrorf(http.StatusNotFound, "user %d not found", p.userID)
	}
	return s.resp(u, true), nil
}

// requireModifiable: under db_auth a system admin may update anyone and a
// user themself; under other modes only user 1, by a system admin; mu held.
func (s *harborStore) requireModifiable(p *harborPrincipal, id int64) error {
	if s.authMode == HarborAuthDB {
		self, err := harborMatchUserID(p, id)
		if err != nil || self {
			return err
		}
		return s.requireSystemAccess(p)
	}
	if id != 1 {
		return harborErrorf(http.StatusForbidden, "User with ID %d can't be updated", id)
	}
	return s.requireSystemAccess(p)
}

// update finds the row an UPDATE by primary key would change: Harbor's
// updates do not skip deleted rows; mu held.
func (s *harborStore) update(id int64) (*harborUser, error) {
	u := s.row(id)
	if u == nil {
		return nil, harborErrorf(http.StatusNotFound, "user with id %d not found", id)
	}
	return u, nil
}

func (s *harborStore) updateProfile(p *harborPrincipal, id int64, prof harbor.UserProfile) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireModifiable(p, id); err != nil {
		return err
	}
	comment := ""
	if prof.Comment != nil {
		comment = *prof.Comment
	}
	if err := harborValidateProfile(prof.Email, prof.Realname, comment); err != nil {
		return err
	}
	u, err := s.update(id)
	if err != nil {
		return err
	}
	if other := s.byEmail[prof.Email]; other != nil && other != u {
		// the unique constraint on email fails the UPDATE; Harbor does not
		// map that error, so it answers 500
		return harborInternal()
	}
	if !u.deleted {
		if s.byEmail[u.email] == u {
			delete(s.byEmail, u.email)
		}
		s.byEmail[prof.Email] = u
	}
	u.email, u.realname, u.comment = prof.Email, prof.Realname, comment
	u.updated = s.stamp()
	s.version++
	return nil
}

func (s *harborStore) deleteUser(p *harborPrincipal, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireSystemAccess(p); err != nil {
		return err
	}
	if harborIsSelf(p, id) || id == 1 {
		return harborErrorf(http.StatusForbidden, "User with ID %d cannot be deleted", id)
	}
	u := s.get(id)
	if u == nil {
		return harborErrorf(http.StatusNotFound, "user %d not found", id)
	}
	// Soft delete, as Harbor does: mark the row and rename username and
	// email with "#<id>", which frees both for new users.
	delete(s.byName, u.username)
	if s.byEmail[u.email] == u {
		delete(s.byEmail, u.email)
	}
	suffix := fmt.Sprintf("#%d", u.id)
	u.username = harborTruncate(u.username, suffix)
	if u.email != "" {
		u.email = harborTruncate(u.email, suffix)
	}
	u.deleted = true
	u.oidc = nil
	u.updated = s.stamp()
	s.version++
	return nil
}

// harborTruncate appends suffix, cutting s so that the result fits 255
// bytes.
func harborTruncate(s, suffix string) string {
	if n := 255 - len(suffix); len(s) > n {
		s = s[:n]
	}
	return s + suffix
}

func (s *harborStore) setSysAdmin(p *harborPrincipal, id int64, admin bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireSystemAccess(p); err != nil {
		return err
	}
	u, err := s.update(id)
	if err != nil {
		return err
	}
	u.sysAdmin = admin
	u.updated = s.stamp()
	s.version++
	return nil
}

// matchPassword is Harbor's VerifyPassword: a user not deleted whose
// username or email is name has this password; mu held.
func (s *harborStore) matchPassword(name, password string) bool {
	for _, u := range []*harborUser{s.byName[name], s.byEmail[name]} {
		if u != nil && u.password == password {
			return true
		}
	}
	return false
}

func (s *harborStore) updatePassword(p *harborPrincipal, id int64, req harbor.PasswordReq) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireModifiable(p, id); err != nil {
		return err
	}
	if harborIsSelf(p, id) {
		old := ""
		if req.OldPassword != nil {
			old = *req.OldPassword
		}
		if !s.matchPassword(p.username, old) {
			return harborErrorf(http.StatusForbidden, "Current password is incorrect")
		}
	}
	if err := harborValidSecret(req.NewPassword); err != nil {
		return err
	}
	// getUserByID, then VerifyPassword(target's username, new): the new
	// password is compared with the target's, whoever the caller is.
	u := s.get(id)
	if u == nil {
		return harborErrorf(http.StatusNotFound, "user %d not found", id)
	}
	if s.matchPassword(u.username, req.NewPassword) {
		return harborBadRequestf("New password is identical to old password")
	}
	u.password = req.NewPassword
	u.updated = s.stamp()
	s.version++
	return nil
}

func (s *harborStore) setCliSecret(p *harborPrincipal, id int64, secret string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	// requireForCLISecret: the auth mode first (before the id and before
	// authentication), then self, then system access.
	if s.authMode != HarborAuthOIDC {
		return harborErrorf(http.StatusPreconditionFailed, "unable to update CLI secret under authmode: %s", s.authMode)
	}
	self, err := harborMatchUserID(p, id)
	if err != nil {
		return err
	}
	if !self {
		if err := s.requireSystemAccess(p); err != nil {
			return err
		}
	}
	if secret == "" {
		secret = harborRandomSecret()
	}
	if err := harborValidSecret(secret); err != nil {
		return err
	}
	u := s.get(id)
	if u == nil || u.id == 1 {
		return harborErrorf(http.StatusNotFound, "oidc info for user %d not found", id)
	}
	m := s.ensureOIDC(u)
	m.secret = secret
	m.updated = s.stamp()
	s.version++
	return nil
}

// harborRandomSecret is a generated CLI secret: 9 characters, drawn again
// until they pass the secret rule, as the real server does.
func harborRandomSecret() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	for {
		var b [9]byte
		_, _ = rand.Read(b[:])
		for i := range b {
			b[i] = alphabet[int(b[i])%len(alphabet)]
		}
		if harborValidSecret(string(b[:])) == nil {
			return string(b[:])
		}
	}
}

// ---- listing ---------------------------------------------------------------

// view returns the users not deleted in the order of sorts, cached per
// sort until the next write; mu held.
func (s *harborStore) view(sorts []harborSort, key string) *harborView {
	if v := s.views[key]; v != nil && v.version == s.version {
		return v
	}
	users := make([]*harborUser, 0, len(s.byName))
	for _, u := range s.users {
		if u != nil && !u.deleted {
			users = append(users, u)
		}
	}
	slices.SortFunc(users, func(a, b *harborUser) int { return harborCompareUsers(sorts, a, b) })
	v := &harborView{version: s.version, users: users, adminIdx: -1}
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

// harborListQuery is a parsed listUsers or searchUsers request.
type harborListQuery struct {
	keywords map[string]any
	sorts    []harborSort
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
func (s *harborStore) list(q harborListQuery) ([]*harborUser, int64, error) {
	var preds []harborPred
	includeAdmin := false
	for k, v := range q.keywords {
		if lk := strings.ToLower(k); lk == "user_id" || lk == "user_id__in" {
			includeAdmin = true
		}
		pred, err := harborCompileFilter(k, v)
		if err != nil {
			return nil, 0, err
		}
		if pred != nil {
			preds = append(preds, pred)
		}
	}
	match := func(u *harborUser) bool {
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
		var page []*harborUser
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
		m = &harborMatch{version: s.version}
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

func (s *harborStore) listUsers(p *harborPrincipal, rawQ, sort string, extra map[string]string, page, size int64) ([]harbor.UserResp, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireSystemAccess(p); err != nil {
		return nil, 0, err
	}
	kw, err := harborParseQ(rawQ)
	if err != nil {
		return nil, 0, err
	}
	sorts, key, err := harborParseSort(sort)
	if err != nil {
		return nil, 0, err
	}
	for k, v := range extra {
		if v != "" {
			kw[k] = harborFuzzy{value: v}
		}
	}
	cacheKey := strings.Join([]string{"list", key, rawQ, extra["username"], extra["email"]}, "\x00")
	users, total, err := s.list(harborListQuery{keywords: kw, sorts: sorts, sortKey: key, page: page, size: size, cacheKey: cacheKey})
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
func (s *harborStore) searchUsers(username string, size int64) ([]harbor.UserSearchRespItem, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sorts, key, _ := harborParseSort("")
	_, total, err := s.list(harborListQuery{
		keywords: map[string]any{"username": harborFuzzy{value: username}},
		sorts:    sorts, sortKey: key, size: 1,
		cacheKey: "search\x00" + username,
	})
	if err != nil || total == 0 {
		return []harbor.UserSearchRespItem{}, total, err
	}
	like := harborLike("%" + username + "%")
	var found []*harborUser
	for _, u := range s.users {
		if u != nil && !u.deleted && like.MatchString(u.username) {
			found = append(found, u)
		}
	}
	slices.SortFunc(found, func(a, b *harborUser) int {
		if c := len(a.username) - len(b.username); c != 0 {
			return c
		}
		return strings.Compare(a.username, b.username)
	})
	out := make([]harbor.UserSearchRespItem, 0, min(int64(len(found)), max(size, 0)))
	for _, u := range found[:min(int64(len(found)), max(size, 0))] {
		out = append(out, harbor.UserSearchRespItem{UserId: u.id, Username: u.username})
	}
	return out, total, nil
}

// harborLike compiles a PostgreSQL LIKE pattern (% any run, _ any one
// character, backslash escapes the next character) to an anchored regexp.
func harborLike(pattern string) *regexp.Regexp {
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

// ---- permissions -----------------------------------------------------------

// Permission tables, in the order of upstream's rbac sources (v2.15.2):
// src/common/rbac/system/policies.go and, for a project, the projectAdmin
// role of src/common/rbac/project/rbac_role.go; a public project's
// non-members get src/common/rbac/project/rbac_util.go's public policies.
// System resources are bare names ("user", not "/system/user"), as the
// server answers.
var (
	harborSystemPolicies = harborPolicyList(
		"catalog:read", "audit-log:list",
		"project:create", "project:read", "project:update", "project:delete", "project:list",
		"user:create", "user:read", "user:update", "user:delete", "user:list",
		"user-group:create", "user-group:read", "user-group:update", "user-group:delete", "user-group:list",
		"registry:create", "registry:read", "registry:update", "registry:delete", "registry:list",
		"replication:create", "replication:read", "replication:update", "replication:list", "replication:delete",
		"distribution:create", "distribution:read", "distribution:update", "distribution:delete", "distribution:list",
		"garbage-collection:create", "garbage-collection:read", "garbage-collection:update", "garbage-collection:delete", "garbage-collection:list",
		"scan-all:create", "scan-all:read", "scan-all:update", "scan-all:delete", "scan-all:list", "scan-all:stop",
		"system-volumes:read",
		"ldap-user:create", "ldap-user:list",
		"configuration:read", "configuration:update",
		"jobservice-monitor:read", "jobservice-monitor:list", "jobservice-monitor:stop",
		"security-hub:read", "security-hub:list",
	)
	harborProjectAdmin = harborPolicyList(
		":read", ":update", ":delete",
		"member:create", "member:read", "member:update", "member:delete", "member:list",
		"metadata:create", "metadata:read", "metadata:update", "metadata:delete",
		"log:list",
		"label:create", "label:read", "label:update", "label:delete", "label:list",
		"quota:read",
		"repository:create", "repository:read", "repository:update", "repository:delete", "repository:list", "repository:pull", "repository:push",
		"tag-retention:create", "tag-retention:read", "tag-retention:update", "tag-retention:delete", "tag-retention:list", "tag-retention:operate",
		"immutable-tag:create", "immutable-tag:update", "immutable-tag:delete", "immutable-tag:list",
		"configuration:read", "configuration:update",
		"robot:create", "robot:read", "robot:update", "robot:delete", "robot:list",
		"notification-policy:create", "notification-policy:update", "notification-policy:delete", "notification-policy:list", "notification-policy:read",
		"scan:create", "scan:read", "scan:stop",
		"sbom:create", "sbom:stop", "sbom:read",
		"scanner:read", "scanner:create",
		"artifact:create", "artifact:read", "artifact:delete", "artifact:list",
		"artifact-addition:read",
		"tag:list", "tag:create", "tag:delete",
		"accessory:list",
		"artifact-label:create", "artifact-label:delete",
		"preheat-policy:create", "preheat-policy:read", "preheat-policy:update", "preheat-policy:delete", "preheat-policy:list",
		"export-cve:create", "export-cve:read", "export-cve:list",
	)
	// harborPublicProject is what any authenticated user may do in a public
	// project (the seeded "library", id 1) without being a member.
	harborPublicProject = harborPolicySet(
		":read", "label:read", "label:list", "repository:list", "repository:pull", "scan:read", "scanner:read",
		"tag:list", "artifact:read", "artifact:list", "artifact-addition:read", "accessory:list",
	)
	// harborRobotProject is what the seeded robot may do in project 1.
	harborRobotProject = harborPolicySet(
		"repository:list", "repository:pull", "repository:push", "artifact:read", "artifact:list", "tag:create", "tag:list",
	)
	harborProjectScopeRe = regexp.MustCompile(`^/project/([^/]*)/?`)
)

// harborPolicy is one (subresource, action) pair of a policy table.
type harborPolicy struct{ resource, action string }

func harborPolicyList(pairs ...string) []harborPolicy {
	out := make([]harborPolicy, len(pairs))
	for i, p := range pairs {
		res, act, _ := strings.Cut(p, ":")
		out[i] = harborPolicy{res, act}
	}
	return out
}

func harborPolicySet(pairs ...string) map[harborPolicy]bool {
	set := map[harborPolicy]bool{}
	for _, p := range harborPolicyList(pairs...) {
		set[p] = true
	}
	return set
}

// harborProjectResource is upstream's Resource.Subresource: /project/{id}
// joined with the subresource ("" for the project itself).
func harborProjectResource(id int64, sub string) string {
	r := fmt.Sprintf("/project/%d", id)
	if sub != "" {
		r += "/" + sub
	}
	return r
}

// permissions lists what p may do within scope, as the handler does: the
// namespace named by scope (/system... or /project/{id}), its policies in
// upstream's order, those p can do, made relative to scope when asked (a
// policy that is not under scope is left out). No scope or an unknown one
// gives an empty list; only project 1 exists.
func (s *harborStore) permissions(p *harborPrincipal, scope string, relative bool) []harbor.Permission {
	s.mu.Lock()
	defer s.mu.Unlock()
	admin := s.isAdmin(p)
	var list []harbor.Permission
	switch m := harborProjectScopeRe.FindStringSubmatch(scope); {
	case strings.HasPrefix(scope, "/system"):
		if admin {
			for _, pol := range harborSystemPolicies {
				list = append(list, harbor.Permission{Resource: pol.resource, Action: pol.action})
			}
		}
	case m != nil:
		id, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || id != 1 {
			break
		}
		for _, pol := range harborProjectAdmin {
			can := admin
			switch {
			case p.robot:
				can = harborRobotProject[pol]
			case !admin:
				can = harborPublicProject[pol]
			}
			if can {
				list = append(list, harbor.Permission{Resource: harborProjectResource(id, pol.resource), Action: pol.action})
			}
		}
	}
	out := make([]harbor.Permission, 0, len(list))
	for _, perm := range list {
		if relative {
			rel, ok := harborRelativeTo(perm.Resource, scope)
			if !ok {
				continue
			}
			perm.Resource = rel
		}
		out = append(out, perm)
	}
	return out
}

// harborRelativeTo is resource relative to scope ("." for the scope
// itself), false when resource is not under scope.
func harborRelativeTo(resource, scope string) (string, bool) {
	rest, ok := strings.CutPrefix(resource, scope)
	if !ok {
		return "", false
	}
	rest = strings.TrimPrefix(rest, "/")
	if rest == "" {
		rest = "."
	}
	return rest, true
}
