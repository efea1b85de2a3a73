package rust

import (
	"cmp"
	"hash/maphash"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/cfgexpr"
)

type modNode struct {
	item  *rawItem
	items []*rawItem
	uses  []useEntry
	// named are the items but impls by name, in items' order: winapi's
	// modules hold up to thousands of items, each looked up by name.
	// resolveCrate makes them for every module at once, on the workers
	// (made on each module's first lookup, on one goroutine, they were a
	// third of the lookups' time); a module made later makes them on first
	// need.
	named map[string][]*rawItem
	// aliases are the indexes in uses of the non-glob uses by the name they
	// import as, in uses' order, made as named is.
	aliases map[string][]int32
	// modules are the module items of items, in their order, made as named
	// is: what the walk through the public modules follows (visit).
	modules []*rawItem
}

// index makes m's name indexes.
func (m *modNode) index() {
	m.aliases = make(map[string][]int32, len(m.uses))
	for i, u := range m.uses {
		if !u.glob {
			m.aliases[u.alias] = append(m.aliases[u.alias], int32(i))
		}
	}
	m.named = make(map[string][]*rawItem, len(m.items))
	m.modules = nil
	for i, it := range m.items {
		if it.sym.SymbolType != docpack.KindImpl {
			// A name's first item is a slice of items, full to its
			// capacity: no allocation for each of the (mostly one-item)
			// names, and a second item's append copies it out.
			if prev, ok := m.named[it.sym.Name]; ok {
				m.named[it.sym.Name] = append(prev, it)
			} else {
				m.named[it.sym.Name] = m.items[i : i+1 : i+1]
			}
		}
		if it.sym.SymbolType == docpack.KindModule {
			m.modules = append(m.modules, it)
		}
	}
}

// usesNamed are the non-glob uses of m that import a name as name, in their
// order.
func (m *modNode) usesNamed(name string) []int32 {
	if m.aliases == nil {
		m.index()
	}
	return m.aliases[name]
}

// itemsNamed are the items of m named name but impls, in their order.
func (m *modNode) itemsNamed(name string) []*rawItem {
	if m.named == nil {
		m.index()
	}
	return slices.Clip(m.named[name]) // the caller appends to it
}

// lookupKey is a module path and a name looked up in it.
type lookupKey struct{ mod, name string }

type named struct {
	name string
	it   *rawItem
}

// resolver decides, for one crate, which items are public and under which path.
type resolver struct {
	crate  Crate
	opts   Options
	root   *rawItem
	mods   map[string]*modNode
	memo   map[lookupKey][]*rawItem
	byName map[string][]*rawItem // type-like items by name, crate-wide
	// exp and shownIn are, by item order (the root's is len(all)), the
	// public path of the exported items ("" for the others) and the module
	// path each is shown in: slices, not maps keyed by item, which made
	// the export's three writes per item most of computeExports, run
	// while the other workers wait (winapi: 145,000 items).
	exp     []string
	shownIn []string
	expVia  map[*rawItem][]string // attributes of the re-export that gave the public path
	paths   map[*rawItem][]string // every public path of items exported at several, in the order found
	// inherited are the docs that trait-impl items without doc comments of
	// their own inherit (inheritDocs): the doc, and the trait item's path.
	inherited map[*rawItem][2]string
	// noInline are the public paths #[doc(no_inline)] re-exports give: rustdoc
	// lists them as re-exports, so they are never an item's display path
	// (rand::prelude::StdRng; the item is shown at rand::rngs::StdRng).
	noInline map[string]bool
	// declared are the items first found where they are declared, through
	// public modules: rustdoc shows them there, whatever else re-exports them
	// (indexmap::map::IndexMap, listed at the root as `pub use`). By item
	// order, as exp.
	declared []bool
	// inline are the public paths #[doc(inline)] re-exports give: rustdoc
	// shows a declared item there too (serde::Serialize beside
	// serde::ser::Serialize), and the shorter of them is its display path.
	inline  map[string]bool
	visited map[string]string // module path → public path
	// declaredLater: visit exports a module's submodules only, and
	// computeExports its other items afterwards, on the workers (while
	// the public modules are walked, before any re-export).
	declaredLater bool
	// macros are the #[macro_export] macros, in all's order.
	macros []*rawItem
	// docCfgOn: the crate turns on rustdoc's doc_cfg in docs.rs's build, so
	// docs.rs badges items (shownChain).
	docCfgOn bool
	order    []string
	// reach is what public paths reach when #[doc(hidden)] is not in the
	// way (rustc's effective visibility), computed on first use: exp's
	// paths with the hidden items exported too.
	reach []string
	all   []*rawItem
	// foreign are the pub uses of other crates' items (foreign.go).
	foreign []foreignUse
}

// exported is the public path of it, if it has one.
func (r *resolver) exported(it *rawItem) (string, bool) {
	p := r.exp[it.order]
	return p, p != ""
}

// newExports makes the tables computeExports fills, for n items and the
// root.
func (r *resolver) newExports(n int) {
	r.exp, r.shownIn, r.declared = make([]string, n+1), make([]string, n+1), make([]bool, n+1)
}

func (r *resolver) mod(p string) *modNode {
	m := r.mods[p]
	if m == nil {
		m = &modNode{}
		r.mods[p] = m
	}
	return m
}

func parentMod(p string) string {
	if i := strings.LastIndex(p, "::"); i >= 0 {
		return p[:i]
	}
	return ""
}

func (r *resolver) modItem(p string) *rawItem {
	if m := r.mods[p]; m != nil && m.item != nil {
		return m.item
	}
	return nil
}

// lookup finds the items named name in module mp: declared there, imported
// by a use, or reachable through a glob import.
func (r *resolver) lookup(mp, name string) []*rawItem {
	key := lookupKey{mp, name}
	if v, ok := r.memo[key]; ok {
		return v
	}
	r.memo[key] = nil // cycle guard
	m := r.mods[mp]
	if m == nil {
		return nil
	}
	out := m.itemsNamed(name)
	r.memo[key] = out // partial answer while the imports resolve (`use x::x;`)
	{
		for _, k := range m.usesNamed(name) {
			u := &m.uses[k]
			out = append(out, r.resolvePath(u.mod, u.segs)...)
		}
	}
	if len(out) == 0 {
		for _, u := range m.uses {
			if u.glob {
				if t, ok := r.resolveModule(u.mod, u.segs); ok && t != mp {
					out = append(out, r.lookup(t, name)...)
				}
			}
		}
	}
	r.memo[key] = out
	return out
}

