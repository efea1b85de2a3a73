package export

import (
	"strings"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/index"
)

func kindTitle(k docpack.Kind) string { return index.KindTitle(k) }

// notes are the availability and deprecation notes docs.rs shows.
func notes(s *docpack.Symbol) []string {
	n, _ := index.Attributes(*s)
	return n
}

// cleanLinks drops intra-doc link syntax, keeping the text (for one-line summaries).
func cleanLinks(s string) string { return index.CleanRustdoc(s) }

// links rewrites the links of text, a part of symbol i's doc d, with the
// index's reader of rustdoc markdown: intra-doc links become relative links to
// the exported items (d's recorded links first, as every viewer reads them),
// std and other crates' paths their doc.rust-lang.org / docs.rs pages, rustdoc
// page anchors ("#method.new") the member they name; web links stay. A link
// whose target is not in the export becomes its text.
func (e *exporter) links(i int, d docpack.Doc, text string) string {
	if defs := index.DocDefs(d); defs != "" && strings.Contains(text, "[") {
		// The whole doc's definitions serve this field; their lines are
		// consumed again, leaving the blank line before them.
		return strings.TrimRight(index.Rewrite(text+"\n\n"+defs, e.link(i, d)), "\n")
	}
	return index.Rewrite(text, e.link(i, d))
}

// link is how links reads one link of symbol i's doc d.
func (e *exporter) link(i int, d docpack.Doc) func(index.Link) string {
	return func(l index.Link) string {
		dest := strings.TrimSpace(l.Dest)
		switch {
		case isWeb(dest):
			return "[" + l.Text + "](" + dest + ")"
		case strings.HasPrefix(dest, "#"):
			if j := e.x.MemberAnchor(i, dest[1:]); j >= 0 {
				return "[" + l.Text + "](" + linkMark(j) + ")"
			}
			return l.Text
		}
		if u, ok := e.x.LinkURL(d, i, dest, linkMark); ok {
			return "[" + l.Text + "](" + u + ")"
		}
		return l.Text
	}
}

func isWeb(t string) bool {
	return strings.HasPrefix(t, "http://") || strings.HasPrefix(t, "https://") || strings.HasPrefix(t, "mailto:")
}
