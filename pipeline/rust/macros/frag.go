package macros

// The fragment recognizer: how many tokens of toks[i:] a fragment specifier
// takes. It recognizes the Rust grammar only as far as a fragment's extent
// needs it. Where rustc's follow-set rules guarantee what comes after a
// fragment (an expr or stmt is followed by `=>`, `,` or `;`; a pat by `=>`,
// `,`, `=`, `|`, `if` or `in`), the fragment runs up to such a token at its
// own nesting level; types, paths, visibilities, items and meta items are
// parsed for real.

// fragKinds are the fragment specifiers macro_rules! accepts.
var fragKinds = map[string]bool{
	"ident": true, "ty": true, "expr": true, "expr_2021": true, "path": true, "tt": true, "item": true,
	"block": true, "pat": true, "pat_param": true, "lifetime": true, "literal": true, "vis": true,
	"meta": true, "stmt": true,
}

// transparent fragments are passed on as the tokens they matched; the others
// become one invisible group, as rustc's nonterminals do.
func transparent(kind string) bool { return kind == "ident" || kind == "lifetime" || kind == "tt" }

// parseFrag returns the number of tokens the fragment kind takes at toks[i:].
func parseFrag(kind string, toks []Token, i int) (int, bool) {
	p := &fragParser{toks: toks, pos: i}
	var ok bool
	if i < len(toks) && toks[i].Kind == Group && toks[i].Delim == 0 && toks[i].Frag != "" {
		// A fragment passed on whole is one, unless an expression goes on
		// after it: `$short as u32` (winapi's DEFINE_BLUETOOTH_UUID128
		// calling DEFINE_GUID) is one cast expression, as rustc parses it.
		goesOn := (kind == "expr" || kind == "expr_2021") && i+1 < len(toks) && !exprEnd(&toks[i+1])
		if fragAccepts(kind, toks[i].Frag) && !goesOn {
			return 1, true
		}
	}
	switch kind {
	case "ident":
		ok = i < len(toks) && toks[i].Kind == Ident && toks[i].Text != "_"
		p.pos++
	case "lifetime":
		ok = i < len(toks) && toks[i].Kind == Lifetime
		p.pos++
	case "tt":
		ok = i < len(toks)
		p.pos++
	case "literal":
		ok = p.literal()
	case "block":
		ok = i < len(toks) && toks[i].Kind == Group && toks[i].Delim == '{'
		p.pos++
	case "vis":
		p.vis()
		ok = true
	case "path":
		ok = p.path(true)
	case "ty":
		ok = p.ty()
	case "meta":
		ok = p.meta()
	case "item":
		ok = p.item()
	case "expr", "expr_2021":
		ok = p.until(exprEnd, true)
	case "stmt":
		if p.item() {
			ok = true
			break
		}
		p.pos = i
		ok = p.until(exprEnd, true)
	case "pat":
		ok = p.until(patEnd, false)
	case "pat_param":
		ok = p.until(patParamEnd, false)
	}
	if !ok || p.split {
		return 0, false
	}
	return p.pos - i - p.extra, true
}

// fragAccepts says whether a fragment already matched as have can be taken
// by a matcher asking for want.
func fragAccepts(want, have string) bool {
	switch want {
	case "tt":
		return true
	case "expr", "expr_2021", "stmt":
		return have == "expr" || have == "expr_2021" || have == "literal" || have == "path" || have == "block" || have == "stmt" && want == "stmt"
	case "ty":
		return have == "ty" || have == "path"
	case "pat", "pat_param":
		return have == "pat" || have == "pat_param" || have == "literal" || have == "path"
	}
	return want == have
}

type fragParser struct {
	toks []Token
	pos  int
	// split is set when the parser consumed the first '>' of a '>>' or '>='
	// token as a closing angle bracket.
	split bool
	extra int // tokens inserted by splitting '<<'
}

func (p *fragParser) peek() *Token {
	if p.pos < len(p.toks) {
		return &p.toks[p.pos]
	}
	return nil
}

func (p *fragParser) punct(s string) bool {
	if t := p.peek(); t != nil && t.isPunct(s) {
		p.pos++
		return true
	}
	return false
}

func (p *fragParser) ident(s string) bool {
	if t := p.peek(); t != nil && t.isIdent(s) {
		p.pos++
		return true
	}
	return false
}

