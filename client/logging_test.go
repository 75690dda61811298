package client

// Tests of logging: one debug line per attempt with the documented keys,
// nothing without a logger, and URL redaction.

import (
	"bytes"
	"encoding/json"
	"log"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mechLogLines parses JSON log lines.
func mechLogLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for l := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), "not a JSON line: %s", l)
		lines = append(lines, m)
	}
	return lines
}

func TestMechLogOneLinePerAttempt(t *testing.T) {
	for _, svc := range mechServices {
		t.Run(svc.name, func(t *testing.T) {
			statuses := []int{500, 503, 200}
			srv, rec := mechServer(t, svc.prefix, func(w http.ResponseWriter, _ *http.Request, n int) {
				if statuses[n-1] == 200 {
					mechJSON(w, 200, svc.okJSON)
					return
				}
				mechJSON(w, statuses[n-1], `{}`)
			})
			logger, buf := mechDebugLogger()
			_, _, err := svc.get(t, srv.URL, WithLogger(logger))(t.Context())
			require.NoError(t, err)
			require.Equal(t, 3, rec.count())

			lines := mechLogLines(t, buf.String())
			require.Len(t, lines, 3, "one line per attempt")
			for i, l := range lines {
				assert.Equal(t, "DEBUG", l["level"])
				assert.Equal(t, svc.name, l["service"])
				assert.Equal(t, svc.op, l["operation"])
				assert.Equal(t, "GET", l["method"])
				assert.Equal(t, srv.URL+svc.path, l["url"])
				assert.EqualValues(t, statuses[i], l["status"])
				assert.EqualValues(t, i+1, l["attempt"])
				d, ok := l["duration"].(float64)
				assert.True(t, ok && d >= 0, "duration %v", l["duration"])
			}
		})
	}
}

func TestMechLogPerCallAndTransportErrors(t *testing.T) {
	// A per-call logger; a POST answered 500 is one attempt, one line.
	srv, _ := mechServer(t, "/user-service", mechStatus(500))
	logger, buf := mechDebugLogger()
	k := mechKipu(t, srv.URL)
	_, _, err := k.CreatePersonalAccessToken(t.Context(), KipuTokenRequest{Name: "n"}, WithLogger(logger))
	require.Error(t, err)
	lines := mechLogLines(t, buf.String())
	require.Len(t, lines, 1)
	assert.Equal(t, "POST", lines[0]["method"])
	assert.Equal(t, "createPersonalAccessToken", lines[0]["operation"])
	assert.EqualValues(t, 500, lines[0]["status"])

	// The per-call logger does not stick to the client.
	_, _, _ = k.GetCurrentUser(t.Context())
	assert.Len(t, mechLogLines(t, buf.String()), 1)

	// No answer: a line per attempt with the error and no status.
	logger, buf = mechDebugLogger()
	k = mechKipu(t, "http://"+mechClosedAddr(t), WithLogger(logger))
	_, _, err = k.GetCurrentUser(t.Context())
	require.Error(t, err)
	lines = mechLogLines(t, buf.String())
	require.Len(t, lines, 3)
	for i, l := range lines {
		assert.EqualValues(t, i+1, l["attempt"])
		assert.NotContains(t, l, "status")
		assert.Contains(t, l["error"], "refused")
	}
}

func TestMechNothingLoggedByDefault(t *testing.T) {
	// Catch anything written through slog's or log's defaults.
	var slogBuf, logBuf bytes.Buffer
	prevSlog := slog.Default()
	prevOut, prevFlags := log.Writer(), log.Flags()
	slog.SetDefault(slog.New(slog.NewTextHandler(&slogBuf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	log.SetOutput(&logBuf)
	t.Cleanup(func() {
		slog.SetDefault(prevSlog)
		log.SetOutput(prevOut)
		log.SetFlags(prevFlags)
	})

	srv, _ := mechServer(t, "/user-service", func(w http.ResponseWriter, _ *http.Request, n int) {
		if n%2 == 1 {
			mechJSON(w, 503, `{}`)
			return
		}
		mechJSON(w, 200, mechKipuUser)
	})
	k := mechKipu(t, srv.URL)
	_, _, err := k.GetCurrentUser(t.Context())
	require.NoError(t, err)
	_, _, err = mechKipu(t, "http://"+mechClosedAddr(t)).GetCurrentUser(t.Context())
	require.Error(t, err)

	// A logger above debug level gets nothing either.
	var infoBuf bytes.Buffer
	info := slog.New(slog.NewJSONHandler(&infoBuf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	_, _, err = k.GetCurrentUser(t.Context(), WithLogger(info))
	require.NoError(t, err)

	assert.Empty(t, slogBuf.String())
	assert.Empty(t, logBuf.String())
	assert.Empty(t, infoBuf.String())
}

func TestMechRedactURL(t *testing.T) {
	assert.Equal(t, "", redactURL(nil))
	for _, tc := range []struct {
		in      string
		want    string   // exact, when set
		gone    []string // must not appear
		present []string // must still appear
	}{
		{in: "https://api.test/v2/users?limit=10", want: "https://api.test/v2/users?limit=10"},
		{in: "https://ada:pa55word@api.test/x", gone: []string{"pa55word", "ada"}, present: []string{"api.test/x"}},
		{in: "https://tok3n@api.test/x", gone: []string{"tok3n"}},
		{in: "https://api.test/cb?access_token=T0KEN&state=s1", gone: []string{"T0KEN"}, present: []string{"state=s1", "access_token="}},
		{in: "https://api.test/cb?Access_Token=T0KEN", gone: []string{"T0KEN"}},
		{in: "https://api.test/cb?access_token=A1&access_token=A2", gone: []string{"A1", "A2"}},
		{in: "https://api.test/x?api_key=K1&apikey=K2&key=K3&token=K4&client_secret=K5&password=K6&refresh_token=K7&id_token=K8&code=K9&x-api-key=K10",
			gone: []string{"K1", "K2", "K3", "K4", "K5", "K6", "K7", "K8", "K9"}},
		{in: "https://api.test/x?page_key=p1&q=ada", want: "https://api.test/x?page_key=p1&q=ada"},
		// A query that does not parse cleanly must not slip through.
		{in: "https://api.test/cb?access_token=T0KEN%zz&state=s1", gone: []string{"T0KEN"}, present: []string{"state=s1"}},
		{in: "https://api.test/cb?state=s1;access_token=T0KEN", gone: []string{"T0KEN"}},
		{in: "https://api.test/cb?access%5Ftoken=T0KEN", gone: []string{"T0KEN"}},
		{in: "https://api.test/cb?q=%zz&access_token=T0KEN", gone: []string{"T0KEN"}},
	} {
		u, err := url.Parse(tc.in)
		require.NoError(t, err, tc.in)
		got := redactURL(u)
		if tc.want != "" {
			assert.Equal(t, tc.want, got, tc.in)
		}
		for _, g := range tc.gone {
			assert.NotContains(t, got, g, "redactURL(%q) = %q", tc.in, got)
		}
		for _, p := range tc.present {
			assert.Contains(t, got, p, "redactURL(%q) = %q", tc.in, got)
		}
		assert.Equal(t, u.String(), tc.in, "redactURL must not modify its argument")
	}
}
