package macros

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Limits bound one expansion (a call in the source and every macro call its
// expansion makes).
type Limits struct {
	Depth  int           // nested macro calls (rustc's recursion_limit is 128)
	Tokens int           // output tokens
	Steps  int           // matcher and transcriber steps
	Time   time.Duration // wall time
	Input  int           // tokens in the input of one call
}

// DefaultLimits are generous for real macros (winapi, syn, libc, num-traits
// expand far inside them) and stop runaway ones quickly. The step and token
// limits decide deterministically; the time limit is a backstop for a
// loaded machine.
var DefaultLimits = Limits{Depth: 128, Tokens: 1 << 20, Steps: 20_000_000, Time: 10 * time.Second, Input: 1 << 18}

var (
	errTooBig = errors.New("expansion is larger than the token limit")
	errDepth  = errors.New("recursion limit reached")
	errTime   = errors.New("expansion took longer than the time limit")
	// ErrUnknown is returned when no definition of the macro is known.
	ErrUnknown = errors.New("no macro_rules! definition in the crate")
)

// budget counts steps and watches the clock.
type budget struct {
	left     int
	deadline time.Time
	late     bool
}

func (b *budget) take() bool {
	b.left--
	if b.left&0xfff == 0 && !b.deadline.IsZero() && time.Now().After(b.deadline) {
		b.late, b.left = true, 0
	}
	return b.left > 0
}

func (b *budget) out() bool { return b.left <= 0 }

func (b *budget) err() error {
	if b.late {
		return errTime
	}
	return errBudget
}

// Table holds the macro_rules! definitions of a crate by name.
type Table struct {
	byName map[string][]*Def
	bad    map[string]error // definitions that could not be parsed
	// Extern loads, on the first call of a macro the crate does not define,
	// the #[macro_export]ed definitions of its dependencies (nil: none).
	Extern     func() []*Def
	externOnce sync.Once
	extern     map[string]*Def
}

// externDef is the dependencies' exported definition of name, loaded once.
func (t *Table) externDef(name string) *Def {
	if t.Extern == nil {
		return nil
	}
	t.externOnce.Do(func() {
		t.extern = map[string]*Def{}
		for _, d := range t.Extern() {
			// An exported definition wins; the others are the helpers an
			// exported macro may call by textual scope.
			if old, dup := t.extern[d.Name]; !dup || d.Export && !old.Export {
				t.extern[d.Name] = d
			}
		}
	})
	return t.extern[name]
}

// NewTable returns an empty table.
func NewTable() *Table { return &Table{byName: map[string][]*Def{}, bad: map[string]error{}} }

// Bad is why the definition of name could not be parsed (nil if it could,
// or there is none).
func (t *Table) Bad(name string) error {
	if i := strings.LastIndex(name, "::"); i >= 0 {
		name = strings.TrimSpace(name[i+2:])
	}
	return t.bad[name]
}

// Defs lists the definitions, by name then file and line.
func (t *Table) Defs() []*Def {
	var out []*Def
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range t.byName {
			if !yield(k) {
				return
			}
		}
	}) {
		out = append(out, t.byName[name]...)
	}
	return out
}

// Len is the number of definitions.
func (t *Table) Len() int {
	n := 0
	for _, ds := range t.byName {
		n += len(ds)
	}
	return n
}

// Add records d.
func (t *Table) Add(d *Def) { t.byName[d.Name] = append(t.byName[d.Name], d) }

// Lookup finds the definition a call of name at file:line uses: the nearest
// one before it in the same file (textual scope), else a #[macro_export]ed
// one, else any (a `#[macro_use] mod` or a re-export elsewhere in the crate).
// name may be a path (`crate::m`, `$crate::m`); its last segment is used.
func (t *Table) Lookup(name, file string, line int) *Def {
	if i := strings.LastIndex(name, "::"); i >= 0 {
		name = strings.TrimSpace(name[i+2:])
	}
	ds := t.byName[name]
	var best, exported *Def
	for _, d := range ds {
		if d.File == file && d.Line <= line && (best == nil || d.Line > best.Line) {
			best = d
		}
		if d.Export && exported == nil {
			exported = d
		}
	}
	switch {
	case best != nil:
		return best
	case exported != nil:
		return exported
	case len(ds) > 0:
		return ds[0]
	}
	return t.externDef(name)
}

