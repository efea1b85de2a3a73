package index

import (
	"maps"
	"testing"

	"github.com/doctown/doctown/docpack"
)

// TestLinksBuildsIndexOnlyForLinks: Links resolves as Index.DocLinks does,
// and builds no index for docs with no intra-doc link to resolve (a doc
// inherited from std links in std's scope, which needs none).
func TestLinksBuildsIndexOnlyForLinks(t *testing.T) {
	symbols := []docpack.Symbol{
		{ID: "m", Name: "k", Path: "k", SymbolType: docpack.KindModule, Crate: "k"},
		{ID: "a", Name: "A", Path: "k::A", SymbolType: docpack.KindStruct, Parent: "m", Crate: "k", Signature: "pub struct A([u8; 4]);"},
		{ID: "h", Name: "hash", Path: "k::A::hash", SymbolType: docpack.KindMethod, Parent: "a", Crate: "k"},
	}
	l := NewLinks(symbols)
	for _, d := range []docpack.Doc{
		{Summary: "Struct `A`: `pub struct A([u8; 4]);` (no doc comment; described from its signature)."},
		{Summary: "See [the site](https://example.com/) and `[x]`."},
		{Summary: "Feeds this value into the given [`Hasher`].", Source: docpack.DocFromInherited, InheritedFrom: "std::hash::Hash::hash"},
	} {
		got := l.DocLinks(2, d)
		if want := New(nil, symbols, nil).DocLinks(2, d); !maps.Equal(got, want) {
			t.Errorf("DocLinks(%q) = %v, want %v", d.Summary, got, want)
		}
	}
	if l.x != nil {
		t.Fatal("an index was built for docs without a link to resolve in it")
	}
	if got := l.DocLinks(2, docpack.Doc{Summary: "Hashes an [`A`]."}); got["A"] != "a" {
		t.Errorf("links = %v, want A → a", got)
	}
	if l.x == nil {
		t.Error("no index after a link was resolved")
	}
}