// start resolves the leading crate/self/super segments of a path.
func (r *resolver) start(mp string, segs []string) (string, int, bool) {
	switch segs[0] {
	case "crate", "$crate":
		return "", 1, true
	case "self":
		i := 1
		cur := mp
		for i < len(segs) && segs[i] == "super" {
			cur = parentMod(cur)
			i++
		}
		return cur, i, true
	case "super":
		cur, i := mp, 0
		for i < len(segs) && segs[i] == "super" {
			cur = parentMod(cur)
			i++
		}
		return cur, i, true
	case r.crate.Name:
		if len(r.lookup(mp, segs[0])) == 0 {
			return "", 1, true
		}
	}
	return mp, 0, false
}

func (r *resolver) resolvePath(mp string, segs []string) []*rawItem {
	if len(segs) == 0 {
		return nil
	}
	cur, i, anchored := r.start(mp, segs)
	if i == len(segs) {
		if it := r.modItem(cur); it != nil {
			return []*rawItem{it}
		}
		return nil
	}
	if !anchored && len(r.lookup(cur, segs[0])) == 0 {
		cur = "" // 2015-style crate-relative path
	}
	for ; i < len(segs)-1; i++ {
		next, ok := r.childModule(cur, segs[i])
		if !ok {
			return nil
		}
		cur = next
	}
	return r.lookup(cur, segs[len(segs)-1])
}

func (r *resolver) childModule(cur, name string) (string, bool) {
	for _, it := range r.lookup(cur, name) {
		if it.sym.SymbolType == docpack.KindModule {
			return it.modOf().childMod, true
		}
	}
	return "", false
}

func (r *resolver) resolveModule(mp string, segs []string) (string, bool) {
	if len(segs) == 0 {
		return mp, true
	}
	for _, it := range r.resolvePath(mp, segs) {
		if it.sym.SymbolType == docpack.KindModule {
			return it.modOf().childMod, true
		}
	}
	return "", false
}

// globNames lists what `pub use T::*` brings in: T's pub items and pub re-exports.
func (r *resolver) globNames(t string, seen map[string]bool) []named {
	if seen[t] {
		return nil
	}
	seen[t] = true
	m := r.mods[t]
	if m == nil {
		return nil
	}
	var out []named
	for _, it := range m.items {
		if it.sym.Visibility == "pub" && it.sym.SymbolType != docpack.KindImpl && it.sym.SymbolType != docpack.KindMacro {
			out = append(out, named{it.sym.Name, it})
		}
	}
	for _, u := range m.uses {
		if u.vis != "pub" {
			continue
		}
		if u.glob {
			if tt, ok := r.resolveModule(u.mod, u.segs); ok {
				out = append(out, r.globNames(tt, seen)...)
			}
			continue
		}
		for _, it := range r.resolvePath(u.mod, u.segs) {
			out = append(out, named{u.alias, it})
		}
	}
	return out
}

func (r *resolver) hiddenOK(it *rawItem) bool { return !it.hidden || r.opts.IncludeHidden }

// modHidden reports whether module mp or one around it is #[doc(hidden)].
func (r *resolver) modHidden(mp string) bool {
	for mp != "" {
		if it := r.modItem(mp); it != nil && it.hidden {
			return true
		}
		mp = parentMod(mp)
	}
	return false
}

// export records the public path of it, unless it already has one. via are
// the attributes of the re-export that brings it there (its #[cfg]s and macro
// wrappers), nil for an item shown where it is declared.
func (r *resolver) export(it *rawItem, path, in string, via []string) {
	if first, ok := r.exported(it); ok {
		// paths holds an item's paths once it has a second one: the first
		// is exp's.
		if ps := r.paths[it]; path != first && !slices.Contains(ps, path) {
			if len(ps) == 0 {
				ps = []string{first}
			}
			r.paths[it] = append(ps, path)
		}
		return
	}
	r.exp[it.order] = path
	r.shownIn[it.order] = in
	if len(via) > 0 {
		r.expVia[it] = via
	}
	if it.sym.SymbolType == docpack.KindModule {
		r.visit(it.modOf().childMod, path)
	}
}

func (r *resolver) visit(mp, prefix string) {
	if _, ok := r.visited[mp]; ok {
		return
	}
	r.visited[mp] = prefix
	r.order = append(r.order, mp)
	m := r.mods[mp]
	if m == nil {
		return
	}
	items := m.items
	if r.declaredLater {
		if m.named == nil {
			m.index()
		}
		items = m.modules
	}
	for _, it := range items {
		if !r.declaredHere(it) {
			continue
		}
		if _, ok := r.exported(it); !ok {
			r.declared[it.order] = true
		}
		r.export(it, prefix+"::"+it.sym.Name, mp, nil)
	}
}

// declaredHere reports whether item it of a module visit reaches is
// exported there.
func (r *resolver) declaredHere(it *rawItem) bool {
	k := it.sym.SymbolType
	return it.sym.Visibility == "pub" && r.hiddenOK(it) && k != docpack.KindImpl && k != docpack.KindMacro
}

// exportDeclared exports the items but modules of the modules visited so
// far, where they are declared. Each is in one module, visited once, and
// none has a public path yet (the walk through the public modules gives
// nothing else one): what visit would have done item by item, on up to
// workers goroutines.
func (r *resolver) exportDeclared(workers int) {
	visited := r.order
	inRunsOf(len(visited), workers, costlyRun, func(lo, hi int) {
		for _, mp := range visited[lo:hi] {
			m := r.mods[mp]
			if m == nil {
				continue
			}
			prefix := r.visited[mp]
			for _, it := range m.items {
				if it.sym.SymbolType != docpack.KindModule && r.declaredHere(it) {
					r.declared[it.order] = true
					r.exp[it.order] = prefix + "::" + it.sym.Name
					r.shownIn[it.order] = mp
				}
			}
		}
	})
}

// computeExports marks what rustdoc would show: pub items through pub modules
// first (their own paths win), then pub use re-exports, which can open up
// items and modules that are otherwise private.
func (r *resolver) computeExports() {
	r.exp[r.root.order] = r.crate.Name
	r.declaredLater = true
	r.visit("", r.crate.Name)
	r.declaredLater = false
	r.exportDeclared(r.opts.Workers)
	for _, it := range r.macros {
		if r.hiddenOK(it) {
			r.export(it, r.crate.Name+"::"+it.sym.Name, "", nil)
		}
	}
	for i := 0; i < len(r.order); i++ {
		mp := r.order[i]
		prefix := r.visited[mp]
		m := r.mods[mp]
		if m == nil {
			continue
		}
		for _, u := range m.uses {
			if u.vis != "pub" || (u.hidden && !r.opts.IncludeHidden) {
				continue
			}
			if u.glob {
				t, ok := r.resolveModule(u.mod, u.segs)
				if !ok {
					r.noteForeign(mp, u)
					continue
				}
				for _, n := range r.globNames(t, map[string]bool{}) {
					if r.hiddenOK(n.it) && n.it.sym.Visibility == "pub" {
						r.export(n.it, prefix+"::"+n.name, mp, u.attrs)
						r.markReexport(u, prefix+"::"+n.name)
					}
				}
				r.globForeign(mp, t, u.attrs, map[string]bool{})
				continue
			}
			its := r.resolvePath(u.mod, u.segs)
			if !typeNamespace(its) {
				// Nothing, or only a value of that name (syn's hidden fn
				// Ident beside `pub use proc_macro2::Ident`).
				r.noteForeign(mp, u)
			}
			for _, it := range its {
				// An item of a #[doc(hidden)] module stays hidden where it is
				// re-exported too, #[doc(inline)] or not: rustdoc lists the
				// `use` and strips the item.
				if it.parent == nil && !r.opts.IncludeHidden && r.modHidden(it.mod) {
					continue
				}
				if r.hiddenOK(it) && it.sym.SymbolType != docpack.KindImpl && (it.sym.Visibility == "pub" || it.parent != nil) {
					r.export(it, prefix+"::"+u.alias, mp, u.attrs)
					r.markReexport(u, prefix+"::"+u.alias)
				}
			}
		}
	}
}

