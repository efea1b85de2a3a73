// Package debcrate finds the sources of Debian-packaged crates (librust-*-dev,
// under /usr/share/cargo/registry) for tests and benchmarks on real Rust code.
package debcrate

import (
	"os"
	"path/filepath"
	"testing"
)

// Registry is where Debian installs crate sources.
const Registry = "/usr/share/cargo/registry"

// Dir returns the newest installed crate directory matching glob ("serde-1.*"),
// or skips the test (fails it under DOCTOWN_REQUIRE_ALL=1) when none is installed.
func Dir(tb testing.TB, glob string) string {
	tb.Helper()
	m, _ := filepath.Glob(filepath.Join(Registry, glob))
	if len(m) == 0 {
		if os.Getenv("DOCTOWN_REQUIRE_ALL") == "1" {
			tb.Fatalf("no %s under %s (install its librust-*-dev package)", glob, Registry)
		}
		tb.Skipf("no %s under %s", glob, Registry)
	}
	return m[len(m)-1]
}
