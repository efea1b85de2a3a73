package rust

import (
	"strings"
	"sync"

	"github.com/doctown/doctown/pipeline/rust/macros"
)

// printSig is the one printer of signatures and the types in them: the
// tokens of text joined with the spacing rustfmt gives them and rustdoc
// shows (`pub fn spawn<T>(future: T) -> JoinHandle<T::Output>`), whatever the
// text's own spacing was: a signature written over several lines, and the
// token-spaced text of a macro expansion (`spawn < T > (future : T)`), both
// come out that way. Comments are dropped. Text that does not lex (a
// signature cut at an unbalanced delimiter) keeps its words as written,
// whitespace collapsed.
func printSig(text string) string {
	if !needsPrint(text) {
		return text
	}
	return lexPrint(text)
}

// lexPrint is printSig of a text needsPrint holds.
func lexPrint(text string) string {
	arena, _ := sigArenas.Get().(*[]macros.Token)
	if arena == nil {
		arena = new([]macros.Token)
	}
	defer putSigArena(arena)
	toks, err := macros.LexInto(text, 1, arena)
	if err != nil {
		return normSpace(text)
	}
	var p sigPrinter
	p.b.Grow(len(text))
	if n := len(toks); n > 0 && toks[n-1].Kind == macros.Punct && toks[n-1].Text == "," {
		toks = toks[:n-1] // a where clause's trailing comma, cut from its body
	}
	p.trees(toks, false)
	return p.b.String()
}

// sigArenas are the token arenas printSig lexes into (macros.LexInto): the
// tokens of a signature are dropped once it is printed, and allocating them
// was a third of the tokens winapi's extraction allocated.
var sigArenas sync.Pool

// maxSigArena is the largest arena kept for reuse.
const maxSigArena = 1 << 14

// putSigArena clears the tokens of arena, which point into the text printed,
// and keeps it for the next printSig.
func putSigArena(arena *[]macros.Token) {
	a := *arena
	clear(a)
	if cap(a) <= maxSigArena {
		*arena = a[:0]
		sigArenas.Put(arena)
	}
}

// sigCache remembers the signatures one extraction printed: the same texts
// come back often (winapi's #[ inline] and #[ repr( C)] from its macros'
// expansions, tokio's #[cfg_attr(docsrs, doc(cfg(feature = "rt")))]: 35% and
// 67% of the texts printed), and printing one lexes it. Symbols that share a
// text share its printed string too. Safe for concurrent use; nil prints
// without a cache.
type sigCache struct {
	mu sync.Mutex
	m  map[string]string
}

const (
	maxCachedSig = 256     // longer texts are printed each time
	maxSigCache  = 1 << 15 // texts remembered at most
)

// print is printSig(text), from the cache when text was printed before.
func (c *sigCache) print(text string) string {
	if !needsPrint(text) {
		return text
	}
	if c == nil || len(text) > maxCachedSig {
		return lexPrint(text)
	}
	c.mu.Lock()
	out, ok := c.m[text]
	c.mu.Unlock()
	if ok {
		return out
	}
	out = lexPrint(text)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]string{}
	}
	if len(c.m) < maxSigCache {
		// The key is a copy: text is a substring of a file or an
		// expansion, which the cache would otherwise keep alive. Made
		// only when it is kept: once the cache is full, most texts
		// printed are new (winapi: 100,000 copies an extraction, most
		// thrown away).
		key := strings.Clone(text)
		if out == text {
			out = key
		}
		c.m[key] = out
	}
	return out
}

// needsPrint reports whether text may differ from its printed form: any
// whitespace but a single space, a comment, or a space beside punctuation
// that rustfmt writes without one. Most signatures as written are printed
// already and are returned as they are.
func needsPrint(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\n', '\t', '\r', '/':
			return true
		case ' ':
			if i == 0 || i == len(s)-1 || s[i+1] == ' ' {
				return true
			}
			switch s[i-1] {
			case '(', '[', '<', '&', ':', '.', '#', '!', '$', '*', '-', '?', '\'':
				return true
			}
			switch s[i+1] {
			case ')', ']', '>', ',', ';', ':', '.', '(', '[', '<', '?', '!':
				return true
			}
		}
	}
	return false
}

