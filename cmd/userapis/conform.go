// The conform command: a service's scenario against a live server, every
// exchange validated against its document, reported step by step.

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/userapis/userapis-go/internal/conform"
	"github.com/userapis/userapis-go/internal/contract"
	"github.com/userapis/userapis-go/internal/services"
)

// errViolations ends a run that found violations: exit status 1, the
// report has said everything.
var errViolations = errors.New("violations found")

// credentialFlags are the credential flags and the environment variables
// that stand in for them (preferred: a flag's value shows in the process
// list).
var credentialFlags = []struct{ flag, env, usage string }{
	{"token", "USERAPIS_TOKEN", "Kipu personal access token"},
	{"bearer-token", "USERAPIS_BEARER_TOKEN", "Kipu OAuth2 access token, or a Homebox session token"},
	{"username", "USERAPIS_USERNAME", "Harbor user"},
	{"password", "USERAPIS_PASSWORD", "Harbor or Homebox password"},
	{"email", "USERAPIS_EMAIL", "Homebox login email"},
	{"api-key", "USERAPIS_API_KEY", "Vectara or Homebox API key"},
	{"client-id", "USERAPIS_CLIENT_ID", "Vectara OAuth2 client id"},
	{"client-secret", "USERAPIS_CLIENT_SECRET", "Vectara OAuth2 client secret"},
	{"token-url", "USERAPIS_TOKEN_URL", "Vectara OAuth2 token URL (default Vectara's)"},
}

var prefixRE = regexp.MustCompile(`^[a-z][a-z0-9-]{2,30}$`)

func runConform(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("conform", flag.ContinueOnError)
	fs.SetOutput(stderr)
	service := fs.String("service", "", "service to check: "+strings.Join(conform.Services, ", "))
	base := fs.String("url", "", "the server's base URL (the host, as for client.WithBaseURL)")
	write := fs.Bool("write", false, "also run the steps that create objects (named with -prefix) and remove them at the end")
	prefix := fs.String("prefix", "", "prefix of every object -write creates (default uconf-<random>)")
	asJSON := fs.Bool("json", false, "one JSON object per step on stdout instead of the text report")
	junit := fs.String("junit", "", "also write a JUnit XML report to this file")
	timeout := fs.Duration("timeout", 2*time.Minute, "bound on the whole run")
	pageSize := fs.Int("page-size", 10, "page size of the paging checks (1 to 100); at most 20 pages are read")
	record := fs.String("record", "", "write every exchange of the run to this file (JSON), credentials removed and ids, tokens and times replaced by placeholders")
	var provenance provenanceFlag
	fs.Var(&provenance, "provenance", "KEY=VALUE to record in the -record file's provenance (repeatable: server, version, commit, date, configuration)")
	creds := map[string]*string{}
	for _, c := range credentialFlags {
		creds[c.flag] = fs.String(c.flag, "", c.usage+" (or $"+c.env+")")
	}
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: userapis conform -service NAME -url URL [credentials] [-write] [-json] [-junit FILE]\n\n"+
			"Runs the service's scenario against a live server through the client, validates every request\n"+
			"and response against api/<service>.yaml and checks the behaviours the scenario relies on.\n"+
			"Without -write only operations that change nothing run. Exit status: 0 no violation, 1\n"+
			"violations or failed steps, 2 usage error. Credentials are never printed.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	svc, ok := services.Lookup(*service)
	if !ok {
		return fmt.Errorf("%w: -service must be one of %s", errUsage, strings.Join(conform.Services, ", "))
	}
	u, err := url.Parse(*base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: -url must be an absolute http or https URL", errUsage)
	}
	if *prefix == "" {
		b := make([]byte, 3)
		_, _ = rand.Read(b)
		*prefix = "uconf-" + hex.EncodeToString(b) + "-"
	} else if !prefixRE.MatchString(strings.TrimSuffix(*prefix, "-")) {
		return fmt.Errorf("%w: -prefix must be 3 to 31 of a-z, 0-9 and -, starting with a letter", errUsage)
	}
	for _, c := range credentialFlags {
		if *creds[c.flag] == "" {
			*creds[c.flag] = os.Getenv(c.env)
		}
	}
	cfg := conform.Config{
		URL: *base, Token: *creds["token"], BearerToken: *creds["bearer-token"],
		Username: *creds["username"], Password: *creds["password"], Email: *creds["email"],
		APIKey: *creds["api-key"], ClientID: *creds["client-id"], ClientSecret: *creds["client-secret"],
		TokenURL: *creds["token-url"], Prefix: *prefix, PageSize: *pageSize,
	}
	if *pageSize < 1 || *pageSize > 100 {
		return fmt.Errorf("%w: -page-size must be 1 to 100", errUsage)
	}

	doc, err := svc.Spec()
	if err != nil {
		return err
	}
	v, err := contract.New(doc, *base)
	if err != nil {
		return err
	}
	rec := &conform.Recorder{}
	tape := &conform.Tape{Step: rec.Step}
	observe := rec.Observe
	if *record != "" {
		observe = func(op string, req *http.Request, status int, reqErr, respErr error) {
			rec.Observe(op, req, status, reqErr, respErr)
			tape.Label(req, op)
		}
	}
	tr := &contract.Transport{V: v, Next: tape, OnExchange: observe, Skip: func(r *http.Request) bool {
		// The OAuth2 token endpoint is outside the document.
		return r.URL.Host != u.Host || strings.HasSuffix(r.URL.Path, "/oauth2/token")
	}}
	steps, cleanups, err := conform.Scenario(svc.Name, cfg, &http.Client{Transport: tr})
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	results := conform.Run(ctx, rec, steps, *write, cleanups)
	if *record != "" {
		secrets := []string{cfg.Token, cfg.BearerToken, cfg.Password, cfg.APIKey, cfg.ClientSecret}
		tapeRec := tape.Recording(svc.Name, conform.Scrub{BaseURL: *base, Prefix: *prefix, Secrets: secrets}, provenance.m)
		if err := writeFile(*record, func(w io.Writer) error { return conform.WriteRecording(w, tapeRec) }); err != nil {
			return err
		}
	}

	if *asJSON {
		err = conform.WriteJSON(stdout, svc.Name, results)
	} else {
		err = conform.WriteText(stdout, svc.Name, results)
	}
	if err != nil {
		return err
	}
	if *junit != "" {
		if err := writeFile(*junit, func(w io.Writer) error { return conform.WriteJUnit(w, svc.Name, results) }); err != nil {
			return err
		}
	}
	if conform.HasViolations(results) {
		return errViolations
	}
	return nil
}

// provenanceFlag collects -provenance KEY=VALUE pairs.
type provenanceFlag struct{ m map[string]string }

func (p *provenanceFlag) String() string { return fmt.Sprint(p.m) }

func (p *provenanceFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", v)
	}
	if p.m == nil {
		p.m = map[string]string{}
	}
	p.m[k] = val
	return nil
}

// writeFile writes a file through write, reporting the first error of
// the write or the close.
func writeFile(name string, write func(io.Writer) error) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	werr := write(f)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	return werr
}
