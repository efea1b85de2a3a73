package macros

import (
	"errors"
	"fmt"
	"slices"
)

// errBudget stops a match or transcription that has used up its step budget.
var errBudget = errors.New("expansion step budget exhausted")

// node is what a metavariable is bound to: a fragment (one token, a fragment
// group for non-transparent kinds) or, inside repetitions, one node per
// iteration.
type node struct {
	tok   Token
	seq   []*node
	isSeq bool
}

// bind is a persistent list of bindings, so that backtracking drops them.
type bind struct {
	name string
	n    *node
	next *bind
}

func (b *bind) lookup(name string) *node {
	for ; b != nil; b = b.next {
		if b.name == name {
			return b.n
		}
	}
	return nil
}

// iterList is a persistent list of the iterations of a repetition.
type iterList struct {
	b    *bind
	prev *iterList
	n    int
}

// matcher matches a rule's matcher against a call's tokens with
// backtracking over repetition counts (rustc explores the same alternatives
// in parallel; a macro that compiles has one way to match, which both find).
type matcher struct {
	steps *budget
}

func (m *matcher) step() bool { return m.steps.take() }

func tokEq(a, b Token) bool {
	if a.Kind != b.Kind {
		return false
	}
	return a.Text == b.Text
}

func (m *matcher) seq(elems []mElem, toks []Token, ti int, b *bind, k func(int, *bind) bool) bool {
	if !m.step() {
		return false
	}
	if len(elems) == 0 {
		return k(ti, b)
	}
	e := &elems[0]
	rest := elems[1:]
	switch e.kind {
	case mTok:
		if ti < len(toks) && tokEq(toks[ti], e.tok) {
			return m.seq(rest, toks, ti+1, b, k)
		}
		return false
	case mGroup:
		if ti >= len(toks) || toks[ti].Kind != Group || toks[ti].Delim != e.delim {
			return false
		}
		kids := toks[ti].Kids
		return m.seq(e.sub, kids, 0, b, func(tj int, b2 *bind) bool {
			return tj == len(kids) && m.seq(rest, toks, ti+1, b2, k)
		})
	case mFrag:
		n, ok := parseFrag(e.frag, toks, ti)
		if !ok {
			return false
		}
		var t Token
		if transparent(e.frag) || n == 1 && toks[ti].Kind == Group && toks[ti].Delim == 0 {
			t = toks[ti]
		} else {
			t = Token{Kind: Group, Frag: e.frag, Kids: toks[ti : ti+n : ti+n]}
			if n > 0 {
				t.Line = toks[ti].Line
			}
		}
		return m.seq(rest, toks, ti+n, &bind{e.name, &node{tok: t}, b}, k)
	case mRep:
		return m.rep(e, rest, toks, ti, b, nil, k)
	}
	return false
}

func (m *matcher) rep(e *mElem, rest []mElem, toks []Token, ti int, outer *bind, iters *iterList, k func(int, *bind) bool) bool {
	if iters == nil && e.sep == nil && len(e.sub) == 1 && e.sub[0].kind == mFrag && e.sub[0].frag == "tt" {
		return m.ttRep(e, rest, toks, ti, outer, k)
	}
	count := 0
	if iters != nil {
		count = iters.n
	}
	if e.op != '?' || count == 0 {
		start, ok := ti, true
		if count > 0 && e.sep != nil {
			if ti < len(toks) && tokEq(toks[ti], *e.sep) {
				start = ti + 1
			} else {
				ok = false
			}
		}
		if ok && m.seq(e.sub, toks, start, nil, func(tj int, ib *bind) bool {
			if tj == ti {
				return false // an iteration that takes nothing would repeat forever
			}
			return m.rep(e, rest, toks, tj, outer, &iterList{b: ib, prev: iters, n: count + 1}, k)
		}) {
			return true
		}
		if m.steps.out() {
			return false
		}
	}
	if e.op == '+' && count == 0 {
		return false
	}
	b := outer
	for _, v := range e.vars {
		seq := make([]*node, count)
		i := count - 1
		for it := iters; it != nil; it = it.prev {
			seq[i] = it.b.lookup(v)
			i--
		}
		b = &bind{v, &node{seq: seq, isSeq: true}, b}
	}
	return m.seq(rest, toks, ti, b, k)
}

