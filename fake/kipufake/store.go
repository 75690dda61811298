package kipufake

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/userapis/userapis-go/gen/kipu"
	"github.com/userapis/userapis-go/internal/fakekit"
)

// Domain errors of the Kipu store, with the status the service answers;
// renderError writes them as Spring Boot's error body.
var (
	// errUnauthenticated: the token is unknown, deleted, expired, or its
	// identity is gone.
	errUnauthenticated = &fakekit.Error{Status: http.StatusUnauthorized, Message: "invalid or expired personal access token"}
	// errNotProvisioned: the identity is valid but GET /me has not yet
	// created its user profile.
	errNotProvisioned = &fakekit.Error{Status: http.StatusForbidden, Message: "user profile not provisioned; call GET /me first"}
	errUserNotFound   = &fakekit.Error{Status: http.StatusNotFound, Message: "User not found"}
	errTokenNotFound  = &fakekit.Error{Status: http.StatusNotFound, Message: "Access token not found"}
	errForbidden      = &fakekit.Error{Status: http.StatusForbidden, Message: "Access denied"}
	// errNoImage is not an HTTP error: the image is null.
	errNoImage = errors.New("user has no profile image")
)

// invalidf is a 400 for a request the service refuses.
func invalidf(format string, args ...any) error {
	return fakekit.Errorf(http.StatusBadRequest, format, args...)
}

// timeLayout is the wire format of AccessTokenDto.createdAt/usedAt.
const timeLayout = "2006-01-02 15:04:05"

// defaultTokenName is the name the default token carries in principals.
const defaultTokenName = "default"

// identity is an identity-provider account: it owns tokens, and its
// first GET /me provisions a userRow from it.
type identity struct {
	id, username, email, firstname, lastname string
}

// userRow is a provisioned user-service profile.
type userRow struct {
	identity
	seq                              uint64
	currentPosition, homepage, about *string
	image                            []byte
	imageType                        string
}

// token is a personal access token. The default token of an identity
// has isDefault set and is not listed among its accessTokens.
type token struct {
	id, owner, name, value string
	isDefault              bool
	seq                    uint64
	createdAt              time.Time
	usedAt                 *time.Time
	expiresAt              *openapi_types.Date
}

type registration struct {
	status  kipu.RegistrationResponseStatus
	message string
}

// registrationMessages are the messages the service gives per status.
var registrationMessages = map[kipu.RegistrationResponseStatus]string{
	kipu.RegistrationResponseStatusAPPROVED:         "The user is registered and approved.",
	kipu.RegistrationResponseStatusPENDING:          "The registration is awaiting approval.",
	kipu.RegistrationResponseStatusREJECTED:         "The registration was rejected.",
	kipu.RegistrationResponseStatusEMAILNOTVERIFIED: "The email address has not been verified yet.",
	kipu.RegistrationResponseStatusNOTFOUND:         "No user is registered with this email address.",
}

// principal is who a token authenticates.
type principal struct {
	userID  string
	tokenID string
	token   kipu.AccessTokenDto
}

// store is the Kipu fake's state, safe for concurrent use. Methods take
// the current time from the caller so that the fake's clock is injectable.
type store struct {
	mu            sync.Mutex
	seq           uint64
	identities    map[string]*identity
	users         map[string]*userRow
	tokens        map[string]*token // by id
	byValue       map[string]string // raw value -> token id
	accessTokens  map[string]string // OAuth2 access token -> identity id
	registrations map[string]registration
}

func newStore() *store {
	return &store{
		identities:    map[string]*identity{},
		users:         map[string]*userRow{},
		tokens:        map[string]*token{},
		byValue:       map[string]string{},
		accessTokens:  map[string]string{},
		registrations: map[string]registration{},
	}
}

// next returns a fresh sequence number; mu must be held.
func (s *store) next() uint64 {
	s.seq++
	return s.seq
}

// hashOf returns deterministic hex derived from kind and n.
func hashOf(kind string, n uint64) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("kipu-fake/%s/%d", kind, n)))
	return hex.EncodeToString(sum[:])
}

// newID returns a deterministic, UUID-shaped id; mu must be held.
func (s *store) newID(kind string) string {
	h := hashOf(kind, s.next())
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

func emailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// addIdentity stores ident (with a generated id when empty), an APPROVED
// registration for its email, and a default token whose raw value it
// returns. With provision, the user profile is created at once.
func (s *store) addIdentity(ident identity, provision bool, now time.Time) (string, string) {
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
		s.registrations[emailKey(ident.email)] = registration{
			status: kipu.RegistrationResponseStatusAPPROVED, message: registrationMessages[kipu.RegistrationResponseStatusAPPROVED],
		}
	}
	if provision {
		s.users[ident.id] = &userRow{identity: ident, seq: s.next()}
	}
	tok := s.putTokenLocked(ident.id, defaultTokenName, "", "", true, now, nil)
	return ident.id, tok.value
}

