// The demo: a transcript of steps with their timings, each exchange checked
// against the service's document, and the walk through every service of
// the table (one file per service: demo_<service>.go).

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/internal/contract"
	"github.com/userapis/userapis-go/internal/services"
)

// transcript prints one line per step with its timing, and checks every
// exchange against the service's OpenAPI document.
type transcript struct {
	w         io.Writer
	steps     int
	start     time.Time
	contracts []*serviceContract
}

type serviceContract struct {
	name string
	doc  *openapi3.T
	tr   *contract.Transport
}

// checked returns an option routing a client through a validating
// transport for the document swagger returns, and records it for the
// summary.
func (t *transcript) checked(name string, swagger func() (*openapi3.T, error), baseURL string, skip func(*http.Request) bool) (client.ClientOption, error) {
	doc, err := swagger()
	if err != nil {
		return nil, err
	}
	v, err := contract.New(doc, baseURL)
	if err != nil {
		return nil, err
	}
	tr := &contract.Transport{V: v, Skip: skip}
	t.contracts = append(t.contracts, &serviceContract{name: name, doc: doc, tr: tr})
	return client.WithHTTPClient(&http.Client{Transport: tr}), nil
}

// summary prints operations covered and contract violations per service; it
// fails when an exchange broke its document.
func (t *transcript) summary() error {
	fmt.Fprintf(t.w, "\n== Contract check (every request and response validated against api/*.yaml)\n")
	total, covered, violations := 0, 0, 0
	for _, c := range t.contracts {
		all := contract.OperationIDs(c.doc)
		seen := c.tr.Covered()
		errs := c.tr.Errors()
		total += len(all)
		covered += len(seen)
		violations += len(errs)
		fmt.Fprintf(t.w, "   %-8s %2d/%2d operations exercised, %d violation(s)\n", c.name, len(seen), len(all), len(errs))
		for _, e := range errs {
			fmt.Fprintf(t.w, "            %v\n", e)
		}
	}
	fmt.Fprintf(t.w, "   all      %2d/%2d operations, %d violation(s)\n", covered, total, violations)
	if violations > 0 {
		return fmt.Errorf("%d contract violation(s)", violations)
	}
	return nil
}

func (t *transcript) section(title, detail string) {
	fmt.Fprintf(t.w, "\n== %s\n   %s\n", title, detail)
}

// step runs fn and prints its outcome; an error ends the demo.
func (t *transcript) step(label string, fn func() (string, error)) error {
	t.steps++
	start := time.Now()
	detail, err := fn()
	d := time.Since(start)
	if err != nil {
		fmt.Fprintf(t.w, "  FAIL %-58s %8s  %v\n", label, round(d), err)
		return fmt.Errorf("%s: %w", label, err)
	}
	fmt.Fprintf(t.w, "  ok   %-58s %8s  %s\n", label, round(d), detail)
	return nil
}

// refused runs fn, which must fail with want; it prints the typed error.
func (t *transcript) refused(label string, want error, fn func() error) error {
	return t.step(label, func() (string, error) {
		err := fn()
		if err == nil {
			return "", fmt.Errorf("expected an error matching %v, got success", want)
		}
		if !errors.Is(err, want) {
			return "", fmt.Errorf("expected %v, got: %w", want, err)
		}
		return "refused as expected: " + err.Error(), nil
	})
}

func round(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	default:
		return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
	}
}

// runDemo walks a realistic scenario through every service with the client
// package against in-process fakes.
// scenarios are the demo's walk through each service of the table.
var scenarios = map[string]func(context.Context, *transcript, []client.ClientOption) error{
	"kipu": demoKipu, "harbor": demoHarbor, "homebox": demoHomebox, "vectara": demoVectara,
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	verbose := fs.Bool("v", false, "log every HTTP attempt (credentials redacted) to stderr")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: userapis demo [-v]\n\nWalks a scenario through all four services on in-process fakes; needs no credentials or network.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	common := []client.ClientOption{client.WithRetryBackoff(5*time.Millisecond, 50*time.Millisecond)}
	if *verbose {
		common = append(common, client.WithLogger(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}
	t := &transcript{w: stdout, start: time.Now()}
	fmt.Fprintf(stdout, "userapis-go demo: %d user-management APIs, in-process fakes, zero credentials\n", len(services.All))
	for _, svc := range services.All {
		part := scenarios[svc.Name]
		if part == nil {
			return fmt.Errorf("no demo scenario for service %q", svc.Name)
		}
		if err := part(ctx, t, common); err != nil {
			return err
		}
	}
	if err := t.summary(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n%d steps across %d services in %s — every call went through the client package.\n", t.steps, len(services.All), round(time.Since(t.start)))
	return nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
