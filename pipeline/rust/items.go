package rust

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	ts "github.com/tree-sitter/go-tree-sitter"
	tsrust "github.com/tree-sitter/tree-sitter-rust/bindings/go"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/cfgexpr"
	"github.com/doctown/doctown/pipeline/rust/cfg"
	"github.com/doctown/doctown/pipeline/rust/macros"
)

// grammar caches the Rust language, the code of each node kind id and the
// field ids the extractor compares against, so the walk compares integers,
// not kind names.
type grammar struct {
	lang  *ts.Language
	codes []kindCode // node kind id → the kind the walk tells it as

	fName, fBody, fType, fTrait, fTypeParams, fParams, fReturn, fValue, fPattern,
	fMacro, fArgument, fPath, fAlias, fList, fBounds uint16
}

var (
	grammarOnce sync.Once
	rustGrammar *grammar
)

func loadGrammar() *grammar {
	grammarOnce.Do(func() {
		l := ts.NewLanguage(tsrust.Language())
		g := &grammar{lang: l}
		n := l.NodeKindCount()
		g.codes = make([]kindCode, n)
		for i := uint32(0); i < n; i++ {
			g.codes[i] = kindCodes[l.NodeKindForId(uint16(i))]
		}
		f := l.FieldIdForName
		g.fName, g.fBody, g.fType, g.fTrait = f("name"), f("body"), f("type"), f("trait")
		g.fTypeParams, g.fParams, g.fReturn, g.fValue = f("type_parameters"), f("parameters"), f("return_type"), f("value")
		g.fPattern, g.fMacro, g.fArgument, g.fPath = f("pattern"), f("macro"), f("argument"), f("path")
		g.fAlias, g.fList, g.fBounds = f("alias"), f("list"), f("bounds")
		rustGrammar = g
	})
	return rustGrammar
}

// code is the kind of n the walk tells it as, an integer compared in place
// of the kind's name.
func (g *grammar) code(n *node) kindCode {
	if int(n.kind) < len(g.codes) {
		return g.codes[n.kind]
	}
	return kOther
}

// kindCode is a node kind the walk tells apart from the others, by name:
// every symbol id of the grammar with that name has that code.
type kindCode uint8

const (
	kOther kindCode = iota
	kAttributeItem
	kInnerAttributeItem
	kLineComment
	kBlockComment
	kExpressionStatement
	kMacroInvocation
	kFunctionItem
	kFunctionSignatureItem
	kStructItem
	kUnionItem
	kEnumItem
	kTraitItem
	kImplItem
	kConstItem
	kStaticItem
	kTypeItem
	kAssociatedType
	kMacroDefinition
	kModItem
	kUseDeclaration
	kForeignModItem
	kExternCrateDeclaration
	kFieldDeclarationList
	kFieldDeclaration
	kEnumVariant
	kVisibilityModifier
	kBlock
	kTokenTree
	kSelfParameter
	kParameter
	kVariadicParameter
	kIdentifier
	kCrate
	kSelf
	kSuper
	kScopedIdentifier
	kMetavariable
	kUseAsClause
	kUseWildcard
	kScopedUseList
	kUseList
	kOpenParen
	kCloseParen
	kComma
)

var kindCodes = map[string]kindCode{
	"attribute_item": kAttributeItem, "inner_attribute_item": kInnerAttributeItem,
	"line_comment": kLineComment, "block_comment": kBlockComment,
	"expression_statement": kExpressionStatement, "macro_invocation": kMacroInvocation,
	"function_item": kFunctionItem, "function_signature_item": kFunctionSignatureItem,
	"struct_item": kStructItem, "union_item": kUnionItem, "enum_item": kEnumItem,
	"trait_item": kTraitItem, "impl_item": kImplItem, "const_item": kConstItem,
	"static_item": kStaticItem, "type_item": kTypeItem, "associated_type": kAssociatedType,
	"macro_definition": kMacroDefinition, "mod_item": kModItem, "use_declaration": kUseDeclaration,
	"foreign_mod_item": kForeignModItem, "extern_crate_declaration": kExternCrateDeclaration,
	"field_declaration_list": kFieldDeclarationList, "field_declaration": kFieldDeclaration,
	"enum_variant": kEnumVariant, "visibility_modifier": kVisibilityModifier, "block": kBlock,
	"token_tree": kTokenTree, "self_parameter": kSelfParameter, "parameter": kParameter,
	"variadic_parameter": kVariadicParameter, "identifier": kIdentifier, "crate": kCrate,
	"self": kSelf, "super": kSuper, "scoped_identifier": kScopedIdentifier,
	"metavariable": kMetavariable, "use_as_clause": kUseAsClause, "use_wildcard": kUseWildcard,
	"scoped_use_list": kScopedUseList, "use_list": kUseList,
	"(": kOpenParen, ")": kCloseParen, ",": kComma,
}

// rawItem is an item found in the syntax tree, before visibility resolution
// decides whether it is public and what its path and id are.
type rawItem struct {
	// sym is allocated apart from the item: the symbols a crate keeps are
	// made of it once (symbolValues), and the items, with the symbols of
	// those it drops, are garbage from then on.
	sym      *itemSym
	mod      string   // module path the item is declared in ("" = crate root, "a::b")
	parent   *rawItem // enclosing impl, trait, struct, enum, union or variant
	children []*rawItem
	// impl and module are what only an impl, or a module, has: apart, so
	// that the other items (winapi: 127,000 of 145,000) do not carry them
	// (the record is 112 bytes instead of 240; ~19 MB of the resolve's peak).
	// Read them through implOf and modOf.
	impl   *implInfo
	module *modInfo
	order  int // position in the deterministic merge order
	// cond are the cfg predicates the item's presence depends on that the
	// build configuration decides (its own #[cfg]s and those of the macro
	// calls around it): what its Symbol.Cfg is made of.
	cond   []cfgexpr.Expr
	hidden bool
	export bool // #[macro_export]
}

// itemSym is the part of an item's docpack.Symbol that parsing and
// resolving write and read, under the same names; the rest (id, path,
// parent, availability, public paths, inherited doc) is decided once the
// crate is resolved and goes straight into the symbol symbolValues makes.
// It is 256 bytes where a docpack.Symbol is 416: every item parsed has one
// (winapi with every feature: ~139,000, 22 MB less of the heap the files
// are parsed and resolved on).
type itemSym struct {
	Name         string
	SymbolType   docpack.Kind
	Visibility   string
	Signature    string
	Parameters   []docpack.Parameter
	ReturnType   string
	Generics     string
	File         string
	Line         int
	EndLine      int
	DocComments  string
	Attributes   []string
	Dependencies []string
	// SourceHash is set where it is not the hash of Source (a derive's
	// methods, the crate root); symbolValues makes the others.
	SourceHash    string
	Source        string
	HasDefault    bool
	PrivateFields bool
}

