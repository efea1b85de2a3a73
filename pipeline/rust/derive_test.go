package rust

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestStdDerives checks the impls synthesized for std derives against what
// rustdoc lists for the same code (rustdoc JSON of this crate, read by hand:
// one impl per derive at the line of its name, StructuralPartialEq with
// PartialEq, the derive's bound on every type parameter).
func TestStdDerives(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("Cargo.toml", "[package]\nname = \"d\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
	write("src/lib.rs", `pub trait Bar {}
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Foo<'a, T: Bar, const N: usize = 3> where T: Sized { pub x: &'a T }
#[derive(
    Clone,
    serde::Serialize,
    core::cmp::PartialEq,
)]
pub enum E { A, B(u8) }
macro_rules! flags {
    ($name:ident) => {
        #[derive(Debug)]
        pub struct $name(u8);
    };
}
flags!(Flags);
`)
	res := extractRepo(t, dir, Options{})
	var got []string
	for _, s := range res.Symbols {
		if s.SymbolType == "impl" || s.SymbolType == "method" {
			got = append(got, itoa(s.Line)+" "+string(s.SymbolType)+" "+s.Signature)
			if !slices.Contains(s.Attributes, "#[automatically_derived]") && s.SymbolType == "impl" {
				t.Errorf("%s: not marked #[automatically_derived]: %v", s.Name, s.Attributes)
			}
		}
	}
	slices.Sort(got)
	want := []string{
		"16 impl impl Debug for Flags",
		"16 method fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result",
		"2 impl impl<'a, T: Bar + Clone, const N: usize> Clone for Foo<'a, T, N> where T: Sized",
		"2 impl impl<'a, T: Bar + Copy, const N: usize> Copy for Foo<'a, T, N> where T: Sized",
		"2 impl impl<'a, T: Bar + Debug, const N: usize> Debug for Foo<'a, T, N> where T: Sized",
		"2 impl impl<'a, T: Bar + Default, const N: usize> Default for Foo<'a, T, N> where T: Sized",
		"2 impl impl<'a, T: Bar + Eq, const N: usize> Eq for Foo<'a, T, N> where T: Sized",
		"2 impl impl<'a, T: Bar + Hash, const N: usize> Hash for Foo<'a, T, N> where T: Sized",
		"2 impl impl<'a, T: Bar + Ord, const N: usize> Ord for Foo<'a, T, N> where T: Sized",
		"2 impl impl<'a, T: Bar + PartialEq, const N: usize> PartialEq for Foo<'a, T, N> where T: Sized",
		"2 impl impl<'a, T: Bar + PartialEq, const N: usize> StructuralPartialEq for Foo<'a, T, N> where T: Sized",
		"2 impl impl<'a, T: Bar + PartialOrd, const N: usize> PartialOrd for Foo<'a, T, N> where T: Sized",
		"2 method fn clone(&self) -> Self",
		"2 method fn cmp(&self, other: &Self) -> Ordering",
		"2 method fn default() -> Self",
		"2 method fn eq(&self, other: &Self) -> bool",
		"2 method fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result",
		"2 method fn hash<__H: Hasher>(&self, state: &mut __H)",
		"2 method fn partial_cmp(&self, other: &Self) -> Option<Ordering>",
		"5 impl impl Clone for E",
		"5 method fn clone(&self) -> Self",
		"7 impl impl PartialEq for E",
		"7 impl impl StructuralPartialEq for E",
		"7 method fn eq(&self, other: &Self) -> bool",
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("derived impls:\n got %s\nwant %s", strings.Join(got, "\n    "), strings.Join(want, "\n    "))
	}
	for _, s := range res.Symbols {
		if s.Name == "E" && !slices.ContainsFunc(s.Attributes, func(a string) bool { return strings.Contains(a, "serde::Serialize") }) {
			t.Errorf("E lost its serde derive: %v", s.Attributes)
		}
	}
}
