package index_test

import (
	"strings"
	"testing"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/index"
)

func TestClean(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"reference link and hidden lines",
			"See [`Error`][crate::Error].\n\n```\n# use anyhow::Result;\nlet x = 1;\n#\n## kept\n```\n\n```text\n# kept\n```",
			"See `Error`.\n\n```rust\nlet x = 1;\n# kept\n```\n\n```text\n# kept\n```"},
		{"intra-doc inline link", "returning a [`JoinHandle`](super::JoinHandle) for it", "returning a `JoinHandle` for it"},
		{"web link kept", "See [std](https://doc.rust-lang.org/std/) and [below](#examples).", "See [std](https://doc.rust-lang.org/std/) and [below](#examples)."},
		{"shortcut links", "the [`Runtime`] and [task::spawn] functions; [x]: in prose", "the `Runtime` and task::spawn functions; x: in prose"},
		// tokio::time: "* [`Timeout`]: Wraps a future…" is a link on docs.rs;
		// a definition's shape inside a list item is not.
		{"shortcut link before a colon", "* [`Timeout`]: Wraps a future\n* [`Sleep`]: waits a while", "* `Timeout`: Wraps a future\n* `Sleep`: waits a while"},
		{"definition in a list item", "- [x]: https://example.com/", "- [x]: https://example.com/"},
		{"rustdoc fence tags", "```no_run\n# fn main() {}\nrun();\n```\n```compile_fail,E0277\nbad();\n```", "```rust\nrun();\n```\n```rust\nbad();\n```"},
		{"links in code untouched", "```\nlet v = [a][0];\n```", "```rust\nlet v = [a][0];\n```"},
		{"code spans exact", "Takes a `&[u8]` or `[T; N]`, indexes `a[i]`.", "Takes a `&[u8]` or `[T; N]`, indexes `a[i]`."},
		{"reference definitions consumed", "Read [here][crate::de] and [the book].\n\n[the book]: https://serde.rs/\n[crate::de]: crate::de",
			"Read here and [the book](https://serde.rs/).\n"},
		{"shortcut to a definition", "An [`AHash`] hasher.\n\n[`AHash`]: https://github.com/tkaitchuck/aHash", "An [`AHash`](https://github.com/tkaitchuck/aHash) hasher.\n"},
		{"disambiguators", "See [`Foo`](struct@Foo), [spawn](fn@spawn), [`vec!`] and [`Read::read()`].", "See `Foo`, spawn, `vec!` and `Read::read()`."},
		{"prose indexing and images kept", "where a[i] holds ![logo](logo.png)", "where a[i] holds ![logo](logo.png)"},
		{"task list", "- [x] done\n- [ ] not", "- [x] done\n- [ ] not"},
		{"escaped brackets", `a \[not a link\]`, `a \[not a link\]`},
		{"tables and headings", "# Examples\n\n| a | b |\n|---|---|\n| `[u8]` | [`Vec`] |\n\nAfter.", "# Examples\n\n| a | b |\n|---|---|\n| `[u8]` | `Vec` |\n\nAfter."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := index.CleanRustdoc(tc.in); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestRewriteCollectsLinks(t *testing.T) {
	var got []index.Link
	index.Rewrite("[`A`] then [b](crate::b) then [c][] and [d][e]\n\n[c]: self::c\n[e]: https://x.test/", func(l index.Link) string {
		got = append(got, l)
		return l.Text
	})
	want := []index.Link{{"`A`", "A"}, {"b", "crate::b"}, {"c", "self::c"}, {"d", "https://x.test/"}}
	if len(got) != len(want) {
		t.Fatalf("links %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("link %d: %v, want %v", i, got[i], want[i])
		}
	}
}

func TestResolveLink(t *testing.T) {
	p := openSmall(t)
	from, _ := p.ByID("fn-parse") // in geom::shapes
	for _, tc := range []struct{ dest, path, url string }{
		{"ParseError", "geom::shapes::ParseError", ""},
		{"`Shape`", "geom::shapes::Shape", ""},
		{"crate::Point", "geom::Point", ""},
		{"super::Point", "geom::Point", ""},
		{"self::Area", "geom::shapes::Area", ""},
		{"Point::new", "geom::Point::new", ""},
		{"Point::distance()", "geom::Point::distance", ""},
		{"struct@Point", "geom::Point", ""},
		{"point!", "geom::point", ""},
		{"Shape::Circle", "geom::shapes::Shape::Circle", ""},
		{"Vec", "", "https://doc.rust-lang.org/std/vec/struct.Vec.html"},
		{"std::fmt::Debug", "", "https://doc.rust-lang.org/std/?search=Debug"},
		{"serde::Serialize", "", "https://docs.rs/serde/latest/serde/?search=Serialize"},
		{"Nope", "", ""},
		{"enum@Point", "", ""},
		{"prim@u8", "", "https://doc.rust-lang.org/std/primitive.u8.html"},
		{"macro@point", "geom::point", ""},
		{"point!()", "geom::point", ""},
		{"fn@Point::new", "geom::Point::new", ""},
		{"Iterator::next", "", "https://doc.rust-lang.org/std/iter/trait.Iterator.html#method.next"},
		{"Result::Ok", "", "https://doc.rust-lang.org/std/result/enum.Result.html#variant.Ok"},
		{"Option::map", "", "https://doc.rust-lang.org/std/option/enum.Option.html#method.map"},
		{"u32::MAX", "", "https://doc.rust-lang.org/std/primitive.u32.html#associatedconstant.MAX"},
		// Written where it is defined, in a private module, and found at
		// its public path; never a guess between two.
		{"crate::private::shapes::parse()", "geom::shapes::parse", ""},
		{"super::private::Point::distance", "geom::Point::distance", ""},
	} {
		t.Run(tc.dest, func(t *testing.T) {
			got, ok := p.ResolveLink(tc.dest, from)
			switch {
			case tc.path == "" && tc.url == "":
				if ok {
					t.Errorf("resolved to %+v, want nothing", got)
				}
			case tc.path != "":
				if !ok || got.Symbol < 0 || p.Symbols[got.Symbol].Path != tc.path {
					t.Errorf("got %+v %v, want %s", got, ok, tc.path)
				}
			default:
				if !ok || got.URL != tc.url {
					t.Errorf("got %+v %v, want %s", got, ok, tc.url)
				}
			}
		})
	}
}

// In a type's own doc, Self is the type (tokio's AsyncFd: method@Self::readable).
func TestResolveLinkSelfInType(t *testing.T) {
	p := openSmall(t)
	point, _ := p.ByPath("geom::Point")
	if got, ok := p.ResolveLink("method@Self::distance", point); !ok || got.Symbol < 0 || p.Symbols[got.Symbol].Path != "geom::Point::distance" {
		t.Errorf("Self::distance in Point's doc = %+v %v", got, ok)
	}
}

func TestLinkDefs(t *testing.T) {
	desc := "Text.\n\n```\n[not]: a-def-in-code\n```\n\n[`Some(T)`]: https://doc.rust-lang.org/std/option/enum.Option.html#variant.Some\n"
	defs := index.LinkDefs("Serialize a [`Some(T)`] value.", desc)
	if defs != "[`Some(T)`]: https://doc.rust-lang.org/std/option/enum.Option.html#variant.Some\n" {
		t.Fatalf("LinkDefs = %q", defs)
	}
	got := index.Rewrite("Serialize a [`Some(T)`] value.\n\n"+defs, nil)
	if want := "Serialize a [`Some(T)`](https://doc.rust-lang.org/std/option/enum.Option.html#variant.Some) value."; strings.TrimSpace(got) != want {
		t.Errorf("summary with the description's definitions = %q, want %q", got, want)
	}
}

func TestRewriteCodeSpanOverLines(t *testing.T) {
	// syn's crate doc: a code span closes on the next line, a link follows it.
	in := "Use `cargo rustc -- -Zunstable-options\n--pretty=expanded` or the [`cargo expand`] subcommand.\n\n[`cargo expand`]: https://github.com/dtolnay/cargo-expand"
	got := index.Rewrite(in, nil)
	want := "Use `cargo rustc -- -Zunstable-options\n--pretty=expanded` or the [`cargo expand`](https://github.com/dtolnay/cargo-expand) subcommand.\n"
	if got != want {
		t.Errorf("Rewrite = %q, want %q", got, want)
	}
}

// TestHTMLLink resolves the relative rustdoc page addresses older docs link
// items by, from the docs of geom::shapes::parse (module geom::shapes).
func TestHTMLLink(t *testing.T) {
	p := openSmall(t)
	from, _ := p.ByID("fn-parse")
	for _, tc := range []struct{ dest, path string }{
		{"struct.ParseError.html", "geom::shapes::ParseError"},
		{"enum.Shape.html#variant.Circle", "geom::shapes::Shape::Circle"},
		{"trait.Area.html#tymethod.area", "geom::shapes::Area::area"},
		{"../struct.Point.html", "geom::Point"},
		{"../index.html", "geom"},
		{"index.html", "geom::shapes"},
		{"fn.parse.html", "geom::shapes::parse"},
		{"struct.Nope.html", ""},
		{"enum.ParseError.html", ""}, // a struct, not an enum
		{"https://example.com/struct.Point.html", ""},
	} {
		i, ok := p.HTMLLink(tc.dest, from)
		got := ""
		if ok {
			got = p.Symbols[i].Path
		}
		if got != tc.path {
			t.Errorf("HTMLLink(%q) = %q, want %q", tc.dest, got, tc.path)
		}
	}
}

// TestSelfPath resolves Self::X as the owner's X only: "Self::Iter" in a
// method of Point is not some other Iter of the crate.
func TestSelfPath(t *testing.T) {
	p := openSmall(t)
	from, _ := p.ByID("fn-point-dist")
	if i := p.ResolvePath("Self::new", from, nil); i < 0 || p.Symbols[i].Path != "geom::Point::new" {
		t.Errorf("Self::new resolved to %d", i)
	}
	if i := p.ResolvePath("Self::ParseError", from, nil); i >= 0 {
		t.Errorf("Self::ParseError resolved to %s", p.Symbols[i].Path)
	}
}

// A footnote ("[^1]: …") is not a reference definition: Rewrite keeps it for
// the renderer, and a summary shown without its notes drops the references.
func TestFootnotes(t *testing.T) {
	doc := "Designed by Bernstein[^1], see `[^a-z]`.\n\n[^1]: D. J. Bernstein, [ChaCha](https://cr.yp.to/chacha.html)\n[`Rng`]: crate::Rng"
	got := index.Rewrite(doc, nil)
	if !strings.Contains(got, "[^1]: D. J. Bernstein, [ChaCha](https://cr.yp.to/chacha.html)") || strings.Contains(got, "crate::Rng") {
		t.Errorf("Rewrite = %q: want the footnote kept, the link definition consumed", got)
	}
	if got := index.LinkDefs(doc); got != "[`Rng`]: crate::Rng\n" {
		t.Errorf("LinkDefs = %q, want the link definition alone", got)
	}
	if got, want := index.StripFootnoteRefs("Designed by Bernstein[^1], see `[^a-z]` and [^note]."), "Designed by Bernstein, see `[^a-z]` and ."; got != want {
		t.Errorf("StripFootnoteRefs = %q, want %q", got, want)
	}
}

// The docs of an item inlined from another crate link in that crate's scope,
// as rustdoc resolves them: tracing's copy of tracing_core::Subscriber says
// [`crate::callsite`] meaning tracing_core's module, not tracing's.
func TestResolveLinkInlined(t *testing.T) {
	from := func(path string) *docpack.InlinedFrom {
		return &docpack.InlinedFrom{Crate: "dep", Version: "1.0.0", Path: path}
	}
	syms := []docpack.Symbol{
		{ID: "root", Name: "top", Path: "top", Crate: "top", SymbolType: docpack.KindModule},
		{ID: "own-callsite", Name: "callsite", Path: "top::Meta::callsite", Crate: "top", SymbolType: docpack.KindMethod, Parent: "root"},
		{ID: "sub", Name: "Subscriber", Path: "top::Subscriber", Crate: "top", SymbolType: docpack.KindTrait, Parent: "root", InlinedFrom: from("dep::subscriber::Subscriber")},
		{ID: "interest", Name: "Interest", Path: "top::Interest", Crate: "top", SymbolType: docpack.KindStruct, Parent: "root", InlinedFrom: from("dep::subscriber::Interest")},
		{ID: "level", Name: "Lvl", Path: "top::Lvl", Crate: "top", SymbolType: docpack.KindStruct, Parent: "root", InlinedFrom: from("dep::Level")},
	}
	x := index.New(nil, syms, nil)
	sub, _ := x.ByID("sub")
	for _, tc := range []struct{ dest, id, url string }{
		{"crate::Level", "level", ""},
		{"dep::Level", "level", ""},
		{"Interest", "interest", ""},
		{"Level", "level", ""},
		{"crate::callsite", "", "https://docs.rs/dep/latest/dep/?search=callsite"},
		{"super::Level", "level", ""},
		{"self::Interest", "interest", ""},
		{"impls::helper", "", "https://docs.rs/dep/latest/dep/?search=helper"},
	} {
		got, ok := x.ResolveLink(tc.dest, sub)
		switch {
		case tc.id != "":
			if !ok || got.Symbol < 0 || x.Symbols[got.Symbol].ID != tc.id {
				t.Errorf("%s: got %+v %v, want %s", tc.dest, got, ok, tc.id)
			}
		case !ok || got.URL != tc.url:
			t.Errorf("%s: got %+v %v, want %s", tc.dest, got, ok, tc.url)
		}
	}
}

// TestRewriteReferenceImages: a crate's badge line (anyhow, semver, syn:
// "[![github]](…)" with "[github]: https://img.shields.io/…" at the end)
// keeps its images once Rewrite has dropped the definitions: they are written
// inline. Undefined labels, inline images and code stay as written.
func TestRewriteReferenceImages(t *testing.T) {
	src := "[![github]](https://github.com/dtolnay/semver)&ensp;[![crates-io]](https://crates.io/crates/semver)\n\n" +
		"A ![logo][img] and ![Logo] here, ![undefined] and ![inline](a.png), `![github]` in code.\n\n" +
		"[github]: https://img.shields.io/badge/github\n[crates-io]: https://img.shields.io/badge/crates.io\n[img]: logo.png\n[logo]: big.png\n"
	got := index.Rewrite(src, nil)
	for _, want := range []string{
		"[![github](https://img.shields.io/badge/github)](https://github.com/dtolnay/semver)",
		"[![crates-io](https://img.shields.io/badge/crates.io)](https://crates.io/crates/semver)",
		"A ![logo](logo.png) and ![Logo](big.png) here, ![undefined] and ![inline](a.png), `![github]` in code.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Rewrite gave\n%s\nwant it to hold\n%s", got, want)
		}
	}
}
