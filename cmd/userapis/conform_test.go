// Tests of `userapis conform`: it passes against each fake, reports each
// kind of injected violation with its location, cleans up what -write
// created, and keeps to its exit statuses.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/fake/harborfake"
	"github.com/userapis/userapis-go/fake/homeboxfake"
	"github.com/userapis/userapis-go/fake/kipufake"
	"github.com/userapis/userapis-go/fake/vectarafake"
	"github.com/userapis/userapis-go/internal/conform"
	"github.com/userapis/userapis-go/internal/contract"
	"github.com/userapis/userapis-go/internal/services"
)

type conformLine struct {
	Service string `json:"service"`
	conform.Result
}

func runConformJSON(t *testing.T, args ...string) (int, []conformLine, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"conform", "-json"}, args...), &out, &errb)
	var lines []conformLine
	sc := bufio.NewScanner(&out)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l conformLine
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l), "stdout is JSON lines: %s", sc.Text())
		lines = append(lines, l)
	}
	return code, lines, errb.String()
}

func TestConformPassesAgainstTheFakes(t *testing.T) {
	k := kipufake.Start()
	defer k.Close()
	h := harborfake.Start()
	defer h.Close()
	hb := homeboxfake.Start()
	defer hb.Close()
	v := vectarafake.Start()
	defer v.Close()
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"kipu", []string{"-service", "kipu", "-url", k.URL}, map[string]string{"USERAPIS_TOKEN": k.Token}},
		{"harbor", []string{"-service", "harbor", "-url", h.URL, "-username", h.AdminUser}, map[string]string{"USERAPIS_PASSWORD": h.AdminPassword}},
		{"homebox", []string{"-service", "homebox", "-url", hb.URL, "-email", hb.Email}, map[string]string{"USERAPIS_PASSWORD": hb.Password}},
		{"vectara", []string{"-service", "vectara", "-url", v.URL}, map[string]string{"USERAPIS_API_KEY": v.APIKey}},
	} {
		for _, write := range []bool{false, true} {
			t.Run(tc.name+map[bool]string{false: " read-only", true: " -write"}[write], func(t *testing.T) {
				for k, val := range tc.env {
					t.Setenv(k, val)
				}
				args := tc.args
				if write {
					args = append(args, "-write", "-prefix", "conf-test-")
				}
				code, lines, stderr := runConformJSON(t, args...)
				require.Equal(t, 0, code, "stderr %s, steps %+v", stderr, lines)
				require.NotEmpty(t, lines)
				writes, cleanups := 0, 0
				for _, l := range lines {
					assert.Contains(t, []string{conform.Pass, conform.Skipped, conform.CleanedUp}, l.Verdict, "%s: %+v", l.Step, l)
					if l.Write && l.Verdict == conform.Pass {
						writes++
					}
					if l.Verdict == conform.CleanedUp {
						cleanups++
					}
					if !write && l.Write {
						assert.Equal(t, conform.Skipped, l.Verdict, "without -write nothing is written")
					}
				}
				if write {
					assert.Positive(t, writes, "-write runs the write steps")
				}
				for _, val := range tc.env {
					all, _ := json.Marshal(lines)
					assert.NotContains(t, string(all)+stderr, val, "a credential in the report")
				}
			})
		}
	}
	// What -write created is gone.
	_, found := h.Fake.UserByName("conf-test-user")
	assert.False(t, found, "harbor user removed")
	_, found = v.Fake.User("conf-test-user")
	assert.False(t, found, "vectara user removed")
}

// rewrite lets next answer, then hands the answer to fn to break it.
func rewrite(next http.Handler, fn func(r *http.Request, rec *httptest.ResponseRecorder) (int, []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		status, body := fn(r, rec)
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})
}

