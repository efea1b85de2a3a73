package rust

import (
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// TestSymbolCfg checks the availability predicate each symbol carries: its
// own configuration-dependent #[cfg]s and its modules' and parents', not
// doc/test/debug_assertions.
func TestSymbolCfg(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	writeTxtar(t, dir, txtar.Parse([]byte(`
-- Cargo.toml --
[package]
name = "badge"
version = "0.1.0"
[features]
full = []
-- src/lib.rs --
#[cfg(feature = "full")]
pub mod m {
    #[cfg(unix)]
    pub fn f() {}
    pub struct S { pub x: u8 }
}
#[cfg(not(test))]
pub fn always() {}
#[cfg(all(unix, debug_assertions))]
pub fn unix_only() {}
`)))
	crates, err := Discover(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Extract(t.Context(), dir, crates, Options{Build: BuildConfig{Features: []string{"full"}, Target: "x86_64-unknown-linux-gnu"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"badge::m":         `feature = "full"`,
		"badge::m::f":      `all(feature = "full", unix)`,
		"badge::m::S::x":   `feature = "full"`,
		"badge::always":    "",
		"badge::unix_only": `all(unix, debug_assertions)`,
	}
	seen := 0
	for _, s := range res.Symbols {
		w, ok := want[s.Path]
		if !ok {
			continue
		}
		seen++
		if s.Cfg != w {
			t.Errorf("%s: cfg %q, want %q", s.Path, s.Cfg, w)
		}
	}
	if seen != len(want) {
		t.Errorf("found %d of %d symbols: %v", seen, len(want), res.Symbols)
	}
	for _, s := range res.Symbols {
		if s.Path == "badge::m::f" && s.Availability() != "Available on crate feature `full` and Unix only" {
			t.Errorf("Availability = %q", s.Availability())
		}
	}
}
