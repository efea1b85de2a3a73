package rust

import (
	"sync"
	"sync/atomic"

	"github.com/doctown/doctown/pipeline/rust/macros"
)

// A macro expansion is text the extractor renders from the expander's
// tokens; reading its items by parsing that text with tree-sitter again cost
// winapi's extraction a quarter of its time (17,136 parses, 8.1 MB). Most
// expansions are a few simple items (STRUCT!'s `#[repr(C)] pub struct X {
// … }`, RIDL!'s `impl X { pub unsafe fn f(&self, …) -> HRESULT { … } }`,
// DEFINE_GUID!'s `pub const X: GUID = GUID { … };`), whose syntax trees are
// known from the tokens alone. For those, a synthetic tree is built here:
// nodes with the kinds, fields and byte offsets tree-sitter would give them in
// the rendered text, which the walk (items.go) reads through the tree reader
// as it reads tree-sitter's, so every item it makes comes from the same code.
// Anything the reader does not fully understand (a macro call, a `use`, a
// pattern other than a name, …) sends the whole expansion to tree-sitter.

// synTree is a synthetic syntax tree: node i has id i+1 and tree 0.
type synTree struct {
	nodes []synNode
	kids  []int32
}

type synNode struct {
	n          node
	kidStart   int32
	kidEnd     int32
	fld        [5]synField
	nfld       uint8
	_, _, _, _ uint8
}

type synField struct {
	id  uint16
	kid int32
}

// synKids is treeReader.kids for a synthetic node.
func (r *treeReader) synKids(n *node, namedOnly bool) ([]node, int) {
	if r.stack == nil {
		r.stack = takeNodeStack()
	}
	mark := len(r.stack)
	sn := &r.syn.nodes[n.id-1]
	for _, k := range r.syn.kids[sn.kidStart:sn.kidEnd] {
		kn := &r.syn.nodes[k].n
		if namedOnly && !kn.named {
			continue
		}
		r.stack = append(r.stack, *kn)
	}
	return r.stack[mark:len(r.stack):len(r.stack)], mark
}

// fields is treeReader.fields for a synthetic node.
func (t *synTree) fields(n *node, ids []uint16) (out [maxFields]node) {
	sn := &t.nodes[n.id-1]
	for i, id := range ids {
		for _, f := range sn.fld[:sn.nfld] {
			if f.id == id {
				out[i] = t.nodes[f.kid].n
				break
			}
		}
	}
	return out
}

// synKinds are the tree-sitter kind ids the synthetic nodes carry.
type synKinds struct {
	sourceFile, attribute, innerAttribute, empty, structItem, unionItem, enumItem,
	fnItem, fnSig, implItem, traitItem, constItem, staticItem, typeItem, assocType,
	fieldList, orderedList, fieldDecl, variantList, variant, vis, declList, block,
	params, param, selfParam, typeParams, ident, typeIdent, fieldIdent, typ, expr,
	bounds, macroCall, scopedIdent, tokenTree, bang, useDecl, useAs, useList, scopedUseList,
	useWildcard, modItem, foreignMod, macroDef uint16
}

var (
	synKindsOnce sync.Once
	synKindIDs   synKinds
)

func loadSynKinds() *synKinds {
	synKindsOnce.Do(func() {
		l := loadGrammar().lang
		id := func(s string) uint16 { return l.IdForNodeKind(s, true) }
		k := &synKindIDs
		k.sourceFile, k.attribute, k.innerAttribute, k.empty = id("source_file"), id("attribute_item"), id("inner_attribute_item"), id("empty_statement")
		k.structItem, k.unionItem, k.enumItem = id("struct_item"), id("union_item"), id("enum_item")
		k.fnItem, k.fnSig, k.implItem, k.traitItem = id("function_item"), id("function_signature_item"), id("impl_item"), id("trait_item")
		k.constItem, k.staticItem, k.typeItem, k.assocType = id("const_item"), id("static_item"), id("type_item"), id("associated_type")
		k.fieldList, k.orderedList, k.fieldDecl = id("field_declaration_list"), id("ordered_field_declaration_list"), id("field_declaration")
		k.variantList, k.variant, k.vis, k.declList, k.block = id("enum_variant_list"), id("enum_variant"), id("visibility_modifier"), id("declaration_list"), id("block")
		k.params, k.param, k.selfParam, k.typeParams = id("parameters"), id("parameter"), id("self_parameter"), id("type_parameters")
		k.ident, k.typeIdent, k.fieldIdent, k.typ, k.expr = id("identifier"), id("type_identifier"), id("field_identifier"), id("generic_type"), id("integer_literal")
		k.bounds = id("trait_bounds")
		k.macroCall, k.scopedIdent, k.tokenTree = id("macro_invocation"), id("scoped_identifier"), id("token_tree")
		k.bang = l.IdForNodeKind("!", false)
		k.useDecl, k.useAs, k.useList, k.scopedUseList = id("use_declaration"), id("use_as_clause"), id("use_list"), id("scoped_use_list")
		k.useWildcard, k.modItem, k.foreignMod = id("use_wildcard"), id("mod_item"), id("foreign_mod_item")
		k.macroDef = id("macro_definition")
	})
	return &synKindIDs
}

// tv is a token of an expansion with where its text is in the rendering:
// fragment groups (no delimiters in the text) are opened into their parent.
type tv struct {
	t          *macros.Token
	start, end int // the token's bytes (a group's from its opener to its closer)
	kids       []tv
}

// tokBufs are the buffers the reader builds an expansion's views and tree in,
// reused from one expansion to the next (see tokBufPool) rather than made
// for each: winapi reads 16,164 expansions, whose views and nodes were half
// the reader's time and a rise of its peak RSS.
type tokBufs struct {
	views []tv    // every view, a group's kids side by side
	stack []tv    // the views of the lists being read
	ints  []int32 // the kids of the synthetic lists being built
	st    synTree
}

// tokBufPool holds tokBufs between expansions (one a P, in effect).
var tokBufPool = sync.Pool{New: func() any { return new(tokBufs) }}

// reset empties z for the next expansion: the views' token pointers are
// cleared, so that z keeps no expansion's tokens alive.
func (z *tokBufs) reset() {
	clear(z.views)
	z.views, z.stack, z.ints = z.views[:0], z.stack[:0], z.ints[:0]
	z.st.nodes, z.st.kids = z.st.nodes[:0], z.st.kids[:0]
}

// tokViews lists toks with their offsets in their rendering, offs (see
// macros.RenderOffsets). ok is false when offs are not theirs.
func (z *tokBufs) tokViews(toks []macros.Token, offs []int32) ([]tv, bool) {
	k := 0
	if !z.viewList(toks, offs, &k) || k != len(offs) {
		return nil, false
	}
	return z.flush(0), true
}

