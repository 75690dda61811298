package fakekit_test

import (
	"testing"

	"go.uber.org/goleak"
)

// goleak directly: internal/testmain imports the fakes, which import this
// package.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
