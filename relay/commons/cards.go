package commons

import (
	"strings"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/index"
	"github.com/doctown/doctown/relay/commons/api"
)

// CrateCard is a crate of a docpack as the commons home lists it: name,
// version and the crate root's one-line summary (Markdown, intra-doc links
// reduced to their text). A catalog records the cards of a docpack when it is
// stored (Cards), so the home page lists them without opening any docpack.
// It is the API's crate (api.Crate): the listing serves the cards as stored.
type CrateCard = api.Crate

// maxCardSummary bounds a card's summary.
const maxCardSummary = 300

// Cards returns a docpack's crates as cards. A summary made from the root's
// signature alone ("no doc comment") is left out: it says nothing.
func Cards(p *docpack.Pack) []CrateCard {
	var out []CrateCard
	for _, c := range p.Manifest.Crates {
		card := CrateCard{Name: c.Name, Version: c.Version}
		if s, ok := p.SymbolByPath(c.Name); ok && s.SymbolType == docpack.KindModule {
			if d, err := p.ReadDoc(s.ID); err == nil && d.Source != docpack.DocFromSignature {
				card.Summary = cardSummary(d.Summary)
			}
		}
		out = append(out, card)
	}
	return out
}

// cardSummary is a summary's first line, links as text, at most maxCardSummary bytes.
func cardSummary(s string) string {
	s = strings.TrimSpace(index.CleanRustdoc(s))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > maxCardSummary {
		cut := strings.LastIndexByte(s[:maxCardSummary], ' ')
		if cut < maxCardSummary/2 {
			cut = maxCardSummary
		}
		s = strings.ToValidUTF8(s[:cut], "") + "…"
	}
	return s
}
