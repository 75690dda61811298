package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/userapis/userapis-go/internal/services"
	"github.com/userapis/userapis-go/internal/testmain"

	"github.com/userapis/userapis-go/client"
)

func TestMain(m *testing.M) { testmain.Run(m) }

func TestDemo(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"demo"}, &out, &errb)
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out.String(), errb.String())
	s := out.String()
	for _, want := range []string{"== Kipu", "== Harbor", "== Homebox", "== Vectara"} {
		assert.Contains(t, s, want)
	}
	// Every operation of every document, counted from the documents.
	m := regexp.MustCompile(`all\s+(\d+)/(\d+) operations, 0 violation\(s\)`).FindStringSubmatch(s)
	require.NotNil(t, m, "no contract summary line")
	assert.Equal(t, m[2], m[1], "operations exercised / operations in the documents")
	assert.NotContains(t, s, "FAIL")
	// The demo prints the same kind of URL as serve: the bare address.
	urls := regexp.MustCompile(`fake at (\S+)`).FindAllStringSubmatch(s, -1)
	require.Len(t, urls, len(services.All))
	for _, u := range urls {
		assert.Regexp(t, `^http://127\.0\.0\.1:\d+$`, u[1])
	}
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{nil, 2, "usage: userapis"},
		{[]string{"bogus"}, 2, `unknown command "bogus"`},
		{[]string{"demo", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"demo", "-nope"}, 2, "flag provided but not defined"},
		{[]string{"serve", "-services", "kipu,foo"}, 2, `unknown service "foo"`},
		{[]string{"serve", "-services", ","}, 2, "names no service"},
		{[]string{"serve", "-port", "-1"}, 2, "out of range"},
		{[]string{"serve", "-port", "x"}, 2, "invalid value"},
		{[]string{"help"}, 0, ""},
		{[]string{"serve", "-h"}, 0, ""},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), tc.args, &out, &errb)
		assert.Equal(t, tc.code, code, "%v: stderr %s", tc.args, errb.String())
		assert.Contains(t, out.String()+errb.String(), tc.msg, "%v", tc.args)
	}
}

// safeBuffer lets the test read what serve prints while it runs.
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var errb safeBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "-services", "kipu,harbor"}, pw, &errb)
		_ = pw.Close()
	}()

	var lines []string
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if strings.HasPrefix(sc.Text(), "serving") {
			break
		}
	}
	require.NotEmpty(t, lines)
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	out := strings.Join(lines, "\n")
	kipuURL := regexp.MustCompile(`kipu\s+(http://127\.0\.0\.1:\d+)\n`).FindStringSubmatch(out)
	token := regexp.MustCompile(`X-Auth-Token: (\S+)`).FindStringSubmatch(out)
	harborURL := regexp.MustCompile(`harbor\s+(http://127\.0\.0\.1:\d+)`).FindStringSubmatch(out)
	require.NotNil(t, kipuURL, out)
	require.NotNil(t, token, out)
	require.NotNil(t, harborURL, out)
	assert.NotContains(t, out, "vectara", "only the chosen fakes run")

	k, err := client.NewKipu(client.WithBaseURL(kipuURL[1]), client.WithPersonalAccessToken(token[1]))
	require.NoError(t, err)
	me, _, err := k.GetCurrentUser(ctx)
	require.NoError(t, err)
	assert.NotEmpty(t, me.ID)

	creds := regexp.MustCompile(`admin: (\S+) / (\S+)`).FindStringSubmatch(out)
	require.NotNil(t, creds, out)
	h, err := client.NewHarbor(client.WithBaseURL(harborURL[1]), client.WithBasicAuth(creds[1], creds[2]))
	require.NoError(t, err)
	u, _, err := h.GetCurrentUserInfo(ctx)
	require.NoError(t, err)
	assert.Equal(t, creds[1], u.Username)

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, 0, code, errb.String())
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop after its context ended")
	}
}

