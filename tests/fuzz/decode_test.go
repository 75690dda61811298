// Package fuzz_test holds the go test -fuzz targets: response decoding of
// every service's facade, the Harbor q builder, and the Link parser. Their
// seed corpora are in testdata/fuzz/<FuzzName>/, so `make test` runs the
// seeds and `make fuzz` fuzzes each target in turn.
package fuzz_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/gen/harbor"
	"github.com/userapis/userapis-go/gen/homebox"
	"github.com/userapis/userapis-go/gen/vectara"
)

// Credentials of the fuzzed clients; no error string may contain them.
const (
	kipuToken      = "kqh_fuzz_secret_token_5f3a9c"
	harborUser     = "fuzzadmin"
	harborPassword = "S3cret-Fuzz-Pass"
	homeboxToken   = "hbx_fuzz_secret_token_77aa"
	vectaraKey     = "zut_fuzz_secret_key_0042"
)

// stub answers every request with the same fuzzed response, without any
// network. hdr is sent as Location, Link, X-Total-Count and Retry-After.
type stub struct {
	status int
	ct     string
	hdr    string
	body   []byte
	sent   []string // header values of the requests since the last reset
}

func (s *stub) RoundTrip(req *http.Request) (*http.Response, error) {
	for _, vs := range req.Header {
		s.sent = append(s.sent, vs...)
	}
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	h := http.Header{}
	if s.ct != "" {
		h["Content-Type"] = []string{s.ct}
	}
	if s.hdr != "" {
		for _, k := range []string{"Location", "Link", "X-Total-Count", "Retry-After"} {
			h[k] = []string{s.hdr}
		}
	}
	return &http.Response{
		Status: http.StatusText(s.status), StatusCode: s.status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader(s.body)), ContentLength: int64(len(s.body)),
		Request: req,
	}, nil
}

// carried reports whether a request since the last reset sent secret,
// as it is or as the Basic credentials holding it.
func (s *stub) carried(secret string) bool {
	for _, v := range s.sent {
		if strings.Contains(v, secret) {
			return true
		}
		if b, ok := strings.CutPrefix(v, "Basic "); ok {
			if dec, err := base64.StdEncoding.DecodeString(b); err == nil && strings.Contains(string(dec), secret) {
				return true
			}
		}
	}
	return false
}

// fuzzOpts keep a fuzzed call fast: one retry without backoff, and any
// server-requested wait over 1 ms fails at once (RetryAfterError).
func fuzzOpts(rt http.RoundTripper) []client.ClientOption {
	return []client.ClientOption{
		client.WithBaseURL("https://api.example.test"),
		client.WithHTTPClient(&http.Client{Transport: rt}),
		client.WithMaxRetries(1),
		client.WithRetryBackoff(0, 0),
		client.WithMaxRetryAfter(time.Millisecond),
		client.WithTimeout(5 * time.Second),
	}
}

// probe is one facade method under fuzzing.
type probe struct {
	name string
	// success lists the statuses a successful call may come from.
	success []int
	// call runs the method; isNil reports a missing result.
	call func(ctx context.Context) (isNil bool, resp *client.Response, err error)
	// also accepts an error outside the typed ones (a documented sentinel).
	also func(status int, err error) bool
	// nullable: the result is documented as nullable, so a nil result
	// with no error is right for a 200 whose body is empty or JSON null,
	// and only then.
	nullable bool
}

// result converts a method's (value, response, error) into a probe result.
func result[T any](v *T, resp *client.Response, err error) (bool, *client.Response, error) {
	return v == nil, resp, err
}

func list[T any](v []T, resp *client.Response, err error) (bool, *client.Response, error) {
	return v == nil, resp, err
}

