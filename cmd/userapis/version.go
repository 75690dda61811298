// The version command: which module, documents and toolchain this binary
// was built from, for bug reports and for tests that pin a fake's version.

package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/gen/control/controlserver"
	"github.com/userapis/userapis-go/internal/services"
)

func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: userapis version\n\nPrints the module version, the version of each API document and the Go toolchain.\n")
	}
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	module, revision := "(devel)", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" {
			module = v
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				revision = s.Value
			}
		}
	}
	fmt.Fprintf(stdout, "userapis %s (module %s", client.Version, module)
	if revision != "" {
		fmt.Fprintf(stdout, ", commit %.12s", revision)
	}
	fmt.Fprintf(stdout, ", %s %s/%s)\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	for _, svc := range services.All {
		doc, err := svc.Spec()
		if err != nil {
			return fmt.Errorf("%s: %w", svc.Document(), err)
		}
		fmt.Fprintf(stdout, "  %-8s %s %s (%s)\n", svc.Name, svc.Document(), doc.Info.Version, svc.Title)
	}
	doc, err := controlserver.GetSpec()
	if err != nil {
		return fmt.Errorf("api/control.yaml: %w", err)
	}
	fmt.Fprintf(stdout, "  %-8s %s %s (the fakes' control API)\n", "control", "api/control.yaml", doc.Info.Version)
	return nil
}
