package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/userapis/userapis-go/fake"
	"github.com/userapis/userapis-go/fake/homeboxfake"
	"github.com/userapis/userapis-go/internal/services"
)

// runServe starts the chosen fakes on 127.0.0.1 and blocks until ctx ends.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	chosenList := fs.String("services", strings.Join(services.Names(), ","), "comma-separated fakes to run: "+strings.Join(services.Names(), ", "))
	port := fs.Int("port", 0, "first port; the fakes take consecutive ports from it (0: random free ports)")
	control := fs.Bool("control", true, "serve the control API (api/control.yaml) of each fake under /__userapis: reset, seed, faults, clock, outbox, violations")
	validate := fs.Bool("validate-responses", false, "check every answer of the fakes against api/<service>.yaml; an answer that breaks it is replaced by a 500 and reported on stderr")
	homeboxOIDC := fs.Bool("homebox-oidc", false, "mount Homebox's OIDC routes (off by default, as on a server without OIDC settings)")
	asJSON := fs.Bool("json", false, "print one JSON object per fake on stdout ({\"service\", \"url\", \"server_url\", \"control_url\", \"credentials\"}), for tests in other languages; other messages go to stderr")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: userapis serve [-services kipu,harbor,homebox,vectara] [-port N] [-json] [-validate-responses] [-homebox-oidc]\n\nRuns in-memory fakes on 127.0.0.1 until interrupted.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if *port < 0 || *port > 65535-len(services.All) {
		return fmt.Errorf("%w: -port %d out of range", errUsage, *port)
	}
	var chosen []string
	for _, s := range strings.Split(*chosenList, ",") {
		s = strings.TrimSpace(strings.ToLower(s))
		if s == "" {
			continue
		}
		if _, ok := services.Lookup(s); !ok {
			return fmt.Errorf("%w: unknown service %q (want some of %s)", errUsage, s, strings.Join(services.Names(), ", "))
		}
		if !slices.Contains(chosen, s) {
			chosen = append(chosen, s)
		}
	}
	if len(chosen) == 0 {
		return fmt.Errorf("%w: -services names no service", errUsage)
	}

	opts := []fake.Option{fake.WithControl(*control)}
	if *validate {
		var mu sync.Mutex
		opts = append(opts, fake.ValidateResponses(true), fake.OnViolation(func(err error) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintln(stderr, "contract violation:", err)
		}))
	}
	var closers []func()
	defer func() {
		for _, c := range closers {
			c()
		}
	}()
	for i, name := range chosen {
		addr := "127.0.0.1:0"
		if *port != 0 {
			addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(*port+i))
		}
		svc, _ := services.Lookup(name)
		f, err := svc.Listen(addr, opts...)
		if err != nil {
			return fmt.Errorf("starting %s on %s: %w", name, addr, err)
		}
		closers = append(closers, f.Close)
		if hb, ok := f.Value.(*homeboxfake.Server); ok && *homeboxOIDC {
			cfg := hb.Fake.Config()
			cfg.OIDCEnabled = true
			hb.Fake.SetSeedConfig(cfg) // a reset through the control API keeps it
		}
		if *asJSON {
			server, err := svc.ServerPath()
			if err != nil {
				return err
			}
			if err := json.NewEncoder(stdout).Encode(servedFake{Service: name, Title: svc.Title, URL: f.URL, ServerURL: f.URL + server, ControlURL: f.ControlURL, Credentials: f.Secrets}); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(stdout, "%-8s %s\n", name, f.URL)
		if f.ControlURL != "" {
			fmt.Fprintf(stdout, "%-8s control API: %s\n", "", f.ControlURL)
		}
		for _, l := range f.Credentials {
			fmt.Fprintf(stdout, "%-8s %s\n", "", l)
		}
	}
	status := stdout
	if *asJSON {
		status = stderr // stdout is JSON only
	}
	fmt.Fprintln(status, "serving; press Ctrl-C to stop")
	<-ctx.Done()
	fmt.Fprintln(status, "stopping")
	return nil
}

// servedFake is one line of `serve -json`.
type servedFake struct {
	Service string `json:"service"`
	Title   string `json:"title"`
	// URL is the fake's address, what client.WithBaseURL takes.
	URL string `json:"url"`
	// ServerURL is URL with the path of the document's first server: the
	// base of the paths in api/<service>.yaml, for a client generated from
	// it in another language.
	ServerURL string `json:"server_url"`
	// ControlURL is the fake's control API (api/control.yaml), absent
	// with -control=false.
	ControlURL  string            `json:"control_url,omitempty"`
	Credentials map[string]string `json:"credentials"`
}
