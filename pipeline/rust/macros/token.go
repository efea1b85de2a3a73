// Package macros expands macro_rules! macros the way rustc does, over token
// trees: it lexes Rust source into tokens, parses macro_rules! definitions
// into rules, matches a call's tokens against each rule in order (fragment
// specifiers, nested repetitions), transcribes the first rule that matches,
// and expands the item-position macro calls of the result in turn. Nothing
// here runs user code; every expansion is bounded in depth, size, steps and
// time, and a macro that cannot be expanded gives an error naming it.
package macros

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Kind is the kind of a token.
type Kind uint8

// Token kinds. A Group holds a delimited token tree; a group with Delim 0 is
// invisible: a fragment (an expr, ty, … matched by a macro) that stays one
// unit when it is passed on to another macro, as rustc's nonterminals do.
const (
	Ident Kind = iota + 1
	Lifetime
	Literal
	Punct
	Group
)

// Token is one token tree.
type Token struct {
	Text string // identifier, lifetime, literal or punctuation text
	Frag string // fragment groups: the specifier they matched (expr, ty, …)
	Kids []Token
	Line int // 1-based line in the file the token comes from
	// EndLine is the line of a group's closing delimiter.
	EndLine int
	// Kind and Delim last, side by side: 80 bytes a token, not 88 (an
	// expansion makes millions).
	Kind  Kind
	Delim byte // groups: '(', '[', '{', or 0 for a fragment
}

func (t Token) String() string { return Render([]Token{t}) }

func (t Token) isPunct(text string) bool { return t.Kind == Punct && t.Text == text }

func (t Token) isIdent(text string) bool { return t.Kind == Ident && t.Text == text }

// LexError is a source text that is not a sequence of token trees.
type LexError struct {
	Line int
	Msg  string
}

