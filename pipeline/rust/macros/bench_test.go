package macros

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// registryDir holds Debian's crate sources (librust-*-dev).
const registryDir = "/usr/share/cargo/registry"

// registryCall is one call of a crate's own macro_rules! macro, as written
// in its sources.
type registryCall struct {
	name, file string
	line       int
	input      []Token
}

// registryCalls lexes the .rs files of the registry crate name (its highest
// version), adds their macro_rules! definitions to a table and lists the
// calls of those macros: every `name!(…)`, `name![…]`, `name!{…}` outside
// macro_rules! definitions whose macro the table knows.
func registryCalls(tb testing.TB, name string) (*Expander, []registryCall) {
	matches, _ := filepath.Glob(filepath.Join(registryDir, name+"-[0-9]*"))
	if len(matches) == 0 {
		tb.Skip("no " + name + " under " + registryDir)
	}
	x, calls := registryCallsDir(tb, matches[len(matches)-1])
	if len(calls) == 0 {
		tb.Fatalf("no macro calls in %s", matches[len(matches)-1])
	}
	return x, calls
}

// registryCallsDir is registryCalls on the crate in dir.
func registryCallsDir(tb testing.TB, dir string) (*Expander, []registryCall) {
	table := NewTable()
	files := map[string][]Token{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".rs") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		toks, err := Lex(string(src), 1)
		if err != nil {
			return nil // not a token tree: cargo would not build it either
		}
		rel, _ := filepath.Rel(dir, path)
		files[rel] = toks
		table.ScanFile(rel, toks)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	var calls []registryCall
	var walk func(file string, toks []Token)
	walk = func(file string, toks []Token) {
		for i := 0; i < len(toks); i++ {
			t := &toks[i]
			if isMacroRules(toks, i) {
				i += 3
				continue
			}
			if t.Kind == Group {
				walk(file, t.Kids)
				continue
			}
			if t.Kind != Ident || i+2 >= len(toks) || !toks[i+1].isPunct("!") || toks[i+2].Kind != Group {
				continue
			}
			if table.Lookup(t.Text, file, t.Line) != nil {
				calls = append(calls, registryCall{t.Text, file, t.Line, toks[i+2].Kids})
			}
		}
	}
	for file, toks := range files {
		walk(file, toks)
	}
	return &Expander{Table: table, Limits: DefaultLimits}, calls
}

// BenchmarkExpandRegistry expands every call of the crates' own macros as
// written in their sources (winapi's STRUCT!, RIDL!, DEFINE_GUID!; syn's
// ast_struct!; libc's s!, f!; tokio's cfg_*!): the expander alone, without
// the extractor that reads the expansions. Calls that do not expand (a call
// inside a function whose macro needs an expression, say) count too: a
// failing match is work the extractor does as well.
func BenchmarkExpandRegistry(b *testing.B) {
	for _, name := range []string{"winapi", "syn", "libc", "tokio"} {
		b.Run(name, func(b *testing.B) {
			x, calls := registryCalls(b, name)
			b.ReportAllocs()
			for b.Loop() {
				for _, c := range calls {
					x.Expand(c.name, c.input, c.file, c.line)
				}
			}
		})
	}
}
