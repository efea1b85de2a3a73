package index

import (
	"fmt"
	"slices"
	"strings"

	"github.com/doctown/doctown/docpack"
)

// Section is one titled list of a symbol's page, in the order docs.rs shows
// them: a type's fields or variants, its inherent methods
// ("Implementations") and trait impls ("Trait Implementations"); a trait's
// required and provided items and its implementors; a module's items by kind;
// an impl block's type, trait and items. A module's re-exports come first.
type Section struct {
	// Title is the heading: "Fields", "Implementations", "Required Methods",
	// "Implementors", "Structs", …
	Title string
	Items []SectionItem
}

// SectionItem is one line of a section.
type SectionItem struct {
	// Symbol is the member, item or impl block listed.
	Symbol int
	// Impl marks an impl block's header listed among the inherent methods
	// (a type with several inherent impls, as docs.rs heads each); the
	// methods that follow are its.
	Impl bool
	// Target is what the line opens: Symbol, except for an implementor,
	// which opens the implementing type when the docpack has it.
	Target int
	// Members are a trait impl's items, by name on docs.rs until expanded.
	Members []int
	// Reexport is the public path a module's re-export gives the item
	// ("serde::Serialize" in serde for serde::ser::Serialize).
	Reexport string
}

// Sections lists the sections of the page of the symbol at i.
func (x *Index) Sections(i int) []Section {
	var out []Section
	add := func(title string, it SectionItem) {
		if n := len(out); n > 0 && out[n-1].Title == title {
			out[n-1].Items = append(out[n-1].Items, it)
			return
		}
		out = append(out, Section{Title: title, Items: []SectionItem{it}})
	}
	kind := x.Symbols[i].SymbolType
	switch kind {
	case docpack.KindModule:
		for _, r := range x.Reexports(x.Symbols[i].Path) {
			add("Re-exports", SectionItem{Symbol: r.Symbol, Target: r.Symbol, Reexport: r.Path})
		}
		for _, c := range x.Items(x.Symbols[i].Path) {
			add(KindPlural(x.Symbols[c].SymbolType), SectionItem{Symbol: c, Target: c})
		}
		return out
	case docpack.KindImpl:
		if t := x.ImplFor(i); t >= 0 {
			add("For", SectionItem{Symbol: t, Target: t})
		}
		if tr := x.ImplTrait(i); tr >= 0 {
			add("Trait", SectionItem{Symbol: tr, Target: tr})
		}
		for _, c := range x.Children(i) {
			add(MemberTitle(x.Symbols[c].SymbolType), SectionItem{Symbol: c, Target: c})
		}
		return out
	}
	for _, c := range x.Children(i) {
		switch x.Symbols[c].SymbolType {
		case docpack.KindImpl:
			continue
		case docpack.KindTraitMethod, docpack.KindAssocType, docpack.KindAssocConst:
			if kind == docpack.KindTrait {
				continue // required, then provided, below
			}
		}
		add(MemberTitle(x.Symbols[c].SymbolType), SectionItem{Symbol: c, Target: c})
	}
	if kind == docpack.KindTrait {
		kids := x.Children(i)
		for _, k := range []docpack.Kind{docpack.KindAssocType, docpack.KindAssocConst, docpack.KindTraitMethod} {
			for _, provided := range []bool{false, true} {
				title := "Required " + MemberTitle(k)
				if provided {
					title = "Provided " + MemberTitle(k)
				}
				for _, c := range kids {
					if cs := &x.Symbols[c]; cs.SymbolType == k && cs.HasDefault == provided {
						add(title, SectionItem{Symbol: c, Target: c})
					}
				}
			}
		}
	}
	inherent, traits := x.Impls(i)
	for _, im := range inherent {
		if len(inherent) > 1 || len(x.Children(im)) == 0 {
			add("Implementations", SectionItem{Symbol: im, Target: im, Impl: true})
		}
		for _, c := range x.Children(im) {
			add("Implementations", SectionItem{Symbol: c, Target: c})
		}
	}
	for _, im := range traits {
		add("Trait Implementations", SectionItem{Symbol: im, Target: im, Members: x.Children(im)})
	}
	if kind == docpack.KindTrait {
		// docs.rs lists the impls for types this crate does not define
		// apart and first; a blanket impl (impl<R: RngCore> Rng for R) is an
		// implementor, as rustdoc files an impl whose self type has no
		// definition of its own.
		var local, foreign []SectionItem
		for _, im := range x.Implementors(i) {
			if f := x.ImplFor(im); f >= 0 {
				local = append(local, SectionItem{Symbol: im, Target: f})
			} else if x.BlanketImpl(im) {
				local = append(local, SectionItem{Symbol: im, Target: im})
			} else {
				foreign = append(foreign, SectionItem{Symbol: im, Target: im})
			}
		}
		for _, g := range []struct {
			title string
			items []SectionItem
		}{{ForeignTitle, foreign}, {ImplementorsTitle, local}} {
			for _, it := range g.items {
				add(fmt.Sprintf("%s (%d)", g.title, len(g.items)), it)
			}
		}
	}
	return out
}

