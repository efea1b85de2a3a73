package rust

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// textOf is b as a string without a copy. The extractor's buffers (a file
// read whole, an expansion's text) are never written after they are made,
// which is what makes sharing their memory safe; the symbols' texts are then
// substrings of the buffer instead of a copy each.
func textOf(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// bytesOf is s's bytes without a copy, for tree-sitter, which only reads them.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// normSpace collapses every run of whitespace to one space and trims the ends.
// A text that is already so is returned as it is, with no copy.
func normSpace(s string) string {
	if spaced(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '\n' || c == '\t' || c == '\r' {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteByte(c)
	}
	return b.String()
}

// spaced reports whether s has no whitespace but single spaces between
// words.
func spaced(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\n', '\t', '\r':
			return false
		case ' ':
			if s[i+1] == ' ' {
				return false
			}
		}
	}
	return true
}

// sha256Hex is the hex SHA-256 of s, made in one allocation (the string)
// where hex.EncodeToString makes two: winapi hashes 145,000 sources.
func sha256Hex(s string) string {
	h := sha256.Sum256(bytesOf(s))
	var b [2 * sha256.Size]byte
	hex.Encode(b[:], h[:])
	return string(b[:])
}

// visibilityOf reads the visibility written at the start of an item's text.
func visibilityOf(text string) string {
	if !strings.HasPrefix(text, "pub") || (len(text) > 3 && isIdent(text[3])) {
		if strings.HasPrefix(text, "crate ") {
			return "pub(crate)"
		}
		return "private"
	}
	rest := strings.TrimLeft(text[3:], " \t\r\n")
	if !strings.HasPrefix(rest, "(") {
		return "pub"
	}
	end := strings.IndexByte(rest, ')')
	if end < 0 {
		return "pub"
	}
	inner := normSpace(rest[1:end])
	switch {
	case inner == "self":
		return "private"
	case inner == "crate" || inner == "super":
		return "pub(" + inner + ")"
	case strings.HasPrefix(inner, "in "):
		p := strings.ReplaceAll(strings.TrimSpace(inner[3:]), " ", "")
		return "pub(in " + p + ")"
	}
	// Not a restriction (e.g. a tuple field "pub (u8, u8)"): plain pub.
	return "pub"
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// docKind classifies a comment: 'o' outer doc, 'i' inner doc, 0 plain comment.
func docKind(c string) byte {
	switch {
	case strings.HasPrefix(c, "///"):
		if strings.HasPrefix(c, "////") {
			return 0
		}
		return 'o'
	case strings.HasPrefix(c, "//!"):
		return 'i'
	case strings.HasPrefix(c, "/**"):
		if strings.HasPrefix(c, "/***") || c == "/**/" {
			return 0
		}
		return 'o'
	case strings.HasPrefix(c, "/*!"):
		return 'i'
	}
	return 0
}

// commentDoc returns the doc text of a doc comment with its markers removed.
func commentDoc(c string) string {
	if strings.HasPrefix(c, "//") {
		return strings.TrimRight(c[3:], "\r\n")
	}
	body := c[3:]
	body = strings.TrimSuffix(body, "*/")
	lines := strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
	// Like rustdoc: drop a first/last line made only of '*' or spaces, and a
	// common " * " prefix.
	if len(lines) > 1 && strings.Trim(lines[0], "* \t") == "" {
		lines = lines[1:]
	}
	if len(lines) > 1 && strings.Trim(lines[len(lines)-1], "* \t") == "" {
		lines = lines[:len(lines)-1]
	}
	star := len(lines) > 1
	for _, l := range lines[min(1, len(lines)):] {
		t := strings.TrimLeft(l, " \t")
		if t != "" && !strings.HasPrefix(t, "*") {
			star = false
			break
		}
	}
	if star {
		for i, l := range lines {
			if i == 0 {
				continue
			}
			t := strings.TrimLeft(l, " \t")
			lines[i] = strings.TrimPrefix(t, "*")
		}
	}
	return strings.Join(lines, "\n")
}

// docAttr reports whether attr is #[doc = …] / #![doc = …] and returns the
// string value. includeStr is set for doc = include_str!("…").
func docAttr(attr string) (val string, includeStr string, ok bool) {
	s := strings.TrimPrefix(attr, "#")
	s = strings.TrimPrefix(s, "!")
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
		return "", "", false
	}
	s = strings.TrimSpace(s[1 : len(s)-1])
	if !strings.HasPrefix(s, "doc") {
		return "", "", false
	}
	s = strings.TrimSpace(s[3:])
	if !strings.HasPrefix(s, "=") {
		return "", "", false
	}
	s = strings.TrimSpace(s[1:])
	if strings.HasPrefix(s, "include_str!") {
		r := strings.TrimSpace(strings.TrimPrefix(s, "include_str!"))
		if len(r) > 2 {
			if v, ok := rustString(strings.TrimSpace(r[1 : len(r)-1])); ok {
				return "", v, true
			}
		}
		return "", "", true
	}
	v, ok := rustString(s)
	return v, "", ok
}