// TestServeFlags: -homebox-oidc mounts Homebox's OIDC routes (off by
// default, as on a real server without OIDC settings), and
// -validate-responses is accepted alongside.
func TestServeFlags(t *testing.T) {
	for _, oidc := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		pr, pw := io.Pipe()
		var errb safeBuffer
		done := make(chan int, 1)
		args := []string{"serve", "-services", "homebox", "-validate-responses"}
		if oidc {
			args = append(args, "-homebox-oidc")
		}
		go func() {
			done <- run(ctx, args, pw, &errb)
			_ = pw.Close()
		}()
		var out strings.Builder
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			out.WriteString(sc.Text() + "\n")
			if strings.HasPrefix(sc.Text(), "serving") {
				break
			}
		}
		go func() { _, _ = io.Copy(io.Discard, pr) }()
		m := regexp.MustCompile(`homebox\s+(http://127\.0\.0\.1:\d+)`).FindStringSubmatch(out.String())
		require.NotNil(t, m, out.String())
		hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := hc.Get(m[1] + "/api/v1/users/login/oidc")
		require.NoError(t, err)
		_ = resp.Body.Close()
		if oidc {
			assert.Equal(t, http.StatusFound, resp.StatusCode, "-homebox-oidc mounts the OIDC routes")
		} else {
			assert.Equal(t, http.StatusNotFound, resp.StatusCode, "OIDC is off by default")
		}
		hc.CloseIdleConnections()
		cancel()
		select {
		case code := <-done:
			assert.Equal(t, 0, code, errb.String())
		case <-time.After(10 * time.Second):
			t.Fatal("serve did not stop")
		}
		assert.NotContains(t, errb.String(), "contract violation")
	}
}

func TestVersion(t *testing.T) {
	var out, errb bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"version"}, &out, &errb), errb.String())
	assert.Contains(t, out.String(), "userapis "+client.Version)
	assert.Contains(t, out.String(), runtime.Version())
	for _, svc := range services.All {
		doc, err := svc.Spec()
		require.NoError(t, err)
		assert.Contains(t, out.String(), svc.Document()+" "+doc.Info.Version)
	}
	assert.Equal(t, 2, run(context.Background(), []string{"version", "extra"}, &out, &errb))
}

// serve -json prints one object per fake on stdout, nothing else; its url,
// server_url and credentials are enough to call each fake without this
// module's client (as a test in another language would).
func TestServeJSON(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var errb safeBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "-json"}, pw, &errb)
		_ = pw.Close()
	}()
	type served struct {
		Service     string            `json:"service"`
		URL         string            `json:"url"`
		ServerURL   string            `json:"server_url"`
		Credentials map[string]string `json:"credentials"`
	}
	got := map[string]served{}
	dec := json.NewDecoder(pr)
	for len(got) < len(services.All) {
		var s served
		require.NoError(t, dec.Decode(&s), "stdout is JSON objects only")
		got[s.Service] = s
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()

	call := func(method, url string, set func(*http.Request)) int {
		req, err := http.NewRequestWithContext(ctx, method, url, nil)
		require.NoError(t, err)
		set(req)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	k := got["kipu"]
	assert.Equal(t, 200, call("GET", k.ServerURL+"/me", func(r *http.Request) { r.Header.Set("X-Auth-Token", k.Credentials["personal_access_token"]) }))
	h := got["harbor"]
	assert.Equal(t, 200, call("GET", h.ServerURL+"/users/current", func(r *http.Request) {
		r.SetBasicAuth(h.Credentials["admin_username"], h.Credentials["admin_password"])
	}))
	v := got["vectara"]
	assert.Equal(t, 200, call("GET", v.ServerURL+"/v2/users/ada@example.com", func(r *http.Request) { r.Header.Set("X-Api-Key", v.Credentials["api_key"]) }))
	hb := got["homebox"]
	assert.NotEmpty(t, hb.Credentials["email"])
	assert.NotEmpty(t, hb.Credentials["password"])
	for _, s := range got {
		assert.True(t, strings.HasPrefix(s.ServerURL, s.URL), "%s: server_url extends url", s.Service)
		assert.Regexp(t, `^http://127\.0\.0\.1:\d+$`, s.URL, "%s: the bare address, as WithBaseURL takes", s.Service)
	}
	cancel()
	assert.Equal(t, 0, <-done)
	assert.Contains(t, errb.String(), "serving", "status lines go to stderr")
}
