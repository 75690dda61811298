package vectarafake

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Users created and deleted leave the fake at its seeded size.
func TestChurnKeepsTheStoreAtItsLiveSize(t *testing.T) {
	f := New()
	h := f.Handler()
	do := func(method, path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("X-Api-Key", SeedAPIKey)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	size := func() (int, int) {
		f.mu.Lock()
		defer f.mu.Unlock()
		return len(f.users), len(f.emails)
	}
	users0, emails0 := size()
	for i := range 2000 {
		name := fmt.Sprintf("churn%05d", i)
		rec := do(http.MethodPost, "/v2/users", `{"email":"`+name+`@example.com","username":"`+name+`"}`)
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		rec = do(http.MethodDelete, "/v2/users/"+name, "")
		require.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
	}
	users, emails := size()
	assert.Equal(t, users0, users)
	assert.Equal(t, emails0, emails)
	require.NoError(t, f.CheckInvariants())
}
