// Package size guards the weight of importing the client: what client/ and
// gen/<service> link in, and how large a minimal program using each
// constructor is next to the same calls written by hand (testdata/).
package size

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// heavy are the module paths that belong to the server side only (the
// embedded document and its validation): an importer of the client must
// not link them.
var heavy = []string{
	"github.com/getkin/kin-openapi",
	"github.com/santhosh-tekuri/jsonschema",
	"github.com/oasdiff/yaml",
	"github.com/go-openapi/",
	"gopkg.in/yaml",
	"sigs.k8s.io/yaml",
	"github.com/invopop/yaml",
}

// maxRatio is the largest size of a client program over its hand-written
// baseline (issue 11: ≤ 1.10×).
const maxRatio = 1.10

var services = []string{"kipu", "harbor", "homebox", "vectara"}

func goTool(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = "../.."
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go %s:\n%s", strings.Join(args, " "), out)
	return string(out)
}

func TestClientImportsNoSpecLibraries(t *testing.T) {
	pkgs := []string{"./client"}
	for _, s := range services {
		pkgs = append(pkgs, "./gen/"+s)
	}
	for _, p := range pkgs {
		deps := goTool(t, "list", "-deps", p)
		for _, d := range strings.Fields(deps) {
			for _, h := range heavy {
				assert.False(t, strings.HasPrefix(d, h), "%s links %s", p, d)
			}
		}
	}
	// The server side does link the document's libraries: the check above
	// would notice if the list of heavy modules went stale.
	deps := goTool(t, "list", "-deps", "./gen/kipu/kipuserver")
	assert.Contains(t, deps, "github.com/getkin/kin-openapi/openapi3")
}

func TestMinimalProgramSize(t *testing.T) {
	dir := t.TempDir()
	for _, s := range services {
		t.Run(s, func(t *testing.T) {
			size := func(kind string) int64 {
				bin := filepath.Join(dir, kind+"-"+s)
				goTool(t, "build", "-o", bin, "./tests/size/testdata/"+kind+"/"+s)
				fi, err := os.Stat(bin)
				require.NoError(t, err)
				return fi.Size()
			}
			c, b := size("client"), size("baseline")
			ratio := float64(c) / float64(b)
			t.Logf("%s: client %d B, baseline %d B, %.3f×", s, c, b, ratio)
			assert.LessOrEqual(t, ratio, maxRatio, "a program using client.New%s is %.2f× the hand-written one", s, ratio)
		})
	}
}
