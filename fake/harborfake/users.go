// The user operations of the Harbor fake's store, with the handler's
// checks in the real server's order (src/server/v2.0/handler/user.go).

package harborfake

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/userapis/userapis-go/gen/harbor"
)

// ---- validation (the handler's checks) -------------------------------------

// validSecret is Harbor's rule for passwords and CLI secrets.
func validSecret(s string) error {
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
	return badRequestf("the password or secret must be 8-128, inclusively, characters long with at least 1 uppercase letter, 1 lowercase letter and 1 number")
}

// emailRe accepts local@domain where local is dot-separated atoms
// (no specials, spaces, '@' or '"') or a quoted string, and domain is
// labels ending in a 2+ letter TLD or a bracketed IPv4 address.
var emailRe = regexp.MustCompile(
	`^(?:[^<>()\[\]\\.,;:\s@"]+(?:\.[^<>()\[\]\\.,;:\s@"]+)*|".+")@` +
		`(?:\[\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\]|(?:[a-zA-Z0-9-]+\.)+[a-zA-Z]{2,})$`)

func runes(s string) int { return utf8.RuneCountInString(s) }

// illegalChars is upstream's common.IllegalCharsInUsername, checked in
// usernames and realnames.
const illegalChars = `,"~#%$`

// validateProfile is the check Harbor applies to created and updated
// profiles, in its order.
func validateProfile(email, realname, comment string) error {
	switch {
	case email == "":
		return badRequestf("email can't be empty")
	case !emailRe.MatchString(email):
		return badRequestf("email with illegal format")
	case runes(realname) < 1 || runes(realname) > 255:
		return badRequestf("realname with illegal length")
	case strings.ContainsAny(realname, illegalChars):
		return badRequestf("realname contains illegal characters")
	case runes(comment) > 30:
		return badRequestf("comment with illegal length")
	}
	return nil
}

func validateUsername(name string) error {
	switch {
	case runes(name) < 1 || runes(name) > 255:
		return badRequestf("username with illegal length")
	case strings.ContainsAny(name, illegalChars):
		return badRequestf("username contains illegal characters")
	}
	return nil
}

// ---- operations ------------------------------------------------------------

func (s *store) createUser(p *principal, req harbor.UserCreationReq) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.authMode != AuthDB {
		return 0, errorf(http.StatusForbidden, "creating local user is not allowed under auth mode: %s", s.authMode)
	}
	access := s.requireSystemAccess(p)
	if !s.selfReg && access != nil {
		return 0, access
	}
	if s.selfReg && access != nil {
		return 0, errorf(http.StatusForbidden, "self-registration cannot be triggered via API")
	}
	if err := validSecret(req.Password); err != nil {
		return 0, err
	}
	comment := ""
	if req.Comment != nil {
		comment = *req.Comment
	}
	if err := validateProfile(req.Email, req.Realname, comment); err != nil {
		return 0, err
	}
	if err := validateUsername(req.Username); err != nil {
		return 0, err
	}
	if s.byName[req.Username] != nil || s.byEmail[req.Email] != nil {
		s.burnID()
		return 0, errorf(http.StatusConflict, "user %s or email %s already exists", req.Username, req.Email)
	}
	now := s.stamp()
	return s.insert(&userRow{
		username: req.Username, email: req.Email, realname: req.Realname, comment: comment,
		password: req.Password, created: now, updated: now,
	}), nil
}

func (s *store) getUser(p *principal, id int64) (harbor.UserResp, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	self, err := matchUserID(p, id)
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
		return harbor.UserResp{}, errorf(http.StatusNotFound, "user %d not found", id)
	}
	return s.resp(u, true), nil
}

