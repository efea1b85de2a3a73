package commons

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/doctown/doctown/docpack"
)

// chromiumPath finds headless Chromium, skipping the test without it (or
// failing under DOCTOWN_REQUIRE_ALL=1). CI installs it with `apt-get install -y chromium`.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("DOCTOWN_REQUIRE_ALL") == "1" {
		t.Fatal("chromium is not installed (apt-get install -y chromium)")
	}
	t.Skip("chromium is not installed (apt-get install -y chromium)")
	return ""
}

// chromium runs headless Chromium on url with extra flags and returns stdout.
func chromium(t *testing.T, bin, url string, flags ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	args := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir=" + t.TempDir(),
	}, flags...)
	args = append(args, url)
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %s: %v\n%s", url, err, stderr.String())
	}
	return string(out)
}

// TestBrowser loads the commons in headless Chromium: the DOM it builds is
// what a visitor sees.
func TestBrowser(t *testing.T) {
	bin := chromiumPath(t)
	f := newFixture(t, Options{})

	t.Run("listing shows the docpacks", func(t *testing.T) {
		dom := chromium(t, bin, f.srv.URL+"/", "--dump-dom")
		for _, want := range []string{"octo/", "hello", "acme/", "widgets", "2222222", "3333333"} {
			if !strings.Contains(dom, want) {
				t.Errorf("listing DOM lacks %q", want)
			}
		}
	})

	t.Run("symbol page shows its docs", func(t *testing.T) {
		id := docpack.NewID("hello", "hello::net::Client::connect", docpack.KindMethod, 0)
		dom := chromium(t, bin, f.srv.URL+"/r/octo/hello/"+shaNew+"/s/"+id, "--dump-dom")
		for _, want := range []string{"Opens a connection to <code>addr</code>", "<strong>timeout</strong>", "unreachable", "pub fn connect"} {
			if !strings.Contains(dom, want) {
				t.Errorf("symbol DOM lacks %q", want)
			}
		}
	})

	t.Run("search finds a symbol", func(t *testing.T) {
		// What submitting the docpack's search form (GET) loads.
		dom := chromium(t, bin, f.srv.URL+"/r/octo/hello/"+shaNew+"?q=greet", "--dump-dom")
		if !strings.Contains(dom, "Results for") || !strings.Contains(dom, "hello::greet") {
			t.Errorf("search DOM lacks the result hello::greet")
		}
		if strings.Contains(dom, "hello::net::Client::connect") {
			t.Errorf("search for greet lists connect")
		}
	})

	t.Run("hostile docpack runs no script", func(t *testing.T) {
		id := docpack.NewID("evil", "evil::boom", docpack.KindFunction, 0)
		dom := chromium(t, bin, f.srv.URL+"/r/mallory/evil/"+shaHostile+"/s/"+id, "--dump-dom")
		for _, bad := range injected(dom) {
			t.Errorf("rendered DOM carries injected markup: %s", bad)
		}
	})

	if dir := os.Getenv("DOCTOWN_SCREENSHOTS"); dir != "" {
		// DOCTOWN_SCREENSHOTS=/some/dir saves pages to look at.
		id := docpack.NewID("hello", "hello::net::Client::connect", docpack.KindMethod, 0)
		for name, path := range map[string]string{
			"list":   "/",
			"pack":   "/r/octo/hello/" + shaNew,
			"symbol": "/r/octo/hello/" + shaNew + "/s/" + id,
			"search": "/r/octo/hello/" + shaNew + "?q=net",
		} {
			for _, scheme := range []string{"light", "dark"} {
				file := filepath.Join(dir, name+"-"+scheme+".png")
				flags := []string{"--screenshot=" + file, "--window-size=1200,900", "--hide-scrollbars"}
				if scheme == "dark" {
					flags = append(flags, "--force-dark-mode", "--blink-settings=preferredColorScheme=0")
				}
				chromium(t, bin, f.srv.URL+path, flags...)
			}
		}
		chromium(t, bin, f.srv.URL+"/r/octo/hello/"+shaNew, "--screenshot="+filepath.Join(dir, "pack-mobile.png"), "--window-size=400,850", "--hide-scrollbars")
	}
}

// TestBrowserDocOutline loads doc comments with headings and footnotes in
// headless Chromium: the item's name is the page's only h1 and a doc's
// "# Generic usage" an h2 below it (rustdoc's heading offset), not a second
// h1; rand_chacha's footnotes ("Bernstein[^1]") are numbered references to
// notes at the end, not raw brackets.
func TestBrowserDocOutline(t *testing.T) {
	bin := chromiumPath(t)
	h := serveDebian(t, rand, chacha)
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, tt := range []struct {
		name, path string
		want       []string
	}{
		{"headings", rand.page() + "/p/rand::Rng", []string{`<h2 id="generic-usage">Generic usage</h2>`}},
		{"footnotes", chacha.page() + "/p/rand_chacha::ChaCha20Rng", []string{
			`Bernstein<sup id="doc-fnref:1"><a href="#doc-fn:1" class="footnote-ref"`, `<div class="footnotes"`,
			`<li id="doc-fn:1">`, `href="https://cr.yp.to/chacha.html"`,
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
			dom := chromium(t, bin, srv.URL+rec.Header().Get("Location"), "--dump-dom")
			for _, w := range tt.want {
				if !strings.Contains(dom, w) {
					t.Errorf("DOM lacks %q", w)
				}
			}
			if n := strings.Count(dom, "<h1"); n != 1 {
				t.Errorf("the page has %d h1 headings, want the item's alone", n)
			}
			if strings.Contains(dom, "[^") {
				t.Errorf("the page shows a raw footnote: %q", dom[strings.Index(dom, "[^")-40:][:80])
			}
		})
	}
}

