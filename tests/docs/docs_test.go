// Package docs builds the rendered API reference (scripts/docs.sh, as
// `make docs` does) and opens each page in headless Chromium: every
// operation of the document appears on the page, the choices recorded in
// info.description are shown, the page logs no console error, and a
// screenshot is saved (build/docs-screenshots/). The test waits for what
// it checks, with a deadline, never for a fixed time: CI's machine may be
// busy and its Chromium newer than the one it was written against.
package docs

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/gen/control/controlserver"
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

// hydrated holds once Redoc's scripts have taken over the page it arrives
// with (rendered ahead): before that a click on the menu is lost. Until
// then the search box says "Loading".
const hydrated = `(() => {
	if (!document.querySelector("h1")) return false;
	return ![...document.querySelectorAll("body *")].some(e => e.children.length === 0 && /^\s*Loading/.test(e.textContent || ""));
})()`

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

	// Every document in api/: the four services and the fakes' control API.
	pages := []struct {
		Name string
		Spec func() (*openapi3.T, error)
	}{{"control", controlserver.GetSpec}}
	for _, svc := range services.All {
		pages = append(pages, struct {
			Name string
			Spec func() (*openapi3.T, error)
		}{svc.Name, svc.Spec})
	}
	docs, err := filepath.Glob(filepath.Join(root, "api", "*.yaml"))
	require.NoError(t, err)
	require.Len(t, docs, len(pages), "a page is checked for every document in api/")
	for _, svc := range pages {
		t.Run(svc.Name, func(t *testing.T) {
			ctx, cancel := chromedp.NewContext(actx)
			defer cancel()
			// Generous, for a busy machine: the test waits for conditions,
			// so a page that is quick costs no more.
			ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
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

			// Every request the page makes: a self-contained page asks
			// only the server it came from (and data: and blob: URLs).
			var away []string
			require.NoError(t, chromedp.Listen(ctx, func(ev any) {
				if e, ok := ev.(*network.EventRequestWillBeSent); ok {
					u := e.Request.URL
					if !strings.HasPrefix(u, srv.URL+"/") && !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "blob:") {
						mu.Lock()
						away = append(away, u)
						mu.Unlock()
					}
				}
			}))

			doc, err := svc.Spec()
			require.NoError(t, err)
			// What must be on the pages: every operation's summary, compared
			// without whitespace and Markdown marks (the page joins elements
			// without spaces and renders `code` and **bold**).
			missing := map[string]string{} // squashed summary -> operation
			for path, item := range doc.Paths.Map() {
				for method, op := range item.Operations() {
					missing[squash(op.Summary)] = fmt.Sprintf("%s %s (%s)", method, path, op.OperationID)
				}
			}
			p := &page{t: t, ctx: ctx, shot: filepath.Join(shots, svc.Name+".png")}
			require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"+svc.Name+".html")))
			p.waitFor("the page to be rendered and hydrated (a heading, no search box still loading)", hydrated)
			overview := p.text()
			text := overview
			see := func(s string) int {
				flat, n := squash(s), 0
				for sum := range missing {
					if strings.Contains(flat, sum) {
						delete(missing, sum)
						n++
					}
				}
				return n
			}
			see(overview)

			// Redoc 3 renders one page per tag: open each page of the menu
			// (client-side, as a reader clicking it), round after round
			// until every summary has been seen or the deadline passes. A
			// click the page takes late is seen in a later poll or round.
			links, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...new Set([...document.querySelectorAll("a[href^='/']")]
				.map(a => a.getAttribute("href")).filter(h => h.length > 1))]`))
			require.NoError(t, err)
			if len(links) == 0 {
				p.fail("the page has no menu links")
			}
			// Tag pages first: the sections of the description hold no
			// operation, and the rounds end once every summary is seen.
			section := func(h string) int {
				if strings.HasPrefix(h, "/section/") {
					return 1
				}
				return 0
			}
			slices.SortStableFunc(links, func(a, b string) int { return cmp.Compare(section(a), section(b)) })
			before := overview // the page's text before a click
			for round := 0; len(missing) > 0; round++ {
				if ctx.Err() != nil {
					var want []string
					for _, op := range missing {
						want = append(want, op)
					}
					slices.Sort(want)
					p.fail(fmt.Sprintf("after %d rounds over the menu %v, these summaries were never on the page: %s", round, links, strings.Join(want, "; ")))
				}
				for _, href := range links {
					if len(missing) == 0 {
						break
					}
					h, _ := json.Marshal(href)
					clicked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
						const a = [...document.querySelectorAll("a")].find(x => x.getAttribute("href") === `+string(h)+`);
						if (a) { a.click(); }
						return !!a;
					})()`))
					if err != nil || !clicked {
						continue // the menu is being redrawn: the next round clicks again
					}
					// Until this page shows a summary not seen yet, or has
					// settled on a new text with none (a section, a tag
					// whose operations were seen), or a while has passed:
					// the next round comes back to a page that came late.
					last, s := "", ""
					for until := time.Now().Add(3 * time.Second); time.Now().Before(until) && ctx.Err() == nil; {
						s = p.text()
						text += " " + s
						if see(s) > 0 || len(missing) == 0 || (s != before && s == last) {
							break
						}
						last = s
						_ = chromedp.Do(ctx, chromedp.Sleep(100*time.Millisecond))
					}
					before = s
				}
			}
			p.screenshot()
			cancelTimeout()
			<-done

			flat := squash(text)
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
			assert.Contains(t, squash(overview), desc[:min(60, len(desc))], "info.description is on the overview page")
			mu.Lock()
			assert.Empty(t, problems, "console errors")
			assert.Empty(t, away, "requests that leave the page's server (telemetry, a CDN)")
			mu.Unlock()
		})
	}
}

// page is one rendered reference page in the browser.
type page struct {
	t    *testing.T
	ctx  context.Context
	shot string // where its screenshot goes
}

// text is the page's text without scripts and styles ("" while the page
// cannot be read, e.g. during a navigation).
func (p *page) text() string {
	text, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`(() => {
		const b = document.body.cloneNode(true);
		b.querySelectorAll("script, style, noscript").forEach(e => e.remove());
		return b.textContent;
	})()`))
	if err != nil {
		return ""
	}
	return text
}

// waitFor polls the JavaScript condition cond until it holds, or fails at
// the context's deadline saying what it waited for and what the page
// showed.
func (p *page) waitFor(what, cond string) {
	p.t.Helper()
	for {
		ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](cond))
		if err == nil && ok {
			return
		}
		if p.ctx.Err() != nil {
			p.fail(fmt.Sprintf("waited for %s until the deadline (last error: %v)", what, err))
		}
		_ = chromedp.Do(p.ctx, chromedp.Sleep(100*time.Millisecond))
	}
}

// screenshot saves the whole page, also after the test's deadline.
func (p *page) screenshot() {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(p.ctx), 20*time.Second)
	defer cancel()
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err == nil {
		err = os.WriteFile(p.shot, shot, 0o644)
	}
	if err != nil {
		p.t.Logf("no screenshot: %v", err)
	}
}

// fail ends the test with what the page showed: its address, the opening
// of its visible text, and a screenshot.
func (p *page) fail(why string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(p.ctx), 20*time.Second)
	defer cancel()
	where, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`))
	shown, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : "(no body)"`))
	p.screenshot()
	p.t.Fatalf("%s\nthe page (%s) showed: %.1500s\nscreenshot: %s", why, where, strings.Join(strings.Fields(shown), " "), p.shot)
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
