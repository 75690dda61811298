// The replay test: the conform scenario run against fresh fakes, its
// recording compared with what the real servers answered to the same
// scenario (tests/recordings/<service>.json). A difference fails unless
// tests/recordings/allow.json names it with its reason.
package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/internal/conform"
)

const recordings = "../../tests/recordings"

func TestReplayRealServerRecordings(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(recordings, "*.json"))
	require.NoError(t, err)
	var allow []conform.Allowed
	var tapes []string
	for _, f := range files {
		if filepath.Base(f) == "allow.json" {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(b, &allow), "%s", f)
			continue
		}
		tapes = append(tapes, f)
	}
	require.NotEmpty(t, tapes, "recordings of real servers in %s", recordings)
	for _, a := range allow {
		require.NotEmpty(t, a.Reason, "every allowed difference says why: %+v", a)
	}
	used := map[int]bool{}
	for _, f := range tapes {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var real conform.Recording
		require.NoError(t, json.Unmarshal(b, &real), "%s", f)
		t.Run(real.Service, func(t *testing.T) {
			args, env, _, stop := recordArgs(real.Service)
			defer stop()
			for k, v := range env {
				t.Setenv(k, v)
			}
			file := filepath.Join(t.TempDir(), "fake.json")
			code, lines, stderr := runConformJSON(t, append(args, "-write", "-record", file)...)
			require.Equal(t, 0, code, "the scenario against the fake: stderr %s, steps %+v", stderr, lines)
			fb, err := os.ReadFile(file)
			require.NoError(t, err)
			var fake conform.Recording
			require.NoError(t, json.Unmarshal(fb, &fake))
			var unexplained []string
			for _, d := range conform.Compare(real, fake) {
				ok := false
				for i, a := range allow {
					if a.Allows(real.Service, d) {
						ok, used[i] = true, true
						break
					}
				}
				if !ok {
					unexplained = append(unexplained, d.String())
				}
			}
			if len(unexplained) > 0 {
				t.Errorf("the %s fake differs from the real server's recording (%s, %s) in %d place(s); fix the fake, or name the difference with its reason in %s:\n%s",
					real.Service, real.Provenance["version"], real.Provenance["date"], len(unexplained),
					filepath.Join(recordings, "allow.json"), strings.Join(unexplained, "\n"))
			}
		})
	}
	for i, a := range allow {
		if !used[i] {
			t.Errorf("allow.json entry %d (%s %s %s) allows nothing any more: remove it", i, a.Service, a.Step, a.What)
		}
	}
}
