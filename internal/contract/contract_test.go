package contract

// The harness proven: a request or response that breaks the document must
// be reported, one that keeps it must not. Without these, switching the
// validation off would fail no test, since every other caller only asserts
// that nothing was found.

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const base = "http://harbor.test"

// answer is a canned server answer.
type answer struct {
	status int
	header map[string]string
	body   string
}

// roundTrip serves one canned answer and counts the requests it saw.
type roundTrip struct {
	a    answer
	sent int
}

func (rt *roundTrip) RoundTrip(req *http.Request) (*http.Response, error) {
	rt.sent++
	h := http.Header{}
	for k, v := range rt.a.header {
		h.Set(k, v)
	}
	return &http.Response{
		StatusCode: rt.a.status, Header: h, Request: req,
		Body: io.NopCloser(strings.NewReader(rt.a.body)),
	}, nil
}

func newTransport(t *testing.T, a answer) (*Transport, *roundTrip) {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile("../../api/harbor.yaml")
	require.NoError(t, err)
	v, err := New(doc, base)
	require.NoError(t, err)
	rt := &roundTrip{a: a}
	return &Transport{V: v, Next: rt}, rt
}

func send(t *testing.T, tr *Transport, method, path, body string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+"/api/v2.0"+path, r)
	require.NoError(t, err)
	req.SetBasicAuth("admin", "x")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := tr.RoundTrip(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
}

const user = `{"user_id":3,"username":"alice","sysadmin_flag":false,"admin_role_in_auth":false,` +
	`"creation_time":"2024-05-02T09:30:00Z","update_time":"2024-05-02T09:30:00Z"}`

var okUser = answer{200, map[string]string{"Content-Type": "application/json", "X-Request-Id": "r"}, user}

func TestResponseViolationsReported(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    answer
		want string
	}{
		{"undeclared status", answer{418, map[string]string{"X-Request-Id": "r"}, ""}, "status is not supported"},
		{"missing required header", answer{200, map[string]string{"Content-Type": "application/json"}, user}, "X-Request-Id"},
		{"wrong body shape", answer{200, okUser.header, `{"user_id":"3"}`}, "user_id"},
		{"missing required property", answer{200, okUser.header, `{"user_id":3}`}, "username"},
		{"array for an object", answer{200, okUser.header, `[]`}, "object"},
		{"body that is not JSON", answer{200, okUser.header, `<html>`}, "decode"},
		{"undeclared media type", answer{200, map[string]string{"Content-Type": "text/html", "X-Request-Id": "r"}, "<p>"}, "Content-Type"},
		{"error body of the wrong shape", answer{404, okUser.header, `{"message":"gone"}`}, "errors"},
		{"bare 404 (only the 500 may be bare)", answer{404, map[string]string{"X-Request-Id": "r"}, ""}, "Content-Type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, rt := newTransport(t, tc.a)
			send(t, tr, http.MethodGet, "/users/3", "")
			require.Equal(t, 1, rt.sent)
			errs := tr.Errors()
			require.Len(t, errs, 1, "the violation must be reported")
			assert.Contains(t, errs[0].Error(), "response of getUser")
			assert.Contains(t, errs[0].Error(), tc.want)
			assert.Equal(t, []string{"getUser"}, tr.Covered())
		})
	}
}

func TestRequestViolationsReported(t *testing.T) {
	for _, tc := range []struct {
		name, method, path, body, want string
	}{
		{"path parameter of the wrong type", http.MethodGet, "/users/abc", "", "user_id"},
		{"query parameter over its maximum", http.MethodGet, "/users?page_size=101", "", "page_size"},
		{"missing required query parameter", http.MethodGet, "/users/search", "", "username"},
		{"body missing a required property", http.MethodPost, "/users", `{"username":"a","email":"a@b.co","realname":"A"}`, "password"},
		{"body property of the wrong type", http.MethodPut, "/users/3/sysadmin", `{"sysadmin_flag":"yes"}`, "sysadmin_flag"},
		{"body that is not JSON", http.MethodPut, "/users/3", `{not json`, "body"},
		{"no such operation", http.MethodPatch, "/users/3", `{}`, "no operation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, rt := newTransport(t, okUser)
			send(t, tr, tc.method, tc.path, tc.body)
			assert.Equal(t, 1, rt.sent, "the request still reaches the server")
			errs := tr.Errors()
			require.NotEmpty(t, errs, "the violation must be reported")
			assert.Contains(t, errs[0].Error(), tc.want)
		})
	}
}

// TestConformingExchangesPass: the same harness reports nothing for
// exchanges that keep the document, including the declared bare 500.
func TestConformingExchangesPass(t *testing.T) {
	for _, tc := range []struct {
		name         string
		a            answer
		method, path string
		body         string
	}{
		{"user", okUser, http.MethodGet, "/users/3", ""},
		{"error", answer{404, map[string]string{"Content-Type": "application/json; charset=utf-8", "X-Request-Id": "r"}, `{"errors":[{"code":"NOT_FOUND","message":"user 3 not found"}]}`}, http.MethodGet, "/users/3", ""},
		{"bare 500", answer{500, map[string]string{"X-Request-Id": "r"}, ""}, http.MethodGet, "/users/3", ""},
		{"created", answer{201, map[string]string{"Location": "/api/v2.0/users/9", "X-Request-Id": "r"}, ""}, http.MethodPost, "/users",
			`{"username":"a","email":"a@b.co","realname":"A","password":"Passw0rd1"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, _ := newTransport(t, tc.a)
			send(t, tr, tc.method, tc.path, tc.body)
			assert.Empty(t, tr.Errors())
		})
	}
}