// ScanFile adds every macro_rules! definition in a file's tokens, at any
// depth (inside modules and other macros too). It returns the definitions
// that could not be parsed; they are left out.
func (t *Table) ScanFile(file string, toks []Token) []error {
	var errs []error
	var walk func(toks []Token)
	walk = func(toks []Token) {
		for i := 0; i < len(toks); i++ {
			if toks[i].Kind == Group {
				walk(toks[i].Kids)
				continue
			}
			if !isMacroRules(toks, i) {
				continue
			}
			d, err := ParseDef(toks[i+2].Text, toks[i+3].Kids)
			if err != nil {
				errs = append(errs, err)
				if t.byName[toks[i+2].Text] == nil {
					t.bad[toks[i+2].Text] = err
				}
				continue
			}
			delete(t.bad, d.Name)
			d.File, d.Line, d.Export = file, toks[i].Line, exported(toks, i)
			t.Add(d)
		}
	}
	walk(toks)
	return errs
}

// Definers lists the macros whose expansions define macros (petgraph's
// trait_template!, whose `macro_rules! $name { … }` is named by the call).
func (t *Table) Definers() map[string]bool {
	out := map[string]bool{}
	for name, ds := range t.byName {
		for _, d := range ds {
			if d.defines {
				out[name] = true
			}
		}
	}
	return out
}

// ScanExpanded expands, in a file's tokens, the calls of the macros named in
// names (Definers) and adds the macro_rules! definitions the expansions
// make, so that calls elsewhere in the crate find them (petgraph's
// `NodeIndexable! {delegate_impl …}`). A call that fails to expand defines
// nothing.
func (x *Expander) ScanExpanded(file string, toks []Token, names map[string]bool) {
	var walk func(toks []Token)
	walk = func(toks []Token) {
		for i := 0; i < len(toks); i++ {
			t := toks[i]
			if t.Kind == Group {
				walk(t.Kids)
				continue
			}
			if t.Kind != Ident || !names[t.Text] || i+2 >= len(toks) || !toks[i+1].isPunct("!") || toks[i+2].Kind != Group {
				continue
			}
			if i > 0 && toks[i-1].isPunct("!") || i > 0 && toks[i-1].isIdent("macro_rules") {
				continue
			}
			if out, err := x.Expand(t.Text, toks[i+2].Kids, file, t.Line); err == nil {
				x.Table.ScanFile(file, out)
			}
			i += 2
		}
	}
	walk(toks)
}

// isMacroRules reports whether toks[i:] is `macro_rules! name { … }`.
func isMacroRules(toks []Token, i int) bool {
	return i+3 < len(toks) && toks[i].isIdent("macro_rules") && toks[i+1].isPunct("!") &&
		toks[i+2].Kind == Ident && toks[i+3].Kind == Group && toks[i+3].Delim != 0
}

// exported says whether the attributes before toks[i] include #[macro_export].
func exported(toks []Token, i int) bool {
	for j := i - 2; j >= 0 && toks[j].isPunct("#") && toks[j+1].Kind == Group && toks[j+1].Delim == '['; j -= 2 {
		if k := toks[j+1].Kids; len(k) > 0 && k[0].isIdent("macro_export") {
			return true
		}
	}
	return false
}

// Error is a macro call that could not be expanded.
type Error struct {
	Macro string
	Err   error
}

func (e *Error) Error() string { return "macro " + e.Macro + ": " + e.Err.Error() }

func (e *Error) Unwrap() error { return e.Err }

// Expander expands macro calls with the definitions of a table.
type Expander struct {
	Table  *Table
	Limits Limits
}

