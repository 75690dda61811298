package fake

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/userapis/userapis-go/gen/homebox"
)

// Domain errors of the Homebox store; the handlers map them to the real
// server's statuses and messages.
var (
	// Duplicate email: the real server leaks the database constraint (500).
	errHomeboxDuplicateEmail = errors.New("ent: constraint failed: UNIQUE constraint failed: users.email")
	errHomeboxInvitation     = errors.New("ent: group_invitation_token not found")
	errHomeboxInvalidLogin   = errors.New("invalid username or password")
	errHomeboxNoUser         = errors.New("ent: user not found")
	errHomeboxWrongPassword  = errors.New("current password is incorrect")
	errHomeboxResetToken     = errors.New("password reset link is invalid or has expired")
	errHomeboxShortPassword  = errors.New("password must be at least 6 characters")
	errHomeboxNotFound       = errors.New("Not Found")
	errHomeboxOIDC           = errors.New("oidc: invalid state or code")
)

// Lifetimes the real server uses.
const (
	homeboxSessionTTL      = 7 * 24 * time.Hour
	homeboxLongSessionTTL  = 28 * 24 * time.Hour
	homeboxResetTokenTTL   = time.Hour
	homeboxOIDCStateTTL    = 10 * time.Minute
	homeboxRoleUser        = "user"
	homeboxRoleAttachments = "attachments"
)

// ID kinds: the first byte of the fake's deterministic UUIDs.
const (
	homeboxKindUser   = 0x01
	homeboxKindGroup  = 0x02
	homeboxKindAPIKey = 0x03
)

type homeboxUser struct {
	id          openapi_types.UUID
	name        string
	email       string // lowercased
	password    string // "" for accounts created by OIDC: no password login
	superuser   bool
	groupID     openapi_types.UUID
	groupIDs    []openapi_types.UUID
	oidcIssuer  *string
	oidcSubject *string
	settings    []byte // JSON as stored; "null" when null was stored
}

type homeboxSession struct {
	userID    openapi_types.UUID
	role      string // homeboxRoleUser or homeboxRoleAttachments
	expiresAt time.Time
}

type homeboxAPIKey struct {
	out   homebox.APIKeyOut
	token string
	seq   int
}

type homeboxResetToken struct {
	userID    openapi_types.UUID
	expiresAt time.Time
}

type homeboxOIDCCode struct {
	state     string
	identity  HomeboxOIDCIdentity
	expiresAt time.Time
}

type homeboxInvitation struct {
	groupID openapi_types.UUID
	uses    int
}

// homeboxPrincipal is who a request authenticated as.
type homeboxPrincipal struct {
	userID   openapi_types.UUID
	token    string // raw session token or API key
	apiKey   bool
	groupIDs []openapi_types.UUID
}

// homeboxTokens is a new session: the user token and its attachment token.
type homeboxTokens struct {
	raw        string
	attachment string
	expiresAt  time.Time
}

// homeboxStore is the fake's state. Every method takes the lock; times come
// from the caller so that the fake's clock decides.
type homeboxStore struct {
	mu          sync.Mutex
	seq         uint64
	users       map[openapi_types.UUID]*homeboxUser
	byEmail     map[string]openapi_types.UUID
	sessions    map[string]*homeboxSession // raw token → session
	apiKeys     map[openapi_types.UUID]*homeboxAPIKey
	apiKeyByTok map[string]openapi_types.UUID
	resets      map[string]*homeboxResetToken // reset token → user
	lastReset   map[string]string             // email → last reset token issued
	oidcStates  map[string]time.Time          // state → expiry
	oidcCodes   map[string]*homeboxOIDCCode
	invitations map[string]*homeboxInvitation
	keySeq      int
}