func (p *fragParser) group(delim byte) bool {
	if t := p.peek(); t != nil && t.Kind == Group && t.Delim == delim {
		p.pos++
		return true
	}
	return false
}

func (p *fragParser) frag(kinds ...string) bool {
	if t := p.peek(); t != nil && t.Kind == Group && t.Delim == 0 {
		for _, k := range kinds {
			if fragAccepts(k, t.Frag) {
				p.pos++
				return true
			}
		}
	}
	return false
}

func (p *fragParser) literal() bool {
	p.punct("-")
	t := p.peek()
	if t == nil {
		return false
	}
	if t.Kind == Literal || t.isIdent("true") || t.isIdent("false") {
		p.pos++
		return true
	}
	return p.frag("literal")
}

func (p *fragParser) vis() {
	if p.ident("crate") {
		return
	}
	if p.ident("pub") {
		if t := p.peek(); t != nil && t.Kind == Group && t.Delim == '(' && len(t.Kids) > 0 {
			switch k := t.Kids[0]; {
			case k.isIdent("crate") && len(t.Kids) == 1, k.isIdent("self"), k.isIdent("super"), k.isIdent("in"):
				p.pos++
			}
		}
		return
	}
	p.frag("vis")
}

// path parses a path; in type position (inType) generic arguments need no `::`.
func (p *fragParser) path(inType bool) bool {
	if p.frag("path") {
		return true
	}
	if p.punct("<") { // qualified path <T as Trait>::x
		if !p.ty() {
			return false
		}
		if p.ident("as") && !p.path(true) {
			return false
		}
		if !p.closeAngle() {
			return false
		}
		if !p.punct("::") {
			return false
		}
	} else {
		p.punct("::")
	}
	for {
		t := p.peek()
		if t == nil || t.Kind != Ident {
			return false
		}
		p.pos++
		if p.split {
			return true
		}
		// Generic arguments: Foo<…>, Foo::<…>, Fn(A) -> B.
		save := p.pos
		if p.punct("::") {
			if t := p.peek(); t != nil && t.isPunct("<") {
				if !p.genericArgs() {
					return false
				}
			} else {
				p.pos = save
			}
		} else if inType {
			if t := p.peek(); t != nil && (t.isPunct("<") || t.isPunct("<<")) {
				if !p.genericArgs() {
					return false
				}
			} else if t != nil && t.Kind == Group && t.Delim == '(' && fnSugar(p.toks[p.pos-1].Text) {
				p.pos++
				if p.punct("->") && !p.ty() {
					return false
				}
			}
		}
		if p.split {
			return true
		}
		save = p.pos
		if !p.punct("::") {
			return true
		}
		if t := p.peek(); t == nil || t.Kind != Ident {
			if t != nil && t.isPunct("<") {
				if !p.genericArgs() {
					return false
				}
				if !p.punct("::") {
					return true
				}
				continue
			}
			p.pos = save
			return true
		}
	}
}

// fnSugar names the traits whose arguments are written Fn(A) -> B.
func fnSugar(name string) bool { return name == "Fn" || name == "FnMut" || name == "FnOnce" }

// closeAngle consumes a '>' (or the first half of '>>', '>=', '>>=').
func (p *fragParser) closeAngle() bool {
	if p.split {
		p.split = false
		p.pos++
		return true
	}
	t := p.peek()
	if t == nil || t.Kind != Punct {
		return false
	}
	switch t.Text {
	case ">":
		p.pos++
		return true
	case ">>", ">=", ">>=":
		p.split = true
		return true
	}
	return false
}

