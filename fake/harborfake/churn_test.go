package harborfake

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A long-running fake's store follows its live users: after many
// create/delete cycles it holds what it was seeded with plus at most
// maxTombstones deleted rows, and ids are still never reused.
func TestChurnKeepsTheStoreAtItsLiveSize(t *testing.T) {
	f := New()
	h := f.Handler()
	do := func(method, path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.SetBasicAuth(AdminUser, AdminPassword)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	f.store.mu.Lock()
	seeded := len(f.store.users)
	f.store.mu.Unlock()

	const cycles = 3 * maxTombstones
	var last int64
	for i := range cycles {
		name := fmt.Sprintf("churn%05d", i)
		rec := do(http.MethodPost, "/api/v2.0/users", `{"username":"`+name+`","email":"`+name+`@example.com","realname":"C","password":"Passw0rdChurn"}`)
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		var id int64
		_, err := fmt.Sscanf(rec.Header().Get("Location"), "/api/v2.0/users/%d", &id)
		require.NoError(t, err)
		require.Greater(t, id, last, "ids are never reused")
		last = id
		rec = do(http.MethodDelete, fmt.Sprintf("/api/v2.0/users/%d", id), "")
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	}
	f.store.mu.Lock()
	live, tombs := len(f.store.users), len(f.store.tombs)
	f.store.mu.Unlock()
	assert.Equal(t, seeded, live, "live users back to the seed")
	assert.LessOrEqual(t, tombs, maxTombstones, "deleted rows bounded")
	require.NoError(t, f.CheckInvariants())

	// A deleted user still answers 404, and its name can be taken again.
	assert.Equal(t, http.StatusNotFound, do(http.MethodGet, fmt.Sprintf("/api/v2.0/users/%d", last), "").Code)
	assert.Equal(t, http.StatusNotFound, do(http.MethodGet, "/api/v2.0/users/6", "").Code, "an old deleted id, long out of the tombstones")
	rec := do(http.MethodPost, "/api/v2.0/users", `{"username":"churn00000","email":"churn00000@example.com","realname":"C","password":"Passw0rdChurn"}`)
	assert.Equal(t, http.StatusCreated, rec.Code)

	// An update finds a deleted row however old (the real server's UPDATE
	// by id does): 200, as for a recent one; an id no user ever had is 404.
	for _, id := range []int64{6, last} {
		rec = do(http.MethodPut, fmt.Sprintf("/api/v2.0/users/%d", id), `{"email":"gone@example.com","realname":"Gone"}`)
		assert.Equal(t, http.StatusOK, rec.Code, "update of deleted user %d: %s", id, rec.Body.String())
		rec = do(http.MethodPut, fmt.Sprintf("/api/v2.0/users/%d/sysadmin", id), `{"sysadmin_flag":true}`)
		assert.Equal(t, http.StatusOK, rec.Code, "sysadmin of deleted user %d: %s", id, rec.Body.String())
		assert.Equal(t, http.StatusNotFound, do(http.MethodGet, fmt.Sprintf("/api/v2.0/users/%d", id), "").Code, "still not readable")
	}
	rec = do(http.MethodPut, fmt.Sprintf("/api/v2.0/users/%d", last+1000), `{"email":"x@example.com","realname":"X"}`)
	assert.Equal(t, http.StatusNotFound, rec.Code, "an id never used")
	f.store.mu.Lock()
	bits := len(f.store.evicted)
	f.store.mu.Unlock()
	assert.LessOrEqual(t, bits, int(last/64)+1, "one bit per id")
	require.NoError(t, f.CheckInvariants())
}
