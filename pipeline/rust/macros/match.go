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
	// tok is the fragment (nodeTok), or holds in its Kids the token trees
	// of a `$($t:tt)*` (nodeToks), each one iteration's $t.
	tok  Token
	kind nodeKind
	// first and n are a nodeSeq's iterations: the nodes numbered
	// seqs[first:first+n] of its matcher.
	first, n int32
}

type nodeKind uint8

const (
	nodeTok nodeKind = iota
	nodeSeq
	nodeToks
)

// frame is a continuation of the matcher: what to match once the elements
// being matched are done (the rest of an enclosing group, or the next
// iteration of a repetition), then its parent. Frames are numbered, in the
// matcher's frames, and live as long as the attempt that made them.
type frame struct {
	kind   frameKind
	parent int32
	rest   []mElem // what follows the group or repetition
	toks   []Token // the tokens rest is matched against
	ti     int     // fGroup: the group's index in toks; fIter: where the iteration began
	end    int     // fTop, fGroup: where the tokens matched must end
	e      *mElem  // fIter: the repetition
	iters  int32   // fIter: the iterations before this one (an index into iters), -1 for none
	count  int     // fIter: how many those are
}

type frameKind uint8

const (
	fTop frameKind = iota
	fGroup
	fIter
)

// iteration is one iteration of a repetition that matched: the nodes its
// variables were bound to (ivals[vals:vals+len(vars)]) and the iteration
// before it.
type iteration struct {
	prev, vals int32
}

// matcher matches a rule's matcher against a call's tokens with
// backtracking over repetition counts (rustc explores the same alternatives
// in parallel; a macro that compiles has one way to match, which both find).
// Everything an attempt makes is appended to the matcher's slices and cut
// off again when the attempt fails, so the slices are reused from rule to
// rule and call to call (a matcher belongs to an expansion, which is
// reused): a match allocates nothing once they have grown.
// slot holds, for each metavariable by number, the node it was bound to last;
// every path through a matcher binds all its variables before anything reads
// them, so a failed attempt's bindings need no undoing.
type matcher struct {
	steps  *budget
	slot   []int32
	nodes  []node
	seqs   []int32
	iters  []iteration
	ivals  []int32
	frames []frame
	// hiNodes and hiFrames are the most nodes and frames held: what release
	// clears.
	hiNodes, hiFrames int
}

// mark is where a matcher's slices end, to cut them back to.
type mark struct{ nodes, seqs, iters, ivals, frames int }

func (m *matcher) mark() mark {
	return mark{len(m.nodes), len(m.seqs), len(m.iters), len(m.ivals), len(m.frames)}
}

func (m *matcher) reset(k mark) {
	m.hiNodes = max(m.hiNodes, len(m.nodes))
	m.hiFrames = max(m.hiFrames, len(m.frames))
	m.nodes, m.seqs, m.iters, m.ivals, m.frames = m.nodes[:k.nodes], m.seqs[:k.seqs], m.iters[:k.iters], m.ivals[:k.ivals], m.frames[:k.frames]
}

// release empties m for reuse, cleared so that it keeps no tokens alive.
func (m *matcher) release() {
	m.reset(mark{})
	clear(m.nodes[:m.hiNodes])
	clear(m.frames[:m.hiFrames])
	m.hiNodes, m.hiFrames, m.steps = 0, 0, nil
}

// match matches rule r against all of input, leaving the bindings in m's
// slot for a transcriber to read.
func (m *matcher) match(r *Rule, input []Token) bool {
	m.reset(mark{})
	if cap(m.slot) < r.nvars {
		m.slot = make([]int32, r.nvars)
	}
	m.slot = m.slot[:r.nvars]
	m.frames = append(m.frames, frame{kind: fTop, parent: -1, end: len(input)})
	return m.seq(r.match, input, 0, 0)
}

func (m *matcher) step() bool { return m.steps.take() }

func tokEq(a, b *Token) bool {
	if a.Kind != b.Kind {
		return false
	}
	return a.Text == b.Text
}

