// Package index is the one in-memory model of a docpack that every viewer (the web
// commons, the TUI, `doctown open`, export and the MCP server) reads: symbols by
// id and path, parents and children, the module tree and each symbol's module, a
// type's inherent and trait impls, a trait's implementors, paths and intra-doc
// links resolved in a module's scope, the kind names, one search with one
// ranking, and one rustdoc-markdown rewriter. Front ends render what it gives;
// none rebuilds it.
package index

import (
	"cmp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/doctown/doctown/docpack"
)

// Index is a docpack ready for browsing. Docs are read lazily with Doc.
type Index struct {
	Manifest *docpack.Manifest
	Symbols  []docpack.Symbol
	// Modules are the module tree flattened depth first: crate roots, then their
	// modules in path order.
	Modules []Module

	byID     func(id string) (int, bool)
	parent   []int32 // symbol -> its parent, or -1: looked up once, by id
	byPath   map[string]int
	byName   map[string][]int
	children [][]int
	items    map[string][]int // module path -> top-level items
	modOf    []string         // symbol -> module path
	modules  map[string]int   // module path -> its symbol, or -1
	implFor  map[int]int      // impl -> the type it implements
	// implTrait is the trait an impl implements when it is in the docpack.
	implTrait map[int]int
	// implementors are a trait's impls, in symbol order.
	implementors map[int][]int
	// reexports are the items a module makes public under another path.
	reexports map[string][]Reexport
	// inlined are the items inlined from other crates by their path there
	// (Symbol.InlinedFrom.Path), for the links of their docs.
	inlined map[string][]int

	// Children and items are put in reading order when first asked for: the
	// first frame shows a few of the lists, sorting all of them costs it.
	sortMu      sync.Mutex
	childSorted []bool
	itemsSorted map[string]bool

	// blankets are the crate's blanket impls with the traits their
	// parameter must implement, found by the first BlanketImpls.
	blanketOnce sync.Once
	blankets    []blanket

	// Search haystacks, built by the first search: the first frame needs none.
	hayOnce sync.Once
	hay     []string // lowercased path
	nameOff []int    // offset of the name inside hay

	docs DocSource
}

// DocSource reads one symbol's doc.
type DocSource interface {
	Doc(id string) (docpack.Doc, bool)
}

// Module is one node of the module tree.
type Module struct {
	Path  string
	Name  string
	Depth int
	// Symbol is the module's symbol index, or -1 for a crate root without one.
	Symbol int
	// Items is the number of top-level items in the module.
	Items int
}

// New indexes symbols. docs may be nil.
func New(m *docpack.Manifest, symbols []docpack.Symbol, docs DocSource) *Index {
	return newIndex(m, symbols, docs, idsOf(symbols), false)
}

// idsOf finds a symbol by id in a map made of symbols.
func idsOf(symbols []docpack.Symbol) func(id string) (int, bool) {
	ids := make(map[string]int, len(symbols))
	for i := range symbols {
		ids[symbols[i].ID] = i
	}
	return func(id string) (int, bool) {
		i, ok := ids[id]
		return i, ok
	}
}

