package rust

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/cfgexpr"
	"github.com/doctown/doctown/docpack/index"
	"github.com/doctown/doctown/pipeline/rust/cfg"
)

// Items of other crates that a crate re-exports are part of its API as
// rustdoc shows it: `pub use tracing_core::Level` makes a page tracing::Level
// with tracing_core's docs, fields, methods and trait impls (rustdoc inlines
// a re-export of another crate's public item unless it is #[doc(no_inline)]
// or #[doc(hidden)], and a glob re-export of another crate's module inlines
// each of its items). Extraction does the same: the dependency's source is
// read from the local registry (findDependencies, the finder the dependency
// macros use) and extracted with the features cargo would enable for it, and
// the re-exported items are copied under the re-exporting crate's paths,
// each marked with where it came from (Symbol.InlinedFrom).

// foreignUse is a pub use whose path does not resolve in the crate: an item
// (or with glob, a module's items) of another crate, or an unresolved path.
type foreignUse struct {
	mod   string   // module the use is in
	alias string   // the name it is re-exported as ("" for a glob)
	segs  []string // the path in the other crate, that crate's name first
	glob  bool
	attrs []string // the use's #[cfg]s (useEntry.attrs)
}

// maxForeignDepth bounds chains of local imports followed to another crate.
const maxForeignDepth = 8

// noteForeign records the pub use u in module mp when its path leads into
// another crate (directly, or through the crate's own imports: `use dep::X;
// pub use self::X as Y;`).
func (r *resolver) noteForeign(mp string, u useEntry) {
	if u.noInline {
		return
	}
	segs := r.foreignPath(u.mod, u.segs, 0)
	if len(segs) == 0 || len(segs) == 1 && !u.glob {
		return // `pub use other_crate;` is listed as a re-export, not inlined
	}
	r.foreign = append(r.foreign, foreignUse{mod: mp, alias: u.alias, segs: segs, glob: u.glob, attrs: u.attrs})
}

// globForeign notes, at module mp, the re-exports of other crates' items
// that a glob import of the private module t brings (`mod imp { pub use
// dep::Thing; } pub use imp::*;`), through the globs of private modules
// there too. A public module's own re-exports are noted where it is.
func (r *resolver) globForeign(mp, t string, attrs []string, seen map[string]bool) {
	if _, public := r.visited[t]; public || seen[t] || r.mods[t] == nil {
		return
	}
	seen[t] = true
	for _, u := range r.mods[t].uses {
		if u.vis != "pub" || u.hidden && !r.opts.IncludeHidden {
			continue
		}
		u.attrs = append(slices.Clip(attrs), u.attrs...)
		if u.glob {
			if tt, ok := r.resolveModule(u.mod, u.segs); ok {
				r.globForeign(mp, tt, u.attrs, seen)
			} else {
				r.noteForeign(mp, u)
			}
		} else if !typeNamespace(r.resolvePath(u.mod, u.segs)) {
			r.noteForeign(mp, u)
		}
	}
}

// foreignPath returns the path segs (as written in module mp) names in
// another crate, with that crate's name first, or nil when it is a path of
// this crate (or none at all).
func (r *resolver) foreignPath(mp string, segs []string, depth int) []string {
	if len(segs) == 0 || depth > maxForeignDepth {
		return nil
	}
	cur, i, anchored := r.start(mp, segs)
	if !anchored {
		if len(r.lookup(cur, segs[0])) > 0 {
			// a local module (or item) of that name: walk on below
		} else if f := r.foreignAlias(cur, segs[0], depth); f != nil {
			return append(slices.Clip(f), segs[1:]...)
		} else if len(r.lookup("", segs[0])) == 0 && r.foreignAlias("", segs[0], depth) == nil {
			if !isIdentWord(segs[0]) {
				return nil
			}
			return segs // the name of another crate
		} else {
			cur = "" // 2015-style crate-relative path
		}
	}
	for ; i < len(segs)-1; i++ {
		next, ok := r.childModule(cur, segs[i])
		if !ok {
			if f := r.foreignAlias(cur, segs[i], depth); f != nil {
				return append(slices.Clip(f), segs[i+1:]...)
			}
			return nil
		}
		cur = next
	}
	if i < len(segs) {
		return r.foreignAlias(cur, segs[i], depth)
	}
	return nil
}

