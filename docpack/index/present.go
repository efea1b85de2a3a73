package index

import (
	"regexp"
	"strings"

	"github.com/doctown/doctown/docpack"
)

// Presentation rules every viewer shares (web, TUI, open, export): a kind's
// title, the notes docs.rs shows for a symbol, and the cleaner of rustdoc
// markdown for text that cannot hold links.

// KindTitle is a kind as docs.rs titles a page: "Struct", "Trait method", …
func KindTitle(k docpack.Kind) string {
	s := strings.ReplaceAll(string(k), "_", " ")
	switch k {
	case docpack.KindTypeAlias:
		s = "type"
	case docpack.KindAssocType:
		s = "associated type"
	case docpack.KindAssocConst:
		s = "associated constant"
	case docpack.KindConst:
		s = "constant"
	}
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

var featureRe = regexp.MustCompile(`feature\s*=\s*"([^"]+)"`)

// Attributes splits a symbol's attributes into notes a reader wants, as docs.rs
// shows them ("Available on crate feature rt only.", "Deprecated"), and the
// remaining attributes worth showing: duplicates, the ones the signature
// already shows and doctown's own markers are dropped.
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
		case (strings.HasPrefix(inner, "cfg(") || strings.HasPrefix(inner, "cfg_attr(docsrs")) &&
			!strings.Contains(inner, "not(") && featureRe.MatchString(inner):
			for _, m := range featureRe.FindAllStringSubmatch(inner, -1) {
				if !contains(features, m[1]) {
					features = append(features, m[1])
				}
			}
			continue
		}
		if strings.Contains(s.Signature, a) {
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

var (
	refLink = regexp.MustCompile(`\[([^\]\n]+)\]\[[^\]\n]*\]`)
	// inlineLink is [text](target); a target with no scheme is an intra-doc path.
	inlineLink = regexp.MustCompile(`\[([^\]\n]+)\]\(([^)\s]+)\)`)
	// shortcutLink is [`Name`] or [Name::path], not followed by ( [ or :.
	shortcutLink = regexp.MustCompile("\\[(`[^`\\]\\n]+`|[A-Za-z_][A-Za-z0-9_:!]*)\\]([^(\\[:]|$)")
)

// CleanRustdoc makes rustdoc markdown read well in a terminal: intra-doc links
// ("[`Error`][crate::Error]", "[`JoinHandle`](super::JoinHandle)",
// "[`Runtime`]") become their text while web links stay; the hidden lines of
// rust code blocks ("# use foo;") are dropped, as docs.rs does; and fences with
// no language or rustdoc's (no_run, should_panic, …) are marked rust so they
// are highlighted.
func CleanRustdoc(md string) string {
	lines := strings.Split(md, "\n")
	out := lines[:0]
	inCode, rust := false, false
	for _, ln := range lines {
		t := strings.TrimSpace(ln)
		if strings.HasPrefix(t, "```") {
			if !inCode {
				lang := strings.TrimSpace(strings.TrimPrefix(t, "```"))
				rust = isRustFence(lang)
				if rust && lang != "rust" {
					ln = ln[:strings.Index(ln, "```")] + "```rust"
				}
			}
			inCode = !inCode
			out = append(out, ln)
			continue
		}
		if inCode {
			if rust && (t == "#" || strings.HasPrefix(t, "# ")) {
				continue
			}
			out = append(out, ln)
			continue
		}
		ln = refLink.ReplaceAllString(ln, "$1")
		ln = inlineLink.ReplaceAllStringFunc(ln, func(m string) string {
			sub := inlineLink.FindStringSubmatch(m)
			if strings.Contains(sub[2], "://") || strings.HasPrefix(sub[2], "#") || strings.HasPrefix(sub[2], "mailto:") {
				return m
			}
			return sub[1]
		})
		ln = shortcutLink.ReplaceAllString(ln, "$1$2")
		out = append(out, ln)
	}
	return strings.Join(out, "\n")
}

func isRustFence(lang string) bool {
	if lang == "" {
		return true
	}
	for _, tag := range strings.Split(lang, ",") {
		switch t := strings.TrimSpace(tag); {
		case t == "rust", t == "no_run", t == "should_panic", t == "ignore", t == "compile_fail",
			strings.HasPrefix(t, "edition"), strings.HasPrefix(t, "ignore-"), len(t) == 5 && t[0] == 'E':
		default:
			return false
		}
	}
	return true
}
