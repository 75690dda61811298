//go:build soak

// Package soak runs each fake as a `userapis serve` process under
// create/delete churn at full speed and reports its RSS over time and the
// p50 latency of a list and of a delete at the start and at the end. Not
// part of `make test`; `make soak` runs it (SOAK_DURATION, default 2m).
package soak

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/gen/harbor"
	"github.com/userapis/userapis-go/gen/homebox"
	"github.com/userapis/userapis-go/gen/vectara"
)

type served struct {
	Service     string            `json:"service"`
	URL         string            `json:"url"`
	Credentials map[string]string `json:"credentials"`
}

// cycle is one churn step: create, list, delete; it returns the list and
// delete durations.
type cycle func(ctx context.Context, i int64) (list, del time.Duration, err error)

func timed(f func() error) (time.Duration, error) {
	start := time.Now()
	err := f()
	return time.Since(start), err
}

func churn(t *testing.T, s served) cycle {
	c := s.Credentials
	switch s.Service {
	case "harbor":
		h, err := client.NewHarbor(client.WithBaseURL(s.URL), client.WithBasicAuth(c["admin_username"], c["admin_password"]))
		if err != nil {
			t.Fatal(err)
		}
		return func(ctx context.Context, i int64) (time.Duration, time.Duration, error) {
			name := fmt.Sprintf("soak%09d", i)
			id, _, err := h.CreateUser(ctx, harbor.UserCreationReq{Username: name, Email: name + "@example.com", Realname: "S", Password: "Passw0rdSoak"})
			if err != nil {
				return 0, 0, err
			}
			l, err := timed(func() error {
				_, _, err := h.ListUsers(ctx, &harbor.ListUsersParams{PageSize: client.Ptr[int64](10)})
				return err
			})
			if err != nil {
				return 0, 0, err
			}
			d, err := timed(func() error { _, err := h.DeleteUser(ctx, id); return err })
			return l, d, err
		}
	case "homebox":
		return func(ctx context.Context, i int64) (time.Duration, time.Duration, error) {
			hb, err := client.NewHomebox(client.WithBaseURL(s.URL), client.WithHeader("X-Real-IP", fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)))
			if err != nil {
				return 0, 0, err
			}
			email := fmt.Sprintf("soak%09d@example.com", i)
			if _, err := hb.RegisterNewUser(ctx, homebox.UserRegistration{Email: email, Name: "S", Password: "Passw0rdSoak"}); err != nil {
				return 0, 0, err
			}
			if _, _, err := hb.UserLogin(ctx, email, "Passw0rdSoak", false); err != nil {
				return 0, 0, err
			}
			if _, _, err := hb.UserLogin(ctx, email, "Passw0rdSoak", false); err != nil {
				return 0, 0, err
			}
			l, err := timed(func() error { _, _, err := hb.ListAPIKeys(ctx); return err })
			if err != nil {
				return 0, 0, err
			}
			d, err := timed(func() error { _, err := hb.DeleteAccount(ctx); return err })
			return l, d, err
		}
	case "kipu":
		k, err := client.NewKipu(client.WithBaseURL(s.URL), client.WithPersonalAccessToken(c["personal_access_token"]))
		if err != nil {
			t.Fatal(err)
		}
		return func(ctx context.Context, i int64) (time.Duration, time.Duration, error) {
			tok, _, err := k.CreatePersonalAccessToken(ctx, client.KipuTokenRequest{Name: fmt.Sprintf("soak-%d", i)})
			if err != nil {
				return 0, 0, err
			}
			l, err := timed(func() error { _, _, err := k.GetPersonalAccessTokens(ctx); return err })
			if err != nil {
				return 0, 0, err
			}
			d, err := timed(func() error { _, err := k.DeletePersonalAccessToken(ctx, tok.ID); return err })
			return l, d, err
		}
	case "vectara":
		v, err := client.NewVectara(client.WithBaseURL(s.URL), client.WithAPIKey(c["api_key"]))
		if err != nil {
			t.Fatal(err)
		}
		return func(ctx context.Context, i int64) (time.Duration, time.Duration, error) {
			name := fmt.Sprintf("soak%09d", i)
			if _, _, err := v.CreateUser(ctx, vectara.CreateUserRequest{Email: name + "@example.com", Username: client.Ptr(name)}); err != nil {
				return 0, 0, err
			}
			l, err := timed(func() error {
				_, _, err := v.ListUsers(ctx, &vectara.ListUsersParams{Limit: client.Ptr[int32](10)})
				return err
			})
			if err != nil {
				return 0, 0, err
			}
			d, err := timed(func() error { _, err := v.DeleteUser(ctx, name); return err })
			return l, d, err
		}
	}
	t.Fatalf("no churn for %s", s.Service)
	return nil
}