// implInfo is what an impl item has that others do not.
type implInfo struct {
	selfType string // self type text
	trait    string // trait text ("" for inherent impls)
	label    string // "impl Trait for Type"
	// traitPath is the full path of the trait a std derive implements
	// ("std::fmt::Debug"), known when the impl is synthesized.
	traitPath string
	params    []string // the names of their generic parameters
}

// modInfo is what a module item has that others do not.
type modInfo struct {
	childMod string // the module path it opens
	fileMod  bool   // declared as `mod x;`
	inner    []string
}

// noImpl and noModule are what implOf and modOf read for the other items.
var (
	noImpl   implInfo
	noModule modInfo
)

// implOf is it's impl part, empty (and not to be written) for an item that
// is not an impl.
func (it *rawItem) implOf() *implInfo {
	if it.impl != nil {
		return it.impl
	}
	return &noImpl
}

// modOf is it's module part, empty (and not to be written) for an item that
// is not a module.
func (it *rawItem) modOf() *modInfo {
	if it.module != nil {
		return it.module
	}
	return &noModule
}

// useEntry is one path of a use declaration, flattened.
type useEntry struct {
	mod    string
	vis    string
	segs   []string
	alias  string // name it is imported as ("" for globs)
	glob   bool
	hidden bool
	// noInline is #[doc(no_inline)]: rustdoc lists the re-export as such,
	// without inlining an item of another crate.
	noInline bool
	// inline is #[doc(inline)]: rustdoc shows the item here too, even when
	// it is public where it is declared.
	inline bool
	// attrs are the use's #[cfg(…)] attributes and those of the macro calls
	// around it; a symbol whose public path comes from this use carries them.
	attrs []string
}

// modJob is a file to parse as the body of a module.
type modJob struct {
	abs      string
	modPath  string
	childDir string   // directory in which the module's `mod x;` children live
	decl     *rawItem // the `mod x;` item that led here (nil for the crate root)
}

// fileOut is what parsing one file yields.
type fileOut struct {
	job        modJob
	rel        string
	items      []*rawItem // top-level items in source order (children hang below)
	uses       []useEntry
	innerDocs  []string
	innerAttrs []string
	lines      int
	bytes      int64
	children   []modJob
	warnings   []Warning
	parsed     bool
	// pubItems counts the pub items of items other than impls, for
	// sparseWarning: resolveCrate drops items and uses once it has read them.
	pubItems int
}

// fileExtractor walks one parsed buffer (a file, or the body of a macro call
// re-parsed as items).
type fileExtractor struct {
	g      *grammar
	parser *ts.Parser
	src    []byte
	// str is src as a string, sharing its memory (see textOf): every text
	// the walk takes (names, signatures, an item's Source) is a substring of
	// it, not a copy of its own.
	str      string
	lineBase int // lines before src[0] in the real file
	// exp expands calls of the crate's macro_rules! macros (nil: none).
	// lines, when set, maps byte offsets (plus byteBase) of src, the text of
	// an expansion, to the real file's lines (see line).
	exp   *macros.Expander
	lines *macros.LineMap
	// noDerives leaves std derives unsynthesized (Options.plain).
	noDerives bool
	// cfg decides which #[cfg] items exist (nil: all).
	cfg      *cfg.Set
	byteBase int
	rel      string
	absDir   string // directory of the real file
	// fromMacro are the #[doctown::from_macro(name)] attributes of the
	// enclosing macro calls, outermost first, made once per call rather than
	// once per item (winapi: 145,198 items, nearly all from STRUCT! and kin).
	fromMacro []string
	// wrapAttrs are what enclosing macro calls say about their items: #[cfg]
	// attributes on the calls, #[doctown::from_macro(name)] and the inner
	// attributes at the top of their bodies. Items get these through the add
	// callbacks of macroItems; re-exports get them from here.
	wrapAttrs []string
	out       *fileOut
	depth     int
	// tr lists nodes' children, shared with the extractors of macro bodies
	// (which copy this one).
	tr *treeReader
	// sigs prints signatures, shared by the extraction's files (nil: no cache).
	sigs *sigCache
	// lists shares the items' lists of attributes and dependencies.
	lists *listCache
}

// typeDeps is the type identifiers used in the given type texts
// (appendTypeDeps), sorted without repeats and never nil, as a symbol's
// Dependencies: shared through e.lists. The words are gathered in a slice
// on the stack, not a set: an item names a few.
func (e *fileExtractor) typeDeps(skip []string, texts ...string) []string {
	var buf [32]string
	words := appendTypeDeps(buf[:0], skip, texts)
	slices.Sort(words)
	words = slices.Compact(words)
	if len(words) > maxListKeys {
		return slices.Clip(slices.Clone(words))
	}
	return e.lists.join(words, nil)
}

// sig is printSig through the extraction's cache.
func (e *fileExtractor) sig(text string) string { return e.sigs.print(text) }

type pending struct {
	attrs  []string
	docs   []string
	start  uint // first byte of the first attribute / doc comment
	hidden bool
	export bool
	path   string // #[path = "…"]
	has    bool
	// derives are the #[derive(…)] attributes, for the std derives' impls.
	derives []deriveAttr
}

func (e *fileExtractor) text(n *node) string {
	return e.str[n.ctx[0]:n.end]
}

// textOr is n's text, "" for a null node.
func (e *fileExtractor) textOr(n *node) string {
	if n.isNull() {
		return ""
	}
	return e.text(n)
}

// lineOf is the line in the real file n starts on.
func (e *fileExtractor) lineOf(n *node) int { return e.line(n.StartByte(), n.row()) }

// walkList extracts the items of a source_file or declaration_list.
// ctx is "" for modules, "trait", "impl" or "extern".
func (e *fileExtractor) walkList(list *node, mod, childDir string, parent *rawItem, ctx string, add func(*rawItem), inner *[]string) {
	e.walkListAttrs(list, mod, childDir, parent, ctx, add, inner, nil)
}

