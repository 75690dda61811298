package bench

import (
	"context"
	"net/http"
	"testing"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake/harborfake"
)

// retrySetup returns a Harbor GetUser call and a function that makes the
// next request answer 503 with Retry-After: 0, on a fixed server (the
// fake's recorded 200 and 503) or on the real fake.
func retrySetup(tb testing.TB, server string) (call func(ctx context.Context) (*client.Response, error), failNext func()) {
	tb.Helper()
	var base string
	switch server {
	case "fixed":
		fxs := getFixtures(tb)
		fs := startFixed(tb, fxs["harbor/getUser"], fxs["harbor/getUser503"])
		base, failNext = fs.URL, func() { fs.failNext.Store(1) }
	case "fake":
		srv := harborfake.Start(benchFakeOpts...)
		tb.Cleanup(srv.Close)
		base = srv.URL
		failNext = func() { srv.Faults.FailNext(1, "getUser", http.StatusServiceUnavailable, "0") }
	}
	hc := newHTTPClient(&dialCounter{})
	tb.Cleanup(func() { closeIdle(hc) })
	h, err := client.NewHarbor(client.WithBaseURL(base), client.WithBasicAuth(harborfake.AdminUser, harborfake.AdminPassword), client.WithHTTPClient(hc))
	if err != nil {
		tb.Fatal(err)
	}
	return func(ctx context.Context) (*client.Response, error) {
		_, resp, err := h.GetUser(ctx, harborfake.UserID)
		return resp, err
	}, failNext
}

// BenchmarkRetry compares a clean Harbor GetUser with one that succeeds
// after a 503 carrying Retry-After: 0 (two attempts).
func BenchmarkRetry(b *testing.B) {
	for _, server := range []string{"fixed", "fake"} {
		b.Run("server="+server, func(b *testing.B) {
			call, failNext := retrySetup(b, server)
			ctx := context.Background()
			if _, err := call(ctx); err != nil {
				b.Fatal(err)
			}
			for _, retried := range []bool{false, true} {
				name := "case=clean"
				if retried {
					name = "case=after-503"
				}
				b.Run(name, func(b *testing.B) {
					want := 1
					if retried {
						want = 2
					}
					b.ReportAllocs()
					for b.Loop() {
						if retried {
							failNext()
						}
						resp, err := call(ctx)
						if err != nil {
							b.Fatal(err)
						}
						if resp.Attempts != want {
							b.Fatalf("%d attempts, want %d", resp.Attempts, want)
						}
					}
				})
			}
		})
	}
}

// TestRetrySetup checks that the retry benchmark's call really takes two
// attempts after failNext, and one otherwise.
func TestRetrySetup(t *testing.T) {
	for _, server := range []string{"fixed", "fake"} {
		t.Run(server, func(t *testing.T) {
			call, failNext := retrySetup(t, server)
			ctx := context.Background()
			for _, want := range []int{1, 2, 1} {
				if want == 2 {
					failNext()
				}
				resp, err := call(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if resp.Attempts != want {
					t.Fatalf("%d attempts, want %d", resp.Attempts, want)
				}
			}
		})
	}
}
