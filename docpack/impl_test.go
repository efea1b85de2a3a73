package docpack

import "testing"

func TestSplitImpl(t *testing.T) {
	for _, tc := range []struct{ in, trait, self string }{
		{"impl Foo", "", "Foo"},
		{"impl<T> Registry<T>", "", "Registry<T>"},
		{"impl fmt::Display for Error", "fmt::Display", "Error"},
		{"unsafe impl<T: Send> Send for Foo<T>", "Send", "Foo<T>"},
		{"impl<F: Fn(Vec<u8>) -> Option<u8>> Wrap<F> for Box<F>", "Wrap<F>", "Box<F>"},
	} {
		trait, self := SplitImpl(tc.in)
		if trait != tc.trait || self != tc.self {
			t.Errorf("SplitImpl(%q) = %q, %q; want %q, %q", tc.in, trait, self, tc.trait, tc.self)
		}
	}
}

func TestDocOrigin(t *testing.T) {
	for _, c := range []struct {
		d    Doc
		want string
	}{
		{Doc{Source: DocFromComments}, ""},
		{Doc{Source: DocFromLLM}, ""},
		{Doc{Source: DocFromSignature}, "(no doc comment: described from the signature)"},
		{Doc{Source: DocFromInherited, InheritedFrom: "core::fmt::Debug::fmt"}, "(the doc of core::fmt::Debug::fmt, which this implements)"},
	} {
		if got := c.d.Origin(); got != c.want {
			t.Errorf("Origin(%s) = %q; want %q", c.d.Source, got, c.want)
		}
	}
}