// walkListAttrs is walkList that also collects the list's inner attributes
// (#![cfg(…)] and the like, doc attributes aside) into innerAttrs.
func (e *fileExtractor) walkListAttrs(list *node, mod, childDir string, parent *rawItem, ctx string, add func(*rawItem), inner *[]string, innerAttrs *[]string) {
	var p pending
	kids, mark := e.tr.kids(list, true)
	defer e.tr.pop(mark)
	for i := range kids {
		c := &kids[i]
		switch k := e.g.code(c); k {
		case kAttributeItem:
			e.addAttr(&p, c)
		case kInnerAttributeItem:
			if v, inc, ok := docAttr(e.text(c)); ok && inner != nil {
				*inner = append(*inner, e.docValue(v, inc))
			} else if !ok && innerAttrs != nil {
				*innerAttrs = append(*innerAttrs, e.sig(e.text(c)))
			}
		case kLineComment, kBlockComment:
			t := e.text(c)
			switch docKind(t) {
			case 'o':
				p.addDoc(c, t)
			case 'i':
				if inner != nil {
					*inner = append(*inner, commentDoc(t))
				}
			}
		case kExpressionStatement:
			if m, ok := e.firstNamed(c); ok && e.g.code(&m) == kMacroInvocation && attrsOn(e.cfg, p.attrs) {
				e.macroItems(&m, mod, childDir, parent, ctx, add, inner, &p)
			}
			p = pending{}
		case kMacroInvocation:
			if attrsOn(e.cfg, p.attrs) {
				e.macroItems(c, mod, childDir, parent, ctx, add, inner, &p)
			}
			p = pending{}
		default:
			// An item whose #[cfg] is false does not exist in this build.
			if attrsOn(e.cfg, p.attrs) {
				e.item(c, k, &p, mod, childDir, parent, ctx, add)
			}
			p = pending{}
		}
	}
}

// addDoc records an outer doc comment c with text t; the first one marks where
// the pending item's text starts.
func (p *pending) addDoc(c *node, t string) {
	if !p.has {
		p.start, p.has = c.StartByte(), true
	}
	p.docs = append(p.docs, commentDoc(t))
}

func (e *fileExtractor) addAttr(p *pending, c *node) {
	if !p.has {
		p.start, p.has = c.StartByte(), true
	}
	e.addAttrText(p, e.text(c), e.lineOf(c), 0)
}

// addAttrText records attribute t on the pending item. #[cfg_attr(pred, a, …)]
// is expanded as rustc does: when pred holds, each a is recorded as #[a]
// (#[path], #[doc], #[cfg] and the rest work through it); the attribute itself
// is kept either way, for viewers that read doc(cfg(…)) out of it.
func (e *fileExtractor) addAttrText(p *pending, t string, line, depth int) {
	if inner, ok := cfgAttrOf(t); ok && depth < 8 {
		parts := splitTop(inner)
		if len(parts) >= 2 && attrsOn(e.cfg, []string{"#[cfg(" + parts[0] + ")]"}) {
			for _, a := range parts[1:] {
				e.addAttrText(p, "#["+a+"]", line, depth+1)
			}
		}
		p.attrs = append(p.attrs, e.sig(t))
		return
	}
	if v, inc, ok := docAttr(t); ok {
		p.docs = append(p.docs, e.docValue(v, inc))
		return
	}
	nt := e.sig(t)
	compact := strings.ReplaceAll(nt, " ", "")
	switch {
	case strings.HasPrefix(compact, "#[doc(hidden"):
		p.hidden = true
	case strings.HasPrefix(compact, "#[macro_export"):
		p.export = true
	case strings.HasPrefix(compact, "#[derive("):
		p.derives = append(p.derives, deriveAttr{t, line})
	case strings.HasPrefix(compact, "#[path="):
		if v, ok := rustString(strings.TrimSuffix(strings.TrimPrefix(compact, "#[path="), "]")); ok {
			p.path = v
		}
	}
	p.attrs = append(p.attrs, nt)
}

func (e *fileExtractor) docValue(v, include string) string {
	if include == "" {
		return v
	}
	data, err := os.ReadFile(filepath.Join(e.absDir, filepath.FromSlash(include)))
	if err != nil {
		return ""
	}
	return string(data)
}

// newItem fills the fields every symbol has.
func (e *fileExtractor) newItem(n *node, kind docpack.Kind, name string, p *pending, mod string, parent *rawItem) *rawItem {
	start := n.StartByte()
	if p.has && p.start < start {
		start = p.start
	}
	end := n.EndByte()
	src := e.str[start:end]
	it := &rawItem{mod: mod, parent: parent, hidden: p.hidden, export: p.export, cond: condOf(e.wrapAttrs, p.attrs)}
	line := e.lineOf(n)
	it.sym = &itemSym{
		Name:        name,
		SymbolType:  kind,
		Visibility:  visibilityOf(e.str[n.StartByte():min(n.StartByte()+40, end)]),
		File:        e.rel,
		Line:        line,
		EndLine:     max(e.line(n.EndByte(), uint(n.endRow)), line),
		DocComments: unindentDoc(p.docs),
		Attributes:  e.lists.join(p.attrs, e.fromMacro),
		Source:      src, // SourceHash is made of it if the symbol is kept (symbolValues)
		Parameters:  []docpack.Parameter{},
	}
	if parent != nil {
		parent.children = append(parent.children, it)
	}
	return it
}

// sigUpTo is the normalized text of n up to byte end (the start of a body).
func (e *fileExtractor) sigUpTo(n *node, end uint) string {
	return e.sig(strings.TrimRight(e.str[n.StartByte():end], " \t\n;={"))
}