// Expand expands the call `name!(input)` written at file:line in item
// position, and then the item-position macro calls of the result whose
// definitions are known (macros defined by the expansion included). Calls of
// unknown macros are left in the output. The tokens the macro's own body
// writes carry the call's line, as rustdoc reports them; tokens passed in
// keep theirs.
func (x *Expander) Expand(name string, input []Token, file string, line int) ([]Token, error) {
	return x.ExpandIn(nil, name, input, file, line)
}

// ExpandIn is Expand with the tokens it returns kept in a (nil: chunks of
// their own), where they stay until a.Reset.
func (x *Expander) ExpandIn(a *Arena, name string, input []Token, file string, line int) ([]Token, error) {
	d := x.Table.Lookup(name, file, line)
	if d == nil {
		return nil, &Error{name, ErrUnknown}
	}
	s := x.newExpansion(file, line)
	defer s.release()
	if a != nil {
		a.s.keep = true
		s.out = &a.s
	}
	if err := s.call(d, input, 0); err != nil {
		// A transcriber that failed does not say how much of the buffer it
		// wrote: the buffer is left to the collector.
		s.buf = nil
		return nil, &Error{name, err}
	}
	s.used = max(s.used, len(s.buf))
	return s.out.copy(s.buf), nil
}

type expansion struct {
	x      *Expander
	lim    Limits
	file   string
	line   int
	local  map[string]*Def // macros the expansion itself defines
	steps  *budget
	tokens int
	own    budget // steps, when the expansion has one budget throughout

	// What follows is reused by the expansions that follow one another
	// (see newExpansion): once grown, an expansion allocates only what it
	// returns.

	// buf is where the transcriber writes and items assembles, each call
	// after the tokens of the calls it is inside, which is where it leaves
	// its expansion: a call's items are copied once, when the outermost
	// call is done (the groups' tokens once each, to slab, when they close).
	buf  []Token
	used int     // the most tokens buf has held (see reuse)
	tmp  []Token // an expansion given the attributes written on its call
	// tmpUsed is the most tokens tmp has held.
	tmpUsed int
	m       matcher
	slab    slab
	out     *slab // where the tokens returned go: &slab, or an Arena's
}

// expansions holds finished expansions, for their buffers.
var expansions sync.Pool

// newExpansion starts an expansion at file:line with one budget, with the
// buffers of a finished one when there is one (see release).
func (x *Expander) newExpansion(file string, line int) *expansion {
	lim := x.Limits
	if lim.Depth == 0 {
		lim = DefaultLimits
	}
	s, ok := expansions.Get().(*expansion)
	if !ok {
		s = &expansion{}
	}
	s.x, s.lim, s.file, s.line, s.tokens = x, lim, file, line, lim.Tokens
	s.own = budget{left: lim.Steps, deadline: time.Now().Add(lim.Time)}
	s.steps = &s.own
	s.m.steps = s.steps
	s.out = &s.slab
	return s
}

// release puts s back for reuse, its buffers cleared so that they keep
// nothing alive. A buffer larger than maxScratch is dropped, as buf is when
// set to nil (a failed transcription does not say how much of it it wrote).
func (s *expansion) release() {
	s.m.release()
	s.buf = reuse(s.buf, s.used)
	s.tmp = reuse(s.tmp, s.tmpUsed)
	s.used, s.tmpUsed = 0, 0
	s.x, s.local, s.file, s.out = nil, nil, "", nil
	expansions.Put(s)
}

func (s *expansion) lookup(name string) *Def {
	if i := strings.LastIndex(name, "::"); i >= 0 {
		name = name[i+2:]
	}
	if d := s.local[name]; d != nil {
		return d
	}
	return s.x.Table.Lookup(name, s.file, s.line)
}

