package macros

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// lexDefsCases are the neighbours LexDefs must not change: what stands
// between an attribute and macro_rules, an empty body, a name after
// tokens that are dropped, definitions inside items and attributes.
var lexDefsCases = []string{
	"#[macro_export] {} macro_rules! a { () => {} }",
	"#[macro_export] #[doc(hidden)] macro_rules! a {}",
	"#[macro_export] #[doc(hidden)] macro_rules! a { () => {} }",
	"/// doc\n#[macro_export]\n/// more\nmacro_rules! a ( () => {} );",
	"#[macro_export] x macro_rules! a [ ($x:expr) => { $x } ]",
	"fn f() { let x = [1, 2]; macro_rules! inner { () => { 1 } } } #[cfg(x)] macro_rules! b { () => {} }",
	"mod m { #[macro_export] macro_rules! c { ($($t:tt)*) => { macro_rules! d { () => {} } } } }",
	"macro_rules! ! e {} macro_rules ! f { () => {} } g! { macro_rules }",
	"#[macro_export(local_inner_macros)] macro_rules! h { () => {} }",
}

func TestLexDefsCases(t *testing.T) {
	for _, src := range lexDefsCases {
		whole, errWhole := Lex(src, 1)
		some, errSome := LexDefs(src, 1)
		if !reflect.DeepEqual(errWhole, errSome) {
			t.Errorf("%q: Lex: %v, LexDefs: %v", src, errWhole, errSome)
			continue
		}
		a, b := NewTable(), NewTable()
		a.ScanFile("f.rs", whole)
		b.ScanFile("f.rs", some)
		if !reflect.DeepEqual(a.Defs(), b.Defs()) || !reflect.DeepEqual(a.bad, b.bad) || len(a.Defs())+len(a.bad) == 0 {
			t.Errorf("%q: %d definitions from Lex, %d from LexDefs, or they differ", src, len(a.Defs()), len(b.Defs()))
		}
	}
}

// TestLexDefsScansAsLex checks that Table.ScanFile finds the same
// definitions (names, files, lines, exports, rules) and the same errors in
// LexDefs' tokens as in Lex's, for every .rs file of the registry that
// mentions macro_rules, and that both lexers fail on the same files.
func TestLexDefsScansAsLex(t *testing.T) {
	if _, err := os.Stat(registryDir); err != nil {
		t.Skip("no " + registryDir)
	}
	files, defs := 0, 0
	err := filepath.WalkDir(registryDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".rs") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil || !strings.Contains(string(src), "macro_rules") {
			return nil
		}
		files++
		whole, errWhole := Lex(string(src), 1)
		some, errSome := LexDefs(string(src), 1)
		if !reflect.DeepEqual(errWhole, errSome) {
			t.Errorf("%s: Lex: %v, LexDefs: %v", path, errWhole, errSome)
			return nil
		}
		a, b := NewTable(), NewTable()
		errsA, errsB := a.ScanFile(path, whole), b.ScanFile(path, some)
		if !reflect.DeepEqual(errsA, errsB) {
			t.Errorf("%s: ScanFile errors: %v from Lex, %v from LexDefs", path, errsA, errsB)
		}
		if !reflect.DeepEqual(a.Defs(), b.Defs()) || !reflect.DeepEqual(a.bad, b.bad) {
			t.Errorf("%s: definitions differ", path)
		}
		defs += len(a.Defs())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if defs == 0 {
		t.Fatal("no definitions found")
	}
	t.Logf("%d files, %d definitions", files, defs)
}
