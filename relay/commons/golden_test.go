package commons

import (
	"regexp"
	"testing"

	"github.com/doctown/doctown/internal/golden"
)

var downloadSize = regexp.MustCompile(`Download \([^)]*\)`)

// TestGoldenPages keeps the HTML of a few pages of real crates (either and
// scopeguard, built offline with extractive docs) under testdata/pages: a
// crate's page, an enum with its variants, methods and trait impls, a trait
// with its implementors, a method. Rerun with -update after a deliberate
// change and read the diff.
func TestGoldenPages(t *testing.T) {
	h := serveDebian(t, either, guard)
	for _, tt := range []struct{ name, path string }{
		{"either.html", either.page()},
		{"either-Either.html", either.page() + "/p/either::Either"},
		{"either-Either-map_left.html", either.page() + "/p/either::Either::map_left"},
		{"scopeguard.html", guard.page()},
		{"scopeguard-Strategy.html", guard.page() + "/p/scopeguard::Strategy"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// The archive's size follows the writer's compression, not the page.
			page := downloadSize.ReplaceAllString(getPage(t, h, tt.path), "Download (SIZE)")
			golden.Check(t, "pages/"+tt.name, []byte(page))
		})
	}
}
