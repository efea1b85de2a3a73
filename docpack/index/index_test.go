package index_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/index"
	"github.com/doctown/doctown/tui/packtest"
)

func openSmall(t *testing.T) *index.Pack {
	t.Helper()
	m, s, d := packtest.Small()
	p, err := index.Open(packtest.Write(t, "geom.docpack", m, s, d))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func names(x *index.Index, ids []int) []string {
	var out []string
	for _, i := range ids {
		out = append(out, x.Symbols[i].Name)
	}
	return out
}

func TestIndexStructure(t *testing.T) {
	p := openSmall(t)
	var mods []string
	for _, m := range p.Modules {
		mods = append(mods, m.Path)
	}
	if got, want := mods, []string{"geom", "geom::shapes"}; !equal(got, want) {
		t.Errorf("modules = %v, want %v", got, want)
	}
	if got, want := names(p.Index, p.Items("geom")), []string{"shapes", "point", "Point", "ORIGIN"}; !equal(got, want) {
		t.Errorf("items(geom) = %v, want %v", got, want)
	}
	point, _ := p.ByPath("geom::Point")
	if got, want := names(p.Index, p.Children(point)), []string{"x", "y", "impl Point"}; !equal(got, want) {
		t.Errorf("children(Point) = %v, want %v", got, want)
	}
	shape, _ := p.ByPath("geom::shapes::Shape")
	if got, want := names(p.Index, p.Children(shape)), []string{"Circle", "Rect", "impl Area for Shape"}; !equal(got, want) {
		t.Errorf("children(Shape) = %v, want %v", got, want)
	}
	parse, _ := p.ByPath("geom::shapes::parse")
	if got := p.Resolve("ParseError", parse); got < 0 || p.Symbols[got].Path != "geom::shapes::ParseError" {
		t.Errorf("resolve ParseError = %d", got)
	}
	if got := p.Resolve("Result", parse); got != -1 {
		t.Errorf("resolve Result = %d, want -1", got)
	}
	d, ok := p.Doc(parse)
	if !ok || d.Source != docpack.DocFromSignature {
		t.Errorf("doc(parse) = %+v, %v", d, ok)
	}
}

func TestSearch(t *testing.T) {
	p := openSmall(t)
	for _, tc := range []struct {
		query string
		kind  docpack.Kind
		first string
	}{
		{"point", "", "geom::Point"},
		{"dist", "", "geom::Point::distance"},
		{"shpars", "", "geom::shapes::parse"},
		{"perr", "", "geom::shapes::ParseError"},
		{"point", docpack.KindMacro, "geom::point"},
		{"new", docpack.KindMethod, "geom::Point::new"},
	} {
		t.Run(tc.query+"/"+string(tc.kind), func(t *testing.T) {
			got := p.Search(tc.query, tc.kind)
			if len(got) == 0 {
				t.Fatalf("no matches")
			}
			if path := p.Symbols[got[0].Symbol].Path; path != tc.first {
				t.Errorf("first = %s, want %s", path, tc.first)
			}
		})
	}
	if got := p.Search("zzzq", ""); len(got) != 0 {
		t.Errorf("zzzq matched %d", len(got))
	}
	all := p.Search("p", "")
	narrowed := p.SearchIn(all, "po", "")
	if len(narrowed) == 0 || len(narrowed) > len(all) {
		t.Errorf("narrowed %d of %d", len(narrowed), len(all))
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.docpack")
	os.WriteFile(junk, []byte("not a zip"), 0o644)
	if _, err := index.Open(junk); !errors.Is(err, docpack.ErrNotDocpack) {
		t.Errorf("junk: %v", err)
	}
	m, s, d := packtest.Small()
	m.Version = "2.0"
	if _, err := index.Open(packtest.Write(t, "v2.docpack", m, s, d)); !errors.Is(err, docpack.ErrVersion) {
		t.Errorf("v2: %v", err)
	}
	if _, err := index.Open(filepath.Join(dir, "missing.docpack")); err == nil {
		t.Errorf("missing file opened")
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func BenchmarkOpen50k(b *testing.B) {
	m, s, d := packtest.Generated(50000)
	path := packtest.Write(b, "big.docpack", m, s, d)
	b.ResetTimer()
	for b.Loop() {
		p, err := index.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		p.Close()
	}
}

func BenchmarkSearchKeystroke50k(b *testing.B) {
	m, s, d := packtest.Generated(50000)
	x := index.New(m, s, nil)
	_ = d
	for _, q := range []string{"w", "wid", "widget12kind3", "cv3", "zzz"} {
		b.Run(q, func(b *testing.B) {
			for b.Loop() {
				x.Search(q, "")
			}
		})
	}
}

// TestOpenMatchesNew checks that an index opened from a file, which borrows
// the docpack's id lookup and builds its search haystacks on the first search,
// is the index New builds from the same symbols.
func TestOpenMatchesNew(t *testing.T) {
	m, syms, docs := packtest.Generated(3000)
	p, err := index.Open(packtest.Write(t, "gen.docpack", m, syms, docs))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	x := index.New(m, syms, nil)
	if !reflect.DeepEqual(p.Modules, x.Modules) {
		t.Fatalf("modules differ:\nopen %v\nnew  %v", p.Modules, x.Modules)
	}
	for i := range syms {
		if p.Parent(i) != x.Parent(i) || p.Owner(i) != x.Owner(i) || p.ImplFor(i) != x.ImplFor(i) || p.ModuleOf(i) != x.ModuleOf(i) ||
			!slices.Equal(p.Children(i), x.Children(i)) {
			t.Fatalf("symbol %d (%s) is indexed differently", i, syms[i].Path)
		}
		if j, ok := p.ByID(syms[i].ID); !ok || j != i {
			t.Fatalf("ByID(%q) = %d, %v; want %d", syms[i].ID, j, ok, i)
		}
	}
	for _, mod := range x.Modules {
		if !slices.Equal(p.Items(mod.Path), x.Items(mod.Path)) {
			t.Fatalf("items of %s differ", mod.Path)
		}
	}
	for _, q := range []string{"", "w", "widget", "kind1", "zzzz"} {
		if got, want := p.Search(q, ""), x.Search(q, ""); !slices.Equal(got, want) {
			t.Errorf("Search(%q): %d results from Open, %d from New", q, len(got), len(want))
		}
	}
	if got := p.Search("w", ""); len(got) == 0 {
		t.Error(`Search("w") found nothing`)
	}
}

// TestByPathPublicPaths checks a re-exported item and its items are found
// under every public path it records, and that a symbol's own path wins.
func TestByPathPublicPaths(t *testing.T) {
	syms := []docpack.Symbol{
		{ID: "root", Name: "serde", Path: "serde", Crate: "serde", SymbolType: docpack.KindModule},
		{ID: "ser", Name: "ser", Path: "serde::ser", Crate: "serde", SymbolType: docpack.KindModule, Parent: "root"},
		{ID: "tr", Name: "Serialize", Path: "serde::Serialize", Crate: "serde", SymbolType: docpack.KindTrait, Parent: "ser",
			PublicPaths: []string{"serde::Serialize", "serde::ser::Serialize"}},
		{ID: "m", Name: "serialize", Path: "serde::Serialize::serialize", Crate: "serde", SymbolType: docpack.KindTraitMethod, Parent: "tr"},
		{ID: "other", Name: "Serialize", Path: "serde::ser::Serialize::serialize", Crate: "serde", SymbolType: docpack.KindMacro, Parent: "ser"},
	}
	x := index.New(&docpack.Manifest{}, syms, nil)
	for path, want := range map[string]string{
		"serde::Serialize":                 "tr",
		"serde::ser::Serialize":            "tr",
		"serde::Serialize::serialize":      "m",
		"serde::ser::Serialize::serialize": "other",
	} {
		i, ok := x.ByPath(path)
		if !ok || x.Symbols[i].ID != want {
			t.Errorf("ByPath(%q) = %d, %v; want %s", path, i, ok, want)
		}
	}
}

func TestKindAnchor(t *testing.T) {
	// The section ids of rustdoc 1.95's module page, in its order.
	want := []string{"modules", "macros", "structs", "enums", "constants", "statics", "traits", "functions", "types", "unions"}
	for i, k := range index.ModuleOrder {
		if got := index.KindAnchor(k); got != want[i] {
			t.Errorf("KindAnchor(%s) = %q, want %q", k, got, want[i])
		}
	}
}

// TestLookup: what a reader types at `doctown open FILE NAME` or an agent asks
// the MCP server for — a bare name, a crate-relative path — finds the one item
// it names; a name several items share is refused with them listed.
func TestLookup(t *testing.T) {
	syms := []docpack.Symbol{
		{ID: "root", Name: "rand", Path: "rand", Crate: "rand", SymbolType: docpack.KindModule},
		{ID: "rngs", Name: "rngs", Path: "rand::rngs", Crate: "rand", SymbolType: docpack.KindModule, Parent: "root"},
		{ID: "std", Name: "StdRng", Path: "rand::rngs::StdRng", Crate: "rand", SymbolType: docpack.KindStruct, Parent: "rngs",
			PublicPaths: []string{"rand::rngs::StdRng", "rand::prelude::StdRng"}},
		{ID: "rng", Name: "Rng", Path: "rand::Rng", Crate: "rand", SymbolType: docpack.KindTrait, Parent: "root"},
		{ID: "gen", Name: "gen", Path: "rand::Rng::gen", Crate: "rand", SymbolType: docpack.KindTraitMethod, Parent: "rng"},
		{ID: "fill1", Name: "fill", Path: "rand::Rng::fill", Crate: "rand", SymbolType: docpack.KindTraitMethod, Parent: "rng"},
		{ID: "fill2", Name: "fill", Path: "rand::rngs::StdRng::fill", Crate: "rand", SymbolType: docpack.KindMethod, Parent: "std"},
		{ID: "fnfill", Name: "fill", Path: "rand::fill", Crate: "rand", SymbolType: docpack.KindFunction, Parent: "root"},
		{ID: "a", Name: "Error", Path: "rand::Error", Crate: "rand", SymbolType: docpack.KindStruct, Parent: "root"},
		{ID: "b", Name: "Error", Path: "rand::rngs::Error", Crate: "rand", SymbolType: docpack.KindStruct, Parent: "rngs"},
	}
	x := index.New(&docpack.Manifest{}, syms, nil)
	for q, want := range map[string]string{
		"rand::rngs::StdRng":    "std",
		"rand::prelude::StdRng": "std", // a public path
		"std":                   "std", // an id
		"StdRng":                "std",
		"rngs::StdRng":          "std",
		" StdRng ":              "std",
		"gen":                   "gen",
		"Rng::gen":              "gen",
		"fill":                  "fnfill", // the module's item over two members
		"Rng::fill":             "fill1",
	} {
		i, cands := x.Lookup(q)
		if i < 0 || x.Symbols[i].ID != want {
			t.Errorf("Lookup(%q) = %d %v; want %s", q, i, cands, want)
		}
	}
	for q, want := range map[string][]string{
		"Error":       {"rand::Error", "rand::rngs::Error"},
		"nosuch":      nil,
		"::StdRng":    nil,
		"":            nil,
		"ngs::StdRng": nil, // segments match whole
	} {
		i, cands := x.Lookup(q)
		var got []string
		for _, c := range cands {
			got = append(got, x.Symbols[c].Path)
		}
		if i >= 0 || !slices.Equal(got, want) {
			t.Errorf("Lookup(%q) = %d %v; want -1 %v", q, i, got, want)
		}
	}
}