// call matches input against d's rules in order, transcribes the first that
// matches and expands the calls in the result, which it appends to s.buf.
func (s *expansion) call(d *Def, input []Token, depth int) error {
	if depth >= s.lim.Depth {
		return fmt.Errorf("%w (%d nested calls) in %s", errDepth, depth, d.Name)
	}
	if n := countTokens(input); n > s.lim.Input {
		return fmt.Errorf("%w: the call has %d tokens, over the limit of %d", errTooBig, n, s.lim.Input)
	}
	for i := range d.Rules {
		r := &d.Rules[i]
		ok := s.m.match(r, input)
		if s.steps.out() {
			return s.steps.err()
		}
		if !ok {
			continue
		}
		t := &transcriber{m: &s.m, slab: s.out, line: s.line, steps: s.steps, limit: s.tokens}
		mark := len(s.buf)
		buf, err := t.emit(r.body, t.idx[:0], s.buf)
		if err != nil {
			return err
		}
		s.buf = buf
		s.used = max(s.used, t.used, len(buf))
		s.tokens = t.limit
		if view := buf[mark:]; hasBang(view) {
			// The items are assembled after the transcription (which is
			// what they are read from), then moved down over it.
			end := len(buf)
			if err := s.items(view, depth+1); err != nil {
				return err
			}
			s.used = max(s.used, len(s.buf))
			n := copy(s.buf[mark:], s.buf[end:])
			s.buf = s.buf[:mark+n]
		}
		return nil
	}
	line := s.line
	if len(input) > 0 {
		line = input[0].Line
	}
	return fmt.Errorf("no rule of %s matches the call at line %d", d.Name, line)
}

// hasBang reports whether a `!` is among toks (outside groups): every macro
// call and macro_rules! definition has one.
func hasBang(toks []Token) bool {
	for i := range toks {
		if toks[i].isPunct("!") {
			return true
		}
	}
	return false
}

func countTokens(toks []Token) int {
	n := len(toks)
	for i := range toks {
		if toks[i].Kind == Group {
			n += countTokens(toks[i].Kids)
		}
	}
	return n
}

// items expands the known macro calls in item position among toks, which
// hold a `!` (hasBang: without one, the items are toks), and appends the
// items to s.buf (which may hold toks: it is not written over). On an error
// s.buf is as it was.
func (s *expansion) items(toks []Token, depth int) error {
	mark := len(s.buf)
	for i := 0; i < len(toks); {
		j := i
		for j+1 < len(toks) && toks[j].isPunct("#") && toks[j+1].Kind == Group && toks[j+1].Delim == '[' {
			j += 2
		}
		if isMacroRules(toks, j) {
			if d, err := ParseDef(toks[j+2].Text, toks[j+3].Kids); err == nil {
				d.File, d.Line, d.Export = s.file, s.line, exported(toks, j)
				if s.local == nil {
					s.local = map[string]*Def{}
				}
				s.local[d.Name] = d
			}
			end := j + 4
			if end < len(toks) && toks[end].isPunct(";") {
				end++
			}
			s.buf = append(s.buf, toks[i:end]...)
			i = end
			continue
		}
		if name, body, end, ok := callAt(toks, j); ok {
			if d := s.lookup(name); d != nil {
				at := len(s.buf)
				if err := s.call(d, body, depth); err != nil {
					s.buf = s.buf[:mark]
					var me *Error
					if !errors.As(err, &me) {
						err = &Error{name, err}
					}
					return err
				}
				if attrs := toks[i:j]; len(attrs) > 0 {
					s.used = max(s.used, len(s.buf))
					s.tmp = append(s.tmp[:0], s.buf[at:]...)
					s.tmpUsed = max(s.tmpUsed, len(s.tmp))
					s.buf = appendWithAttrs(s.buf[:at], s.tmp, attrs)
				}
				i = end
				continue
			}
		}
		n, ok := parseFrag("item", toks, j)
		if !ok {
			s.buf = append(s.buf, toks[i:]...)
			return nil
		}
		s.buf = append(s.buf, toks[i:j+n]...)
		i = j + n
	}
	return nil
}