func newHomeboxStore() *homeboxStore {
	return &homeboxStore{
		users:       map[openapi_types.UUID]*homeboxUser{},
		byEmail:     map[string]openapi_types.UUID{},
		sessions:    map[string]*homeboxSession{},
		apiKeys:     map[openapi_types.UUID]*homeboxAPIKey{},
		apiKeyByTok: map[string]openapi_types.UUID{},
		resets:      map[string]*homeboxResetToken{},
		lastReset:   map[string]string{},
		oidcStates:  map[string]time.Time{},
		oidcCodes:   map[string]*homeboxOIDCCode{},
		invitations: map[string]*homeboxInvitation{},
	}
}

// newID returns the next deterministic UUID of a kind, e.g.
// 01000000-0000-4000-8000-000000000007 (version 4 and variant bits set).
func (s *homeboxStore) newID(kind byte) openapi_types.UUID {
	s.seq++
	var id openapi_types.UUID
	id[0] = kind
	id[6] = 0x40
	id[8] = 0x80
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], s.seq)
	copy(id[10:], n[2:])
	return id
}

// homeboxRandomToken is n random bytes in unpadded base32, as the real
// server's tokens (16 bytes → 26 characters).
func homeboxRandomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// homeboxAPIKeyDefaultTTL is the expiry of an API key created without one.
const homeboxAPIKeyDefaultTTL = 30 * 24 * time.Hour

// homeboxAPIKeyToken is a new API key as the real server makes them: "hb_"
// and 32 random bytes in unpadded base64url (43 characters).
func homeboxAPIKeyToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return "hb_" + base64.RawURLEncoding.EncodeToString(b)
}

func homeboxNormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// addUser creates a local user; with an invitation token it joins that
// group, otherwise it gets a new one.
func (s *homeboxStore) addUser(id, group openapi_types.UUID, name, email, password, invitation string) (*homeboxUser, error) {
	email = homeboxNormalizeEmail(email)
	if _, dup := s.byEmail[email]; dup {
		return nil, errHomeboxDuplicateEmail
	}
	if invitation != "" {
		inv, ok := s.invitations[invitation]
		if !ok || inv.uses <= 0 {
			return nil, errHomeboxInvitation
		}
		inv.uses--
		if inv.uses == 0 {
			delete(s.invitations, invitation)
		}
		group = inv.groupID
	}
	if id == (openapi_types.UUID{}) {
		id = s.newID(homeboxKindUser)
	}
	if group == (openapi_types.UUID{}) {
		group = s.newID(homeboxKindGroup)
	}
	u := &homeboxUser{
		id: id, name: name, email: email, password: password,
		groupID: group, groupIDs: []openapi_types.UUID{group},
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
func (s *homeboxStore) register(name, email, password, invitation string) error {
	if len(password) < 6 {
		return errHomeboxShortPassword
	}
	if err := homeboxValidateUser(name, email); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.addUser(openapi_types.UUID{}, openapi_types.UUID{}, name, email, password, invitation)
	return err
}

// newSession issues a user token and an attachment token for userID.
func (s *homeboxStore) newSession(userID openapi_types.UUID, ttl time.Duration, now time.Time) homeboxTokens {
	t := homeboxTokens{raw: homeboxRandomToken(16), attachment: homeboxRandomToken(16), expiresAt: now.Add(ttl).UTC()}
	s.sessions[t.raw] = &homeboxSession{userID: userID, role: homeboxRoleUser, expiresAt: t.expiresAt}
	s.sessions[t.attachment] = &homeboxSession{userID: userID, role: homeboxRoleAttachments, expiresAt: t.expiresAt}
	return t
}

func (s *homeboxStore) login(email, password string, stay bool, now time.Time) (homeboxTokens, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.byEmail[homeboxNormalizeEmail(email)]
	if !ok {
		return homeboxTokens{}, errHomeboxInvalidLogin
	}
	u := s.users[id]
	if u.password == "" || u.password != password {
		return homeboxTokens{}, errHomeboxInvalidLogin
	}
	ttl := homeboxSessionTTL
	if stay {
		ttl = homeboxLongSessionTTL
	}
	return s.newSession(id, ttl, now), nil
}

// authenticate resolves a raw token (session token, or an API key when
// fromHeader). It returns status 401 or 403 with the real server's message
// when the token is not good for the user routes.
func (s *homeboxStore) authenticate(tok string, fromHeader bool, now time.Time) (*homeboxPrincipal, int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sess, ok := s.sessions[tok]; ok {
		if !now.Before(sess.expiresAt) {
			delete(s.sessions, tok)
			return nil, 401, homeboxMsgInvalidToken
		}
		if sess.role != homeboxRoleUser {
			return nil, 403, "Forbidden"
		}
		u := s.users[sess.userID]
		if u == nil {
			return nil, 401, homeboxMsgInvalidToken
		}
		return &homeboxPrincipal{userID: u.id, token: tok, groupIDs: append([]openapi_types.UUID(nil), u.groupIDs...)}, 0, ""
	}
	if !fromHeader {
		return nil, 401, homeboxMsgInvalidToken
	}
	id, ok := s.apiKeyByTok[tok]
	if !ok {
		return nil, 401, homeboxMsgInvalidToken
	}
	k := s.apiKeys[id]
	if k.out.ExpiresAt != nil && !now.Before(*k.out.ExpiresAt) {
		return nil, 401, homeboxMsgInvalidToken
	}
	u := s.users[k.out.UserId]
	if u == nil {
		return nil, 401, homeboxMsgInvalidToken
	}
	used := now.UTC()
	k.out.LastUsedAt = &used
	return &homeboxPrincipal{userID: u.id, token: tok, apiKey: true, groupIDs: append([]openapi_types.UUID(nil), u.groupIDs...)}, 0, ""
}

func (s *homeboxStore) logout(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, tok)
}

// refresh issues a new 7-day session and revokes the old token at once.
func (s *homeboxStore) refresh(tok string, now time.Time) (homeboxTokens, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[tok]
	if !ok || !now.Before(sess.expiresAt) {
		return homeboxTokens{}, errHomeboxInvalidLogin
	}
	delete(s.sessions, tok)
	return s.newSession(sess.userID, homeboxSessionTTL, now), nil
}

// revokeSessions deletes every session token (both roles) of userID but keep.
func (s *homeboxStore) revokeSessions(userID openapi_types.UUID, keep string) {
	for tok, sess := range s.sessions {
		if sess.userID == userID && tok != keep {
			delete(s.sessions, tok)
		}
	}
}

// homeboxValidateUser is the database schema's check of a user row (ent:
// name and email NotEmpty, MaxLen 255), which creates and updates alike
// run; the handlers answer its failure with 500 and its text.
func homeboxValidateUser(name, email string) error {
	for _, f := range []struct{ field, v string }{{"name", name}, {"email", homeboxNormalizeEmail(email)}} {
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
func (s *homeboxStore) logoutAll(userID openapi_types.UUID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revokeSessions(userID, "")
}

func (u *homeboxUser) out() homebox.UserOut {
	o := homebox.UserOut{
		Id: u.id, Name: u.name, Email: u.email, IsSuperuser: u.superuser,
		DefaultGroupId: u.groupID,
		GroupIds:       append([]openapi_types.UUID{}, u.groupIDs...),
	}
	if u.oidcIssuer != nil {
		v := *u.oidcIssuer
		o.OidcIssuer = &v
	}
	if u.oidcSubject != nil {
		v := *u.oidcSubject
		o.OidcSubject = &v
	}
	return o
}

func (s *homeboxStore) user(id openapi_types.UUID) (homebox.UserOut, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		return homebox.UserOut{}, errHomeboxNoUser
	}
	return u.out(), nil
}

func (s *homeboxStore) userByEmail(email string) (homebox.UserOut, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.byEmail[homeboxNormalizeEmail(email)]
	if !ok {
		return homebox.UserOut{}, false
	}
	return s.users[id].out(), true
}

// update replaces name and email (both always written, as the real server).
func (s *homeboxStore) update(id openapi_types.UUID, name, email string) (homebox.UserOut, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		return homebox.UserOut{}, errHomeboxNoUser
	}
	if err := homeboxValidateUser(name, email); err != nil {
		return homebox.UserOut{}, err
	}
	email = homeboxNormalizeEmail(email)
	if other, dup := s.byEmail[email]; dup && other != id {
		return homebox.UserOut{}, errHomeboxDuplicateEmail
	}
	delete(s.byEmail, u.email)
	u.name, u.email = name, email
	s.byEmail[email] = id
	return u.out(), nil
}

// deleteUser removes the user with every session, API key and reset token.
func (s *homeboxStore) deleteUser(id openapi_types.UUID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		return errHomeboxNoUser
	}
	s.revokeSessions(id, "")
	for kid, k := range s.apiKeys {
		if k.out.UserId == id {
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

func (s *homeboxStore) settings(id openapi_types.UUID) (*homebox.UserSettings, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		return nil, errHomeboxNoUser
	}
	var v homebox.UserSettings
	if err := json.Unmarshal(u.settings, &v); err != nil {
		return nil, err
	}
	if v == nil {
		return nil, nil
	}
	return &v, nil
}

// setSettings replaces the settings whole; nil stores null.
func (s *homeboxStore) setSettings(id openapi_types.UUID, v homebox.UserSettings) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		return errHomeboxNoUser
	}
	u.settings = b
	return nil
}

