package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/userapis/userapis-go/fake"
	"github.com/userapis/userapis-go/fake/harborfake"
	"github.com/userapis/userapis-go/fake/homeboxfake"
	"github.com/userapis/userapis-go/fake/kipufake"
	"github.com/userapis/userapis-go/fake/vectarafake"
)

var allServices = []string{"kipu", "harbor", "homebox", "vectara"}

// runServe starts the chosen fakes on 127.0.0.1 and blocks until ctx ends.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	services := fs.String("services", strings.Join(allServices, ","), "comma-separated fakes to run: "+strings.Join(allServices, ", "))
	port := fs.Int("port", 0, "first port; the fakes take consecutive ports from it (0: random free ports)")
	validate := fs.Bool("validate-responses", false, "check every answer of the fakes against api/<service>.yaml; an answer that breaks it is replaced by a 500 and reported on stderr")
	homeboxOIDC := fs.Bool("homebox-oidc", false, "mount Homebox's OIDC routes (off by default, as on a server without OIDC settings)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: userapis serve [-services kipu,harbor,homebox,vectara] [-port N] [-validate-responses] [-homebox-oidc]\n\nRuns in-memory fakes on 127.0.0.1 until interrupted.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if *port < 0 || *port > 65535-len(allServices) {
		return fmt.Errorf("%w: -port %d out of range", errUsage, *port)
	}
	var chosen []string
	for _, s := range strings.Split(*services, ",") {
		s = strings.TrimSpace(strings.ToLower(s))
		if s == "" {
			continue
		}
		if !slices.Contains(allServices, s) {
			return fmt.Errorf("%w: unknown service %q (want some of %s)", errUsage, s, strings.Join(allServices, ", "))
		}
		if !slices.Contains(chosen, s) {
			chosen = append(chosen, s)
		}
	}
	if len(chosen) == 0 {
		return fmt.Errorf("%w: -services names no service", errUsage)
	}

	var opts []fake.Option
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
		lines, closeFn, err := startFake(name, addr, *homeboxOIDC, opts)
		if err != nil {
			return fmt.Errorf("starting %s on %s: %w", name, addr, err)
		}
		closers = append(closers, closeFn)
		for _, l := range lines {
			fmt.Fprintln(stdout, l)
		}
	}
	fmt.Fprintln(stdout, "serving; press Ctrl-C to stop")
	<-ctx.Done()
	fmt.Fprintln(stdout, "stopping")
	return nil
}

// startFake starts one fake and describes how to reach it.
func startFake(name, addr string, homeboxOIDC bool, opts []fake.Option) ([]string, func(), error) {
	switch name {
	case "kipu":
		s, err := kipufake.Listen(addr, opts...)
		if err != nil {
			return nil, nil, err
		}
		return []string{
			"kipu     " + s.URL,
			"         X-Auth-Token: " + s.Token,
			"         Authorization: Bearer " + s.AccessToken,
		}, s.Close, nil
	case "harbor":
		s, err := harborfake.Listen(addr, opts...)
		if err != nil {
			return nil, nil, err
		}
		return []string{
			"harbor   " + s.URL,
			fmt.Sprintf("         admin: %s / %s   user: %s / %s", s.AdminUser, s.AdminPassword, s.User, s.UserPassword),
		}, s.Close, nil
	case "homebox":
		s, err := homeboxfake.Listen(addr, opts...)
		if err != nil {
			return nil, nil, err
		}
		if homeboxOIDC {
			cfg := s.Fake.Config()
			cfg.OIDCEnabled = true
			s.Fake.SetConfig(cfg)
		}
		return []string{
			"homebox  " + s.URL,
			fmt.Sprintf("         login: %s / %s", s.Email, s.Password),
		}, s.Close, nil
	case "vectara":
		s, err := vectarafake.Listen(addr, opts...)
		if err != nil {
			return nil, nil, err
		}
		return []string{
			"vectara  " + s.URL,
			"         x-api-key: " + s.APIKey,
			fmt.Sprintf("         oauth2: client_id=%s client_secret=%s token_url=%s", s.ClientID, s.ClientSecret, s.TokenURL),
		}, s.Close, nil
	}
	return nil, nil, fmt.Errorf("unknown service %q", name)
}
