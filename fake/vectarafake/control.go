// The Vectara fake's side of the control API (api/control.yaml): Reset,
// Outbox, and the adapter that maps the control API onto the fake's Go
// methods.

package vectarafake

import (
	"errors"
	"slices"
	"time"

	"github.com/userapis/userapis-go/gen/vectara"
	"github.com/userapis/userapis-go/internal/fakekit"
)

// Reset puts the fake back to its seed: the seeded users, corpora, API
// keys and OAuth2 client, no access tokens, codes or users made since,
// and an empty outbox. The clock and the fault queues are not touched.
func (f *Fake) Reset() {
	fresh := New()
	f.mu.Lock()
	f.users, f.sorted, f.emails, f.corpora = fresh.users, fresh.sorted, fresh.emails, fresh.corpora
	f.keys, f.clients, f.tokens = fresh.keys, fresh.clients, fresh.tokens
	f.seq, f.codes, f.tokenSeq, f.reqSeq = fresh.seq, fresh.codes, fresh.tokenSeq, fresh.reqSeq
	f.mu.Unlock()
	f.outbox.Clear()
	f.TokenFaults.Reset()
}

// Outbox lists the one-time codes the fake issued (a new user's, a
// password reset's), oldest first: what Vectara e-mails.
func (f *Fake) Outbox() []fakekit.Message { return f.outbox.List() }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// controlled is the Vectara fake as the control API sees it.
type controlled struct{ f *Fake }

func (c controlled) Info() (string, string, string) { return "vectara", "Vectara v2", "/v2" }
func (c controlled) Reset()                         { c.f.Reset() }
func (c controlled) Outbox() []fakekit.Message      { return c.f.Outbox() }
func (c controlled) ClearOutbox()                   { c.f.outbox.Clear() }

func (c controlled) SetClock(now func() time.Time) {
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	c.f.Now = now
}

func (c controlled) Describe() (map[string]string, []map[string]any, map[string][]string) {
	f := c.f
	creds := map[string]string{"api_key": SeedAPIKey, "limited_api_key": SeedLimitedAPIKey, "query_api_key": SeedQueryAPIKey,
		"client_id": SeedClientID, "client_secret": SeedClientSecret, "token_path": TokenPath}
	f.mu.Lock()
	defer f.mu.Unlock()
	names := make([]string, 0, len(f.users))
	for n := range f.users {
		names = append(names, n)
	}
	slices.Sort(names)
	users := make([]map[string]any, 0, len(names))
	for _, n := range names {
		users = append(users, fakekit.ObjectOf(f.users[n].toAPI()))
	}
	var corpora, clients []string
	for k := range f.corpora {
		corpora = append(corpora, k)
	}
	for id := range f.clients {
		clients = append(clients, id)
	}
	slices.Sort(corpora)
	slices.Sort(clients)
	return creds, users, map[string][]string{"corpora": corpora, "clients": clients}
}

func (c controlled) Seed(kind string, obj map[string]any) (map[string]any, error) {
	switch kind {
	case "user":
		var req vectara.CreateUserRequest
		if err := fakekit.DecodeObject(obj, &req); err != nil {
			return nil, err
		}
		if req.Email == "" {
			return nil, errors.New("email is required")
		}
		u, err := c.f.AddUser(req)
		if err != nil {
			return nil, err
		}
		return fakekit.ObjectOf(u), nil
	case "corpus":
		var cp struct {
			Key string `json:"key"`
		}
		if err := fakekit.DecodeObject(obj, &cp); err != nil {
			return nil, err
		}
		if cp.Key == "" {
			return nil, errors.New("key is required")
		}
		c.f.AddCorpus(cp.Key)
		return map[string]any{"key": cp.Key}, nil
	case "api-key":
		var k struct {
			Key   string `json:"key"`
			Kind  string `json:"kind"`
			Owner string `json:"owner"`
		}
		if err := fakekit.DecodeObject(obj, &k); err != nil {
			return nil, err
		}
		if k.Key == "" || k.Owner == "" {
			return nil, errors.New("key and owner are required")
		}
		if k.Kind == "" {
			k.Kind = KeyPersonal
		}
		c.f.AddAPIKey(k.Key, k.Kind, k.Owner)
		return map[string]any{"key": k.Key, "kind": k.Kind, "owner": k.Owner}, nil
	}
	return nil, fakekit.ErrNoSuchKind
}
