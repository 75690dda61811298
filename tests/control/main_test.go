package control

import (
	"testing"

	"github.com/userapis/userapis-go/internal/testmain"
)

func TestMain(m *testing.M) { testmain.Run(m) }
