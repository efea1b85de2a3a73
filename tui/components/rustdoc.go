package components

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/index"
)

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

// Wrap wraps s to lines of at most w cells at spaces, keeping "->" whole
// (ansi.Wrap breaks at every hyphen: "… EdgeIndex<Ix>) -" then "> Option<&E>").
func Wrap(s string, w int) []string {
	const arrow = "\uE000>" // a one-cell stand-in without a hyphen
	wrapped := ansi.Wrap(strings.ReplaceAll(s, "->", arrow), max(1, w), "")
	return strings.Split(strings.ReplaceAll(wrapped, arrow, "->"), "\n")
}

// MemberLabel is a member as docs.rs lists it: its signature on one line, or
// its name and kind.
func MemberLabel(s *docpack.Symbol) string {
	switch s.SymbolType {
	case docpack.KindMethod, docpack.KindFunction, docpack.KindTraitMethod, docpack.KindField,
		docpack.KindVariant, docpack.KindAssocConst, docpack.KindAssocType:
		if sig := OneLineSignature(s.Signature); sig != "" {
			return strings.TrimSuffix(strings.TrimSpace(strings.TrimSuffix(sig, "{")), ";")
		}
	}
	return s.Name + "  " + index.KindName(s.SymbolType)
}

// ImplLabel is an impl block's header on one line: "impl<T> Clone for Foo<T>".
func ImplLabel(s *docpack.Symbol) string {
	if s.Signature == "" {
		return s.Name
	}
	return strings.TrimSpace(strings.TrimSuffix(OneLineSignature(s.Signature), "{"))
}

// OneLineSignature is a signature written over several lines on one, as
// rustdoc prints it: "fn f(\n    a: A,\n) -> B" gives "fn f(a: A) -> B".
func OneLineSignature(sig string) string {
	s := OneLine(StripAttributes(sig))
	return strings.NewReplacer("( ", "(", ", )", ")").Replace(s)
}