// flush moves the views stacked since mark to z.views, side by side, and
// returns them. A slice taken before z.views grew stays valid: it keeps the
// old array, whose views do not change.
func (z *tokBufs) flush(mark int) []tv {
	at := len(z.views)
	z.views = append(z.views, z.stack[mark:]...)
	clear(z.stack[mark:])
	z.stack = z.stack[:mark]
	return z.views[at:len(z.views):len(z.views)]
}

// viewList stacks the views of toks (fragment groups opened), their
// offsets read from offs at *k.
func (z *tokBufs) viewList(toks []macros.Token, offs []int32, k *int) bool {
	for i := range toks {
		t := &toks[i]
		if t.Kind == macros.Group && t.Delim == 0 {
			if !z.viewList(t.Kids, offs, k) {
				return false
			}
			continue
		}
		if *k >= len(offs) {
			return false
		}
		v := tv{t: t, start: int(offs[*k])}
		*k++
		if t.Kind == macros.Group {
			mark := len(z.stack)
			if !z.viewList(t.Kids, offs, k) || *k >= len(offs) {
				return false
			}
			v.end = int(offs[*k])
			*k++
			v.kids = z.flush(mark)
		} else {
			n := len(t.Text)
			if t.Kind == macros.Ident && t.Text == "$crate" {
				n = len("crate")
			}
			v.end = v.start + n
		}
		z.stack = append(z.stack, v)
	}
	return true
}

// synBuilder builds a synTree from token views.
type synBuilder struct {
	st *synTree
	z  *tokBufs
	k  *synKinds
	g  *grammar
}

func (b *synBuilder) add(kind uint16, named bool, start, end int) int32 {
	var n node
	n.ctx[0] = uint32(start)
	n.end = uint32(end)
	n.kind, n.named = kind, named
	n.id = uintptr(len(b.st.nodes) + 1)
	b.st.nodes = append(b.st.nodes, synNode{n: n})
	return int32(len(b.st.nodes) - 1)
}

// push adds n to the list being built (see setKids).
func (b *synBuilder) push(n int32) { b.z.ints = append(b.z.ints, n) }

// setKids makes the nodes pushed since mark the kids of node i.
func (b *synBuilder) setKids(i int32, mark int) {
	sn := &b.st.nodes[i]
	sn.kidStart = int32(len(b.st.kids))
	b.st.kids = append(b.st.kids, b.z.ints[mark:]...)
	sn.kidEnd = int32(len(b.st.kids))
	b.z.ints = b.z.ints[:mark]
}

// field sets node i's field id to kid; a part that is absent (kid -1) sets none.
func (b *synBuilder) field(i int32, id uint16, kid int32) {
	if kid < 0 {
		return
	}
	sn := &b.st.nodes[i]
	sn.fld[sn.nfld] = synField{id, kid}
	sn.nfld++
}

// span adds a node over views vs[i:j].
func (b *synBuilder) span(kind uint16, vs []tv, i, j int) int32 {
	return b.add(kind, true, vs[i].start, vs[j-1].end)
}

func isP(vs []tv, i int, s string) bool {
	return i < len(vs) && vs[i].t.Kind == macros.Punct && vs[i].t.Text == s
}

func isW(vs []tv, i int, s string) bool {
	return i < len(vs) && vs[i].t.Kind == macros.Ident && vs[i].t.Text == s
}

func isG(vs []tv, i int, d byte) bool {
	return i < len(vs) && vs[i].t.Kind == macros.Group && vs[i].t.Delim == d
}

// rustKeywords are the words that are no name (a path segment's aside).
var rustKeywords = map[string]bool{
	"as": true, "async": true, "await": true, "break": true, "const": true, "continue": true, "crate": true,
	"dyn": true, "else": true, "enum": true, "extern": true, "false": true, "fn": true, "for": true, "if": true,
	"impl": true, "in": true, "let": true, "loop": true, "match": true, "mod": true, "move": true, "mut": true,
	"pub": true, "ref": true, "return": true, "self": true, "Self": true, "static": true, "struct": true,
	"super": true, "trait": true, "true": true, "type": true, "unsafe": true, "use": true, "where": true,
	"while": true, "yield": true, "union": true, "macro_rules": true, "$crate": true, "_": true,
	"abstract": true, "become": true, "box": true, "do": true, "final": true, "macro": true, "override": true,
	"priv": true, "typeof": true, "unsized": true, "virtual": true, "try": true, "gen": true,
}

// isName reports whether vs[i] is an identifier that names an item.
func isName(vs []tv, i int) bool {
	return i < len(vs) && vs[i].t.Kind == macros.Ident && !rustKeywords[vs[i].t.Text] && vs[i].t.Text[0] != '$'
}

// synFile builds the tree of an expansion's items in z, or reports false.
func synFile(toks []macros.Token, offs []int32, text string, z *tokBufs) (root node, views []tv, ok bool) {
	z.reset()
	vs, ok := z.tokViews(toks, offs)
	if !ok {
		return node{}, nil, false
	}
	b := synBuilder{st: &z.st, z: z, k: loadSynKinds(), g: loadGrammar()}
	if !b.items(vs, "") {
		return node{}, vs, false
	}
	r := b.add(b.k.sourceFile, true, 0, len(text))
	b.setKids(r, 0)
	return z.st.nodes[r].n, vs, true
}

// items reads vs as a list of items, pushing their nodes.
func (b *synBuilder) items(vs []tv, ctx string) bool {
	for i := 0; i < len(vs); {
		if isP(vs, i, "#") {
			n, j, ok := b.attr(vs, i)
			if !ok {
				return false
			}
			b.push(n)
			i = j
			continue
		}
		if isP(vs, i, ";") {
			b.push(b.span(b.k.empty, vs, i, i+1))
			i++
			continue
		}
		n, j, ok := b.item(vs, i, ctx)
		if !ok {
			return false
		}
		b.push(n)
		i = j
	}
	return true
}

// attr reads the attribute at vs[i] (a `#`).
func (b *synBuilder) attr(vs []tv, i int) (int32, int, bool) {
	j := i + 1
	kind := b.k.attribute
	if isP(vs, j, "!") {
		j++
		kind = b.k.innerAttribute
	}
	if !isG(vs, j, '[') || !attrBodyOK(vs[j].kids) {
		return 0, 0, false
	}
	return b.span(kind, vs, i, j+1), j + 1, true
}

// attrBodyOK accepts `path`, `path(…)` and `path = "literal"`.
func attrBodyOK(vs []tv) bool {
	i := 0
	for {
		if i >= len(vs) || vs[i].t.Kind != macros.Ident || vs[i].t.Text[0] == '$' {
			return false
		}
		i++
		if !isP(vs, i, "::") {
			break
		}
		i++
	}
	switch {
	case i == len(vs):
		return true
	case i == len(vs)-1 && vs[i].t.Kind == macros.Group:
		return true
	case i == len(vs)-2 && isP(vs, i, "=") && vs[i+1].t.Kind == macros.Literal:
		return true
	}
	return false
}