// typeNamespace reports whether one of its is in the type namespace (a
// module, type or trait): a use of that name imports nothing else there.
func typeNamespace(its []*rawItem) bool {
	for _, it := range its {
		if k := it.sym.SymbolType; k == docpack.KindModule || typeKinds[k] {
			return true
		}
	}
	return false
}

// foreignAlias follows a non-glob use of module mp that imports name from
// another crate.
func (r *resolver) foreignAlias(mp, name string, depth int) []string {
	m := r.mods[mp]
	if m == nil {
		return nil
	}
	for _, k := range m.usesNamed(name) {
		if u := &m.uses[k]; len(r.resolvePath(u.mod, u.segs)) == 0 {
			if f := r.foreignPath(u.mod, u.segs, depth+1); f != nil {
				return f
			}
		}
	}
	return nil
}

func isIdentWord(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// foreignExport is a foreignUse placed in the crate's symbols: the path the
// item is shown at (for a glob, the module's), the id of the module that
// shows it, and the conditions of that module and of the use.
type foreignExport struct {
	path, parentID string
	segs           []string
	glob           bool
	cond           []cfgexpr.Expr
}

// foreignExports places the crate's foreign uses: disp gives display paths,
// modIDs the kept modules' ids by path.
func (r *resolver) foreignExports(disp func(string) string, modIDs map[string]string) []foreignExport {
	var out []foreignExport
	for _, f := range r.foreign {
		prefix, ok := r.visited[f.mod]
		if !ok {
			continue
		}
		mod := disp(prefix)
		id, ok := modIDs[mod]
		if !ok {
			continue
		}
		fe := foreignExport{path: mod, parentID: id, segs: f.segs, glob: f.glob}
		if !f.glob {
			fe.path = mod + "::" + f.alias
		}
		if m := r.modItem(f.mod); m != nil {
			fe.cond = r.condChain(m)
		}
		fe.cond = append(fe.cond, condOf(f.attrs)...)
		out = append(out, fe)
	}
	return out
}

// Bounds of the dependencies read for one build.
const (
	maxInlineCrates  = 64       // dependency extractions (crate, version, features)
	maxInlineBytes   = 96 << 20 // source bytes they parse
	maxInlineSymbols = 200_000  // symbols inlined into one crate
	maxInlineDepth   = 3        // a dependency's own re-exports followed this deep
)

// inliner extracts the dependencies a build's re-exports need, each once.
type inliner struct {
	mu     sync.Mutex
	cache  map[string]*depExtract
	bytes  int64
	warned map[string]bool
}

// depExtract is one dependency extracted with one feature set.
type depExtract struct {
	once    sync.Once
	crate   string // its crate name
	version string
	x       *index.Index
	err     string // why it could not be read
	// impls are the impl blocks of each type (by symbol), those the index
	// attaches and those whose items the resolver put under the type
	// (`impl From<Local> for Foreign`, listed with Local as rustdoc does).
	impls map[int][]int
	owned map[int]bool
}

// typeImpls finds the impls of each type of x, and the impls so owned.
func typeImpls(x *index.Index) (map[int][]int, map[int]bool) {
	out, owned := map[int][]int{}, map[int]bool{}
	for i := range x.Symbols {
		if x.Symbols[i].SymbolType != docpack.KindImpl {
			continue
		}
		t := x.ImplFor(i)
		if t < 0 {
			for _, m := range x.Children(i) {
				if o, ok := x.ByPath(parentPath(x.Symbols[m].Path)); ok && typeKinds[x.Symbols[o].SymbolType] {
					t = o
					break
				}
			}
		}
		if t < 0 {
			// impl From<Local> for Foreign<Other>: with the first local type
			// it names that is not the trait.
			trait, _ := docpack.SplitImpl(x.Symbols[i].Name)
			for _, d := range x.Symbols[i].Dependencies {
				if o := x.ResolveType(d, i, ""); o >= 0 && typeKinds[x.Symbols[o].SymbolType] &&
					x.Symbols[o].SymbolType != docpack.KindTrait && !strings.HasPrefix(trait, d) {
					t = o
					break
				}
			}
		}
		if t >= 0 {
			out[t] = append(out[t], i)
			owned[i] = true
		}
	}
	return out, owned
}

func newInliner() *inliner {
	return &inliner{cache: map[string]*depExtract{}, warned: map[string]bool{}}
}

// extract returns the symbols of dependency d, extracted for target with
// the features cargo asks it for.
func (in *inliner) extract(ctx context.Context, d depSource, target string, opts Options) *depExtract {
	var feats []string
	noDefault := true
	for _, f := range d.Features {
		if f == "default" {
			noDefault = false
		} else {
			feats = append(feats, f)
		}
	}
	key := d.Dir + "\x00" + strings.Join(feats, ",") + "\x00" + target
	if noDefault {
		key += "\x00nodefault"
	}
	in.mu.Lock()
	e := in.cache[key]
	if e == nil {
		if len(in.cache) >= maxInlineCrates || in.bytes >= maxInlineBytes {
			in.mu.Unlock()
			return &depExtract{err: "over the limit of dependencies read for one build"}
		}
		e = &depExtract{}
		in.cache[key] = e
	}
	in.mu.Unlock()
	e.once.Do(func() {
		crates, err := Discover(d.Dir)
		if err != nil || len(crates) == 0 {
			e.err = "no library crate in " + d.Dir
			return
		}
		sub := Options{Workers: opts.Workers, MaxFileSize: opts.MaxFileSize, inline: in, inlineDepth: opts.inlineDepth + 1,
			Build: BuildConfig{Features: feats, NoDefaultFeatures: noDefault, Target: target, IgnoreDocsRS: true}}
		res, err := Extract(ctx, d.Dir, crates[:1], sub)
		if err != nil {
			e.err = err.Error()
			return
		}
		in.mu.Lock()
		in.bytes += res.Bytes
		in.mu.Unlock()
		e.crate, e.version = crates[0].Name, cmpOr(crates[0].Version, d.Version)
		syms := res.Symbols
		if isProcMacroCrate(d.Dir) {
			syms = procMacros(syms)
		}
		e.x = index.New(nil, syms, nil)
		e.impls, e.owned = typeImpls(e.x)
	})
	return e
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// inline adds to syms, the symbols of crate c, the items of other crates its
// re-exports fe inline, and returns the warnings: one per dependency that
// could not be read. repoRoot is the repository's root (for Cargo.lock).
func (in *inliner) inline(ctx context.Context, c Crate, repoRoot string, syms []docpack.Symbol, fe []foreignExport, opts Options) ([]docpack.Symbol, []Warning) {
	if len(fe) == 0 || opts.inlineDepth >= maxInlineDepth {
		return syms, nil
	}
	deps := map[string]depSource{}
	for _, d := range findDependencies(c, repoRoot, c.cfg) {
		if _, dup := deps[d.Name]; !dup || d.Active {
			deps[d.Name] = d
		}
	}
	target := ""
	if c.cfg != nil {
		target = c.cfg.Target()
	}
	g := &grafter{crate: c.Name, done: map[*depExtract]map[int]bool{}}
	var warns []Warning
	manifest := relPath(repoRoot, filepath.Join(c.Dir, "Cargo.toml"))
	for _, f := range fe {
		if ctx.Err() != nil {
			break
		}
		name := f.segs[0]
		d, ok := deps[name]
		if !ok || !d.Active {
			continue // std, an inactive dependency, or a path rustc would reject
		}
		warn := func(msg string) {
			in.mu.Lock()
			defer in.mu.Unlock()
			if k := c.Dir + "\x00" + name; !in.warned[k] {
				in.warned[k] = true
				warns = append(warns, Warning{File: manifest, Message: msg})
			}
		}
		if d.Path && pathCycle(d.Dir, map[string]int{}) {
			warn("dependency " + d.Package + " is on a cycle of path dependencies (cargo refuses those): the items " + c.Name + " re-exports from it are left out")
			continue
		}
		if d.Dir == "" || d.Mismatch {
			req := ""
			if d.Req != "" {
				req = " " + d.Req
			}
			warn("dependency " + d.Package + req + " not found in the local registries: the items " + c.Name + " re-exports from it are left out")
			continue
		}
		e := in.extract(ctx, d, target, opts)
		if e.x == nil {
			warn("dependency " + d.Package + " " + d.Version + " not read (" + e.err + "): the items " + c.Name + " re-exports from it are left out")
			continue
		}
		segs := append([]string{e.crate}, f.segs[1:]...)
		depPath := strings.Join(segs, "::")
		if !f.glob {
			if i, ok := e.x.ByPath(depPath); ok {
				g.roots = append(g.roots, graftRoot{e, i, f.path, f.parentID, f.cond, false})
			}
			continue
		}
		mod := e.crate
		if len(segs) > 1 {
			i, ok := e.x.ByPath(depPath)
			if !ok || e.x.Symbols[i].SymbolType != docpack.KindModule {
				continue // a glob of an enum's variants, or nothing found
			}
			mod = e.x.Symbols[i].Path
		}
		for _, i := range e.x.Items(mod) {
			g.roots = append(g.roots, graftRoot{e, i, f.path + "::" + e.x.Symbols[i].Name, f.parentID, f.cond, true})
		}
		for _, re := range e.x.Reexports(mod) {
			g.roots = append(g.roots, graftRoot{e, re.Symbol, f.path + "::" + re.Path[strings.LastIndex(re.Path, "::")+2:], f.parentID, f.cond, true})
		}
	}
	if len(g.roots) == 0 {
		return syms, warns
	}
	// The crate's own paths, counted only when something is inlined: winapi
	// re-exports only std's items, and its 145,198 symbols took ~0.15 s on
	// one goroutine to count.
	g.count, g.taken = make(map[string]int, len(syms)), make(map[string]bool, len(syms))
	for _, s := range syms {
		g.count[s.Path+"\x00"+string(s.SymbolType)]++
		if s.SymbolType != docpack.KindImpl {
			g.taken[s.Path] = true
		}
	}
	// Traits last: an impl of one is copied with its type when the type is
	// inlined too, and with the trait (as an implementor) otherwise.
	slices.SortStableFunc(g.roots, func(a, b graftRoot) int {
		return boolCompare(a.dep.x.Symbols[a.i].SymbolType == docpack.KindTrait, b.dep.x.Symbols[b.i].SymbolType == docpack.KindTrait)
	})
	for _, r := range g.roots {
		g.dep = r.dep
		g.root(r.i, r.path, r.parentID, r.cond, r.glob)
	}
	return append(syms, g.out...), warns
}

// pathCycle reports whether the path dependencies of the package at dir
// (followed from there) lead back to a package on the way: cargo refuses
// such a repository, and extracting it would wait on itself. state is 1 for
// a package on the way, 2 for one done.
func pathCycle(dir string, state map[string]int) bool {
	dir = filepath.Clean(dir)
	switch state[dir] {
	case 1:
		return true
	case 2:
		return false
	}
	if len(state) > maxInlineCrates {
		return true // too deep to tell: treated as a cycle
	}
	state[dir] = 1
	if m, err := cfg.ReadManifest(filepath.Join(dir, "Cargo.toml")); err == nil {
		for _, d := range m.Deps {
			if d.Path != "" && pathCycle(filepath.Join(dir, filepath.FromSlash(d.Path)), state) {
				return true
			}
		}
	}
	state[dir] = 2
	return false
}

// graftRoot is an item of a dependency to inline at path.
type graftRoot struct {
	dep            *depExtract
	i              int
	path, parentID string
	cond           []cfgexpr.Expr
	glob           bool
}

// grafter copies items of a dependency under the re-exporting crate.
type grafter struct {
	crate string
	dep   *depExtract
	count map[string]int  // path and kind → symbols so far (the id's occurrence)
	taken map[string]bool // paths of the crate's own items
	roots []graftRoot
	// done are the impls of each dependency copied so far: one is shown once.
	done map[*depExtract]map[int]bool
	out  []docpack.Symbol
}

// root copies item i of the dependency, and everything in it, to path
// under the module parentID. A glob's item is left out where the crate has
// an item of that name (its own items shadow a glob import).
func (g *grafter) root(i int, path, parentID string, cond []cfgexpr.Expr, glob bool) {
	s := &g.dep.x.Symbols[i]
	if s.SymbolType == docpack.KindImpl || g.taken[path] && glob || len(g.out) > maxInlineSymbols {
		return
	}
	g.taken[path] = true
	g.item(i, path, parentID, cond, map[int]bool{})
}

// item copies item i to newPath under parentID, then its children: fields,
// variants, trait items, a module's items, a type's impls and a trait's
// implementors not copied with their types, with their items (whose
// dependency paths are under the type's, dep::Type::method).
func (g *grafter) item(i int, newPath, parentID string, cond []cfgexpr.Expr, seen map[int]bool) {
	x := g.dep.x
	from := x.Symbols[i].Path
	id, ok := g.add(i, newPath, parentID, cond, seen)
	if !ok {
		return
	}
	kind := x.Symbols[i].SymbolType
	for _, ch := range x.Children(i) {
		if c := &x.Symbols[ch]; c.SymbolType != docpack.KindImpl {
			g.item(ch, rebase(c.Path, c.Name, from, newPath), id, cond, seen)
		} else if kind == docpack.KindModule && !g.dep.owned[ch] {
			g.impl(ch, from, newPath, from, newPath, id, cond, seen) // an impl of a type of no crate here
		}
	}
	for _, im := range g.dep.impls[i] {
		g.impl(im, parentPath(from), parentPath(newPath), from, newPath, id, cond, seen)
	}
	if kind == docpack.KindTrait {
		// An implementor whose type is not inlined here lists its items
		// under the trait, as the crate's own impls on foreign types do.
		for _, im := range x.Implementors(i) {
			g.impl(im, parentPath(from), parentPath(newPath), "", newPath, id, cond, seen)
		}
	}
}

// impl copies impl block im of the dependency, moving its path from under
// old to under new, and its items, moving theirs from under itemOld to
// under itemNew, unless it was copied before.
func (g *grafter) impl(im int, old, new, itemOld, itemNew, parentID string, cond []cfgexpr.Expr, seen map[int]bool) {
	done := g.done[g.dep]
	if done == nil {
		done = map[int]bool{}
		g.done[g.dep] = done
	}
	if done[im] {
		return
	}
	done[im] = true
	x := g.dep.x
	c := &x.Symbols[im]
	implID, ok := g.add(im, rebase(c.Path, c.Name, old, new), parentID, cond, seen)
	if !ok {
		return
	}
	for _, m := range x.Children(im) {
		g.item(m, rebase(x.Symbols[m].Path, x.Symbols[m].Name, itemOld, itemNew), implID, cond, seen)
	}
}

// rebase moves path from under old to under new (name: when it is not
// under old, it goes right under new).
func rebase(path, name, old, new string) string {
	if strings.HasPrefix(path, old+"::") {
		return new + path[len(old):]
	}
	return new + "::" + name
}

// add appends the copy of symbol i at path under parentID and returns its
// id; ok is false when i was copied already (a cycle through modules).
func (g *grafter) add(i int, path, parentID string, cond []cfgexpr.Expr, seen map[int]bool) (id string, ok bool) {
	if seen[i] || len(g.out) > maxInlineSymbols {
		return "", false
	}
	seen[i] = true
	s := g.dep.x.Symbols[i]
	if s.InlinedFrom == nil {
		// An item the dependency inlines from a third crate keeps naming
		// that crate: where it is written.
		s.InlinedFrom = &docpack.InlinedFrom{Crate: g.dep.crate, Version: g.dep.version, Path: s.Path}
	}
	if s.SymbolType != docpack.KindImpl && s.SymbolType != docpack.KindField {
		s.Name = path[strings.LastIndex(path, "::")+2:]
	}
	s.Path, s.Crate, s.Parent, s.PublicPaths = path, g.crate, parentID, nil
	if len(cond) > 0 {
		conds := slices.Clone(cond)
		if e, err := cfgexpr.Parse(s.Cfg); err == nil && s.Cfg != "" {
			conds = append(conds, e)
		}
		s.Cfg = cfgexpr.AllOf(conds...).String()
	}
	key := s.Path + "\x00" + string(s.SymbolType)
	g.count[key]++
	s.ID = docpack.NewID(g.crate, s.Path, s.SymbolType, g.count[key])
	g.out = append(g.out, s)
	return s.ID, true
}

// docNoInline reports whether attrs hold #[doc(no_inline)].
func docNoInline(attrs []string) bool { return docFlag(attrs, "no_inline") }

// docFlag reports whether attrs hold #[doc(…)] naming flag (inline,
// no_inline) among its words.
func docFlag(attrs []string, flag string) bool {
	for _, a := range attrs {
		c := strings.ReplaceAll(a, " ", "")
		if !strings.HasPrefix(c, "#[doc(") {
			continue
		}
		for _, w := range strings.FieldsFunc(c[len("#[doc("):], func(r rune) bool { return r == ',' || r == ')' || r == ']' }) {
			if w == flag {
				return true
			}
		}
	}
	return false
}

// procMacroRe is the [lib] setting of a proc-macro crate.
var procMacroRe = regexp.MustCompile(`(?m)^\s*proc[-_]macro\s*=\s*true`)

// isProcMacroCrate reports whether the package at dir is a proc-macro crate.
func isProcMacroCrate(dir string) bool {
	data, err := os.ReadFile(filepath.Join(dir, "Cargo.toml"))
	return err == nil && procMacroRe.Match(data)
}

// procMacros keeps of a proc-macro crate what other crates can use of it,
// the macros its functions define (#[proc_macro], #[proc_macro_attribute],
// #[proc_macro_hack], #[proc_macro_derive(Name)], this one named Name), as
// rustdoc shows them, so that a re-export (`pub use serde_derive::Serialize`)
// finds them; and its root module.
func procMacros(syms []docpack.Symbol) []docpack.Symbol {
	var out []docpack.Symbol
	for _, s := range syms {
		if s.SymbolType == docpack.KindModule && s.Parent == "" {
			out = append(out, s)
			continue
		}
		if s.SymbolType != docpack.KindFunction {
			continue
		}
		for _, a := range s.Attributes {
			c := strings.ReplaceAll(a, " ", "")
			switch {
			case c == "#[proc_macro]" || c == "#[proc_macro_attribute]" || c == "#[proc_macro_hack]":
				s.SymbolType = docpack.KindMacro
			case strings.HasPrefix(c, "#[proc_macro_derive("):
				name := strings.TrimPrefix(c, "#[proc_macro_derive(")
				if j := strings.IndexAny(name, ",)"); j > 0 {
					s.SymbolType = docpack.KindMacro
					s.Path = parentPath(s.Path) + "::" + name[:j]
					s.Name = name[:j]
				}
			}
		}
		if s.SymbolType == docpack.KindMacro {
			out = append(out, s)
		}
	}
	return out
}
