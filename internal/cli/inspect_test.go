package cli

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/internal/golden"
)

// inspectFixture writes a small, hand-made docpack: crate "geo" with a module,
// a struct with an impl and methods, a free function and a macro.
func inspectFixture(t *testing.T, mutate func(*docpack.Manifest, []docpack.Symbol, map[string]docpack.Doc)) string {
	t.Helper()
	id := func(path string, k docpack.Kind) string { return docpack.NewID("geo", path, k, 1) }
	root, shapes := id("geo", docpack.KindModule), id("geo::shapes", docpack.KindModule)
	point, impl := id("geo::shapes::Point", docpack.KindStruct), id("geo::shapes::Point", docpack.KindImpl)
	sym := func(path string, k docpack.Kind, parent, comments string) docpack.Symbol {
		name := path[strings.LastIndex(path, ":")+1:]
		return docpack.Symbol{ID: id(path, k), Name: name, Path: path, Crate: "geo", SymbolType: k, Visibility: "pub",
			Signature: "pub " + string(k) + " " + name, File: "src/lib.rs", Line: 1, EndLine: 2, DocComments: comments, Parent: parent}
	}
	syms := []docpack.Symbol{
		sym("geo", docpack.KindModule, "", "Geometry."),
		sym("geo::shapes", docpack.KindModule, root, "Shapes."),
		sym("geo::shapes::Point", docpack.KindStruct, shapes, "A point."),
		sym("geo::shapes::Point::x", docpack.KindField, point, ""),
		sym("geo::shapes::Point::y", docpack.KindField, point, ""),
		sym("geo::shapes::Point", docpack.KindImpl, shapes, ""),
		sym("geo::shapes::Point::new", docpack.KindMethod, impl, "Makes a point."),
		sym("geo::shapes::Point::distance", docpack.KindMethod, impl, ""),
		sym("geo::area", docpack.KindFunction, root, "Area of a shape."),
		sym("geo::square", docpack.KindMacro, root, ""),
	}
	syms[0].Name = "geo"
	docs := map[string]docpack.Doc{}
	counts := map[docpack.Kind]int{}
	for i, s := range syms {
		counts[s.SymbolType]++
		d := docpack.Doc{SymbolID: s.ID, Summary: s.DocComments, Source: docpack.DocFromComments}
		if s.DocComments == "" {
			d.Summary, d.Source = "A "+string(s.SymbolType)+".", docpack.DocFromSignature
		}
		if i == 6 || i == 7 {
			d.Source = docpack.DocFromLLM
		}
		docs[s.ID] = d
	}
	m := &docpack.Manifest{
		Version: docpack.FormatVersion, GeneratedAt: time.Date(2025, 3, 1, 12, 30, 0, 0, time.UTC),
		Repository:  docpack.Repository{Name: "acme/geo", URL: "https://example.com/acme/geo", CommitSHA: "4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39", Ref: "refs/heads/main"},
		Crates:      []docpack.Crate{{Name: "geo", Version: "0.3.1", Root: "src/lib.rs"}},
		SymbolCount: len(syms), DocCount: len(docs), Counts: counts,
		Generator: docpack.GeneratorInfo{Name: "openai", Model: "qwen2.5-coder-7b", PromptVersion: "3"},
		Stats:     docpack.GenerationStats{Requests: 2, Batches: 1, TokensIn: 1840, TokensOut: 512, CacheHits: 1},
		Fallbacks: []string{syms[7].ID},
		Warnings:  []string{"src/lib.rs:40: macro body not parsed"},
		Tool:      docpack.Tool{Name: "doctown", Version: "0.4.0"},
	}
	if mutate != nil {
		mutate(m, syms, docs)
	}
	path := filepath.Join(t.TempDir(), "geo.docpack")
	if err := docpack.WriteFile(path, m, syms, docs); err != nil {
		t.Fatal(err)
	}
	return path
}

// run runs doctown with args and test streams.
func run(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	s := &IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(k string) string { return env[k] }}
	code = MainIO(t.Context(), args, s)
	return code, out.String(), errOut.String()
}

