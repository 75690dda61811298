// FuzzFakes sends arbitrary method, path, credential, content type and
// body combinations to each fake: no panic, no answer the document does
// not declare for the operation (the fakes check their own answers; the
// router's 404 and 405 are declared), and the store's invariants hold
// after every request.
package fuzz_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake"
	"github.com/userapis/userapis-go/fake/harborfake"
	"github.com/userapis/userapis-go/fake/homeboxfake"
	"github.com/userapis/userapis-go/fake/kipufake"
	"github.com/userapis/userapis-go/fake/vectarafake"
)

// fuzzFake is one running fake with what a request needs to be let in.
type fuzzFake struct {
	url        string
	auth       func(r *http.Request)
	check      func() error
	violations func() []error
}

// startFuzzFakes starts the four fakes once per fuzz run (each fuzzing
// worker runs it once): their state carries over from input to input, so
// that invariants are checked after sequences of requests, not only after
// one. They stop when the run ends.
func startFuzzFakes(f *testing.F) ([]fuzzFake, *http.Client) {
	k := kipufake.Start()
	h := harborfake.Start()
	hb := homeboxfake.Start()
	v := vectarafake.Start()
	hc := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	f.Cleanup(func() {
		hc.CloseIdleConnections()
		k.Close()
		h.Close()
		hb.Close()
		v.Close()
	})
	c, err := client.NewHomebox(client.WithBaseURL(hb.URL), client.WithHTTPClient(hc))
	if err != nil {
		f.Fatal(err)
	}
	tok, _, err := c.UserLogin(context.Background(), hb.Email, hb.Password, false)
	if err != nil {
		f.Fatal(err)
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(h.AdminUser+":"+h.AdminPassword))
	return []fuzzFake{
		{k.URL, func(r *http.Request) { r.Header.Set("X-Auth-Token", k.Token) }, k.Fake.CheckInvariants, k.Violations},
		{h.URL, func(r *http.Request) { r.Header.Set("Authorization", basic) }, h.Fake.CheckInvariants, h.Violations},
		{hb.URL, func(r *http.Request) { r.Header.Set("Authorization", tok.Token) }, hb.Fake.CheckInvariants, hb.Violations},
		{v.URL, func(r *http.Request) { r.Header.Set("X-Api-Key", v.APIKey) }, v.Fake.CheckInvariants, v.Violations},
	}, hc
}

var fuzzMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

func FuzzFakes(f *testing.F) {
	for _, s := range []struct {
		svc, method, auth uint8
		path, ctype       string
		body              []byte
	}{
		{0, 0, 1, "/user-service/me", "", nil},
		{0, 2, 1, "/user-service/me", "application/json", []byte(`{"firstname":"A"}`)},
		{0, 1, 1, "/user-service/me/personal-access-tokens", "application/json", []byte(`{"name":"x","expiresAt":"2030-01-01"}`)},
		{0, 0, 0, "/user-service/users/not-a-uuid", "", nil},
		{0, 1, 1, "/user-service/me/profile-image", "multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n\x89PNG\r\n--x--\r\n")},
		{1, 0, 1, "/api/v2.0/users?page=1&page_size=10&q=username%3D~a", "", nil},
		{1, 1, 1, "/api/v2.0/users", "application/json", []byte(`{"username":"zed","email":"zed@example.com","realname":"Z","password":"Passw0rdZed"}`)},
		{1, 2, 1, "/api/v2.0/users/3/sysadmin", "application/json", []byte(`{"sysadmin_flag":true}`)},
		{1, 4, 1, "/api/v2.0/users/4", "", nil},
		{1, 0, 2, "/api/v2.0/users/search?username=a", "", nil},
		{2, 1, 0, "/api/v1/users/login", "application/json", []byte(`{"username":"admin@admin.com","password":"admin"}`)},
		{2, 1, 0, "/api/v1/users/register", "application/json", []byte(`{"email":"z@example.com","name":"Z","password":"Passw0rdZ"}`)},
		{2, 1, 1, "/api/v1/users/self/api-keys", "application/json", []byte(`{"name":"k"}`)},
		{2, 2, 1, "/api/v1/users/self/change-password", "application/json", []byte(`{"current":"admin","new":"admin"}`)},
		{2, 4, 1, "/api/v1/users/self", "", nil},
		{3, 0, 1, "/v2/users?limit=1", "", nil},
		{3, 1, 1, "/v2/users", "application/json", []byte(`{"email":"zed@example.com","username":"zed"}`)},
		{3, 3, 1, "/v2/users/zed", "application/json", []byte(`{"enabled":false}`)},
		{3, 4, 1, "/v2/users/zed", "", nil},
		{3, 1, 2, "/oauth2/token", "application/x-www-form-urlencoded", []byte("grant_type=client_credentials")},
	} {
		f.Add(s.svc, s.method, s.auth, s.path, s.ctype, s.body)
	}
	fakes, fuzzHC := startFuzzFakes(f)
	f.Fuzz(func(t *testing.T, svc, method, auth uint8, path, ctype string, body []byte) {
		fk := fakes[int(svc)%len(fakes)]
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		u, err := url.Parse(fk.url + path)
		if err != nil || u.Host != strings.TrimPrefix(fk.url, "http://") {
			return // not a request a client could send to this fake
		}
		req, err := http.NewRequest(fuzzMethods[int(method)%len(fuzzMethods)], u.String(), bytes.NewReader(body))
		if err != nil {
			return
		}
		if ctype != "" && httpguts.ValidHeaderFieldValue(ctype) {
			req.Header.Set("Content-Type", ctype)
		}
		switch auth % 3 {
		case 1:
			fk.auth(req)
		case 2:
			req.Header.Set("Authorization", "Bearer fuzz-garbage")
			req.Header.Set("X-Auth-Token", "fuzz-garbage")
			req.Header.Set("X-Api-Key", "fuzz-garbage")
		}
		before := len(fk.violations())
		resp, err := fuzzHC.Do(req)
		if err != nil {
			t.Fatalf("%s %s: no answer: %v", req.Method, path, err)
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		_ = resp.Body.Close()
		if resp.Header.Get(fake.ViolationHeader) != "" || len(fk.violations()) > before {
			t.Fatalf("%s %s answered what the document does not allow: %v", req.Method, path, fk.violations()[before:])
		}
		if resp.StatusCode < 200 || resp.StatusCode > 599 {
			t.Fatalf("%s %s: status %d", req.Method, path, resp.StatusCode)
		}
		if err := fk.check(); err != nil {
			t.Fatalf("after %s %s: state corrupted: %v", req.Method, path, err)
		}
	})
}