// rustString decodes a Rust string literal (plain or raw).
func rustString(s string) (string, bool) {
	if strings.HasPrefix(s, "r") {
		i := 1
		for i < len(s) && s[i] == '#' {
			i++
		}
		hashes := s[1:i]
		if i >= len(s) || s[i] != '"' {
			return "", false
		}
		end := strings.LastIndex(s, `"`+hashes)
		if end <= i {
			return "", false
		}
		return s[i+1 : end], true
	}
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return "", false
	}
	s = s[1 : len(s)-1]
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '0':
			b.WriteByte(0)
		case '\\', '"', '\'':
			b.WriteByte(s[i])
		case '\n', '\r':
			for i+1 < len(s) && (s[i+1] == ' ' || s[i+1] == '\n' || s[i+1] == '\t' || s[i+1] == '\r') {
				i++
			}
		case 'x':
			if i+2 < len(s) {
				if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
					b.WriteByte(byte(v))
					i += 2
				}
			}
		case 'u':
			if end := strings.IndexByte(s[i:], '}'); end > 0 && i+1 < len(s) && s[i+1] == '{' {
				if v, err := strconv.ParseUint(strings.ReplaceAll(s[i+2:i+end], "_", ""), 16, 32); err == nil {
					b.WriteRune(rune(v))
				}
				i += end
			}
		default:
			b.WriteByte('\\')
			b.WriteByte(s[i])
		}
	}
	return b.String(), true
}

// unindentDoc joins doc fragments (each possibly multi-line) and removes the
// indentation common to all non-blank lines, the way rustdoc does.
func unindentDoc(frags []string) string {
	if len(frags) == 0 {
		return ""
	}
	lines := strings.Split(strings.Join(frags, "\n"), "\n")
	minIndent := -1
	for _, l := range lines {
		t := strings.TrimLeft(l, " \t")
		if t == "" {
			continue
		}
		if n := len(l) - len(t); minIndent < 0 || n < minIndent {
			minIndent = n
		}
	}
	for i, l := range lines {
		if len(l) >= minIndent && minIndent > 0 {
			lines[i] = l[minIndent:]
		} else {
			lines[i] = strings.TrimLeft(l, " \t")
		}
		lines[i] = strings.TrimRight(lines[i], " \t\r")
	}
	// Drop leading and trailing blank lines.
	for len(lines) > 0 && lines[0] == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n")
}

// isPrimitive reports whether word is a primitive type or a keyword that
// typeDeps leaves out (a switch: a map lookup hashed every word).
func isPrimitive(word string) bool {
	switch word {
	case "bool", "char", "str", "u8", "u16", "u32", "u64",
		"u128", "usize", "i8", "i16", "i32", "i64", "i128",
		"isize", "f32", "f64", "Self", "self", "crate", "super",
		"dyn", "impl", "mut", "const", "fn", "for", "where",
		"unsafe", "extern", "as", "static", "ref", "pub", "in",
		"async", "move":
		return true
	}
	return false
}

// genericNames returns the names of the type and const parameters declared in a
// "<…>" generics text.
func genericNames(tp string) []string {
	tp = strings.TrimSpace(tp)
	if len(tp) < 2 || tp[0] != '<' {
		return nil
	}
	var names []string
	depth := 0
	start := 1
	for i := 1; i < len(tp); i++ {
		switch tp[i] {
		case '<', '(', '[':
			depth++
		case '>', ')', ']':
			if depth == 0 || i == len(tp)-1 {
				names = appendGenericName(names, tp[start:i])
				return names
			}
			depth--
		case ',':
			if depth == 0 {
				names = appendGenericName(names, tp[start:i])
				start = i + 1
			}
		}
	}
	return names
}

func appendGenericName(names []string, p string) []string {
	p = strings.TrimSpace(p)
	p = strings.TrimPrefix(p, "const ")
	p = strings.TrimSpace(p)
	if p == "" || p[0] == '\'' {
		return names
	}
	end := 0
	for end < len(p) && isIdent(p[end]) {
		end++
	}
	if end > 0 {
		names = append(names, p[:end])
	}
	return names
}

