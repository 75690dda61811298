// The Homebox fake's side of the control API (api/control.yaml): Reset,
// and the adapter that maps the control API onto the fake's Go methods.

package homeboxfake

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/userapis/userapis-go/internal/fakekit"
)

// Reset puts the fake back to its seed: the seed account only, no
// sessions, API keys, reset tokens, OIDC logins or invitations, the seed
// configuration (SetSeedConfig; by default DefaultConfig), no rate-limit
// lock-outs and an empty outbox. The
// clock and the fault queue are not touched.
func (f *Fake) Reset() {
	fresh := seededStore()
	s := f.store
	s.mu.Lock()
	s.seq, s.users, s.byEmail, s.sessions, s.byUser, s.lastPurge = fresh.seq, fresh.users, fresh.byEmail, fresh.sessions, fresh.byUser, fresh.lastPurge
	s.apiKeys, s.apiKeyByTok, s.resets, s.lastReset = fresh.apiKeys, fresh.apiKeyByTok, fresh.resets, fresh.lastReset
	s.oidcStates, s.oidcCodes, s.invitations, s.keySeq = fresh.oidcStates, fresh.oidcCodes, fresh.invitations, fresh.keySeq
	s.mu.Unlock()
	f.mu.Lock()
	f.cfg = f.seedCfg
	f.mu.Unlock()
	f.ResetRateLimit()
	f.outbox.Clear()
}

// controlled is the Homebox fake as the control API sees it.
type controlled struct{ f *Fake }

func (c controlled) Info() (string, string, string) { return "homebox", "Homebox", "/api" }
func (c controlled) Reset()                         { c.f.Reset() }
func (c controlled) SetClock(now func() time.Time)  { c.f.Now = now } // before the fake serves
func (c controlled) Outbox() []fakekit.Message      { return c.f.Outbox() }
func (c controlled) ClearOutbox()                   { c.f.outbox.Clear() }

func (c controlled) AuthorizeOIDC(state, subject, email, name string) (string, error) {
	return c.f.OIDCAuthorize(state, OIDCIdentity{Subject: subject, Email: email, Name: name})
}

func (c controlled) Describe() (map[string]string, []map[string]any, map[string][]string) {
	s := c.f.store
	s.mu.Lock()
	users := make([]map[string]any, 0, len(s.users))
	for _, u := range s.users {
		users = append(users, fakekit.ObjectOf(u.out()))
	}
	s.mu.Unlock()
	slices.SortFunc(users, func(a, b map[string]any) int {
		return strings.Compare(a["email"].(string), b["email"].(string))
	})
	return map[string]string{"email": SeedEmail, "password": SeedPassword}, users, map[string][]string{}
}

func (c controlled) Seed(kind string, obj map[string]any) (map[string]any, error) {
	switch kind {
	case "user":
		var u struct {
			Name     string `json:"name"`
			Email    string `json:"email"`
			Password string `json:"password"`
		}
		if err := fakekit.DecodeObject(obj, &u); err != nil {
			return nil, err
		}
		if u.Name == "" || u.Email == "" || u.Password == "" {
			return nil, errors.New("name, email and password are required")
		}
		out, err := c.f.AddUser(u.Name, u.Email, u.Password)
		if err != nil {
			return nil, err
		}
		return fakekit.ObjectOf(out), nil
	case "invitation":
		var inv struct {
			GroupID uuid.UUID `json:"group_id"`
			Uses    int       `json:"uses"`
		}
		if err := fakekit.DecodeObject(obj, &inv); err != nil {
			return nil, err
		}
		if inv.GroupID == uuid.Nil {
			inv.GroupID = SeedGroupID
		}
		if inv.Uses < 1 {
			inv.Uses = 1
		}
		return map[string]any{"token": c.f.CreateInvitation(inv.GroupID, inv.Uses), "group_id": inv.GroupID, "uses": inv.Uses}, nil
	}
	return nil, fakekit.ErrNoSuchKind
}
