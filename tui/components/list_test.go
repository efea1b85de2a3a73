package components

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/doctown/doctown/tui/common"
)

func TestShortenPath(t *testing.T) {
	for _, tc := range []struct {
		path string
		w    int
		want string
	}{
		{"tokio::task::spawn_blocking", 40, "tokio::task::spawn_blocking"},
		{"tokio::runtime::Handle::spawn_blocking", 34, "tokio::…::Handle::spawn_blocking"},
		{"tokio::runtime::Handle::spawn_blocking", 25, "…::Handle::spawn_blocking"},
		{"tokio::runtime::Handle::spawn_blocking", 22, "…andle::spawn_blocking"},
		{"tokio::task::spawn_blocking", 22, "…task::spawn_blocking"},
		{"tokio::task::spawn_blocking_on", 17, "spawn_blocking_on"},
		{"tokio::task::spawn_blocking_on", 10, "spawn_blo…"},
	} {
		if got := ShortenPath(tc.path, tc.w); got != tc.want || ansi.StringWidth(got) > tc.w {
			t.Errorf("ShortenPath(%q, %d) = %q, want %q", tc.path, tc.w, got, tc.want)
		}
	}
}

// At 80 columns the search results are 24 columns wide: a path row keeps its
// name and the end of its owner (the spawn_blocking of a Handle is told from
// the task's), and gives up its kind note before any of the path. Rows used
// to be cut from the left, "…awn_blocking function".
func TestListPathRows(t *testing.T) {
	l := NewList(common.New(false, nil), "Search")
	l.SetSize(24, 4)
	l.SetRows([]Row{
		{Text: "tokio::task::spawn_blocking", Note: "function", Path: true},
		{Text: "tokio::runtime::Handle::spawn_blocking", Note: "method", Path: true},
		{Text: "tokio::sync", Note: "module", Path: true},
	})
	lines := strings.Split(ansi.Strip(l.View()), "\n")
	for i, want := range []string{" …task::spawn_blocking", " …andle::spawn_blocking", " tokio::sync     module"} {
		if got := strings.TrimRight(lines[i+1], " "); got != want {
			t.Errorf("row %d = %q, want %q", i, got, want)
		}
	}
}
