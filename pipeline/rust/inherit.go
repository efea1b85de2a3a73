package rust

import (
	"slices"
	"strings"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/pipeline/rust/stddocs"
)

// traitItemKind is the kind of the trait item an impl item of kind k
// implements: a method implements a trait method; associated types and
// consts keep their kind.
func traitItemKind(k docpack.Kind) docpack.Kind {
	if k == docpack.KindMethod {
		return docpack.KindTraitMethod
	}
	return k
}

// inheritDocs gives every item of a trait impl that has no doc comments the
// doc of the trait's item of the same name and kind, as rustdoc shows it: from
// the crate's own trait when the impl names one (resolved as placeImpl
// resolves it), else from the standard library's table (stddocs) when the
// trait's path leads to std, core or alloc through the module's imports or
// the prelude. impls are the crate's impls of traits, in all's order (the
// traits are resolved one after the other, as the lookup memo needs); disp
// turns a path into its display path.
func (r *resolver) inheritDocs(impls []*rawItem, disp func(string) string) {
	std := stddocs.Load()
	noStd := slices.Contains(r.root.sym.Attributes, "#![no_std]")
	for _, it := range impls {
		if !slices.ContainsFunc(it.children, undocumented) {
			continue
		}
		var lookup func(name string, kind docpack.Kind) (doc, from string)
		if tr := r.localTrait(it); tr != nil {
			base := disp(r.pathOf(tr))
			lookup = func(name string, kind docpack.Kind) (string, string) {
				for _, ch := range tr.children {
					if ch.sym.Name == name && ch.sym.SymbolType == kind && strings.TrimSpace(ch.sym.DocComments) != "" {
						return ch.sym.DocComments, base + "::" + name
					}
				}
				return "", ""
			}
		} else if root, key, t := r.stdTrait(it, std, noStd); t != nil {
			lookup = func(name string, kind docpack.Kind) (string, string) {
				if doc, ok := t.Item(name, string(kind)); ok {
					return doc, root + "::" + key + "::" + name
				}
				return "", ""
			}
		} else {
			continue
		}
		for _, ch := range it.children {
			if undocumented(ch) {
				if doc, from := lookup(ch.sym.Name, traitItemKind(ch.sym.SymbolType)); doc != "" || from != "" {
					r.inherited[ch] = [2]string{doc, from}
				}
			}
		}
	}
}

func undocumented(it *rawItem) bool { return strings.TrimSpace(it.sym.DocComments) == "" }

// pathOf is the public path of an item, or its path in the crate when it has none.
func (r *resolver) pathOf(it *rawItem) string {
	if p, ok := r.exported(it); ok {
		return p
	}
	return r.canonical(it)
}

// localTrait is the crate's trait an impl implements, nil for a trait of
// another crate or a std derive.
func (r *resolver) localTrait(it *rawItem) *rawItem {
	if it.implOf().traitPath != "" {
		return nil
	}
	return r.resolveType(it.mod, it.implOf().trait, true)
}

// stdTrait finds the standard library trait an impl implements: its crate as
// the impl names it ("std", "core", "alloc"), its key in the table and its
// entry; t is nil when the trait is not one of std's.
func (r *resolver) stdTrait(it *rawItem, std *stddocs.Table, noStd bool) (root, key string, t *stddocs.Trait) {
	path := it.implOf().traitPath
	if path == "" {
		segs := typePathSegs(it.implOf().trait)
		if len(segs) == 0 || segs[0] == "" {
			return "", "", nil
		}
		var ok bool
		if path, ok = r.externPath(it.mod, segs, std, 0); !ok {
			return "", "", nil
		}
	}
	root, rest, ok := stddocs.Split(path)
	if !ok {
		return "", "", nil
	}
	key, t = std.Trait(rest)
	if t == nil {
		return "", "", nil
	}
	if root == "" || noStd && root == "std" {
		root = t.Crate
	}
	return root, key, t
}

// externPath is the full path (from std, core or alloc) that segs, written
// in module mp, names when it leads into the standard library: directly
// (`std::fmt::Debug`), through a `use` of the module (`use std::fmt;` then
// `fmt::Debug`, `use core::fmt::{self, Debug}` then `Debug`), a glob import
// (`use std::io::prelude::*;`, or `use super::*;` of a module that imports
// it), a crate's own re-export (`use crate::prelude::Read`), or the prelude
// (`Clone`, `Iterator`, `From`).
func (r *resolver) externPath(mp string, segs []string, std *stddocs.Table, depth int) (string, bool) {
	if len(segs) > 0 && segs[0] == "" { // `::core::fmt`, a 2015-style absolute path
		segs = segs[1:]
	}
	if depth > 8 || len(segs) == 0 {
		return "", false
	}
	first := segs[0]
	if stddocs.Roots(first) && len(r.lookup(mp, first)) == 0 {
		return strings.Join(segs, "::"), true
	}
	if first == "crate" || first == "self" || first == "super" || first == "$crate" {
		cur, i, _ := r.start(mp, segs)
		if i >= len(segs) {
			return "", false
		}
		return r.externPath(cur, segs[i:], std, depth+1)
	}
	if len(segs) > 1 {
		// A module of the crate: serde's `lib::fmt` (mod lib { pub use
		// self::core::fmt; mod core { pub use std::*; } }).
		if next, ok := r.childModule(mp, first); ok {
			return r.externPath(next, segs[1:], std, depth+1)
		}
	}
	m := r.mods[mp]
	if m == nil {
		return "", false
	}
	for _, k := range m.usesNamed(first) {
		if u := &m.uses[k]; len(u.segs) > 0 {
			full := append(slices.Clip(u.segs), segs[1:]...)
			if stddocs.Roots(full[0]) {
				// A use path starting at std/core/alloc names the crate
				// (`use ::core::fmt;` beside a `mod core;`).
				return strings.Join(full, "::"), true
			}
			return r.externPath(u.mod, full, std, depth+1)
		}
	}
	if len(r.lookup(mp, first)) > 0 {
		return "", false // a local item of that name
	}
	for _, u := range m.uses {
		if !u.glob || len(u.segs) == 0 {
			continue
		}
		if stddocs.Roots(u.segs[0]) {
			full := append(slices.Clip(u.segs), segs...)
			if _, rest, ok := stddocs.Split(strings.Join(full, "::")); ok {
				if _, t := std.Trait(rest); t != nil {
					return strings.Join(full, "::"), true
				}
			}
			continue
		}
		if t, ok := r.resolveModule(u.mod, u.segs); ok && t != mp {
			if p, ok := r.externPath(t, segs, std, depth+1); ok {
				return p, true
			}
		}
	}
	if len(segs) > 1 && mp != "" {
		if next, ok := r.childModule("", first); ok { // a 2015-style crate-relative path
			return r.externPath(next, segs[1:], std, depth+1)
		}
	}
	if len(segs) == 1 {
		if key, ok := std.Prelude[first]; ok {
			return "std::" + key, true
		}
	}
	return "", false
}