// ttRep matches `$($t:tt)*` (and + and ?), the tt-muncher's rest pattern,
// without a step per token: it takes as many token trees as it can and
// gives them back one at a time while the rest of the matcher fails.
func (m *matcher) ttRep(e *mElem, rest []mElem, toks []Token, ti int, outer *bind, k func(int, *bind) bool) bool {
	most, least := len(toks)-ti, 0
	if e.op == '?' {
		most = min(most, 1)
	}
	if e.op == '+' {
		least = 1
	}
	name := e.sub[0].name
	var all []*node
	for n := most; n >= least; n-- {
		if !m.step() {
			return false
		}
		if all == nil {
			all = make([]*node, most)
			nodes := make([]node, most)
			for i := range nodes {
				nodes[i].tok = toks[ti+i]
				all[i] = &nodes[i]
			}
		}
		b := &bind{name, &node{seq: all[:n:n], isSeq: true}, outer}
		if m.seq(rest, toks, ti+n, b, k) {
			return true
		}
	}
	return false
}

// transcriber writes a rule's body with the bindings of a match.
type transcriber struct {
	b     map[string]*node
	line  int // the call site: the line of every token the body itself writes
	steps *budget
	limit int // output tokens left
	used  int // the most tokens the output buffer has held (see putScratch)
}

func (t *transcriber) lookup(name string, idx []int) (*node, bool) {
	n, ok := t.b[name]
	if !ok {
		return nil, false
	}
	for _, i := range idx {
		if !n.isSeq {
			break
		}
		if i >= len(n.seq) {
			return nil, true
		}
		n = n.seq[i]
	}
	return n, true
}

func (t *transcriber) emit(elems []tElem, idx []int, out []Token) ([]Token, error) {
	for i := range elems {
		e := &elems[i]
		if !t.steps.take() {
			return nil, t.steps.err()
		}
		if t.limit--; t.limit < 0 {
			return nil, errTooBig
		}
		switch e.kind {
		case tTok:
			tok := e.tok
			tok.Line = t.line
			out = append(out, tok)
		case tGroup:
			// The group's tokens are made at the end of out, then copied
			// out at their exact size.
			mark := len(out)
			var err error
			if out, err = t.emit(e.sub, idx, out); err != nil {
				return nil, err
			}
			kids := slices.Clone(out[mark:])
			t.used = max(t.used, len(out))
			out = append(out[:mark], Token{Kind: Group, Delim: e.delim, Kids: kids, Line: t.line, EndLine: t.line})
		case tVar:
			n, ok := t.lookup(e.name, idx)
			if !ok {
				// Not a metavariable of this rule: `$x` is written as is.
				out = append(out, Token{Kind: Punct, Text: "$", Line: t.line}, Token{Kind: Ident, Text: e.name, Line: t.line})
				continue
			}
			if n == nil || n.isSeq {
				return nil, fmt.Errorf("variable $%s is still repeating at this depth", e.name)
			}
			if n.tok.Kind == Group && n.tok.Delim == 0 {
				t.limit -= len(n.tok.Kids)
			}
			out = append(out, n.tok)
		case tRep:
			count := -1
			if err := t.repCount(e.sub, idx, &count); err != nil {
				return nil, err
			}
			if count < 0 {
				return nil, errors.New("repetition in the transcriber uses no repeating variable")
			}
			if e.op == '?' && count > 1 {
				return nil, errors.New("`?` repetition matched more than once")
			}
			for j := 0; j < count; j++ {
				if j > 0 && e.sep != nil {
					s := *e.sep
					s.Line = t.line
					out = append(out, s)
				}
				var err error
				if out, err = t.emit(e.sub, append(idx[:len(idx):len(idx)], j), out); err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}

// repCount finds how often a transcriber repetition repeats: the length of
// the sequences its variables are bound to at this depth, which must agree.
func (t *transcriber) repCount(elems []tElem, idx []int, count *int) error {
	for i := range elems {
		e := &elems[i]
		switch e.kind {
		case tVar:
			n, ok := t.lookup(e.name, idx)
			if !ok || n == nil || !n.isSeq {
				continue
			}
			if *count >= 0 && *count != len(n.seq) {
				return fmt.Errorf("meta-variable repeats %d times, but another repeats %d times", len(n.seq), *count)
			}
			*count = len(n.seq)
		case tGroup, tRep:
			if err := t.repCount(e.sub, idx, count); err != nil {
				return err
			}
		}
	}
	return nil
}
