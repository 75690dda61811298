package bench

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// The paging benchmarks run their fake in a child process (this test
	// binary again) so that the fake's memory is not counted as the client's.
	if spec := os.Getenv(childEnv); spec != "" {
		os.Exit(serveChild(spec))
	}
	goleak.VerifyTestMain(m)
}