type sigPrinter struct {
	b    strings.Builder
	prev macros.Token // the last token written (a group's delimiters as Punct)
	any  bool
}

// trees writes toks, the tokens of a group when nested (else of the whole
// text). The count of the angle brackets open in the group is a local of
// each call, not a stack in the printer: that stack was allocated for each
// text printed.
func (p *sigPrinter) trees(toks []macros.Token, nested bool) {
	angles := 0
	// A trailing comma of a list of several ("(a: u8, b: u8,)") is left out,
	// as rustfmt does on one line; a one-tuple's ("(T,)") is kept.
	// So is a parameter list's single one ("(arr: T,)"): a `:` at its top
	// level says it is not a tuple type.
	if n := len(toks); n > 1 && toks[n-1].Kind == macros.Punct && toks[n-1].Text == "," && (commas(toks) > 1 || hasPunct(toks, ":")) {
		toks = toks[:n-1]
	}
	for i := 0; i < len(toks); i++ {
		t := &toks[i]
		if nested && docAttrTokens(toks[i:]) {
			i++ // a field's doc comment inside a signature, lexed as #[doc = "…"]
			continue
		}
		if t.Kind == macros.Group {
			if t.Delim == 0 {
				p.trees(t.Kids, true)
				continue
			}
			p.write(macros.Token{Kind: macros.Punct, Text: delimText(t.Delim)}, false)
			p.trees(t.Kids, true)
			p.write(macros.Token{Kind: macros.Punct, Text: delimText(macros.Closer(t.Delim))}, false)
			continue
		}
		p.token(*t, &angles)
	}
}

// delimText is the text of a delimiter, a constant: string(d) allocates
// (two allocations a group printed).
func delimText(d byte) string {
	switch d {
	case '(':
		return "("
	case ')':
		return ")"
	case '[':
		return "["
	case ']':
		return "]"
	case '{':
		return "{"
	}
	return "}"
}

// docAttrTokens reports whether toks start with a #[doc = …] attribute: the
// lexer turns a doc comment into one, and rustdoc shows fields' docs apart
// from the signature. An attribute printed on its own (#[doc(hidden)],
// #[doc(cfg(unix))]) is at the top level and never dropped.
func docAttrTokens(toks []macros.Token) bool {
	if len(toks) < 2 || toks[0].Kind != macros.Punct || toks[0].Text != "#" ||
		toks[1].Kind != macros.Group || toks[1].Delim != '[' {
		return false
	}
	k := toks[1].Kids
	return len(k) > 1 && k[0].Kind == macros.Ident && k[0].Text == "doc" && k[1].Kind == macros.Punct && k[1].Text == "="
}

// hasPunct reports whether toks hold the punctuation text at their top level.
func hasPunct(toks []macros.Token, text string) bool {
	for _, t := range toks {
		if t.Kind == macros.Punct && t.Text == text {
			return true
		}
	}
	return false
}

func commas(toks []macros.Token) int {
	n := 0
	for _, t := range toks {
		if t.Kind == macros.Punct && t.Text == "," {
			n++
		}
	}
	return n
}

// token writes one token, keeping count in *d of the angle brackets open in
// the current group: in a signature `<` opens generics (comparisons do not
// occur there outside braces).
func (p *sigPrinter) token(t macros.Token, d *int) {
	if t.Kind == macros.Punct {
		switch t.Text {
		case "<":
			p.write(t, false)
			*d++
			return
		case "<<": // two openings lexed as a shift: `KMerge<<I as IntoIterator>::IntoIter>`
			lt := macros.Token{Kind: macros.Punct, Text: "<"}
			p.write(lt, false)
			p.write(lt, false)
			*d += 2
			return
		case ">", ">>":
			if *d > 0 {
				*d -= len(t.Text)
				*d = max(*d, 0)
				p.write(t, true)
				return
			}
		}
	}
	p.write(t, false)
}

