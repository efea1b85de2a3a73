package rust

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/doctown/doctown/docpack"
)

// bogusPaths lists the symbols whose path is under something the docpack
// does not hold: "tokio::io::Box::consume" when the crate defines no Box.
// Every member's path is its owner's (type, trait, variant, module) plus its
// name; an impl's items are shown where rustdoc shows the impl.
func bogusPaths(syms []docpack.Symbol) []string {
	owners := map[string]bool{}
	for _, s := range syms {
		if s.SymbolType != docpack.KindImpl {
			owners[s.Path] = true
			for _, p := range s.PublicPaths {
				owners[p] = true
			}
		}
	}
	var bad []string
	for _, s := range syms {
		if s.SymbolType == docpack.KindImpl || s.Path == s.Crate {
			continue
		}
		if i := strings.LastIndex(s.Path, "::"); i < 0 || !owners[s.Path[:i]] {
			bad = append(bad, string(s.SymbolType)+" "+s.Path)
		}
	}
	return bad
}

// TestImplsOnForeignTypes checks the paths of the items of impls whose self
// type the crate does not define: a local trait on Box<T>, &mut T, &[u8] or
// a generic T lists its items under the trait (rustdoc shows such impls on
// the trait's page), impl From<Local> for i32 under Local (rustdoc shows it
// on Local's page), never under a made-up "fix::io::Box".
func TestImplsOnForeignTypes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	writeTxtar(t, dir, txtar.Parse([]byte(`
-- Cargo.toml --
[package]
name = "fix"
version = "0.1.0"
-- src/lib.rs --
pub mod io {
    pub trait Read { fn read(&mut self) -> u8; }
    impl<T: Read + ?Sized> Read for Box<T> { fn read(&mut self) -> u8 { 0 } }
    impl<T: Read + ?Sized> Read for &mut T { fn read(&mut self) -> u8 { 0 } }
    impl Read for &[u8] { fn read(&mut self) -> u8 { 0 } }
    pub trait ReadExt: Read { fn twice(&mut self) -> u8 { 0 } }
    impl<R: Read + ?Sized> ReadExt for R { fn twice(&mut self) -> u8 { 1 } }
    pub struct Local;
    impl Read for Local { fn read(&mut self) -> u8 { 0 } }
}
pub struct Kind(pub i32);
impl From<Kind> for i32 { fn from(k: Kind) -> i32 { k.0 } }
pub struct Stream;
mod wrapper {
    // A private type of the same name: its impl for a foreign type is not
    // the public Stream's (proc-macro2's wrapper::TokenStream).
    pub struct Stream;
    impl From<Stream> for u64 { fn from(_: Stream) -> u64 { 0 } }
}
`)))
	res := extractRepo(t, dir, Options{})
	if bad := bogusPaths(res.Symbols); len(bad) > 0 {
		t.Errorf("paths under nothing the crate defines:\n%s", strings.Join(bad, "\n"))
	}
	count := map[string]int{}
	ids := map[string]bool{}
	for _, s := range res.Symbols {
		if s.SymbolType == docpack.KindMethod {
			count[s.Path]++
		}
		if ids[s.ID] {
			t.Errorf("id %s twice (%s)", s.ID, s.Path)
		}
		ids[s.ID] = true
	}
	for path, n := range map[string]int{"fix::io::Read::read": 3, "fix::io::ReadExt::twice": 1, "fix::io::Local::read": 1, "fix::Kind::from": 1, "fix::Stream::from": 0} {
		if count[path] != n {
			t.Errorf("%d methods %s, want %d (methods: %v)", count[path], path, n, count)
		}
	}
}

// TestHiddenTraitItems: an impl's items that implement a #[doc(hidden)] item
// of the trait are left out, as rustdoc leaves them out (syn's 236 Token::peek
// and Token::display in its impl Token for …), and kept with IncludeHidden.
func TestHiddenTraitItems(t *testing.T) {
	dir := writeRepo(t, map[string]string{"Cargo.toml": cargoToml, "src/lib.rs": `
pub trait Token {
    #[doc(hidden)]
    fn peek() -> bool;
    fn display() -> &'static str;
    #[doc(hidden)]
    type Marker;
}
pub struct Lit;
impl Token for Lit {
    fn peek() -> bool { true }
    fn display() -> &'static str { "literal" }
    type Marker = u8;
}
`})
	for _, tc := range []struct {
		opts Options
		want []string
	}{
		{Options{}, []string{"demo::Lit::display"}},
		{Options{IncludeHidden: true}, []string{"demo::Lit::Marker", "demo::Lit::display", "demo::Lit::peek"}},
	} {
		var got []string
		for _, p := range symbolPaths(extractRepo(t, dir, tc.opts)) {
			if strings.HasPrefix(p, "demo::Lit::") {
				got = append(got, p)
			}
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("IncludeHidden %v: Lit's items %q, want %q", tc.opts.IncludeHidden, got, tc.want)
		}
	}
}
