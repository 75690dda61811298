// Command userapis runs the demo of this module on its in-process fakes, or
// serves the fakes on 127.0.0.1 for other teams' integration tests.
//
//	userapis demo                       walk a realistic scenario through all four services
//	userapis serve [-services list] [-port N] [-json]  run fakes until interrupted
//	userapis conform -service S -url U  check a live server against api/<S>.yaml
//	userapis version                    the module, document and Go versions
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: userapis <command> [flags]

commands:
  demo    walk a realistic scenario through Kipu, Harbor, Homebox and Vectara
          using the client package against in-process fake servers
  serve   run fake servers on 127.0.0.1 and print their URLs and credentials
          (-json: one JSON object per fake, for tests in other languages)
  conform check a live server against its document: the service's scenario,
          every exchange validated (-write also creates and removes objects;
          -record FILE keeps every exchange, scrubbed)
  compare what differs between two -record files of the same service (a
          server before and after an upgrade; a real server and a fake)
  version print the module version, each API document's version and Go's

run 'userapis <command> -h' for the flags of a command
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "demo":
		err = runDemo(ctx, args[1:], stdout, stderr)
	case "serve":
		err = runServe(ctx, args[1:], stdout, stderr)
	case "conform":
		err = runConform(ctx, args[1:], stdout, stderr)
	case "compare":
		err = runCompare(args[1:], stdout, stderr)
	case "version", "-version", "--version":
		err = runVersion(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "userapis: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errReported):
		return 2
	case errors.Is(err, errViolations):
		return 1
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "userapis %s: %v\n", args[0], err)
		return 2
	default:
		fmt.Fprintf(stderr, "userapis %s: %v\n", args[0], err)
		return 1
	}
}

var (
	errUsage = errors.New("invalid arguments")
	// errReported is a usage error the flag package has already printed.
	errReported = fmt.Errorf("%w (reported)", errUsage)
)

// flagError maps a flag.Parse error: help stays help, anything else is a
// usage error that flag has already printed with the usage text.
func flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return errReported
}