// genericArgs parses <…> of lifetimes, types, consts and bindings.
func (p *fragParser) genericArgs() bool {
	if p.punct("<<") { // <<T as Trait>::X>: two opening angles at once
		p.pos--
		p.toks = splitAngle(p.toks, p.pos)
		p.extra++
	}
	if !p.punct("<") {
		return false
	}
	for {
		if p.split {
			p.split = false
			p.pos++
			return true
		}
		if p.punct(">") {
			return true
		}
		t := p.peek()
		if t == nil {
			return false
		}
		if t.isPunct(">>") || t.isPunct(">=") || t.isPunct(">>=") {
			p.split = true
			return true
		}
		switch {
		case t.Kind == Lifetime:
			p.pos++
		case t.Kind == Literal || t.Kind == Group && t.Delim == '{' || t.isPunct("-"):
			p.pos++
			if t.isPunct("-") {
				p.pos++
			}
		case t.Kind == Ident && p.pos+1 < len(p.toks) && (p.toks[p.pos+1].isPunct("=") || p.toks[p.pos+1].isPunct(":")) &&
			!(p.pos+2 < len(p.toks) && p.toks[p.pos+1].isPunct(":") && p.toks[p.pos+2].isPunct(":")):
			p.pos += 2
			if p.toks[p.pos-1].isPunct(":") {
				if !p.bounds() {
					return false
				}
			} else if !p.ty() {
				return false
			}
		default:
			if !p.ty() {
				return false
			}
		}
		if p.split {
			continue
		}
		if !p.punct(",") {
			if p.split || p.peek() != nil && (p.peek().isPunct(">") || p.peek().isPunct(">>") || p.peek().isPunct(">=") || p.peek().isPunct(">>=")) {
				continue
			}
			return false
		}
	}
}

// splitAngle returns toks with the '<<' at i split into two '<' tokens.
func splitAngle(toks []Token, i int) []Token {
	out := make([]Token, 0, len(toks)+1)
	out = append(out, toks[:i]...)
	lt := Token{Kind: Punct, Text: "<", Line: toks[i].Line}
	out = append(out, lt, lt)
	return append(out, toks[i+1:]...)
}

// bounds parses trait and lifetime bounds joined by '+'.
func (p *fragParser) bounds() bool {
	for {
		t := p.peek()
		if t == nil {
			return true
		}
		switch {
		case t.Kind == Lifetime:
			p.pos++
		case t.isPunct("?") || t.isPunct("~"):
			p.pos++
			continue
		case t.isIdent("for"):
			p.pos++
			if !p.genericArgs() {
				return false
			}
			continue
		case t.Kind == Group && t.Delim == '(':
			p.pos++
		case t.Kind == Ident || t.isPunct("::") || t.isPunct("<"):
			if !p.path(true) {
				return false
			}
		default:
			return true
		}
		if p.split || !p.punct("+") {
			return true
		}
	}
}

// ty parses a type.
func (p *fragParser) ty() bool {
	if p.frag("ty") {
		return true
	}
	t := p.peek()
	if t == nil {
		return false
	}
	switch {
	case t.Kind == Group && (t.Delim == '(' || t.Delim == '['):
		p.pos++
		return true
	case t.isPunct("!") || t.isIdent("_"):
		p.pos++
		return true
	case t.isPunct("&") || t.isPunct("&&"):
		p.pos++
		if n := p.peek(); n != nil && n.Kind == Lifetime {
			p.pos++
		}
		p.ident("mut")
		return p.ty()
	case t.isPunct("*"):
		p.pos++
		if !p.ident("const") && !p.ident("mut") {
			return false
		}
		return p.ty()
	case t.isIdent("fn") || t.isIdent("unsafe") || t.isIdent("extern"):
		return p.fnPointer()
	case t.isIdent("for"):
		p.pos++
		if !p.genericArgs() {
			return false
		}
		if n := p.peek(); n != nil && (n.isIdent("fn") || n.isIdent("unsafe") || n.isIdent("extern")) {
			return p.fnPointer()
		}
		return p.bounds()
	case t.isIdent("impl") || t.isIdent("dyn"):
		p.pos++
		return p.bounds()
	case t.Kind == Ident || t.isPunct("::") || t.isPunct("<"):
		if !p.path(true) {
			return false
		}
		if p.split {
			return true
		}
		if p.punct("!") { // a macro in type position
			return p.group('(') || p.group('[') || p.group('{')
		}
		// Bare trait objects (2015): Trait + Send.
		if n := p.peek(); n != nil && n.isPunct("+") && p.pos+1 < len(p.toks) &&
			(p.toks[p.pos+1].Kind == Lifetime || p.toks[p.pos+1].Kind == Ident) {
			p.pos++
			return p.bounds()
		}
		return true
	}
	return false
}

func (p *fragParser) fnPointer() bool {
	p.ident("unsafe")
	if p.ident("extern") {
		if t := p.peek(); t != nil && t.Kind == Literal {
			p.pos++
		}
	}
	if !p.ident("fn") || !p.group('(') {
		return false
	}
	if p.punct("->") {
		return p.ty()
	}
	return true
}

