// Package goswagger benchmarks Harbor's own go-swagger client
// (github.com/goharbor/go-client) side by side with this module's facade
// and a hand-written net/http client, on one fixed server replaying the
// Harbor fake's answer. It is a module of its own so that the main module
// does not depend on go-client; `make bench` runs it.
//
//	cd tests/bench/goswagger && go test -run '^$' -bench . -benchmem
package goswagger

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"

	httptransport "github.com/go-openapi/runtime/client"
	v2client "github.com/goharbor/go-client/pkg/sdk/v2.0/client"
	"github.com/goharbor/go-client/pkg/sdk/v2.0/client/user"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake"
	"github.com/userapis/userapis-go/fake/harborfake"
)

// fixed replays the Harbor fake's answer to GET /api/v2.0/users/3.
func fixed(tb testing.TB) *httptest.Server {
	tb.Helper()
	srv := harborfake.Start(fake.ValidateResponses(false))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v2.0/users/"+strconv.FormatInt(harborfake.UserID, 10), nil)
	req.SetBasicAuth(srv.AdminUser, srv.AdminPassword)
	res, err := srv.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		tb.Fatalf("recording: %d %s", res.StatusCode, body)
	}
	ct, rid := res.Header.Get("Content-Type"), res.Header.Get("X-Request-Id")
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ct)
		w.Header().Set("X-Request-Id", rid)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	}))
	tb.Cleanup(hs.Close)
	return hs
}

func transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return t
}

// side is one client's GetUser of user 3, returning the username.
type side func(ctx context.Context) (string, error)

func sides(tb testing.TB, base string) map[string]side {
	tb.Helper()
	hcB, hcF, trG := &http.Client{Transport: transport()}, &http.Client{Transport: transport()}, transport()
	tb.Cleanup(func() { hcB.CloseIdleConnections(); hcF.CloseIdleConnections(); trG.CloseIdleConnections() })

	h, err := client.NewHarbor(client.WithBaseURL(base), client.WithBasicAuth(harborfake.AdminUser, harborfake.AdminPassword), client.WithHTTPClient(hcF))
	if err != nil {
		tb.Fatal(err)
	}
	u, _ := url.Parse(base + "/api/v2.0")
	gs := v2client.New(v2client.Config{URL: u, Transport: trG, AuthInfo: httptransport.BasicAuth(harborfake.AdminUser, harborfake.AdminPassword)})

	return map[string]side{
		"baseline": func(ctx context.Context) (string, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v2.0/users/"+strconv.FormatInt(harborfake.UserID, 10), nil)
			if err != nil {
				return "", err
			}
			req.SetBasicAuth(harborfake.AdminUser, harborfake.AdminPassword)
			res, err := hcB.Do(req)
			if err != nil {
				return "", err
			}
			defer func() { _, _ = io.Copy(io.Discard, res.Body); _ = res.Body.Close() }()
			if res.StatusCode != http.StatusOK {
				return "", fmt.Errorf("status %d", res.StatusCode)
			}
			var v struct {
				Username string `json:"username"`
			}
			err = json.NewDecoder(res.Body).Decode(&v)
			return v.Username, err
		},
		"facade": func(ctx context.Context) (string, error) {
			u, _, err := h.GetUser(ctx, harborfake.UserID)
			if err != nil {
				return "", err
			}
			return u.Username, nil
		},
		"goswagger": func(ctx context.Context) (string, error) {
			ok, err := gs.User.GetUser(ctx, &user.GetUserParams{UserID: harborfake.UserID})
			if err != nil {
				return "", err
			}
			return ok.Payload.Username, nil
		},
	}
}

// TestSidesAgree: the three clients read the same user, so the benchmark
// compares the same work.
func TestSidesAgree(t *testing.T) {
	srv := fixed(t)
	for name, s := range sides(t, srv.URL) {
		got, err := s(context.Background())
		if err != nil || got != harborfake.UserName {
			t.Errorf("%s: %q, %v", name, got, err)
		}
	}
}

// BenchmarkHarborGetUser: one GetUser per op for each client.
func BenchmarkHarborGetUser(b *testing.B) {
	srv := fixed(b)
	for _, name := range []string{"baseline", "facade", "goswagger"} {
		s := sides(b, srv.URL)[name]
		b.Run("impl="+name, func(b *testing.B) {
			ctx := context.Background()
			if _, err := s(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