// visGroupOK accepts the restriction of pub(…).
func visGroupOK(vs []tv) bool {
	switch {
	case len(vs) == 1 && (isW(vs, 0, "crate") || isW(vs, 0, "self") || isW(vs, 0, "super")):
		return true
	case len(vs) >= 2 && isW(vs, 0, "in"):
		t := &typeParser{vs: vs, i: 1}
		return t.path(false) && t.i == len(vs)
	}
	return false
}

// item reads the item at vs[i] (not an attribute).
func (b *synBuilder) item(vs []tv, i int, ctx string) (int32, int, bool) {
	if n, j, ok, call := b.macroCall(vs, i); call {
		return n, j, ok
	}
	j := i
	if isW(vs, j, "pub") {
		j++
		if isG(vs, j, '(') {
			if !visGroupOK(vs[j].kids) {
				return 0, 0, false
			}
			j++
		}
	}
	hasVis := j > i
	if isW(vs, j, "extern") {
		g := j + 1
		if g < len(vs) && vs[g].t.Kind == macros.Literal {
			g++
		}
		if isG(vs, g, '{') {
			return b.foreignMod(vs, i, g)
		}
	}
	mods := j
	for {
		switch {
		case isW(vs, j, "unsafe"), isW(vs, j, "async"), isW(vs, j, "default"):
			j++
			continue
		case isW(vs, j, "const") && (isW(vs, j+1, "fn") || isW(vs, j+1, "unsafe") || isW(vs, j+1, "async") || isW(vs, j+1, "extern")):
			j++
			continue
		case isW(vs, j, "extern") && j+1 < len(vs) && vs[j+1].t.Kind == macros.Literal && (isW(vs, j+2, "fn") || isW(vs, j+2, "unsafe")):
			j += 2
			continue
		case isW(vs, j, "extern") && isW(vs, j+1, "fn"):
			j++
			continue
		}
		break
	}
	if j >= len(vs) || vs[j].t.Kind != macros.Ident {
		return 0, 0, false
	}
	nmods := j - mods
	onlyUnsafe := nmods == 1 && isW(vs, mods, "unsafe")
	switch vs[j].t.Text {
	case "fn":
		return b.function(vs, i, j)
	case "struct", "union", "enum":
		if nmods > 0 {
			return 0, 0, false
		}
		return b.adt(vs, i, j)
	case "impl":
		if hasVis || nmods > 0 && !onlyUnsafe {
			return 0, 0, false
		}
		return b.impl(vs, i, j)
	case "trait":
		if nmods > 0 && !onlyUnsafe {
			return 0, 0, false
		}
		return b.trait(vs, i, j)
	case "const", "static":
		if nmods > 0 {
			return 0, 0, false
		}
		if isW(vs, j+1, "_") {
			if hasVis || ctx != "" || vs[j].t.Text != "const" {
				return 0, 0, false
			}
			return b.constBlock(vs, i, j)
		}
		return b.constItem(vs, i, j)
	case "type":
		if nmods > 0 {
			return 0, 0, false
		}
		return b.typeItem(vs, i, j, hasVis)
	case "use":
		if nmods > 0 || ctx != "" {
			return 0, 0, false
		}
		return b.useItem(vs, i, j)
	case "mod":
		if nmods > 0 || ctx != "" {
			return 0, 0, false
		}
		return b.modItem(vs, i, j)
	case "macro_rules":
		if hasVis || nmods > 0 || ctx != "" {
			return 0, 0, false
		}
		return b.macroDef(vs, i, j)
	}
	return 0, 0, false
}

// macroCall reads a macro call at vs[i] (call reports whether there is
// one): `path! { … }`, or `path!(…)` and `path![…]` before a `;` (the `;`
// is the next item, an empty statement). The walk reads the name and the
// token tree's text (macroItems, expandCall), so the synthetic token tree
// has no children: cfg_if!, whose arms are read from them (cfgIfArms), is
// left to tree-sitter.
func (b *synBuilder) macroCall(vs []tv, i int) (n int32, j int, ok, call bool) {
	t := &typeParser{vs: vs, i: i}
	if !t.exprPath() || !isP(vs, t.i, "!") || t.i+1 >= len(vs) || vs[t.i+1].t.Kind != macros.Group {
		return 0, 0, false, false
	}
	end, g := t.i, t.i+1
	if last := vs[end-1].t.Text; last == "cfg_if" {
		return 0, 0, false, true
	}
	if d := vs[g].t.Delim; d != '{' && !isP(vs, g+1, ";") {
		return 0, 0, false, true
	}
	kind := b.k.ident
	if end-i > 1 {
		kind = b.k.scopedIdent
	}
	name := b.span(kind, vs, i, end)
	bang := b.add(b.k.bang, false, vs[end].start, vs[end].end)
	tt := b.span(b.k.tokenTree, vs, g, g+1)
	n = b.span(b.k.macroCall, vs, i, g+1)
	b.field(n, b.g.fMacro, name)
	mark := len(b.z.ints)
	b.push(name)
	b.push(bang)
	b.push(tt)
	b.setKids(n, mark)
	return n, g + 1, true, true
}

// macroDef reads `macro_rules! name { … }` (or `(…);`, `[…];`; vs[j] the
// `macro_rules`): the walk reads its name (tokio's cfg_io_util! holds
// read_impl! and write_impl!, 87 kB of rules).
func (b *synBuilder) macroDef(vs []tv, i, j int) (int32, int, bool) {
	if !isP(vs, j+1, "!") || !isName(vs, j+2) || j+3 >= len(vs) || vs[j+3].t.Kind != macros.Group {
		return 0, 0, false
	}
	end := j + 4
	if vs[j+3].t.Delim != '{' {
		if !isP(vs, end, ";") {
			return 0, 0, false
		}
		end++
	}
	name := b.span(b.k.ident, vs, j+2, j+3)
	n := b.span(b.k.macroDef, vs, i, end)
	b.field(n, b.g.fName, name)
	return n, end, true
}

// foreignMod reads `extern "abi" { … }` (vs[g] the braces).
func (b *synBuilder) foreignMod(vs []tv, i, g int) (int32, int, bool) {
	body, ok := b.declList(vs[g], "extern")
	if !ok {
		return 0, 0, false
	}
	n := b.span(b.k.foreignMod, vs, i, g+1)
	b.field(n, b.g.fBody, body)
	return n, g + 1, true
}

// modItem reads `mod name;` and `mod name { … }` (vs[j] the `mod`).
func (b *synBuilder) modItem(vs []tv, i, j int) (int32, int, bool) {
	j++
	if !isName(vs, j) {
		return 0, 0, false
	}
	name := b.span(b.k.ident, vs, j, j+1)
	j++
	var body int32 = -1
	switch {
	case isP(vs, j, ";"):
	case isG(vs, j, '{'):
		var ok bool
		if body, ok = b.declList(vs[j], ""); !ok {
			return 0, 0, false
		}
	default:
		return 0, 0, false
	}
	j++
	n := b.span(b.k.modItem, vs, i, j)
	b.field(n, b.g.fName, name)
	b.field(n, b.g.fBody, body)
	return n, j, true
}

