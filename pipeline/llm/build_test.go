package llm_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/internal/fakellm"
	"github.com/doctown/doctown/pipeline"
)

// writeFixture unpacks testdata/name.txtar into a new directory.
func writeFixture(t *testing.T, name string) string {
	t.Helper()
	ar, err := txtar.ParseFile(filepath.Join("testdata", name+".txtar"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range ar.Files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// build runs the whole pipeline on dir with the openai generator against srv and
// opens the docpack with the checking reader.
func build(t *testing.T, dir string, srv *fakellm.Server, cacheDir string) (*docpack.Pack, *pipeline.BuildResult) {
	t.Helper()
	cfg := testConfig(t, srv)
	cfg.CacheDir = cacheDir
	out := filepath.Join(t.TempDir(), "shapes.docpack")
	res, err := pipeline.Build(t.Context(), pipeline.BuildOptions{
		Source: pipeline.LocalSource{Dir: dir}, Output: out, Generator: newGen(t, cfg),
	}, pipeline.Discard)
	if err != nil {
		t.Fatal(err)
	}
	p, err := docpack.Open(out)
	if err != nil {
		t.Fatalf("the docpack does not open: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p, res
}

// TestBuildDocpackCompleteUnderFaults runs whole builds with a misbehaving
// server and checks the docpacks: valid, one doc per symbol, fallbacks listed.
func TestBuildDocpackCompleteUnderFaults(t *testing.T) {
	var faults = map[string]fakellm.FaultKind{
		"not json": fakellm.NotJSON, "truncated": fakellm.Truncate, "missing": fakellm.DropSymbols,
		"unknown ids": fakellm.UnknownIDs, "made-up refs": fakellm.MadeUpRefs, "500": fakellm.ServerError,
	}
	for name, kind := range faults {
		t.Run(name, func(t *testing.T) {
			dir := writeFixture(t, "shapes")
			// Every other request misbehaves, so some batches recover and some fall back.
			srv := fakellm.New(fakellm.Options{APIKey: testKey, Fault: func(n int, _ []fakellm.Item) fakellm.Fault {
				if n%2 == 1 {
					return fakellm.Fault{Kind: kind}
				}
				return fakellm.Fault{}
			}})
			defer srv.Close()
			p, _ := build(t, dir, srv, t.TempDir())
			m := p.Manifest
			if m.Generator.Name != "openai" || m.Generator.Model == "" || m.Stats.Requests == 0 {
				t.Errorf("manifest generator %+v stats %+v", m.Generator, m.Stats)
			}
			if len(p.Symbols) == 0 || p.DocCount() != len(p.Symbols) {
				t.Fatalf("%d docs for %d symbols", p.DocCount(), len(p.Symbols))
			}
			fb := map[string]bool{}
			for _, id := range m.Fallbacks {
				fb[id] = true
			}
			for _, s := range p.Symbols {
				d, err := p.ReadDoc(s.ID)
				if err != nil {
					t.Fatalf("doc %s: %v", s.ID, err)
				}
				if (d.Source == docpack.DocFromLLM) == fb[s.ID] {
					t.Errorf("%s: source %q, listed as fallback %v", s.ID, d.Source, fb[s.ID])
				}
				if strings.Contains(d.Description, "[`NoSuchType`]") {
					t.Errorf("%s keeps a made-up link", s.ID)
				}
			}
		})
	}
}

// TestBuildIncremental edits one file of a multi-file crate and checks that the
// rebuild asks the model about exactly the symbols whose source changed.
func TestBuildIncremental(t *testing.T) {
	dir := writeFixture(t, "shapes")
	cache := t.TempDir()
	srv := fakellm.New(fakellm.Options{})
	defer srv.Close()
	first, _ := build(t, dir, srv, cache)
	if got := len(srv.RequestedIDs()); got != len(first.Symbols) {
		t.Fatalf("first build asked about %d symbols, want %d", got, len(first.Symbols))
	}

	path := filepath.Join(dir, "src", "square.rs")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(b), "self.side * 4.0", "4.0 * self.side", 1)
	if edited == string(b) {
		t.Fatal("edit did not apply")
	}
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	srv2 := fakellm.New(fakellm.Options{})
	defer srv2.Close()
	second, res := build(t, dir, srv2, cache)

	before := map[string]string{}
	for _, s := range first.Symbols {
		before[s.ID] = s.SourceHash
	}
	var changed []string
	for _, s := range second.Symbols {
		if before[s.ID] != s.SourceHash {
			changed = append(changed, s.ID)
			if s.File != "src/square.rs" {
				t.Errorf("symbol %s of %s changed, but only square.rs was edited", s.Path, s.File)
			}
		}
	}
	got := srv2.RequestedIDs()
	slices.Sort(got)
	slices.Sort(changed)
	if len(changed) == 0 || !slices.Equal(got, changed) {
		t.Errorf("rebuild asked about %v, want the changed %v", got, changed)
	}
	if hits := res.Manifest.Stats.CacheHits; hits != len(second.Symbols)-len(changed) {
		t.Errorf("cache hits %d, want %d", hits, len(second.Symbols)-len(changed))
	}
}
