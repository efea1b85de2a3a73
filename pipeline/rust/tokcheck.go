package rust

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// tokChecker compares, for every expansion the token reader reads, its items
// with those of tree-sitter's parse of the text (set by tests only).
type tokChecker struct {
	mu       sync.Mutex
	compared int
	differ   int
	diffs    []string
}

var tokCheck *tokChecker

// extractorMarks are the lengths of what a walk appends to.
type extractorMarks struct{ children, warnings, uses, modJobs, inner int }

func (e *fileExtractor) marks(w *bodyWalk) extractorMarks {
	var m extractorMarks
	if w.parent != nil {
		m.children = len(w.parent.children)
	}
	m.warnings, m.uses, m.modJobs = len(e.out.warnings), len(e.out.uses), len(e.out.children)
	if w.inner != nil {
		m.inner = len(*w.inner)
	}
	return m
}

// since describes what was appended after m.
func (e *fileExtractor) since(w *bodyWalk, m extractorMarks) string {
	var b strings.Builder
	if w.parent != nil {
		fmt.Fprintf(&b, "children %d; ", len(w.parent.children)-m.children)
	}
	fmt.Fprintf(&b, "warnings %v; uses %+v; mods %d; ", e.out.warnings[m.warnings:], e.out.uses[m.uses:], len(e.out.children)-m.modJobs)
	if w.inner != nil {
		fmt.Fprintf(&b, "inner %q", (*w.inner)[m.inner:])
	}
	return b.String()
}

func (e *fileExtractor) reset(w *bodyWalk, m extractorMarks) {
	if w.parent != nil {
		w.parent.children = w.parent.children[:m.children]
	}
	e.out.warnings, e.out.uses, e.out.children = e.out.warnings[:m.warnings], e.out.uses[:m.uses], e.out.children[:m.modJobs]
	if w.inner != nil {
		*w.inner = (*w.inner)[:m.inner]
	}
}

// dumpItem describes it and the items below it, parents by name.
func dumpItem(b *strings.Builder, it *rawItem, outer *rawItem, depth int) {
	par := "nil"
	switch {
	case it.parent == outer:
		par = "outer"
	case it.parent != nil:
		par = it.parent.sym.Name
	}
	fmt.Fprintf(b, "%s%+v parent=%s mod=%q hidden=%v export=%v self=%q trait=%q label=%q tp=%q params=%q childMod=%q fileMod=%v order=%d inner=%q cond=%v\n",
		strings.Repeat("  ", depth), *it.sym, par, it.mod, it.hidden, it.export, it.implOf().selfType, it.implOf().trait, it.implOf().label, it.implOf().traitPath,
		it.implOf().params, it.modOf().childMod, it.modOf().fileMod, it.order, it.modOf().inner, it.cond)
	for _, c := range it.children {
		dumpItem(b, c, outer, depth+1)
	}
}

func dumpItems(items []*rawItem, outer *rawItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		var b strings.Builder
		dumpItem(&b, it, outer, 0)
		out[i] = b.String()
	}
	return out
}

// checkTok walks the synthetic tree and tree-sitter's parse of the same
// expansion, compares what they made, and keeps the parse's.
func (e *fileExtractor) checkTok(w *bodyWalk, x *expOut, st *synTree, root *node) {
	m := e.marks(w)
	var a []*rawItem
	tw := *w
	tw.add = func(it *rawItem) { a = append(a, it) }
	saved := e.tr.syn
	e.tr.syn = st
	e.walkBody(&tw, root)
	e.tr.syn = saved
	aRest := e.since(w, m)
	e.reset(w, m)

	// The callers' add functions change the items they are given (the
	// attributes of the macro calls around): the parse's items are compared
	// as they were before.
	var b []*rawItem
	type before struct {
		attrs  []string
		hidden bool
		vis    string
		order  int
	}
	was := map[*rawItem]before{}
	pw := *w
	pw.add = func(it *rawItem) {
		b = append(b, it)
		was[it] = before{slices.Clone(it.sym.Attributes), it.hidden, it.sym.Visibility, it.order}
		w.add(it)
	}
	tree := parseText(e.parser, blankSpans(w.body, x.spans))
	if tree != nil {
		proot := nodeOf(tree.RootNode())
		e.walkBody(&pw, &proot)
		tree.Close()
	}
	bRest := e.since(w, m)

	now := map[*rawItem]before{}
	for it, v := range was {
		now[it] = before{it.sym.Attributes, it.hidden, it.sym.Visibility, it.order}
		it.sym.Attributes, it.hidden, it.sym.Visibility, it.order = v.attrs, v.hidden, v.vis, v.order
	}
	da, db := dumpItems(a, w.parent), dumpItems(b, w.parent)
	for it, v := range now {
		it.sym.Attributes, it.hidden, it.sym.Visibility, it.order = v.attrs, v.hidden, v.vis, v.order
	}
	diff := ""
	switch {
	case aRest != bRest:
		diff = "side effects: tokens " + aRest + " / parse " + bRest
	case len(da) != len(db):
		diff = fmt.Sprintf("%d items from tokens, %d from the parse:\n%s\n----\n%s", len(da), len(db), strings.Join(da, ""), strings.Join(db, ""))
	default:
		for i := range da {
			if da[i] != db[i] {
				diff = "item " + fmt.Sprint(i) + ":\ntokens: " + da[i] + "parse:  " + db[i]
				break
			}
		}
	}
	c := tokCheck
	c.mu.Lock()
	defer c.mu.Unlock()
	c.compared++
	if diff != "" {
		c.differ++
		if len(c.diffs) < 20 {
			c.diffs = append(c.diffs, fmt.Sprintf("%s:%s: %s\ntext: %s", e.rel, w.name, diff, clip(w.body, 600)))
		}
	}
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