// markReexport records the #[doc(no_inline)] or #[doc(inline)] of the
// re-export u that gives path.
func (r *resolver) markReexport(u useEntry, path string) {
	if u.noInline {
		if r.noInline == nil {
			r.noInline = map[string]bool{}
		}
		r.noInline[path] = true
	}
	if u.inline {
		if r.inline == nil {
			r.inline = map[string]bool{}
		}
		r.inline[path] = true
	}
}

// reachable reports whether it is exported when #[doc(hidden)] modules and
// re-exports are walked too.
func (r *resolver) reachable(it *rawItem) bool {
	if r.opts.IncludeHidden {
		_, ok := r.exported(it)
		return ok
	}
	if r.reach == nil {
		h := &resolver{crate: r.crate, opts: r.opts, root: r.root, mods: r.mods, memo: r.memo, byName: r.byName,
			expVia: map[*rawItem][]string{}, paths: map[*rawItem][]string{}, visited: map[string]string{}, macros: r.macros}
		h.newExports(len(r.all))
		h.opts.IncludeHidden = true
		h.computeExports()
		r.reach = h.exp
	}
	return r.reach[it.order] != ""
}

var typeKinds = map[docpack.Kind]bool{
	docpack.KindStruct: true, docpack.KindEnum: true, docpack.KindUnion: true,
	docpack.KindTypeAlias: true, docpack.KindTrait: true,
}

// resolveType finds the local type (or trait, when wantTrait) an impl names.
func (r *resolver) resolveType(mp, text string, wantTrait bool) *rawItem {
	segs := typePathSegs(text)
	if len(segs) == 0 || segs[0] == "" {
		return nil
	}
	ok := func(it *rawItem) bool {
		if wantTrait {
			return it.sym.SymbolType == docpack.KindTrait
		}
		return typeKinds[it.sym.SymbolType]
	}
	for _, it := range r.resolvePath(mp, segs) {
		if ok(it) {
			return it
		}
	}
	if len(segs) > 1 && segs[0] != "crate" && segs[0] != "self" && segs[0] != "super" && segs[0] != r.crate.Name {
		return nil // a path into another crate
	}
	// Fall back to any type of that name in the crate, exported ones first.
	var best *rawItem
	for _, it := range r.byName[segs[len(segs)-1]] {
		if !ok(it) {
			continue
		}
		if _, e := r.exported(it); e {
			return it
		}
		if best == nil {
			best = it
		}
	}
	return best
}

func (r *resolver) canonical(it *rawItem) string {
	if it == r.root {
		return r.crate.Name
	}
	if it.parent != nil {
		return r.canonical(it.parent) + "::" + it.sym.Name
	}
	if it.mod == "" {
		return r.crate.Name + "::" + it.sym.Name
	}
	return r.crate.Name + "::" + it.mod + "::" + it.sym.Name
}

type placed struct {
	it     *rawItem
	path   string
	public bool
	hidden bool
	parent *rawItem
	target string   // impls: path their items hang under
	trait  *rawItem // impls: the crate's trait they implement, when it is one
	id     string   // kept items: the symbol's id
}