// changePassword checks current and revokes the user's other sessions.
func (s *homeboxStore) changePassword(id openapi_types.UUID, current, next, keep string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		return errHomeboxNoUser
	}
	if u.password == "" || u.password != current {
		return errHomeboxWrongPassword
	}
	u.password = next
	s.revokeSessions(id, keep)
	return nil
}

// forgot records a reset token for a local account; unknown addresses and
// OIDC-only accounts are silently ignored (no user enumeration).
func (s *homeboxStore) forgot(email string, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	email = homeboxNormalizeEmail(email)
	id, ok := s.byEmail[email]
	if !ok || s.users[id].password == "" {
		return
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	tok := hex.EncodeToString(b)
	s.resets[tok] = &homeboxResetToken{userID: id, expiresAt: now.Add(homeboxResetTokenTTL)}
	s.lastReset[email] = tok
}

// reset consumes a reset token, sets the password and ends every session.
// As the handler, the password length is checked before the token.
func (s *homeboxStore) reset(tok, password string, now time.Time) error {
	if len(password) < 6 {
		return errHomeboxShortPassword
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.resets[tok]
	if !ok {
		return errHomeboxResetToken
	}
	delete(s.resets, tok)
	u, ok := s.users[r.userID]
	if !ok || !now.Before(r.expiresAt) {
		return errHomeboxResetToken
	}
	u.password = password
	s.revokeSessions(u.id, "")
	return nil
}

func (s *homeboxStore) lastResetToken(email string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok, ok := s.lastReset[homeboxNormalizeEmail(email)]
	return tok, ok
}

func (s *homeboxStore) listAPIKeys(userID openapi_types.UUID) []homebox.APIKeyOut {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]*homeboxAPIKey, 0)
	for _, k := range s.apiKeys {
		if k.out.UserId == userID {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if !keys[i].out.CreatedAt.Equal(keys[j].out.CreatedAt) {
			return keys[i].out.CreatedAt.After(keys[j].out.CreatedAt)
		}
		return keys[i].seq > keys[j].seq
	})
	out := make([]homebox.APIKeyOut, 0, len(keys))
	for _, k := range keys {
		out = append(out, homeboxCopyKey(k.out))
	}
	return out
}

func homeboxCopyKey(k homebox.APIKeyOut) homebox.APIKeyOut {
	if k.ExpiresAt != nil {
		v := *k.ExpiresAt
		k.ExpiresAt = &v
	}
	if k.LastUsedAt != nil {
		v := *k.LastUsedAt
		k.LastUsedAt = &v
	}
	return k
}