// newIndex indexes symbols whose positions by id byID already knows (an open
// docpack has that map: building a second one would cost the first frame).
// With linksOnly it makes only what ResolveLink reads (paths, names,
// modules, parents, the types impls implement, inlined items), not what
// the viewers browse (a module's items, re-exports, a trait's implementors,
// Modules): a build resolves its docs' links in it (NewLinks).
func newIndex(m *docpack.Manifest, symbols []docpack.Symbol, docs DocSource, byID func(id string) (int, bool), linksOnly bool) *Index {
	if m == nil {
		m = &docpack.Manifest{}
	}
	x := &Index{
		Manifest: m,
		Symbols:  symbols,
		byID:     byID,
		byPath:   make(map[string]int, len(symbols)),
		byName:   make(map[string][]int, len(symbols)/2),
		children: make([][]int, len(symbols)),
		items:    map[string][]int{},
		modOf:    make([]string, len(symbols)),
		implFor:  map[int]int{},
		docs:     docs,

		implTrait:    map[int]int{},
		implementors: map[int][]int{},
	}
	x.parent = make([]int32, len(symbols))
	for i := range symbols {
		x.parent[i] = -1
		if id := symbols[i].Parent; id != "" {
			if p, ok := byID(id); ok && p != i {
				x.parent[i] = int32(p)
			}
		}
	}
	modules := map[string]int{} // path -> symbol or -1
	x.modules = modules
	// The first symbol of a path wins: assigned last to first, each path is
	// hashed once, not looked up before it is inserted. An impl's items come
	// second: fmt::Display::fmt is the trait's method, not one implementing it.
	for _, member := range []bool{true, false} {
		for i := len(symbols) - 1; i >= 0; i-- {
			if s := &symbols[i]; s.SymbolType != docpack.KindImpl && x.implMember(i) == member {
				x.byPath[s.Path] = i
			}
		}
	}
	for i := range symbols {
		s := &symbols[i]
		if s.SymbolType != docpack.KindImpl {
			x.byName[s.Name] = append(x.byName[s.Name], i)
		}
		if s.SymbolType == docpack.KindModule {
			modules[s.Path] = i
		}
		root := s.Crate
		if root == "" {
			root, _, _ = strings.Cut(s.Path, "::")
		}
		if _, ok := modules[root]; !ok && root != "" {
			modules[root] = -1
		}
	}
	x.addPublicPaths()
	if !linksOnly {
		x.addReexports()
	}
	for i := range symbols {
		if f := symbols[i].InlinedFrom; f != nil {
			if x.inlined == nil {
				x.inlined = map[string][]int{}
			}
			x.inlined[f.Path] = append(x.inlined[f.Path], i)
		}
	}
	for _, c := range m.Crates {
		if _, ok := modules[c.Name]; !ok {
			modules[c.Name] = -1
		}
	}
	// Parents and children; impls attach to the type they implement.
	for i := range symbols {
		if p := x.parent[i]; p >= 0 {
			x.children[p] = append(x.children[p], i)
		}
	}
	// Module of each symbol: the longest module path that prefixes its path.
	for i := range symbols {
		s := &symbols[i]
		mod := ""
		p := s.Path
		if s.SymbolType == docpack.KindModule {
			if j := strings.LastIndex(p, "::"); j >= 0 {
				p = p[:j]
			} else {
				p = ""
			}
		}
		for p != "" {
			if _, ok := modules[p]; ok {
				mod = p
				break
			}
			j := strings.LastIndex(p, "::")
			if j < 0 {
				break
			}
			p = p[:j]
		}
		x.modOf[i] = mod
		if !linksOnly && x.topLevel(i) {
			x.items[mod] = append(x.items[mod], i)
		}
	}
	for i := range symbols {
		s := &symbols[i]
		if s.SymbolType != docpack.KindImpl {
			continue
		}
		if p := int(x.parent[i]); p >= 0 && isType(symbols[p].SymbolType) {
			x.implFor[i] = p
			continue
		}
		if t := x.implTarget(i); t >= 0 {
			x.children[t] = append(x.children[t], i)
			x.implFor[i] = t
		}
	}
	if linksOnly {
		return x
	}
	for i := range symbols {
		if symbols[i].SymbolType != docpack.KindImpl {
			continue
		}
		trait, _ := docpack.SplitImpl(implHeader(&symbols[i]))
		trait = strings.TrimPrefix(trait, "!")
		if trait == "" {
			continue
		}
		if t := x.ResolveType(trait, i, docpack.KindTrait); t >= 0 {
			x.implTrait[i] = t
			x.implementors[t] = append(x.implementors[t], i)
		}
	}
	x.childSorted = make([]bool, len(symbols))
	x.itemsSorted = make(map[string]bool, len(x.items))
	paths := make([]string, 0, len(modules))
	for p := range modules {
		paths = append(paths, p)
	}
	sort.Slice(paths, func(a, b int) bool {
		return strings.ReplaceAll(paths[a], "::", "\x00") < strings.ReplaceAll(paths[b], "::", "\x00")
	})
	for _, p := range paths {
		name := p
		if j := strings.LastIndex(p, "::"); j >= 0 {
			name = p[j+2:]
		}
		x.Modules = append(x.Modules, Module{Path: p, Name: name, Depth: strings.Count(p, "::"), Symbol: modules[p], Items: len(x.items[p])})
	}
	return x
}