// appendTypeDeps appends to dst the type identifiers used in the given
// type texts, in the order they come, leaving out primitives, keywords,
// lifetimes, path prefixes, associated type binding names and the names in
// skip (generic parameters).
func appendTypeDeps(dst, skip, texts []string) []string {
	for _, s := range texts {
		for i := 0; i < len(s); {
			c := s[i]
			if c == '\'' { // lifetime
				i++
				for i < len(s) && isIdent(s[i]) {
					i++
				}
				continue
			}
			if c == '"' { // string literal inside an attribute-like text
				i++
				for i < len(s) && s[i] != '"' {
					if s[i] == '\\' {
						i++
					}
					i++
				}
				i++
				continue
			}
			if !isIdent(c) || (c >= '0' && c <= '9') {
				i++
				continue
			}
			j := i
			for j < len(s) && isIdent(s[j]) {
				j++
			}
			word := s[i:j]
			i = j
			k := j
			for k < len(s) && s[k] == ' ' {
				k++
			}
			if strings.HasPrefix(s[k:], "::") || (k < len(s) && s[k] == '=' && !strings.HasPrefix(s[k:], "==")) {
				continue
			}
			if k < len(s) && s[k] == '!' { // a macro call
				continue
			}
			if isPrimitive(word) || !utf8.ValidString(word) {
				continue
			}
			skipped := false
			for _, g := range skip {
				if g == word {
					skipped = true
					break
				}
			}
			if !skipped {
				dst = append(dst, word)
			}
		}
	}
	return dst
}

// baseTypeName is the last path segment of a type text without generics or
// references: "&'a mut foo::Bar<T>" → "Bar".
func baseTypeName(t string) string {
	t = strings.TrimSpace(t)
	for {
		switch {
		case strings.HasPrefix(t, "&"):
			t = strings.TrimSpace(t[1:])
		case strings.HasPrefix(t, "'"):
			i := 1
			for i < len(t) && isIdent(t[i]) {
				i++
			}
			t = strings.TrimSpace(t[i:])
		case strings.HasPrefix(t, "mut "):
			t = strings.TrimSpace(t[4:])
		case strings.HasPrefix(t, "dyn "):
			t = strings.TrimSpace(t[4:])
		case strings.HasPrefix(t, "!"):
			t = strings.TrimSpace(t[1:])
		default:
			if i := strings.IndexAny(t, "<( "); i >= 0 {
				t = t[:i]
			}
			if i := strings.LastIndex(t, "::"); i >= 0 {
				t = t[i+2:]
			}
			return t
		}
	}
}

// implTypeName is the path segment the items of an impl of a foreign or
// generic type hang under: the type's name, or for the types rustdoc documents
// as primitives the primitive's name (slice, array, tuple, unit, never, pointer, fn),
// so `impl Deserialize for &'a [u8]` and `impl Default for [T; 0]` give
// "…::slice::deserialize" and "…::array::default".
func implTypeName(t string) string {
	t = strings.TrimSpace(t)
	for {
		switch {
		case strings.HasPrefix(t, "&"):
			t = strings.TrimSpace(t[1:])
		case strings.HasPrefix(t, "'"):
			i := 1
			for i < len(t) && isIdent(t[i]) {
				i++
			}
			t = strings.TrimSpace(t[i:])
		case strings.HasPrefix(t, "mut "):
			t = strings.TrimSpace(t[4:])
		case strings.HasPrefix(t, "dyn "), strings.HasPrefix(t, "impl "):
			t = strings.TrimSpace(t[strings.IndexByte(t, ' '):])
		case strings.HasPrefix(t, "["):
			if depthSplit(t[1:], ';') {
				return "array"
			}
			return "slice"
		case strings.HasPrefix(t, "()"):
			return "unit"
		case t == "!":
			return "never"
		case strings.HasPrefix(t, "("):
			return "tuple"
		case strings.HasPrefix(t, "*"):
			return "pointer"
		case strings.HasPrefix(t, "fn(") || strings.HasPrefix(t, "fn ("), strings.HasPrefix(t, "unsafe "),
			strings.HasPrefix(t, "extern "):
			return "fn"
		default:
			if n := baseTypeName(t); n != "" {
				return n
			}
			return "type"
		}
	}
}

// depthSplit reports whether sep occurs in s outside brackets, before the
// bracket that closes s's opening one.
func depthSplit(s string, sep byte) bool {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[', '(', '<':
			depth++
		case ']', ')', '>':
			if depth == 0 {
				return false
			}
			depth--
		default:
			if s[i] == sep && depth == 0 {
				return true
			}
		}
	}
	return false
}

// typePathSegs returns the path segments of a type text without generics:
// "crate::a::Foo<T>" → [crate a Foo].
func typePathSegs(t string) []string {
	t = strings.TrimSpace(t)
	for strings.HasPrefix(t, "&") || strings.HasPrefix(t, "dyn ") || strings.HasPrefix(t, "mut ") || strings.HasPrefix(t, "!") {
		t = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(t, "&"), "dyn "), "mut "), "!"))
		if strings.HasPrefix(t, "'") {
			i := 1
			for i < len(t) && isIdent(t[i]) {
				i++
			}
			t = strings.TrimSpace(t[i:])
		}
	}
	if i := strings.IndexAny(t, "<( "); i >= 0 {
		t = t[:i]
	}
	t = strings.TrimPrefix(t, "::")
	return strings.Split(t, "::")
}
