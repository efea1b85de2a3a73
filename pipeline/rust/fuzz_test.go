package rust

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// FuzzExtract feeds arbitrary bytes to Extract as the src/lib.rs of a
// one-crate repository: whatever tree-sitter recovers, the Go walks over it
// (items, macro bodies, use trees, resolution) must not panic or hang, and
// the output must be well formed. Seeds are the .rs files of the fixtures.
func FuzzExtract(f *testing.F) {
	fixtures, _ := filepath.Glob(filepath.Join("testdata", "*.txtar"))
	for _, name := range fixtures {
		ar, err := txtar.ParseFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range ar.Files {
			if filepath.Ext(file.Name) == ".rs" {
				f.Add(file.Data)
			}
		}
	}
	f.Add([]byte("m! { n! { o! { pub use a::{b::{self, c as d}, *}; } } }"))
	f.Add([]byte("pub use self::a::*; pub mod a { pub use super::*; pub use crate::a::b as b; }"))
	f.Add([]byte("impl<T> !Send for X<T> where T: { } #[path = \"\"] mod x; #[cfg(any())] pub use x::*;"))

	dir := f.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Cargo.toml"), []byte(cargoToml), 0o644); err != nil {
		f.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
		f.Fatal(err)
	}
	lib := filepath.Join(dir, "src", "lib.rs")
	if err := os.WriteFile(lib, nil, 0o644); err != nil {
		f.Fatal(err)
	}
	crates, err := Discover(dir)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		// Module files the input may declare (mod a;) stay absent: the
		// fuzzer's input is the whole crate.
		if err := os.WriteFile(lib, src, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, opts := range []Options{{Workers: 1}, {Workers: 1, IncludePrivate: true, IncludeHidden: true}} {
			res, err := Extract(t.Context(), dir, crates, opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Symbols) == 0 || res.Symbols[0].Path != "demo" {
				t.Fatalf("first symbol is not the crate root: %+v", res.Symbols[:min(1, len(res.Symbols))])
			}
			ids := map[string]bool{}
			for _, s := range res.Symbols {
				if s.ID == "" || ids[s.ID] {
					t.Fatalf("empty or duplicate id %q (%s)", s.ID, s.Path)
				}
				ids[s.ID] = true
			}
			for _, s := range res.Symbols {
				if s.Parent != "" && !ids[s.Parent] && opts.IncludePrivate {
					t.Fatalf("%s: parent %s is not among the symbols", s.Path, s.Parent)
				}
				if s.Line < 1 || s.EndLine < s.Line {
					t.Fatalf("%s: lines %d-%d", s.Path, s.Line, s.EndLine)
				}
			}
		}
	})
}