// topLevel reports whether a symbol is listed directly in its module: not a
// method, field, variant or impl, whose place is in their parent's children.
func (x *Index) topLevel(i int) bool {
	s := &x.Symbols[i]
	switch s.SymbolType {
	case docpack.KindImpl, docpack.KindMethod, docpack.KindField, docpack.KindVariant,
		docpack.KindTraitMethod, docpack.KindAssocType, docpack.KindAssocConst:
		return false
	}
	if p := x.parent[i]; p >= 0 && x.Symbols[p].SymbolType != docpack.KindModule {
		return false
	}
	return true
}

// kindOrder is the reading order of kinds: a module's items as rustdoc lists
// them (ModuleOrder), then a type's members (an impl's constants, then its
// types, then its methods, as rustdoc's render_impl writes them).
var kindOrder = func() map[docpack.Kind]int {
	m := map[docpack.Kind]int{}
	for i, k := range append(slices.Clone(ModuleOrder),
		docpack.KindVariant, docpack.KindField, docpack.KindAssocConst, docpack.KindAssocType,
		docpack.KindTraitMethod, docpack.KindImpl, docpack.KindMethod,
	) {
		m[k] = i
	}
	return m
}()

// itemLess orders a module's items as rustdoc's module index does: by kind,
// then name (source order breaking ties).
func (x *Index) itemLess(a, b int) bool {
	sa, sb := &x.Symbols[a], &x.Symbols[b]
	if ka, kb := kindOrder[sa.SymbolType], kindOrder[sb.SymbolType]; ka != kb {
		return ka < kb
	}
	if sa.Name != sb.Name {
		return sa.Name < sb.Name
	}
	return x.sourceLess(a, b)
}

// memberLess orders the members of a type, trait or impl as rustdoc lists
// them: grouped by kind (an impl's constants and types before its methods),
// each kind in source order, as the items stand in the code; a type's trait
// impls come after its inherent ones, by trait name. A module's items
// are sorted by name (itemLess); a type's are not.
func (x *Index) memberLess(a, b int) bool {
	sa, sb := &x.Symbols[a], &x.Symbols[b]
	if ka, kb := kindOrder[sa.SymbolType], kindOrder[sb.SymbolType]; ka != kb {
		return ka < kb
	}
	if sa.SymbolType == docpack.KindImpl {
		// A type's inherent impls in source order, then its trait impls
		// by trait, as docs.rs lists them.
		ta, tb := x.ImplTraitName(a), x.ImplTraitName(b)
		if (ta == "") != (tb == "") {
			return ta == ""
		}
		if ta != tb {
			return ta < tb
		}
	}
	return x.sourceLess(a, b)
}

// sourceLess orders two symbols by where they are written: file, then line;
// symbols of one line (a macro's expansion, derives) keep extraction order.
func (x *Index) sourceLess(a, b int) bool {
	sa, sb := &x.Symbols[a], &x.Symbols[b]
	if sa.File != sb.File {
		return sa.File < sb.File
	}
	if sa.Line != sb.Line {
		return sa.Line < sb.Line
	}
	return a < b
}

func isType(k docpack.Kind) bool {
	switch k {
	case docpack.KindStruct, docpack.KindEnum, docpack.KindUnion, docpack.KindTrait, docpack.KindTypeAlias:
		return true
	}
	return false
}

// implHeader is the text an impl block's header is read from.
func implHeader(s *docpack.Symbol) string {
	if s.Signature != "" {
		return s.Signature
	}
	return s.Name
}

// implMember reports whether symbol i is an item of an impl block.
func (x *Index) implMember(i int) bool {
	p := x.parent[i]
	return p >= 0 && x.Symbols[p].SymbolType == docpack.KindImpl
}

