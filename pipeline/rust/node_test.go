package rust

import (
	"os"
	"path/filepath"
	"testing"

	ts "github.com/tree-sitter/go-tree-sitter"
)

// TestNodeReader checks parseText's trees against go-tree-sitter's Parse, and
// what the walk reads of nodes in one C call (node.go) against its accessors, node by node, over real files: the
// children lists, named and all, each child's bytes, rows, kind and
// namedness, and every field the walk asks for. node reads tree-sitter's
// TSNode layout itself, which a tree-sitter upgrade could change.
func TestNodeReader(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(registryDir, "syn-1.*", "src", "*.rs"))
	more, _ := filepath.Glob(filepath.Join(registryDir, "tokio-1.*", "src", "runtime", "*.rs"))
	files = append(files, more...)
	if len(files) == 0 {
		t.Skip("no Debian crate sources under " + registryDir)
	}
	g := loadGrammar()
	ids := []uint16{g.fName, g.fBody, g.fType, g.fTrait, g.fTypeParams, g.fParams, g.fReturn, g.fValue,
		g.fPattern, g.fMacro, g.fArgument, g.fPath, g.fAlias, g.fList, g.fBounds}
	p := ts.NewParser()
	defer p.Close()
	if err := p.SetLanguage(g.lang); err != nil {
		t.Fatal(err)
	}
	tr := &treeReader{}
	defer tr.close()
	checked, withField := 0, 0
	same := func(where string, got *node, want *ts.Node) {
		t.Helper()
		if want == nil {
			if !got.isNull() {
				t.Fatalf("%s: got a node at %d, want none", where, got.StartByte())
			}
			return
		}
		if got.isNull() || got.StartByte() != want.StartByte() || got.EndByte() != want.EndByte() ||
			got.StartPosition() != want.StartPosition() || uint(got.endRow) != want.EndPosition().Row ||
			got.kind != want.KindId() || got.named != want.IsNamed() {
			t.Fatalf("%s: got %+v, want %s [%d,%d) %v–%v named=%v", where, *got, want.Kind(),
				want.StartByte(), want.EndByte(), want.StartPosition(), want.EndPosition(), want.IsNamed())
		}
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		tree := p.Parse(src, nil)
		if own := parseText(p, src); own.RootNode().ToSexp() != tree.RootNode().ToSexp() {
			t.Fatalf("%s: parseText's tree is not Parse's", f)
		} else {
			own.Close()
		}
		var visit func(n *ts.Node, nn *node)
		visit = func(n *ts.Node, nn *node) {
			checked++
			all, mark := tr.kids(nn, false)
			if uint(len(all)) != n.ChildCount() {
				t.Fatalf("%s: %s at %d: %d children, want %d", f, n.Kind(), n.StartByte(), len(all), n.ChildCount())
			}
			all = append([]node(nil), all...)
			tr.pop(mark)
			named, mark := tr.kids(nn, true)
			if uint(len(named)) != n.NamedChildCount() {
				t.Fatalf("%s: %s at %d: %d named children, want %d", f, n.Kind(), n.StartByte(), len(named), n.NamedChildCount())
			}
			for i := range named {
				same(f+": named child", &named[i], n.NamedChild(uint(i)))
			}
			tr.pop(mark)
			for start := 0; start < len(ids); start += maxFields {
				chunk := ids[start:min(start+maxFields, len(ids))]
				got := tr.fields(nn, chunk...)
				for i, id := range chunk {
					want := n.ChildByFieldId(id)
					if want != nil {
						withField++
					}
					same(f+": field "+g.lang.FieldNameForId(id), &got[i], want)
				}
			}
			for i := range all {
				c := n.Child(uint(i))
				same(f+": child", &all[i], c)
				visit(c, &all[i])
			}
		}
		root := tree.RootNode()
		top := nodeOf(root)
		same(f+": root", &top, root)
		visit(root, &top)
		tree.Close()
	}
	if checked < 100000 || withField < 10000 {
		t.Fatalf("checked %d nodes, %d fields: too few to mean anything", checked, withField)
	}
	t.Logf("%d files, %d nodes, %d fields", len(files), checked, withField)
}