// resolveCrate turns the parsed files of one crate into its symbols.
// Its other result are the crate's re-exports of other crates' items, placed
// (foreign.go).
func resolveCrate(c Crate, ci int, outs []*fileOut, opts Options) (*resolved, []foreignExport) {
	// The crate's trees are freed: what the C heap kept of them is given
	// back before the resolver's tables are made (winapi: RSS -28 MB).
	releaseCHeap()
	r := &resolver{crate: c, opts: opts, mods: map[string]*modNode{}, memo: map[lookupKey][]*rawItem{},
		byName: map[string][]*rawItem{}, expVia: map[*rawItem][]string{}, paths: map[*rawItem][]string{}, visited: map[string]string{},
		inherited: map[*rawItem][2]string{}}
	r.root = &rawItem{module: &modInfo{}}
	r.root.sym = &itemSym{Name: c.Name, SymbolType: docpack.KindModule, Visibility: "pub",
		Signature: "mod " + c.Name, Parameters: []docpack.Parameter{}, Attributes: []string{}, Dependencies: []string{}}
	r.mod("").item = r.root
	for _, o := range outs {
		if o.job.decl == nil {
			r.root.sym.File = o.rel
			r.root.sym.Line = 1
			r.root.sym.EndLine = max(o.lines, 1)
			r.root.sym.DocComments = unindentDoc(o.innerDocs)
			r.root.sym.SourceHash = sha256Hex(o.rel)
			r.root.sym.Attributes = append(r.root.sym.Attributes, o.innerAttrs...)
			continue
		}
		d := o.job.decl
		d.module.inner = o.innerDocs
		d.sym.Attributes = append(d.sym.Attributes, o.innerAttrs...)
		if o.parsed {
			d.sym.File, d.sym.Line, d.sym.EndLine = o.rel, 1, max(o.lines, 1)
		}
	}
	r.docCfgOn = docCfgEnabled(c.docs, r.root.sym.Attributes)
	// A module whose file starts with a false #![cfg(…)] does not exist in this
	// build, nor does anything in it (outer #[cfg]s were applied while parsing).
	// A crate root's false #![cfg(windows)] (winapi on Linux) leaves the crate
	// empty but for its root, as rustdoc documents it.
	off := map[string]bool{}
	for _, o := range outs {
		if !attrsOn(c.cfg, o.innerAttrs) {
			if d := o.job.decl; d != nil {
				off[d.modOf().childMod] = true
			} else {
				off[""] = true
			}
		}
	}
	gone := func(mod string) bool {
		for m := mod; ; m = parentMod(m) {
			if off[m] {
				return true
			}
			if m == "" {
				return false
			}
		}
	}
	inRunsOf(len(outs), opts.Workers, costlyRun, func(lo, hi int) {
		for _, o := range outs[lo:hi] {
			for _, it := range o.items {
				if it.sym.Visibility == "pub" && it.sym.SymbolType != docpack.KindImpl {
					o.pubItems++
				}
			}
		}
	})
	n := 0
	for _, o := range outs {
		n += len(o.items)
	}
	tops := make([]*rawItem, 0, n) // the module-level items, in the files' order
	// The items and uses of a file are mostly of its module: the last
	// module is kept at hand rather than looked up for each.
	var lastPath string
	var last *modNode
	modAt := func(p string) *modNode {
		if last == nil || p != lastPath {
			last, lastPath = r.mod(p), p
		}
		return last
	}
	for _, o := range outs {
		items, uses := o.items, o.uses
		// From here the resolver holds the items: once it is done, they are
		// garbage but for the symbols kept.
		o.items, o.uses = nil, nil
		if gone(o.job.modPath) {
			continue
		}
		for _, it := range items {
			if it.sym.SymbolType == docpack.KindModule && off[it.modOf().childMod] {
				continue
			}
			m := modAt(it.mod)
			m.items = append(m.items, it)
			if it.sym.SymbolType == docpack.KindModule {
				if m := r.mod(it.modOf().childMod); m.item == nil {
					m.item = it
				}
			}
			tops = append(tops, it)
		}
		for _, u := range uses {
			m := modAt(u.mod)
			m.uses = append(m.uses, u)
		}
	}
	all, mark, heads := numberItems(tops, opts.Workers)
	var traitImpls []*rawItem
	for i, k := range mark {
		switch it := all[i]; k {
		case markType:
			r.byName[it.sym.Name] = append(r.byName[it.sym.Name], it)
		case markMacro:
			r.macros = append(r.macros, it)
		case markTraitImpl:
			traitImpls = append(traitImpls, it)
		}
	}
	r.all = all
	mods := make([]*modNode, 0, len(r.mods))
	for _, m := range r.mods {
		mods = append(mods, m)
	}
	inRunsOf(len(mods), opts.Workers, costlyRun, func(lo, hi int) {
		for _, m := range mods[lo:hi] {
			m.index()
		}
	})
	r.root.order = len(all)
	r.newExports(len(all))
	r.computeExports()

	// Each item's placement, by its position in all.
	placing := make([]placed, len(all))
	var place func(it *rawItem) *placed
	place = func(it *rawItem) *placed {
		p := &placing[it.order]
		if p.it != nil {
			return p
		}
		p.it = it
		if it.parent == nil {
			path, ok := r.exported(it)
			p.public = ok
			if !ok {
				path = r.canonical(it)
				p.hidden = !opts.IncludeHidden && (it.hidden || r.modHidden(it.mod))
			}
			p.path = path
			in := it.mod
			if ok {
				in = r.shownIn[it.order]
			}
			if it != r.root {
				p.parent = r.modItem(in)
				if p.parent == nil {
					p.parent = r.root
				}
			}
			if it.sym.SymbolType == docpack.KindImpl {
				r.placeImpl(p)
			}
			return p
		}
		pp := place(it.parent)
		p.parent = it.parent
		p.hidden = pp.hidden || (it.hidden && !opts.IncludeHidden)
		p.path = pp.path + "::" + it.sym.Name
		switch pk := it.parent.sym.SymbolType; pk {
		case docpack.KindTrait:
			p.public = pp.public
			it.sym.Visibility = it.parent.sym.Visibility
		case docpack.KindEnum:
			p.public = pp.public
		case docpack.KindVariant:
			p.public = pp.public
		case docpack.KindImpl:
			p.path = implItemPrefix(pp) + "::" + it.sym.Name
			// rustdoc leaves out an impl's items that implement a
			// #[doc(hidden)] item of the trait (syn's Token::peek in
			// every impl Token for …).
			if pp.trait != nil && !opts.IncludeHidden && hiddenTraitItem(pp.trait, it) {
				p.hidden = true
			}
			if it.parent.implOf().trait != "" {
				it.sym.Visibility = it.parent.sym.Visibility
				p.public = pp.public
			} else {
				p.public = pp.public && it.sym.Visibility == "pub"
			}
		default: // struct / union fields
			p.public = pp.public && it.sym.Visibility == "pub"
		}
		return p
	}

	// Impls first, one at a time in their order: placing one resolves the
	// types it names through the resolver's memo, whose answers on import
	// cycles depend on the order of the lookups. The other items read only
	// what is fixed by now (exports, their parents' placement), and each
	// item's subtree follows it in all: the module-level items and their
	// subtrees are placed in parallel, and what is kept of them decided
	// there (an inherent impl is public only with an item shown, one of
	// its children).
	for _, h := range heads {
		if it := all[h]; it.sym.SymbolType == docpack.KindImpl {
			place(it)
		}
	}
	keep := make([]bool, len(all))
	inParallel(len(heads), opts.Workers, func(k int) {
		end := len(all)
		if k+1 < len(heads) {
			end = heads[k+1]
		}
		sub := all[heads[k]:end]
		for _, it := range sub {
			place(it)
		}
		for _, it := range sub {
			if it.sym.SymbolType == docpack.KindImpl && it.implOf().trait == "" && placing[it.order].public {
				any := false
				for _, ch := range it.children {
					if p := placing[ch.order]; p.public && !p.hidden {
						any = true
						break
					}
				}
				placing[it.order].public = any
			}
		}
		for _, it := range sub {
			p := &placing[it.order]
			keep[it.order] = !p.hidden && (p.public || opts.IncludePrivate)
		}
	})
	rootP := &placed{it: r.root, path: c.Name, public: true}
	nKept := 1
	for _, k := range keep {
		if k {
			nKept++
		}
	}
	kept := make([]*placed, 1, nKept)
	kept[0] = rootP
	for i, k := range keep {
		if k {
			kept = append(kept, &placing[i])
		}
	}
	disp, rewrites := r.displayPaths()
	r.inheritDocs(traitImpls, disp)
	r.dropLookups()
	workers := opts.Workers
	if rewrites {
		inParallel(len(kept), workers, func(i int) {
			p := kept[i]
			if p.it.sym.SymbolType == docpack.KindImpl && p.target != "" {
				p.target = disp(p.target)
				p.path = parentPath(p.target) + "::" + p.it.implOf().label
			} else {
				p.path = disp(p.path)
			}
		})
	}

	sortKept(kept, workers)
	setIDs(c.Name, kept, workers)
	idOf := func(it *rawItem) string {
		if it == r.root {
			return rootP.id
		}
		return placing[it.order].id
	}
	// Each kept item's symbol is finished in one pass, once every chain is
	// made (the chains of others read the items' attributes): what
	// resolving decides goes to its keptSym, and its item's own part
	// changes where it is.
	// An item's availability is made once for each owner (chainOwner).
	// Each kept item's owner, by its place in all (the root, outside all,
	// after it), and whether it is a module, are found on the workers: the
	// loops below, on one goroutine, then read two flat slices instead of
	// following each of winapi's 145,198 items to its symbol and owner.
	ownerAt := make([]int32, len(kept))
	isMod := make([]bool, len(kept))
	rootOwn := r.ownCfg(r.root)
	inParallel(len(kept), workers, func(i int) {
		x := kept[i].it
		isMod[i] = x.sym.SymbolType == docpack.KindModule
		x = r.chainOwner(x, rootOwn)
		at := len(all)
		if x != r.root {
			at = x.order
		}
		ownerAt[i] = int32(at)
	})
	// Kept modules by path: where an item whose enclosing module was left out
	// (a private module, or nothing at all for impls of foreign types) hangs.
	modIDs := map[string]string{}
	for i, m := range isMod {
		if m {
			if _, dup := modIDs[kept[i].path]; !dup {
				modIDs[kept[i].path] = kept[i].id
			}
		}
	}
	rootID := rootP.id
	// Owners are numbered in the order first met.
	var owners []*rawItem
	ownerOf := make([]int, len(kept))
	slot := make([]int32, len(all)+1) // owner number + 1
	for i, at := range ownerAt {
		if slot[at] == 0 {
			x := r.root
			if int(at) < len(all) {
				x = all[at]
			}
			owners = append(owners, x)
			slot[at] = int32(len(owners))
		}
		ownerOf[i] = int(slot[at]) - 1
	}
	avail := make([][2]string, len(owners)) // Cfg, DocCfg
	inRunsOf(len(owners), workers, costlyRun, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			avail[i][0], avail[i][1] = r.availability(owners[i])
		}
	})
	// The items of a module or type mostly share their cfg (winapi: ~9 MB of
	// equal strings): one copy of each is kept.
	cfgs := map[string]string{}
	for i := range avail {
		for j, v := range avail[i] {
			if u, ok := cfgs[v]; ok {
				avail[i][j] = u
			} else if v != "" {
				cfgs[v] = v
			}
		}
	}
	res := &resolved{kept: make([]keptSym, len(kept)), avail: avail}
	inParallel(len(kept), workers, func(i int) {
		p := kept[i]
		s := p.it.sym
		k := &res.kept[i]
		k.sym, k.id, k.path, k.owner = s, p.id, p.path, int32(ownerOf[i])
		ps := r.paths[p.it]
		if len(ps) <= 1 || p.it.parent != nil || s.SymbolType == docpack.KindImpl {
			ps = nil
		}
		if inh, ok := r.inherited[p.it]; ok || ps != nil {
			k.more = &symMore{publicPaths: ps, inheritedDoc: inh[0], inheritedFrom: inh[1]}
		}
		if p.parent != nil {
			k.parent = idOf(p.parent)
		}
		// An item shown at another of its paths than the first found hangs
		// under that path's module (rand::rngs for rand::rngs::StdRng, first
		// found through rand::prelude), as one with no parent does.
		moved := p.it.parent == nil && s.SymbolType != docpack.KindImpl && p.public && p.path != r.exp[p.it.order]
		if (k.parent == "" || moved) && p.it != r.root {
			k.parent = shownParent(p.path, modIDs, rootID)
		}
		if s.SymbolType == docpack.KindImpl {
			s.Visibility = "private"
			if p.public {
				s.Visibility = "pub"
			}
		}
		if s.Dependencies == nil {
			s.Dependencies = []string{}
		}
		if s.Parameters == nil {
			s.Parameters = []docpack.Parameter{}
		}
		// A re-export's #[cfg] makes the item conditional at this path.
		if via := r.expVia[p.it]; len(via) > 0 {
			s.Attributes = append(slices.Clip(s.Attributes), via...)
		}
		if s.Attributes == nil {
			s.Attributes = []string{}
		}
	})
	fe := r.foreignExports(disp, modIDs) // its modules' condChains read no attributes
	_ = ci
	return res, fe
}

