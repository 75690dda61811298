// API keys and OIDC sign-in in the Homebox fake's store: keys shown once,
// 30-day default expiry, OIDC states and codes, group invitations.

package homeboxfake

import (
	"crypto/rand"
	"encoding/base64"
	"sort"
	"time"

	"github.com/google/uuid"
	"github.com/userapis/userapis-go/gen/homebox"
)

// apiKeyDefaultTTL is the expiry of an API key created without one.
const apiKeyDefaultTTL = 30 * 24 * time.Hour

// newAPIKeyToken is a new API key as the real server makes them: "hb_"
// and 32 random bytes in unpadded base64url (43 characters).
func newAPIKeyToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return "hb_" + base64.RawURLEncoding.EncodeToString(b)
}

func (s *store) listAPIKeys(userID uuid.UUID) []homebox.APIKeyOut {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]*apiKeyRow, 0)
	for _, k := range s.apiKeys {
		if k.out.UserID == userID {
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
		out = append(out, copyKey(k.out))
	}
	return out
}

func copyKey(k homebox.APIKeyOut) homebox.APIKeyOut {
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

func (s *store) createAPIKey(userID uuid.UUID, name string, expiresAt *time.Time, now time.Time) homebox.APIKeyCreatedOut {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keySeq++
	k := &apiKeyRow{
		out: homebox.APIKeyOut{
			ID: s.newID(kindAPIKey), UserID: userID, Name: name, CreatedAt: now.UTC(),
		},
		token: newAPIKeyToken(),
		seq:   s.keySeq,
	}
	if expiresAt == nil {
		// builds after v0.26.2 default an omitted expiry to 30 days
		// (v0.26.2 itself stored null)
		d := now.Add(apiKeyDefaultTTL)
		expiresAt = &d
	}
	v := expiresAt.UTC()
	k.out.ExpiresAt = &v
	s.apiKeys[k.out.ID] = k
	s.apiKeyByTok[k.token] = k.out.ID
	o := copyKey(k.out)
	return homebox.APIKeyCreatedOut{
		ID: o.ID, UserID: o.UserID, Name: o.Name, CreatedAt: o.CreatedAt,
		ExpiresAt: o.ExpiresAt, LastUsedAt: o.LastUsedAt, Token: k.token,
	}
}

// deleteAPIKey revokes one of userID's keys; another user's key is not found.
func (s *store) deleteAPIKey(userID, id uuid.UUID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.apiKeys[id]
	if !ok || k.out.UserID != userID {
		return errNotFound
	}
	delete(s.apiKeyByTok, k.token)
	delete(s.apiKeys, id)
	return nil
}

func (s *store) newOIDCState(now time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	state := randomToken(16)
	s.oidcStates[state] = now.Add(oidcStateTTL)
	return state
}

// oidcAuthorize plays the identity provider: the user signed in, and the
// provider hands out a code for the pending state.
func (s *store) oidcAuthorize(state string, id OIDCIdentity, now time.Time) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.oidcStates[state]
	if !ok || !now.Before(exp) {
		return "", errOIDC
	}
	code := randomToken(16)
	s.oidcCodes[code] = &oidcCode{state: state, identity: id, expiresAt: exp}
	return code, nil
}

// oidcCallback consumes state and code, finds (by issuer and subject, then
// by email) or creates the user, and opens a session.
func (s *store) oidcCallback(code, state, issuer string, now time.Time) (tokens, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.oidcCodes[code]
	if !ok || c.state != state || !now.Before(c.expiresAt) {
		return tokens{}, errOIDC
	}
	delete(s.oidcCodes, code)
	delete(s.oidcStates, state)
	id := c.identity
	var u *userRow
	for _, cand := range s.users {
		if cand.oidcIssuer != nil && *cand.oidcIssuer == issuer && cand.oidcSubject != nil && *cand.oidcSubject == id.Subject {
			u = cand
			break
		}
	}
	if u == nil {
		if uid, ok := s.byEmail[normalizeEmail(id.Email)]; ok {
			u = s.users[uid]
		}
	}
	if u == nil {
		var err error
		u, err = s.addUser(uuid.UUID{}, uuid.UUID{}, id.Name, id.Email, "", "")
		if err != nil {
			return tokens{}, err
		}
	}
	iss, sub := issuer, id.Subject
	u.oidcIssuer, u.oidcSubject = &iss, &sub
	return s.newSession(u.id, longSessionTTL, now), nil
}

func (s *store) createInvitation(groupID uuid.UUID, uses int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := randomToken(16)
	s.invitations[tok] = &invitation{groupID: groupID, uses: max(uses, 1)}
	return tok
}
