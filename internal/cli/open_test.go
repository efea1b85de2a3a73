package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/tui/packtest"
)

func TestOpenPlain(t *testing.T) {
	m, syms, docs := packtest.Small()
	path := packtest.Write(t, "geom.docpack", m, syms, docs)
	junk := filepath.Join(t.TempDir(), "junk.docpack")
	os.WriteFile(junk, []byte("hello"), 0o644)
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		contains []string
	}{
		{"listing", []string{"open", path}, ExitOK, []string{"mod geom::shapes", "struct       Point — A point in the plane.", "    method       distance — Returns the Euclidean distance"}},
		{"symbol", []string{"open", path, "geom::shapes::parse"}, ExitOK, []string{"# Function geom::shapes::parse", "```rust\npub fn parse(s: &str) -> Result<Shape, ParseError>\n```", "## Errors", "described from the signature"}},
		{"unknown", []string{"open", path, "geom::Pointt"}, ExitFailure, []string{`no symbol "geom::Pointt"`, "did you mean:", "geom::Point"}},
		{"junk", []string{"open", junk}, ExitFailure, []string{"not a docpack"}},
		{"missing", []string{"open", filepath.Join(t.TempDir(), "nope.docpack")}, ExitFailure, []string{"no such file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			s := &IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }}
			code := MainIO(t.Context(), tc.args, s)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out.String(), errOut.String())
			}
			all := out.String() + errOut.String()
			for _, want := range tc.contains {
				if !strings.Contains(all, want) {
					t.Errorf("output lacks %q:\n%s", want, all)
				}
			}
		})
	}
	t.Run("json", func(t *testing.T) {
		var out bytes.Buffer
		s := &IO{In: strings.NewReader(""), Out: &out, ErrOut: &out, Getenv: func(string) string { return "" }}
		if code := MainIO(t.Context(), []string{"open", "--json", path}, s); code != 0 {
			t.Fatalf("exit %d: %s", code, out.String())
		}
		var got []docpack.Symbol
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(syms) || got[2].Path != "geom::Point" {
			t.Errorf("got %d symbols, [2]=%s", len(got), got[2].Path)
		}
	})
}
