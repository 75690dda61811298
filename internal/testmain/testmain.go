// Package testmain is the TestMain of the module's test packages that run
// fakes: goleak's check that no goroutine outlives the tests, and a failed
// run when any fake answered something its document does not allow (the
// fakes check their own answers in test binaries; see fake.ValidateResponses).
package testmain

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/userapis/userapis-go/fake"
)

// Run runs the tests of m and exits: non-zero when a test failed, a
// goroutine leaked, or a fake refused one of its own answers that no
// OnViolation callback had taken charge of.
func Run(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		if n := fake.UnhandledViolations(); n > 0 {
			fmt.Fprintf(os.Stderr, "testmain: %d answer(s) of the fakes broke their document (see the log above)\n", n)
			if code == 0 {
				code = 1
			}
		}
		os.Exit(code)
	}))
}
