package rust

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeRepo writes files (path → content) under a new temp dir; a content
// starting with "->" makes a symlink to the rest (relative to the link's
// directory, or absolute).
func writeRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(data, "->"); ok {
			if err := os.Symlink(filepath.FromSlash(target), p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const cargoToml = "[package]\nname = \"demo\"\nversion = \"0.1.0\"\n"

func extractRepo(t *testing.T, dir string, opts Options) *Result {
	t.Helper()
	crates, err := Discover(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Extract(t.Context(), dir, crates, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func symbolPaths(res *Result) []string {
	var out []string
	for _, s := range res.Symbols {
		out = append(out, s.Path)
	}
	slices.Sort(out)
	return out
}

func warningStrings(res *Result) []string {
	var out []string
	for _, w := range res.Warnings {
		out = append(out, w.String())
	}
	return out
}

func TestBadInput(t *testing.T) {
	// A file outside the repository that symlinks may point at.
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.rs"), []byte("pub fn leaked() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(outside, "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "dir", "mod.rs"), []byte("pub fn leaked_dir() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		files    map[string]string
		opts     Options
		paths    []string // every symbol path, sorted
		warnings []string // Warning.String() of every warning, in order
		files_   int      // Result.Files
	}{
		{
			name: "symlink to a file outside the repository",
			files: map[string]string{
				"Cargo.toml": cargoToml,
				"src/lib.rs": "pub mod x;\npub fn ok() {}\n",
				"src/x.rs":   "->" + filepath.Join(outside, "secret.rs"),
			},
			paths:    []string{"demo", "demo::ok", "demo::x"},
			warnings: []string{"src/x.rs: skipped: resolves outside the repository"},
			files_:   1,
		},
		{
			name: "symlinked directory outside the repository",
			files: map[string]string{
				"Cargo.toml": cargoToml,
				"src/lib.rs": "pub mod x;\npub fn ok() {}\n",
				"src/x":      "->" + filepath.Join(outside, "dir"),
			},
			paths:    []string{"demo", "demo::ok", "demo::x"},
			warnings: []string{"src/x/mod.rs: skipped: resolves outside the repository"},
			files_:   1,
		},
		{
			name: "path attribute leaving the repository",
			files: map[string]string{
				"Cargo.toml": cargoToml,
				"src/lib.rs": "#[path = \"../../../../../../../../../../" + strings.TrimPrefix(filepath.ToSlash(outside), "/") + "/secret.rs\"]\npub mod x;\n",
			},
			paths:    []string{"demo", "demo::x"},
			warnings: []string{"$OUTSIDE/secret.rs: skipped: resolves outside the repository"},
			files_:   1,
		},
		{
			name: "symlink inside the repository is followed",
			files: map[string]string{
				"Cargo.toml":         cargoToml,
				"src/lib.rs":         "pub mod x;\npub mod y;\n",
				"src/x.rs":           "->shared/real.rs",
				"src/shared/real.rs": "pub fn real() {}\n",
				"src/y":              "->shared",
				"src/shared/mod.rs":  "pub fn in_dir() {}\n",
			},
			paths:  []string{"demo", "demo::x", "demo::x::real", "demo::y", "demo::y::in_dir"},
			files_: 3,
		},
		{
			name: "file over MaxFileSize",
			files: map[string]string{
				"Cargo.toml": cargoToml,
				"src/lib.rs": "pub mod big;\npub fn small() {}\n",
				"src/big.rs": "pub fn big() {}\n" + strings.Repeat("// padding\n", 200),
			},
			opts:     Options{MaxFileSize: 1000},
			paths:    []string{"demo", "demo::big", "demo::small"},
			warnings: []string{"src/big.rs: skipped: file is 2216 bytes, over the 1000 byte limit"},
			files_:   1,
		},
		{
			name: "non-UTF-8 file",
			files: map[string]string{
				"Cargo.toml":    cargoToml,
				"src/lib.rs":    "pub mod latin1;\npub fn ok() {}\n",
				"src/latin1.rs": "/// caf\xe9\npub fn f() {}\n",
			},
			paths:    []string{"demo", "demo::latin1", "demo::ok"},
			warnings: []string{"src/latin1.rs: skipped: not valid UTF-8"},
			files_:   1,
		},
		{
			name: "syntax error keeps what the parser recovered",
			files: map[string]string{
				"Cargo.toml": cargoToml,
				"src/lib.rs": "pub mod m;\n",
				"src/m.rs":   "pub fn before() {}\n\npub fn bad( {\npub struct After;\n",
			},
			paths:    []string{"demo", "demo::m", "demo::m::After", "demo::m::before"},
			warnings: []string{"src/m.rs:3: syntax error; items were extracted from what the parser recovered"},
			files_:   2,
		},
		{
			name: "syntax errors inside macro bodies",
			files: map[string]string{
				"Cargo.toml": cargoToml,
				"src/lib.rs": "pub mod m;\n",
				"src/m.rs": "pub fn a() {}\n\ncfg_x! {\n    pub fn good() {}\n\n    pub fn bad(x: ) -> {}\n    pub struct After;\n}\n\n" +
					"outer! {\n    inner! {\n        pub struct Fine;\n        impl Fine { pub fn m(&self) -> u8 { let x = ; 1 } }\n    }\n}\n",
			},
			paths: []string{"demo", "demo::m", "demo::m::After", "demo::m::Fine", "demo::m::Fine::m", "demo::m::a",
				"demo::m::bad", "demo::m::good", "demo::m::impl Fine"},
			warnings: nil, // a macro's own syntax is not the user's error
			files_:   2,
		},
		{
			name: "missing module file",
			files: map[string]string{
				"Cargo.toml":  cargoToml,
				"src/lib.rs":  "pub mod gone;\npub mod here;\n",
				"src/here.rs": "pub fn f() {}\n",
			},
			paths:    []string{"demo", "demo::gone", "demo::here", "demo::here::f"},
			warnings: []string{"src/lib.rs:1: file for module gone not found (tried gone.rs, gone/mod.rs)"},
			files_:   2,
		},
		{
			name: "path attribute inside an inline module",
			files: map[string]string{
				"Cargo.toml": cargoToml,
				// rustc: relative to the inline module's directory (src/a/, and
				// src/sub/a/ in the non-mod-rs file src/sub.rs).
				"src/lib.rs":     "pub mod a {\n    #[path = \"p.rs\"]\n    pub mod b;\n}\npub mod sub;\n#[path = \"top.rs\"]\npub mod t;\n",
				"src/a/p.rs":     "pub fn in_a() {}\n",
				"src/p.rs":       "pub fn wrong() {}\n",
				"src/sub.rs":     "pub mod c {\n    #[path = \"q.rs\"]\n    pub mod d;\n}\n#[path = \"side.rs\"]\npub mod e;\n",
				"src/sub/c/q.rs": "pub fn in_sub_c() {}\n",
				"src/c/q.rs":     "pub fn wrong() {}\n",
				"src/side.rs":    "pub fn beside_sub() {}\n",
				"src/top.rs":     "pub mod under;\n",
				"src/under.rs":   "pub fn under_path_file() {}\n",
			},
			paths: []string{"demo", "demo::a", "demo::a::b", "demo::a::b::in_a", "demo::sub", "demo::sub::c",
				"demo::sub::c::d", "demo::sub::c::d::in_sub_c", "demo::sub::e", "demo::sub::e::beside_sub",
				"demo::t", "demo::t::under", "demo::t::under::under_path_file"},
			files_: 7,
		},
		{
			name: "only the module tree is parsed",
			files: map[string]string{
				"Cargo.toml":                           cargoToml,
				"src/lib.rs":                           "pub fn api() {}\n",
				"src/unreachable.rs":                   "pub fn nope() {}\n",
				"src/.hidden/mod.rs":                   "pub fn nope() {}\n",
				".hidden/lib.rs":                       "pub fn nope() {}\n",
				"target/debug/build/out/gen.rs":        "pub fn nope() {}\n",
				"target/package/demo-0.1.0/Cargo.toml": cargoToml,
				"target/package/demo-0.1.0/src/lib.rs": "pub fn nope() {}\n",
				"tests/it.rs":                          "pub fn nope() {}\n",
				"benches/b.rs":                         "pub fn nope() {}\n",
				"examples/e.rs":                        "pub fn nope() {}\n",
			},
			paths:  []string{"demo", "demo::api"},
			files_: 1,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeRepo(t, tc.files)
			res := extractRepo(t, dir, tc.opts)
			if got := symbolPaths(res); !slices.Equal(got, tc.paths) {
				t.Errorf("symbols\n got %q\nwant %q", got, tc.paths)
			}
			var want []string
			for _, w := range tc.warnings {
				want = append(want, strings.ReplaceAll(w, "$OUTSIDE", relPath(dir, outside)))
			}
			if got := warningStrings(res); !slices.Equal(got, want) {
				t.Errorf("warnings\n got %q\nwant %q", got, want)
			}
			if res.Files != tc.files_ {
				t.Errorf("Files = %d, want %d", res.Files, tc.files_)
			}
		})
	}
}

func TestDiscoverSkipsHiddenAndTarget(t *testing.T) {
	dir := writeRepo(t, map[string]string{
		"Cargo.toml":           "[workspace]\nmembers = [\"*\", \"crates/*\"]\n",
		"a/Cargo.toml":         "[package]\nname = \"a\"\n",
		"a/src/lib.rs":         "",
		"crates/b/Cargo.toml":  "[package]\nname = \"b\"\n",
		"crates/b/src/lib.rs":  "",
		"crates/.c/Cargo.toml": "[package]\nname = \"c\"\n",
		"crates/.c/src/lib.rs": "",
		".d/Cargo.toml":        "[package]\nname = \"d\"\n",
		".d/src/lib.rs":        "",
		"target/Cargo.toml":    "[package]\nname = \"t\"\n",
		"target/src/lib.rs":    "",
	})
	crates, err := Discover(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range crates {
		names = append(names, c.Name)
	}
	if want := []string{"a", "b"}; !slices.Equal(names, want) {
		t.Errorf("crates %q, want %q", names, want)
	}
}

// manyModules is a crate whose root declares n file modules.
func manyModules(t *testing.T, n int) string {
	files := map[string]string{"Cargo.toml": cargoToml}
	var lib strings.Builder
	for i := range n {
		name := "m" + itoa(i)
		lib.WriteString("pub mod " + name + ";\n")
		files["src/"+name+".rs"] = "pub fn f() {}\n"
	}
	files["src/lib.rs"] = lib.String()
	return writeRepo(t, files)
}

func TestExtractCancelled(t *testing.T) {
	dir := manyModules(t, 50)
	crates, err := Discover(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		parsed := 0
		res, err := Extract(ctx, dir, crates, Options{OnFile: func(int, int, string) { parsed++ }})
		if !errors.Is(err, context.Canceled) || res != nil {
			t.Fatalf("got %v, %v; want nil, context.Canceled", res, err)
		}
		if parsed != 0 {
			t.Errorf("%d files parsed after cancellation", parsed)
		}
	})
	t.Run("during", func(t *testing.T) {
		for _, workers := range []int{1, 2} {
			ctx, cancel := context.WithCancel(t.Context())
			parsed := 0
			res, err := Extract(ctx, dir, crates, Options{Workers: workers, OnFile: func(int, int, string) {
				parsed++
				cancel() // after the crate root: its 50 modules are still to come
			}})
			cancel()
			if !errors.Is(err, context.Canceled) || res != nil {
				t.Fatalf("workers %d: got %v, %v; want nil, context.Canceled", workers, res, err)
			}
			// Nothing is dispatched after the cancel; at most the files already
			// being parsed by the other workers finish.
			if parsed > workers {
				t.Errorf("workers %d: %d files reported after cancellation", workers, parsed)
			}
		}
	})
}
