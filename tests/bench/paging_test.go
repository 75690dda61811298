package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake/harborfake"
	"github.com/userapis/userapis-go/fake/vectarafake"
	"github.com/userapis/userapis-go/gen/harbor"
	"github.com/userapis/userapis-go/gen/vectara"
)

// childEnv names the variable that makes the test binary serve a seeded
// fake instead of running tests: "harbor:N" or "vectara:N".
const childEnv = "USERAPIS_BENCH_CHILD"

// serveChild starts the fake spec names, seeds N users, prints its URL and
// serves until its standard input closes.
func serveChild(spec string) int {
	service, nStr, _ := strings.Cut(spec, ":")
	n, err := strconv.Atoi(nStr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bad", childEnv, spec)
		return 2
	}
	var url string
	var closeFn func()
	switch service {
	case "harbor":
		srv := harborfake.Start(benchFakeOpts...)
		srv.Fake.SeedUsers(n)
		url, closeFn = srv.URL, srv.Close
	case "vectara":
		srv := vectarafake.Start(benchFakeOpts...)
		for i := range n {
			if _, err := srv.Fake.AddUser(vectara.CreateUserRequest{Email: fmt.Sprintf("seed-%07d@example.com", i)}); err != nil {
				fmt.Fprintln(os.Stderr, "seeding vectara:", err)
				return 1
			}
		}
		url, closeFn = srv.URL, srv.Close
	default:
		fmt.Fprintln(os.Stderr, "unknown service", service)
		return 2
	}
	runtime.GC()
	fmt.Println("URL", url)
	_, _ = io.Copy(io.Discard, os.Stdin)
	closeFn()
	return 0
}

// startChild runs a seeded fake in a child process and returns its URL.
func startChild(tb testing.TB, service string, n int) string {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s:%d", childEnv, service, n))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "URL ")
	if err != nil || !ok {
		tb.Fatalf("child %s:%d: %q %v", service, n, line, err)
	}
	return url
}

// heapSampler records, every millisecond, the heap's object bytes (live
// and not yet swept) and the live heap as of the last GC, as runtime/metrics
// reports them, and returns their peaks above the baseline taken after a GC.
type heapSampler struct {
	stop       chan struct{}
	done       chan struct{}
	base       [2]uint64
	peak       [2]uint64
	gcs0, gcs1 uint64
}

var heapMetrics = []string{"/memory/classes/heap/objects:bytes", "/gc/heap/live:bytes", "/gc/cycles/total:gc-cycles"}

func startHeapSampler() *heapSampler {
	s := &heapSampler{stop: make(chan struct{}), done: make(chan struct{})}
	samples := make([]metrics.Sample, len(heapMetrics))
	for i, name := range heapMetrics {
		samples[i].Name = name
	}
	runtime.GC()
	runtime.GC() // the second cycle makes /gc/heap/live:bytes the post-GC live heap
	metrics.Read(samples)
	s.base = [2]uint64{samples[0].Value.Uint64(), samples[1].Value.Uint64()}
	s.peak = s.base
	s.gcs0 = samples[2].Value.Uint64()
	go func() {
		defer close(s.done)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				metrics.Read(samples)
				s.observe(samples)
				s.gcs1 = samples[2].Value.Uint64()
				return
			case <-t.C:
				metrics.Read(samples)
				s.observe(samples)
			}
		}
	}()
	return s
}

func (s *heapSampler) observe(samples []metrics.Sample) {
	s.peak[0] = max(s.peak[0], samples[0].Value.Uint64())
	s.peak[1] = max(s.peak[1], samples[1].Value.Uint64())
}

// finish stops sampling and returns the peaks above the baseline: heap
// objects (garbage not yet collected included) and live heap; and how many
// GC cycles ran meanwhile.
func (s *heapSampler) finish() (objects, live, gcs uint64) {
	close(s.stop)
	<-s.done
	return s.peak[0] - s.base[0], s.peak[1] - s.base[1], s.gcs1 - s.gcs0
}

