// The Kipu fake's side of the control API (api/control.yaml): Reset, and
// the adapter that maps the control API onto the fake's Go methods.

package kipufake

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/userapis/userapis-go/internal/fakekit"
)

// Reset puts the fake back to its seed: the seeded identities, users,
// tokens and registration statuses, nothing made since. The clock and the
// fault queue are not touched.
func (f *Fake) Reset() {
	fresh := New().store
	s := f.store
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq, s.identities, s.users, s.tokens = fresh.seq, fresh.identities, fresh.users, fresh.tokens
	s.byValue, s.accessTokens, s.registrations = fresh.byValue, fresh.accessTokens, fresh.registrations
}

// controlled is the Kipu fake as the control API sees it.
type controlled struct{ f *Fake }

func (c controlled) Info() (string, string, string) {
	return "kipu", "Kipu Quantum Hub user-service", BasePath
}
func (c controlled) Reset()                        { c.f.Reset() }
func (c controlled) SetClock(now func() time.Time) { c.f.Now = now } // before the fake serves
func (c controlled) Outbox() []fakekit.Message     { return nil }    // Kipu sends nothing out of band
func (c controlled) ClearOutbox()                  {}

func (c controlled) Describe() (map[string]string, []map[string]any, map[string][]string) {
	s := c.f.store
	s.mu.Lock()
	users := make([]map[string]any, 0, len(s.users))
	for _, u := range s.users {
		users = append(users, fakekit.ObjectOf(u.dto()))
	}
	s.mu.Unlock()
	slices.SortFunc(users, func(a, b map[string]any) int { return strings.Compare(a["id"].(string), b["id"].(string)) })
	return map[string]string{"personal_access_token": adaToken, "access_token": adaAccessToken, "user_id": AdaID}, users, map[string][]string{}
}

func (c controlled) Seed(kind string, obj map[string]any) (map[string]any, error) {
	if kind != "user" && kind != "identity" {
		return nil, fakekit.ErrNoSuchKind
	}
	var id struct {
		ID        string `json:"id"`
		Username  string `json:"username"`
		Email     string `json:"email"`
		Firstname string `json:"firstname"`
		Lastname  string `json:"lastname"`
	}
	if err := fakekit.DecodeObject(obj, &id); err != nil {
		return nil, err
	}
	if id.Email == "" {
		return nil, errors.New("email is required")
	}
	ident := Identity{ID: id.ID, Username: id.Username, Email: id.Email, Firstname: id.Firstname, Lastname: id.Lastname}
	var userID, token string
	if kind == "user" {
		userID, token = c.f.AddUser(ident)
	} else { // an identity whose profile the first GET /me provisions
		userID, token = c.f.AddIdentity(ident)
	}
	if userID == "" {
		return nil, errors.New("an identity with that id or e-mail exists")
	}
	return map[string]any{"id": userID, "personal_access_token": token}, nil
}