func TestInspectText(t *testing.T) {
	path := inspectFixture(t, nil)
	code, out, errOut := run(t, nil, "inspect", path)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden.Check(t, "inspect.golden", []byte(out))
}

func TestInspectColor(t *testing.T) {
	path := inspectFixture(t, nil)
	var out bytes.Buffer
	for _, tc := range []struct {
		env  map[string]string
		bold bool
	}{{map[string]string{}, true}, {map[string]string{"NO_COLOR": "1"}, false}} {
		out.Reset()
		s := &IO{Out: &out, ErrOut: &out, Getenv: func(k string) string { return tc.env[k] }, IsTerminal: true}
		if code := MainIO(t.Context(), []string{"inspect", path}, s); code != 0 {
			t.Fatalf("exit %d: %s", code, out.String())
		}
		if got := strings.Contains(out.String(), "\x1b[1m"); got != tc.bold {
			t.Errorf("env %v: bold = %v, want %v", tc.env, got, tc.bold)
		}
	}
}

func TestInspectJSON(t *testing.T) {
	path := inspectFixture(t, nil)
	code, out, errOut := run(t, nil, "inspect", "--json", path)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r InspectReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	if r.Symbols != 10 || r.Docs != 10 || r.Fallbacks != 1 || r.Warnings != 1 || r.Generator.Model != "qwen2.5-coder-7b" {
		t.Errorf("report = %+v", r)
	}
	want := map[string]int{docpack.DocFromComments: 4, docpack.DocFromSignature: 4, docpack.DocFromLLM: 2}
	for k, n := range want {
		if r.DocSources[k] != n {
			t.Errorf("doc_sources[%s] = %d, want %d", k, r.DocSources[k], n)
		}
	}
	if len(r.TopModules) != 2 || r.TopModules[0] != (ModuleCount{"geo::shapes", 6}) || r.TopModules[1] != (ModuleCount{"geo", 2}) {
		t.Errorf("top modules = %v", r.TopModules)
	}
	if r.Kinds[0] != (KindCount{docpack.KindModule, 2}) {
		t.Errorf("kinds = %v", r.Kinds)
	}
}

// Impls as the extractor writes them, with no parent and a name holding "::",
// count towards the module their path names, not a "geo::shapes::impl fmt" or
// a foreign type's name.
func TestInspectTopModulesParentlessImpls(t *testing.T) {
	path := inspectFixture(t, func(m *docpack.Manifest, syms []docpack.Symbol, _ map[string]docpack.Doc) {
		syms[5].Parent = ""
		syms[5].Name = "impl fmt::Display for Point"
		syms[5].Path = "geo::shapes::impl fmt::Display for Point"
		syms[9].Parent = ""
	})
	code, out, errOut := run(t, nil, "inspect", "--json", path)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r InspectReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	want := []ModuleCount{{"geo::shapes", 6}, {"geo", 2}}
	if !slices.Equal(r.TopModules, want) {
		t.Errorf("top modules = %v, want %v", r.TopModules, want)
	}
}

func TestInspectRefuses(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.docpack")
	os.WriteFile(junk, []byte("hello"), 0o644)
	evil := filepath.Join(dir, "evil.docpack")
	writeZip(t, evil, map[string]string{"../../etc/passwd": "x", "manifest.json": `{"version":"1.0"}`})
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"inspect", junk}, ExitFailure, "not a docpack"},
		{[]string{"inspect", evil}, ExitFailure, "escapes the archive root"},
		{[]string{"inspect", filepath.Join(dir, "nope.docpack")}, ExitFailure, "no such file"},
		{[]string{"inspect"}, ExitUsage, "accepts 1 arg"},
	} {
		code, _, errOut := run(t, nil, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d saying %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
}

func writeZip(t *testing.T, path string, files map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDocpackCompletion(t *testing.T) {
	for _, c := range []string{"inspect", "validate"} {
		code, out, _ := run(t, nil, "__complete", c, "")
		if code != 0 || !strings.Contains(out, "docpack") || !strings.Contains(out, ":8") {
			t.Errorf("%s completion = %q, want the docpack extension filter (directive 8)", c, out)
		}
	}
}
