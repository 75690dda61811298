package homeboxfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type churnClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *churnClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *churnClock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

func churnFake(t *testing.T) (*Fake, *churnClock, func(method, path, token, body string) *httptest.ResponseRecorder) {
	f := New()
	clk := &churnClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	f.Now = clk.Now
	cfg := f.Config()
	cfg.RateLimit.Enabled = false
	f.SetConfig(cfg)
	h := f.Handler()
	n := 0
	return f, clk, func(method, path, token, body string) *httptest.ResponseRecorder {
		n++
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("X-Real-IP", fmt.Sprintf("10.0.%d.%d", n/250%250, n%250)) // no shared rate limit
		if token != "" {
			req.Header.Set("Authorization", token)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
}

func login(t *testing.T, do func(string, string, string, string) *httptest.ResponseRecorder, email, password string) string {
	t.Helper()
	rec := do(http.MethodPost, "/api/v1/users/login", "", `{"username":"`+email+`","password":"`+password+`"}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var tok struct{ Token string }
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &tok))
	return tok.Token
}

func (s *store) sizes() (users, sessions, indexed, resets int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, toks := range s.byUser {
		indexed += len(toks)
	}
	return len(s.users), len(s.sessions), indexed, len(s.resets)
}

// Accounts created, logged into and deleted leave nothing behind: the
// store returns to its seeded size.
func TestChurnKeepsTheStoreAtItsLiveSize(t *testing.T) {
	f, _, do := churnFake(t)
	users0, sessions0, _, _ := f.store.sizes()
	for i := range 300 {
		email := fmt.Sprintf("churn%04d@example.com", i)
		rec := do(http.MethodPost, "/api/v1/users/register", "", `{"email":"`+email+`","name":"Churn","password":"Passw0rdChurn"}`)
		require.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
		tok := login(t, do, email, "Passw0rdChurn")
		login(t, do, email, "Passw0rdChurn") // a second session
		rec = do(http.MethodDelete, "/api/v1/users/self", tok, "")
		require.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
	}
	users, sessions, indexed, _ := f.store.sizes()
	assert.Equal(t, users0, users)
	assert.Equal(t, sessions0, sessions, "a deleted account's sessions are gone")
	assert.Equal(t, sessions, indexed)
	require.NoError(t, f.CheckInvariants())
}

// Expired sessions and reset tokens are purged as the real server does,
// every 24 hours by the fake's clock, even when nobody uses them again.
func TestExpiredSessionsArePurged(t *testing.T) {
	f, clk, do := churnFake(t)
	for range 50 {
		login(t, do, SeedEmail, SeedPassword)
	}
	rec := do(http.MethodPost, "/api/v1/users/forgot-password", "", `{"email":"`+SeedEmail+`"}`)
	require.Less(t, rec.Code, 300, rec.Body.String())
	_, sessions, _, resets := f.store.sizes()
	require.GreaterOrEqual(t, sessions, 100)
	require.Positive(t, resets)

	clk.Add(8 * 24 * time.Hour) // past the 7-day sessions and the reset token
	fresh := login(t, do, SeedEmail, SeedPassword)
	_, sessions, indexed, resets := f.store.sizes()
	assert.Equal(t, 2, sessions, "only the new session (user and attachment tokens) is left")
	assert.Equal(t, 2, indexed)
	assert.Zero(t, resets)
	assert.Equal(t, http.StatusOK, do(http.MethodGet, "/api/v1/users/self", fresh, "").Code)
	require.NoError(t, f.CheckInvariants())
}
