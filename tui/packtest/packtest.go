// Package packtest writes docpacks for the TUI's tests and benchmarks: a small
// hand-made crate and a generated one of any size.
package packtest

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/doctown/doctown/docpack"
)

func sym(id, name, path string, kind docpack.Kind, sig, parent string, line int, deps ...string) docpack.Symbol {
	return docpack.Symbol{
		ID: id, Name: name, Path: path, Crate: "geom", SymbolType: kind, Visibility: "pub",
		Signature: sig, File: "src/lib.rs", Line: line, EndLine: line + 3, Parent: parent,
		Dependencies: deps, Attributes: []string{}, Parameters: []docpack.Parameter{},
		SourceHash: fmt.Sprintf("%064x", line),
	}
}

// Small returns a small crate, "geom": two modules, a struct with fields and an impl,
// an enum with variants, a trait, functions, a const and a macro.
func Small() (*docpack.Manifest, []docpack.Symbol, map[string]docpack.Doc) {
	syms := []docpack.Symbol{
		sym("m-geom", "geom", "geom", docpack.KindModule, "", "", 1),
		sym("m-shapes", "shapes", "geom::shapes", docpack.KindModule, "pub mod shapes", "m-geom", 3),
		sym("s-point", "Point", "geom::Point", docpack.KindStruct, "#[derive(Debug, Clone, Copy)]\npub struct Point", "m-geom", 10),
		sym("f-point-x", "x", "geom::Point::x", docpack.KindField, "pub x: f64", "s-point", 11),
		sym("f-point-y", "y", "geom::Point::y", docpack.KindField, "pub y: f64", "s-point", 12),
		sym("i-point", "impl Point", "geom::Point", docpack.KindImpl, "impl Point", "m-geom", 15),
		sym("fn-point-new", "new", "geom::Point::new", docpack.KindMethod, "pub fn new(x: f64, y: f64) -> Point", "i-point", 17, "Point"),
		sym("fn-point-dist", "distance", "geom::Point::distance", docpack.KindMethod, "pub fn distance(&self, other: &Point) -> f64", "i-point", 22, "Point"),
		sym("e-shape", "Shape", "geom::shapes::Shape", docpack.KindEnum, "pub enum Shape", "m-shapes", 30, "Point"),
		sym("v-circle", "Circle", "geom::shapes::Shape::Circle", docpack.KindVariant, "Circle { center: Point, radius: f64 }", "e-shape", 31, "Point"),
		sym("v-rect", "Rect", "geom::shapes::Shape::Rect", docpack.KindVariant, "Rect(Point, Point)", "e-shape", 32, "Point"),
		sym("t-area", "Area", "geom::shapes::Area", docpack.KindTrait, "pub trait Area", "m-shapes", 40),
		sym("tm-area", "area", "geom::shapes::Area::area", docpack.KindTraitMethod, "fn area(&self) -> f64", "t-area", 42),
		sym("i-area-shape", "impl Area for Shape", "geom::shapes::Shape", docpack.KindImpl, "impl Area for Shape", "m-shapes", 45, "Area", "Shape"),
		sym("fn-parse", "parse", "geom::shapes::parse", docpack.KindFunction, "pub fn parse(s: &str) -> Result<Shape, ParseError>", "m-shapes", 60, "ParseError", "Result", "Shape"),
		sym("s-parseerror", "ParseError", "geom::shapes::ParseError", docpack.KindStruct, "pub struct ParseError", "m-shapes", 70),
		sym("c-origin", "ORIGIN", "geom::ORIGIN", docpack.KindConst, "pub const ORIGIN: Point = Point { x: 0.0, y: 0.0 };", "m-geom", 80, "Point"),
		sym("mac-point", "point", "geom::point", docpack.KindMacro, "macro_rules! point", "m-geom", 90),
	}
	syms[2].Attributes = []string{"#[derive(Debug, Clone, Copy)]"}
	syms[7].Parameters = []docpack.Parameter{{Name: "self", ParamType: "&self"}, {Name: "other", ParamType: "&Point"}}
	syms[7].ReturnType = "f64"
	syms[14].Parameters = []docpack.Parameter{{Name: "s", ParamType: "&str"}}
	syms[14].ReturnType = "Result<Shape, ParseError>"
	syms[14].Attributes = []string{"#[must_use]"}
	docs := map[string]docpack.Doc{}
	for _, s := range syms {
		docs[s.ID] = docpack.Doc{SymbolID: s.ID, Summary: "The " + s.Name + " " + string(s.SymbolType) + ".", Source: docpack.DocFromComments}
	}
	docs["s-point"] = docpack.Doc{SymbolID: "s-point", Summary: "A point in the plane.",
		Description: "Points are `Copy`: pass them by value.", Source: docpack.DocFromComments,
		Examples: []string{"let p = Point::new(1.0, 2.0);\nassert_eq!(p.x, 1.0);"}}
	docs["fn-point-dist"] = docpack.Doc{SymbolID: "fn-point-dist", Summary: "Returns the Euclidean distance to another point.",
		Parameters: []docpack.ParamDoc{{Name: "other", Description: "the point to measure to"}},
		Returns:    "The distance, never negative.", Source: docpack.DocFromComments}
	docs["fn-parse"] = docpack.Doc{SymbolID: "fn-parse", Summary: "Parses a shape from its text form.",
		Errors: "Returns `ParseError` when the text is not a shape.", Panics: "Never.",
		Source: docpack.DocFromSignature}
	m := &docpack.Manifest{
		Version: docpack.FormatVersion, GeneratedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		Repository:  docpack.Repository{Name: "geom", URL: "https://example.com/geom", CommitSHA: "0123456789abcdef"},
		Crates:      []docpack.Crate{{Name: "geom", Version: "0.1.0", Root: "src/lib.rs"}},
		SymbolCount: len(syms), DocCount: len(docs), Counts: map[docpack.Kind]int{},
		Generator: docpack.GeneratorInfo{Name: "extractive"}, Tool: docpack.Tool{Name: "doctown", Version: "test"},
	}
	for _, s := range syms {
		m.Counts[s.SymbolType]++
	}
	return m, syms, docs
}

