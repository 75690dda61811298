// Package readme compiles the Go snippets of README.md, so that what a
// newcomer copies from it builds: every ```go block is a whole file (a
// program, or a _test.go file when it has a Test function).
package readme

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var goBlock = regexp.MustCompile("(?s)```go\n(.*?)```")

func TestReadmeSnippetsCompile(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	blocks := goBlock.FindAllStringSubmatch(string(readme), -1)
	require.GreaterOrEqual(t, len(blocks), 3, "README.md has its Go snippets")
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	require.Contains(t, string(readme), "go get github.com/userapis/userapis-go@latest")

	for i, b := range blocks {
		src := b[1]
		t.Run(fmt.Sprintf("snippet%d", i+1), func(t *testing.T) {
			require.True(t, strings.HasPrefix(src, "package "), "snippet %d is a whole file, starting with its package clause:\n%s", i+1, src)
			// The snippet is laid, through -overlay, at a directory of the
			// module that does not exist, so that its imports resolve as
			// a user's would against this module.
			dir := filepath.Join(root, "tests", "readme", fmt.Sprintf("snippet%d", i+1))
			name, args := "main.go", []string{"build", "-o", os.DevNull}
			if strings.Contains(src, "func Test") {
				name, args = "snippet_test.go", []string{"test", "-vet=off", "-c", "-o", os.DevNull}
			}
			file := filepath.Join(t.TempDir(), name)
			require.NoError(t, os.WriteFile(file, []byte(src), 0o600))
			overlay, err := json.Marshal(map[string]any{"Replace": map[string]string{filepath.Join(dir, name): file}})
			require.NoError(t, err)
			ovFile := filepath.Join(t.TempDir(), "overlay.json")
			require.NoError(t, os.WriteFile(ovFile, overlay, 0o600))

			cmd := exec.Command("go", append(append(args, "-overlay="+ovFile), "./tests/readme/"+filepath.Base(dir))...)
			cmd.Dir = root
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "README snippet %d does not compile:\n%s\n%s", i+1, out, src)
		})
	}
}