// checkResponseInvariants asserts, for one fuzzed response, what every
// method must do with it: no panic (implicit); never a nil result with a
// nil error nor a result with an error; success only from a documented
// status; otherwise one of the typed errors, carrying the status and the
// raw body; and no credential in any error string.
func checkResponseInvariants(t *testing.T, probes []probe, st *stub, secrets []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, p := range probes {
		st.sent = nil
		isNil, resp, err := p.call(ctx)
		if err == nil {
			if b := bytes.TrimSpace(st.body); isNil && p.nullable && st.status == http.StatusOK && (len(b) == 0 || string(b) == "null") {
				continue
			}
			if isNil {
				t.Fatalf("%s: nil result with a nil error (status %d, Content-Type %q, body %q)", p.name, st.status, st.ct, st.body)
			}
			if !contains(p.success, st.status) {
				t.Fatalf("%s: success from status %d (documented: %v)", p.name, st.status, p.success)
			}
			if resp == nil || resp.StatusCode != st.status {
				t.Fatalf("%s: success without the response", p.name)
			}
			continue
		}
		if !isNil {
			t.Fatalf("%s: a result together with the error %v", p.name, err)
		}
		// The credentials this call sent (public operations send none, so
		// a server could not echo them) must not be in the error string.
		msg := err.Error()
		for _, s := range secrets {
			if st.carried(s) && strings.Contains(msg, s) {
				t.Fatalf("%s: credential %q in the error string %q", p.name, s, msg)
			}
		}
		var (
			rae *client.RetryAfterError
			ae  *client.APIError
			de  *client.DecodeError
			te  *client.TransportError
		)
		switch {
		case errors.As(err, &rae):
			if !errors.Is(err, client.ErrRetryAfterTooLong) || rae.Err == nil || rae.Wait <= rae.Cap {
				t.Fatalf("%s: malformed RetryAfterError %#v", p.name, rae)
			}
			checkAPIError(t, p.name, rae.Err, st)
		case errors.As(err, &ae):
			checkAPIError(t, p.name, ae, st)
		case errors.As(err, &de):
			if de.StatusCode != st.status || !bytes.Equal(de.Body, st.body) {
				t.Fatalf("%s: DecodeError has status %d and body %q, the answer was %d %q", p.name, de.StatusCode, de.Body, st.status, st.body)
			}
			if !errors.Is(err, client.ErrUnexpectedResponse) {
				t.Fatalf("%s: DecodeError does not match ErrUnexpectedResponse", p.name)
			}
		case errors.As(err, &te):
			// Only a redirect can fail in transport here: the stub always
			// answers. (Following Location to the same stub, or refusing it.)
			if st.status < 300 || st.status > 399 || st.hdr == "" {
				t.Fatalf("%s: TransportError from status %d: %v", p.name, st.status, err)
			}
		case p.also != nil && p.also(st.status, err):
		default:
			t.Fatalf("%s: untyped error %T: %v", p.name, err, err)
		}
	}
}