// appendWithAttrs appends the items of exp, each with the attributes written
// on the macro call (a #[cfg] on a call applies to everything it makes).
func appendWithAttrs(out, exp, attrs []Token) []Token {
	if len(attrs) == 0 {
		return append(out, exp...)
	}
	for i := 0; i < len(exp); {
		n, ok := parseFrag("item", exp, i)
		if !ok {
			return append(append(out, attrs...), exp[i:]...)
		}
		out = append(append(out, attrs...), exp[i:i+n]...)
		i += n
	}
	return out
}

// callAt recognizes an item-position macro call `path!(…);`, `path![…];` or
// `path!{…}` at toks[i], returning the macro's path, the tokens inside the
// delimiters and the index after the call.
func callAt(toks []Token, i int) (name string, body []Token, end int, ok bool) {
	j := i
	for {
		if j >= len(toks) || toks[j].Kind != Ident || toks[j].Text == "macro_rules" {
			return "", nil, 0, false
		}
		j++
		if j < len(toks) && toks[j].isPunct("::") {
			j++
			continue
		}
		break
	}
	if j+1 >= len(toks) || !toks[j].isPunct("!") || toks[j+1].Kind != Group || toks[j+1].Delim == 0 {
		return "", nil, 0, false
	}
	end = j + 2
	if toks[j+1].Delim != '{' && end < len(toks) && toks[end].isPunct(";") {
		end++
	}
	name = toks[i].Text
	if j > i+1 {
		// A path: its segments joined by "::", the tokens between them.
		var b strings.Builder
		for k := i; k < j; k++ {
			b.WriteString(toks[k].Text)
		}
		name = b.String()
	}
	return name, toks[j+1].Kids, end, true
}

// LineMap maps byte offsets of rendered text to the lines of the tokens
// written there.
type LineMap struct {
	offs  []int
	lines []int
}

// At is the line of the token at or before byte offset off.
func (m *LineMap) At(off int) int {
	i, found := slices.BinarySearch(m.offs, off)
	if !found {
		i--
	}
	if i < 0 {
		i = 0
	}
	if len(m.lines) == 0 {
		return 0
	}
	return m.lines[i]
}

// RenderLines is Render that also returns where each token's line is.
func RenderLines(toks []Token) (string, *LineMap) {
	text, m, _ := RenderSpans(toks, nil)
	return text, m
}

// Span is a range of bytes of a rendered text.
type Span struct{ Start, End int }

// RenderSpans is RenderLines that also returns, for each group in opaque
// (pointers into toks), where its contents are in the text: between its
// delimiters, in the order they were written.
func RenderSpans(toks []Token, opaque map[*Token]bool) (string, *LineMap, []Span) {
	return render(toks, opaque, nil)
}

// RenderOffsets is RenderLines that also appends to *offs where each token
// is written, in the order of the tokens, groups before their tokens and
// fragment groups (no delimiters) left out: a token's first byte, and for a
// group also the byte after its closing delimiter, after its tokens'. The
// token reader of the extractor takes its views from them.
func RenderOffsets(toks []Token, offs *[]int32) (string, *LineMap) {
	text, m, _ := render(toks, nil, offs)
	return text, m
}

