package vectarafake_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/fake/vectarafake"
	"github.com/userapis/userapis-go/gen/vectara/vectaraserver"
	"github.com/userapis/userapis-go/internal/contract"
)

// No answer of the fake carries a null inside allowed_operations: the
// vendor's SDK, generated from upstream's schema, fails on it.
func TestNoNullPolicies(t *testing.T) {
	srv := vectarafake.Start()
	defer srv.Close()
	get := func(path string) []byte {
		req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		require.NoError(t, err)
		req.Header.Set("X-Api-Key", srv.APIKey)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, 200, resp.StatusCode, "%s", b)
		return b
	}
	body := get("/v2/users?limit=100")
	var page struct {
		Users []struct {
			Username  string `json:"username"`
			APIPolicy *struct {
				AllowedOperations map[string]json.RawMessage `json:"allowed_operations"`
			} `json:"api_policy"`
		} `json:"users"`
	}
	require.NoError(t, json.Unmarshal(body, &page))
	withPolicy := 0
	for _, u := range page.Users {
		if u.APIPolicy == nil {
			continue
		}
		withPolicy++
		for op, raw := range u.APIPolicy.AllowedOperations {
			assert.NotEqual(t, "null", string(bytes.TrimSpace(raw)), "%s: %s", u.Username, op)
			// And for the single read.
		}
		one := get("/v2/users/" + u.Username)
		assert.NotContains(t, strings.ReplaceAll(string(one), " ", ""), ":null", "%s read alone", u.Username)
	}
	require.Positive(t, withPolicy, "a seeded user has API roles")
}

// The document refuses a null policy, so the fake's check of its own
// answers (and the contract tests) would catch one.
func TestDocumentRefusesNullPolicy(t *testing.T) {
	doc, err := vectaraserver.GetSpec()
	require.NoError(t, err)
	v, err := contract.New(doc, "http://vectara.test")
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodGet, "http://vectara.test/v2/users/ada", nil)
	req.Header.Set("X-Api-Key", "k")
	ex, err := v.ValidateRequest(req)
	require.NoError(t, err)
	answer := func(ops string) error {
		body := `{"username":"ada","api_policy":{"name":"r","allowed_operations":` + ops + `}}`
		resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body))}
		return v.ValidateResponse(ex, resp)
	}
	require.NoError(t, answer(`{"listUsers":{"allow_any_resource":true}}`))
	err = answer(`{"listUsers":null}`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "null")
}
