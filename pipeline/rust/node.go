package rust

/*
#cgo noescape dt_kids
#cgo nocallback dt_kids
#cgo noescape dt_fields
#cgo nocallback dt_fields
#cgo noescape dt_fill
#cgo nocallback dt_fill
#cgo noescape ts_parser_parse_string
#cgo nocallback ts_parser_parse_string
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

// tree-sitter 0.25's TSNode, TSTreeCursor and TSPoint (tree_sitter/api.h),
// and the functions of the library go-tree-sitter links in that the walk
// calls, declared here as alloc.go declares ts_set_allocator.
typedef struct { uint32_t context[4]; const void *id; const void *tree; } TSNode;
typedef struct { const void *tree; const void *id; uint32_t context[3]; } TSTreeCursor;
typedef struct { uint32_t row, column; } TSPoint;

TSTreeCursor ts_tree_cursor_new(TSNode);
void ts_tree_cursor_delete(TSTreeCursor *);
void ts_tree_cursor_reset(TSTreeCursor *, TSNode);
bool ts_tree_cursor_goto_first_child(TSTreeCursor *);
bool ts_tree_cursor_goto_next_sibling(TSTreeCursor *);
TSNode ts_tree_cursor_current_node(const TSTreeCursor *);
uint32_t ts_node_end_byte(TSNode);
TSPoint ts_node_end_point(TSNode);
uint16_t ts_node_symbol(TSNode);
bool ts_node_is_named(TSNode);
TSNode ts_node_child_by_field_id(TSNode, uint16_t);
typedef struct TSParser TSParser;
typedef struct TSTree TSTree;
TSTree *ts_parser_parse_string(TSParser *, const TSTree *, const char *, uint32_t);

// dt_node is a node with what the walk reads of it (Go's node).
typedef struct {
	TSNode node;
	uint32_t end, end_row;
	uint16_t kind;
	uint8_t named;
} dt_node;

_Static_assert(sizeof(TSNode) == 32 && offsetof(dt_node, end) == 32 && offsetof(dt_node, kind) == 40 &&
	offsetof(dt_node, named) == 42 && sizeof(dt_node) == 48, "dt_node layout");

static void dt_set(dt_node *out, TSNode n) {
	out->node = n;
	if (!n.id) {
		out->end = out->end_row = 0;
		out->kind = 0;
		out->named = 0;
		return;
	}
	out->end = ts_node_end_byte(n);
	out->end_row = ts_node_end_point(n).row;
	out->kind = ts_node_symbol(n);
	out->named = ts_node_is_named(n);
}

static void dt_fill(dt_node *n) { dt_set(n, n->node); }

static TSTreeCursor *dt_cursor(TSNode n) {
	TSTreeCursor *c = malloc(sizeof *c);
	if (c) *c = ts_tree_cursor_new(n);
	return c;
}

static void dt_cursor_free(TSTreeCursor *c) {
	ts_tree_cursor_delete(c);
	free(c);
}

// dt_kids writes the children of parent (its named ones only, with
// named_only) to out, at most cap of them, and returns how many there are.
static uint32_t dt_kids(TSTreeCursor *c, dt_node *parent, dt_node *out, uint32_t cap, bool named_only) {
	ts_tree_cursor_reset(c, parent->node);
	if (!ts_tree_cursor_goto_first_child(c)) return 0;
	uint32_t n = 0;
	do {
		TSNode k = ts_tree_cursor_current_node(c);
		if (named_only && !ts_node_is_named(k)) continue;
		if (n < cap) dt_set(&out[n], k);
		n++;
	} while (ts_tree_cursor_goto_next_sibling(c));
	return n;
}

// dt_fields writes the child of parent for each field id of ids to out (a
// null node where it has none).
static void dt_fields(dt_node *parent, const uint16_t *ids, uint32_t count, dt_node *out) {
	for (uint32_t i = 0; i < count; i++) {
		TSNode k = {{0}, 0, 0};
		if (ids[i]) k = ts_node_child_by_field_id(parent->node, ids[i]);
		dt_set(&out[i], k);
	}
}
*/
import "C"

