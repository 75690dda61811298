// Personal access tokens and OAuth2 access tokens in the Kipu fake's store:
// raw values shown once, the default token, expiry by the fake's clock.

package kipufake

import (
	"cmp"
	"slices"
	"strings"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"
	"github.com/userapis/userapis-go/gen/kipu"
)

// expired reports whether t is no longer valid at now: a token is valid
// through the whole (UTC) day of its expiresAt date.
func (t *token) expired(now time.Time) bool {
	if t.expiresAt == nil {
		return false
	}
	return !now.UTC().Before(t.expiresAt.Time.AddDate(0, 0, 1))
}

// dto renders t's metadata; the raw value is never included.
func (t *token) dto() kipu.AccessTokenDto {
	d := kipu.AccessTokenDto{ID: t.id, Name: t.name, ExpiresAt: t.expiresAt}
	c := t.createdAt.UTC().Format(timeLayout)
	d.CreatedAt = &c
	if t.usedAt != nil {
		u := t.usedAt.UTC().Format(timeLayout)
		d.UsedAt = &u
	}
	if t.expiresAt != nil {
		e := *t.expiresAt
		d.ExpiresAt = &e
	}
	return d
}

// newValue returns a deterministic raw token value; mu must be held.
func (s *store) newValue(isDefault bool) string {
	if isDefault {
		return "kqh_default_" + hashOf("default", s.next())[:20]
	}
	return "kqh_pat_" + hashOf("pat", s.next())[:20]
}

// putTokenLocked stores a new token (generated id and value when empty).
func (s *store) putTokenLocked(owner, name, id, value string, isDefault bool, created time.Time, expires *openapi_types.Date) *token {
	if id == "" {
		id = s.newID("token")
	}
	if value == "" {
		value = s.newValue(isDefault)
	}
	t := &token{id: id, owner: owner, name: name, value: value, isDefault: isDefault, seq: s.next(), createdAt: created, expiresAt: expires}
	s.tokens[id] = t
	s.byValue[value] = id
	return t
}

func (s *store) deleteTokenLocked(t *token) {
	delete(s.tokens, t.id)
	delete(s.byValue, t.value)
}

// issueAccessToken plays the identity provider: a new (deterministic)
// OAuth2 access token for identity id, good until the identity is deleted.
func (s *store) issueAccessToken(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := "kipu-at-" + hashOf("access", s.next())[:32]
	s.accessTokens[tok] = id
	return tok
}

// authenticateBearer resolves an OAuth2 access token. Such a principal has
// no personal access token of its own.
func (s *store) authenticateBearer(tok string) (principal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.accessTokens[tok]
	if !ok || s.identities[id] == nil {
		return principal{}, errUnauthenticated
	}
	return principal{userID: id}, nil
}

// authenticate resolves a raw token value and records its use.
func (s *store) authenticate(value string, now time.Time) (principal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.byValue[value]
	if !ok {
		return principal{}, errUnauthenticated
	}
	t := s.tokens[id]
	if t == nil || t.expired(now) || s.identities[t.owner] == nil {
		return principal{}, errUnauthenticated
	}
	used := now.UTC().Truncate(time.Second)
	t.usedAt = &used
	return principal{userID: t.owner, tokenID: t.id, token: t.dto()}, nil
}

// ownTokensLocked returns id's tokens in creation order.
func (s *store) ownTokensLocked(id string) []*token {
	var out []*token
	for _, t := range s.tokens {
		if t.owner == id {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b *token) int {
		if c := a.createdAt.Compare(b.createdAt); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	return out
}

func (s *store) listTokens(id string) (kipu.AccessTokensDto, error) {
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

func (s *store) createToken(id string, req kipu.CreateAccessTokenRequest, now time.Time) (kipu.AccessTokenDto, error) {
	name := strings.TrimSpace(req.Name)
	if name == "" {
		return kipu.AccessTokenDto{}, invalidf("name: must not be blank")
	}
	if req.ExpiresAt != nil {
		tok := token{expiresAt: req.ExpiresAt}
		if tok.expired(now) {
			return kipu.AccessTokenDto{}, invalidf("expiresAt: must not be in the past")
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

func (s *store) deleteToken(id, tokenID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.userLocked(id); err != nil {
		return err
	}
	t := s.tokens[tokenID]
	if t == nil {
		return errTokenNotFound
	}
	if t.owner != id {
		return errForbidden
	}
	s.deleteTokenLocked(t)
	return nil
}

// regenerateDefault replaces id's default token and returns the new value.
func (s *store) regenerateDefault(id string, now time.Time) (string, error) {
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
	t := s.putTokenLocked(id, defaultTokenName, "", "", true, now.UTC().Truncate(time.Second), nil)
	return t.value, nil
}