// meta parses an attribute's content: path, path(…), path = expr.
func (p *fragParser) meta() bool {
	if p.frag("meta") {
		return true
	}
	if p.ident("unsafe") && p.group('(') {
		return true
	}
	if !p.path(false) {
		return false
	}
	if p.group('(') || p.group('[') || p.group('{') {
		return true
	}
	if p.punct("=") {
		return p.until(exprEnd, true)
	}
	return true
}

var itemKeywords = map[string]bool{
	"fn": true, "struct": true, "enum": true, "union": true, "trait": true, "impl": true, "mod": true,
	"const": true, "static": true, "type": true, "use": true, "extern": true, "unsafe": true,
	"async": true, "macro_rules": true, "auto": true, "default": true,
}

// item parses one item: attributes, visibility, then up to its body or `;`.
func (p *fragParser) item() bool {
	if p.frag("item") {
		return true
	}
	for p.punct("#") {
		if !p.group('[') {
			return false
		}
	}
	p.vis()
	t := p.peek()
	if t == nil || t.Kind != Ident {
		return p.frag("item")
	}
	kw := t.Text
	if !itemKeywords[kw] {
		// A macro call in item position: path!(…); path!{…}
		if !p.path(false) || !p.punct("!") {
			return false
		}
		p.ident(p.peekIdent())
		switch {
		case p.group('{'):
			return true
		case p.group('(') || p.group('['):
			return p.punct(";")
		}
		return false
	}
	if kw == "macro_rules" {
		p.pos++
		if !p.punct("!") {
			return false
		}
		p.pos++ // name
		if p.group('{') {
			return true
		}
		return (p.group('(') || p.group('[')) && p.punct(";")
	}
	// Items whose end is a `;`: const, static, type, use, extern crate.
	semi := kw == "const" || kw == "static" || kw == "type" || kw == "use" ||
		kw == "extern" && p.pos+1 < len(p.toks) && p.toks[p.pos+1].isIdent("crate")
	if kw == "const" && p.pos+1 < len(p.toks) && (p.toks[p.pos+1].isIdent("fn") || p.toks[p.pos+1].isIdent("unsafe") || p.toks[p.pos+1].isIdent("extern")) {
		semi = false
	}
	for p.pos < len(p.toks) {
		t := &p.toks[p.pos]
		p.pos++
		switch {
		case t.isPunct(";"):
			return true
		case !semi && t.Kind == Group && t.Delim == '{':
			// struct S { … } and impl/trait/mod/fn bodies; an extern block.
			return true
		}
	}
	return false
}

func (p *fragParser) peekIdent() string {
	if t := p.peek(); t != nil && t.Kind == Ident {
		return t.Text
	}
	return "\x00"
}

func exprEnd(t *Token) bool { return t.isPunct(",") || t.isPunct(";") || t.isPunct("=>") }

func patEnd(t *Token) bool {
	return t.isPunct(",") || t.isPunct("=>") || t.isPunct("=") || t.isIdent("if") || t.isIdent("in")
}

func patParamEnd(t *Token) bool { return patEnd(t) || t.isPunct("|") }

// until takes tokens up to one that end says ends the fragment, at least one.
// In expressions, commas inside closure parameters and turbofish arguments
// do not end it.
func (p *fragParser) until(end func(*Token) bool, expr bool) bool {
	start := p.pos
	angle := 0
	for p.pos < len(p.toks) {
		t := &p.toks[p.pos]
		if expr && t.isPunct("|") && (p.pos == start || p.toks[p.pos-1].isIdent("move") || p.toks[p.pos-1].isPunct("=") || p.toks[p.pos-1].isPunct("(")) {
			// closure parameters: skip to the closing '|'
			p.pos++
			for p.pos < len(p.toks) && !p.toks[p.pos].isPunct("|") {
				p.pos++
			}
			p.pos++
			continue
		}
		if expr && t.isPunct("::") && p.pos+1 < len(p.toks) && p.toks[p.pos+1].isPunct("<") {
			angle++
			p.pos += 2
			continue
		}
		if angle > 0 {
			switch {
			case t.isPunct(">"):
				angle--
			case t.isPunct(">>"):
				angle = max(angle-2, 0)
			case t.isPunct("<"):
				angle++
			}
			p.pos++
			continue
		}
		if end(t) {
			break
		}
		p.pos++
	}
	return p.pos > start && p.pos <= len(p.toks)
}
