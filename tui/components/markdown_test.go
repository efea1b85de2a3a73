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

// TestMarkdownListSoftBreaks: a list item's text written over several lines
// is one paragraph, rewrapped at the width (glamour keeps each soft line break
// of a list item as a newline: itertools' Itertools showed "…as input, and" /
// "return" / "a new iterator value"). Hard breaks and code blocks stay.
func TestMarkdownListSoftBreaks(t *testing.T) {
	md := "* *Adaptors* take an iterator and parameter as input, and\nreturn\na new iterator value.\n" +
		"* Two spaces end  \nthis line.\n\n" +
		"1. A numbered item\n   over two lines.\n\n" +
		"```\nkeep\nthese\n```\n"
	for _, color := range []bool{false, true} {
		out := ansi.Strip(NewMarkdown(color).Render("k", md, 120))
		for _, want := range []string{
			"Adaptors take an iterator and parameter as input, and return a new iterator value.",
			"A numbered item over two lines.",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("color %v: %q not on one line in\n%s", color, want, out)
			}
		}
		for _, want := range []string{"Two spaces end\n", "keep\n"} {
			if !containsLineEnd(out, strings.TrimSuffix(want, "\n")) {
				t.Errorf("color %v: line break after %q lost in\n%s", color, want, out)
			}
		}
	}
}

// containsLineEnd reports whether some line of s ends with w (glamour pads
// lines with spaces).
func containsLineEnd(s, w string) bool {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasSuffix(strings.TrimRight(l, " "), w) {
			return true
		}
	}
	return false
}
