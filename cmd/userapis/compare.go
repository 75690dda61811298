// The compare command: what a client can see differ between two
// recordings of the conform scenario (conform -record).

package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/userapis/userapis-go/internal/conform"
)

func runCompare(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "one JSON object per difference instead of text")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: userapis compare [-json] BEFORE.json AFTER.json\n\n"+
			"Compares two recordings of the same service's conform scenario (userapis conform -write\n"+
			"-record FILE), exchange by exchange: the request, the status, the media type, every\n"+
			"response header, the body's shape under 400 and the whole body of an error. Exit status:\n"+
			"0 no difference, 1 differences, 2 usage error.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if fs.NArg() != 2 {
		return fmt.Errorf("%w: want two recordings, got %d argument(s)", errUsage, fs.NArg())
	}
	var recs [2]conform.Recording
	for i, name := range fs.Args() {
		b, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &recs[i]); err != nil {
			return fmt.Errorf("%s: not a recording: %w", name, err)
		}
	}
	if recs[0].Service != recs[1].Service {
		return fmt.Errorf("%w: recordings of %q and %q", errUsage, recs[0].Service, recs[1].Service)
	}
	diffs := conform.Compare(recs[0], recs[1])
	enc := json.NewEncoder(stdout)
	for _, d := range diffs {
		var err error
		if *asJSON {
			err = enc.Encode(d)
		} else {
			_, err = fmt.Fprintln(stdout, d)
		}
		if err != nil {
			return err
		}
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "%s: %d difference(s) in %d and %d exchanges\n", recs[0].Service, len(diffs), len(recs[0].Exchanges), len(recs[1].Exchanges))
	}
	if len(diffs) > 0 {
		return errViolations
	}
	return nil
}