// useItem reads `use tree;` (vs[j] the `use`).
func (b *synBuilder) useItem(vs []tv, i, j int) (int32, int, bool) {
	arg, k, ok := b.useTree(vs, j+1)
	if !ok || !isP(vs, k, ";") {
		return 0, 0, false
	}
	n := b.span(b.k.useDecl, vs, i, k+1)
	b.field(n, b.g.fArgument, arg)
	return n, k + 1, true
}

// useTree reads a use tree at vs[i]: a path (`as` a name or not), a glob,
// or a list, after a path or not.
func (b *synBuilder) useTree(vs []tv, i int) (int32, int, bool) {
	switch {
	case isG(vs, i, '{'):
		l, ok := b.useList(vs[i])
		return l, i + 1, ok
	case isP(vs, i, "*"):
		return b.span(b.k.useWildcard, vs, i, i+1), i + 1, true
	}
	start := i
	if isP(vs, i, "::") {
		i++
	}
	words := 0
	for {
		t := typeParser{vs: vs, i: i}
		if !t.pathWord() {
			return 0, 0, false
		}
		i++
		words++
		if !isP(vs, i, "::") || isG(vs, i+1, '{') || isP(vs, i+1, "*") {
			break
		}
		i++
	}
	kind := b.k.ident
	if words > 1 || i-start > words {
		kind = b.k.scopedIdent
	}
	switch {
	case isP(vs, i, "::") && isG(vs, i+1, '{'):
		path := b.span(kind, vs, start, i)
		l, ok := b.useList(vs[i+1])
		if !ok {
			return 0, 0, false
		}
		n := b.span(b.k.scopedUseList, vs, start, i+2)
		b.field(n, b.g.fPath, path)
		b.field(n, b.g.fList, l)
		return n, i + 2, true
	case isP(vs, i, "::") && isP(vs, i+1, "*"):
		return b.span(b.k.useWildcard, vs, start, i+2), i + 2, true
	case isW(vs, i, "as"):
		if !isName(vs, i+1) {
			return 0, 0, false
		}
		path := b.span(kind, vs, start, i)
		alias := b.span(b.k.ident, vs, i+1, i+2)
		n := b.span(b.k.useAs, vs, start, i+2)
		b.field(n, b.g.fPath, path)
		b.field(n, b.g.fAlias, alias)
		return n, i + 2, true
	}
	return b.span(kind, vs, start, i), i, true
}

// commaList reads the comma-separated elements of group g as the kids of a
// node of kind: elem reads (and pushes) the element at vs[i] and says where
// it ends; a trailing comma is allowed.
func (b *synBuilder) commaList(g tv, kind uint16, elem func(vs []tv, i int) (int, bool)) (int32, bool) {
	vs := g.kids
	mark := len(b.z.ints)
	for i := 0; i < len(vs); {
		j, ok := elem(vs, i)
		if !ok {
			return 0, false
		}
		i = j
		if i < len(vs) {
			if !isP(vs, i, ",") {
				return 0, false
			}
			i++
		}
	}
	n := b.add(kind, true, g.start, g.end)
	b.setKids(n, mark)
	return n, true
}

// useList reads the braces of a use list.
func (b *synBuilder) useList(g tv) (int32, bool) {
	return b.commaList(g, b.k.useList, func(vs []tv, i int) (int, bool) {
		n, j, ok := b.useTree(vs, i)
		if !ok {
			return 0, false
		}
		b.push(n)
		return j, true
	})
}

// typeParams reads optional generic parameters at vs[j]: the node (-1 for
// none) and where they end.
func (b *synBuilder) typeParams(vs []tv, j int) (int32, int, bool) {
	if !isP(vs, j, "<") {
		return -1, j, true
	}
	t := &typeParser{vs: vs, i: j + 1}
	if !t.genericParams() || t.pend != 0 {
		return 0, 0, false
	}
	return b.span(b.k.typeParams, vs, j, t.i), t.i, true
}

// whereEnd skips a where clause at vs[j], if any, up to the `{` group or
// `;` (or `=`, with eq) that ends it at angle depth 0.
func whereEnd(vs []tv, j int, eq bool) (int, bool) {
	if !isW(vs, j, "where") {
		return j, true
	}
	depth := 0
	for k := j + 1; k < len(vs); k++ {
		t := vs[k].t
		switch {
		case t.Kind == macros.Group && t.Delim == '{':
			if depth != 0 {
				return 0, false
			}
			return k, true
		case t.Kind == macros.Ident && typeKeyword(t.Text):
			return 0, false
		case t.Kind != macros.Punct:
		case t.Text == ";" || eq && t.Text == "=" && depth == 0:
			if depth != 0 {
				return 0, false
			}
			return k, true
		case t.Text == "<":
			depth++
		case t.Text == ">":
			depth--
		case t.Text == ">>":
			depth -= 2
		case t.Text == "<<", t.Text == ">=", t.Text == ">>=", t.Text == "<=", t.Text == "<<=":
			return 0, false
		}
		if depth < 0 {
			return 0, false
		}
	}
	return 0, false
}

func (b *synBuilder) adt(vs []tv, i, j int) (int32, int, bool) {
	kw := vs[j].t.Text
	j++
	if !isName(vs, j) {
		return 0, 0, false
	}
	name := b.span(b.k.typeIdent, vs, j, j+1)
	tp, j, ok := b.typeParams(vs, j+1)
	if !ok {
		return 0, 0, false
	}
	var body int32 = -1
	switch {
	case kw == "struct" && isG(vs, j, '('):
		if body, ok = b.orderedList(vs[j]); !ok {
			return 0, 0, false
		}
		if j, ok = whereEnd(vs, j+1, false); !ok || !isP(vs, j, ";") {
			return 0, 0, false
		}
		j++
	case kw == "struct" && isP(vs, j, ";"):
		j++
	default:
		if j, ok = whereEnd(vs, j, false); !ok || !isG(vs, j, '{') {
			return 0, 0, false
		}
		if kw == "enum" {
			body, ok = b.variantList(vs[j])
		} else {
			body, ok = b.fieldList(vs[j])
		}
		if !ok {
			return 0, 0, false
		}
		j++
	}
	kind := b.k.structItem
	switch kw {
	case "union":
		kind = b.k.unionItem
	case "enum":
		kind = b.k.enumItem
	}
	n := b.span(kind, vs, i, j)
	b.field(n, b.g.fName, name)
	b.field(n, b.g.fTypeParams, tp)
	b.field(n, b.g.fBody, body)
	return n, j, true
}

// attrs reads the attributes at vs[i:], pushing their nodes.
func (b *synBuilder) attrs(vs []tv, i int) (int, bool) {
	for isP(vs, i, "#") {
		n, j, ok := b.attr(vs, i)
		if !ok || b.k.innerAttribute == b.st.nodes[n].n.kind {
			return 0, false
		}
		b.push(n)
		i = j
	}
	return i, true
}