func (e *LexError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// puncts are rustc's multi-character punctuation tokens, longest first.
var puncts = []string{"<<=", ">>=", "...", "..=", "::", "->", "=>", "==", "!=", "<=", ">=", "&&", "||",
	"+=", "-=", "*=", "/=", "%=", "^=", "&=", "|=", "<<", ">>", ".."}

// punctsAt are the puncts by their first character, longest first still: a
// punctuation character is looked for among its few, not all of them.
var punctsAt = func() (at [128][]string) {
	for _, p := range puncts {
		at[p[0]] = append(at[p[0]], p)
	}
	return at
}()

// Lex turns src into token trees. line is the line of src[0] in its file.
// Doc comments become #[doc = "…"] attributes, as rustc sees them; other
// comments are dropped. Unbalanced or mismatched delimiters are an error.
func Lex(src string, line int) ([]Token, error) {
	return LexInto(src, line, nil)
}

// LexInto is Lex with the groups' tokens appended to *arena instead of
// to chunks shared with other calls (a new arena is allocated when it is
// full): a caller that lexes text after text, reads the tokens and drops
// them, such as the signature printer, reuses one arena and allocates
// nothing once it is big enough. The tokens are the arena's until the
// caller reuses it. A nil arena is Lex.
func LexInto(src string, line int, arena *[]Token) ([]Token, error) {
	return lex(&lexer{src: src, line: line, arena: arena})
}

// LexDefs is Lex for Table.ScanFile, which reads only the macro_rules!
// definitions of a file and the attributes before them: a group whose text
// does not hold "macro_rules", and is neither a definition's body nor an
// attribute, comes without its tokens, so do doc comments outside the
// bodies, and a run of the other tokens outside them is one placeholder
// (see push). A file is lexed whole for its few definitions (syn's expr.rs,
// 120 KB, for its three), and the tokens of the rest were most of what the
// lexing allocated. The errors are Lex's.
func LexDefs(src string, line int) ([]Token, error) {
	l := &lexer{src: src, line: line, defsOnly: true}
	for i := 0; ; {
		k := strings.Index(src[i:], "macro_rules")
		if k < 0 {
			break
		}
		l.marks = append(l.marks, i+k)
		i += k + len("macro_rules")
	}
	return lex(l)
}

func lex(l *lexer) ([]Token, error) {
	w := getLexWork()
	defer putLexWork(w)
	l.w, l.stack = w, w.stack
	toks, closer, err := l.trees(0)
	w.stack, w.used = l.stack, max(w.used, l.used)
	if err != nil {
		return nil, err
	}
	if closer != 0 {
		return nil, &LexError{l.line, fmt.Sprintf("unexpected closing %q", closer)}
	}
	return toks, nil
}

type lexer struct {
	src  string
	pos  int
	line int
	w    *lexWork
	// stack holds the tokens of the groups being lexed, innermost last;
	// each group's are copied out once, at its exact size, when it closes.
	stack []Token
	used  int // the most tokens stack has held (see reuse)
	// arena, when set, is where the groups are copied out to (LexInto).
	arena *[]Token
	// defsOnly is LexDefs: marks are where "macro_rules" occurs in src, and
	// whole counts the groups being lexed that are kept whole (definitions'
	// bodies and attributes).
	defsOnly bool
	marks    []int
	whole    int
}

// dropped reports, for LexDefs, whether the group opened by open, its text
// src[start:l.pos], comes without its tokens: it is not kept whole and holds
// no definition.
func (l *lexer) dropped(open byte, start int) bool {
	if !l.defsOnly || l.whole > 0 || open == 0 {
		return false
	}
	i, _ := slices.BinarySearch(l.marks, start)
	return i == len(l.marks) || l.marks[i] >= l.pos
}

// defBody reports whether the group about to be opened is the body of
// `macro_rules! name`, the last tokens of the stack from mark.
func (l *lexer) defBody(mark int) bool {
	s := l.stack[mark:]
	n := len(s)
	return n >= 3 && s[n-3].isIdent("macro_rules") && s[n-2].isPunct("!") && s[n-1].Kind == Ident
}

// group is a copy of a finished group's tokens, at its size.
func (l *lexer) group(toks []Token) []Token {
	if l.arena == nil {
		return l.w.slab.copy(toks)
	}
	a := *l.arena
	if len(a)+len(toks) > cap(a) {
		// The groups already copied stay in the old arena.
		a = make([]Token, 0, max(2*cap(a), len(toks), 256))
	}
	start := len(a)
	a = append(a, toks...)
	*l.arena = a
	return a[start:len(a):len(a)]
}

// lexWork is what a lexer reuses from the lexers before it: the buffer it
// builds its groups in and the slab they are copied out to.
type lexWork struct {
	stack []Token
	used  int // the most tokens stack has held (see reuse)
	slab  slab
}

var lexWorks sync.Pool

func getLexWork() *lexWork {
	if w, ok := lexWorks.Get().(*lexWork); ok {
		return w
	}
	return &lexWork{stack: make([]Token, 0, 256)}
}

func putLexWork(w *lexWork) {
	w.stack, w.used = reuse(w.stack, w.used), 0
	lexWorks.Put(w)
}

// maxScratch is the largest buffer kept for reuse (a huge call's is dropped).
const maxScratch = 1 << 16

// reuse is b emptied for reuse, cleared so that it keeps nothing alive; nil
// when it is too large to keep. used is the most tokens it held: only those
// are cleared, the rest being zero still. Clearing the whole capacity of
// every buffer took 13% of the CPU of a build of winapi with every feature
// (a buffer grown by one big call is cleared at that size after each small
// one).
func reuse(b []Token, used int) []Token {
	if cap(b) > maxScratch {
		return nil
	}
	clear(b[:min(used, cap(b))])
	return b[:0]
}

// Closer is the closing delimiter of a group opened by open.
func Closer(open byte) byte { return closerOf(open) }

func closerOf(open byte) byte {
	switch open {
	case '(':
		return ')'
	case '[':
		return ']'
	}
	return '}'
}

// trees lexes up to the closing delimiter that matches open (0: end of input)
// and returns the closer it stopped at.
func (l *lexer) trees(open byte) ([]Token, byte, error) {
	mark := len(l.stack)
	defer func() {
		l.used = max(l.used, len(l.stack))
		l.stack = l.stack[:mark]
	}()
	startLine, start := l.line, l.pos
	for {
		if err := l.space(&l.stack); err != nil {
			return nil, 0, err
		}
		if l.pos >= len(l.src) {
			if open != 0 {
				return nil, 0, &LexError{startLine, fmt.Sprintf("unclosed %q", open)}
			}
			return l.group(l.stack[mark:]), 0, nil
		}
		c := l.src[l.pos]
		switch c {
		case '(', '[', '{':
			line := l.line
			l.pos++
			// LexDefs keeps a definition's body and an attribute whole.
			whole := l.defsOnly && (l.defBody(mark) || c == '[' && len(l.stack) > mark && l.stack[len(l.stack)-1].isPunct("#"))
			if whole {
				l.whole++
			}
			kids, closer, err := l.trees(c)
			if whole {
				l.whole--
			}
			if err != nil {
				return nil, 0, err
			}
			if closer != closerOf(c) {
				return nil, 0, &LexError{l.line, fmt.Sprintf("mismatched delimiter: %q opened on line %d closed by %q", c, line, closer)}
			}
			l.push(mark, Token{Kind: Group, Delim: c, Kids: kids, Line: line, EndLine: l.line}, whole || kids != nil)
			continue
		case ')', ']', '}':
			l.pos++
			if open == 0 {
				return nil, 0, &LexError{l.line, fmt.Sprintf("unexpected closing %q", c)}
			}
			if l.dropped(open, start) {
				return nil, c, nil
			}
			return l.group(l.stack[mark:]), c, nil
		}
		t, err := l.token()
		if err != nil {
			return nil, 0, err
		}
		l.push(mark, t, false)
	}
}

// push appends t to the tokens of the group being lexed, whose first is the
// stack's at mark. For LexDefs, outside the groups kept whole, a token
// Table.ScanFile cannot read as part of `#[…] macro_rules! name {…}` is
// pushed as a placeholder, and a run of them as one: a big file's top level
// is then a few tokens, not tens of thousands (winapi's winnt.rs), while no
// tokens become neighbours that were not. A group is such a token when it
// is not kept (whole, or with kids: it holds a definition).
func (l *lexer) push(mark int, t Token, kept bool) {
	if !l.defsOnly || l.whole > 0 || kept || l.defToken(mark, t) {
		l.stack = append(l.stack, t)
		return
	}
	if n := len(l.stack); n > mark && l.stack[n-1].Kind == Punct && l.stack[n-1].Text == "" {
		return
	}
	l.stack = append(l.stack, Token{Kind: Punct, Line: t.Line})
}

// defToken reports whether t, after the stack's tokens from mark, may be
// part of `#[…] macro_rules! name`: a #, the macro_rules, its ! and the
// name.
func (l *lexer) defToken(mark int, t Token) bool {
	s := l.stack[mark:]
	n := len(s)
	switch t.Kind {
	case Ident:
		return t.Text == "macro_rules" || n >= 2 && s[n-2].isIdent("macro_rules") && s[n-1].isPunct("!")
	case Punct:
		return t.Text == "#" || t.Text == "!" && n >= 1 && s[n-1].isIdent("macro_rules")
	}
	return false
}

// space skips whitespace and comments, turning doc comments into attributes.
func (l *lexer) space(out *[]Token) error {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == '\n':
			l.line++
			l.pos++
		case c == ' ' || c == '\t' || c == '\r':
			l.pos++
		case strings.HasPrefix(l.src[l.pos:], "//"):
			end := strings.IndexByte(l.src[l.pos:], '\n')
			if end < 0 {
				end = len(l.src) - l.pos
			}
			text := l.src[l.pos : l.pos+end]
			l.pos += end
			switch {
			case strings.HasPrefix(text, "///") && !strings.HasPrefix(text, "////"):
				*out = l.docAttr(*out, text[3:], false, l.line)
			case strings.HasPrefix(text, "//!"):
				*out = l.docAttr(*out, text[3:], true, l.line)
			}
		case strings.HasPrefix(l.src[l.pos:], "/*"):
			start, line := l.pos, l.line
			depth := 0
			for l.pos < len(l.src) {
				switch {
				case strings.HasPrefix(l.src[l.pos:], "/*"):
					depth++
					l.pos += 2
				case strings.HasPrefix(l.src[l.pos:], "*/"):
					depth--
					l.pos += 2
				default:
					if l.src[l.pos] == '\n' {
						l.line++
					}
					l.pos++
				}
				if depth == 0 {
					break
				}
			}
			if depth != 0 {
				return &LexError{line, "unterminated block comment"}
			}
			text := l.src[start:l.pos]
			switch {
			case strings.HasPrefix(text, "/**") && !strings.HasPrefix(text, "/***") && text != "/**/":
				*out = l.docAttr(*out, text[3:len(text)-2], false, line)
			case strings.HasPrefix(text, "/*!"):
				*out = l.docAttr(*out, text[3:len(text)-2], true, line)
			}
		default:
			return nil
		}
	}
	return nil
}