func TestConformReportsInjectedViolations(t *testing.T) {
	for _, tc := range []struct {
		name    string
		service string
		handler func() http.Handler
		args    []string
		want    func(t *testing.T, vs []conform.Violation)
	}{
		{"wrong status", "harbor", func() http.Handler {
			return rewrite(harborfake.New().Handler(), func(r *http.Request, rec *httptest.ResponseRecorder) (int, []byte) {
				if r.URL.Path == "/api/v2.0/users/current/permissions" {
					return 202, rec.Body.Bytes()
				}
				return rec.Code, rec.Body.Bytes()
			})
		}, []string{"-username", "admin", "-password", "Harbor12345"}, func(t *testing.T, vs []conform.Violation) {
			require.NotEmpty(t, vs)
			assert.Equal(t, "getCurrentUserPermissions", vs[0].Operation)
			assert.Equal(t, 202, vs[0].Status)
			assert.Contains(t, vs[0].Message, "status")
		}},
		{"missing required field", "harbor", func() http.Handler {
			return rewrite(harborfake.New().Handler(), func(r *http.Request, rec *httptest.ResponseRecorder) (int, []byte) {
				if r.URL.Path == "/api/v2.0/users/current" {
					return rec.Code, bytes.Replace(rec.Body.Bytes(), []byte(`"sysadmin_flag":true,`), nil, 1)
				}
				return rec.Code, rec.Body.Bytes()
			})
		}, []string{"-username", "admin", "-password", "Harbor12345"}, func(t *testing.T, vs []conform.Violation) {
			require.NotEmpty(t, vs)
			assert.Equal(t, "getCurrentUserInfo", vs[0].Operation)
			assert.Equal(t, "/sysadmin_flag", vs[0].Pointer)
			assert.Contains(t, vs[0].Message, "missing")
		}},
		{"wrong type", "vectara", func() http.Handler {
			return rewrite(vectarafake.New().Handler(), func(r *http.Request, rec *httptest.ResponseRecorder) (int, []byte) {
				if strings.HasPrefix(r.URL.Path, "/v2/users/") {
					return rec.Code, bytes.Replace(rec.Body.Bytes(), []byte(`"enabled":true`), []byte(`"enabled":"yes"`), 1)
				}
				return rec.Code, rec.Body.Bytes()
			})
		}, []string{"-api-key", vectarafake.SeedAPIKey}, func(t *testing.T, vs []conform.Violation) {
			require.NotEmpty(t, vs)
			assert.Equal(t, "getUser", vs[0].Operation)
			assert.Equal(t, "/enabled", vs[0].Pointer)
		}},
		{"undeclared media type", "kipu", func() http.Handler {
			return rewrite(kipufake.New().Handler(), func(r *http.Request, rec *httptest.ResponseRecorder) (int, []byte) {
				if r.URL.Path == "/user-service/me/personal-access-tokens" {
					rec.Header().Set("Content-Type", "text/html")
				}
				return rec.Code, rec.Body.Bytes()
			})
		}, []string{"-token", "kqh_default_3f9a1c7e5b2d4f6a8c0e"}, func(t *testing.T, vs []conform.Violation) {
			require.NotEmpty(t, vs)
			assert.Equal(t, "getPersonalAccessTokens", vs[0].Operation)
			assert.Equal(t, "header Content-Type", vs[0].Pointer)
			assert.Contains(t, vs[0].Message, "text/html")
		}},
		{"missing declared header", "harbor", func() http.Handler {
			return rewrite(harborfake.New().Handler(), func(r *http.Request, rec *httptest.ResponseRecorder) (int, []byte) {
				if r.URL.Path == "/api/v2.0/users/1" {
					rec.Header().Del("X-Request-Id")
				}
				return rec.Code, rec.Body.Bytes()
			})
		}, []string{"-username", "admin", "-password", "Harbor12345"}, func(t *testing.T, vs []conform.Violation) {
			require.NotEmpty(t, vs)
			assert.Equal(t, "getUser", vs[0].Operation)
			assert.Equal(t, "header X-Request-Id", vs[0].Pointer)
		}},
		{"paging repeats items", "vectara", func() http.Handler {
			return rewrite(vectarafake.New().Handler(), func(r *http.Request, rec *httptest.ResponseRecorder) (int, []byte) {
				if r.URL.Path == "/v2/users" && r.URL.Query().Get("page_key") != "" {
					// Every later page starts again with the first user.
					var page map[string]any
					_ = json.Unmarshal(rec.Body.Bytes(), &page)
					if users, ok := page["users"].([]any); ok && len(users) > 0 {
						users[0] = map[string]any{"username": "ada@example.com", "email": "ada@example.com"}
					}
					b, _ := json.Marshal(page)
					return rec.Code, b
				}
				return rec.Code, rec.Body.Bytes()
			})
		}, []string{"-api-key", vectarafake.SeedAPIKey, "-page-size", "1"}, func(t *testing.T, vs []conform.Violation) {
			require.NotEmpty(t, vs)
			assert.Contains(t, vs[0].Message, "twice")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler())
			defer srv.Close()
			code, lines, stderr := runConformJSON(t, append([]string{"-service", tc.service, "-url", srv.URL}, tc.args...)...)
			assert.Equal(t, 1, code, "violations exit 1; stderr %s", stderr)
			var vs []conform.Violation
			for _, l := range lines {
				if l.Verdict == conform.Violated {
					vs = append(vs, l.Violations...)
				}
			}
			t.Logf("%s: %v", tc.name, vs)
			tc.want(t, vs)
		})
	}
}