func (e *fileExtractor) item(c *node, k kindCode, p *pending, mod, childDir string, parent *rawItem, ctx string, add func(*rawItem)) {
	g := e.g
	switch k {
	case kFunctionItem, kFunctionSignatureItem:
		kind := docpack.KindFunction
		switch ctx {
		case "trait":
			kind = docpack.KindTraitMethod
		case "impl":
			kind = docpack.KindMethod
		}
		f := e.tr.fields(c, g.fName, g.fBody, g.fTypeParams, g.fReturn, g.fParams)
		it := e.newItem(c, kind, e.textOr(&f[0]), p, mod, parent)
		e.fillFunction(it, c, &f[1], &f[2], &f[3], &f[4])
		it.sym.HasDefault = ctx == "trait" && !f[1].isNull()
		add(it)
	case kStructItem, kUnionItem:
		kind := docpack.KindStruct
		if k == kUnionItem {
			kind = docpack.KindUnion
		}
		f := e.tr.fields(c, g.fName, g.fBody, g.fTypeParams)
		it := e.newItem(c, kind, e.textOr(&f[0]), p, mod, parent)
		body := &f[1]
		tp := e.textOr(&f[2])
		if !body.isNull() && g.code(body) == kFieldDeclarationList {
			it.sym.Signature = e.sigUpTo(c, body.StartByte())
		} else {
			it.sym.Signature = e.sigUpTo(c, c.EndByte())
		}
		it.sym.Generics = e.generics(c, tp, body)
		it.sym.Dependencies = e.typeDeps(genericNames(tp), tp, whereOf(it.sym.Generics))
		add(it)
		if !body.isNull() {
			it.sym.PrivateFields = e.fields(body, it, mod)
		}
		e.derives(it, p, mod, parent, add)
	case kEnumItem:
		f := e.tr.fields(c, g.fName, g.fBody, g.fTypeParams)
		it := e.newItem(c, docpack.KindEnum, e.textOr(&f[0]), p, mod, parent)
		body := &f[1]
		tp := e.textOr(&f[2])
		end := c.EndByte()
		if !body.isNull() {
			end = body.StartByte()
		}
		it.sym.Signature = e.sigUpTo(c, end)
		it.sym.Generics = e.generics(c, tp, body)
		it.sym.Dependencies = e.typeDeps(genericNames(tp), tp, whereOf(it.sym.Generics))
		add(it)
		if !body.isNull() {
			e.variants(body, it, mod, genericNames(tp))
		}
		e.derives(it, p, mod, parent, add)
	case kTraitItem:
		f := e.tr.fields(c, g.fName, g.fBody, g.fTypeParams, g.fBounds)
		it := e.newItem(c, docpack.KindTrait, e.textOr(&f[0]), p, mod, parent)
		body := &f[1]
		tp := e.textOr(&f[2])
		end := c.EndByte()
		if !body.isNull() {
			end = body.StartByte()
		}
		it.sym.Signature = e.sigUpTo(c, end)
		it.sym.Generics = e.generics(c, tp, body)
		it.sym.Dependencies = e.typeDeps(genericNames(tp), tp, e.textOr(&f[3]), whereOf(it.sym.Generics))
		add(it)
		if !body.isNull() {
			e.walkList(body, mod, childDir, it, "trait", func(*rawItem) {}, nil)
		}
	case kImplItem:
		e.implItem(c, p, mod, childDir, parent, add)
	case kConstItem, kStaticItem:
		f := e.tr.fields(c, g.fName, g.fValue, g.fType)
		name, v := e.textOr(&f[0]), &f[1]
		if k == kConstItem && !v.isNull() && name == "_" && g.code(v) == kBlock {
			// const _: () = { impl Trait for Type { … } }; (serde_derive's
			// output, hand-written the same way): the impls count where the
			// block is, as rustdoc lists them; the const has no name to show,
			// nor do the other items inside (pin_project!'s __Origin struct).
			if ctx == "" {
				e.walkList(v, mod, childDir, parent, ctx, func(it *rawItem) {
					if it.parent == parent && it.sym.SymbolType != docpack.KindImpl {
						it.sym.Visibility = "private" // unnameable, whatever it says
					}
					add(it)
				}, nil)
			}
			return
		}
		kind := docpack.KindConst
		if k == kStaticItem {
			kind = docpack.KindStatic
		} else if ctx == "trait" || ctx == "impl" {
			kind = docpack.KindAssocConst
		}
		it := e.newItem(c, kind, name, p, mod, parent)
		end := c.EndByte()
		if !v.isNull() {
			end = v.StartByte()
			it.sym.HasDefault = ctx == "trait"
		}
		it.sym.Signature = e.sigUpTo(c, end)
		ty := e.textOr(&f[2])
		it.sym.ReturnType = e.sig(ty)
		it.sym.Dependencies = e.typeDeps(nil, ty)
		add(it)
	case kTypeItem, kAssociatedType:
		kind := docpack.KindTypeAlias
		if ctx == "trait" || ctx == "impl" {
			kind = docpack.KindAssocType
		}
		f := e.tr.fields(c, g.fName, g.fType, g.fTypeParams, g.fBounds)
		it := e.newItem(c, kind, e.textOr(&f[0]), p, mod, parent)
		it.sym.Signature = e.sigUpTo(c, c.EndByte())
		it.sym.HasDefault = ctx == "trait" && !f[1].isNull()
		tp := e.textOr(&f[2])
		it.sym.Generics = e.generics(c, tp, nil)
		it.sym.Dependencies = e.typeDeps(genericNames(tp), e.textOr(&f[1]), e.textOr(&f[3]), tp)
		add(it)
	case kMacroDefinition:
		f := e.tr.fields(c, g.fName)
		name := e.textOr(&f[0])
		it := e.newItem(c, docpack.KindMacro, name, p, mod, parent)
		it.sym.Signature = "macro_rules! " + name
		if p.export {
			it.sym.Visibility = "pub"
		}
		add(it)
	case kModItem:
		f := e.tr.fields(c, g.fName, g.fBody)
		name := e.textOr(&f[0])
		it := e.newItem(c, docpack.KindModule, name, p, mod, parent)
		it.module = &modInfo{childMod: joinMod(mod, name)}
		it.sym.Signature = e.sig(strings.TrimSuffix(strings.TrimSpace(e.sigUpTo(c, c.EndByte())), ";"))
		if body := &f[1]; !body.isNull() {
			it.sym.Signature = e.sigUpTo(c, body.StartByte())
			add(it)
			dir := filepath.Join(childDir, name)
			var attrs []string
			e.walkListAttrs(body, it.module.childMod, dir, nil, "", add, &it.module.inner, &attrs)
			it.sym.Attributes = append(it.sym.Attributes, attrs...)
			return
		}
		it.module.fileMod = true
		add(it)
		e.fileModule(it, name, p.path, childDir)
	case kUseDeclaration:
		vis := visibilityOf(e.str[c.StartByte():min(c.StartByte()+40, c.EndByte())])
		if f := e.tr.fields(c, g.fArgument); !f[0].isNull() {
			u := useEntry{mod: mod, vis: vis, hidden: p.hidden, noInline: docNoInline(p.attrs), inline: docFlag(p.attrs, "inline")}
			if vis == "pub" {
				u.attrs = append(cfgAttrs(nil, p.attrs), e.wrapAttrs...)
			}
			e.useTree(&f[0], nil, u)
		}
	case kForeignModItem:
		if f := e.tr.fields(c, g.fBody); !f[0].isNull() {
			e.walkList(&f[0], mod, childDir, parent, "extern", add, nil)
		}
	}
}