// The titles of a trait's implementors, as docs.rs heads them; Sections
// adds the count ("Implementors (3)").
const (
	ImplementorsTitle = "Implementors"
	ForeignTitle      = "Implementations on Foreign Types"
)

// BlanketImpl reports whether an impl block is a blanket impl: its self type
// is one of its own type parameters ("impl<R: RngCore + ?Sized> Rng for R").
// "&'a mut R" or "Box<R>" are not: rustdoc files those under the reference
// and Box, foreign types.
func (x *Index) BlanketImpl(impl int) bool {
	h := strings.TrimSpace(implHeader(&x.Symbols[impl]))
	_, self := docpack.SplitImpl(h)
	if j := strings.Index(self, " where"); j >= 0 {
		self = self[:j]
	}
	self = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(self), "{"))
	if self == "" {
		return false
	}
	return slices.Contains(typeParams(h), self)
}

// typeParams lists the type parameters an impl header declares:
// "impl<'a, T: Clone, const N: usize, U = u8> …" gives T and U.
func typeParams(header string) []string {
	h := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(header), "unsafe "))
	h = strings.TrimPrefix(h, "impl")
	if !strings.HasPrefix(h, "<") {
		return nil
	}
	var params []string
	depth, start := 0, 1
	for j := 0; j < len(h); j++ {
		switch h[j] {
		case '<', '(', '[':
			depth++
		case '>', ')', ']':
			if h[j] == '>' && j > 0 && h[j-1] == '-' {
				continue
			}
			depth--
			if depth == 0 {
				return append(params, typeParam(h[start:j])...)
			}
		case ',':
			if depth == 1 {
				params = append(params, typeParam(h[start:j])...)
				start = j + 1
			}
		}
	}
	return params
}

// typeParam is the name a generic parameter declares if it is a type.
func typeParam(p string) []string {
	p = strings.TrimSpace(p)
	if p == "" || strings.HasPrefix(p, "'") || strings.HasPrefix(p, "const ") {
		return nil
	}
	end := strings.IndexAny(p, ":= ")
	if end >= 0 {
		p = p[:end]
	}
	return []string{p}
}

// MemberTitle is the heading of a type's or an impl's members of a kind, as
// docs.rs writes it: "Fields", "Variants", "Methods", "Associated Types".
func MemberTitle(k docpack.Kind) string {
	switch k {
	case docpack.KindField:
		return "Fields"
	case docpack.KindVariant:
		return "Variants"
	case docpack.KindMethod, docpack.KindFunction, docpack.KindTraitMethod:
		return "Methods"
	case docpack.KindAssocType:
		return "Associated Types"
	case docpack.KindAssocConst:
		return "Associated Constants"
	}
	return KindPlural(k)
}
