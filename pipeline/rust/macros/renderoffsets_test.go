package macros

import "testing"

// TestRenderOffsets checks that each offset RenderOffsets gives is where
// its token is in the text: the token's own text there, a group's closer
// just before its end offset.
func TestRenderOffsets(t *testing.T) {
	toks, err := Lex(`#[repr(C)] pub struct A { pub x: $crate::B<u8>, y: [u8; 4] } impl A { fn f(&self) -> u32 { 1 } }`, 1)
	if err != nil {
		t.Fatal(err)
	}
	// A fragment group (no delimiters) is left out, its tokens kept.
	toks = append(toks, Token{Kind: Group, Kids: []Token{{Kind: Ident, Text: "const"}, {Kind: Ident, Text: "C"}}})
	var offs []int32
	text, _ := RenderOffsets(toks, &offs)
	if want := Render(toks); text != want {
		t.Fatalf("text %q, Render gives %q", text, want)
	}
	k := 0
	var walk func(toks []Token)
	walk = func(toks []Token) {
		for i := range toks {
			tok := &toks[i]
			if tok.Kind == Group && tok.Delim == 0 {
				walk(tok.Kids)
				continue
			}
			at := int(offs[k])
			k++
			switch {
			case tok.Kind == Group:
				if text[at] != tok.Delim {
					t.Errorf("group at %d: %q, want %q", at, text[at], tok.Delim)
				}
				walk(tok.Kids)
				end := int(offs[k])
				k++
				if text[end-1] != Closer(tok.Delim) {
					t.Errorf("group ending at %d: %q, want %q", end, text[end-1], Closer(tok.Delim))
				}
			default:
				s := tok.Text
				if s == "$crate" {
					s = "crate"
				}
				if text[at:at+len(s)] != s {
					t.Errorf("token %q at %d: text has %q", s, at, text[at:at+len(s)])
				}
			}
		}
	}
	walk(toks)
	if k != len(offs) {
		t.Errorf("%d offsets read of %d", k, len(offs))
	}
}
