// The account operations of the Homebox fake's store: settings, password
// change, forgotten-password tokens and reset.

package homeboxfake

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/userapis/userapis-go/gen/homebox"
)

func (s *store) settings(id uuid.UUID) (*homebox.UserSettings, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		return nil, errNoUser
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
func (s *store) setSettings(id uuid.UUID, v homebox.UserSettings) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		return errNoUser
	}
	u.settings = b
	return nil
}

// changePassword checks current and revokes the user's other sessions.
func (s *store) changePassword(id uuid.UUID, current, next, keep string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		return errNoUser
	}
	if u.password == "" || u.password != current {
		return errWrongPassword
	}
	u.password = next
	s.revokeSessions(id, keep)
	return nil
}

// forgot records a reset token for a local account; unknown addresses and
// OIDC-only accounts are silently ignored (no user enumeration).
func (s *store) forgot(email string, now time.Time) (to, tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	email = normalizeEmail(email)
	id, ok := s.byEmail[email]
	if !ok || s.users[id].password == "" {
		return "", ""
	}
	tok = randomToken(16) // 26 base32 characters, as the real server's
	s.resets[tok] = &resetToken{userID: id, expiresAt: now.Add(resetTokenTTL)}
	s.lastReset[email] = tok
	return email, tok
}

// reset consumes a reset token, sets the password and ends every session.
// As the handler, the password length is checked before the token.
func (s *store) reset(tok, password string, now time.Time) error {
	if len(password) < 6 {
		return errShortPassword
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.resets[tok]
	if !ok {
		return errResetToken
	}
	delete(s.resets, tok)
	u, ok := s.users[r.userID]
	if !ok || !now.Before(r.expiresAt) {
		return errResetToken
	}
	u.password = password
	s.revokeSessions(u.id, "")
	return nil
}

func (s *store) lastResetToken(email string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok, ok := s.lastReset[normalizeEmail(email)]
	return tok, ok
}
