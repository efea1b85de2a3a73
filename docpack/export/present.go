package export

import (
	"regexp"
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

var (
	inlineLinkRe   = regexp.MustCompile(`\[((?:[^\[\]]|\[[^\[\]]*\])+)\]\(([^()\s]+)\)`)
	refLinkRe      = regexp.MustCompile(`\[((?:[^\[\]]|\[[^\[\]]*\])+)\]\[([^\[\]]+)\]`)
	shortcutLinkRe = regexp.MustCompile("\\[(`[^`\\]]+`)\\](?:[^\\[(:]|$)")
	linkDefRe      = regexp.MustCompile(`(?m)^\s{0,3}\[([^\]]+)\]:\s*(\S+)\s*$`)
)

// cleanLinks drops intra-doc link syntax, keeping the text (for one-line summaries).
func cleanLinks(s string) string { return index.CleanRustdoc(s) }

// links rewrites the intra-doc links of text, a part of symbol i's doc d, into
// relative Markdown links to the exported items, and leaves web links as they
// are. A link whose target is not in the export becomes its text.
func (e *exporter) links(i int, d docpack.Doc, text string) string {
	defs := map[string]string{}
	for _, m := range linkDefRe.FindAllStringSubmatch(text, -1) {
		defs[strings.ToLower(m[1])] = m[2]
	}
	text = linkDefRe.ReplaceAllStringFunc(text, func(m string) string {
		sub := linkDefRe.FindStringSubmatch(m)
		if isWeb(sub[2]) {
			return m
		}
		return ""
	})
	resolve := func(label, target string) (string, bool) {
		if isWeb(target) {
			return target, true
		}
		if a, ok := strings.CutPrefix(target, "#"); ok {
			// A rustdoc page anchor ("#method.new") names a member of the page's item.
			if j := e.memberAnchor(i, a); j >= 0 {
				return linkMark(j), true
			}
			return "", false
		}
		if j := e.target(i, target); j >= 0 {
			return linkMark(j), true
		}
		return "", false
	}
	var out []string
	fence := ""
	for _, ln := range strings.Split(text, "\n") {
		t := strings.TrimSpace(ln)
		if fence != "" || strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			if fence == "" {
				fence = t[:3]
			} else if strings.HasPrefix(t, fence) {
				fence = ""
			}
			out = append(out, ln)
			continue
		}
		ln = inlineLinkRe.ReplaceAllStringFunc(ln, func(m string) string {
			sub := inlineLinkRe.FindStringSubmatch(m)
			if h, ok := resolve(sub[1], sub[2]); ok {
				return "[" + sub[1] + "](" + h + ")"
			}
			return sub[1]
		})
		ln = refLinkRe.ReplaceAllStringFunc(ln, func(m string) string {
			sub := refLinkRe.FindStringSubmatch(m)
			target := sub[2]
			if t, ok := defs[strings.ToLower(target)]; ok {
				target = t
			}
			if h, ok := resolve(sub[1], target); ok {
				return "[" + sub[1] + "](" + h + ")"
			}
			return sub[1]
		})
		ln = shortcutLinkRe.ReplaceAllStringFunc(ln, func(m string) string {
			sub := shortcutLinkRe.FindStringSubmatch(m)
			tail := m[len(sub[1])+2:]
			target := strings.Trim(sub[1], "`")
			if t, ok := defs[strings.ToLower(sub[1])]; ok {
				target = t
			}
			if h, ok := resolve(sub[1], target); ok && h != "" {
				return "[" + sub[1] + "](" + h + ")" + tail
			}
			return sub[1] + tail
		})
		out = append(out, ln)
	}
	return strings.Join(out, "\n")
}

func isWeb(t string) bool {
	return strings.HasPrefix(t, "http://") || strings.HasPrefix(t, "https://") || strings.HasPrefix(t, "mailto:")
}

// target finds the symbol an intra-doc link target names from symbol i:
// the doc's resolved links first, then the index's lookup.
func (e *exporter) target(i int, t string) int {
	t = strings.TrimSpace(t)
	for _, p := range []string{"struct@", "enum@", "trait@", "fn@", "mod@", "type@", "const@", "static@", "macro@", "union@", "method@", "field@", "variant@", "value@", "tymethod@"} {
		t = strings.TrimPrefix(t, p)
	}
	t = strings.TrimSuffix(strings.TrimSuffix(t, "()"), "!")
	if j := strings.IndexAny(t, "<#"); j >= 0 {
		t = t[:j]
	}
	if t == "" {
		return -1
	}
	x := e.x
	crate := x.Symbols[i].Crate
	mod := x.ModuleOf(i)
	switch {
	case strings.HasPrefix(t, "crate::"):
		t = crate + t[len("crate"):]
	case strings.HasPrefix(t, "self::"):
		t = mod + t[len("self"):]
	case strings.HasPrefix(t, "super::"):
		p := mod
		for strings.HasPrefix(t, "super::") {
			if j := strings.LastIndex(p, "::"); j >= 0 {
				p = p[:j]
			}
			t = t[len("super::"):]
		}
		t = p + "::" + t
	}
	for _, cand := range []string{t, mod + "::" + t, crate + "::" + t} {
		if j, ok := x.ByPath(cand); ok {
			return j
		}
	}
	if !strings.Contains(t, "::") {
		return x.Resolve(t, i)
	}
	return -1
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