// removeUserLocked deletes an identity, its profile, tokens and
// registration.
func (s *store) removeUserLocked(id string) {
	if ident, ok := s.identities[id]; ok && ident.email != "" {
		delete(s.registrations, emailKey(ident.email))
	}
	delete(s.identities, id)
	delete(s.users, id)
	for _, t := range s.tokens {
		if t.owner == id {
			s.deleteTokenLocked(t)
		}
	}
}

// userLocked returns the provisioned profile of identity id.
func (s *store) userLocked(id string) (*userRow, error) {
	if s.identities[id] == nil {
		return nil, errUnauthenticated
	}
	u := s.users[id]
	if u == nil {
		return nil, errNotProvisioned
	}
	return u, nil
}

// currentUser returns the profile of identity id, provisioning it from the
// identity on first call.
func (s *store) currentUser(id string) (kipu.UserDto, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ident := s.identities[id]
	if ident == nil {
		return kipu.UserDto{}, errUnauthenticated
	}
	u := s.users[id]
	if u == nil {
		u = &userRow{identity: *ident, seq: s.next()}
		s.users[id] = u
	}
	return u.dto(), nil
}

func (s *store) updateProfile(id string, req kipu.UpdateUserRequest) (kipu.UserDto, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(id)
	if err != nil {
		return kipu.UserDto{}, err
	}
	u.currentPosition = clone(req.CurrentPosition)
	u.homepage = clone(req.Homepage)
	u.about = clone(req.About)
	return u.dto(), nil
}

func (s *store) deleteUser(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.userLocked(id); err != nil {
		return err
	}
	s.removeUserLocked(id)
	return nil
}

func (s *store) setImage(id string, data []byte, contentType string) error {
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

func (s *store) deleteImage(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(id)
	if err != nil {
		return err
	}
	u.image, u.imageType = nil, ""
	return nil
}

func (s *store) overview(id string) (kipu.UserOverviewDto, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[id]
	if u == nil {
		return kipu.UserOverviewDto{}, errUserNotFound
	}
	return kipu.UserOverviewDto{ID: u.id, Firstname: opt(u.firstname), Lastname: opt(u.lastname)}, nil
}

func (s *store) exists(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.users[id] != nil
}

func (s *store) image(id string) ([]byte, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[id]
	if u == nil {
		return nil, "", errUserNotFound
	}
	if u.image == nil {
		return nil, "", errNoImage
	}
	return slices.Clone(u.image), u.imageType, nil
}

func (s *store) registration(email string) (registration, error) {
	key := emailKey(email)
	if key == "" {
		return registration{}, invalidf("email: must not be blank")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.registrations[key]
	if !ok {
		st := kipu.RegistrationResponseStatusNOTFOUND
		return registration{status: st, message: registrationMessages[st]}, nil
	}
	return r, nil
}

func (s *store) setRegistration(email string, status kipu.RegistrationResponseStatus, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if message == "" {
		message = registrationMessages[status]
	}
	s.registrations[emailKey(email)] = registration{status: status, message: message}
}

// search is a case-insensitive substring match over first name, last name,
// username and email of provisioned users, in provisioning order.
func (s *store) search(q string) ([]kipu.UserSearchDto, error) {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" {
		return nil, invalidf("q: must not be blank")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var hits []*userRow
	for _, u := range s.users {
		for _, f := range []string{u.firstname, u.lastname, u.username, u.email} {
			if strings.Contains(strings.ToLower(f), q) {
				hits = append(hits, u)
				break
			}
		}
	}
	slices.SortFunc(hits, func(a, b *userRow) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]kipu.UserSearchDto, 0, len(hits))
	for _, u := range hits {
		out = append(out, kipu.UserSearchDto{ID: u.id, Firstname: opt(u.firstname), Lastname: opt(u.lastname)})
	}
	return out, nil
}

func (u *userRow) dto() kipu.UserDto {
	return kipu.UserDto{
		ID:              u.id,
		Username:        opt(u.username),
		Email:           opt(u.email),
		Firstname:       opt(u.firstname),
		Lastname:        opt(u.lastname),
		CurrentPosition: clone(u.currentPosition),
		Homepage:        clone(u.homepage),
		About:           clone(u.about),
	}
}

// opt is nil for "" (Jackson's null for an unset property).
func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func clone(p *string) *string {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
