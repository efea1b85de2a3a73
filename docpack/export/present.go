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
	return index.Rewrite(text, func(l index.Link) string {
		dest := strings.TrimSpace(l.Dest)
		switch {
		case isWeb(dest):
			return "[" + l.Text + "](" + dest + ")"
		case strings.HasPrefix(dest, "#"):
			if j := e.memberAnchor(i, dest[1:]); j >= 0 {
				return "[" + l.Text + "](" + linkMark(j) + ")"
			}
			return l.Text
		}
		if u, ok := e.x.LinkURL(d, i, dest, linkMark); ok {
			return "[" + l.Text + "](" + u + ")"
		}
		return l.Text
	})
}

func isWeb(t string) bool {
	return strings.HasPrefix(t, "http://") || strings.HasPrefix(t, "https://") || strings.HasPrefix(t, "mailto:")
}

// memberAnchor resolves a rustdoc anchor ("method.insert", "variant.None",
// "tymethod.next", "structfield.x") written in symbol i's doc to a member of i,
// or of i's owner when i is itself a member. It returns -1 when none matches.
func (e *exporter) memberAnchor(i int, a string) int {
	_, name, ok := strings.Cut(a, ".")
	if !ok || name == "" {
		return -1
	}
	x := e.x
	owners := []int{i}
	if o := x.Owner(i); o >= 0 {
		owners = append(owners, o)
	}
	for _, o := range owners {
		var find func(p int) int
		find = func(p int) int {
			for _, c := range x.Children(p) {
				if x.Symbols[c].SymbolType == docpack.KindImpl {
					if j := find(c); j >= 0 {
						return j
					}
					continue
				}
				if x.Symbols[c].Name == name {
					return c
				}
			}
			return -1
		}
		if j := find(o); j >= 0 {
			return j
		}
	}
	return -1
}
