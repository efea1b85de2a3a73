package rust

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTokenItemsMatchParse extracts every registry crate (and winapi with
// all its features for Windows) with tokCheck set: each expansion the token
// reader reads is parsed by tree-sitter too, and the items must be the same.
// DOCTOWN_TOK_CRATES restricts it to crates whose directory names start with
// one of its comma-separated words.
func TestTokenItemsMatchParse(t *testing.T) {
	if testing.Short() {
		t.Skip("extracts the whole registry")
	}
	dirs, _ := filepath.Glob(filepath.Join(registryDir, "*", "Cargo.toml"))
	if len(dirs) == 0 {
		t.Skip("no crates under " + registryDir)
	}
	var only []string
	if s := os.Getenv("DOCTOWN_TOK_CRATES"); s != "" {
		only = strings.Split(s, ",")
	}
	type run struct {
		dir  string
		opts Options
	}
	var runs []run
	for _, m := range dirs {
		dir := filepath.Dir(m)
		base := filepath.Base(dir)
		if only != nil && !hasAnyPrefix(base, only) {
			continue
		}
		runs = append(runs, run{dir, Options{Workers: 2}})
		if strings.HasPrefix(base, "winapi-0") {
			runs = append(runs, run{dir, Options{Workers: 2, Build: BuildConfig{AllFeatures: true, Target: "x86_64-pc-windows-msvc"}}})
		}
	}
	tokCheck = &tokChecker{}
	defer func() { tokCheck = nil }()
	for _, r := range runs {
		cs, err := Discover(r.dir)
		if err != nil || len(cs) == 0 {
			continue
		}
		read0, parsed0 := tokStats.read.Load(), tokStats.parsed.Load()
		if _, err := Extract(t.Context(), registryDir, cs[:1], r.opts); err != nil {
			t.Errorf("%s: %v", r.dir, err)
			continue
		}
		read, parsed := tokStats.read.Load()-read0, tokStats.parsed.Load()-parsed0
		if read+parsed > 0 {
			t.Logf("%s (%v): %d of %d expansions read from tokens (%.1f%%)", filepath.Base(r.dir), r.opts.Build.AllFeatures,
				read, read+parsed, 100*float64(read)/float64(read+parsed))
		}
	}
	c := tokCheck
	t.Logf("%d expansions compared, %d differ", c.compared, c.differ)
	if c.compared == 0 && len(runs) > 0 {
		t.Error("no expansion was read from its tokens: nothing compared")
	}
	for _, d := range c.diffs {
		t.Error(d)
	}
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
