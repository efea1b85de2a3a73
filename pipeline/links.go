package pipeline

import (
	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/index"
)

// resolveLinks records each doc's intra-doc links, resolved once at build time
// (docpack format 1.1 `links`), so every viewer shows the same real links.
func resolveLinks(symbols []docpack.Symbol, docs map[string]docpack.Doc) {
	x := index.New(nil, symbols, nil)
	for i := range symbols {
		d, ok := docs[symbols[i].ID]
		if !ok {
			continue
		}
		if d.Links = x.DocLinks(i, d); d.Links != nil {
			docs[symbols[i].ID] = d
		}
	}
}