// vis reads an optional visibility at vs[i]: its node (-1 for none) and
// where it ends.
func (b *synBuilder) vis(vs []tv, i int) (int32, int, bool) {
	if !isW(vs, i, "pub") {
		return -1, i, true
	}
	j := i + 1
	if isG(vs, j, '(') {
		if !visGroupOK(vs[j].kids) {
			return 0, 0, false
		}
		j++
	}
	return b.span(b.k.vis, vs, i, j), j, true
}

// ty reads a type at vs[i]: its node and where it ends.
func (b *synBuilder) ty(vs []tv, i int) (int32, int, bool) {
	t := &typeParser{vs: vs, i: i}
	if !t.ty() || t.pend != 0 {
		return 0, 0, false
	}
	return b.span(b.k.typ, vs, i, t.i), t.i, true
}

func (b *synBuilder) fieldList(g tv) (int32, bool) {
	return b.commaList(g, b.k.fieldList, func(vs []tv, i int) (int, bool) {
		var ok bool
		if i, ok = b.attrs(vs, i); !ok {
			return 0, false
		}
		start := i
		if _, i, ok = b.vis(vs, i); !ok {
			return 0, false
		}
		if !isName(vs, i) || !isP(vs, i+1, ":") {
			return 0, false
		}
		name := b.span(b.k.fieldIdent, vs, i, i+1)
		ty, j, ok := b.ty(vs, i+2)
		if !ok {
			return 0, false
		}
		f := b.span(b.k.fieldDecl, vs, start, j)
		b.field(f, b.g.fName, name)
		b.field(f, b.g.fType, ty)
		b.push(f)
		return j, true
	})
}

func (b *synBuilder) orderedList(g tv) (int32, bool) {
	return b.commaList(g, b.k.orderedList, func(vs []tv, i int) (int, bool) {
		var ok bool
		if i, ok = b.attrs(vs, i); !ok {
			return 0, false
		}
		var v int32
		if v, i, ok = b.vis(vs, i); !ok {
			return 0, false
		}
		if v >= 0 {
			b.push(v)
		}
		ty, j, ok := b.ty(vs, i)
		if !ok {
			return 0, false
		}
		b.push(ty)
		return j, true
	})
}

func (b *synBuilder) variantList(g tv) (int32, bool) {
	return b.commaList(g, b.k.variantList, func(vs []tv, i int) (int, bool) {
		var ok bool
		if i, ok = b.attrs(vs, i); !ok {
			return 0, false
		}
		start := i
		if _, i, ok = b.vis(vs, i); !ok {
			return 0, false
		}
		if !isName(vs, i) {
			return 0, false
		}
		name := b.span(b.k.ident, vs, i, i+1)
		i++
		var body, value int32 = -1, -1
		switch {
		case isG(vs, i, '{'):
			body, ok = b.fieldList(vs[i])
			i++
		case isG(vs, i, '('):
			body, ok = b.orderedList(vs[i])
			i++
		}
		if !ok {
			return 0, false
		}
		if isP(vs, i, "=") {
			k := i + 1
			for k < len(vs) && !isP(vs, k, ",") {
				k++
			}
			if k == i+1 || !exprOK(vs[i+1:k]) {
				return 0, false
			}
			value = b.span(b.k.expr, vs, i+1, k)
			i = k
		}
		v := b.span(b.k.variant, vs, start, i)
		b.field(v, b.g.fName, name)
		b.field(v, b.g.fBody, body)
		b.field(v, b.g.fValue, value)
		b.push(v)
		return i, true
	})
}

// exprOK accepts the expressions the reader is sure tree-sitter reads as
// one: operands (literals, paths, struct literals of a path, calls, macro
// calls, parenthesized groups), negated or not, cast with `as` or not,
// joined by arithmetic and bit operators.
func exprOK(vs []tv) bool {
	i := 0
	for {
		if isP(vs, i, "-") || isP(vs, i, "!") {
			i++
		}
		switch {
		case i < len(vs) && vs[i].t.Kind == macros.Literal:
			i++
		case isG(vs, i, '('):
			i++
		default:
			t := &typeParser{vs: vs, i: i}
			if !t.exprPath() {
				return false
			}
			i = t.i
			switch {
			case isG(vs, i, '{'):
				i++
			case isP(vs, i, "::") && isP(vs, i+1, "<"):
				// A turbofish call: `size_of::<u16>()`.
				t.i += 2
				if !t.genericArgs() || t.pend != 0 || t.split || !isG(vs, t.i, '(') || !argsOK(vs[t.i].kids) {
					return false
				}
				i = t.i + 1
			case isG(vs, i, '('):
				if !argsOK(vs[i].kids) {
					return false
				}
				i++
			case isP(vs, i, "!") && isG(vs, i+1, '('):
				// A macro call (winapi's `MAKEFOURCC!(b'U', b'Y', b'V', b'Y')`).
				i += 2
			}
		}
		// Casts: winapi's `- 1i32 as u32`.
		for isW(vs, i, "as") {
			t := &typeParser{vs: vs, i: i + 1}
			// `x as u32 << 2`: a `<<` after the type might open its
			// arguments, to tree-sitter.
			if !t.ty() || t.pend != 0 || isP(vs, t.i, "<<") {
				return false
			}
			i = t.i
		}
		if i == len(vs) {
			return true
		}
		switch {
		case isP(vs, i, "+"), isP(vs, i, "-"), isP(vs, i, "*"), isP(vs, i, "/"), isP(vs, i, "%"),
			isP(vs, i, "|"), isP(vs, i, "&"), isP(vs, i, "^"), isP(vs, i, "<<"), isP(vs, i, ">>"):
			i++
		default:
			return false
		}
	}
}

// argsOK accepts a call's arguments: expressions exprOK accepts, separated
// by commas.
func argsOK(vs []tv) bool {
	for i := 0; i < len(vs); {
		k := i
		for k < len(vs) && !isP(vs, k, ",") {
			k++
		}
		if k == i || !exprOK(vs[i:k]) {
			return false
		}
		i = k + 1
	}
	return true
}

// exprPath reads a path in an expression (no generic arguments).
func (t *typeParser) exprPath() bool {
	if t.p("::") {
		t.i++
	}
	for {
		if !t.pathWord() {
			return false
		}
		t.i++
		if !t.p("::") || isP(t.vs, t.i+1, "<") {
			return true
		}
		t.i++
	}
}

