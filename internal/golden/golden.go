// Package golden compares test output with files under testdata/, rewritten
// when the test runs with -update: the one golden-file helper for tests.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// update is the -update flag of every test binary that imports golden; a
// package using golden must not define its own.
var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// Update reports whether the test binary runs with -update, for golden
// files kept by other means (testscript's UpdateScripts).
func Update() bool { return *update }

// Check compares got with testdata/name, rewriting the file under -update.
func Check(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("output differs from %s (run with -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
