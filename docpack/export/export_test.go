package export_test

import (
	"bytes"
	"flag"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"

	"github.com/doctown/doctown/docpack/export"
	"github.com/doctown/doctown/docpack/index"
	"github.com/doctown/doctown/pipeline"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// buildPack builds a crate directory into a docpack with the real pipeline
// (offline extractive generator, fixed time) and opens it.
func buildPack(t testing.TB, dir string) *index.Pack {
	t.Helper()
	out := filepath.Join(t.TempDir(), "x.docpack")
	_, err := pipeline.Build(t.Context(), pipeline.BuildOptions{
		Source: pipeline.LocalSource{Dir: dir}, Output: out, ToolVersion: "test",
		Now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := index.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func demo(t testing.TB) *index.Pack {
	return buildPack(t, filepath.Join("..", "..", "pipeline", "testdata", "demo-crate"))
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", filepath.FromSlash(name))
	if *update {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from its golden file (go test -update rewrites it):\n%s", name, got)
	}
}

func TestMarkdownGolden(t *testing.T) {
	p := demo(t)
	for _, single := range []bool{false, true} {
		files := export.Markdown(p.Index, export.Options{Single: single})
		dir := "modules"
		if single {
			dir = "single"
		}
		if len(files) == 0 {
			t.Fatal("no files")
		}
		for _, f := range files {
			golden(t, dir+"/"+f.Name, f.Data)
		}
		checkLinks(t, files)
	}
	files := export.Markdown(p.Index, export.Options{})
	golden(t, "llms.txt", export.LLMSTxt(p.Index, files, export.LLMSOptions{}))
	golden(t, "llms-full.txt", export.LLMSFull(p.Index))
}

func TestDeterministic(t *testing.T) {
	a := export.Markdown(demo(t).Index, export.Options{})
	b := export.Markdown(demo(t).Index, export.Options{})
	if len(a) != len(b) {
		t.Fatalf("%d files, then %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Name != b[i].Name || !bytes.Equal(a[i].Data, b[i].Data) {
			t.Errorf("%s differs between two exports of the same docpack", a[i].Name)
		}
	}
}

// checkLinks parses every file with goldmark and checks that each relative
// link names a file of the export and an anchor that file defines.
func checkLinks(t *testing.T, files []export.File) {
	t.Helper()
	byName := map[string][]byte{}
	for _, f := range files {
		byName[f.Name] = f.Data
	}
	md := goldmark.New()
	links := 0
	for _, f := range files {
		if bytes.Contains(f.Data, []byte{0}) {
			t.Errorf("%s holds an unreplaced link mark", f.Name)
		}
		doc := md.Parser().Parse(text.NewReader(f.Data))
		_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
			l, ok := n.(*ast.Link)
			if !ok || !entering {
				return ast.WalkContinue, nil
			}
			dest := string(l.Destination)
			if strings.Contains(dest, "://") || strings.HasPrefix(dest, "mailto:") {
				return ast.WalkContinue, nil
			}
			links++
			file, anchor, _ := strings.Cut(dest, "#")
			target := f.Name
			if file != "" {
				target = path.Join(path.Dir(f.Name), file)
			}
			data, ok := byName[target]
			if !ok {
				t.Errorf("%s: link %q: no file %s in the export", f.Name, dest, target)
				return ast.WalkContinue, nil
			}
			if anchor != "" && !bytes.Contains(data, []byte(`<a id="`+anchor+`"></a>`)) {
				t.Errorf("%s: link %q: %s has no anchor %q", f.Name, dest, target, anchor)
			}
			return ast.WalkContinue, nil
		})
	}
	if links == 0 {
		t.Error("the export has no relative links at all")
	}
}

// TestSplit cuts a real crate's modules into small files and checks the cap
// and that every link still resolves to the part holding its target.
func TestSplit(t *testing.T) {
	dir := "/usr/share/cargo/registry/serde-1.0.152"
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("DOCTOWN_REQUIRE_ALL") == "1" {
			t.Fatalf("%s is missing (Debian package librust-serde-dev)", dir)
		}
		t.Skipf("%s is missing (Debian package librust-serde-dev)", dir)
	}
	p := buildPack(t, dir)
	const limit = 16 << 10
	files := export.Markdown(p.Index, export.Options{MaxFileBytes: limit})
	parts := 0
	for _, f := range files {
		if strings.Count(f.Name, ".") > 1 {
			parts++
		}
		// Over the cap only when one item alone is larger: items are never split.
		if items := bytes.Count(f.Data, []byte("\n## ")); len(f.Data) > limit && items > 1 {
			t.Errorf("%s is %d bytes with %d items, cap %d", f.Name, len(f.Data), items, limit)
		}
	}
	if parts == 0 {
		t.Errorf("no module was split at %d bytes", limit)
	}
	checkLinks(t, files)
}
