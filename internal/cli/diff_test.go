package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doctown/doctown/docpack/apidiff"
)

// copyTree copies the directory src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// editFile replaces old with new in path, failing when old is not there.
func editFile(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s has no %q", path, old)
	}
	if err := os.WriteFile(path, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDiffRealCrate diffs Debian's either 1.6.1 against a scratch copy with
// hand-made API edits, each with the verdict the rules give it.
func TestDiffRealCrate(t *testing.T) {
	const src = "/usr/share/cargo/registry/either-1.6.1"
	if _, err := os.Stat(src); err != nil {
		if os.Getenv("DOCTOWN_REQUIRE_ALL") != "" {
			t.Fatalf("%s missing (install librust-either-dev): %v", src, err)
		}
		t.Skipf("%s missing (install librust-either-dev)", src)
	}
	oldPack := filepath.Join(t.TempDir(), "either.docpack")
	var stderr bytes.Buffer
	if code := MainIO(t.Context(), []string{"build", src, "-q", "-o", oldPack}, &IO{Out: &stderr, ErrOut: &stderr, Getenv: func(string) string { return "" }}); code != 0 {
		t.Fatalf("build: exit %d: %s", code, stderr.String())
	}
	tests := []struct {
		name     string
		edit     func(t *testing.T, lib string)
		verdict  apidiff.Severity
		contains string
	}{
		{"unchanged", func(*testing.T, string) {}, apidiff.None, ""},
		{"removed method", func(t *testing.T, lib string) {
			editFile(t, lib, "    pub fn flip(self) -> Either<R, L> {", "    fn flip(self) -> Either<R, L> {")
		}, apidiff.Major, `"path": "either::Either::flip"`},
		{"new variant", func(t *testing.T, lib string) {
			editFile(t, lib, "    Right(R),\n", "    Right(R),\n    /// Neither.\n    Neither,\n")
		}, apidiff.Major, `"reason": "new variant of an exhaustive enum: exhaustive matches break"`},
		{"renamed method", func(t *testing.T, lib string) {
			editFile(t, lib, "    pub fn flip(self) -> Either<R, L> {", "    pub fn swap_sides(self) -> Either<R, L> {")
		}, apidiff.Major, `"reason": "renamed: the old name no longer exists"`},
		{"new method", func(t *testing.T, lib string) {
			editFile(t, lib, "    pub fn is_left(&self) -> bool {", "    pub fn is_both(&self) -> bool { false }\n\n    pub fn is_left(&self) -> bool {")
		}, apidiff.Minor, `"path": "either::Either::is_both"`},
		{"docs", func(t *testing.T, lib string) {
			editFile(t, lib, "    pub fn is_left(&self) -> bool {", "    /// Also documented here.\n    pub fn is_left(&self) -> bool {")
		}, apidiff.Patch, `"aspects": [`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "either")
			copyTree(t, src, dir)
			tt.edit(t, filepath.Join(dir, "src", "lib.rs"))
			var out, errOut bytes.Buffer
			s := &IO{Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }}
			code := MainIO(t.Context(), []string{"diff", oldPack, dir, "--json", "--fail-on", "major"}, s)
			var r DiffReport
			if err := json.Unmarshal(out.Bytes(), &r); err != nil {
				t.Fatalf("exit %d, %v: %s %s", code, err, out.String(), errOut.String())
			}
			if r.Verdict != tt.verdict {
				t.Fatalf("verdict %s, want %s:\n%s", r.Verdict, tt.verdict, out.String())
			}
			wantCode := ExitOK
			if tt.verdict == apidiff.Major {
				wantCode = ExitChanges
			}
			if code != wantCode {
				t.Errorf("exit %d, want %d", code, wantCode)
			}
			if !strings.Contains(out.String(), tt.contains) {
				t.Errorf("report lacks %s:\n%s", tt.contains, out.String())
			}
		})
	}
}

func TestDiffUsage(t *testing.T) {
	for _, args := range [][]string{
		{"diff", "a"},
		{"diff", "a", "b", "--fail-on", "breaking"},
		{"diff", "a", "b", "--json", "--markdown"},
	} {
		var out bytes.Buffer
		if code := MainIO(t.Context(), args, &IO{Out: &out, ErrOut: &out, Getenv: func(string) string { return "" }}); code != ExitUsage {
			t.Errorf("%q: exit %d, want %d: %s", args, code, ExitUsage, out.String())
		}
	}
	var out bytes.Buffer
	if code := MainIO(t.Context(), []string{"diff", "/nonexistent/a.docpack", "/nonexistent/b"}, &IO{Out: &out, ErrOut: &out, Getenv: func(string) string { return "" }}); code != ExitFailure {
		t.Errorf("missing sides: exit %d, want %d: %s", code, ExitFailure, out.String())
	}
	// A missing *.docpack is a missing file, not a crate directory that failed to build.
	if msg := out.String(); !strings.Contains(msg, "open docpack") || strings.Contains(msg, "build ") {
		t.Errorf("missing a.docpack reported as %q, want it named as a docpack that cannot be opened", msg)
	}
}
