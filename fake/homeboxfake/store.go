package homeboxfake

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/userapis/userapis-go/gen/homebox"
)

// Domain errors of the Homebox store; the handlers map them to the real
// server's statuses and messages.
var (
	// Duplicate email: the real server leaks the database constraint (500).
	errDuplicateEmail = errors.New("ent: constraint failed: constraint failed: UNIQUE constraint failed: users.email (2067)")
	errInvitation     = errors.New("ent: group_invitation_token not found")
	errInvalidLogin   = errors.New("invalid username or password")
	errNoUser         = errors.New("ent: user not found")
	errWrongPassword  = errors.New("current password is incorrect")
	errResetToken     = errors.New("password reset link is invalid or has expired")
	errShortPassword  = errors.New("password must be at least 6 characters")
	errNotFound       = errors.New("Not Found")
	errOIDC           = errors.New("oidc: invalid state or code")
)

// Lifetimes the real server uses.
const (
	sessionTTL      = 7 * 24 * time.Hour
	longSessionTTL  = 28 * 24 * time.Hour
	resetTokenTTL   = time.Hour
	oidcStateTTL    = 10 * time.Minute
	roleUser        = "user"
	roleAttachments = "attachments"
)

// ID kinds: the first byte of the fake's deterministic UUIDs.
const (
	kindUser   = 0x01
	kindGroup  = 0x02
	kindAPIKey = 0x03
)

type userRow struct {
	id          uuid.UUID
	name        string
	email       string // lowercased
	password    string // "" for accounts created by OIDC: no password login
	superuser   bool
	groupID     uuid.UUID
	groupIDs    []uuid.UUID
	oidcIssuer  *string
	oidcSubject *string
	settings    []byte // JSON as stored; "null" when null was stored
}

type session struct {
	userID    uuid.UUID
	role      string // roleUser or roleAttachments
	expiresAt time.Time
}

type apiKeyRow struct {
	out   homebox.APIKeyOut
	token string
	seq   int
}

type resetToken struct {
	userID    uuid.UUID
	expiresAt time.Time
}

type oidcCode struct {
	state     string
	identity  OIDCIdentity
	expiresAt time.Time
}

type invitation struct {
	groupID uuid.UUID
	uses    int
}

// principal is who a request authenticated as.
type principal struct {
	userID   uuid.UUID
	token    string // raw session token or API key
	apiKey   bool
	groupIDs []uuid.UUID
}

// tokens is a new session: the user token and its attachment token.
type tokens struct {
	raw        string
	attachment string
	expiresAt  time.Time
}

// store is the fake's state. Every method takes the lock; times come
// from the caller so that the fake's clock decides.
type store struct {
	mu          sync.Mutex
	seq         uint64
	users       map[uuid.UUID]*userRow
	byEmail     map[string]uuid.UUID
	sessions    map[string]*session               // raw token → session
	byUser      map[uuid.UUID]map[string]struct{} // user → its session tokens (both roles)
	lastPurge   time.Time                         // when expired sessions and reset tokens were last purged
	apiKeys     map[uuid.UUID]*apiKeyRow
	apiKeyByTok map[string]uuid.UUID
	resets      map[string]*resetToken // reset token → user
	lastReset   map[string]string      // email → last reset token issued
	oidcStates  map[string]time.Time   // state → expiry
	oidcCodes   map[string]*oidcCode
	invitations map[string]*invitation
	keySeq      int
}

func newHomeboxStore() *store {
	return &store{
		users:       map[uuid.UUID]*userRow{},
		byEmail:     map[string]uuid.UUID{},
		sessions:    map[string]*session{},
		byUser:      map[uuid.UUID]map[string]struct{}{},
		apiKeys:     map[uuid.UUID]*apiKeyRow{},
		apiKeyByTok: map[string]uuid.UUID{},
		resets:      map[string]*resetToken{},
		lastReset:   map[string]string{},
		oidcStates:  map[string]time.Time{},
		oidcCodes:   map[string]*oidcCode{},
		invitations: map[string]*invitation{},
	}
}

// newID returns the next deterministic UUID of a kind, e.g.
// 01000000-0000-4000-8000-000000000007 (version 4 and variant bits set).
func (s *store) newID(kind byte) uuid.UUID {
	s.seq++
	var id uuid.UUID
	id[0] = kind
	id[6] = 0x40
	id[8] = 0x80
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], s.seq)
	copy(id[10:], n[2:])
	return id
}

// randomToken is n random bytes in unpadded base32, as the real
// server's tokens (16 bytes → 26 characters).
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

func normalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// addUser creates a local user; with an invitation token it joins that
// group, otherwise it gets a new one.
func (s *store) addUser(id, group uuid.UUID, name, email, password, invitation string) (*userRow, error) {
	email = normalizeEmail(email)
	if _, dup := s.byEmail[email]; dup {
		return nil, errDuplicateEmail
	}
	if invitation != "" {
		inv, ok := s.invitations[invitation]
		if !ok || inv.uses <= 0 {
			return nil, errInvitation
		}
		inv.uses--
		if inv.uses == 0 {
			delete(s.invitations, invitation)
		}
		group = inv.groupID
	}
	if id == (uuid.UUID{}) {
		id = s.newID(kindUser)
	}
	if group == (uuid.UUID{}) {
		group = s.newID(kindGroup)
	}
	u := &userRow{
		id: id, name: name, email: email, password: password,
		groupID: group, groupIDs: []uuid.UUID{group},
		settings: []byte("{}"),
	}
	s.users[id] = u
	s.byEmail[email] = id
	return u, nil
}

// register is RegisterUser: a password under 6 characters fails before any
// database work, then the database's own constraints (non-empty name and
// email, unique email) fail with their text; the handler answers all of
// these with 500.
func (s *store) register(name, email, password, invitation string) error {
	if len(password) < 6 {
		return errShortPassword
	}
	if err := validateUser(name, email); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.addUser(uuid.UUID{}, uuid.UUID{}, name, email, password, invitation)
	return err
}

// purgeInterval is how often the real server purges expired session and
// password-reset tokens (upstream app/api/recurring.go: the purge-tokens and
// purge-password-reset-tokens tasks run every 24 hours). The fake runs the
// purge on the first operation after the interval, by its own clock, so
// that tests moving the clock see it.
const purgeInterval = 24 * time.Hour

// maybePurge removes expired sessions and reset tokens when purgeInterval
// has passed since the last purge; mu held.
func (s *store) maybePurge(now time.Time) {
	if s.lastPurge.IsZero() {
		s.lastPurge = now
		return
	}
	if now.Sub(s.lastPurge) < purgeInterval {
		return
	}
	s.lastPurge = now
	for tok, sess := range s.sessions {
		if !now.Before(sess.expiresAt) {
			s.dropSession(tok)
		}
	}
	for tok, r := range s.resets {
		if !now.Before(r.expiresAt) {
			delete(s.resets, tok)
		}
	}
	for email, tok := range s.lastReset {
		if _, ok := s.resets[tok]; !ok {
			delete(s.lastReset, email)
		}
	}
}

// dropSession removes one session token; mu held.
func (s *store) dropSession(tok string) {
	sess, ok := s.sessions[tok]
	if !ok {
		return
	}
	delete(s.sessions, tok)
	if toks := s.byUser[sess.userID]; toks != nil {
		delete(toks, tok)
		if len(toks) == 0 {
			delete(s.byUser, sess.userID)
		}
	}
}

// newSession issues a user token and an attachment token for userID.
func (s *store) newSession(userID uuid.UUID, ttl time.Duration, now time.Time) tokens {
	s.maybePurge(now)
	t := tokens{raw: randomToken(16), attachment: randomToken(16), expiresAt: now.Add(ttl).UTC()}
	s.sessions[t.raw] = &session{userID: userID, role: roleUser, expiresAt: t.expiresAt}
	s.sessions[t.attachment] = &session{userID: userID, role: roleAttachments, expiresAt: t.expiresAt}
	toks := s.byUser[userID]
	if toks == nil {
		toks = map[string]struct{}{}
		s.byUser[userID] = toks
	}
	toks[t.raw], toks[t.attachment] = struct{}{}, struct{}{}
	return t
}

func (s *store) login(email, password string, stay bool, now time.Time) (tokens, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.byEmail[normalizeEmail(email)]
	if !ok {
		return tokens{}, errInvalidLogin
	}
	u := s.users[id]
	if u.password == "" || u.password != password {
		return tokens{}, errInvalidLogin
	}
	ttl := sessionTTL
	if stay {
		ttl = longSessionTTL
	}
	return s.newSession(id, ttl, now), nil
}