// TestBrowserDebian loads pages of real crates in headless Chromium: a
// struct, a trait and a big module, each checked for its sections, links
// that lead somewhere and no raw intra-doc brackets in what a visitor sees.
func TestBrowserDebian(t *testing.T) {
	bin := chromiumPath(t)
	h := serveDebian(t, serde, hashbrown, syn)
	srv := httptest.NewServer(h)
	defer srv.Close()
	href := regexp.MustCompile(`href="(/r/[^"#]*)`)
	for _, tt := range []struct {
		name, path string
		want       []string
	}{
		{"struct", hashbrown.page() + "/p/hashbrown::HashMap", []string{`id="implementations"`, `id="method.insert"`, `id="trait-implementations"`, "Trait Implementations"}},
		{"trait", serde.page() + "/p/serde::Serialize", []string{`id="foreign-impls"`, "Implementations on Foreign Types", "impl Serialize for bool"}},
		{"crate root", syn.page(), []string{`id="modules"`, `id="macros"`, `id="structs"`, `id="enums"`, `id="functions"`, "cargo-expand"}},
		{"all items, paginated", syn.page() + "/all?page=2", []string{`<nav class="pager"`, `aria-current="page">2<`, `rel="prev"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			url := srv.URL + tt.path
			if strings.Contains(tt.path, "/p/") { // Chromium follows the redirect; the test needs the page's own address
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
				url = srv.URL + rec.Header().Get("Location")
			}
			dom := chromium(t, bin, url, "--dump-dom")
			for _, w := range tt.want {
				if !strings.Contains(dom, w) {
					t.Errorf("DOM lacks %q", w)
				}
			}
			if m := rawLink.FindAllString(dom, 3); m != nil {
				t.Errorf("DOM shows raw intra-doc links: %q", m)
			}
			// Every link of the page to the commons leads to a page.
			seen := map[string]bool{}
			for _, m := range href.FindAllStringSubmatch(dom, -1) {
				u := strings.ReplaceAll(m[1], "&amp;", "&")
				if seen[u] || len(seen) > 300 {
					continue
				}
				seen[u] = true
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, u, nil))
				if rec.Code != http.StatusOK {
					t.Errorf("link %s: status %d", u, rec.Code)
				}
			}
			if len(seen) < 10 {
				t.Errorf("the page links only %d pages", len(seen))
			}
		})
	}

	if dir := os.Getenv("DOCTOWN_SCREENSHOTS"); dir != "" {
		// Crates the pages were not tuned to; DOCTOWN_SCREENSHOTS_WINAPI=1 adds
		// winapi (seconds of CPU to build).
		crates := []debianCrate{rayon, petgraph, regexSyn}
		if os.Getenv("DOCTOWN_SCREENSHOTS_WINAPI") == "1" {
			crates = append(crates, winapi)
		}
		h := serveDebian(t, crates...)
		srv := httptest.NewServer(h)
		defer srv.Close()
		shots := map[string]string{
			"rayon":                  rayon.page(),
			"rayon-ParallelIterator": rayon.page() + "/p/rayon::iter::ParallelIterator",
			"rayon-iter":             rayon.page() + "/p/rayon::iter",
			"petgraph-Graph":         petgraph.page() + "/p/petgraph::graph::Graph",
			"petgraph-algo":          petgraph.page() + "/p/petgraph::algo",
			"regex-syntax-ast":       regexSyn.page() + "/p/regex_syntax::ast",
			"regex-syntax-Hir":       regexSyn.page() + "/p/regex_syntax::hir::Hir",
		}
		if os.Getenv("DOCTOWN_SCREENSHOTS_WINAPI") == "1" {
			shots["winapi"] = winapi.page()
			shots["winapi-winnt"] = winapi.page() + "/p/winapi::um::winnt"
			shots["winapi-winnt-3"] = winapi.page() + "/p/winapi::um::winnt"
			shots["winapi-IUnknown"] = winapi.page() + "/p/winapi::um::unknwnbase::IUnknown"
		}
		for name, path := range shots {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			if loc := rec.Header().Get("Location"); loc != "" {
				path = loc
			}
			if strings.HasSuffix(name, "-3") {
				path += "?page=3"
			}
			chromium(t, bin, srv.URL+path, "--screenshot="+filepath.Join(dir, name+".png"), "--window-size=1280,1600", "--hide-scrollbars")
		}
	}
}
