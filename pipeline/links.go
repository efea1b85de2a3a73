package pipeline

import (
	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/index"
)

// docWriter gives each symbol's doc as the docpack is written: the
// generator's, else the extractive one, with its intra-doc links resolved
// once at build time (docpack format 1.1 `links`), so every viewer shows the
// same real links. It is safe for concurrent use.
//
// The index the links are resolved in is built on a goroutine of its own
// while the packing workers encode symbols.json, which comes first in the
// docpack: building it first held up the package stage (0.26 s of CPU on
// winapi with every feature, one goroutine). The first doc waits for it;
// the goroutine ends when the index is built, written or not.
func docWriter(symbols []docpack.Symbol) func(i int, d docpack.Doc, ok bool) docpack.Doc {
	ready := make(chan struct{})
	var x *index.Index
	go func() {
		x = index.New(nil, symbols, nil)
		close(ready)
	}()
	return func(i int, d docpack.Doc, ok bool) docpack.Doc {
		if !ok {
			d = ExtractiveDoc(symbols[i])
		}
		<-ready
		d.Links = x.DocLinks(i, d)
		return d
	}
}
