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
	if kind != docpack.KindTrait {
		for _, im := range x.BlanketImpls(i) {
			add(BlanketTitle, SectionItem{Symbol: im, Target: im, Members: x.Children(im)})
		}
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

// BlanketTitle heads the blanket impls of the crate that apply to a type.
const BlanketTitle = "Blanket Implementations"

// blanket is a blanket impl and the traits its self parameter is bound by.
type blanket struct {
	impl   int
	bounds []string
}

// BlanketImpls returns the crate's blanket impls that apply to the type at
// t, as docs.rs lists them under "Blanket Implementations": rand's
// `impl<R: RngCore + ?Sized> Rng for R` on StdRng, which implements RngCore.
// An impl is listed only when the docpack shows each bound met: every trait
// its parameter is bound by is one t has an impl of here (derives included).
// A bound with generic arguments (`D: Distribution<T>`) cannot be checked
// from syntax, nor can the standard library's blanket impls (From, Into,
// Any, …) be told from the docpack: those are not listed.
func (x *Index) BlanketImpls(t int) []int {
	if !isType(x.Symbols[t].SymbolType) {
		return nil
	}
	x.blanketOnce.Do(func() {
		for i := range x.Symbols {
			if x.Symbols[i].SymbolType == docpack.KindImpl && x.BlanketImpl(i) && x.ImplTraitName(i) != "" {
				if b, ok := blanketBounds(implHeader(&x.Symbols[i])); ok && len(b) > 0 {
					x.blankets = append(x.blankets, blanket{impl: i, bounds: b})
				}
			}
		}
	})
	if len(x.blankets) == 0 {
		return nil
	}
	_, traits := x.Impls(t)
	var out []int
	for _, b := range x.blankets {
		if x.ImplTrait(b.impl) >= 0 && slices.ContainsFunc(traits, func(im int) bool { return x.ImplTrait(im) == x.ImplTrait(b.impl) }) {
			continue // the type implements the trait itself
		}
		met := true
		for _, bound := range b.bounds {
			want := x.ResolveType(bound, b.impl, docpack.KindTrait)
			if !slices.ContainsFunc(traits, func(im int) bool {
				if want >= 0 {
					return x.ImplTrait(im) == want
				}
				return lastSeg(typePath(x.ImplTraitName(im))) == lastSeg(bound)
			}) {
				met = false
				break
			}
		}
		if met {
			out = append(out, b.impl)
		}
	}
	return out
}

// blanketBounds lists the traits a blanket impl's self parameter is bound by,
// in its declaration and its where clause: "impl<R: RngCore + ?Sized> Rng
// for R" gives RngCore. ok is false when a bound cannot be checked from
// syntax (generic arguments, a higher-ranked or parenthesized bound).
func blanketBounds(header string) (bounds []string, ok bool) {
	h := strings.TrimSpace(header)
	_, self := docpack.SplitImpl(h)
	where := ""
	if j := strings.Index(self, " where "); j >= 0 {
		self, where = self[:j], self[j+len(" where "):]
	}
	self = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(self), "{"))
	decl := splitTop(implGenerics(h), ',')
	for _, pred := range append(decl, splitTop(strings.TrimSuffix(strings.TrimSpace(where), "{"), ',')...) {
		name, rest, found := strings.Cut(strings.TrimSpace(pred), ":")
		if !found || strings.TrimSpace(name) != self {
			continue
		}
		for _, b := range splitTop(rest, '+') {
			b = strings.TrimSpace(b)
			switch {
			case b == "" || strings.HasPrefix(b, "?") || strings.HasPrefix(b, "'"):
			case strings.ContainsAny(b, "<(") || strings.HasPrefix(b, "for"):
				return nil, false
			default:
				bounds = append(bounds, b)
			}
		}
	}
	return bounds, true
}

// splitTop splits s at sep outside brackets.
func splitTop(s string, sep byte) []string {
	var out []string
	depth, start := 0, 0
	for j := 0; j < len(s); j++ {
		switch s[j] {
		case '<', '(', '[':
			depth++
		case '>', ')', ']':
			if s[j] == '>' && j > 0 && s[j-1] == '-' {
				continue
			}
			depth--
		case sep:
			if depth == 0 {
				out = append(out, s[start:j])
				start = j + 1
			}
		}
	}
	if strings.TrimSpace(s[start:]) != "" {
		out = append(out, s[start:])
	}
	return out
}

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
	var params []string
	for _, p := range splitTop(implGenerics(header), ',') {
		params = append(params, typeParam(p)...)
	}
	return params
}

// implGenerics is what an impl header declares between "impl<" and its ">":
// "impl<'a, T: Clone> Foo for T" gives "'a, T: Clone".
func implGenerics(header string) string {
	h := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(header), "unsafe "))
	h = strings.TrimPrefix(h, "impl")
	if !strings.HasPrefix(h, "<") {
		return ""
	}
	depth := 0
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
				return h[1:j]
			}
		}
	}
	return ""
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