func (s *store) currentUser(p *principal) (harbor.UserResp, error) {
	if p == nil {
		return harbor.UserResp{}, unauthorized() // RequireAuthenticated
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.robot {
		return harbor.UserResp{}, errorf(http.StatusPreconditionFailed, "get current user not available for security context: robot")
	}
	u := s.get(p.userID)
	if u == nil {
		return harbor.UserResp{}, errorf(http.StatusNotFound, "user %d not found", p.userID)
	}
	return s.resp(u, true), nil
}

// requireModifiable: under db_auth a system admin may update anyone and a
// user themself; under other modes only user 1, by a system admin; mu held.
func (s *store) requireModifiable(p *principal, id int64) error {
	if s.authMode == AuthDB {
		self, err := matchUserID(p, id)
		if err != nil || self {
			return err
		}
		return s.requireSystemAccess(p)
	}
	if id != 1 {
		return errorf(http.StatusForbidden, "User with ID %d can't be updated", id)
	}
	return s.requireSystemAccess(p)
}

// update finds the row an UPDATE by primary key would change: Harbor's
// updates do not skip deleted rows; mu held.
func (s *store) update(id int64) (*userRow, error) {
	u := s.row(id)
	if u == nil && s.wasEvicted(id) {
		// A deleted user whose row the fake no longer keeps: the real
		// UPDATE succeeds on a row nobody can read; so does this one, on a
		// row that is thrown away.
		return &userRow{id: id, deleted: true}, nil
	}
	if u == nil {
		return nil, errorf(http.StatusNotFound, "user with id %d not found", id)
	}
	return u, nil
}

func (s *store) updateProfile(p *principal, id int64, prof harbor.UserProfile) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireModifiable(p, id); err != nil {
		return err
	}
	comment := ""
	if prof.Comment != nil {
		comment = *prof.Comment
	}
	if err := validateProfile(prof.Email, prof.Realname, comment); err != nil {
		return err
	}
	u, err := s.update(id)
	if err != nil {
		return err
	}
	if other := s.byEmail[prof.Email]; other != nil && other != u {
		// the unique constraint on email fails the UPDATE; Harbor does not
		// map that error, so it answers 500
		return internalError()
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

func (s *store) deleteUser(p *principal, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireSystemAccess(p); err != nil {
		return err
	}
	if isSelf(p, id) || id == 1 {
		return errorf(http.StatusForbidden, "User with ID %d cannot be deleted", id)
	}
	u := s.get(id)
	if u == nil {
		return errorf(http.StatusNotFound, "user %d not found", id)
	}
	// Soft delete, as Harbor does: mark the row and rename username and
	// email with "#<id>", which frees both for new users.
	delete(s.byName, u.username)
	if s.byEmail[u.email] == u {
		delete(s.byEmail, u.email)
	}
	suffix := fmt.Sprintf("#%d", u.id)
	u.username = truncate(u.username, suffix)
	if u.email != "" {
		u.email = truncate(u.email, suffix)
	}
	u.deleted = true
	u.oidc = nil
	u.updated = s.stamp()
	s.bury(u)
	s.version++
	return nil
}

// truncate appends suffix, cutting s so that the result fits 255
// bytes.
func truncate(s, suffix string) string {
	if n := 255 - len(suffix); len(s) > n {
		s = s[:n]
	}
	return s + suffix
}

func (s *store) setSysAdmin(p *principal, id int64, admin bool) error {
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
func (s *store) matchPassword(name, password string) bool {
	for _, u := range []*userRow{s.byName[name], s.byEmail[name]} {
		if u != nil && u.password == password {
			return true
		}
	}
	return false
}

func (s *store) updatePassword(p *principal, id int64, req harbor.PasswordReq) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireModifiable(p, id); err != nil {
		return err
	}
	if isSelf(p, id) {
		old := ""
		if req.OldPassword != nil {
			old = *req.OldPassword
		}
		if !s.matchPassword(p.username, old) {
			return errorf(http.StatusForbidden, "Current password is incorrect")
		}
	}
	if err := validSecret(req.NewPassword); err != nil {
		return err
	}
	// getUserByID, then VerifyPassword(target's username, new): the new
	// password is compared with the target's, whoever the caller is.
	u := s.get(id)
	if u == nil {
		return errorf(http.StatusNotFound, "user %d not found", id)
	}
	if s.matchPassword(u.username, req.NewPassword) {
		return badRequestf("New password is identical to old password")
	}
	u.password = req.NewPassword
	u.updated = s.stamp()
	s.version++
	return nil
}

func (s *store) setCliSecret(p *principal, id int64, secret string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	// requireForCLISecret: the auth mode first (before the id and before
	// authentication), then self, then system access.
	if s.authMode != AuthOIDC {
		return errorf(http.StatusPreconditionFailed, "unable to update CLI secret under authmode: %s", s.authMode)
	}
	self, err := matchUserID(p, id)
	if err != nil {
		return err
	}
	if !self {
		if err := s.requireSystemAccess(p); err != nil {
			return err
		}
	}
	if secret == "" {
		secret = randomSecret()
	}
	if err := validSecret(secret); err != nil {
		return err
	}
	u := s.get(id)
	if u == nil || u.id == 1 {
		return errorf(http.StatusNotFound, "oidc info for user %d not found", id)
	}
	m := s.ensureOIDC(u)
	m.secret = secret
	m.updated = s.stamp()
	s.version++
	return nil
}

// randomSecret is a generated CLI secret: 9 characters, drawn again
// until they pass the secret rule, as the real server does.
func randomSecret() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	for {
		var b [9]byte
		_, _ = rand.Read(b[:])
		for i := range b {
			b[i] = alphabet[int(b[i])%len(alphabet)]
		}
		if validSecret(string(b[:])) == nil {
			return string(b[:])
		}
	}
}