// resolved is what resolveCrate keeps of a crate: its symbols in their
// order, each its item's parsed part and what resolving decided, from which
// symbolValues makes them (after the resolver's tables are garbage).
type resolved struct {
	kept []keptSym
	// avail are the owners' availability (Cfg, DocCfg); keptSym.owner
	// indexes it.
	avail [][2]string
}

// keptSym is one kept symbol of a resolved crate.
type keptSym struct {
	sym              *itemSym
	id, path, parent string
	more             *symMore // nil for most
	owner            int32
}

// symMore is what few kept symbols have: the public paths of an item
// exported at several, and a trait-impl item's inherited doc.
type symMore struct {
	publicPaths                 []string
	inheritedDoc, inheritedFrom string
}

// numberItems lists the items of tops and of their subtrees, each item
// before its subtree, and numbers them by their place in the list (order),
// on up to workers goroutines: the subtrees' sizes first, then each
// subtree where its size puts it. A module's inner docs (//! in its file)
// join its outer ones. mark marks the module-level types, the
// #[macro_export] macros and the impls of traits, by order; heads are
// where each of tops is in all.
// Walked on the one goroutine, winapi's 145,000 items were ~25 ms that the
// other workers waited on.
func numberItems(tops []*rawItem, workers int) (all []*rawItem, mark []itemMark, heads []int) {
	var size func(it *rawItem) int
	size = func(it *rawItem) int {
		n := 1
		for _, ch := range it.children {
			n += size(ch)
		}
		return n
	}
	start := make([]int, len(tops)+1)
	inRuns(len(tops), workers, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			start[k+1] = size(tops[k])
		}
	})
	for k := range tops {
		start[k+1] += start[k]
	}
	all, mark = make([]*rawItem, start[len(tops)]), make([]itemMark, start[len(tops)])
	var walk func(it *rawItem, i int) int
	walk = func(it *rawItem, i int) int {
		it.order = i
		all[i] = it
		if inner := it.modOf().inner; it.sym.SymbolType == docpack.KindModule && len(inner) > 0 {
			docs := inner
			if it.sym.DocComments != "" {
				docs = append([]string{it.sym.DocComments}, inner...)
			}
			it.sym.DocComments = unindentDoc(docs)
		}
		switch {
		case typeKinds[it.sym.SymbolType] && it.parent == nil:
			mark[i] = markType
		case it.sym.SymbolType == docpack.KindMacro && it.export:
			mark[i] = markMacro
		case it.sym.SymbolType == docpack.KindImpl && it.implOf().trait != "":
			mark[i] = markTraitImpl
		}
		i++
		for _, ch := range it.children {
			i = walk(ch, i)
		}
		return i
	}
	inRuns(len(tops), workers, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			walk(tops[k], start[k])
		}
	})
	return all, mark, start[:len(tops)]
}

