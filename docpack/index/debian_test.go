package index_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/index"
	"github.com/doctown/doctown/internal/debcrate/debpack"
	"github.com/doctown/doctown/pipeline"
)

// debianPack builds a docpack of a Debian-packaged crate (extractive docs) and
// opens its index, or skips (fails under DOCTOWN_REQUIRE_ALL=1) when the crate
// is not installed.
func debianPack(t *testing.T, glob string) *index.Pack {
	t.Helper()
	p, err := index.Open(debpack.Build(t, glob, pipeline.BuildOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func mustPath(t *testing.T, x *index.Index, path string, kind docpack.Kind) int {
	t.Helper()
	if i, ok := x.ByPath(path); ok && x.Symbols[i].SymbolType == kind {
		return i // the path or one of the item's public paths
	}
	for _, m := range x.Search(path, kind) {
		if x.Symbols[m.Symbol].Path == path {
			return m.Symbol
		}
	}
	t.Fatalf("no %s %s", kind, path)
	return -1
}

func TestHashbrownImpls(t *testing.T) {
	p := debianPack(t, "hashbrown-0.12*")
	x := p.Index
	hm := mustPath(t, x, "hashbrown::HashMap", docpack.KindStruct)
	inherent, traits := x.Impls(hm)
	var methods []string
	for _, im := range inherent {
		for _, c := range x.Children(im) {
			methods = append(methods, x.Symbols[c].Name)
		}
	}
	for _, want := range []string{"insert", "get", "new", "with_capacity"} {
		if !slices.Contains(methods, want) {
			t.Errorf("HashMap's inherent methods lack %s: %v", want, methods)
		}
	}
	if len(traits) < 5 {
		t.Errorf("HashMap has %d trait impls, want >= 5", len(traits))
	}
	// Each module's Iter gets only its own impls, not the other's.
	for _, mod := range []string{"hashbrown::hash_map", "hashbrown::hash_set"} {
		it := mustPath(t, x, mod+"::Iter", docpack.KindStruct)
		_, traits := x.Impls(it)
		if len(traits) == 0 {
			t.Errorf("%s::Iter has no trait impls", mod)
		}
		for _, im := range traits {
			if got := x.ModuleOf(im); got != mod {
				t.Errorf("%s::Iter shows %q from %s", mod, x.Symbols[im].Name, got)
			}
		}
	}
	for _, mod := range []string{"hashbrown::hash_map::rayon", "hashbrown::hash_set::rayon"} {
		it := mustPath(t, x, mod+"::ParIter", docpack.KindStruct)
		_, traits := x.Impls(it)
		for _, im := range traits {
			if got := x.ModuleOf(im); got != mod {
				t.Errorf("%s::ParIter shows %q from %s", mod, x.Symbols[im].Name, got)
			}
		}
	}
}

func TestSerdeImplementors(t *testing.T) {
	p := debianPack(t, "serde-1.*")
	x := p.Index
	ser := mustPath(t, x, "serde::ser::Serialize", docpack.KindTrait)
	impls := x.Implementors(ser)
	if len(impls) < 20 {
		t.Fatalf("serde::ser::Serialize has %d implementors, want >= 20", len(impls))
	}
	for _, im := range impls {
		if tr := x.ImplTraitName(im); !strings.HasSuffix(tr, "Serialize") {
			t.Errorf("implementor %q implements %q", x.Symbols[im].Name, tr)
		}
	}
}

func TestSerdeReexports(t *testing.T) {
	p := debianPack(t, "serde-1.*")
	x := p.Index
	ser := mustPath(t, x, "serde::Serialize", docpack.KindTrait)
	var got []string
	for _, r := range x.Reexports("serde::ser") {
		got = append(got, r.Path)
		if r.Path == "serde::ser::Serialize" && r.Symbol != ser {
			t.Errorf("serde::ser::Serialize re-exports %s", x.Symbols[r.Symbol].Path)
		}
	}
	if !slices.Contains(got, "serde::ser::Serialize") || !slices.Contains(got, "serde::ser::Serializer") {
		t.Errorf("serde::ser re-exports %v, want Serialize and Serializer", got)
	}
	if rs := x.Reexports("serde"); len(rs) != 0 {
		t.Errorf("serde re-exports %v: its items are listed there already", rs)
	}
	if !slices.Contains(x.Items("serde"), ser) {
		t.Errorf("serde's items lack serde::Serialize")
	}
}

// sectionNames lists the items of the section of i whose title starts with title.
func sectionNames(x *index.Index, i int, title string) []string {
	var out []string
	for _, s := range x.Sections(i) {
		if strings.HasPrefix(s.Title, title) {
			for _, it := range s.Items {
				out = append(out, x.Symbols[it.Symbol].Name)
			}
		}
	}
	return out
}

// TestRandSourceOrderAndBlanketImpls reads rand's Rng as docs.rs shows it:
// provided methods in the order the trait writes them (not by name), the
// blanket impl `impl<R: RngCore + ?Sized> Rng for R` under Implementors (not
// under foreign types), and a type's methods in source order.
func TestRandSourceOrderAndBlanketImpls(t *testing.T) {
	p := debianPack(t, "rand-0.8*")
	x := p.Index
	rng := mustPath(t, x, "rand::Rng", docpack.KindTrait)
	want := []string{"gen", "gen_range", "sample", "sample_iter", "fill", "try_fill", "gen_bool", "gen_ratio"}
	if got := sectionNames(x, rng, "Provided Methods"); !slices.Equal(got, want) {
		t.Errorf("Rng's provided methods = %v, want source order %v", got, want)
	}
	if got := sectionNames(x, rng, index.ImplementorsTitle); !slices.Contains(got, "impl Rng for R") {
		t.Errorf("Rng's implementors = %v, want the blanket impl", got)
	}
	if got := sectionNames(x, rng, index.ForeignTitle); len(got) != 0 {
		t.Errorf("Rng's impls on foreign types = %v, want none", got)
	}
	dist := mustPath(t, x, "rand::distributions::Distribution", docpack.KindTrait)
	if got := sectionNames(x, dist, index.ForeignTitle); !slices.Contains(got, "impl Distribution<T> for &'a D") {
		t.Errorf("Distribution's impls on foreign types = %v, want the one for &'a D", got)
	}
	// Bernoulli::new comes before from_ratio in the source.
	b := mustPath(t, x, "rand::distributions::Bernoulli", docpack.KindStruct)
	if got := sectionNames(x, b, "Implementations"); !slices.Equal(got, []string{"new", "from_ratio"}) {
		t.Errorf("Bernoulli's methods = %v, want new, from_ratio (source order)", got)
	}
}

// TestTokioForeignImpls checks where tokio's impls for types it does not
// define are filed, as docs.rs shows them: AsyncRead for Box<T>, &mut T,
// Pin<P> and &[u8] under AsyncRead's "Implementations on Foreign Types" with
// their items under the trait (no made-up tokio::io::Box), the blanket
// AsyncReadExt for R among AsyncReadExt's implementors, and
// From<SignalKind> for c_int with SignalKind.
func TestTokioForeignImpls(t *testing.T) {
	p := debianPack(t, "tokio-1.*")
	x := p.Index
	read := mustPath(t, x, "tokio::io::AsyncRead", docpack.KindTrait)
	foreign := sectionNames(x, read, index.ForeignTitle)
	for _, want := range []string{"impl AsyncRead for Box<T>", "impl AsyncRead for &mut T", "impl AsyncRead for Pin<P>", "impl AsyncRead for &[u8]"} {
		if !slices.Contains(foreign, want) {
			t.Errorf("AsyncRead's implementations on foreign types lack %q: %q", want, foreign)
		}
	}
	if local := sectionNames(x, read, index.ImplementorsTitle); !slices.Contains(local, "impl AsyncRead for TcpStream") || slices.Contains(local, "impl AsyncRead for Box<T>") {
		t.Errorf("AsyncRead's implementors: %q", local)
	}
	if _, ok := x.ByPath("tokio::io::Box::poll_read"); ok {
		t.Errorf("tokio::io::Box::poll_read is a path")
	}
	if i, ok := x.ByPath("tokio::io::AsyncRead::poll_read"); !ok || x.Symbols[i].SymbolType != docpack.KindTraitMethod {
		t.Errorf("tokio::io::AsyncRead::poll_read is not the trait's method")
	}
	ext := mustPath(t, x, "tokio::io::AsyncReadExt", docpack.KindTrait)
	if got := sectionNames(x, ext, index.ImplementorsTitle); !slices.Contains(got, "impl AsyncReadExt for R") {
		t.Errorf("AsyncReadExt's implementors %q lack the blanket impl for R", got)
	}
	if got := sectionNames(x, ext, index.ForeignTitle); len(got) > 0 {
		t.Errorf("AsyncReadExt's implementations on foreign types: %q", got)
	}
	kind := mustPath(t, x, "tokio::signal::unix::SignalKind", docpack.KindStruct)
	_, traits := x.Impls(kind)
	if !slices.Contains(names(x, traits), "impl From<SignalKind> for std::os::raw::c_int") {
		t.Errorf("SignalKind's trait impls: %q", names(x, traits))
	}
}

// TestRandBlanketImplementations: StdRng implements RngCore, so rand's
// `impl<R: RngCore + ?Sized> Rng for R` is among its Blanket
// Implementations, as on docs.rs; a type that does not implement RngCore
// (Bernoulli) does not get it.
func TestRandBlanketImplementations(t *testing.T) {
	p := debianPack(t, "rand-0.8*")
	x := p.Index
	std := mustPath(t, x, "rand::rngs::StdRng", docpack.KindStruct)
	if got := sectionNames(x, std, index.BlanketTitle); !slices.Contains(got, "impl Rng for R") {
		t.Errorf("StdRng's blanket implementations = %v, want impl Rng for R", got)
	}
	b := mustPath(t, x, "rand::distributions::Bernoulli", docpack.KindStruct)
	if got := sectionNames(x, b, index.BlanketTitle); len(got) != 0 {
		t.Errorf("Bernoulli's blanket implementations = %v, want none", got)
	}
}
