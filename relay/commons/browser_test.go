package commons

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
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
