package components

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/doctown/doctown/docpack"
)

func TestFormatSignature(t *testing.T) {
	for _, tc := range []struct {
		name, sig string
		width     int
		want      string
	}{
		{"fits", "pub fn id(&self) -> Id", 40, "pub fn id(&self) -> Id"},
		{"where clause",
			"pub fn spawn<T>(future: T) -> JoinHandle<T::Output> where T: Future + Send + 'static, T::Output: Send + 'static,", 60,
			"pub fn spawn<T>(future: T) -> JoinHandle<T::Output>\nwhere\n    T: Future + Send + 'static,\n    T::Output: Send + 'static,"},
		{"long parameters",
			"pub fn with_capacity_and_hasher(capacity: usize, hasher: HashMap<K, V>, f: impl Fn(u8, u16) -> u32) -> Self", 50,
			"pub fn with_capacity_and_hasher(\n    capacity: usize,\n    hasher: HashMap<K, V>,\n    f: impl Fn(u8, u16) -> u32,\n) -> Self"},
		{"impl with where and attributes",
			"#[derive(Debug)]\nimpl<T> Stream for Wrapper<T> where T: Stream<Item = u8> + Unpin {", 30,
			"#[derive(Debug)]\nimpl<T> Stream for Wrapper<T>\nwhere\n    T: Stream<Item = u8> + Unpin,\n{"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := FormatSignature(tc.sig, tc.width); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestMarkdownRenderTrimsBlankLines(t *testing.T) {
	md := DocMarkdown(docpack.Symbol{Name: "f", SymbolType: docpack.KindFunction, Signature: "pub fn f() -> u8"},
		docpack.Doc{Summary: "Returns eight."}, true)
	for _, color := range []bool{false, true} {
		t.Run(map[bool]string{false: "notty", true: "dark"}[color], func(t *testing.T) {
			lines := strings.Split(NewMarkdown(color).Render("f", md, 60), "\n")
			first, last := ansi.Strip(lines[0]), ansi.Strip(lines[len(lines)-1])
			if !strings.Contains(first, "pub fn f() -> u8") {
				t.Errorf("first line %q is not the signature", first)
			}
			if !strings.Contains(last, "Returns eight.") {
				t.Errorf("last line %q is not the summary", last)
			}
		})
	}
}

func TestWrapKeepsArrows(t *testing.T) {
	got := Wrap("pub fn edge_weight(&self, e: EdgeIndex<Ix>) -> Option<&E>", 45)
	for _, l := range got {
		if strings.HasSuffix(l, "-") || strings.HasPrefix(l, ">") {
			t.Errorf("an arrow was cut: %q", got)
		}
	}
	if strings.Join(got, " ") != "pub fn edge_weight(&self, e: EdgeIndex<Ix>) -> Option<&E>" {
		t.Errorf("Wrap lost text: %q", got)
	}
}