func (m *matcher) push(f frame) int32 {
	m.frames = append(m.frames, f)
	return int32(len(m.frames) - 1)
}

// bind binds metavariable id to a new node n.
func (m *matcher) bind(id int, n node) {
	m.nodes = append(m.nodes, n)
	m.slot[id] = int32(len(m.nodes) - 1)
}

// seq matches elems against toks[ti:], then the continuation k.
func (m *matcher) seq(elems []mElem, toks []Token, ti int, k int32) bool {
	start := m.mark()
	for {
		if !m.step() {
			m.reset(start)
			return false
		}
		if len(elems) == 0 {
			if m.resume(k, ti) {
				return true
			}
			m.reset(start)
			return false
		}
		e := &elems[0]
		rest := elems[1:]
		switch e.kind {
		case mTok:
			if ti < len(toks) && tokEq(&toks[ti], &e.tok) {
				elems, ti = rest, ti+1
				continue
			}
		case mGroup:
			if ti >= len(toks) || toks[ti].Kind != Group || toks[ti].Delim != e.delim {
				break
			}
			kids := toks[ti].Kids
			f := m.push(frame{kind: fGroup, parent: k, rest: rest, toks: toks, ti: ti, end: len(kids)})
			if m.seq(e.sub, kids, 0, f) {
				return true
			}
		case mFrag:
			n, ok := parseFrag(e.frag, toks, ti)
			if !ok {
				break
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
			m.bind(e.id, node{tok: t})
			elems, ti = rest, ti+n
			continue
		case mRep:
			if m.rep(e, rest, toks, ti, -1, 0, k) {
				return true
			}
		}
		m.reset(start)
		return false
	}
}

// resume goes on with continuation k once the elements before it have
// matched up to ti.
func (m *matcher) resume(k int32, ti int) bool {
	f := m.frames[k] // a copy: the frames may move as they grow
	switch f.kind {
	case fGroup:
		return ti == f.end && m.seq(f.rest, f.toks, f.ti+1, f.parent)
	case fIter:
		if ti == f.ti {
			return false // an iteration that takes nothing would repeat forever
		}
		start := m.mark()
		m.iters = append(m.iters, iteration{prev: f.iters, vals: int32(len(m.ivals))})
		for _, v := range f.e.vars {
			m.ivals = append(m.ivals, m.slot[v])
		}
		if m.rep(f.e, f.rest, f.toks, ti, int32(len(m.iters)-1), f.count+1, f.parent) {
			return true
		}
		m.reset(start)
		return false
	}
	return ti == f.end
}

// rep matches repetition e at toks[ti:] after count iterations (the last of
// them iters), then rest and k.
func (m *matcher) rep(e *mElem, rest []mElem, toks []Token, ti int, iters int32, count int, k int32) bool {
	if iters < 0 && e.sep == nil && len(e.sub) == 1 && e.sub[0].kind == mFrag && e.sub[0].frag == "tt" {
		return m.ttRep(e, rest, toks, ti, k)
	}
	start := m.mark()
	if e.op != '?' || count == 0 {
		from, ok := ti, true
		if count > 0 && e.sep != nil {
			if ti < len(toks) && tokEq(&toks[ti], e.sep) {
				from = ti + 1
			} else {
				ok = false
			}
		}
		if ok {
			f := m.push(frame{kind: fIter, parent: k, rest: rest, toks: toks, ti: ti, e: e, iters: iters, count: count})
			if m.seq(e.sub, toks, from, f) {
				return true
			}
			m.reset(start)
		}
		if m.steps.out() {
			return false
		}
	}
	if e.op == '+' && count == 0 {
		return false
	}
	for vi, v := range e.vars {
		first := len(m.seqs)
		m.seqs = slices.Grow(m.seqs, count)[:first+count]
		i := first + count - 1
		for it := iters; it >= 0; it = m.iters[it].prev {
			m.seqs[i] = m.ivals[int(m.iters[it].vals)+vi]
			i--
		}
		m.bind(v, node{kind: nodeSeq, first: int32(first), n: int32(count)})
	}
	if m.seq(rest, toks, ti, k) {
		return true
	}
	m.reset(start)
	return false
}

// ttRep matches `$($t:tt)*` (and + and ?), the tt-muncher's rest pattern,
// without a step per token: it takes as many token trees as it can and
// gives them back one at a time while the rest of the matcher fails.
func (m *matcher) ttRep(e *mElem, rest []mElem, toks []Token, ti int, k int32) bool {
	most, least := len(toks)-ti, 0
	if e.op == '?' {
		most = min(most, 1)
	}
	if e.op == '+' {
		least = 1
	}
	id := e.sub[0].id
	start := m.mark()
	for n := most; n >= least; n-- {
		if !m.step() {
			return false
		}
		m.bind(id, node{kind: nodeToks, tok: Token{Kids: toks[ti : ti+n : ti+n]}})
		if m.seq(rest, toks, ti+n, k) {
			return true
		}
		m.reset(start)
	}
	return false
}

// transcriber writes a rule's body with the bindings of a match.
type transcriber struct {
	m     *matcher // holds the bindings
	slab  *slab    // where the groups written are kept
	line  int      // the call site: the line of every token the body itself writes
	steps *budget
	limit int // output tokens left
	used  int // the most tokens the output buffer has held (see reuse)
	// idx is the repetition indices of emit's outermost call.
	idx [8]int
}

// lookup finds what metavariable id is bound to at the repetition indices
// idx: a token, or (tok nil) a sequence of n iterations; n is -1 when an
// index is past the iterations there are.
func (t *transcriber) lookup(id int, idx []int) (tok *Token, n int) {
	m := t.m
	nd := &m.nodes[m.slot[id]]
	for _, i := range idx {
		if nd.kind == nodeTok {
			break
		}
		if nd.kind == nodeToks {
			if i >= len(nd.tok.Kids) {
				return nil, -1
			}
			return &nd.tok.Kids[i], 0
		}
		if i >= int(nd.n) {
			return nil, -1
		}
		nd = &m.nodes[m.seqs[int(nd.first)+i]]
	}
	switch nd.kind {
	case nodeSeq:
		return nil, int(nd.n)
	case nodeToks:
		return nil, len(nd.tok.Kids)
	}
	return &nd.tok, 0
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
			// to the slab at their exact size.
			mark := len(out)
			var err error
			if out, err = t.emit(e.sub, idx, out); err != nil {
				return nil, err
			}
			kids := t.slab.copy(out[mark:])
			t.used = max(t.used, len(out))
			out = append(out[:mark], Token{Kind: Group, Delim: e.delim, Kids: kids, Line: t.line, EndLine: t.line})
		case tVar:
			if e.id < 0 {
				// Not a metavariable of this rule: `$x` is written as is.
				out = append(out, Token{Kind: Punct, Text: "$", Line: t.line}, Token{Kind: Ident, Text: e.name, Line: t.line})
				continue
			}
			tok, _ := t.lookup(e.id, idx)
			if tok == nil {
				return nil, fmt.Errorf("variable $%s is still repeating at this depth", e.name)
			}
			if tok.Kind == Group && tok.Delim == 0 {
				t.limit -= len(tok.Kids)
			}
			out = append(out, *tok)
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
			// The iterations' indices: idx and one more, in idx's array
			// when there is room (a nested repetition's go after it).
			sub := append(idx, 0)
			for j := 0; j < count; j++ {
				if j > 0 && e.sep != nil {
					s := *e.sep
					s.Line = t.line
					out = append(out, s)
				}
				sub[len(idx)] = j
				var err error
				if out, err = t.emit(e.sub, sub, out); err != nil {
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
			if e.id < 0 {
				continue
			}
			tok, n := t.lookup(e.id, idx)
			if tok != nil || n < 0 {
				continue
			}
			if *count >= 0 && *count != n {
				return fmt.Errorf("meta-variable repeats %d times, but another repeats %d times", n, *count)
			}
			*count = n
		case tGroup, tRep:
			if err := t.repCount(e.sub, idx, count); err != nil {
				return err
			}
		}
	}
	return nil
}
