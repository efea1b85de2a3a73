package index_test

import (
	"maps"
	"testing"

	"github.com/doctown/doctown/docpack/index"
)

// TestLinksMatchFullIndex: the links-only index a build resolves its docs'
// links in (NewLinks) gives every doc of real crates the links the full
// Index gives it.
func TestLinksMatchFullIndex(t *testing.T) {
	for _, glob := range []string{"tokio-1*", "object-0*", "serde-1*"} {
		t.Run(glob, func(t *testing.T) {
			p := debianPack(t, glob)
			full := index.New(nil, p.Symbols, nil)
			links := index.NewLinks(p.Symbols)
			n := 0
			for i := range p.Symbols {
				d, ok := p.Doc(i)
				if !ok {
					t.Fatalf("no doc of %s", p.Symbols[i].Path)
				}
				got, want := links.DocLinks(i, d), full.DocLinks(i, d)
				if !maps.Equal(got, want) {
					t.Errorf("%s: links %v, want %v", p.Symbols[i].Path, got, want)
				}
				n += len(want)
			}
			if n == 0 {
				t.Error("no doc links anything: the test compares nothing")
			}
		})
	}
}
