package bench

import (
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/userapis/userapis-go/fake"
)

func TestMain(m *testing.M) {
	// The paging benchmarks run their fake in a child process (this test
	// binary again) so that the fake's memory is not counted as the client's.
	if spec := os.Getenv(childEnv); spec != "" {
		os.Exit(serveChild(spec))
	}
	goleak.VerifyTestMain(m)
}

// benchFakeOpts switches off the fakes' check of their own answers (on by
// default in test binaries): the benchmarks measure the client, and the
// figures in BENCHMARKS.md were taken without that server-side cost. The
// correctness of the fakes' answers is the business of the other suites.
var benchFakeOpts = []fake.Option{fake.ValidateResponses(false)}