import (
	"sync"
	"unsafe"

	ts "github.com/tree-sitter/go-tree-sitter"
)

// node is a syntax node as the walk reads it: the tree-sitter node and its
// end, kind and whether it is named, read in one C call for all the children
// of a node (treeReader.kids) or all the fields of an item (fields). Its
// start byte and position are the first words of the tree-sitter node
// itself (ts_node_start_byte returns context[0]). go-tree-sitter's accessors
// cost a C call each, with a check of its arguments for Go pointers and an
// allocation for each node they return: winapi's walk made eleven million.
// A node holds no Go pointers (the tree's are C memory), so a slice of them
// is neither scanned by the garbage collector nor checked when passed to C.
type node struct {
	ctx      [4]uint32 // TSNode.context: start byte, start row, start column, alias
	id, tree uintptr
	end      uint32
	endRow   uint32
	kind     uint16
	named    bool
}

// The layouts C writes into (see dt_node's assertion).
const (
	_ = uint(unsafe.Sizeof(node{}) - C.sizeof_dt_node)
	_ = uint(C.sizeof_dt_node - unsafe.Sizeof(node{}))
	_ = uint(unsafe.Offsetof(node{}.end) - 32)
	_ = uint(32 - unsafe.Offsetof(node{}.end))
	_ = uint(unsafe.Sizeof(ts.Node{}) - 32)
	_ = uint(32 - unsafe.Sizeof(ts.Node{}))
)

func (n *node) c() *C.dt_node { return (*C.dt_node)(unsafe.Pointer(n)) }

// isNull reports whether n is no node (a field the item does not have).
func (n *node) isNull() bool { return n.id == 0 }

// StartByte, EndByte and StartPosition are go-tree-sitter's, read without a call.
func (n *node) StartByte() uint { return uint(n.ctx[0]) }
func (n *node) EndByte() uint   { return uint(n.end) }
func (n *node) StartPosition() ts.Point {
	return ts.Point{Row: uint(n.ctx[1]), Column: uint(n.ctx[2])}
}

// row is the 0-based line n starts on, endRow's counterpart.
func (n *node) row() uint { return uint(n.ctx[1]) }

// nodeOf reads a go-tree-sitter node (a tree's root).
func nodeOf(t *ts.Node) node {
	var n node
	*(*ts.Node)(unsafe.Pointer(&n)) = *t
	C.dt_fill(n.c())
	return n
}

// treeReader lists children for the extractors of one file and of the macro
// bodies inside it: one tree cursor, and one buffer the lists of the
// enclosing walks are stacked in (see kids).
type treeReader struct {
	cur   *C.TSTreeCursor
	stack []node
	// syn is the tree of the synthetic nodes being walked (tokitems.go):
	// a node with no tree-sitter tree (tree 0, id not 0) is one of its.
	syn *synTree
	// exp holds the tokens of the file's expansions (see expBufs).
	exp *expBufs
}

// kids returns the children of n (its named ones only, with namedOnly), in
// one C call. The list lives on r's stack until pop(mark) is called with the
// mark it returns; lists taken meanwhile go above it.
func (r *treeReader) kids(n *node, namedOnly bool) (kids []node, mark int) {
	if n.tree == 0 {
		return r.synKids(n, namedOnly)
	}
	if r.cur == nil {
		r.cur = C.dt_cursor(n.c().node)
		if r.cur == nil {
			panic("out of memory")
		}
	}
	if r.stack == nil {
		r.stack = takeNodeStack()
	}
	mark = len(r.stack)
	for {
		free := r.stack[mark:cap(r.stack)]
		var out *C.dt_node
		if len(free) > 0 {
			out = free[0].c()
		}
		cnt := int(C.dt_kids(r.cur, n.c(), out, C.uint32_t(len(free)), C.bool(namedOnly)))
		if cnt <= len(free) {
			r.stack = r.stack[:mark+cnt]
			return r.stack[mark : mark+cnt : mark+cnt], mark
		}
		// Too small: a bigger buffer. The lists below mark stay where
		// they are, in the old one, which their slices keep alive.
		grown := make([]node, mark, 2*cap(r.stack)+cnt)
		copy(grown, r.stack)
		r.stack = grown
	}
}

