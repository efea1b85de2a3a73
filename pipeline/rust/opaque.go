package rust

import "github.com/doctown/doctown/pipeline/rust/macros"

// The text of a macro expansion is parsed again by tree-sitter to read its
// items, and most of that text is what the extractor never reads: the bodies
// of functions (tokio's cfg_rt! { impl Runtime { … } }, winapi's RIDL!
// methods) and the values of constants (DEFINE_GUID!'s GUID { … }). Those
// groups are parsed as blanks instead: the same bytes with every character
// but newlines made a space, so the tree's items, their byte offsets and
// lines are those of the real text (which is what the extractor reads), and
// only the trees inside the blanked groups (never walked) are empty.

// opaqueGroups returns the groups of toks, an expansion read as items, whose
// contents the extractor does not read: function bodies and the value groups
// of named constants and statics, in item lists (the top level, and the
// bodies of impls, traits, modules, extern blocks and `const _: () = { … }`).
// Anything it does not recognise is left as it is.
func opaqueGroups(toks []macros.Token) map[*macros.Token]bool {
	set := map[*macros.Token]bool{}
	opaqueItems(toks, set)
	return set
}

// flatTokens lists toks with fragment groups (a macro's $item, $ty, …,
// written without delimiters) opened, as tree-sitter reads their text.
func flatTokens(toks []macros.Token, out []*macros.Token) []*macros.Token {
	for i := range toks {
		if toks[i].Kind == macros.Group && toks[i].Delim == 0 {
			out = flatTokens(toks[i].Kids, out)
			continue
		}
		out = append(out, &toks[i])
	}
	return out
}

func opaqueItems(toks []macros.Token, set map[*macros.Token]bool) {
	ts := flatTokens(toks, nil)
	for i := 0; i < len(ts); {
		i = opaqueItem(ts, i, set)
	}
}

func isWord(t *macros.Token, w string) bool { return t.Kind == macros.Ident && t.Text == w }

func isPunctTok(t *macros.Token, p string) bool { return t.Kind == macros.Punct && t.Text == p }

func isGroupTok(t *macros.Token, delim byte) bool { return t.Kind == macros.Group && t.Delim == delim }

// opaqueItem reads the item at ts[i] and returns where the next starts.
func opaqueItem(ts []*macros.Token, i int, set map[*macros.Token]bool) int {
	j := i
	// Attributes, outer and inner.
	for j < len(ts) && isPunctTok(ts[j], "#") {
		k := j + 1
		if k < len(ts) && isPunctTok(ts[k], "!") {
			k++
		}
		if k >= len(ts) || !isGroupTok(ts[k], '[') {
			return len(ts)
		}
		j = k + 1
	}
	if j >= len(ts) {
		return len(ts)
	}
	if isWord(ts[j], "pub") {
		j++
		if j < len(ts) && isGroupTok(ts[j], '(') {
			j++
		}
	}
	// Qualifiers before the keyword.
	for j < len(ts) {
		t := ts[j]
		next := func(w string) bool { return j+1 < len(ts) && isWord(ts[j+1], w) }
		switch {
		case isWord(t, "unsafe"), isWord(t, "async"), isWord(t, "default"), isWord(t, "auto"):
			j++
			continue
		case isWord(t, "const") && (next("fn") || next("unsafe") || next("async") || next("extern")):
			j++
			continue
		case isWord(t, "extern") && j+1 < len(ts) && ts[j+1].Kind == macros.Literal && j+2 < len(ts) && (isWord(ts[j+2], "fn") || isWord(ts[j+2], "unsafe")):
			j += 2
			continue
		case isWord(t, "extern") && next("fn"):
			j++
			continue
		}
		break
	}
	if j >= len(ts) {
		return len(ts)
	}
	kw := ts[j]
	switch {
	case isWord(kw, "fn"):
		b, end := itemBody(ts, j+1)
		if b >= 0 {
			set[ts[b]] = true
		}
		return end
	case isWord(kw, "impl"), isWord(kw, "trait"), isWord(kw, "mod"), isWord(kw, "extern"):
		b, end := itemBody(ts, j+1)
		if b >= 0 {
			opaqueItems(ts[b].Kids, set)
		}
		return end
	case isWord(kw, "const"), isWord(kw, "static"):
		return opaqueValue(ts, j+1, set)
	case isPunctTok(kw, ";"):
		return j + 1
	}
	_, end := itemBody(ts, j+1)
	return end
}

// itemBody finds the braces that end the item whose header starts at ts[j]
// (a body, a field list, a macro call's braces) or the `;` that ends it
// before any: it returns the index of the braces (-1 when it ended at a `;`)
// and where the next item starts. Braces inside a header (a const generic
// argument, `Foo<{ N }>`, or `use a::{b, c}`) follow a `<`, `,`, `=` or
// `::`; a body follows the end of a type, a parameter list or a macro's `!`.
func itemBody(ts []*macros.Token, j int) (body, end int) {
	for ; j < len(ts); j++ {
		t := ts[j]
		if isPunctTok(t, ";") {
			return -1, j + 1
		}
		if !isGroupTok(t, '{') || j == 0 {
			continue
		}
		switch p := ts[j-1]; {
		case p.Kind == macros.Ident, p.Kind == macros.Lifetime, p.Kind == macros.Literal,
			isGroupTok(p, '('), isGroupTok(p, '['),
			isPunctTok(p, ">"), isPunctTok(p, ">>"), isPunctTok(p, "!"):
			return j, j + 1
		}
	}
	return -1, len(ts)
}

// opaqueValue reads a const or static from after its keyword up to the `;`
// that always ends it: the groups of a named one's value are opaque; those
// of `const _: () = { … };` hold items. A type with angle brackets before
// the `=` (Foo<A = B> would hide it) leaves the value as it is.
func opaqueValue(ts []*macros.Token, j int, set map[*macros.Token]bool) int {
	semi := j
	for semi < len(ts) && !isPunctTok(ts[semi], ";") {
		semi++
	}
	if semi == len(ts) {
		return len(ts)
	}
	if j < semi && isWord(ts[j], "mut") {
		j++
	}
	eq := -1
	for k := j; k < semi && eq < 0; k++ {
		switch t := ts[k]; {
		case isPunctTok(t, "="):
			eq = k
		case t.Kind == macros.Punct && t.Text[0] == '<':
			return semi + 1
		}
	}
	switch {
	case eq < 0:
	case isWord(ts[j], "_"):
		if semi == eq+2 && isGroupTok(ts[eq+1], '{') {
			opaqueItems(ts[eq+1].Kids, set)
		}
	default:
		for _, v := range ts[eq+1 : semi] {
			if v.Kind == macros.Group {
				set[v] = true
			}
		}
	}
	return semi + 1
}

// blankSpans is text with the bytes of spans made spaces, newlines kept.
func blankSpans(text string, spans []macros.Span) []byte {
	b := []byte(text)
	for _, s := range spans {
		for i := s.Start; i < s.End; i++ {
			if b[i] != '\n' {
				b[i] = ' '
			}
		}
	}
	return b
}
