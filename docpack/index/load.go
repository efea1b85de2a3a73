package index

import (
	"github.com/doctown/doctown/docpack"
)

// Pack is an open docpack file. Close it when done.
type Pack struct {
	*Index
	pack *docpack.Pack
}

// Open opens and checks a docpack with docpack.Open and indexes its symbols;
// docs are read from the archive when asked for. Errors wrap docpack's
// sentinels (docpack.ErrNotDocpack, docpack.ErrVersion, …).
func Open(path string) (*Pack, error) {
	p, err := docpack.Open(path)
	if err != nil {
		return nil, err
	}
	return &Pack{Index: Of(p), pack: p}, nil
}

// Of indexes an open docpack, its docs read from it, with the id lookup the
// docpack already has (New would build a second one).
func Of(p *docpack.Pack) *Index {
	return newIndex(&p.Manifest, p.Symbols, p, p.SymbolIndex, false)
}

// Close closes the archive.
func (p *Pack) Close() error { return p.pack.Close() }
