package pipeline

import (
	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/index"
)

// docWriter gives each symbol's doc as the docpack is written: the
// generator's, else the extractive one, with its intra-doc links resolved
// once at build time (docpack format 1.1 `links`), so every viewer shows the
// same real links. It is safe for concurrent use. The index the links are
// resolved in is index.Links': built only for a build whose docs link
// something, on a goroutine of its own while the packing workers encode
// symbols.json, which comes first in the docpack.
func docWriter(symbols []docpack.Symbol) func(i int, d docpack.Doc, ok bool, scratch *docpack.Scratch) docpack.Doc {
	links := index.NewLinks(symbols)
	inherited := &summaryCache{}
	return func(i int, d docpack.Doc, ok bool, scratch *docpack.Scratch) docpack.Doc {
		if !ok {
			d = extractiveDoc(&symbols[i], inherited, scratch)
		}
		d.Links = links.DocLinks(i, d)
		return d
	}
}