// fileModule resolves the file of `mod name;` and queues it.
func (e *fileExtractor) fileModule(it *rawItem, name, pathAttr, childDir string) {
	var cands []string
	if pathAttr != "" {
		base := e.absDir
		if childDir != e.out.job.childDir {
			base = childDir
		}
		cands = []string{filepath.Join(base, filepath.FromSlash(pathAttr))}
	} else {
		cands = []string{filepath.Join(childDir, name+".rs"), filepath.Join(childDir, name, "mod.rs")}
	}
	for _, cand := range cands {
		if st, err := os.Stat(cand); err == nil && st.Mode().IsRegular() {
			dir := filepath.Join(filepath.Dir(cand), strings.TrimSuffix(filepath.Base(cand), ".rs"))
			if filepath.Base(cand) == "mod.rs" || pathAttr != "" {
				dir = filepath.Dir(cand)
			}
			e.out.children = append(e.out.children, modJob{abs: cand, modPath: it.modOf().childMod, childDir: dir, decl: it})
			return
		}
	}
	e.out.warnings = append(e.out.warnings, Warning{File: e.rel, Line: it.sym.Line,
		Message: "file for module " + name + " not found (tried " + strings.Join(relAll(cands, e.absDir), ", ") + ")"})
}

func relAll(paths []string, dir string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		r, err := filepath.Rel(dir, p)
		if err != nil {
			r = p
		}
		out[i] = filepath.ToSlash(r)
	}
	return out
}

func joinMod(mod, name string) string {
	if mod == "" {
		return name
	}
	return mod + "::" + name
}

func (e *fileExtractor) generics(c *node, tp string, body *node) string {
	// The where clause sits between the header and the body.
	var where string
	txt := e.str[c.StartByte():c.EndByte()]
	if body != nil && !body.isNull() {
		txt = e.str[c.StartByte():body.StartByte()]
	}
	if i := indexWord(txt, "where"); i >= 0 {
		where = e.sig(strings.TrimRight(txt[i:], " \t\n;{"))
	}
	out := e.sig(tp)
	if where != "" {
		if out != "" {
			out += " "
		}
		out += where
	}
	return out
}

// indexWord finds the keyword w as a whole word outside brackets.
func indexWord(s, w string) int {
	if !strings.Contains(s, w) {
		// Most headers have no where clause: one search, not a step per byte.
		return -1
	}
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<', '(', '[':
			depth++
			continue
		case '>', ')', ']':
			if i > 0 && s[i] == '>' && s[i-1] == '-' {
				continue
			}
			depth--
			continue
		}
		if depth == 0 && strings.HasPrefix(s[i:], w) && (i == 0 || !isIdent(s[i-1])) && (i+len(w) == len(s) || !isIdent(s[i+len(w)])) {
			return i
		}
	}
	return -1
}

func whereOf(generics string) string {
	if i := strings.Index(generics, "where "); i >= 0 {
		return generics[i+6:]
	}
	return ""
}

// fillFunction fills in the signature and parameters of function c from its
// fields: body, type_parameters, return_type and parameters.
func (e *fileExtractor) fillFunction(it *rawItem, c, body, tpNode, ret, params *node) {
	g := e.g
	tp := e.textOr(tpNode)
	end := c.EndByte()
	if !body.isNull() {
		end = body.StartByte()
	}
	it.sym.Signature = e.sigUpTo(c, end)
	it.sym.Generics = e.generics(c, tp, body)
	it.sym.ReturnType = e.sig(e.textOr(ret))
	gen := genericNames(tp)
	var typesBuf [8]string
	types := typesBuf[:0]
	if !params.isNull() {
		kids, mark := e.tr.kids(params, true)
		defer e.tr.pop(mark)
		for i := range kids {
			pc := &kids[i]
			switch g.code(pc) {
			case kSelfParameter:
				it.sym.Parameters = append(it.sym.Parameters, docpack.Parameter{Name: "self", ParamType: e.sig(e.text(pc))})
			case kParameter:
				f := e.tr.fields(pc, g.fPattern, g.fType)
				pat := normSpace(e.textOr(&f[0]))
				ty := e.sig(e.textOr(&f[1]))
				if pat == "self" || pat == "mut self" {
					it.sym.Parameters = append(it.sym.Parameters, docpack.Parameter{Name: "self", ParamType: e.sig(e.text(pc))})
					continue
				}
				it.sym.Parameters = append(it.sym.Parameters, docpack.Parameter{Name: pat, ParamType: ty})
				types = append(types, ty)
			case kVariadicParameter:
				it.sym.Parameters = append(it.sym.Parameters, docpack.Parameter{Name: "...", ParamType: e.sig(e.text(pc))})
			}
		}
	}
	types = append(types, it.sym.ReturnType, tp, whereOf(it.sym.Generics))
	it.sym.Dependencies = e.typeDeps(gen, types...)
}