// pagingCase iterates every user of a seeded child fake through the
// facade's iterator, 100 per page.
type pagingCase struct {
	service string
	// extra is how many users the fake has besides the N seeded ones (as
	// the iterator lists them).
	extra int
	iter  func(tb testing.TB, url string) func(ctx context.Context) (int, error)
}

var pagingCases = []pagingCase{
	{
		service: "harbor", extra: 3, // alice, bob and carol; admin is never listed
		iter: func(tb testing.TB, url string) func(context.Context) (int, error) {
			h, err := client.NewHarbor(client.WithBaseURL(url), client.WithBasicAuth(harborfake.AdminUser, harborfake.AdminPassword))
			if err != nil {
				tb.Fatal(err)
			}
			size := int64(harborListSize)
			return func(ctx context.Context) (int, error) {
				n := 0
				for u, err := range h.ListUsersIter(ctx, &harbor.ListUsersParams{PageSize: &size}) {
					if err != nil {
						return n, err
					}
					if u.UserID > 0 {
						n++
					}
				}
				return n, nil
			}
		},
	},
	{
		service: "vectara", extra: 4, // the seeded owner, ada, grace and bob
		iter: func(tb testing.TB, url string) func(context.Context) (int, error) {
			v, err := client.NewVectara(client.WithBaseURL(url), client.WithAPIKey(vectarafake.SeedAPIKey))
			if err != nil {
				tb.Fatal(err)
			}
			limit := int32(100)
			return func(ctx context.Context) (int, error) {
				n := 0
				for u, err := range v.ListUsersIter(ctx, &vectara.ListUsersParams{Limit: &limit}) {
					if err != nil {
						return n, err
					}
					if u.Username != nil {
						n++
					}
				}
				return n, nil
			}
		},
	},
}

var pagingSizes = []int{10_000, 100_000}

// BenchmarkPaging iterates N seeded users (page size 100) through
// ListUsersIter. The fake runs in a child process, so this process's heap
// is the client's alone. Metrics: peak-heap-B is the peak of heap object
// bytes (uncollected garbage included) above the post-GC baseline,
// peak-live-B the peak live heap (as of each GC during the run) above it,
// users/s the throughput.
func BenchmarkPaging(b *testing.B) {
	for _, c := range pagingCases {
		for _, n := range pagingSizes {
			b.Run(fmt.Sprintf("service=%s/N=%d", c.service, n), func(b *testing.B) {
				url := startChild(b, c.service, n)
				iterate := c.iter(b, url)
				ctx := context.Background()
				var peakObj, peakLive, gcs uint64
				total := 0
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					b.StopTimer()
					s := startHeapSampler()
					b.StartTimer()
					got, err := iterate(ctx)
					b.StopTimer()
					o, l, g := s.finish()
					b.StartTimer()
					if err != nil {
						b.Fatal(err)
					}
					if got != n+c.extra {
						b.Fatalf("iterated %d users, want %d", got, n+c.extra)
					}
					peakObj, peakLive, gcs = max(peakObj, o), max(peakLive, l), max(gcs, g)
					total += got
				}
				b.ReportMetric(float64(peakObj), "peak-heap-B")
				b.ReportMetric(float64(peakLive), "peak-live-B")
				b.ReportMetric(float64(gcs), "gc-cycles")
				b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "users/s")
			})
		}
	}
}

// TestPagingChild checks the paging set-up on a small N: the child
// process serves, the iterators see every user, the sampler reports.
func TestPagingChild(t *testing.T) {
	const n = 250
	for _, c := range pagingCases {
		t.Run(c.service, func(t *testing.T) {
			url := startChild(t, c.service, n)
			s := startHeapSampler()
			got, err := c.iter(t, url)(context.Background())
			_, _, _ = s.finish()
			if err != nil {
				t.Fatal(err)
			}
			if got != n+c.extra {
				t.Fatalf("iterated %d users, want %d", got, n+c.extra)
			}
		})
	}
}
