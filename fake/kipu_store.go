package fake

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/userapis/userapis-go/gen/kipu"
)

// Domain errors of the Kipu store; the strict-server methods map them to
// the document's typed responses (see kipuStatus).
var (
	// errKipuUnauthenticated: the token is unknown, deleted, expired, or its
	// identity is gone.
	errKipuUnauthenticated = errors.New("invalid or expired personal access token")
	// errKipuNotProvisioned: the identity is valid but GET /me has not yet
	// created its user profile.
	errKipuNotProvisioned = errors.New("user profile not provisioned; call GET /me first")
	errKipuUserNotFound   = errors.New("User not found")
	errKipuTokenNotFound  = errors.New("Access token not found")
	errKipuForbidden      = errors.New("Access denied")
	errKipuNoImage        = errors.New("user has no profile image")
	errKipuInvalid        = errors.New("invalid request")
)

// kipuTimeLayout is the wire format of AccessTokenDto.createdAt/usedAt.
const kipuTimeLayout = "2006-01-02 15:04:05"

// kipuDefaultTokenName is the name the default token carries in principals.
const kipuDefaultTokenName = "default"

// kipuIdentity is an identity-provider account: it owns tokens, and its
// first GET /me provisions a kipuUser from it.
type kipuIdentity struct {
	id, username, email, firstname, lastname string
}

// kipuUser is a provisioned user-service profile.
type kipuUser struct {
	kipuIdentity
	seq                              uint64
	currentPosition, homepage, about *string
	image                            []byte
	imageType                        string
}

// kipuToken is a personal access token. The default token of an identity
// has isDefault set and is not listed among its accessTokens.
type kipuToken struct {
	id, owner, name, value string
	isDefault              bool
	seq                    uint64
	createdAt              time.Time
	usedAt                 *time.Time
	expiresAt              *openapi_types.Date
}

// expired reports whether t is no longer valid at now: a token is valid
// through the whole (UTC) day of its expiresAt date.
func (t *kipuToken) expired(now time.Time) bool {
	if t.expiresAt == nil {
		return false
	}
	return !now.UTC().Before(t.expiresAt.Time.AddDate(0, 0, 1))
}

// dto renders t's metadata; the raw value is never included.
func (t *kipuToken) dto() kipu.AccessTokenDto {
	d := kipu.AccessTokenDto{Id: t.id, Name: t.name, ExpiresAt: t.expiresAt}
	c := t.createdAt.UTC().Format(kipuTimeLayout)
	d.CreatedAt = &c
	if t.usedAt != nil {
		u := t.usedAt.UTC().Format(kipuTimeLayout)
		d.UsedAt = &u
	}
	if t.expiresAt != nil {
		e := *t.expiresAt
		d.ExpiresAt = &e
	}
	return d
}

type kipuRegistration struct {
	status  kipu.RegistrationResponseStatus
	message string
}

// kipuRegistrationMessages are the messages the service gives per status.
var kipuRegistrationMessages = map[kipu.RegistrationResponseStatus]string{
	kipu.RegistrationResponseStatusAPPROVED:         "The user is registered and approved.",
	kipu.RegistrationResponseStatusPENDING:          "The registration is awaiting approval.",
	kipu.RegistrationResponseStatusREJECTED:         "The registration was rejected.",
	kipu.RegistrationResponseStatusEMAILNOTVERIFIED: "The email address has not been verified yet.",
	kipu.RegistrationResponseStatusNOTFOUND:         "No user is registered with this email address.",
}

// kipuPrincipal is who a token authenticates.
type kipuPrincipal struct {
	userID  string
	tokenID string
	token   kipu.AccessTokenDto
}

// kipuStore is the Kipu fake's state, safe for concurrent use. Methods take
// the current time from the caller so that the fake's clock is injectable.
type kipuStore struct {
	mu            sync.Mutex
	seq           uint64
	identities    map[string]*kipuIdentity
	users         map[string]*kipuUser
	tokens        map[string]*kipuToken // by id
	byValue       map[string]string     // raw value -> token id
	accessTokens  map[string]string     // OAuth2 access token -> identity id
	registrations map[string]kipuRegistration
}

