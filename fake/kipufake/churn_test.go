package kipufake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tokens created and deleted leave the store at its seeded size.
func TestChurnKeepsTheStoreAtItsLiveSize(t *testing.T) {
	f := New()
	h := f.Handler()
	do := func(method, path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, BasePath+path, strings.NewReader(body))
		req.Header.Set("X-Auth-Token", adaToken)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	size := func() (int, int) {
		f.store.mu.Lock()
		defer f.store.mu.Unlock()
		return len(f.store.tokens), len(f.store.byValue)
	}
	tokens0, values0 := size()
	for i := range 2000 {
		rec := do(http.MethodPost, "/me/personal-access-tokens", fmt.Sprintf(`{"name":"churn-%d"}`, i))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		var tok struct{ ID string }
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &tok))
		rec = do(http.MethodDelete, "/me/personal-access-tokens/"+tok.ID, "")
		require.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
	}
	tokens, values := size()
	assert.Equal(t, tokens0, tokens)
	assert.Equal(t, values0, values)
	require.NoError(t, f.CheckInvariants())
}