func render(toks []Token, opaque map[*Token]bool, offs *[]int32) (string, *LineMap, []Span) {
	var z renderSizer
	z.walk(toks)
	var b strings.Builder
	b.Grow(z.bytes)
	var spans []Span
	m := &LineMap{}
	if z.lines > 0 {
		m.offs, m.lines = make([]int, 0, z.lines), make([]int, 0, z.lines)
	}
	var walk func(toks []Token)
	var prev *Token
	walk = func(toks []Token) {
		for i := range toks {
			t := &toks[i]
			if t.Kind == Group && t.Delim == 0 {
				walk(t.Kids)
				continue
			}
			if prev != nil && needSpace(prev, t) {
				b.WriteByte(' ')
			}
			if n := len(m.lines); n == 0 || m.lines[n-1] != t.Line {
				m.offs = append(m.offs, b.Len())
				m.lines = append(m.lines, t.Line)
			}
			if offs != nil {
				*offs = append(*offs, int32(b.Len()))
			}
			switch t.Kind {
			case Group:
				b.WriteByte(t.Delim)
				prev = delimToken(t.Delim)
				start := b.Len()
				walk(t.Kids)
				if len(t.Kids) > 0 && t.Delim == '{' {
					b.WriteByte(' ')
				}
				if opaque[t] {
					spans = append(spans, Span{start, b.Len()})
				}
				if end := max(t.EndLine, t.Line); m.lines[len(m.lines)-1] != end {
					m.offs = append(m.offs, b.Len())
					m.lines = append(m.lines, end)
				}
				b.WriteByte(closerOf(t.Delim))
				if offs != nil {
					*offs = append(*offs, int32(b.Len()))
				}
				if t.Delim == '{' {
					b.WriteByte('\n')
				}
				prev = delimToken(closerOf(t.Delim))
				continue
			case Ident:
				if t.Text == "$crate" {
					b.WriteString("crate")
				} else {
					b.WriteString(t.Text)
				}
			default:
				b.WriteString(t.Text)
				if t.isPunct(";") {
					b.WriteByte('\n')
				}
			}
			prev = t
		}
	}
	walk(toks)
	return b.String(), m, spans
}

// delimTokens are the delimiters as Punct tokens, for needSpace to compare
// the next token against (one each, not one allocated per group rendered).
var delimTokens = [...]Token{
	{Kind: Punct, Text: "("}, {Kind: Punct, Text: ")"}, {Kind: Punct, Text: "["},
	{Kind: Punct, Text: "]"}, {Kind: Punct, Text: "{"}, {Kind: Punct, Text: "}"},
}

func delimToken(d byte) *Token {
	if i := strings.IndexByte("()[]{}", d); i >= 0 {
		return &delimTokens[i]
	}
	return &Token{Kind: Punct, Text: string(d)}
}

// renderSizer estimates the length of tokens rendered (their text, a space
// each, and the delimiters) and counts the entries of their LineMap as
// RenderSpans makes them, so that the builder and the map are grown once.
type renderSizer struct{ bytes, lines, last int }

func (z *renderSizer) walk(toks []Token) {
	for i := range toks {
		t := &toks[i]
		if t.Kind == Group && t.Delim == 0 {
			z.bytes += 4
			z.walk(t.Kids)
			continue
		}
		if z.lines == 0 || z.last != t.Line {
			z.lines, z.last = z.lines+1, t.Line
		}
		if t.Kind != Group {
			z.bytes += len(t.Text) + 1
			continue
		}
		z.bytes += 4
		z.walk(t.Kids)
		if end := max(t.EndLine, t.Line); z.last != end {
			z.lines, z.last = z.lines+1, end
		}
	}
}

// ExpandItems expands every item-position call of a known macro in toks (a
// file's items) and returns the items with the expansions in their place.
func (x *Expander) ExpandItems(toks []Token, file string) ([]Token, error) {
	s := x.newExpansion(file, 1<<30)
	defer s.release()
	var errs []error
	var out []Token
	// One budget per call, as Expand gives; a call that fails stays as written.
	for i := 0; i < len(toks); {
		s.own = budget{left: s.lim.Steps, deadline: time.Now().Add(s.lim.Time)}
		s.tokens = s.lim.Tokens
		n, ok := parseFrag("item", toks, i)
		if !ok {
			n = len(toks) - i
		}
		exp := toks[i : i+n]
		if hasBang(exp) {
			if err := s.items(exp, 0); err != nil {
				errs = append(errs, err)
				s.buf = nil // see Expand
			} else {
				exp = s.buf
			}
		}
		out = append(out, exp...)
		s.used = max(s.used, len(s.buf))
		s.buf = s.buf[:0]
		i += n
	}
	return out, errors.Join(errs...)
}