func TestConformUsageAndReports(t *testing.T) {
	var out, errb bytes.Buffer
	assert.Equal(t, 2, run(context.Background(), []string{"conform"}, &out, &errb), "no -service")
	assert.Equal(t, 2, run(context.Background(), []string{"conform", "-service", "nope", "-url", "http://x"}, &out, &errb))
	assert.Equal(t, 2, run(context.Background(), []string{"conform", "-service", "kipu", "-url", "ftp://x"}, &out, &errb))
	assert.Equal(t, 2, run(context.Background(), []string{"conform", "-service", "harbor", "-url", "http://127.0.0.1:1"}, &out, &errb), "no credentials")
	assert.Equal(t, 2, run(context.Background(), []string{"conform", "-service", "harbor", "-url", "http://127.0.0.1:1", "-username", "a", "-prefix", "Bad Prefix"}, &out, &errb))

	// Text report and JUnit file.
	v := vectarafake.Start()
	defer v.Close()
	junit := filepath.Join(t.TempDir(), "report.xml")
	out.Reset()
	t.Setenv("USERAPIS_API_KEY", v.APIKey)
	require.Equal(t, 0, run(context.Background(), []string{"conform", "-service", "vectara", "-url", v.URL, "-junit", junit}, &out, &errb))
	assert.Contains(t, out.String(), "vectara   PASS       listUsers (paging): each user once  [listUsers 200]")
	assert.Contains(t, out.String(), "SKIPPED")
	x, err := os.ReadFile(junit)
	require.NoError(t, err)
	assert.Contains(t, string(x), `<testsuite name="userapis conform vectara"`)
	assert.Contains(t, string(x), `<skipped message="changes the server: run with -write">`)
	assert.NotContains(t, string(x)+out.String(), v.APIKey)
}

// A failed step does not keep -write from removing what it created; a
// removal that fails is reported.
func TestConformCleansUpAfterAFailure(t *testing.T) {
	for _, failDelete := range []bool{false, true} {
		f := vectarafake.New()
		next := f.Handler()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPatch || (failDelete && r.Method == http.MethodDelete) {
				// Refused before the fake sees it: nothing changes.
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusForbidden)
				_, _ = w.Write([]byte(`{"messages":["not today"],"request_id":"r1"}`))
				return
			}
			next.ServeHTTP(w, r)
		}))
		code, lines, _ := runConformJSON(t, "-service", "vectara", "-url", srv.URL, "-api-key", vectarafake.SeedAPIKey, "-write", "-prefix", "conf-fail-")
		srv.Close()
		assert.Equal(t, 1, code)
		_, exists := f.User("conf-fail-user")
		if failDelete {
			// The scenario's own deleteUser failed: the cleanup tries
			// again, and says it could not.
			last := lines[len(lines)-1]
			assert.Equal(t, "cleanup: deleteUser conf-fail-user", last.Step)
			assert.NotEqual(t, conform.CleanedUp, last.Verdict)
			assert.Contains(t, last.Error, "could not remove it")
			assert.True(t, exists)
		} else {
			assert.False(t, exists, "removed although updateUser failed")
		}
	}
}

// recordArgs are the conform arguments and credentials for a fresh fake of
// each service; stop closes the fakes.
func recordArgs(service string) (args []string, env map[string]string, secrets []string, stop func()) {
	switch service {
	case "kipu":
		k := kipufake.Start()
		return []string{"-service", "kipu", "-url", k.URL}, map[string]string{"USERAPIS_TOKEN": k.Token}, []string{k.Token}, k.Close
	case "harbor":
		h := harborfake.Start()
		return []string{"-service", "harbor", "-url", h.URL, "-username", h.AdminUser}, map[string]string{"USERAPIS_PASSWORD": h.AdminPassword}, []string{h.AdminPassword}, h.Close
	case "homebox":
		hb := homeboxfake.Start()
		return []string{"-service", "homebox", "-url", hb.URL, "-email", hb.Email}, map[string]string{"USERAPIS_PASSWORD": hb.Password}, []string{hb.Password}, hb.Close
	default:
		v := vectarafake.Start()
		return []string{"-service", "vectara", "-url", v.URL}, map[string]string{"USERAPIS_API_KEY": v.APIKey}, []string{v.APIKey}, v.Close
	}
}

