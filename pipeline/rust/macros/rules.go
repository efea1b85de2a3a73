package macros

import (
	"errors"
	"fmt"
)

// Def is one macro_rules! definition.
type Def struct {
	Name   string
	File   string // file the definition is in (relative, forward slashes)
	Line   int
	Export bool // #[macro_export]
	Rules  []Rule
	// defines says the transcriber writes a macro_rules! definition.
	defines bool
}

// Rule is one `(matcher) => { transcriber }` arm.
type Rule struct {
	match []mElem
	body  []tElem
	nvars int // metavariables the matcher binds, numbered 0…nvars-1
}

type mKind uint8

const (
	mTok   mKind = iota + 1 // a token to match exactly
	mGroup                  // a delimited group of sub-matchers
	mFrag                   // $name:kind
	mRep                    // $( … ) sep op
)

type mElem struct {
	kind  mKind
	tok   Token // mTok
	delim byte  // mGroup
	name  string
	frag  string
	id    int // mFrag: the metavariable's number in its rule
	sub   []mElem
	sep   *Token
	op    byte  // '*', '+', '?'
	vars  []int // mRep: every metavariable bound inside, by number
}

type tKind uint8

const (
	tTok   tKind = iota + 1
	tGroup       // delimited group of transcriber elements
	tVar         // $name
	tRep         // $( … ) sep op
)

type tElem struct {
	kind  tKind
	tok   Token
	delim byte
	name  string
	id    int // tVar: the metavariable's number in the rule's matcher, -1 if it has none
	sub   []tElem
	sep   *Token
	op    byte
}

// ErrNoRules is returned for a definition whose body holds no rule.
var ErrNoRules = errors.New("macro has no rules")

// ParseDef parses the body of `macro_rules! name { … }` (the tokens inside
// the braces).
func ParseDef(name string, body []Token) (*Def, error) {
	d := &Def{Name: name}
	for i := 0; i < len(body); {
		lhs := body[i]
		if lhs.Kind != Group || lhs.Delim == 0 {
			return nil, fmt.Errorf("macro %s: line %d: expected a matcher in delimiters", name, lhs.Line)
		}
		if i+2 >= len(body) || !body[i+1].isPunct("=>") || body[i+2].Kind != Group {
			return nil, fmt.Errorf("macro %s: line %d: expected `=> { … }` after the matcher", name, lhs.Line)
		}
		m, err := parseMatcher(lhs.Kids)
		if err != nil {
			return nil, fmt.Errorf("macro %s: line %d: %w", name, lhs.Line, err)
		}
		t, err := parseTranscriber(body[i+2].Kids)
		if err != nil {
			return nil, fmt.Errorf("macro %s: line %d: %w", name, body[i+2].Line, err)
		}
		ids := map[string]int{}
		numberVars(m, ids)
		numberUses(t, ids)
		d.Rules = append(d.Rules, Rule{match: m, body: t, nvars: len(ids)})
		d.defines = d.defines || writesMacroRules(t)
		i += 3
		if i < len(body) && body[i].isPunct(";") {
			i++
		}
	}
	if len(d.Rules) == 0 {
		return nil, fmt.Errorf("macro %s: %w", name, ErrNoRules)
	}
	return d, nil
}

func writesMacroRules(body []tElem) bool {
	for _, e := range body {
		if e.kind == tTok && e.tok.Kind == Ident && e.tok.Text == "macro_rules" || writesMacroRules(e.sub) {
			return true
		}
	}
	return false
}

// repTail reads the optional separator and the operator after $( … ).
func repTail(toks []Token, i int) (sep *Token, op byte, next int, err error) {
	isOp := func(t Token) bool { return t.isPunct("*") || t.isPunct("+") || t.isPunct("?") }
	if i < len(toks) && isOp(toks[i]) {
		return nil, toks[i].Text[0], i + 1, nil
	}
	if i+1 < len(toks) && toks[i].Kind != Group && isOp(toks[i+1]) {
		s := toks[i]
		return &s, toks[i+1].Text[0], i + 2, nil
	}
	return nil, 0, 0, errors.New("expected `*`, `+` or `?` after a repetition")
}