// itemMark is what numberItems marks an item as.
type itemMark uint8

const (
	markNone      itemMark = iota
	markType               // a module-level type (byName)
	markMacro              // a #[macro_export] macro
	markTraitImpl          // an impl of a trait (inheritDocs)
)

// dropLookups lets go of what only the lookups of names and the placing of
// items read, once the items are placed, the display paths made and the
// docs inherited: the rest of resolveCrate (ids, availability, the symbols'
// last fields, foreignExports) reads the exports, the public paths, the
// re-exports' attributes and the modules' own items only. On winapi the
// lookup memo and the modules' name indexes are ~14 MB of the heap the
// symbols are finished on, the resolve's peak.
func (r *resolver) dropLookups() {
	r.memo, r.byName, r.reach, r.shownIn, r.declared, r.noInline, r.inline = nil, nil, nil, nil, nil, nil, nil
	for _, m := range r.mods {
		m.items, m.uses, m.named, m.aliases = nil, nil, nil, nil
	}
}

// minRun is the fewest indexes inParallel and inRuns give a goroutine of
// its own.
const minRun = 1024

// costlyRun is the fewest indexes inRunsOf gives a goroutine of its own
// where each costs tens of microseconds.
const costlyRun = 64

// inParallel calls fn for every index below n, on up to workers goroutines
// each taking a run of indexes.
func inParallel(n, workers int, fn func(i int)) {
	inRuns(n, workers, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			fn(i)
		}
	})
}

// inRuns splits the indexes below n into runs [lo, hi) and calls fn for
// each, on up to workers goroutines that take the next run as they finish
// one (the items of a run cost unequal time: a module-level item's subtree,
// an owner's chain); below 2*minRun indexes, or with one worker, fn gets
// them all at once.
func inRuns(n, workers int, fn func(lo, hi int)) {
	inRunsOf(n, workers, minRun, fn)
}

// inRunsOf is inRuns with least in place of minRun: indexes that each cost
// much are worth a goroutine of their own in fewer (an owner's cfg chains:
// tokio's 1,037 owners took ~12 ms, on one goroutine below 2*minRun).
func inRunsOf(n, workers, least int, fn func(lo, hi int)) {
	if workers <= 1 || n < 2*least {
		fn(0, n)
		return
	}
	run := max(least/4, n/(8*workers))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				lo := int(next.Add(int64(run))) - run
				if lo >= n {
					return
				}
				fn(lo, min(lo+run, n))
			}
		})
	}
	wg.Wait()
}

// sortStable is slices.SortStableFunc on up to workers goroutines: runs
// sorted at once, then merged pairwise. A stable sort's result is the only
// one its comparison allows, so it is the same on any number of workers.
func sortStable[T any](s []T, workers int, cmp func(a, b T) int) {
	if workers <= 1 || len(s) < 2*minRun {
		slices.SortStableFunc(s, cmp)
		return
	}
	var bounds []int // run i is s[bounds[i]:bounds[i+1]]
	run := max(minRun, (len(s)+workers-1)/workers)
	for lo := 0; lo < len(s); lo += run {
		bounds = append(bounds, lo)
	}
	bounds = append(bounds, len(s))
	var wg sync.WaitGroup
	for i := 0; i+1 < len(bounds); i++ {
		run := s[bounds[i]:bounds[i+1]]
		wg.Go(func() { slices.SortStableFunc(run, cmp) })
	}
	wg.Wait()
	buf := make([]T, len(s))
	src, dst := s, buf
	for len(bounds) > 2 {
		var next []int
		// Each merge of the level is split into pieces the workers left
		// over by the level's other merges share (the last level is one
		// merge of all).
		merges := len(bounds) / 2 // (runs+1)/2
		pieces := max(1, workers/merges)
		for i := 0; i+1 < len(bounds); i += 2 {
			lo, mid, hi := bounds[i], bounds[i+1], len(s)
			if i+2 < len(bounds) {
				hi = bounds[i+2]
			}
			next = append(next, lo)
			a, b, out := src[lo:mid], src[mid:hi], dst[lo:hi]
			ai, bi := 0, 0
			for k := 1; k <= pieces; k++ {
				p := len(out) * k / pieces
				aj := mergeSplit(a, b, p, cmp)
				bj := p - aj
				part, pa, pb := out[ai+bi:p], a[ai:aj], b[bi:bj]
				wg.Go(func() { mergeStable(part, pa, pb, cmp) })
				ai, bi = aj, bj
			}
		}
		wg.Wait()
		bounds = append(next, len(s))
		src, dst = dst, src
	}
	if &src[0] != &s[0] {
		copy(s, src)
	}
}

// mergeSplit is how many of a's elements are among the first p that
// mergeStable puts out (p-that of b's): the first i for which a[i] comes
// after b[p-i-1].
func mergeSplit[T any](a, b []T, p int, cmp func(a, b T) int) int {
	lo, hi := max(0, p-len(b)), min(p, len(a))
	for lo < hi {
		i := int(uint(lo+hi) >> 1)
		if j := p - i; j > 0 && cmp(b[j-1], a[i]) >= 0 {
			lo = i + 1 // a[i] comes before b[j-1]
		} else {
			hi = i
		}
	}
	return lo
}

// mergeStable merges the sorted a and b into out, a's element first of
// equal ones.
func mergeStable[T any](out, a, b []T, cmp func(a, b T) int) {
	i, j, k := 0, 0, 0
	for i < len(a) && j < len(b) {
		if cmp(b[j], a[i]) < 0 {
			out[k] = b[j]
			j++
		} else {
			out[k] = a[i]
			i++
		}
		k++
	}
	k += copy(out[k:], a[i:])
	copy(out[k:], b[j:])
}

// sortKept sorts kept as the symbols are listed: by file, line, path, kind
// and item order, which tells any two apart. Each comparison reads only as
// far as it needs: with cmp.Or's arguments all made, most of the sort's
// time went to the paths and kinds of items on different lines.
func sortKept(kept []*placed, workers int) {
	sortStable(kept, workers, func(a, b *placed) int {
		x, y := a.it.sym, b.it.sym
		if x.File != y.File {
			return strings.Compare(x.File, y.File)
		}
		if x.Line != y.Line {
			return cmp.Compare(x.Line, y.Line)
		}
		return cmp.Or(strings.Compare(a.path, b.path), strings.Compare(string(x.SymbolType), string(y.SymbolType)),
			cmp.Compare(a.it.order, b.it.order))
	})
}