// pop drops the lists taken since kids returned mark.
func (r *treeReader) pop(mark int) { r.stack = r.stack[:mark] }

// close releases the cursor.
func (r *treeReader) close() {
	if r.cur != nil {
		C.dt_cursor_free(r.cur)
		r.cur = nil
	}
	putNodeStack(r.stack)
	r.stack = nil
	if r.exp != nil {
		r.exp.reset()
		expBufPool.Put(r.exp)
		r.exp = nil
	}
}

// nodeStacks hold the stacks of finished tree readers: a file's reader grew
// its own from nothing, a copy each time its lists outgrew it (winapi's
// files list up to thousands of calls at their top level: 9 MB of garbage
// an extraction).
var nodeStacks sync.Pool

// maxNodeStack is the largest stack kept for reuse, in nodes (3 MB).
const maxNodeStack = 1 << 16

func takeNodeStack() []node {
	if s, ok := nodeStacks.Get().(*[]node); ok {
		return (*s)[:0]
	}
	return make([]node, 0, 256)
}

// putNodeStack keeps s for another reader. Its nodes hold no Go pointers,
// so it keeps nothing alive and is not cleared.
func putNodeStack(s []node) {
	if s != nil && cap(s) <= maxNodeStack {
		nodeStacks.Put(&s)
	}
}

// maxFields is the most fields one fields call reads.
const maxFields = 6

// fields returns n's child for each of the field ids (a null node where it
// has none), as ts_node_child_by_field_id finds them, in one C call.
func (r *treeReader) fields(n *node, ids ...uint16) (out [maxFields]node) {
	if n.tree == 0 {
		return r.syn.fields(n, ids)
	}
	var want [maxFields]uint16
	k := copy(want[:], ids)
	C.dt_fields(n.c(), (*C.uint16_t)(unsafe.Pointer(&want[0])), C.uint32_t(k), out[0].c())
	return out
}

// parseText is p.Parse(src, nil) without go-tree-sitter's input callback: that
// reads the text through a call back into Go for each chunk tree-sitter asks
// for, which copies the rest of the text twice (to a Go string, then to C
// memory) and looks its payload up behind a mutex shared by every parser.
// tree-sitter reads src only during the call.
func parseText(p *ts.Parser, src []byte) *ts.Tree {
	var text *C.char
	if len(src) > 0 {
		text = (*C.char)(unsafe.Pointer(&src[0]))
	}
	// A ts.Parser and a ts.Tree are each a pointer to the C object.
	t := C.ts_parser_parse_string(*(**C.TSParser)(unsafe.Pointer(p)), nil, text, C.uint32_t(len(src)))
	if t == nil {
		return nil
	}
	tree := new(ts.Tree)
	*(**C.TSTree)(unsafe.Pointer(tree)) = t
	return tree
}

// The layouts parseText reads and writes.
const (
	_ = uint(unsafe.Sizeof(ts.Parser{}) - unsafe.Sizeof(uintptr(0)))
	_ = uint(unsafe.Sizeof(uintptr(0)) - unsafe.Sizeof(ts.Parser{}))
	_ = uint(unsafe.Sizeof(ts.Tree{}) - unsafe.Sizeof(uintptr(0)))
	_ = uint(unsafe.Sizeof(uintptr(0)) - unsafe.Sizeof(ts.Tree{}))
)