// TestConformRecord: -record writes every exchange, with no credential in
// any form, and two runs against equal servers (two fresh fakes, on other
// ports, with other random prefixes, tokens and ids) give equal files.
func TestConformRecord(t *testing.T) {
	for _, service := range conform.Services {
		t.Run(service, func(t *testing.T) {
			var files [2][]byte
			var secrets []string
			for i := range files {
				args, env, sec, stop := recordArgs(service)
				for k, v := range env {
					t.Setenv(k, v)
				}
				file := filepath.Join(t.TempDir(), "rec.json")
				code, lines, stderr := runConformJSON(t, append(args, "-write", "-record", file, "-provenance", "server=fake", "-provenance", "date=test")...)
				stop()
				require.Equal(t, 0, code, "stderr %s, steps %+v", stderr, lines)
				b, err := os.ReadFile(file)
				require.NoError(t, err)
				files[i] = b
				secrets = append(secrets, sec...)
			}
			var rec conform.Recording
			require.NoError(t, json.Unmarshal(files[0], &rec))
			assert.Equal(t, service, rec.Service)
			assert.Equal(t, map[string]string{"server": "fake", "date": "test"}, rec.Provenance)
			require.NotEmpty(t, rec.Exchanges)
			ops := map[string]bool{}
			for _, e := range rec.Exchanges {
				ops[e.Operation] = true
				assert.NotZero(t, e.Response.Status, "%s %s: an answer", e.Request.Method, e.Request.Path)
				assert.NotEmpty(t, e.Step, "%s %s: its step", e.Request.Method, e.Request.Path)
			}
			assert.Greater(t, len(ops), 3, "operations recorded: %v", ops)
			for _, s := range secrets {
				forms := []string{s, base64.StdEncoding.EncodeToString([]byte(s)), url.QueryEscape(s)}
				if len(s) < 8 {
					// A fake's short password ("admin") is also part of
					// ordinary words (admin@admin.com): as a value only.
					forms = []string{`"` + s + `"`, base64.StdEncoding.EncodeToString([]byte(s))}
				}
				for _, form := range forms {
					assert.NotContains(t, string(files[0])+string(files[1]), form, "a credential in the recording")
				}
			}
			assert.NotContains(t, string(files[0]), "127.0.0.1", "the server's address is a placeholder")
			if !assert.Equal(t, string(files[0]), string(files[1]), "two runs against equal servers give equal files") {
				a, b := strings.Split(string(files[0]), "\n"), strings.Split(string(files[1]), "\n")
				for i := range min(len(a), len(b)) {
					if a[i] != b[i] {
						t.Logf("first difference at line %d:\n%s\n%s", i+1, a[i], b[i])
						break
					}
				}
			}
		})
	}
}

// TestConformCoversEveryOperation: against each fake, `conform -write`
// exercises every operation of the service's document and provokes at
// least three distinct error statuses.
func TestConformCoversEveryOperation(t *testing.T) {
	for _, service := range conform.Services {
		t.Run(service, func(t *testing.T) {
			args, env, _, stop := recordArgs(service)
			defer stop()
			for k, v := range env {
				t.Setenv(k, v)
			}
			code, lines, stderr := runConformJSON(t, append(args, "-write")...)
			require.Equal(t, 0, code, "stderr %s, steps %+v", stderr, lines)
			seen := map[string]bool{}
			errs := map[int]bool{}
			for _, l := range lines {
				for _, e := range l.Exchanges {
					seen[e.Operation] = true
					if e.Status >= 400 {
						errs[e.Status] = true
					}
				}
			}
			svc, ok := services.Lookup(service)
			require.True(t, ok)
			doc, err := svc.Spec()
			require.NoError(t, err)
			for _, op := range contract.OperationIDs(doc) {
				assert.True(t, seen[op], "%s: operation %s is not exercised", service, op)
			}
			assert.GreaterOrEqual(t, len(errs), 3, "%s: distinct error statuses %v", service, errs)
		})
	}
}

// TestCompareCommand: compare of a recording with itself finds nothing
// (exit 0); with one whose status and message were changed, it names both
// (exit 1); a usage error is 2.
func TestCompareCommand(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(recordings, "homebox.json")
	b, err := os.ReadFile(a)
	require.NoError(t, err)
	var rec conform.Recording
	require.NoError(t, json.Unmarshal(b, &rec))
	changed := -1
	for i, e := range rec.Exchanges {
		if e.Response.Status == http.StatusUnauthorized {
			rec.Exchanges[i].Response.Status = http.StatusForbidden
			rec.Exchanges[i].Response.Body = json.RawMessage(`{"error":"changed"}`)
			changed = i
			break
		}
	}
	require.GreaterOrEqual(t, changed, 0)
	other := filepath.Join(dir, "other.json")
	f, err := os.Create(other)
	require.NoError(t, err)
	require.NoError(t, conform.WriteRecording(f, rec))
	require.NoError(t, f.Close())

	var out, errb bytes.Buffer
	assert.Equal(t, 0, run(context.Background(), []string{"compare", a, a}, &out, &errb), errb.String())
	assert.Contains(t, out.String(), "0 difference(s)")
	out.Reset()
	assert.Equal(t, 1, run(context.Background(), []string{"compare", a, other}, &out, &errb))
	assert.Contains(t, out.String(), "status: want 401, got 403")
	assert.Contains(t, out.String(), `got {"error":"changed"}`)
	assert.Equal(t, 2, run(context.Background(), []string{"compare", a}, &out, &errb))
}
