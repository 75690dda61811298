// Package breaking_test checks the breaking-change gate (scripts/breaking.sh)
// on a scratch git repository: a removed operation fails the gate unless the
// document's info.version major was raised.
package breaking_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const doc = `openapi: 3.0.3
info:
  title: gate fixture
  version: %VERSION%
paths:
  /users/{id}:
    get:
      operationId: getUser
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [id]
                properties:
                  id: {type: string}
%EXTRA%`

const extra = `  /users:
    get:
      operationId: listUsers
      responses:
        "200": {description: ok}
`

func write(t *testing.T, dir, version string, withList bool) {
	t.Helper()
	body := strings.ReplaceAll(doc, "%VERSION%", version)
	e := ""
	if withList {
		e = extra
	}
	body = strings.ReplaceAll(body, "%EXTRA%", e)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "api", "svc.yaml"), []byte(body), 0o644))
}

func run(t *testing.T, dir string, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func commit(t *testing.T, dir, msg string) {
	t.Helper()
	out, err := run(t, dir, "git", "add", "-A")
	require.NoError(t, err, out)
	out, err = run(t, dir, "git", "commit", "-qm", msg)
	require.NoError(t, err, out)
}

func TestBreakingGate(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles oasdiff; run without -short")
	}
	script, err := filepath.Abs("../../scripts/breaking.sh")
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "api"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "scripts"), 0o755))
	src, err := os.ReadFile(script)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "scripts", "breaking.sh"), src, 0o755))
	out, err := run(t, dir, "git", "init", "-q")
	require.NoError(t, err, out)

	write(t, dir, "1.0.0", true)
	commit(t, dir, "v1")

	// A compatible change (a new operation) passes.
	write(t, dir, "1.0.0", true)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "api", "svc.yaml"),
		[]byte(strings.Replace(mustRead(t, filepath.Join(dir, "api", "svc.yaml")), "paths:\n", "paths:\n  /health:\n    get:\n      operationId: health\n      responses:\n        \"204\": {description: ok}\n", 1)), 0o644))
	commit(t, dir, "add health")
	out, err = run(t, dir, "bash", "scripts/breaking.sh", "HEAD~1")
	require.NoError(t, err, "a compatible change must pass:\n%s", out)

	// Removing an operation without a major bump fails.
	write(t, dir, "1.1.0", false)
	commit(t, dir, "drop listUsers")
	out, err = run(t, dir, "bash", "scripts/breaking.sh", "HEAD~1")
	require.Error(t, err, "a removed operation must fail the gate:\n%s", out)
	require.Contains(t, out, "BREAKING")

	// The same change with the major raised passes.
	write(t, dir, "2.0.0", false)
	out, err = run(t, dir, "bash", "scripts/breaking.sh", "HEAD~2")
	require.NoError(t, err, "a major bump allows breaking changes:\n%s", out)
	require.Contains(t, out, "major raised")
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	return string(b)
}
