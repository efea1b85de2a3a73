package components

import (
	"regexp"
	"strings"

	"github.com/doctown/doctown/docpack"
)

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

// StripAttributes drops the attribute lines (#[…]) that lead a signature.
func StripAttributes(sig string) string {
	lines := strings.Split(strings.TrimSpace(sig), "\n")
	i := 0
	for i < len(lines)-1 && strings.HasPrefix(strings.TrimSpace(lines[i]), "#[") {
		i++
	}
	return strings.Join(lines[i:], "\n")
}

// OneLine joins s's lines and collapses runs of spaces.
func OneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// FormatSignature lays a signature out as rustfmt and docs.rs do once it is
// wider than width: one parameter per line, and the where clause below with
// one predicate per line. Attribute lines are kept as they are.
func FormatSignature(sig string, width int) string {
	lines := strings.Split(strings.TrimSpace(sig), "\n")
	var attrs []string
	for len(lines) > 1 && strings.HasPrefix(strings.TrimSpace(lines[0]), "#[") {
		attrs = append(attrs, strings.TrimSpace(lines[0]))
		lines = lines[1:]
	}
	body := OneLine(strings.Join(lines, " "))
	if len(body) <= width {
		return strings.Join(append(attrs, body), "\n")
	}
	head, where := splitWhere(body)
	var out []string
	if open, close := paramList(head); open >= 0 && len(head) > width {
		params := splitTop(head[open+1 : close])
		out = append(out, head[:open+1])
		for _, p := range params {
			out = append(out, "    "+p+",")
		}
		out = append(out, strings.TrimSpace(")"+head[close+1:]))
	} else {
		out = append(out, head)
	}
	if where != "" {
		brace := ""
		if strings.HasSuffix(where, "{") {
			where, brace = strings.TrimSpace(strings.TrimSuffix(where, "{")), "{"
		}
		out = append(out, "where")
		for _, p := range splitTop(where) {
			out = append(out, "    "+p+",")
		}
		if brace != "" {
			out = append(out, brace)
		}
	}
	return strings.Join(append(attrs, out...), "\n")
}

// splitWhere cuts a one-line signature at its top-level " where ".
func splitWhere(s string) (head, where string) {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<', '(', '[':
			depth++
		case '>', ')', ']':
			if s[i] == '>' && i > 0 && s[i-1] == '-' {
				continue
			}
			depth--
		case ' ':
			if depth == 0 && strings.HasPrefix(s[i:], " where ") {
				return s[:i], strings.TrimSpace(s[i+len(" where "):])
			}
		}
	}
	return s, ""
}

// paramList finds the parentheses of a fn's parameter list.
func paramList(s string) (open, close int) {
	i := strings.Index(s, "fn ")
	if i < 0 {
		return -1, -1
	}
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '<':
			depth++
		case '>':
			if s[j-1] != '-' {
				depth--
			}
		case '(':
			if depth == 0 {
				open = j
				n := 0
				for k := j; k < len(s); k++ {
					switch s[k] {
					case '(':
						n++
					case ')':
						n--
						if n == 0 {
							return open, k
						}
					}
				}
				return -1, -1
			}
		}
	}
	return -1, -1
}

// splitTop splits s at its top-level commas, dropping empty parts.
func splitTop(s string) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<', '(', '[', '{':
			depth++
		case '>', ')', ']', '}':
			if s[i] == '>' && i > 0 && s[i-1] == '-' {
				continue
			}
			depth--
		case ',':
			if depth == 0 {
				if p := strings.TrimSpace(s[start:i]); p != "" {
					parts = append(parts, p)
				}
				start = i + 1
			}
		}
	}
	if p := strings.TrimSpace(s[start:]); p != "" {
		parts = append(parts, p)
	}
	return parts
}