// setIDs gives each kept item its id. The occurrence number of a path and
// kind follows kept's order (occurrences); the ids are hashed on up to
// workers goroutines.
func setIDs(crate string, kept []*placed, workers int) {
	seed := maphash.MakeSeed()
	hs := make([]uint64, len(kept))
	inParallel(len(kept), workers, func(i int) {
		p := kept[i]
		hs[i] = maphash.String(seed, p.path) ^ bits.RotateLeft64(maphash.String(seed, string(p.it.sym.SymbolType)), 1)
	})
	occ := occurrences(kept, hs)
	inParallel(len(kept), workers, func(i int) {
		p := kept[i]
		p.id = docpack.NewID(crate, p.path, p.it.sym.SymbolType, int(occ[i]))
	})
}

// occurrences numbers each kept item among those of its path and kind, from
// 1, in kept's order. hs are the hashes of their paths and kinds: the pass
// over kept probes a table of kept's indexes, the last one of each path and
// kind, and compares paths only where the hashes are equal. A map keyed by
// path and kind (on one goroutine, or one for each worker's share of the
// paths) was ~100 ms of CPU on winapi's 145,302 symbols, a third of it
// making the map.
func occurrences(kept []*placed, hs []uint64) []int32 {
	occ := make([]int32, len(kept))
	size := 1
	for size < 2*len(kept) {
		size <<= 1
	}
	slots := make([]int32, size) // a kept index + 1, 0 for none
	mask := uint64(size - 1)
	for i, h := range hs {
		for s := h & mask; ; s = (s + 1) & mask {
			j := slots[s] - 1
			if j < 0 {
				occ[i] = 1
				slots[s] = int32(i + 1)
				break
			}
			if hs[j] == h && kept[j].path == kept[i].path && kept[j].it.sym.SymbolType == kept[i].it.sym.SymbolType {
				occ[i] = occ[j] + 1
				slots[s] = int32(i + 1)
				break
			}
		}
	}
	return occ
}

// availability is the Symbol.Cfg and Symbol.DocCfg of it: its condChain,
// and its shownChain where that differs.
func (r *resolver) availability(it *rawItem) (cfgText, docCfg string) {
	if conds := r.condChain(it); len(conds) > 0 {
		cfgText = cfgexpr.AllOf(conds...).String()
		if shown := r.shownChain(it); len(shown) == 0 {
			docCfg = docpack.NoDocCfg // docs.rs shows no badge
		} else if d := cfgexpr.AllOf(shown...).String(); d != cfgText {
			docCfg = d
		}
	} else if shown := r.shownChain(it); len(shown) > 0 {
		docCfg = cfgexpr.AllOf(shown...).String() // a doc(cfg) of its own
	}
	return cfgText, docCfg
}

// chainOwner is the item whose chains (condChain, shownChain), so whose
// availability, it has: the nearest of it and its parents with cfgs (or a
// doc(cfg)) of its own (winapi: the fields, variants and methods, most of its
// symbols, take their type's). A module-level item without either, and
// without attributes of a re-export, has the chains of the module it is
// declared in, whose own level is their first (winapi: 94,000 of its items
// take one of 405 modules' chains, each of which was made once for every
// item: 100 ms of CPU and 30 MB of garbage). rootOwn is r.ownCfg(r.root):
// the root's level is in its own chains only.
func (r *resolver) chainOwner(it *rawItem, rootOwn bool) *rawItem {
	for it.parent != nil && !r.ownCfg(it) {
		it = it.parent
	}
	if it == r.root || it.parent != nil || r.ownCfg(it) || len(r.expVia[it]) > 0 {
		return it
	}
	m := r.modItem(it.mod)
	if m == nil || len(r.expVia[m]) > 0 || m.mod != parentMod(it.mod) || m == r.root && rootOwn {
		return it
	}
	return m
}

// ownCfg reports whether it adds a level of its own to the chains of its
// parent: cfgs, or (where docs.rs shows doc_cfg) a #[doc(cfg(…))].
func (r *resolver) ownCfg(it *rawItem) bool {
	if len(it.cond) > 0 {
		return true
	}
	if !r.docCfgOn {
		return false
	}
	d, _ := docCfgOf(r.crate.docs, it.sym.Attributes)
	return len(d) > 0
}

// shorterPath orders the public paths of an item named name: paths that
// keep its name before renaming re-exports (`pub use Visible as Renamed`),
// then fewer segments, shorter text, and by text.
func shorterPath(name string) func(a, b string) int {
	renamed := func(p string) bool { return !strings.HasSuffix(p, "::"+name) }
	return func(a, b string) int {
		return cmp.Or(boolCompare(renamed(a), renamed(b)), cmp.Compare(strings.Count(a, "::"), strings.Count(b, "::")),
			cmp.Compare(len(a), len(b)), strings.Compare(a, b))
	}
}