func checkAPIError(t *testing.T, name string, ae *client.APIError, st *stub) {
	t.Helper()
	if ae.StatusCode != st.status || !bytes.Equal(ae.Body, st.body) {
		t.Fatalf("%s: APIError has status %d and body %q, the answer was %d %q", name, ae.StatusCode, ae.Body, st.status, st.body)
	}
	if ae.StatusCode >= 200 && ae.StatusCode < 300 {
		t.Fatalf("%s: APIError for a 2xx", name)
	}
	if ae.Attempts < 1 || ae.Attempts > 2 {
		t.Fatalf("%s: APIError after %d attempts (1 retry allowed)", name, ae.Attempts)
	}
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// addResponseSeeds adds in-code seeds common to every service (the
// committed corpus files hold the service-specific ones).
func addResponseSeeds(f *testing.F) {
	for _, s := range []struct {
		status uint16
		ct     string
		hdr    string
		body   string
	}{
		{200, "application/json", "", `{}`},
		{200, "application/json", "", `[]`},
		{200, "application/json", "", `null`},
		{201, "application/json", "", `{"id":"x"}`},
		{204, "", "", ``},
		{0, "", "", ``},
		{302, "", "/elsewhere", ``},
		{404, "application/json", "", `{"error":"nope"}`},
		{429, "application/json", "0", `{}`},
		{503, "text/html", "Wed, 21 Oct 2015 07:28:00 GMT", `<html>busy</html>`},
		{999, "application/json; charset=utf-8", "", `{"messages":["x"]}`},
	} {
		f.Add(s.status, s.ct, s.hdr, []byte(s.body))
	}
}

// ---------------------------------------------------------------------------

func FuzzKipuResponse(f *testing.F) {
	addResponseSeeds(f)
	f.Fuzz(func(t *testing.T, status uint16, ct, hdr string, body []byte) {
		st := &stub{status: int(status), ct: ct, hdr: hdr, body: body}
		k, err := client.NewKipu(append(fuzzOpts(st), client.WithPersonalAccessToken(kipuToken))...)
		if err != nil {
			t.Fatal(err)
		}
		probes := []probe{
			{name: "GetCurrentUser", success: []int{200}, call: func(ctx context.Context) (bool, *client.Response, error) {
				return result(k.GetCurrentUser(ctx))
			}},
			{name: "SearchUsers", success: []int{200}, call: func(ctx context.Context) (bool, *client.Response, error) {
				return list(k.SearchUsers(ctx, "ada"))
			}},
			{name: "CreatePersonalAccessToken", success: []int{200}, call: func(ctx context.Context) (bool, *client.Response, error) {
				return result(k.CreatePersonalAccessToken(ctx, client.KipuTokenRequest{Name: "ci"}))
			}},
			{name: "GetUserProfileImage", success: []int{200}, call: func(ctx context.Context) (bool, *client.Response, error) {
				return result(k.GetUserProfileImage(ctx, "0e1f7a3c"))
			}, nullable: true},
		}
		checkResponseInvariants(t, probes, st, []string{kipuToken})
	})
}

func FuzzHarborResponse(f *testing.F) {
	addResponseSeeds(f)
	basic := base64.StdEncoding.EncodeToString([]byte(harborUser + ":" + harborPassword))
	f.Fuzz(func(t *testing.T, status uint16, ct, hdr string, body []byte) {
		st := &stub{status: int(status), ct: ct, hdr: hdr, body: body}
		h, err := client.NewHarbor(append(fuzzOpts(st), client.WithBasicAuth(harborUser, harborPassword))...)
		if err != nil {
			t.Fatal(err)
		}
		probes := []probe{
			{name: "GetUser", success: []int{200}, call: func(ctx context.Context) (bool, *client.Response, error) {
				return result(h.GetUser(ctx, 3))
			}},
			{name: "ListUsers", success: []int{200}, call: func(ctx context.Context) (bool, *client.Response, error) {
				users, resp, err := h.ListUsers(ctx, nil)
				if err == nil && resp != nil && resp.TotalCount < -1 {
					t.Fatalf("ListUsers: TotalCount %d", resp.TotalCount)
				}
				return list(users, resp, err)
			}},
			{name: "CreateUser", success: []int{201}, call: func(ctx context.Context) (bool, *client.Response, error) {
				id, resp, err := h.CreateUser(ctx, harbor.UserCreationReq{Username: "u", Email: "u@example.com", Password: "Passw0rd1", Realname: "U"})
				if err == nil && id <= 0 {
					t.Fatalf("CreateUser: id %d without an error", id)
				}
				return id == 0, resp, err
			}},
		}
		checkResponseInvariants(t, probes, st, []string{harborPassword, basic})
	})
}

func FuzzHomeboxResponse(f *testing.F) {
	addResponseSeeds(f)
	f.Fuzz(func(t *testing.T, status uint16, ct, hdr string, body []byte) {
		st := &stub{status: int(status), ct: ct, hdr: hdr, body: body}
		h, err := client.NewHomebox(append(fuzzOpts(st), client.WithBearerToken(homeboxToken))...)
		if err != nil {
			t.Fatal(err)
		}
		probes := []probe{
			{name: "GetUserSelf", success: []int{200}, call: func(ctx context.Context) (bool, *client.Response, error) {
				return result(h.GetUserSelf(ctx))
			}},
			{name: "ListAPIKeys", success: []int{200}, call: func(ctx context.Context) (bool, *client.Response, error) {
				return list(h.ListAPIKeys(ctx))
			}},
			{name: "CreateAPIKey", success: []int{201}, call: func(ctx context.Context) (bool, *client.Response, error) {
				return result(h.CreateAPIKey(ctx, homebox.APIKeyCreate{Name: "ci"}))
			}},
			{name: "OIDCLogin", success: []int{302}, call: func(ctx context.Context) (bool, *client.Response, error) {
				return result(h.OIDCLogin(ctx))
			}},
			// Last: a successful login replaces the client's token.
			{name: "UserLogin", success: []int{200}, call: func(ctx context.Context) (bool, *client.Response, error) {
				return result(h.UserLogin(ctx, "ada@example.com", "password", false))
			}},
		}
		checkResponseInvariants(t, probes, st, []string{homeboxToken})
	})
}

func FuzzVectaraResponse(f *testing.F) {
	addResponseSeeds(f)
	f.Fuzz(func(t *testing.T, status uint16, ct, hdr string, body []byte) {
		st := &stub{status: int(status), ct: ct, hdr: hdr, body: body}
		v, err := client.NewVectara(append(fuzzOpts(st), client.WithAPIKey(vectaraKey))...)
		if err != nil {
			t.Fatal(err)
		}
		probes := []probe{
			{name: "GetUser", success: []int{200}, call: func(ctx context.Context) (bool, *client.Response, error) {
				return result(v.GetUser(ctx, "ada@example.com"))
			}},
			{name: "ListUsers", success: []int{200}, call: func(ctx context.Context) (bool, *client.Response, error) {
				return result(v.ListUsers(ctx, nil))
			}},
			{name: "CreateUser", success: []int{201}, call: func(ctx context.Context) (bool, *client.Response, error) {
				u, resp, err := v.CreateUser(ctx, vectara.CreateUserRequest{Email: "new@example.com"})
				if err == nil && u != nil && (u.Email == nil || *u.Email == "" || u.Username == nil || *u.Username == "") {
					t.Fatalf("CreateUser: empty email or username in %+v", u)
				}
				return u == nil, resp, err
			}},
			{name: "ResetUserPassword", success: []int{200, 204}, call: func(ctx context.Context) (bool, *client.Response, error) {
				return result(v.ResetUserPassword(ctx, "ada@example.com"))
			}},
		}
		checkResponseInvariants(t, probes, st, []string{vectaraKey})
	})
}