// implTarget finds the type an impl block implements: "impl<T> Trait for
// foo::Bar<T>" gives foo::Bar, resolved in the impl's module. An impl of a
// foreign trait for a foreign type (impl From<Kind> for i32) has its items
// under the local type it is shown with (Kind::from): that type, unless it is
// the impl's own trait (impl Read for Box<T> has its items under Read, and
// is listed with Read's implementors).
func (x *Index) implTarget(i int) int {
	s := &x.Symbols[i]
	if t, ok := x.byPath[s.Path]; ok && isType(x.Symbols[t].SymbolType) {
		return t
	}
	trait, self := docpack.SplitImpl(implHeader(s))
	if t := x.ResolveType(self, i, ""); t >= 0 {
		return t
	}
	for _, c := range x.children[i] {
		t, ok := x.byPath[parentPath(x.Symbols[c].Path)]
		if !ok || !isType(x.Symbols[t].SymbolType) {
			continue
		}
		if trait != "" && x.ResolveType(strings.TrimPrefix(trait, "!"), i, docpack.KindTrait) == t {
			return -1
		}
		return t
	}
	return -1
}

// typePath takes the leading type path of a type expression: "&'a mut
// foo::Bar<T> where …" gives "foo::Bar".
func typePath(s string) string {
	s = strings.TrimLeft(strings.TrimSpace(s), "&*( ")
	if strings.HasPrefix(s, "'") {
		if j := strings.IndexByte(s, ' '); j >= 0 {
			s = s[j+1:]
		}
	}
	s = strings.TrimPrefix(s, "mut ")
	s = strings.TrimPrefix(s, "const ")
	s = strings.TrimPrefix(s, "dyn ")
	if end := strings.IndexAny(s, "<{ (,;!"); end >= 0 {
		s = s[:end]
	}
	return strings.TrimPrefix(s, "::")
}

// Len is the number of symbols.
func (x *Index) Len() int { return len(x.Symbols) }

// ByID returns a symbol's index.
func (x *Index) ByID(id string) (int, bool) {
	i, ok := x.byID(id)
	return i, ok
}

// addPublicPaths makes ByPath find a re-exported item, and the items inside
// it, under each of its public paths (format 1.1's public_paths): the
// definition path serde::ser::Serialize as well as the display path
// serde::Serialize. A symbol's own path always wins.
func (x *Index) addPublicPaths() {
	for i := range x.Symbols {
		s := &x.Symbols[i]
		if s.SymbolType == docpack.KindImpl {
			continue
		}
		for c, depth := i, 0; c >= 0 && depth < 64; c, depth = int(x.parent[c]), depth+1 {
			cur := &x.Symbols[c]
			if len(cur.PublicPaths) > 1 && strings.HasPrefix(s.Path, cur.Path) {
				rest := s.Path[len(cur.Path):]
				for _, p := range cur.PublicPaths {
					if _, dup := x.byPath[p+rest]; !dup {
						x.byPath[p+rest] = i
					}
				}
				break
			}
		}
	}
}

// Reexport is an item a module makes public under a path other than the
// item's own (a `pub use`): Path is its public path in that module.
type Reexport struct {
	Path   string
	Symbol int
}

// addReexports records, for each module, the items its public_paths put in it.
func (x *Index) addReexports() {
	x.reexports = map[string][]Reexport{}
	for i := range x.Symbols {
		s := &x.Symbols[i]
		if len(s.PublicPaths) < 2 || s.SymbolType == docpack.KindImpl {
			continue
		}
		for _, p := range s.PublicPaths {
			if p == s.Path {
				continue
			}
			mod := parentPath(p)
			if _, ok := x.modules[mod]; ok {
				x.reexports[mod] = append(x.reexports[mod], Reexport{Path: p, Symbol: i})
			}
		}
	}
	for _, rs := range x.reexports {
		sort.Slice(rs, func(a, b int) bool { return rs[a].Path < rs[b].Path })
	}
}