// authenticate resolves a raw token (session token, or an API key when
// fromHeader). It returns status 401 or 403 with the real server's message
// when the token is not good for the user routes.
func (s *store) authenticate(tok string, fromHeader bool, now time.Time) (*principal, int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maybePurge(now)
	if sess, ok := s.sessions[tok]; ok {
		if !now.Before(sess.expiresAt) {
			s.dropSession(tok)
			return nil, 401, msgInvalidToken
		}
		if sess.role != roleUser {
			return nil, 403, "Forbidden"
		}
		u := s.users[sess.userID]
		if u == nil {
			return nil, 401, msgInvalidToken
		}
		return &principal{userID: u.id, token: tok, groupIDs: append([]uuid.UUID(nil), u.groupIDs...)}, 0, ""
	}
	if !fromHeader {
		return nil, 401, msgInvalidToken
	}
	id, ok := s.apiKeyByTok[tok]
	if !ok {
		return nil, 401, msgInvalidToken
	}
	k := s.apiKeys[id]
	if k.out.ExpiresAt != nil && !now.Before(*k.out.ExpiresAt) {
		return nil, 401, msgInvalidToken
	}
	u := s.users[k.out.UserID]
	if u == nil {
		return nil, 401, msgInvalidToken
	}
	used := now.UTC()
	k.out.LastUsedAt = &used
	return &principal{userID: u.id, token: tok, apiKey: true, groupIDs: append([]uuid.UUID(nil), u.groupIDs...)}, 0, ""
}

func (s *store) logout(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropSession(tok)
}

// refresh issues a new 7-day session and revokes the old token at once.
func (s *store) refresh(tok string, now time.Time) (tokens, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[tok]
	if !ok || !now.Before(sess.expiresAt) {
		return tokens{}, errInvalidLogin
	}
	s.dropSession(tok)
	return s.newSession(sess.userID, sessionTTL, now), nil
}

// revokeSessions deletes every session token (both roles) of userID but keep.
// The user's own index finds them: no scan of every session.
func (s *store) revokeSessions(userID uuid.UUID, keep string) {
	for tok := range s.byUser[userID] {
		if tok != keep {
			s.dropSession(tok)
		}
	}
}

// validateUser is the database schema's check of a user row (ent:
// name and email NotEmpty, MaxLen 255), which creates and updates alike
// run; the handlers answer its failure with 500 and its text.
func validateUser(name, email string) error {
	for _, f := range []struct{ field, v string }{{"name", name}, {"email", normalizeEmail(email)}} {
		switch {
		case f.v == "":
			return fmt.Errorf(`ent: validator failed for field "User.%s": value is less than the required length`, f.field)
		case len(f.v) > 255:
			return fmt.Errorf(`ent: validator failed for field "User.%s": value is greater than the required length`, f.field)
		}
	}
	return nil
}

// logoutAll revokes every session (and attachment) token of userID.
func (s *store) logoutAll(userID uuid.UUID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revokeSessions(userID, "")
}

func (u *userRow) out() homebox.UserOut {
	o := homebox.UserOut{
		ID: u.id, Name: u.name, Email: u.email, IsSuperuser: u.superuser,
		DefaultGroupID: u.groupID,
		GroupIDs:       append([]uuid.UUID{}, u.groupIDs...),
	}
	if u.oidcIssuer != nil {
		v := *u.oidcIssuer
		o.OIDCIssuer = &v
	}
	if u.oidcSubject != nil {
		v := *u.oidcSubject
		o.OIDCSubject = &v
	}
	return o
}

func (s *store) user(id uuid.UUID) (homebox.UserOut, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		return homebox.UserOut{}, errNoUser
	}
	return u.out(), nil
}

func (s *store) userByEmail(email string) (homebox.UserOut, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.byEmail[normalizeEmail(email)]
	if !ok {
		return homebox.UserOut{}, false
	}
	return s.users[id].out(), true
}

// update replaces name and email (both always written, as the real server).
func (s *store) update(id uuid.UUID, name, email string) (homebox.UserOut, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		return homebox.UserOut{}, errNoUser
	}
	if err := validateUser(name, email); err != nil {
		return homebox.UserOut{}, err
	}
	email = normalizeEmail(email)
	if other, dup := s.byEmail[email]; dup && other != id {
		return homebox.UserOut{}, errDuplicateEmail
	}
	delete(s.byEmail, u.email)
	u.name, u.email = name, email
	s.byEmail[email] = id
	return u.out(), nil
}

// deleteUser removes the user with every session, API key and reset token.
func (s *store) deleteUser(id uuid.UUID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		return errNoUser
	}
	s.revokeSessions(id, "")
	for kid, k := range s.apiKeys {
		if k.out.UserID == id {
			delete(s.apiKeyByTok, k.token)
			delete(s.apiKeys, kid)
		}
	}
	for tok, r := range s.resets {
		if r.userID == id {
			delete(s.resets, tok)
		}
	}
	delete(s.lastReset, u.email)
	delete(s.byEmail, u.email)
	delete(s.users, id)
	return nil
}

// liveSessions counts userID's unexpired user-role session tokens.
func (s *store) liveSessions(email string, now time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.byEmail[normalizeEmail(email)]
	if !ok {
		return 0
	}
	n := 0
	for tok := range s.byUser[id] {
		if sess := s.sessions[tok]; sess.role == roleUser && now.Before(sess.expiresAt) {
			n++
		}
	}
	return n
}