func newKipuStore() *kipuStore {
	return &kipuStore{
		identities:    map[string]*kipuIdentity{},
		users:         map[string]*kipuUser{},
		tokens:        map[string]*kipuToken{},
		byValue:       map[string]string{},
		accessTokens:  map[string]string{},
		registrations: map[string]kipuRegistration{},
	}
}

// next returns a fresh sequence number; mu must be held.
func (s *kipuStore) next() uint64 {
	s.seq++
	return s.seq
}

// kipuHash returns deterministic hex derived from kind and n.
func kipuHash(kind string, n uint64) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("kipu-fake/%s/%d", kind, n)))
	return hex.EncodeToString(sum[:])
}

// newID returns a deterministic, UUID-shaped id; mu must be held.
func (s *kipuStore) newID(kind string) string {
	h := kipuHash(kind, s.next())
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

// newValue returns a deterministic raw token value; mu must be held.
func (s *kipuStore) newValue(isDefault bool) string {
	if isDefault {
		return "kqh_default_" + kipuHash("default", s.next())[:20]
	}
	return "kqh_pat_" + kipuHash("pat", s.next())[:20]
}

func kipuEmailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// addIdentity stores ident (with a generated id when empty), an APPROVED
// registration for its email, and a default token whose raw value it
// returns. With provision, the user profile is created at once.
func (s *kipuStore) addIdentity(ident kipuIdentity, provision bool, now time.Time) (string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ident.id == "" {
		ident.id = s.newID("user")
	}
	if ident.username == "" {
		ident.username = ident.email
	}
	s.removeUserLocked(ident.id)
	id := ident
	s.identities[ident.id] = &id
	if ident.email != "" {
		s.registrations[kipuEmailKey(ident.email)] = kipuRegistration{
			status: kipu.RegistrationResponseStatusAPPROVED, message: kipuRegistrationMessages[kipu.RegistrationResponseStatusAPPROVED],
		}
	}
	if provision {
		s.users[ident.id] = &kipuUser{kipuIdentity: ident, seq: s.next()}
	}
	tok := s.putTokenLocked(ident.id, kipuDefaultTokenName, "", "", true, now, nil)
	return ident.id, tok.value
}

// putTokenLocked stores a new token (generated id and value when empty).
func (s *kipuStore) putTokenLocked(owner, name, id, value string, isDefault bool, created time.Time, expires *openapi_types.Date) *kipuToken {
	if id == "" {
		id = s.newID("token")
	}
	if value == "" {
		value = s.newValue(isDefault)
	}
	t := &kipuToken{id: id, owner: owner, name: name, value: value, isDefault: isDefault, seq: s.next(), createdAt: created, expiresAt: expires}
	s.tokens[id] = t
	s.byValue[value] = id
	return t
}

func (s *kipuStore) deleteTokenLocked(t *kipuToken) {
	delete(s.tokens, t.id)
	delete(s.byValue, t.value)
}

// removeUserLocked deletes an identity, its profile, tokens and
// registration.
func (s *kipuStore) removeUserLocked(id string) {
	if ident, ok := s.identities[id]; ok && ident.email != "" {
		delete(s.registrations, kipuEmailKey(ident.email))
	}
	delete(s.identities, id)
	delete(s.users, id)
	for _, t := range s.tokens {
		if t.owner == id {
			s.deleteTokenLocked(t)
		}
	}
}

// issueAccessToken plays the identity provider: a new (deterministic)
// OAuth2 access token for identity id, good until the identity is deleted.
func (s *kipuStore) issueAccessToken(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := "kipu-at-" + kipuHash("access", s.next())[:32]
	s.accessTokens[tok] = id
	return tok
}

// authenticateBearer resolves an OAuth2 access token. Such a principal has
// no personal access token of its own.
func (s *kipuStore) authenticateBearer(tok string) (kipuPrincipal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.accessTokens[tok]
	if !ok || s.identities[id] == nil {
		return kipuPrincipal{}, errKipuUnauthenticated
	}
	return kipuPrincipal{userID: id}, nil
}

// authenticate resolves a raw token value and records its use.
func (s *kipuStore) authenticate(value string, now time.Time) (kipuPrincipal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.byValue[value]
	if !ok {
		return kipuPrincipal{}, errKipuUnauthenticated
	}
	t := s.tokens[id]
	if t == nil || t.expired(now) || s.identities[t.owner] == nil {
		return kipuPrincipal{}, errKipuUnauthenticated
	}
	used := now.UTC().Truncate(time.Second)
	t.usedAt = &used
	return kipuPrincipal{userID: t.owner, tokenID: t.id, token: t.dto()}, nil
}

// userLocked returns the provisioned profile of identity id.
func (s *kipuStore) userLocked(id string) (*kipuUser, error) {
	if s.identities[id] == nil {
		return nil, errKipuUnauthenticated
	}
	u := s.users[id]
	if u == nil {
		return nil, errKipuNotProvisioned
	}
	return u, nil
}

// currentUser returns the profile of identity id, provisioning it from the
// identity on first call.
func (s *kipuStore) currentUser(id string) (kipu.UserDto, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ident := s.identities[id]
	if ident == nil {
		return kipu.UserDto{}, errKipuUnauthenticated
	}
	u := s.users[id]
	if u == nil {
		u = &kipuUser{kipuIdentity: *ident, seq: s.next()}
		s.users[id] = u
	}
	return u.dto(), nil
}

func (s *kipuStore) updateProfile(id string, req kipu.UpdateUserRequest) (kipu.UserDto, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(id)
	if err != nil {
		return kipu.UserDto{}, err
	}
	u.currentPosition = kipuClone(req.CurrentPosition)
	u.homepage = kipuClone(req.Homepage)
	u.about = kipuClone(req.About)
	return u.dto(), nil
}

func (s *kipuStore) deleteUser(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.userLocked(id); err != nil {
		return err
	}
	s.removeUserLocked(id)
	return nil
}

func (s *kipuStore) setImage(id string, data []byte, contentType string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(id)
	if err != nil {
		return err
	}
	u.image = slices.Clone(data)
	u.imageType = contentType
	return nil
}

func (s *kipuStore) deleteImage(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(id)
	if err != nil {
		return err
	}
	u.image, u.imageType = nil, ""
	return nil
}

// ownTokensLocked returns id's tokens in creation order.
func (s *kipuStore) ownTokensLocked(id string) []*kipuToken {
	var out []*kipuToken
	for _, t := range s.tokens {
		if t.owner == id {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b *kipuToken) int {
		if c := a.createdAt.Compare(b.createdAt); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	return out
}

func (s *kipuStore) listTokens(id string) (kipu.AccessTokensDto, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.userLocked(id); err != nil {
		return kipu.AccessTokensDto{}, err
	}
	list := []kipu.AccessTokenDto{}
	var def *string
	for _, t := range s.ownTokensLocked(id) {
		if t.isDefault {
			v := t.value
			def = &v
			continue
		}
		list = append(list, t.dto())
	}
	return kipu.AccessTokensDto{DefaultToken: def, AccessTokens: &list}, nil
}

func (s *kipuStore) createToken(id string, req kipu.CreateAccessTokenRequest, now time.Time) (kipu.AccessTokenDto, error) {
	name := strings.TrimSpace(req.Name)
	if name == "" {
		return kipu.AccessTokenDto{}, fmt.Errorf("%w: name: must not be blank", errKipuInvalid)
	}
	if req.ExpiresAt != nil {
		tok := kipuToken{expiresAt: req.ExpiresAt}
		if tok.expired(now) {
			return kipu.AccessTokenDto{}, fmt.Errorf("%w: expiresAt: must not be in the past", errKipuInvalid)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.userLocked(id); err != nil {
		return kipu.AccessTokenDto{}, err
	}
	var exp *openapi_types.Date
	if req.ExpiresAt != nil {
		e := *req.ExpiresAt
		exp = &e
	}
	t := s.putTokenLocked(id, name, "", "", false, now.UTC().Truncate(time.Second), exp)
	d := t.dto()
	v := t.value
	d.Value = &v
	return d, nil
}

func (s *kipuStore) deleteToken(id, tokenID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.userLocked(id); err != nil {
		return err
	}
	t := s.tokens[tokenID]
	if t == nil {
		return errKipuTokenNotFound
	}
	if t.owner != id {
		return errKipuForbidden
	}
	s.deleteTokenLocked(t)
	return nil
}

// regenerateDefault replaces id's default token and returns the new value.
func (s *kipuStore) regenerateDefault(id string, now time.Time) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.userLocked(id); err != nil {
		return "", err
	}
	for _, t := range s.tokens {
		if t.owner == id && t.isDefault {
			s.deleteTokenLocked(t)
		}
	}
	t := s.putTokenLocked(id, kipuDefaultTokenName, "", "", true, now.UTC().Truncate(time.Second), nil)
	return t.value, nil
}

func (s *kipuStore) overview(id string) (kipu.UserOverviewDto, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[id]
	if u == nil {
		return kipu.UserOverviewDto{}, errKipuUserNotFound
	}
	return kipu.UserOverviewDto{Id: u.id, Firstname: kipuOpt(u.firstname), Lastname: kipuOpt(u.lastname)}, nil
}

func (s *kipuStore) exists(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.users[id] != nil
}

func (s *kipuStore) image(id string) ([]byte, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[id]
	if u == nil {
		return nil, "", errKipuUserNotFound
	}
	if u.image == nil {
		return nil, "", errKipuNoImage
	}
	return slices.Clone(u.image), u.imageType, nil
}

func (s *kipuStore) registration(email string) (kipuRegistration, error) {
	key := kipuEmailKey(email)
	if key == "" {
		return kipuRegistration{}, fmt.Errorf("%w: email: must not be blank", errKipuInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.registrations[key]
	if !ok {
		st := kipu.RegistrationResponseStatusNOTFOUND
		return kipuRegistration{status: st, message: kipuRegistrationMessages[st]}, nil
	}
	return r, nil
}

func (s *kipuStore) setRegistration(email string, status kipu.RegistrationResponseStatus, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if message == "" {
		message = kipuRegistrationMessages[status]
	}
	s.registrations[kipuEmailKey(email)] = kipuRegistration{status: status, message: message}
}

// search is a case-insensitive substring match over first name, last name,
// username and email of provisioned users, in provisioning order.
func (s *kipuStore) search(q string) ([]kipu.UserSearchDto, error) {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" {
		return nil, fmt.Errorf("%w: q: must not be blank", errKipuInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var hits []*kipuUser
	for _, u := range s.users {
		for _, f := range []string{u.firstname, u.lastname, u.username, u.email} {
			if strings.Contains(strings.ToLower(f), q) {
				hits = append(hits, u)
				break
			}
		}
	}
	slices.SortFunc(hits, func(a, b *kipuUser) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]kipu.UserSearchDto, 0, len(hits))
	for _, u := range hits {
		out = append(out, kipu.UserSearchDto{Id: u.id, Firstname: kipuOpt(u.firstname), Lastname: kipuOpt(u.lastname)})
	}
	return out, nil
}

func (u *kipuUser) dto() kipu.UserDto {
	return kipu.UserDto{
		Id:              u.id,
		Username:        kipuOpt(u.username),
		Email:           kipuOpt(u.email),
		Firstname:       kipuOpt(u.firstname),
		Lastname:        kipuOpt(u.lastname),
		CurrentPosition: kipuClone(u.currentPosition),
		Homepage:        kipuClone(u.homepage),
		About:           kipuClone(u.about),
	}
}

// kipuOpt is nil for "" (Jackson's null for an unset property).
func kipuOpt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func kipuClone(p *string) *string {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