func parseMatcher(toks []Token) ([]mElem, error) {
	var out []mElem
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.isPunct("$") && i+1 < len(toks) && toks[i+1].Kind == Group && toks[i+1].Delim == '(':
			sub, err := parseMatcher(toks[i+1].Kids)
			if err != nil {
				return nil, err
			}
			sep, op, next, err := repTail(toks, i+2)
			if err != nil {
				return nil, err
			}
			out = append(out, mElem{kind: mRep, sub: sub, sep: sep, op: op})
			i = next - 1
		case t.isPunct("$") && i+1 < len(toks) && toks[i+1].Kind == Ident:
			name := toks[i+1].Text
			if name == "crate" {
				out = append(out, mElem{kind: mTok, tok: Token{Kind: Ident, Text: "$crate"}})
				i++
				continue
			}
			if i+3 >= len(toks) || !toks[i+2].isPunct(":") || toks[i+3].Kind != Ident {
				return nil, fmt.Errorf("metavariable $%s has no fragment specifier", name)
			}
			kind := toks[i+3].Text
			if !fragKinds[kind] {
				return nil, fmt.Errorf("unknown fragment specifier $%s:%s", name, kind)
			}
			out = append(out, mElem{kind: mFrag, name: name, frag: kind})
			i += 3
		case t.Kind == Group:
			sub, err := parseMatcher(t.Kids)
			if err != nil {
				return nil, err
			}
			out = append(out, mElem{kind: mGroup, delim: t.Delim, sub: sub})
		default:
			out = append(out, mElem{kind: mTok, tok: t})
		}
	}
	return out, nil
}

// numberVars numbers the metavariables of a matcher in ids (a name bound
// twice keeps one number: the later binding is the one the transcriber
// sees) and fills in each repetition's vars.
func numberVars(m []mElem, ids map[string]int) {
	for i := range m {
		e := &m[i]
		switch e.kind {
		case mFrag:
			id, ok := ids[e.name]
			if !ok {
				id = len(ids)
				ids[e.name] = id
			}
			e.id = id
		case mGroup:
			numberVars(e.sub, ids)
		case mRep:
			numberVars(e.sub, ids)
			e.vars = boundVars(e.sub, nil)
		}
	}
}

func boundVars(m []mElem, dst []int) []int {
	for _, e := range m {
		switch e.kind {
		case mFrag:
			dst = append(dst, e.id)
		case mGroup, mRep:
			dst = boundVars(e.sub, dst)
		}
	}
	return dst
}

// numberUses gives each $name of a transcriber its number in the matcher,
// -1 for a name the matcher does not bind (written as is).
func numberUses(t []tElem, ids map[string]int) {
	for i := range t {
		e := &t[i]
		if e.kind == tVar {
			e.id = -1
			if id, ok := ids[e.name]; ok {
				e.id = id
			}
		}
		numberUses(e.sub, ids)
	}
}

func parseTranscriber(toks []Token) ([]tElem, error) {
	var out []tElem
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.isPunct("$") && i+1 < len(toks) && toks[i+1].Kind == Group && toks[i+1].Delim == '(':
			sub, err := parseTranscriber(toks[i+1].Kids)
			if err != nil {
				return nil, err
			}
			sep, op, next, err := repTail(toks, i+2)
			if err != nil {
				return nil, err
			}
			out = append(out, tElem{kind: tRep, sub: sub, sep: sep, op: op})
			i = next - 1
		case t.isPunct("$") && i+1 < len(toks) && toks[i+1].Kind == Ident:
			if toks[i+1].Text == "crate" {
				out = append(out, tElem{kind: tTok, tok: Token{Kind: Ident, Text: "$crate", Line: toks[i+1].Line}})
			} else {
				out = append(out, tElem{kind: tVar, name: toks[i+1].Text})
			}
			i++
		case t.isPunct("$") && i+1 < len(toks) && toks[i+1].Kind == Group && toks[i+1].Delim == '{':
			return nil, errors.New("metavariable expressions ${…} are not supported")
		case t.Kind == Group:
			sub, err := parseTranscriber(t.Kids)
			if err != nil {
				return nil, err
			}
			out = append(out, tElem{kind: tGroup, delim: t.Delim, sub: sub})
		default:
			out = append(out, tElem{kind: tTok, tok: t})
		}
	}
	return out, nil
}