// Generated returns a crate of n symbols spread over modules, each struct with
// fields, an impl and methods, with docs for all.
func Generated(n int) (*docpack.Manifest, []docpack.Symbol, map[string]docpack.Doc) {
	syms := make([]docpack.Symbol, 0, n)
	docs := make(map[string]docpack.Doc, n)
	add := func(s docpack.Symbol) {
		s.Crate = "big"
		s.Visibility = "pub"
		s.File = "src/" + s.Path[:min(len(s.Path), 12)] + ".rs"
		s.DocComments = "Does " + s.Name + " things.\n\nMore words about " + s.Name + " and how it relates to the rest of the module."
		s.SourceHash = fmt.Sprintf("%064x", len(syms))
		if s.Attributes == nil {
			s.Attributes = []string{}
		}
		syms = append(syms, s)
		docs[s.ID] = docpack.Doc{SymbolID: s.ID, Summary: "Does " + s.Name + " things.", Description: "More words about " + s.Name + ".", Source: docpack.DocFromComments}
	}
	add(docpack.Symbol{ID: "m0", Name: "big", Path: "big", SymbolType: docpack.KindModule})
	for mod := 0; len(syms) < n; mod++ {
		mp := fmt.Sprintf("big::module_%d", mod)
		mid := fmt.Sprintf("m%d", mod+1)
		add(docpack.Symbol{ID: mid, Name: fmt.Sprintf("module_%d", mod), Path: mp, SymbolType: docpack.KindModule, Parent: "m0", Signature: "pub mod module_" + fmt.Sprint(mod)})
		for t := 0; t < 20 && len(syms) < n; t++ {
			tn := fmt.Sprintf("Widget%dKind%d", mod, t)
			tid := fmt.Sprintf("s%d_%d", mod, t)
			add(docpack.Symbol{ID: tid, Name: tn, Path: mp + "::" + tn, SymbolType: docpack.KindStruct, Parent: mid, Signature: "pub struct " + tn, Line: t * 40, Attributes: []string{"#[derive(Debug, Clone)]"}})
			for f := 0; f < 3 && len(syms) < n; f++ {
				fnm := fmt.Sprintf("field_%d", f)
				add(docpack.Symbol{ID: fmt.Sprintf("%s_f%d", tid, f), Name: fnm, Path: mp + "::" + tn + "::" + fnm, SymbolType: docpack.KindField, Parent: tid, Signature: "pub " + fnm + ": u64", Line: t*40 + f + 1})
			}
			iid := tid + "_impl"
			add(docpack.Symbol{ID: iid, Name: "impl " + tn, Path: mp + "::" + tn, SymbolType: docpack.KindImpl, Parent: mid, Signature: "impl " + tn, Line: t*40 + 6})
			for k := 0; k < 4 && len(syms) < n; k++ {
				fnm := fmt.Sprintf("compute_value_%d", k)
				add(docpack.Symbol{ID: fmt.Sprintf("%s_m%d", tid, k), Name: fnm, Path: mp + "::" + tn + "::" + fnm, SymbolType: docpack.KindMethod, Parent: iid,
					Signature:  "pub fn " + fnm + "(&self, other: &" + tn + ") -> Result<u64, Error>",
					Parameters: []docpack.Parameter{{Name: "self", ParamType: "&self"}, {Name: "other", ParamType: "&" + tn}},
					ReturnType: "Result<u64, Error>", Dependencies: []string{"Error", tn}, Line: t*40 + 8 + k*5})
			}
		}
	}
	m := &docpack.Manifest{Version: docpack.FormatVersion, Repository: docpack.Repository{Name: "big"},
		Crates: []docpack.Crate{{Name: "big", Root: "src/lib.rs"}}, SymbolCount: len(syms), DocCount: len(docs),
		Generator: docpack.GeneratorInfo{Name: "extractive"}}
	return m, syms, docs
}

// Write writes a docpack into a temp dir and returns its path.
func Write(tb testing.TB, name string, m *docpack.Manifest, syms []docpack.Symbol, docs map[string]docpack.Doc) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), name)
	if err := docpack.WriteFile(path, m, syms, docs); err != nil {
		tb.Fatal(err)
	}
	return path
}
