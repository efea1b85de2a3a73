package rust

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	ts "github.com/tree-sitter/go-tree-sitter"

	"github.com/doctown/doctown/pipeline/rust/macros"
)

// TestOpaqueGroups checks which groups of an expansion are parsed as blanks,
// and that the tree of the blanked text has every node of the real text's
// tree outside them, at the same bytes: what the extractor reads.
func TestOpaqueGroups(t *testing.T) {
	tests := []struct {
		name, src string
		blanked   []string // the contents of the blanked groups, spaces left out
	}{
		{"fn bodies", `pub fn f(x: u8) -> u8 { x + 1 } fn g() {}`, []string{"x + 1", ""}},
		{"no body", `extern "C" { fn f(); static X: u8; } trait T { fn f(&self); fn g(&self) -> u8 { 0 } }`, []string{"0"}},
		{"impl methods", `impl<T> Foo for Bar<T> where T: Clone { #[inline] pub unsafe fn m(&self) -> HRESULT { ((*self.lpVtbl).M)(self as *const _ as *mut _) } const C: u8 = 1; }`,
			[]string{"((*self.lpVtbl).M)(self as *const _ as *mut _)"}},
		{"qualifiers", `pub(crate) const unsafe extern "C" fn f() -> ! { loop {} } async fn g() -> Result<(), E> { Ok(()) }`, []string{"loop {}", "Ok(())"}},
		{"const generic args stay", `fn f() -> Foo<{ N }> { todo() } impl X for Y<{ 3 }> { fn g() {} }`, []string{"todo()", ""}},
		{"const values", `pub const IID: GUID = GUID { Data1: 1, Data4: [1, 2] }; static S: [u8; 2] = [1, 2]; const E: u32 = 0;`,
			[]string{"Data1: 1, Data4: [1, 2]", "1, 2"}},
		{"generic const type left", `const X: Foo<u8> = Foo { a: 1 }; fn f() { 1 }`, []string{"1"}},
		{"unnamed const holds items", `const _: () = { impl Trait for Type { fn f() { body() } } };`, []string{"body()"}},
		{"struct and enum bodies stay", `pub struct S { pub f: fn(u8) -> u8, } enum E { A = 1 } union U { a: u8 } type F = fn() -> u8;`, nil},
		{"module", `mod m { pub fn f() { 1 } use a::{b, c}; }`, []string{"1"}},
		{"macro calls and definitions stay", `foo! { fn f() { 1 } } macro_rules! m { () => { fn g() { 2 } } } fn h() { 3 }`, []string{"3"}},
	}
	p := ts.NewParser()
	defer p.Close()
	if err := p.SetLanguage(loadGrammar().lang); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			toks, err := macros.Lex(tt.src, 1)
			if err != nil {
				t.Fatal(err)
			}
			text, _, spans := macros.RenderSpans(toks, opaqueGroups(toks))
			var got []string
			for _, s := range spans {
				got = append(got, strings.Join(strings.Fields(text[s.Start:s.End]), ""))
			}
			slices.Sort(got)
			var want []string
			for _, w := range tt.blanked {
				want = append(want, strings.ReplaceAll(w, " ", ""))
			}
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("blanked %q, want %q", got, want)
			}
			blank := blankSpans(text, spans)
			if len(blank) != len(text) {
				t.Fatalf("blanked text is %d bytes, the text %d", len(blank), len(text))
			}
			real, parsed := p.Parse([]byte(text), nil), p.Parse(blank, nil)
			defer real.Close()
			defer parsed.Close()
			inSpan := func(n *ts.Node) bool {
				for _, s := range spans {
					if int(n.StartByte()) >= s.Start && int(n.EndByte()) <= s.End {
						return true
					}
				}
				return false
			}
			a, b := outline(real.RootNode(), inSpan), outline(parsed.RootNode(), inSpan)
			if !slices.Equal(a, b) {
				t.Errorf("trees differ outside the blanks:\nreal:    %v\nblanked: %v", a, b)
			}
		})
	}
}

// outline lists the named nodes of the tree at n with their bytes, leaving
// out those inside skipped ranges.
func outline(n *ts.Node, skip func(*ts.Node) bool) []string {
	var out []string
	var walk func(n *ts.Node)
	walk = func(n *ts.Node) {
		if skip(n) {
			return
		}
		if n.IsNamed() {
			out = append(out, fmt.Sprintf("%s@%d-%d", n.Kind(), n.StartByte(), n.EndByte()))
		}
		for i := uint(0); i < n.ChildCount(); i++ {
			walk(n.Child(i))
		}
	}
	walk(n)
	return out
}