// fields extracts named or tuple fields of a struct, union or variant. It
// reports whether any field is not pub: such a struct cannot be built with a
// literal outside its crate.
func (e *fileExtractor) fields(body *node, parent *rawItem, mod string) (private bool) {
	g := e.g
	inVariant := parent.sym.SymbolType == docpack.KindVariant
	if g.code(body) == kFieldDeclarationList {
		var p pending
		kids, mark := e.tr.kids(body, true)
		defer e.tr.pop(mark)
		for i := range kids {
			c := &kids[i]
			switch g.code(c) {
			case kAttributeItem:
				e.addAttr(&p, c)
			case kLineComment, kBlockComment:
				if t := e.text(c); docKind(t) == 'o' {
					p.addDoc(c, t)
				}
			case kFieldDeclaration:
				if !attrsOn(e.cfg, p.attrs) {
					p = pending{}
					continue
				}
				f := e.tr.fields(c, g.fName, g.fType)
				name := e.textOr(&f[0])
				it := e.newItem(c, docpack.KindField, name, &p, mod, parent)
				ty := e.sig(e.textOr(&f[1]))
				it.sym.Signature = name + ": " + ty
				it.sym.ReturnType = ty
				if inVariant {
					it.sym.Visibility = "pub"
				}
				private = private || it.sym.Visibility != "pub"
				it.sym.Dependencies = e.typeDeps(nil, ty)
				p = pending{}
			}
		}
		return private
	}
	// ordered_field_declaration_list: ( attrs* vis? type , ... )
	var p pending
	idx := 0
	var visStart *node
	kids, mark := e.tr.kids(body, false)
	defer e.tr.pop(mark)
	for i := range kids {
		c := &kids[i]
		switch g.code(c) {
		case kOpenParen, kCloseParen, kComma:
			continue
		case kAttributeItem:
			e.addAttr(&p, c)
			continue
		case kLineComment, kBlockComment:
			if t := e.text(c); docKind(t) == 'o' {
				p.addDoc(c, t)
			}
			continue
		case kVisibilityModifier:
			visStart = c
			continue
		}
		if !attrsOn(e.cfg, p.attrs) {
			p = pending{}
			visStart = nil
			continue
		}
		name := itoa(idx)
		idx++
		it := e.newItem(c, docpack.KindField, name, &p, mod, parent)
		if visStart != nil {
			vis := e.text(visStart)
			it.sym.Visibility = visibilityOf(vis)
			it.sym.Line = e.lineOf(visStart)
			src := e.str[min(visStart.StartByte(), startOr(p, visStart.StartByte())):c.EndByte()]
			it.sym.Source = src
		} else {
			it.sym.Visibility = "private"
		}
		if inVariant {
			it.sym.Visibility = "pub"
		}
		private = private || it.sym.Visibility != "pub"
		ty := e.sig(e.text(c))
		it.sym.Signature = name + ": " + ty
		it.sym.ReturnType = ty
		it.sym.Dependencies = e.typeDeps(nil, ty)
		p = pending{}
		visStart = nil
	}
	return private
}