func (s *homeboxStore) createAPIKey(userID openapi_types.UUID, name string, expiresAt *time.Time, now time.Time) homebox.APIKeyCreatedOut {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keySeq++
	k := &homeboxAPIKey{
		out: homebox.APIKeyOut{
			Id: s.newID(homeboxKindAPIKey), UserId: userID, Name: name, CreatedAt: now.UTC(),
		},
		token: homeboxAPIKeyToken(),
		seq:   s.keySeq,
	}
	if expiresAt == nil {
		// builds after v0.26.2 default an omitted expiry to 30 days
		// (v0.26.2 itself stored null)
		d := now.Add(homeboxAPIKeyDefaultTTL)
		expiresAt = &d
	}
	v := expiresAt.UTC()
	k.out.ExpiresAt = &v
	s.apiKeys[k.out.Id] = k
	s.apiKeyByTok[k.token] = k.out.Id
	o := homeboxCopyKey(k.out)
	return homebox.APIKeyCreatedOut{
		Id: o.Id, UserId: o.UserId, Name: o.Name, CreatedAt: o.CreatedAt,
		ExpiresAt: o.ExpiresAt, LastUsedAt: o.LastUsedAt, Token: k.token,
	}
}

// deleteAPIKey revokes one of userID's keys; another user's key is not found.
func (s *homeboxStore) deleteAPIKey(userID, id openapi_types.UUID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.apiKeys[id]
	if !ok || k.out.UserId != userID {
		return errHomeboxNotFound
	}
	delete(s.apiKeyByTok, k.token)
	delete(s.apiKeys, id)
	return nil
}

func (s *homeboxStore) newOIDCState(now time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	state := homeboxRandomToken(16)
	s.oidcStates[state] = now.Add(homeboxOIDCStateTTL)
	return state
}

// oidcAuthorize plays the identity provider: the user signed in, and the
// provider hands out a code for the pending state.
func (s *homeboxStore) oidcAuthorize(state string, id HomeboxOIDCIdentity, now time.Time) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.oidcStates[state]
	if !ok || !now.Before(exp) {
		return "", errHomeboxOIDC
	}
	code := homeboxRandomToken(16)
	s.oidcCodes[code] = &homeboxOIDCCode{state: state, identity: id, expiresAt: exp}
	return code, nil
}

// oidcCallback consumes state and code, finds (by issuer and subject, then
// by email) or creates the user, and opens a session.
func (s *homeboxStore) oidcCallback(code, state, issuer string, now time.Time) (homeboxTokens, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.oidcCodes[code]
	if !ok || c.state != state || !now.Before(c.expiresAt) {
		return homeboxTokens{}, errHomeboxOIDC
	}
	delete(s.oidcCodes, code)
	delete(s.oidcStates, state)
	id := c.identity
	var u *homeboxUser
	for _, cand := range s.users {
		if cand.oidcIssuer != nil && *cand.oidcIssuer == issuer && cand.oidcSubject != nil && *cand.oidcSubject == id.Subject {
			u = cand
			break
		}
	}
	if u == nil {
		if uid, ok := s.byEmail[homeboxNormalizeEmail(id.Email)]; ok {
			u = s.users[uid]
		}
	}
	if u == nil {
		var err error
		u, err = s.addUser(openapi_types.UUID{}, openapi_types.UUID{}, id.Name, id.Email, "", "")
		if err != nil {
			return homeboxTokens{}, err
		}
	}
	iss, sub := issuer, id.Subject
	u.oidcIssuer, u.oidcSubject = &iss, &sub
	return s.newSession(u.id, homeboxLongSessionTTL, now), nil
}

func (s *homeboxStore) createInvitation(groupID openapi_types.UUID, uses int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := homeboxRandomToken(16)
	s.invitations[tok] = &homeboxInvitation{groupID: groupID, uses: max(uses, 1)}
	return tok
}

// liveSessions counts userID's unexpired user-role session tokens.
func (s *homeboxStore) liveSessions(email string, now time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.byEmail[homeboxNormalizeEmail(email)]
	if !ok {
		return 0
	}
	n := 0
	for _, sess := range s.sessions {
		if sess.userID == id && sess.role == homeboxRoleUser && now.Before(sess.expiresAt) {
			n++
		}
	}
	return n
}