func (p *sigPrinter) write(t macros.Token, closeAngle bool) {
	if p.any && p.space(p.prev, t, closeAngle) {
		p.b.WriteByte(' ')
	}
	text := t.Text
	if t.Kind == macros.Ident && text == "$crate" {
		text = "crate"
	}
	p.b.WriteString(text)
	unary := false
	if t.Kind == macros.Punct {
		switch t.Text {
		case "&", "&&", "*", "-", "?":
			unary = !p.any || !operand(p.prev)
		case "!": // a macro's name before it, else a negation (`impl<T> !Send`)
			unary = !p.any || p.prev.Kind != macros.Ident || sigKeywords[p.prev.Text]
		}
	}
	p.prev, p.any = t, true
	if unary {
		p.prev.Frag = "unary"
	}
	if closeAngle {
		p.prev.Text = ">" // a closing angle, whatever its spelling
		p.prev.Frag = "angle"
	}
}

// keywords after which `(`, `[`, `&`, `*`, `-`, `!` start something new.
var sigKeywords = map[string]bool{
	"as": true, "dyn": true, "impl": true, "in": true, "mut": true, "where": true, "for": true,
	"return": true, "if": true, "match": true, "while": true, "const": true, "static": true,
	"unsafe": true, "extern": true, "move": true, "type": true, "let": true, "else": true, "ref": true,
}

// operand reports whether t ends an operand (so that a following `&`, `*`,
// `-` is a binary operator, and `(`, `[` a call or an index).
func operand(t macros.Token) bool {
	switch t.Kind {
	case macros.Ident:
		return !sigKeywords[t.Text]
	case macros.Literal, macros.Lifetime:
		return true
	case macros.Punct:
		return t.Text == ")" || t.Text == "]" || t.Text == "}" || t.Frag == "angle"
	}
	return false
}

// space decides whether a space goes between a and b, as rustfmt spaces them.
func (p *sigPrinter) space(a, b macros.Token, bClosesAngle bool) bool {
	at, bt := "", ""
	if a.Kind == macros.Punct {
		at = a.Text
	}
	if b.Kind == macros.Punct {
		bt = b.Text
	}
	if bClosesAngle {
		return false
	}
	switch at {
	case "(", "[", "::", "#", "$", ".":
		return false
	case "<":
		return false // generics: nothing after the opening angle
	case "{":
		return bt != "}"
	case "&", "&&", "*", "-", "!", "?":
		if a.Frag == "unary" {
			return false
		}
	case "..", "..=":
		return false
	}
	switch bt {
	case ")", "]", ",", ";", ":", ".", "?":
		if bt == "?" && !operand(a) {
			break // ?Sized
		}
		return false
	case "::":
		if a.Kind == macros.Ident {
			return sigKeywords[a.Text] // `*const ::c_char`, `dyn ::std::error::Error`
		}
		return at != "" && at != ">" && a.Frag != "angle" && at != ")" && at != "]"
	case "<":
		if a.Kind == macros.Ident && a.Text == "where" {
			return true // `where <T as Trait>::Output: Send`
		}
		return !(a.Kind == macros.Ident || at == "::")
	case "(":
		if a.Kind == macros.Ident && !sigKeywords[a.Text] || at == "!" || operand(a) && a.Kind == macros.Punct {
			return false
		}
	case "[":
		if operand(a) || at == "!" {
			return false
		}
	case "!":
		if a.Kind == macros.Ident && !sigKeywords[a.Text] {
			return false // a macro call
		}
	case "..", "..=":
		if operand(a) {
			return false
		}
	case "}":
		return at != "{"
	}
	return true
}
