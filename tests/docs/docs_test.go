// Package docs builds the rendered API reference (scripts/docs.sh, as
// `make docs` does) and opens each page in headless Chromium: every
// operation of the document appears on the page, the choices recorded in
// info.description are shown, the page logs no console error, and a
// screenshot is saved (build/docs-screenshots/).
package docs

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/internal/services"
)

// need finds a tool or skips, naming the package that provides it; with
// USERAPIS_REQUIRE_BROWSER set (CI) a missing tool fails instead.
func need(t *testing.T, tool, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err == nil {
		return p
	}
	msg := fmt.Sprintf("%s not found: install %s (CI installs it; see .ci/run)", tool, pkg)
	if os.Getenv("USERAPIS_REQUIRE_BROWSER") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

func TestReferenceInBrowser(t *testing.T) {
	chromium := need(t, "chromium", "the Debian package chromium (apt-get install chromium)")
	need(t, "npm", "Node.js and npm (the Debian packages nodejs and npm)")

	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	out := t.TempDir()
	build := exec.Command("bash", "scripts/docs.sh", out)
	build.Dir = root
	b, err := build.CombinedOutput()
	require.NoError(t, err, "scripts/docs.sh: %s", b)

	srv := httptest.NewServer(http.FileServer(http.Dir(out)))
	defer srv.Close()
	shots := filepath.Join(root, "build", "docs-screenshots")
	require.NoError(t, os.MkdirAll(shots, 0o755))

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.WindowSize(1280, 2000))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()

	for _, svc := range services.All {
		t.Run(svc.Name, func(t *testing.T) {
			ctx, cancel := chromedp.NewContext(actx)
			defer cancel()
			ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
			defer cancelTimeout()

			// Every console message from the first navigation on: console
			// API calls, exceptions, and the browser log (failed loads).
			var mu sync.Mutex
			var problems []string
			msgs := chromedp.Console(ctx)
			done := make(chan struct{})
			go func() {
				defer close(done)
				for m, err := range msgs {
					if err != nil {
						return
					}
					if m.Type == chromedp.ConsoleError || m.IsException() {
						mu.Lock()
						problems = append(problems, m.String())
						mu.Unlock()
					}
				}
			}()

			doc, err := svc.Spec()
			require.NoError(t, err)
			require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"+svc.Name+".html")))
			// Redoc renders after load: wait for its heading, then let it
			// finish the layout.
			for {
				ready, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("h1") !== null`))
				require.NoError(t, err, "the page never rendered its heading")
				if ready {
					break
				}
				require.NoError(t, chromedp.Do(ctx, chromedp.Sleep(100*time.Millisecond)))
			}
			require.NoError(t, chromedp.Do(ctx, chromedp.Sleep(500*time.Millisecond)))
			// Redoc 3 renders one page per tag: open each page of the menu
			// (client-side, as a reader clicking it) and keep the text of
			// each rendered page.
			pageText := func() string {
				text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
					const b = document.body.cloneNode(true);
					b.querySelectorAll("script, style, noscript").forEach(e => e.remove());
					return b.textContent;
				})()`))
				require.NoError(t, err)
				return text
			}
			text := pageText()
			links, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...new Set([...document.querySelectorAll("nav a[href^='/'], aside a[href^='/'], a[href^='/']")]
				.map(a => a.getAttribute("href")).filter(h => h.length > 1))]`))
			require.NoError(t, err)
			require.NotEmpty(t, links, "the page has a menu")
			for _, href := range links {
				h, _ := json.Marshal(href)
				_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
					const h = `+string(h)+`;
					const a = [...document.querySelectorAll("a")].find(x => x.getAttribute("href") === h);
					if (a) { a.click(); }
					return !!a;
				})()`))
				require.NoError(t, err)
				require.NoError(t, chromedp.Do(ctx, chromedp.Sleep(300*time.Millisecond)))
				text += " " + pageText()
			}
			shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(shots, svc.Name+".png"), shot, 0o644))
			cancelTimeout()
			<-done

			// Compared without whitespace and Markdown marks: the page joins
			// elements without spaces and renders `code` and **bold**.
			flat := squash(text)
			for path, item := range doc.Paths.Map() {
				for method, op := range item.Operations() {
					assert.Contains(t, flat, squash(op.Summary), "%s %s (%s): its summary is not on the page", method, path, op.OperationID)
				}
			}
			assert.Contains(t, flat, squash(doc.Info.Title))
			// The page opens with info.description: what was chosen where the
			// seeds and upstream disagree.
			desc := squash(doc.Info.Description)
			require.NotEmpty(t, desc)
			// Its opening words, up to the first link or parenthesis (whose
			// Markdown the page renders differently).
			if i := strings.IndexAny(desc, "()"); i > 20 {
				desc = desc[:i]
			}
			assert.Contains(t, flat, desc[:min(60, len(desc))], "info.description is on the page")
			mu.Lock()
			assert.Empty(t, problems, "console errors")
			mu.Unlock()
		})
	}
}

// squash drops whitespace and Markdown marks.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune("`*_#>[]", r) || r == ' ' || r == '\n' || r == '\t' || r == '\r' {
			return -1
		}
		return r
	}, s)
}