// docAttr appends to out the #[doc = r"…"] (or #![…]) a doc comment stands
// for.
func (l *lexer) docAttr(out []Token, text string, inner bool, line int) []Token {
	out = append(out, Token{Kind: Punct, Text: "#", Line: line})
	if inner {
		out = append(out, Token{Kind: Punct, Text: "!", Line: line})
	}
	if l.defsOnly && l.whole == 0 {
		// Outside a definition only #[macro_export] is read.
		return append(out, Token{Kind: Group, Delim: '[', Line: line})
	}
	kids := [...]Token{
		{Kind: Ident, Text: "doc", Line: line},
		{Kind: Punct, Text: "=", Line: line},
		{Kind: Literal, Text: rawString(text), Line: line},
	}
	return append(out, Token{Kind: Group, Delim: '[', Line: line, Kids: l.group(kids[:])})
}

// rawString quotes s as a raw string literal with enough hashes.
func rawString(s string) string {
	h := ""
	for strings.Contains(s, `"`+h) {
		h += "#"
	}
	return "r" + h + `"` + s + `"` + h
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isIdentCont(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

func (l *lexer) token() (Token, error) {
	s, start, line := l.src, l.pos, l.line
	c := s[l.pos]
	tok := func(k Kind) (Token, error) { return Token{Kind: k, Text: s[start:l.pos], Line: line}, nil }
	switch {
	case c == '"':
		if err := l.quoted('"'); err != nil {
			return Token{}, err
		}
		l.suffix()
		return tok(Literal)
	case (c == 'r' || c == 'b' || c == 'c') && l.stringPrefix():
		return tok(Literal)
	case c == '\'':
		return l.quote()
	case isIdentStart(c):
		if c == 'r' && strings.HasPrefix(s[l.pos:], "r#") && l.pos+2 < len(s) && isIdentStart(s[l.pos+2]) {
			l.pos += 2
		}
		for l.pos < len(s) && isIdentCont(s[l.pos]) {
			l.pos++
		}
		return tok(Ident)
	case c >= '0' && c <= '9':
		l.number()
		return tok(Literal)
	}
	for _, p := range punctsAt[c&0x7f] {
		if strings.HasPrefix(s[l.pos:], p) {
			l.pos += len(p)
			return tok(Punct)
		}
	}
	if strings.IndexByte("~!@#$%^&*-+=|;:,.<>/?", c) >= 0 {
		l.pos++
		return tok(Punct)
	}
	_, size := utf8.DecodeRuneInString(s[l.pos:])
	return Token{}, &LexError{line, fmt.Sprintf("unexpected character %q", s[l.pos:l.pos+size])}
}

// quoted consumes a "…" or '…' literal with escapes, starting at the quote.
func (l *lexer) quoted(q byte) error {
	line := l.line
	l.pos++
	for l.pos < len(l.src) {
		switch l.src[l.pos] {
		case '\\':
			l.pos++
			if l.pos < len(l.src) && l.src[l.pos] == '\n' {
				l.line++
			}
		case '\n':
			l.line++
		case q:
			l.pos++
			return nil
		}
		l.pos++
	}
	return &LexError{line, "unterminated literal"}
}

// stringPrefix lexes b"…", b'…', br"…", r"…", r#"…"#, c"…", cr"…" when the
// input starts with one.
func (l *lexer) stringPrefix() bool {
	s := l.src[l.pos:]
	i := 0
	if s[0] == 'b' || s[0] == 'c' {
		i = 1
		if len(s) > 1 && s[0] == 'b' && s[1] == '\'' {
			l.pos++
			if l.quoted('\'') != nil {
				l.pos--
				return false
			}
			return true
		}
	}
	raw := i < len(s) && s[i] == 'r'
	if raw {
		i++
	}
	hashes := 0
	for raw && i < len(s) && s[i] == '#' {
		hashes++
		i++
	}
	if i >= len(s) || s[i] != '"' {
		return false
	}
	if !raw {
		l.pos += i
		if l.quoted('"') != nil {
			l.pos -= i
			return false
		}
		l.suffix()
		return true
	}
	end := strings.Index(s[i+1:], `"`+strings.Repeat("#", hashes))
	if end < 0 {
		return false
	}
	n := i + 1 + end + 1 + hashes
	l.line += strings.Count(s[:n], "\n")
	l.pos += n
	l.suffix()
	return true
}

// suffix consumes a literal suffix (1u8, "x"suffix).
func (l *lexer) suffix() {
	for l.pos < len(l.src) && isIdentCont(l.src[l.pos]) {
		l.pos++
	}
}

// quote lexes a lifetime ('a, 'static) or a char literal ('a', '\n').
func (l *lexer) quote() (Token, error) {
	s, start, line := l.src, l.pos, l.line
	if l.pos+1 < len(s) && s[l.pos+1] != '\\' {
		_, size := utf8.DecodeRuneInString(s[l.pos+1:])
		if l.pos+1+size < len(s) && s[l.pos+1+size] == '\'' {
			l.pos += 2 + size
			return Token{Kind: Literal, Text: s[start:l.pos], Line: line}, nil
		}
		if isIdentStart(s[l.pos+1]) {
			l.pos++
			if strings.HasPrefix(s[l.pos:], "r#") {
				l.pos += 2
			}
			for l.pos < len(s) && isIdentCont(s[l.pos]) {
				l.pos++
			}
			return Token{Kind: Lifetime, Text: s[start:l.pos], Line: line}, nil
		}
	}
	if err := l.quoted('\''); err != nil {
		return Token{}, err
	}
	return Token{Kind: Literal, Text: s[start:l.pos], Line: line}, nil
}

// number lexes an integer or float literal with its suffix.
func (l *lexer) number() {
	s := l.src
	hex := strings.HasPrefix(s[l.pos:], "0x") || strings.HasPrefix(s[l.pos:], "0b") || strings.HasPrefix(s[l.pos:], "0o")
	if hex {
		l.pos += 2
	}
	for l.pos < len(s) {
		c := s[l.pos]
		switch {
		case isIdentCont(c):
			l.pos++
			if !hex && (c == 'e' || c == 'E') && l.pos < len(s) && (s[l.pos] == '+' || s[l.pos] == '-') {
				l.pos++
			}
		case c == '.' && !hex && l.pos+1 < len(s) && s[l.pos+1] >= '0' && s[l.pos+1] <= '9':
			l.pos++
		case c == '.' && !hex && (l.pos+1 >= len(s) || s[l.pos+1] != '.' && !isIdentStart(s[l.pos+1])):
			l.pos++ // 1. is a float
			return
		default:
			return
		}
	}
}

// Render writes tokens as source text. `$crate` becomes `crate` (the macros
// expanded here are the crate's own). A newline follows each `;` and `}`, so
// that the text stays readable.
func Render(toks []Token) string {
	s, _ := RenderLines(toks)
	return s
}

// needSpace decides whether a space goes between two adjacent tokens. Two
// punctuation tokens always get one, so that `-` `>` never becomes `->`.
func needSpace(a, b *Token) bool {
	// One switch on each side's text (every rendered token asks).
	if b.Kind == Punct {
		switch b.Text {
		case ",", ";", ":":
			return false
		case "::":
			if a.Kind == Ident || a.Kind == Group {
				return false
			}
		case "!":
			if a.Kind == Ident {
				return false
			}
		case ".":
			if a.Kind != Literal {
				return false
			}
		}
	}
	switch a.Kind {
	case Punct:
		switch a.Text {
		case "#":
			return !(b.Kind == Group && b.Delim != '{' || b.isPunct("!"))
		case "!":
			return !(b.Kind == Group && b.Delim != '{')
		case "::", "$", ".":
			return false
		case "&":
			return b.Kind != Ident && b.Kind != Lifetime
		}
	case Ident:
		return !(b.Kind == Group && b.Delim != '{' && !isKeyword(a.Text))
	}
	return true
}

func isKeyword(s string) bool {
	switch s {
	case "fn", "impl", "where", "for", "in", "if", "match", "return", "as", "dyn", "mut", "unsafe", "extern", "crate", "pub":
		return true
	}
	return false
}
