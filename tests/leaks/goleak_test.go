// Package leakstest checks that every test package of the module verifies
// goroutine leaks with goleak, and that the clients reuse one connection
// over many sequential calls, error answers included.
package leakstest

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// goPackage is what `go list -json` says about one package.
type goPackage struct {
	ImportPath   string
	Dir          string
	TestGoFiles  []string
	XTestGoFiles []string
}

// leakCheckers are the calls that verify leaks at the end of a TestMain:
// goleak's own, and the module's testmain.Run, which calls it (see
// TestTestmainRunVerifiesLeaks).
var leakCheckers = map[string]string{
	"go.uber.org/goleak": "VerifyTestMain",
	"github.com/userapis/userapis-go/internal/testmain": "Run",
}

// verifiesLeaks reports whether the Go source src declares a TestMain
// whose body calls goleak.VerifyTestMain or testmain.Run (under whatever
// names the file imports them).
func verifiesLeaks(filename string, src any) (bool, error) {
	return callsIn(filename, src, "TestMain", leakCheckers)
}

// callsIn reports whether the function fnName of the Go source src calls
// one of calls (import path → function name), under whatever name the
// file imports each package.
func callsIn(filename string, src any, fnName string, calls map[string]string) (bool, error) {
	f, err := parser.ParseFile(token.NewFileSet(), filename, src, 0)
	if err != nil {
		return false, err
	}
	want := map[string]string{} // local package name → function name
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		fn, ok := calls[p]
		if !ok {
			continue
		}
		name := path.Base(p)
		if imp.Name != nil {
			name = imp.Name.Name
		}
		want[name] = fn
	}
	if len(want) == 0 {
		return false, nil
	}
	for _, decl := range f.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Recv != nil || fn.Name.Name != fnName || fn.Body == nil {
			continue
		}
		found := false
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return !found
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok && want[id.Name] == sel.Sel.Name {
					found = true
				}
			}
			return !found
		})
		return found, nil
	}
	return false, nil
}

// TestTestmainRunVerifiesLeaks: testmain.Run, which most test packages
// call, does call goleak.VerifyTestMain.
func TestTestmainRunVerifiesLeaks(t *testing.T) {
	ok, err := callsIn(filepath.Join("..", "..", "internal", "testmain", "testmain.go"), nil, "Run",
		map[string]string{"go.uber.org/goleak": "VerifyTestMain"})
	require.NoError(t, err)
	require.True(t, ok, "internal/testmain.Run must call goleak.VerifyTestMain")
}

// TestEveryTestPackageVerifiesLeaks lists the module's packages with `go
// list ./...` and fails, naming them, for those with tests whose test
// files have no TestMain calling goleak.VerifyTestMain. Packages without
// tests are only logged.
func TestEveryTestPackageVerifiesLeaks(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	cmd := exec.Command("go", "list", "-e", "-json", "./...")
	cmd.Dir = filepath.Join("..", "..")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go list: %s", stderr.String())

	var pkgs []goPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p goPackage
		require.NoError(t, dec.Decode(&p))
		pkgs = append(pkgs, p)
	}
	require.NotEmpty(t, pkgs)

	var missing, untested []string
	checked := 0
	for _, p := range pkgs {
		files := append(append([]string(nil), p.TestGoFiles...), p.XTestGoFiles...)
		if len(files) == 0 {
			untested = append(untested, p.ImportPath)
			continue
		}
		checked++
		found := false
		for _, f := range files {
			ok, err := verifiesLeaks(filepath.Join(p.Dir, f), nil)
			require.NoError(t, err)
			if ok {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, p.ImportPath)
		}
	}
	sort.Strings(untested)
	t.Logf("%d test packages checked; packages without tests (not checked): %s", checked, strings.Join(untested, ", "))
	require.Positive(t, checked)
	if len(missing) > 0 {
		sort.Strings(missing)
		t.Errorf("test packages without `func TestMain(m *testing.M) { testmain.Run(m) }` (or goleak.VerifyTestMain):\n  %s", strings.Join(missing, "\n  "))
	}
}

// TestVerifiesLeaksDetector makes sure the detector above tells a package
// that verifies leaks from one that does not.
func TestVerifiesLeaksDetector(t *testing.T) {
	const imp = "package x\n\nimport (\n\t\"testing\"\n\n\t\"go.uber.org/goleak\"\n)\n\n"
	for _, src := range []string{
		imp + "func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }\n",
		imp + "func TestMain(m *testing.M) {\n\tif x := 1; x > 0 {\n\t\treturn\n\t}\n\tgoleak.VerifyTestMain(m, goleak.IgnoreCurrent())\n}\n",
		"package x\n\nimport (\n\t\"testing\"\n\n\tleak \"go.uber.org/goleak\"\n)\n\nfunc TestMain(m *testing.M) { leak.VerifyTestMain(m) }\n",
		"package x\n\nimport (\n\t\"testing\"\n\n\t\"github.com/userapis/userapis-go/internal/testmain\"\n)\n\nfunc TestMain(m *testing.M) { testmain.Run(m) }\n",
	} {
		ok, err := verifiesLeaks("x_test.go", src)
		require.NoError(t, err)
		require.True(t, ok, src)
	}
	for _, src := range []string{
		imp + "func TestMain(m *testing.M) { os.Exit(m.Run()) }\n",
		imp + "// goleak.VerifyTestMain(m)\nfunc TestOther(t *testing.T) { goleak.VerifyNone(t) }\n",
		imp + "func helper(m *testing.M) { goleak.VerifyTestMain(m) }\n",
		"package x\n\nimport \"testing\"\n\nfunc TestMain(m *testing.M) { goleak.VerifyTestMain(m) }\n",
		"package x\n\nimport (\n\t\"testing\"\n\n\t\"github.com/userapis/userapis-go/internal/testmain\"\n)\n\nfunc TestMain(m *testing.M) { testmain.Other(m) }\n",
		"package x\n\nimport (\n\t\"testing\"\n\n\t\"go.uber.org/goleak\"\n)\n\nfunc TestMain(m *testing.M) { goleak.Run(m) }\n",
	} {
		ok, err := verifiesLeaks("x_test.go", src)
		require.NoError(t, err)
		require.False(t, ok, src)
	}
	// This package itself passes the check.
	ok, err := verifiesLeaks("main_test.go", nil)
	require.NoError(t, err)
	require.True(t, ok)
}
