package fakekit_test

// Tests of the fakes' check of their own answers (writer.go), with a
// handler that misbehaves on purpose behind the kit.

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/gen/harbor/harborserver"
	"github.com/userapis/userapis-go/internal/fakekit"
)

// checkedHarbor serves api/harbor.yaml's routes with answer as the handler
// of every operation, behind the shared middleware with opts.
func checkedHarbor(t *testing.T, answer http.HandlerFunc, opts ...fakekit.Option) (*httptest.Server, *fakekit.Faults) {
	t.Helper()
	faults := fakekit.NewFaults(nil)
	srv := httptest.NewServer(harborKit(t, faults, opts...).Handler(answer))
	t.Cleanup(srv.Close)
	return srv, faults
}

func harborKit(t *testing.T, faults *fakekit.Faults, opts ...fakekit.Option) *fakekit.Kit {
	t.Helper()
	doc, err := harborserver.GetSpec()
	require.NoError(t, err)
	kit, err := fakekit.New(fakekit.Config{
		Service: "harbor", Doc: doc, BasePath: "/api/v2.0", Faults: faults,
		BadRequest: func(w http.ResponseWriter, _ *http.Request, e fakekit.RequestError) {
			http.Error(w, e.Message, e.Status)
		},
	}, opts...)
	require.NoError(t, err)
	return kit
}

func checkGet(t *testing.T, srv *httptest.Server, path string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	require.NoError(t, err)
	req.SetBasicAuth("admin", "x")
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return resp, string(b)
}

const goodUser = `{"user_id":3,"username":"alice","sysadmin_flag":false,"admin_role_in_auth":false,` +
	`"creation_time":"2024-05-02T09:30:00Z","update_time":"2024-05-02T09:30:00Z"}`

func TestCheckOwnAnswers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer http.HandlerFunc
		want   string // a fragment of the violation
	}{
		{"undeclared status", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("X-Request-Id", "r")
			w.WriteHeader(http.StatusTeapot)
		}, "status is not supported"},
		{"missing required header", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, goodUser)
		}, "X-Request-Id"},
		{"wrong body shape", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("X-Request-Id", "r")
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, strings.Replace(goodUser, `"user_id":3`, `"user_id":"3"`, 1))
		}, "user_id"},
		{"missing required property", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("X-Request-Id", "r")
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"user_id":3}`)
		}, "username"},
		{"undeclared media type", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("X-Request-Id", "r")
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<p>hi</p>")
		}, "Content-Type"},
		{"bare body where none is optional", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("X-Request-Id", "r")
			w.WriteHeader(http.StatusNotFound) // NotFound declares content; only the 500 may be bare
		}, "Content-Type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var seen []error
			srv, _ := checkedHarbor(t, tc.answer, fakekit.ValidateResponses(true), fakekit.OnViolation(func(err error) {
				mu.Lock()
				defer mu.Unlock()
				seen = append(seen, err)
			}))
			resp, body := checkGet(t, srv, "/api/v2.0/users/3")
			assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
			assert.Equal(t, "true", resp.Header.Get(fakekit.ViolationHeader))
			assert.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"))
			assert.Contains(t, body, "api/harbor.yaml does not allow")
			assert.Contains(t, body, tc.want)
			mu.Lock()
			require.Len(t, seen, 1)
			assert.Contains(t, seen[0].Error(), "(getUser)")
			mu.Unlock()

			// Switched off, the same answer goes out as it was.
			off, _ := checkedHarbor(t, tc.answer, fakekit.ValidateResponses(false))
			resp, _ = checkGet(t, off, "/api/v2.0/users/3")
			assert.NotEqual(t, http.StatusInternalServerError, resp.StatusCode)
			assert.Empty(t, resp.Header.Get(fakekit.ViolationHeader))
		})
	}
}

func TestCheckOwnAnswersPassesGoodOnes(t *testing.T) {
	good := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "r")
		if r.URL.Path == "/api/v2.0/users/4" {
			w.WriteHeader(http.StatusInternalServerError) // the declared bare 500
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, goodUser)
	}
	var violations []error
	srv, faults := checkedHarbor(t, good, fakekit.ValidateResponses(true), fakekit.OnViolation(func(err error) { violations = append(violations, err) }))
	resp, body := checkGet(t, srv, "/api/v2.0/users/3")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.JSONEq(t, goodUser, body)
	assert.Equal(t, "r", resp.Header.Get("X-Request-Id"))
	resp, body = checkGet(t, srv, "/api/v2.0/users/4")
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	assert.Empty(t, body)
	assert.Empty(t, resp.Header.Get(fakekit.ViolationHeader))
	// Injected faults break the contract on purpose and are not checked.
	faults.Inject(fakekit.Fault{Operation: "getUser", Status: http.StatusTeapot})
	resp, _ = checkGet(t, srv, "/api/v2.0/users/3")
	assert.Equal(t, http.StatusTeapot, resp.StatusCode)
	assert.Empty(t, violations)
}

// TestCheckDefaultsOnInTests: in a test binary the check is on unless a
// caller switches it off, and a Server keeps what its fake refused to send.
func TestCheckDefaultsOnInTests(t *testing.T) {
	teapot := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	var called int
	build := func(opts ...fakekit.Option) http.Handler {
		return harborKit(t, fakekit.NewFaults(nil), opts...).Handler(teapot) // no ValidateResponses: the default
	}
	srv, err := fakekit.Listen("127.0.0.1:0", build, fakekit.NewFaults(nil), nil, []fakekit.Option{fakekit.OnViolation(func(error) { called++ })})
	require.NoError(t, err)
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/api/v2.0/users/3")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode, "checked by default in a test binary")
	require.Len(t, srv.Violations(), 1)
	assert.Contains(t, srv.Violations()[0].Error(), "answered 418")
	assert.Equal(t, 1, called, "the caller's OnViolation is called too")
	assert.Zero(t, fakekit.UnhandledViolations(), "a violation an OnViolation took is not unhandled")
}