func rssKB(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}

func p50(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func TestSoak(t *testing.T) {
	duration := 2 * time.Minute
	if v := os.Getenv("SOAK_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		duration = d
	}
	bin := filepath.Join(t.TempDir(), "userapis")
	build := exec.Command("go", "build", "-o", bin, "./cmd/userapis")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var report []string
	for _, svc := range []string{"kipu", "harbor", "homebox", "vectara"} {
		wg.Go(func() {
			cmd := exec.Command(bin, "serve", "-json", "-services", svc)
			stdout, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Error(err)
				return
			}
			defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
			var s served
			if err := json.NewDecoder(bufio.NewReader(stdout)).Decode(&s); err != nil {
				t.Error(err)
				return
			}
			run := churn(t, s)
			ctx, cancel := context.WithTimeout(context.Background(), duration)
			defer cancel()
			start := time.Now()
			warm := duration / 6
			var seq, errs atomic.Int64
			var lmu sync.Mutex
			var early, late [2][]time.Duration // list, delete
			var rss []string
			rssWarm, rssEnd := 0, 0
			done := make(chan struct{})
			go func() { // RSS every tenth of the run
				tk := time.NewTicker(duration / 10)
				defer tk.Stop()
				for {
					select {
					case <-done:
						return
					case <-tk.C:
						kb := rssKB(cmd.Process.Pid)
						rss = append(rss, fmt.Sprintf("%.0f", float64(kb)/1024))
						if time.Since(start) >= warm && rssWarm == 0 {
							rssWarm = kb
						}
						rssEnd = kb
					}
				}
			}()
			var workers sync.WaitGroup
			for range 8 {
				workers.Go(func() {
					for ctx.Err() == nil {
						l, d, err := run(ctx, seq.Add(1))
						if err != nil {
							if ctx.Err() == nil {
								errs.Add(1)
							}
							continue
						}
						el := time.Since(start)
						lmu.Lock()
						switch {
						case el >= warm && el < 2*warm:
							early[0], early[1] = append(early[0], l), append(early[1], d)
						case el >= duration-warm:
							late[0], late[1] = append(late[0], l), append(late[1], d)
						}
						lmu.Unlock()
					}
				})
			}
			workers.Wait()
			close(done)
			growth := 0.0
			if rssWarm > 0 {
				growth = 100 * float64(rssEnd-rssWarm) / float64(rssWarm)
			}
			line := fmt.Sprintf("%-8s %7d cycles (%.0f/s), %d errors; RSS MiB %s (+%.1f%% after warm-up); p50 list %s → %s (%.2f×), delete %s → %s (%.2f×)",
				svc, seq.Load(), float64(seq.Load())/duration.Seconds(), errs.Load(), strings.Join(rss, " "), growth,
				p50(early[0]).Round(time.Microsecond), p50(late[0]).Round(time.Microsecond), float64(p50(late[0]))/float64(p50(early[0])),
				p50(early[1]).Round(time.Microsecond), p50(late[1]).Round(time.Microsecond), float64(p50(late[1]))/float64(p50(early[1])))
			mu.Lock()
			report = append(report, line)
			mu.Unlock()
			if growth >= 10 {
				t.Errorf("%s: RSS grew %.1f%% after warm-up (target < 10%%)", svc, growth)
			}
			if r := float64(p50(late[0])) / float64(p50(early[0])); r > 1.5 {
				t.Errorf("%s: list p50 %.2f× the start (target ≤ 1.5×)", svc, r)
			}
			if r := float64(p50(late[1])) / float64(p50(early[1])); r > 1.5 {
				t.Errorf("%s: delete p50 %.2f× the start (target ≤ 1.5×)", svc, r)
			}
			if errs.Load() > 0 {
				t.Errorf("%s: %d failed cycles", svc, errs.Load())
			}
		})
	}
	wg.Wait()
	slices.Sort(report)
	for _, l := range report {
		t.Log(l)
	}
}
