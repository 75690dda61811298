// Tests of the one base-URL rule (bare host, API path or part of it,
// trailing slash, proxy prefix) and of the "check WithBaseURL" hint on a
// 404 of a path the server does not have.
package client

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBaseURLRule(t *testing.T) {
	var got string
	hc := &http.Client{Transport: mechRT(func(r *http.Request) (*http.Response, error) {
		got = r.URL.Path
		return mechResponse(r, 200, "application/json", map[string]string{
			"kipu": mechKipuUser, "harbor": mechHarborUser, "homebox": mechHomeboxUser, "vectara": mechVectaraUser,
		}[r.Header.Get("X-Test-Service")]), nil
	})}
	for _, tc := range []struct {
		service string
		call    func(base string) error
		want    string   // the request path for every base below
		paths   []string // what may follow the host
	}{
		{"kipu", func(base string) error {
			k, err := NewKipu(WithBaseURL(base), WithHTTPClient(hc), WithPersonalAccessToken("p"), WithHeader("X-Test-Service", "kipu"))
			require.NoError(t, err)
			_, _, err = k.GetCurrentUser(t.Context())
			return err
		}, "/user-service/me", []string{"", "/user-service"}},
		{"harbor", func(base string) error {
			h, err := NewHarbor(WithBaseURL(base), WithHTTPClient(hc), WithBasicAuth("a", "b"), WithHeader("X-Test-Service", "harbor"))
			require.NoError(t, err)
			_, _, err = h.GetCurrentUserInfo(t.Context())
			return err
		}, "/api/v2.0/users/current", []string{"", "/api", "/api/v2.0"}},
		{"homebox", func(base string) error {
			h, err := NewHomebox(WithBaseURL(base), WithHTTPClient(hc), WithAPIKey("k"), WithHeader("X-Test-Service", "homebox"))
			require.NoError(t, err)
			_, _, err = h.GetUserSelf(t.Context())
			return err
		}, "/api/v1/users/self", []string{"", "/api", "/api/v1"}},
		{"vectara", func(base string) error {
			v, err := NewVectara(WithBaseURL(base), WithHTTPClient(hc), WithAPIKey("k"), WithHeader("X-Test-Service", "vectara"))
			require.NoError(t, err)
			_, _, err = v.GetUser(t.Context(), "ada")
			return err
		}, "/v2/users/ada", []string{"", "/v2"}},
	} {
		for _, host := range []string{"https://svc.example.com", "https://svc.example.com/proxy"} {
			prefix := strings.TrimPrefix(host, "https://svc.example.com")
			for _, p := range tc.paths {
				for _, slash := range []string{"", "/"} {
					base := host + p + slash
					t.Run(tc.service+" "+base, func(t *testing.T) {
						got = ""
						require.NoError(t, tc.call(base))
						assert.Equal(t, prefix+tc.want, got, "base URL %s", base)
					})
				}
			}
		}
	}
}

func TestNotFoundHintsAtBaseURL(t *testing.T) {
	for _, tc := range []struct {
		name, ctype, body string
		hint              bool
	}{
		{"router text", "text/plain; charset=utf-8", "404 page not found\n", true},
		{"html page", "text/html", "<html><body>Not Found</body></html>", true},
		{"empty", "", "", true},
		{"harbor no such path", "application/json", `{"errors":[{"code":"NOT_FOUND","message":"path /wrong/api/v2.0/users/current was not found"}]}`, true},
		{"harbor no such user", "application/json", `{"errors":[{"code":"NOT_FOUND","message":"user 5 not found"}]}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hc := &http.Client{Transport: mechRT(func(r *http.Request) (*http.Response, error) {
				return mechResponse(r, 404, tc.ctype, tc.body), nil
			})}
			h, err := NewHarbor(WithBaseURL("https://harbor.example.com/wrong"), WithHTTPClient(hc), WithBasicAuth("a", "b"))
			require.NoError(t, err)
			_, _, err = h.GetCurrentUserInfo(t.Context())
			require.ErrorIs(t, err, ErrNotFound)
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			if !tc.hint {
				assert.Empty(t, ae.Hint)
				assert.NotContains(t, err.Error(), "WithBaseURL")
				return
			}
			assert.Contains(t, err.Error(), "check WithBaseURL")
			assert.Contains(t, err.Error(), "https://harbor.example.com/wrong/api/v2.0/")
		})
	}
	// Spring's own 404 (Kipu): "Not Found" with the path.
	hc := &http.Client{Transport: mechRT(func(r *http.Request) (*http.Response, error) {
		return mechResponse(r, 404, "application/json", `{"timestamp":"2026-01-01T00:00:00Z","status":404,"error":"Not Found","path":"/x/user-service/me"}`), nil
	})}
	k, err := NewKipu(WithBaseURL("https://kipu.example.com/x"), WithHTTPClient(hc), WithPersonalAccessToken("p"))
	require.NoError(t, err)
	_, _, err = k.GetCurrentUser(t.Context())
	assert.ErrorContains(t, err, "check WithBaseURL")
}
