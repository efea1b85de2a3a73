package pipeline

import (
	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/index"
)

// docWriter gives each symbol's doc as the docpack is written: the
// generator's, else the extractive one, with its intra-doc links resolved
// once at build time (docpack format 1.1 `links`), so every viewer shows the
// same real links. It is safe for concurrent use.
func docWriter(symbols []docpack.Symbol) func(i int, d docpack.Doc, ok bool) docpack.Doc {
	x := index.New(nil, symbols, nil)
	return func(i int, d docpack.Doc, ok bool) docpack.Doc {
		if !ok {
			d = ExtractiveDoc(symbols[i])
		}
		d.Links = x.DocLinks(i, d)
		return d
	}
}