func boolCompare(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// displayPaths sorts each exported item's public paths and returns the
// rewrite from the path an item was first found at (what its children's
// paths were built on) to its display path: where it is declared when that is
// public, as rustdoc shows it (indexmap::map::IndexMap; a root `pub use` of
// it is a re-export), or a shorter #[doc(inline)] re-export (serde::Serialize);
// for an item of a private module, the shortest of the re-exports rustdoc
// inlines it at (shorterPath; not #[doc(no_inline)] ones). Children follow.
// Only items that hold other items (modules, types, traits) rewrite the paths
// under them: a function and a module may share a name. rewrites is false
// when no path changes (winapi's 145,302), so that the kept items' paths
// need not be gone through (an impl's path is made of its target's as
// placeImpl made it).
func (r *resolver) displayPaths() (disp func(string) string, rewrites bool) {
	exact, prefix := map[string]string{}, map[string]string{}
	for it, ps := range r.paths {
		if len(ps) < 2 {
			continue
		}
		shorter := shorterPath(it.sym.Name)
		own := r.exp[it.order]
		// shown: the paths rustdoc gives a page of the item's own.
		shown := func(p string) bool {
			return !r.noInline[p] && (!r.declared[it.order] || p == own || r.inline[p])
		}
		slices.SortFunc(ps, func(a, b string) int {
			return cmp.Or(boolCompare(!shown(a), !shown(b)), shorter(a, b))
		})
		if from := r.exp[it.order]; ps[0] != from {
			exact[from] = ps[0]
			if k := it.sym.SymbolType; k == docpack.KindModule || typeKinds[k] {
				prefix[from] = ps[0]
			}
		}
	}
	return func(path string) string {
		if to, ok := exact[path]; ok {
			return to
		}
		for pre := parentPath(path); len(prefix) > 0 && strings.Contains(pre, "::"); pre = parentPath(pre) {
			if to, ok := prefix[pre]; ok {
				return to + path[len(pre):]
			}
		}
		return path
	}, len(exact) > 0
}

// implItemPrefix is where an impl's items live, the page rustdoc shows the
// impl on: the public (or canonical) path of its self type; for a local trait
// implemented on a foreign or generic type, the trait's; for a foreign trait
// implemented on a foreign type, the local type it names (impl From<Local>
// for u32).
func implItemPrefix(p *placed) string {
	if p.target != "" {
		return p.target
	}
	return p.path
}

// placeImpl decides whether an impl block is public and names it.
func (r *resolver) placeImpl(p *placed) {
	it := p.it
	im := it.implOf()
	var self *rawItem
	if !slices.Contains(im.params, baseTypeName(im.selfType)) { // impl<T: Visitor> Expected for T
		self = r.resolveType(it.mod, im.selfType, false)
	}
	var tr *rawItem
	if im.trait != "" {
		tr = r.resolveType(it.mod, im.trait, true)
	}
	pathOf := func(x *rawItem) (string, bool) {
		if e, ok := r.exported(x); ok {
			return e, true
		}
		return r.canonical(x), false
	}
	selfOK, traitOK := self == nil, im.trait == "" || tr == nil
	var typePath string
	if self != nil {
		var pub bool
		typePath, pub = pathOf(self)
		selfOK = pub && r.hiddenOK(self)
	}
	if tr != nil {
		_, pub := pathOf(tr)
		// rustdoc keeps the impls of a trait that is public only through a
		// #[doc(hidden)] module (crossbeam-channel's internal::SelectHandle):
		// the trait is exported, only its path there is hidden. They are shown
		// with the type; one on a foreign type has nowhere to be shown.
		traitOK = (pub || self != nil && r.reachable(tr)) && r.hiddenOK(tr)
	}
	if self == nil {
		if tr != nil {
			// impl Trait for Box<T> / &mut T / T: rustdoc lists it on the
			// trait's page (implementations on foreign types, or implementors
			// for a blanket impl), so its items live under the trait.
			typePath, _ = pathOf(tr)
		} else {
			typePath = r.canonical(it)
			typePath = parentPath(typePath) + "::" + implTypeName(im.selfType)
		}
	}
	if self == nil && tr == nil && im.trait != "" {
		// impl From<Local> for Foreign: rustdoc lists it with Local.
		for _, d := range it.sym.Dependencies {
			cands := r.byName[d]
			// The name as the impl's module sees it, when it resolves there:
			// proc-macro2's private wrapper::TokenStream is not the public one.
			if x := r.resolveType(it.mod, d, false); x != nil {
				cands = []*rawItem{x}
			}
			for _, cand := range cands {
				if e, ok := r.exported(cand); ok && typeKinds[cand.sym.SymbolType] && r.hiddenOK(cand) {
					self, typePath = cand, e
					break
				}
			}
			if self != nil {
				break
			}
		}
		selfOK = self != nil
	}
	p.public = selfOK && traitOK && (self != nil || tr != nil)
	if self != nil && !selfOK || tr != nil && !traitOK {
		p.public = false
	}
	if !r.hiddenOK(it) {
		p.public = false
	}
	p.path = parentPath(typePath) + "::" + im.label
	p.target, p.trait = typePath, tr
	if p.public {
		it.sym.Visibility = "pub"
	} else if self != nil {
		it.sym.Visibility = self.sym.Visibility
	}
}

// hiddenTraitItem reports whether the item of trait tr that impl item it
// implements (same name and namespace) is #[doc(hidden)].
func hiddenTraitItem(tr, it *rawItem) bool {
	for _, c := range tr.children {
		if c.sym.Name == it.sym.Name && (c.sym.SymbolType == docpack.KindAssocType) == (it.sym.SymbolType == docpack.KindAssocType) {
			return c.hidden
		}
	}
	return false
}

// shownParent is the id of the nearest kept module above path: every symbol
// but a crate root has a parent (DOCPACK_SPEC §4). An impl's path segment
// ("impl fmt::Display for Foo") may itself contain "::".
func shownParent(path string, modIDs map[string]string, rootID string) string {
	if i := strings.Index(path, "::impl "); i >= 0 {
		path = path[:i+len("::impl")]
	}
	for p := parentPath(path); ; p = parentPath(p) {
		if id, ok := modIDs[p]; ok {
			return id
		}
		if !strings.Contains(p, "::") {
			return rootID
		}
	}
}

func parentPath(p string) string {
	if i := strings.LastIndex(p, "::"); i >= 0 {
		return p[:i]
	}
	return p
}

// condChain collects the configuration-dependent cfgs an item's presence
// depends on, outermost first: those of the modules it is declared in, then
// its parents' (impl, type, trait), then its own.
func (r *resolver) condChain(it *rawItem) []cfgexpr.Expr {
	return r.chain(it, func(cond []cfgexpr.Expr, _ []string) []cfgexpr.Expr { return cond })
}

// shownChain is condChain as docs.rs shows it (Symbol.DocCfg), rustdoc's
// doc_cfg rules: nothing unless the crate turns doc_cfg on in docs.rs's build
// (#![cfg_attr(docsrs, feature(doc_cfg))]); then, at each level (module,
// parent, item, re-export), its #[doc(cfg(…))] in place of its own #[cfg]s
// where it writes one (tokio's doc(cfg(feature = "process")) hides the
// not(loom) beside it), its #[cfg]s otherwise.
func (r *resolver) shownChain(it *rawItem) []cfgexpr.Expr {
	if !r.docCfgOn {
		return nil
	}
	return r.chain(it, func(cond []cfgexpr.Expr, attrs []string) []cfgexpr.Expr {
		if d, ok := docCfgOf(r.crate.docs, attrs); ok {
			return d
		}
		return cond
	})
}

// chain collects the cfgs of each level an item's presence depends on,
// outermost first, as layer makes them of the level's own cfgs and
// attributes.
func (r *resolver) chain(it *rawItem, layer func(cond []cfgexpr.Expr, attrs []string) []cfgexpr.Expr) []cfgexpr.Expr {
	// innermost first; on the stack for all but the deepest (winapi: 26 MB
	// of garbage in the resolve made by growing it on the heap)
	var buf [16][]cfgexpr.Expr
	layers := buf[:0]
	top := it
	for x := it; x != nil; x = x.parent {
		layers = append(layers, layer(x.cond, x.sym.Attributes))
		top = x
	}
	if top != r.root {
		for mp := top.mod; mp != ""; mp = parentMod(mp) {
			if m := r.modItem(mp); m != nil {
				layers = append(layers, layer(m.cond, m.sym.Attributes))
			}
		}
	}
	// A re-export's #[cfg] (its own and the macro calls' around it) is part
	// of the item's availability where it is shown through it, as rustdoc
	// merges an inlined re-export's attributes with the item's.
	if via := r.expVia[top]; len(via) > 0 {
		layers = append(layers, layer(condOf(via), via))
	}
	var out []cfgexpr.Expr
	for i := len(layers) - 1; i >= 0; i-- {
		out = append(out, layers[i]...)
	}
	return out
}