func (b *synBuilder) function(vs []tv, i, j int) (int32, int, bool) {
	j++
	if !isName(vs, j) {
		return 0, 0, false
	}
	name := b.span(b.k.ident, vs, j, j+1)
	tp, j, ok := b.typeParams(vs, j+1)
	if !ok || !isG(vs, j, '(') {
		return 0, 0, false
	}
	params, ok := b.params(vs[j])
	if !ok {
		return 0, 0, false
	}
	j++
	var ret int32 = -1
	if isP(vs, j, "->") {
		if ret, j, ok = b.ty(vs, j+1); !ok {
			return 0, 0, false
		}
	}
	if j, ok = whereEnd(vs, j, false); !ok {
		return 0, 0, false
	}
	var body int32 = -1
	kind := b.k.fnSig
	switch {
	case isG(vs, j, '{'):
		body = b.span(b.k.block, vs, j, j+1)
		kind = b.k.fnItem
	case isP(vs, j, ";"):
	default:
		return 0, 0, false
	}
	j++
	n := b.span(kind, vs, i, j)
	b.field(n, b.g.fName, name)
	b.field(n, b.g.fParams, params)
	b.field(n, b.g.fTypeParams, tp)
	b.field(n, b.g.fReturn, ret)
	b.field(n, b.g.fBody, body)
	return n, j, true
}

func (b *synBuilder) params(g tv) (int32, bool) {
	vs := g.kids
	mark := len(b.z.ints)
	for i := 0; i < len(vs); {
		k := i
		for k < len(vs) && !isP(vs, k, ",") {
			k++
		}
		p := vs[i:k]
		switch {
		case len(p) == 1 && isW(p, 0, "self"),
			len(p) == 2 && (isP(p, 0, "&") || isW(p, 0, "mut")) && isW(p, 1, "self"),
			len(p) == 3 && isP(p, 0, "&") && (isW(p, 1, "mut") || p[1].t.Kind == macros.Lifetime) && isW(p, 2, "self"),
			len(p) == 4 && isP(p, 0, "&") && p[1].t.Kind == macros.Lifetime && isW(p, 2, "mut") && isW(p, 3, "self"):
			b.push(b.span(b.k.selfParam, vs, i, k))
		case i+2 < len(vs) && (isName(p, 0) || isW(p, 0, "self") || isW(p, 0, "_")) && isP(p, 1, ":"),
			i+3 < len(vs) && isW(p, 0, "mut") && (isName(p, 1) || isW(p, 1, "self")) && isP(p, 2, ":"):
			// The type ends the parameter: its generic arguments may hold
			// commas (`this: &Read<'a, R>`). Of `mut x: T` (tokio's `mut
			// self: Pin<&mut Self>`), the pattern is the name after `mut`.
			at := i + btoi(isW(p, 0, "mut"))
			pat := b.span(b.k.ident, vs, at, at+1)
			ty, end, ok := b.ty(vs, at+2)
			if !ok || end < len(vs) && !isP(vs, end, ",") {
				return 0, false
			}
			k = end
			n := b.span(b.k.param, vs, i, k)
			b.field(n, b.g.fPattern, pat)
			b.field(n, b.g.fType, ty)
			b.push(n)
		default:
			return 0, false
		}
		i = k
		if i < len(vs) {
			i++
		}
	}
	n := b.add(b.k.params, true, g.start, g.end)
	b.setKids(n, mark)
	return n, true
}