// Reexports returns the items a module re-exports: those reachable in it
// through one of their public paths (format 1.1's public_paths) while Items
// lists them where their own path puts them, in path order. serde's
// Serialize, whose path is serde::Serialize, is a re-export of serde::ser.
func (x *Index) Reexports(module string) []Reexport { return x.reexports[module] }

// ByPath returns the symbol with this qualified path (impls excluded): its
// path, or one of the public paths it or an item holding it is reachable at.
func (x *Index) ByPath(path string) (int, bool) {
	i, ok := x.byPath[path]
	return i, ok
}

// Lookup finds the symbol a reader names the way they would write it: its
// path or a public path (ByPath), its id, a crate-relative path
// (`rngs::StdRng`), or a bare name (`StdRng`) — the end of a path, matched on
// whole segments, impls excluded. When several symbols end so, one listed in
// its module (a type, trait, function…) is taken over members of the same name
// (`Rng::gen` and a free `gen`), and only if it is the one: otherwise
// Lookup returns -1 with the candidates, best first, for the caller to list.
func (x *Index) Lookup(path string) (int, []int) {
	path = strings.TrimSpace(path)
	if i, ok := x.byPath[path]; ok {
		return i, nil
	}
	if i, ok := x.ByID(path); ok {
		return i, nil
	}
	if path == "" || strings.HasPrefix(path, "::") || strings.HasSuffix(path, "::") {
		return -1, nil
	}
	seen := map[int]bool{}
	var cands []int
	for p, i := range x.byPath {
		if strings.HasSuffix(p, "::"+path) && !seen[i] {
			seen[i] = true
			cands = append(cands, i)
		}
	}
	slices.SortFunc(cands, func(a, b int) int {
		return cmp.Or(boolCompare(x.topLevel(b), x.topLevel(a)),
			cmp.Compare(strings.Count(x.Symbols[a].Path, "::"), strings.Count(x.Symbols[b].Path, "::")),
			strings.Compare(x.Symbols[a].Path, x.Symbols[b].Path))
	})
	switch {
	case len(cands) == 1:
		return cands[0], nil
	case len(cands) > 1 && x.topLevel(cands[0]) && !x.topLevel(cands[1]):
		return cands[0], nil
	}
	return -1, cands
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

// Parent returns the index of a symbol's parent, or -1.
func (x *Index) Parent(i int) int { return int(x.parent[i]) }

// Owner returns where a symbol belongs for reading: its parent, except that a
// member of an impl block belongs to the type the impl is for. It is -1 at the top.
func (x *Index) Owner(i int) int {
	p := x.Parent(i)
	if p >= 0 && x.Symbols[p].SymbolType == docpack.KindImpl {
		if t, ok := x.implFor[p]; ok {
			return t
		}
	}
	return p
}

// ImplFor returns the type an impl block implements, or -1.
func (x *Index) ImplFor(impl int) int {
	if t, ok := x.implFor[impl]; ok {
		return t
	}
	return -1
}

// Children returns a symbol's children: an impl's methods, an enum's variants, a
// struct's fields, a type's impl blocks; by kind, each kind in source order
// (memberLess), as rustdoc lists them.
func (x *Index) Children(i int) []int {
	x.sortMu.Lock()
	defer x.sortMu.Unlock()
	ids := x.children[i]
	if !x.childSorted[i] {
		sort.SliceStable(ids, func(a, b int) bool { return x.memberLess(ids[a], ids[b]) })
		x.childSorted[i] = true
	}
	return ids
}

// sortItems puts symbols in reading order; the caller holds sortMu.
func (x *Index) sortItems(ids []int) {
	sort.SliceStable(ids, func(a, b int) bool { return x.itemLess(ids[a], ids[b]) })
}

// ModuleOf returns the module path a symbol lives in.
func (x *Index) ModuleOf(i int) string { return x.modOf[i] }

// Items returns the top-level items of a module.
func (x *Index) Items(module string) []int {
	x.sortMu.Lock()
	defer x.sortMu.Unlock()
	ids := x.items[module]
	if !x.itemsSorted[module] {
		x.sortItems(ids)
		x.itemsSorted[module] = true
	}
	return ids
}

// Doc returns a symbol's doc.
func (x *Index) Doc(i int) (docpack.Doc, bool) {
	if x.docs == nil {
		return docpack.Doc{}, false
	}
	return x.docs.Doc(x.Symbols[i].ID)
}

// Resolve finds the type (or module or macro) a name in from's signature refers
// to; see ResolvePath. It returns -1 when nothing matches.
func (x *Index) Resolve(name string, from int) int {
	return x.ResolvePath(typePath(name), from, func(k docpack.Kind) bool {
		return isType(k) || k == docpack.KindModule || k == docpack.KindMacro
	})
}

// ResolveType resolves a type expression written at from to a type, or to a
// trait when kind is docpack.KindTrait. It returns -1 when nothing matches.
func (x *Index) ResolveType(expr string, from int, kind docpack.Kind) int {
	return x.ResolvePath(typePath(expr), from, func(k docpack.Kind) bool {
		if kind != "" {
			return k == kind
		}
		return isType(k)
	})
}

// ResolvePath finds the symbol a Rust path written at symbol from refers to,
// among those whose kind fits (fit nil takes any kind but impls), as far as a
// docpack can tell without the module's imports: "crate::", "self::", "super::",
// "Self::" and a crate's own name are followed exactly; otherwise the path is
// tried in from's module and each enclosing module; failing that, of all the
// symbols whose path ends with it, the one whose module shares the longest
// prefix with from's module wins. It returns -1 when nothing matches.
func (x *Index) ResolvePath(path string, from int, fit func(docpack.Kind) bool) int {
	path = strings.TrimSpace(path)
	if path == "" {
		return -1
	}
	if fit == nil {
		fit = func(k docpack.Kind) bool { return k != docpack.KindImpl }
	}
	good := func(i int) bool { return i >= 0 && fit(x.Symbols[i].SymbolType) }
	exact := func(p string) int {
		if i, ok := x.byPath[p]; ok && good(i) {
			return i
		}
		// byPath keeps the first symbol of a path; another kind may share it.
		last := p
		if j := strings.LastIndex(p, "::"); j >= 0 {
			last = p[j+2:]
		}
		for _, c := range x.byName[last] {
			if x.Symbols[c].Path == p && good(c) {
				return c
			}
		}
		return -1
	}
	mod, crate := "", ""
	if from >= 0 && from < len(x.Symbols) {
		mod = x.modOf[from]
		if x.Symbols[from].SymbolType == docpack.KindModule {
			mod = x.Symbols[from].Path
		}
		crate, _, _ = strings.Cut(mod, "::")
		if crate == "" {
			crate = x.Symbols[from].Crate
		}
	}
	head, rest, _ := strings.Cut(path, "::")
	join := func(base, rest string) string {
		if rest == "" {
			return base
		}
		if base == "" {
			return rest
		}
		return base + "::" + rest
	}
	switch head {
	case "crate":
		if i := exact(join(crate, rest)); i >= 0 {
			return i
		}
		path = rest
	case "self":
		if i := exact(join(mod, rest)); i >= 0 {
			return i
		}
		path = rest
	case "super":
		m := mod
		for {
			m = parentPath(m)
			h, r, _ := strings.Cut(rest, "::")
			if h != "super" {
				break
			}
			rest = r
		}
		if i := exact(join(m, rest)); i >= 0 {
			return i
		}
		path = rest
	case "Self":
		// Self::X is the owner's X or nothing: another X of the crate
		// ("Self::Iter" of an impl) is not it.
		// In a type's own doc, Self is the type (tokio's AsyncFd links
		// method@Self::readable).
		if from >= 0 {
			o := x.Owner(from)
			if isType(x.Symbols[from].SymbolType) {
				o = from
			}
			if o >= 0 {
				if i := exact(join(x.Symbols[o].Path, rest)); i >= 0 {
					return i
				}
			}
		}
		return -1
	default:
		for m := mod; m != ""; m = parentPath(m) {
			if i := exact(m + "::" + path); i >= 0 {
				return i
			}
		}
		if i := exact(path); i >= 0 {
			return i
		}
	}
	if path == "" {
		return -1
	}
	last := path
	if j := strings.LastIndex(path, "::"); j >= 0 {
		last = path[j+2:]
	}
	best, bestScore := -1, -1
	for _, c := range x.byName[last] {
		cs := &x.Symbols[c]
		if !good(c) || (cs.Path != path && !strings.HasSuffix(cs.Path, "::"+path)) {
			continue
		}
		score := 4 * sharedSegments(x.modOf[c], mod)
		if from >= 0 && cs.Crate == x.Symbols[from].Crate {
			score += 2
		}
		if isType(cs.SymbolType) {
			score++
		}
		if score > bestScore {
			best, bestScore = c, score
		}
	}
	if best < 0 && (head == "crate" || head == "self" || head == "super") {
		return x.privatePath(path, good)
	}
	return best
}

// privatePath resolves a crate-relative path that names an item where it is
// defined, inside a private module, when the docpack has it at the public
// path a re-export gives it: tokio's "crate::runtime::task::try_id()" is
// tokio::task::try_id, "super::error::JoinError::is_cancelled" written in
// runtime::task::join is tokio::task::JoinError::is_cancelled. Leading
// segments are dropped while two remain; a tail that one symbol alone ends
// with is taken, never a guess between several.
func (x *Index) privatePath(path string, good func(int) bool) int {
	last := lastSeg(path)
	for p := path; strings.Count(p, "::") >= 1; {
		_, p, _ = strings.Cut(p, "::")
		if !strings.Contains(p, "::") {
			break
		}
		found := -1
		for _, c := range x.byName[last] {
			if good(c) && strings.HasSuffix(x.Symbols[c].Path, "::"+p) {
				if found >= 0 {
					return -1
				}
				found = c
			}
		}
		if found >= 0 {
			return found
		}
	}
	return -1
}

// parentPath drops a path's last segment: "a::b::c" gives "a::b", "a" gives "".
func parentPath(p string) string {
	if j := strings.LastIndex(p, "::"); j >= 0 {
		return p[:j]
	}
	return ""
}

// sharedSegments counts the leading path segments a and b have in common.
func sharedSegments(a, b string) int {
	n := 0
	for a != "" && b != "" {
		ha, ra, _ := strings.Cut(a, "::")
		hb, rb, _ := strings.Cut(b, "::")
		if ha != hb {
			break
		}
		n++
		a, b = ra, rb
	}
	return n
}

// Impls returns a type's impl blocks: inherent ones, then trait impls sorted
// by the trait's name.
func (x *Index) Impls(t int) (inherent, traits []int) {
	for _, c := range x.Children(t) {
		if x.Symbols[c].SymbolType != docpack.KindImpl {
			continue
		}
		if tr, _ := docpack.SplitImpl(implHeader(&x.Symbols[c])); tr == "" {
			inherent = append(inherent, c)
		} else {
			traits = append(traits, c)
		}
	}
	sort.SliceStable(traits, func(a, b int) bool { return x.ImplTraitName(traits[a]) < x.ImplTraitName(traits[b]) })
	return inherent, traits
}

// ImplTraitName is the trait an impl implements as written ("fmt::Debug"),
// empty for an inherent impl.
func (x *Index) ImplTraitName(impl int) string {
	tr, _ := docpack.SplitImpl(implHeader(&x.Symbols[impl]))
	return tr
}

// ImplTrait returns the trait an impl implements when the docpack holds it, or -1.
func (x *Index) ImplTrait(impl int) int {
	if t, ok := x.implTrait[impl]; ok {
		return t
	}
	return -1
}

// Implementors returns the impl blocks of a trait, in symbol order.
func (x *Index) Implementors(trait int) []int { return x.implementors[trait] }

// Kinds lists the kinds present, in docpack.Kinds order.
func (x *Index) Kinds() []docpack.Kind {
	seen := map[docpack.Kind]bool{}
	for i := range x.Symbols {
		seen[x.Symbols[i].SymbolType] = true
	}
	var out []docpack.Kind
	for _, k := range docpack.Kinds {
		if seen[k] {
			out = append(out, k)
		}
	}
	return out
}
