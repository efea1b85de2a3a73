package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/internal/debcrate/debpack"
	"github.com/doctown/doctown/pipeline"
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
	// With a symbol path, --json is that symbol and its doc, not the markdown page.
	t.Run("symbol json", func(t *testing.T) {
		var out bytes.Buffer
		s := &IO{In: strings.NewReader(""), Out: &out, ErrOut: &out, Getenv: func(string) string { return "" }}
		if code := MainIO(t.Context(), []string{"open", path, "geom::shapes::parse", "--json"}, s); code != 0 {
			t.Fatalf("exit %d: %s", code, out.String())
		}
		var got struct {
			Symbol docpack.Symbol
			Doc    *docpack.Doc
		}
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out.String())
		}
		if got.Symbol.Path != "geom::shapes::parse" || got.Doc == nil || got.Doc.Summary == "" {
			t.Errorf("got symbol %q, doc %+v", got.Symbol.Path, got.Doc)
		}
	})
}

// TestOpenSymbolPage prints hashbrown's HashMap as `doctown open` does when
// piped: its intra-doc links keep their targets (a path in the docpack, a
// URL elsewhere) instead of being dropped to their text, and its page has
// docs.rs's sections.
func TestOpenSymbolPage(t *testing.T) {
	path := debpack.Build(t, "hashbrown-0.12*", pipeline.BuildOptions{})
	var out, errOut bytes.Buffer
	s := &IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }}
	if code := MainIO(t.Context(), []string{"open", path, "hashbrown::HashMap"}, s); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	page := out.String()
	for _, want := range []string{
		"[`with_hasher`](hashbrown::HashMap::with_hasher)",
		"[`Eq`](https://doc.rust-lang.org/std/cmp/trait.Eq.html)",
		"\n## Implementations\n", "- `pub fn insert(&mut self, k: K, v: V) -> Option<V>` — Inserts a key-value pair into the map.",
		"\n### `impl<K, V> HashMap<K, V, DefaultHashBuilder>`\n",
		"\n## Trait Implementations\n", "- `impl<K: Clone, V: Clone, S: Clone, A: Allocator + Clone> Clone for HashMap<K, V, S, A>`: clone, clone_from",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q:\n%s", want, page)
		}
	}
	if n := strings.Count(page[strings.Index(page, "## Trait Implementations"):], "\n- `impl"); n < 5 {
		t.Errorf("%d trait implementations, want ≥ 5", n)
	}
	if strings.Contains(page, "[`with_hasher`]\n") || strings.Contains(page, "[`with_hasher`],") {
		t.Error("a raw intra-doc link is left")
	}
}
