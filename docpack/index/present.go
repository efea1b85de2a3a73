package index

import (
	"regexp"
	"strings"

	"github.com/doctown/doctown/docpack"
)

// Presentation rules every viewer shares (web, TUI, open, export): the notes
// docs.rs shows for a symbol. Kind names are in kinds.go, the rustdoc-markdown
// rewriter in markdown.go.

var featureRe = regexp.MustCompile(`feature\s*=\s*"([^"]+)"`)

// shownAttrs are the attributes rustdoc writes on an item's page (its
// ALLOWED_ATTRIBUTES, and repr), and derives: rustdoc lists what a derive
// makes under Trait Implementations, which doctown does for std's derives
// but cannot for a proc macro's (serde's), so the derive itself is shown.
var shownAttrs = map[string]bool{"must_use": true, "non_exhaustive": true, "repr": true,
	"no_mangle": true, "export_name": true, "link_section": true, "derive": true}

// shownAttr reports whether the attribute inside #[…] is one rustdoc shows;
// inner is what #[ and ] enclose (an inner attribute #![…] keeps its "!").
func shownAttr(inner string) bool {
	inner = strings.TrimSpace(inner)
	if u, ok := strings.CutPrefix(inner, "unsafe("); ok { // #[unsafe(no_mangle)]
		inner = strings.TrimSuffix(u, ")")
	}
	end := 0
	for end < len(inner) && isIdentByte(inner[end]) {
		end++
	}
	return shownAttrs[inner[:end]]
}

// Attributes splits a symbol's attributes into notes a reader wants, as docs.rs
// shows them ("Available on crate feature rt only.", "Deprecated"), and the
// remaining attributes worth showing, the ones rustdoc shows on an item's page
// (shownAttrs: #[must_use], #[non_exhaustive], #[repr(…)], #[no_mangle],
// #[export_name], #[link_section]) and derives — not lints, #[inline],
// #[cfg_attr(…)], a crate root's #![…], nor those the signature shows.
func Attributes(s docpack.Symbol) (notes, rest []string) {
	seen := map[string]bool{}
	var features []string
	deprecated := false
	for _, a := range s.Attributes {
		a = strings.TrimSpace(a)
		if a == "" || seen[a] {
			continue
		}
		seen[a] = true
		inner := strings.TrimSuffix(strings.TrimPrefix(a, "#["), "]")
		switch {
		case strings.HasPrefix(inner, "doctown::"):
			continue
		case strings.HasPrefix(inner, "deprecated"):
			deprecated = true
		case (strings.HasPrefix(inner, "cfg(") || strings.HasPrefix(compact(inner), "cfg_attr(docsrs") || strings.HasPrefix(compact(inner), "doc(cfg(")) &&
			!strings.Contains(inner, "not(") && featureRe.MatchString(inner):
			for _, m := range featureRe.FindAllStringSubmatch(inner, -1) {
				if !contains(features, m[1]) {
					features = append(features, m[1])
				}
			}
			continue
		case strings.HasPrefix(compact(inner), "doc(cfg"), strings.HasPrefix(compact(inner), "cfg_attr(doc"):
			// docs.rs's own badge markup: the availability note says it.
			continue
		}
		if strings.Contains(s.Signature, a) || !shownAttr(inner) {
			continue
		}
		rest = append(rest, a)
	}
	if deprecated {
		notes = append(notes, "Deprecated")
	}
	switch len(features) {
	case 0:
	case 1:
		notes = append(notes, "Available on crate feature "+features[0]+" only.")
	default:
		notes = append(notes, "Available on crate features "+strings.Join(features, ", ")+" only.")
	}
	return notes, rest
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// compact drops an attribute's spaces and line breaks: "doc( cfg(…))" as
// a macro's tokens render it reads "doc(cfg(…))".
func compact(s string) string { return strings.Join(strings.Fields(s), "") }