func startOr(p pending, def uint) uint {
	if p.has {
		return p.start
	}
	return def
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func (e *fileExtractor) variants(body *node, enum *rawItem, mod string, gen []string) {
	g := e.g
	var p pending
	kids, mark := e.tr.kids(body, true)
	defer e.tr.pop(mark)
	for i := range kids {
		c := &kids[i]
		switch g.code(c) {
		case kAttributeItem:
			e.addAttr(&p, c)
		case kLineComment, kBlockComment:
			if t := e.text(c); docKind(t) == 'o' {
				p.addDoc(c, t)
			}
		case kEnumVariant:
			if !attrsOn(e.cfg, p.attrs) {
				p = pending{}
				continue
			}
			f := e.tr.fields(c, g.fName, g.fValue, g.fBody)
			it := e.newItem(c, docpack.KindVariant, e.textOr(&f[0]), &p, mod, enum)
			it.sym.Visibility = enum.sym.Visibility
			end := c.EndByte()
			if v := &f[1]; !v.isNull() {
				end = v.StartByte()
			}
			it.sym.Signature = e.sig(strings.TrimRight(e.str[c.StartByte():end], " \t\n="))
			if b := &f[2]; !b.isNull() {
				e.fields(b, it, mod)
				it.sym.Dependencies = e.typeDeps(gen, e.text(b))
			}
			p = pending{}
		}
	}
}

func (e *fileExtractor) implItem(c *node, p *pending, mod, childDir string, parent *rawItem, add func(*rawItem)) {
	g := e.g
	f := e.tr.fields(c, g.fType, g.fTrait, g.fTypeParams, g.fBody)
	ty := &f[0]
	if ty.isNull() {
		return
	}
	tr := &f[1]
	tp := e.textOr(&f[2])
	body := &f[3]
	// The label starts after "impl<…>": at the trait (or its "!") or the type.
	from := ty.StartByte()
	if !tr.isNull() {
		from = tr.StartByte()
		for from > c.StartByte() && (e.src[from-1] == ' ' || e.src[from-1] == '!') {
			if e.src[from-1] == '!' {
				from--
				break
			}
			from--
		}
		for e.src[from] == ' ' {
			from++
		}
	}
	label := "impl " + e.sig(e.str[from:ty.EndByte()])
	it := e.newItem(c, docpack.KindImpl, label, p, mod, parent)
	it.impl = &implInfo{label: label, params: genericNames(tp), selfType: e.sig(e.text(ty))}
	if !tr.isNull() {
		it.impl.trait = e.sig(e.text(tr))
	}
	end := c.EndByte()
	if !body.isNull() {
		end = body.StartByte()
	}
	it.sym.Signature = e.sigUpTo(c, end)
	it.sym.Generics = e.generics(c, tp, body)
	it.sym.Dependencies = e.typeDeps(genericNames(tp), it.impl.selfType, it.impl.trait, tp, whereOf(it.sym.Generics))
	add(it)
	if !body.isNull() {
		e.walkList(body, mod, childDir, it, "impl", func(*rawItem) {}, nil)
	}
}

// cfgAttrs appends the #[cfg(…)] attributes of attrs to dst.
func cfgAttrs(dst, attrs []string) []string {
	for _, a := range attrs {
		if strings.HasPrefix(a, "#[cfg(") || strings.HasPrefix(a, "#[cfg (") {
			dst = append(dst, a)
		}
	}
	return dst
}

// useTree flattens a use tree into entries; u carries the module, visibility
// and attributes of the declaration.
func (e *fileExtractor) useTree(n *node, prefix []string, u useEntry) {
	g := e.g
	switch g.code(n) {
	case kIdentifier, kCrate, kSelf, kSuper, kScopedIdentifier, kMetavariable:
		segs := append(append([]string{}, prefix...), pathSegs(e.text(n))...)
		name := segs[len(segs)-1]
		if name == "self" && len(segs) > 1 {
			segs = segs[:len(segs)-1]
			name = segs[len(segs)-1]
		}
		u.segs, u.alias = segs, name
		e.out.uses = append(e.out.uses, u)
	case kUseAsClause:
		f := e.tr.fields(n, g.fPath, g.fAlias)
		path := &f[0]
		alias := e.textOr(&f[1])
		if path.isNull() {
			return
		}
		segs := append(append([]string{}, prefix...), pathSegs(e.text(path))...)
		if segs[len(segs)-1] == "self" && len(segs) > 1 {
			segs = segs[:len(segs)-1]
		}
		if alias == "_" {
			return
		}
		u.segs, u.alias = segs, alias
		e.out.uses = append(e.out.uses, u)
	case kUseWildcard:
		t := strings.TrimSuffix(strings.TrimSpace(e.text(n)), "*")
		t = strings.TrimSuffix(strings.TrimSpace(t), "::")
		segs := append([]string{}, prefix...)
		if t != "" {
			segs = append(segs, pathSegs(t)...)
		}
		u.segs, u.glob = segs, true
		e.out.uses = append(e.out.uses, u)
	case kScopedUseList:
		segs := append([]string{}, prefix...)
		f := e.tr.fields(n, g.fPath, g.fList)
		if path := &f[0]; !path.isNull() {
			segs = append(segs, pathSegs(e.text(path))...)
		}
		if list := &f[1]; !list.isNull() {
			e.useTree(list, segs, u)
		}
	case kUseList:
		kids, mark := e.tr.kids(n, true)
		defer e.tr.pop(mark)
		for i := range kids {
			e.useTree(&kids[i], prefix, u)
		}
	}
}

func pathSegs(t string) []string {
	t = strings.ReplaceAll(normSpace(t), " ", "")
	t = strings.TrimPrefix(t, "::")
	return strings.Split(t, "::")
}

// macroNoItems are item-position macros whose bodies are not items as written.
var macroNoItems = map[string]bool{
	"thread_local": true, "lazy_static": true, "bitflags": true, "include": true,
	"compile_error": true, "global_asm": true, "asm": true, "quick_error": true,
}

// macroItems re-parses the body of an item-level macro call as items, so that
// `cfg_rt! { pub mod runtime; }` yields the module. Line numbers are kept
// relative to the real file, and every item gets a #[doctown::from_macro(name)]
// attribute. A body accepted as items that still has parse errors gives a
// warning at the first error's line in the real file.
func (e *fileExtractor) macroItems(m *node, mod, childDir string, parent *rawItem, ctx string, add func(*rawItem), inner *[]string, p *pending) {
	if e.depth > 8 {
		return
	}
	f := e.tr.fields(m, e.g.fMacro)
	name := normSpace(e.textOr(&f[0]))
	if name == "" {
		return
	}
	// A macro whose body is not items (bitflags!, lazy_static! …) is
	// skipped, unless its definition is known: the crate's own copy, or its
	// dependency's (then it expands).
	if macroNoItems[name[strings.LastIndex(name, ":")+1:]] &&
		(e.exp == nil || e.exp.Table.Lookup(name, e.rel, e.lineOf(m)) == nil) {
		return
	}
	var tt node
	kids, mark := e.tr.kids(m, true)
	for i := len(kids) - 1; i >= 0; i-- {
		if e.g.code(&kids[i]) == kTokenTree {
			tt = kids[i]
			break
		}
	}
	e.tr.pop(mark)
	if tt.isNull() {
		return
	}
	if name == "cfg_if" || strings.HasSuffix(name, "::cfg_if") {
		// cfg_if! { if #[cfg(a)] { items } else if #[cfg(b)] { items } else { items } … }:
		// the first arm whose cfg holds is the code, read as items of this module.
		for _, arm := range e.cfgIfArms(&tt) {
			e.tokenTreeItems(name, &arm, "", nil, nil, false, true, mod, childDir, parent, ctx, add, inner, p)
		}
		return
	}
	expanded, x, lines, isExp, done := e.expandCall(name, m, &tt)
	if done && !isExp {
		return
	}
	if !isExp && tt.EndByte()-tt.StartByte() < 3 {
		return
	}
	e.tokenTreeItems(name, &tt, expanded, x, lines, isExp, false, mod, childDir, parent, ctx, add, inner, p)
}

// cfgIfArms returns, for each if/else-if/else chain of a cfg_if! body, the
// braces of the first arm whose cfg holds (none when no arm holds).
func (e *fileExtractor) cfgIfArms(tt *node) []node {
	kids, mark := e.tr.kids(tt, false)
	defer e.tr.pop(mark)
	var arms []node
	taken := false // an arm of the current chain was taken
	for i := 0; i < len(kids); i++ {
		c := &kids[i]
		t := e.text(c)
		if t != "if" {
			continue
		}
		// Is this "if" the start of a chain, or an "else if"?
		if i == 0 || e.text(&kids[i-1]) != "else" {
			taken = false
		}
		// Expect: # [cfg(pred)] { body }
		if i+3 >= len(kids) || e.text(&kids[i+1]) != "#" {
			continue
		}
		attr := e.text(&kids[i+2])
		body := &kids[i+3]
		if !strings.HasPrefix(e.text(body), "{") {
			continue
		}
		i += 3
		if taken {
			continue
		}
		if _, ok := cfgOf("#" + attr); ok && attrsOn(e.cfg, []string{"#" + attr}) {
			arms = append(arms, *body)
			taken = true
		}
		// A final "else { … }" after this arm.
		if i+2 < len(kids) && e.text(&kids[i+1]) == "else" && strings.HasPrefix(e.text(&kids[i+2]), "{") {
			if !taken {
				arms = append(arms, kids[i+2])
				taken = true
			}
			i += 2
		}
	}
	return arms
}

// tokenTreeItems extracts the items written in a macro call's token tree tt:
// the expansion when isExp is set, else the tree's text when it looks like
// items (or always, with itemsOnly: a cfg_if! arm holds items by definition).
// parse, when set, is the text tree-sitter reads in place of the expansion
// (the same length, with what is not read blanked).
func (e *fileExtractor) tokenTreeItems(name string, tt *node, expanded string, x *expOut, lines *macros.LineMap, isExp, itemsOnly bool, mod, childDir string, parent *rawItem, ctx string, add func(*rawItem), inner *[]string, p *pending) {
	if e.depth == 0 && e.tr.exp != nil {
		// A call in the file itself: the tokens of its expansion, and of
		// those made while its items are read, are dead when they are.
		defer e.tr.exp.reset()
	}
	if !isExp && tt.EndByte()-tt.StartByte() < 3 {
		return
	}
	start, end := tt.StartByte()+1, tt.EndByte()-1
	body := e.str[start:end]
	if isExp {
		body = expanded
	} else if !itemsOnly && !mayHoldItems(body) {
		// Not worth a parse: winapi's unexpanded DEFINE_GUID!{…} calls.
		return
	}
	w := bodyWalk{name: name, tt: tt, start: start, body: body, lines: lines, isExp: isExp, itemsOnly: itemsOnly,
		mod: mod, childDir: childDir, parent: parent, ctx: ctx, add: add, inner: inner, p: p}
	if isExp && x != nil && e.tokItems(&w, x) {
		return
	}
	parse := bytesOf(body)
	if x != nil {
		parse = blankSpans(body, x.spans)
	}
	tree := parseText(e.parser, parse)
	if tree == nil {
		return
	}
	defer tree.Close()
	root := nodeOf(tree.RootNode())
	e.walkBody(&w, &root)
}

// bodyWalk is what tokenTreeItems passes on to walkBody.
type bodyWalk struct {
	name             string
	tt               *node
	start            uint
	body             string
	lines            *macros.LineMap
	isExp, itemsOnly bool
	mod, childDir    string
	parent           *rawItem
	ctx              string
	add              func(*rawItem)
	inner            *[]string
	p                *pending
}

// walkBody extracts the items of root, the tree of a macro call's body or
// expansion (see tokenTreeItems).
func (e *fileExtractor) walkBody(w *bodyWalk, root *node) {
	name, tt, start, body, lines, isExp, itemsOnly := w.name, w.tt, w.start, w.body, w.lines, w.isExp, w.itemsOnly
	mod, childDir, parent, ctx, add, inner, p := w.mod, w.childDir, w.parent, w.ctx, w.add, w.inner, w.p
	rootKids, mark := e.tr.kids(root, true)
	defer e.tr.pop(mark)
	if !itemsOnly && !isExp && !looksLikeItems(e.g, e.tr, rootKids) {
		return
	}
	sub := *e
	sub.src, sub.str = bytesOf(body), body
	sub.lineBase = e.lineBase + int(tt.row())
	sub.byteBase = e.byteBase + int(start)
	if isExp {
		sub.lines, sub.byteBase = lines, 0
	}
	// A body with parse errors is not reported: macros often have syntax of
	// their own (tokio's thread_local!-like macros), which is not the user's
	// mistake, and rustc reports real errors. Items are taken from what the
	// parser recovered.
	fromMacro := "#[doctown::from_macro(" + name + ")]"
	sub.fromMacro = append(append([]string{}, e.fromMacro...), fromMacro)
	sub.depth = e.depth + 1
	// Attributes written on the macro call itself apply to its items, and so do
	// inner attributes at the top of the body (tokio's feature! { #![unix] … }).
	outer := *p
	var innerAttrs []string
	for i := range rootKids {
		c := &rootKids[i]
		if k := e.g.code(c); k == kInnerAttributeItem {
			innerAttrs = append(innerAttrs, e.sig(sub.text(c)))
		} else if k != kLineComment && k != kBlockComment {
			break
		}
	}
	// A #[cfg] on the call itself decided whether the call is there (it was
	// evaluated with the call); it is not an attribute of the items the call
	// makes, so docs.rs shows no badge for them, nor for cfg_if! arms (whose
	// cfgs sit on inner macro calls). The cfgs the macro's own expansion puts
	// on its items (tokio's cfg_net!) are the items' own.
	sub.wrapAttrs = append(append(append([]string{}, e.wrapAttrs...), fromMacro), innerAttrs...)
	sub.walkList(root, mod, childDir, parent, ctx, func(it *rawItem) {
		if it.parent == parent {
			it.sym.Attributes = append(it.sym.Attributes, innerAttrs...)
		}
		if it.parent == parent && outer.has {
			it.sym.Attributes = append(append([]string{}, outer.attrs...), it.sym.Attributes...)
			if outer.hidden {
				it.hidden = true
			}
		}
		add(it)
	}, inner)
}

// isItemKind reports whether k is the kind of an item (a macro call included).
func isItemKind(k kindCode) bool {
	switch k {
	case kFunctionItem, kFunctionSignatureItem, kStructItem, kUnionItem, kEnumItem, kTraitItem,
		kImplItem, kConstItem, kStaticItem, kTypeItem, kMacroDefinition, kModItem, kUseDeclaration,
		kAssociatedType, kForeignModItem, kMacroInvocation, kExternCrateDeclaration:
		return true
	}
	return false
}

// itemWords are the words an item as written starts with or must contain
// (pub, unsafe, async and the rest come before one of these).
var itemWords = map[string]bool{
	"fn": true, "struct": true, "enum": true, "union": true, "trait": true, "impl": true, "const": true,
	"static": true, "type": true, "mod": true, "use": true, "extern": true, "macro": true,
}

// mayHoldItems reports whether text could be read as items: it has an item's
// keyword or a `!` (a macro call). Words inside literals and comments count
// too, which only costs a parse.
func mayHoldItems(text string) bool {
	for i := 0; i < len(text); {
		c := text[i]
		if c == '!' {
			return true
		}
		if !isIdent(c) {
			i++
			continue
		}
		j := i
		for j < len(text) && isIdent(text[j]) {
			j++
		}
		if itemWords[text[i:j]] {
			return true
		}
		i = j
	}
	return false
}

// looksLikeItems accepts a re-parsed macro body when its top level consists of
// items (comments and attributes aside) and at least one of them is a real item
// or a macro call (outer! { inner! { … } }: the inner body is judged in turn).
func looksLikeItems(g *grammar, tr *treeReader, kids []node) bool {
	items := 0
	for i := range kids {
		c := &kids[i]
		k := g.code(c)
		switch {
		case k == kAttributeItem || k == kInnerAttributeItem || k == kLineComment || k == kBlockComment:
		case isItemKind(k):
			items++
		case k == kExpressionStatement:
			if m, ok := tr.firstNamed(c); !ok || g.code(&m) != kMacroInvocation {
				return false
			}
			items++
		default:
			return false
		}
	}
	return items > 0
}

// firstNamed is n's first named child (ok false when it has none).
func (r *treeReader) firstNamed(n *node) (c node, ok bool) {
	kids, mark := r.kids(n, true)
	defer r.pop(mark)
	if len(kids) == 0 {
		return node{}, false
	}
	return kids[0], true
}

// firstNamed is the extractor's treeReader.firstNamed.
func (e *fileExtractor) firstNamed(n *node) (node, bool) { return e.tr.firstNamed(n) }

// close releases the extractor's tree reader.
func (e *fileExtractor) close() { e.tr.close() }

// condOf parses the #[cfg]s among the attribute lists whose value the build
// configuration decides.
func condOf(lists ...[]string) []cfgexpr.Expr {
	var out []cfgexpr.Expr
	for _, attrs := range lists {
		for _, a := range attrs {
			if pred, ok := cfgOf(a); ok {
				if x, err := cfgexpr.Parse(pred); err == nil && cfg.DependsOnConfig(x) {
					out = append(out, x)
				}
			}
		}
	}
	return out
}