func (b *synBuilder) impl(vs []tv, i, j int) (int32, int, bool) {
	tp, j, ok := b.typeParams(vs, j+1)
	if !ok {
		return 0, 0, false
	}
	// A trait: a path, then `for`.
	var trait int32 = -1
	t := &typeParser{vs: vs, i: j}
	neg := isP(vs, j, "!")
	if neg {
		t.i++
	}
	if t.path(true) && t.pend == 0 && isW(vs, t.i, "for") {
		trait = b.span(b.k.typ, vs, j+btoi(neg), t.i)
		j = t.i + 1
	} else if neg {
		return 0, 0, false
	}
	ty, j, ok := b.ty(vs, j)
	if !ok {
		return 0, 0, false
	}
	if j, ok = whereEnd(vs, j, false); !ok {
		return 0, 0, false
	}
	var body int32 = -1
	switch {
	case isG(vs, j, '{'):
		if body, ok = b.declList(vs[j], "impl"); !ok {
			return 0, 0, false
		}
	case isP(vs, j, ";"):
	default:
		return 0, 0, false
	}
	j++
	n := b.span(b.k.implItem, vs, i, j)
	b.field(n, b.g.fType, ty)
	b.field(n, b.g.fTrait, trait)
	b.field(n, b.g.fTypeParams, tp)
	b.field(n, b.g.fBody, body)
	return n, j, true
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (b *synBuilder) declList(g tv, ctx string) (int32, bool) {
	mark := len(b.z.ints)
	if !b.items(g.kids, ctx) {
		return 0, false
	}
	n := b.add(b.k.declList, true, g.start, g.end)
	b.setKids(n, mark)
	return n, true
}

func (b *synBuilder) trait(vs []tv, i, j int) (int32, int, bool) {
	j++
	if !isName(vs, j) {
		return 0, 0, false
	}
	name := b.span(b.k.typeIdent, vs, j, j+1)
	tp, j, ok := b.typeParams(vs, j+1)
	if !ok {
		return 0, 0, false
	}
	var bounds int32 = -1
	if isP(vs, j, ":") {
		t := &typeParser{vs: vs, i: j + 1}
		if !t.bounds() || t.pend != 0 {
			return 0, 0, false
		}
		bounds = b.span(b.k.bounds, vs, j, t.i)
		j = t.i
	}
	if j, ok = whereEnd(vs, j, false); !ok || !isG(vs, j, '{') {
		return 0, 0, false
	}
	body, ok := b.declList(vs[j], "trait")
	if !ok {
		return 0, 0, false
	}
	j++
	n := b.span(b.k.traitItem, vs, i, j)
	b.field(n, b.g.fName, name)
	b.field(n, b.g.fBody, body)
	b.field(n, b.g.fTypeParams, tp)
	b.field(n, b.g.fBounds, bounds)
	return n, j, true
}

func (b *synBuilder) constItem(vs []tv, i, j int) (int32, int, bool) {
	kind := b.k.constItem
	if vs[j].t.Text == "static" {
		kind = b.k.staticItem
		if isW(vs, j+1, "mut") {
			j++
		}
	}
	j++
	if !isName(vs, j) || !isP(vs, j+1, ":") {
		return 0, 0, false
	}
	name := b.span(b.k.ident, vs, j, j+1)
	ty, j, ok := b.ty(vs, j+2)
	if !ok {
		return 0, 0, false
	}
	var value int32 = -1
	if isP(vs, j, "=") {
		k := j + 1
		for k < len(vs) && !isP(vs, k, ";") {
			k++
		}
		if k == j+1 || !exprOK(vs[j+1:k]) {
			return 0, 0, false
		}
		value = b.span(b.k.expr, vs, j+1, k)
		j = k
	}
	if !isP(vs, j, ";") {
		return 0, 0, false
	}
	j++
	n := b.span(kind, vs, i, j)
	b.field(n, b.g.fName, name)
	b.field(n, b.g.fType, ty)
	b.field(n, b.g.fValue, value)
	return n, j, true
}

// constBlock reads `const _: T = { items };` (vs[j] the `const`), whose
// block the walk reads as a list of items (pin_project!'s output: the
// projections, the Unpin and Drop impls, each a macro call to expand).
func (b *synBuilder) constBlock(vs []tv, i, j int) (int32, int, bool) {
	j++
	if !isP(vs, j+1, ":") {
		return 0, 0, false
	}
	name := b.span(b.k.ident, vs, j, j+1)
	ty, j, ok := b.ty(vs, j+2)
	if !ok || !isP(vs, j, "=") || !isG(vs, j+1, '{') || !isP(vs, j+2, ";") {
		return 0, 0, false
	}
	g := vs[j+1]
	mark := len(b.z.ints)
	if !b.items(g.kids, "") {
		return 0, 0, false
	}
	value := b.add(b.k.block, true, g.start, g.end)
	b.setKids(value, mark)
	j += 3
	n := b.span(b.k.constItem, vs, i, j)
	b.field(n, b.g.fName, name)
	b.field(n, b.g.fType, ty)
	b.field(n, b.g.fValue, value)
	return n, j, true
}

func (b *synBuilder) typeItem(vs []tv, i, j int, hasVis bool) (int32, int, bool) {
	j++
	if !isName(vs, j) {
		return 0, 0, false
	}
	name := b.span(b.k.typeIdent, vs, j, j+1)
	tp, j, ok := b.typeParams(vs, j+1)
	if !ok {
		return 0, 0, false
	}
	kind := b.k.typeItem
	var ty, bounds int32 = -1, -1
	if j, ok = whereEnd(vs, j, true); !ok {
		return 0, 0, false
	}
	switch {
	case isP(vs, j, "="):
		if ty, j, ok = b.ty(vs, j+1); !ok {
			return 0, 0, false
		}
		if j, ok = whereEnd(vs, j, false); !ok {
			return 0, 0, false
		}
	case hasVis:
		return 0, 0, false
	default:
		kind = b.k.assocType
		if isP(vs, j, ":") {
			t := &typeParser{vs: vs, i: j + 1}
			if !t.bounds() || t.pend != 0 {
				return 0, 0, false
			}
			bounds = b.span(b.k.bounds, vs, j, t.i)
			j = t.i
		}
		if j, ok = whereEnd(vs, j, false); !ok {
			return 0, 0, false
		}
	}
	if !isP(vs, j, ";") {
		return 0, 0, false
	}
	j++
	n := b.span(kind, vs, i, j)
	b.field(n, b.g.fName, name)
	b.field(n, b.g.fType, ty)
	b.field(n, b.g.fTypeParams, tp)
	b.field(n, b.g.fBounds, bounds)
	return n, j, true
}

// typeParser reads types over token views. pend counts the `>` of a `>>`
// that closed one list of generic arguments and is yet to close the next.
type typeParser struct {
	vs   []tv
	i    int
	pend int
	// split is set once a `>>` closed two lists.
	split bool
}

func (t *typeParser) p(s string) bool { return t.pend == 0 && isP(t.vs, t.i, s) }
func (t *typeParser) w(s string) bool { return t.pend == 0 && isW(t.vs, t.i, s) }

func (t *typeParser) closeAngle() bool {
	switch {
	case t.pend > 0:
		t.pend--
		if t.pend == 0 {
			t.i++
		}
		return true
	case isP(t.vs, t.i, ">"):
		t.i++
		return true
	case isP(t.vs, t.i, ">>"):
		t.pend, t.split = 1, true
		return true
	}
	return false
}

// sub reads the tokens of a group as a whole.
func sub(vs []tv, f func(t *typeParser) bool) bool {
	t := &typeParser{vs: vs}
	return f(t) && t.pend == 0 && t.i == len(vs)
}

// typeList reads comma-separated types (a trailing comma allowed).
func (t *typeParser) typeList() bool {
	for t.i < len(t.vs) {
		if !t.ty() {
			return false
		}
		if t.i < len(t.vs) && !t.p(",") {
			return false
		}
		if t.i < len(t.vs) {
			t.i++
		}
	}
	return true
}

func (t *typeParser) ty() bool {
	if t.pend != 0 || t.i >= len(t.vs) {
		return false
	}
	v := &t.vs[t.i]
	switch {
	case v.t.Kind == macros.Group && v.t.Delim == '(':
		t.i++
		return sub(v.kids, (*typeParser).typeList)
	case v.t.Kind == macros.Group && v.t.Delim == '[':
		t.i++
		return sub(v.kids, func(s *typeParser) bool {
			if !s.ty() {
				return false
			}
			if s.i == len(s.vs) {
				return true
			}
			if !s.p(";") || !exprOK(s.vs[s.i+1:]) {
				return false
			}
			s.i = len(s.vs)
			return true
		})
	case t.p("!"), t.w("_"):
		t.i++
		return true
	case t.p("&"):
		t.i++
		if t.i < len(t.vs) && t.vs[t.i].t.Kind == macros.Lifetime {
			t.i++
		}
		if t.w("mut") {
			t.i++
		}
		return t.ty()
	case t.p("*"):
		t.i++
		if !t.w("const") && !t.w("mut") {
			return false
		}
		t.i++
		return t.ty()
	case t.w("dyn"), t.w("impl"):
		t.i++
		return t.bounds()
	case t.w("fn"), t.w("unsafe"), t.w("extern"):
		return t.fnPointer()
	case t.p("<"):
		// A qualified path: `<T as Trait>::Assoc` (tokio's
		// `<str as sealed::ToSocketAddrsPriv>::Iter`).
		t.i++
		if !t.ty() {
			return false
		}
		if t.w("as") {
			t.i++
			if !t.path(true) {
				return false
			}
		}
		if !t.closeAngle() || t.pend != 0 || !t.p("::") {
			return false
		}
		t.i++
		return t.path(true)
	}
	// A macro call (pin_project!'s `__pin_project_make_unpin_bound!(…)`,
	// syn's `Token![…]`): the walk reads a type's text only.
	at := t.i
	if t.exprPath() && t.p("!") && t.i+1 < len(t.vs) && t.vs[t.i+1].t.Kind == macros.Group {
		t.i += 2
		return true
	}
	t.i = at
	return t.path(true)
}

func (t *typeParser) fnPointer() bool {
	if t.w("unsafe") {
		t.i++
	}
	if t.w("extern") {
		t.i++
		if t.i < len(t.vs) && t.vs[t.i].t.Kind == macros.Literal {
			t.i++
		}
	}
	if !t.w("fn") || !isG(t.vs, t.i+1, '(') {
		return false
	}
	t.i++
	ok := sub(t.vs[t.i].kids, func(s *typeParser) bool {
		for s.i < len(s.vs) {
			if isName(s.vs, s.i) && isP(s.vs, s.i+1, ":") || isW(s.vs, s.i, "_") && isP(s.vs, s.i+1, ":") {
				s.i += 2
			}
			if !s.ty() {
				return false
			}
			if s.i < len(s.vs) && !s.p(",") {
				return false
			}
			if s.i < len(s.vs) {
				s.i++
			}
		}
		return true
	})
	if !ok {
		return false
	}
	t.i++
	if t.p("->") {
		t.i++
		return t.ty()
	}
	return true
}

// pathWord reports whether the token at t.i starts or continues a path.
func (t *typeParser) pathWord() bool {
	if t.pend != 0 || t.i >= len(t.vs) || t.vs[t.i].t.Kind != macros.Ident {
		return false
	}
	switch s := t.vs[t.i].t.Text; s {
	case "self", "Self", "super", "crate", "$crate":
		return true
	default:
		return !rustKeywords[s] && s[0] != '$'
	}
}

// path reads a path, with generic arguments (inType: a type's path, where
// Fn(A) -> B sugar is allowed too).
func (t *typeParser) path(inType bool) bool {
	if t.p("::") {
		t.i++
	} else if inType && t.i < len(t.vs) && typeKeyword(t.vs[t.i].t.Text) {
		return false
	}
	for {
		if !t.pathWord() {
			return false
		}
		name := t.vs[t.i].t.Text
		t.i++
		switch {
		case t.p("<"):
			t.i++
			if !t.genericArgs() {
				return false
			}
		case inType && fnSugarName(name) && isG(t.vs, t.i, '(') && t.pend == 0:
			if !sub(t.vs[t.i].kids, (*typeParser).typeList) {
				return false
			}
			t.i++
			if t.p("->") {
				t.i++
				return t.ty()
			}
			return true
		}
		if !t.p("::") || isP(t.vs, t.i+1, "<") {
			return true
		}
		t.i++
	}
}

// typeKeyword reports whether tree-sitter reads the word s as a keyword where a
// type starts (`raw` of `&raw const`, `default`): syn's custom_keyword!(raw)
// makes `fn raw<…>(…) -> raw`, whose return type tree-sitter loses.
func typeKeyword(s string) bool { return s == "raw" || s == "default" }

func fnSugarName(s string) bool { return s == "Fn" || s == "FnMut" || s == "FnOnce" }

// genericArgs reads generic arguments after their `<`, to the closing angle.
func (t *typeParser) genericArgs() bool {
	if t.closeAngle() {
		return true
	}
	for {
		switch {
		case t.pend != 0 || t.i >= len(t.vs):
			return false
		case t.vs[t.i].t.Kind == macros.Lifetime, t.vs[t.i].t.Kind == macros.Literal,
			isG(t.vs, t.i, '{'):
			t.i++
		case isName(t.vs, t.i) && isP(t.vs, t.i+1, "="):
			t.i += 2
			if !t.ty() {
				return false
			}
		case isName(t.vs, t.i) && isP(t.vs, t.i+1, ":"):
			t.i += 2
			if !t.bounds() {
				return false
			}
		default:
			if !t.ty() {
				return false
			}
		}
		if t.closeAngle() {
			return true
		}
		if !t.p(",") {
			return false
		}
		t.i++
		if t.closeAngle() {
			return true
		}
	}
}

// bounds reads bounds separated by `+`.
func (t *typeParser) bounds() bool {
	for {
		switch {
		case t.pend == 0 && t.i < len(t.vs) && t.vs[t.i].t.Kind == macros.Lifetime:
			t.i++
		case t.p("?"):
			t.i++
			if !t.path(true) {
				return false
			}
		default:
			if !t.path(true) {
				return false
			}
		}
		if !t.p("+") {
			return true
		}
		t.i++
	}
}

// genericParams reads generic parameters after their `<`, to the closing
// angle.
func (t *typeParser) genericParams() bool {
	for {
		switch {
		case t.pend != 0 || t.i >= len(t.vs):
			return false
		case t.vs[t.i].t.Kind == macros.Lifetime:
			t.i++
			if t.p(":") {
				t.i++
				for t.pend == 0 && t.i < len(t.vs) && t.vs[t.i].t.Kind == macros.Lifetime {
					t.i++
					if !t.p("+") {
						break
					}
					t.i++
				}
			}
		case t.w("const"):
			if !isName(t.vs, t.i+1) || !isP(t.vs, t.i+2, ":") {
				return false
			}
			t.i += 3
			if !t.ty() {
				return false
			}
		case isName(t.vs, t.i):
			t.i++
			if t.p(":") {
				t.i++
				if !t.bounds() {
					return false
				}
			}
			if t.p("=") {
				t.i++
				if !t.ty() {
					return false
				}
			}
		default:
			return false
		}
		if t.closeAngle() {
			return true
		}
		if !t.p(",") {
			return false
		}
		t.i++
		if t.closeAngle() {
			return true
		}
	}
}

// tokMissed, when set (tests), is told the text and tokens of each
// expansion parsed.
var tokMissed func(text string, x *expOut)

// tokStats count the expansions read from their tokens and those parsed.
var tokStats struct{ read, parsed atomic.Int64 }

// tokItems extracts the items of expansion x, read from its tokens, and
// reports whether it could (else the caller parses its text). With tokCheck
// set (tests), the text is parsed too and the items of both compared; the
// parse's are the ones kept.
func (e *fileExtractor) tokItems(w *bodyWalk, x *expOut) bool {
	z := tokBufPool.Get().(*tokBufs)
	defer tokBufPool.Put(z)
	root, vs, ok := synFile(x.toks, x.offs, w.body, z)
	st := &z.st
	if !ok || tokCheck != nil {
		x.spans = opaqueSpans(x.toks, vs, w.body)
	}
	if !ok {
		tokStats.parsed.Add(1)
		if tokMissed != nil {
			tokMissed(w.body, x)
		}
		return false
	}
	tokStats.read.Add(1)
	if tokCheck != nil {
		e.checkTok(w, x, st, &root)
		return true
	}
	saved := e.tr.syn
	e.tr.syn = st
	e.walkBody(w, &root)
	e.tr.syn = saved
	return true
}

// opaqueSpans are the spans of text, the rendering of toks (whose views are
// vs, nil when unknown), that tree-sitter reads blanked: the contents of the
// groups opaqueGroups finds, as macros.RenderSpans gives them.
func opaqueSpans(toks []macros.Token, vs []tv, text string) []macros.Span {
	set := opaqueGroups(toks)
	if vs == nil {
		_, _, spans := macros.RenderSpans(toks, set)
		return spans
	}
	var spans []macros.Span
	var walk func(vs []tv)
	walk = func(vs []tv) {
		for i := range vs {
			if vs[i].t.Kind != macros.Group {
				continue
			}
			if set[vs[i].t] {
				spans = append(spans, macros.Span{Start: vs[i].start + 1, End: vs[i].end - 1})
			}
			walk(vs[i].kids)
		}
	}
	walk(vs)
	return spans
}
