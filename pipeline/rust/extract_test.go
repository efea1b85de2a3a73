package rust

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/doctown/doctown/docpack"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

type goldenOut struct {
	Crates   []Crate   `json:"crates"`
	Symbols  any       `json:"symbols"`
	Warnings []Warning `json:"warnings"`
}

func extractFixture(t *testing.T, name string, opts Options) []byte {
	t.Helper()
	ar, err := txtar.ParseFile(filepath.Join("testdata", name+".txtar"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeTxtar(t, dir, ar)
	if name == "broken" {
		if err := os.WriteFile(filepath.Join(dir, "src", "latin1.rs"), []byte("/// caf\xe9\npub fn f() {}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	crates, err := Discover(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Extract(t.Context(), dir, crates, opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range crates {
		crates[i].Dir = relPath(dir, crates[i].Dir)
		crates[i].Root = relPath(dir, crates[i].Root)
	}
	out, err := json.MarshalIndent(goldenOut{crates, res.Symbols, res.Warnings}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name, golden string
		opts         Options
	}{
		{"accuracy", "accuracy", Options{}},
		{"accuracy", "accuracy_private", Options{IncludePrivate: true, IncludeHidden: true}},
		{"workspace", "workspace", Options{}},
		{"broken", "broken", Options{}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			got := extractFixture(t, tc.name, tc.opts)
			path := filepath.Join("testdata", tc.golden+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (rerun with -update and review the diff)", path)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	a := extractFixture(t, "accuracy", Options{IncludePrivate: true, Workers: 1})
	b := extractFixture(t, "accuracy", Options{IncludePrivate: true, Workers: 4})
	if !bytes.Equal(a, b) {
		t.Fatal("two runs gave different output")
	}
}

func TestDiscoverNoCrate(t *testing.T) {
	if _, err := Discover(t.TempDir()); err == nil {
		t.Fatal("want ErrNoCrate")
	}
}

// TestEveryItemHasAParent checks DOCPACK_SPEC §4: every symbol but a crate root
// hangs under a symbol of the same docpack, including impls of foreign types
// and items of private modules made public by re-exports.
func TestEveryItemHasAParent(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"accuracy", Options{}},
		{"accuracy", Options{IncludePrivate: true, IncludeHidden: true}},
		{"workspace", Options{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got struct{ Symbols []docpack.Symbol }
			if err := json.Unmarshal(extractFixture(t, tc.name, tc.opts), &got); err != nil {
				t.Fatal(err)
			}
			ids := map[string]bool{}
			for _, s := range got.Symbols {
				ids[s.ID] = true
			}
			for _, s := range got.Symbols {
				root := s.SymbolType == docpack.KindModule && s.Path == s.Crate
				switch {
				case root && s.Parent != "":
					t.Errorf("crate root %s has parent %s", s.Path, s.Parent)
				case !root && !ids[s.Parent]:
					t.Errorf("%s (%s) has parent %q, not a symbol of the docpack", s.Path, s.SymbolType, s.Parent)
				}
			}
		})
	}
}

func TestImplTypeName(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"&'a [u8]", "slice"},
		{"[T; 0]", "array"},
		{"[[u8; 4]]", "slice"},
		{"[Vec<[u8; 2]>; N]", "array"},
		{"(A, B)", "tuple"},
		{"()", "unit"},
		{"!", "never"},
		{"*const T", "pointer"},
		{"*mut c_void", "pointer"},
		{"fn(u8) -> u8", "fn"},
		{"unsafe extern \"C\" fn()", "fn"},
		{"&'a mut std::vec::Vec<T>", "Vec"},
		{"dyn Error + Send", "Error"},
		{"Box<dyn Fn()>", "Box"},
	} {
		if got := implTypeName(tt.in); got != tt.want {
			t.Errorf("implTypeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestDisplayPaths checks, on real crates, that a re-exported item is shown
// at its shortest public path, with its other public paths recorded, and
// that its items follow it.
func TestDisplayPaths(t *testing.T) {
	for _, tt := range []struct {
		crate, path string
		kind        docpack.Kind
		also, child string
	}{
		{"serde", "serde::Serialize", docpack.KindTrait, "serde::ser::Serialize", "serde::Serialize::serialize"},
		{"hashbrown", "hashbrown::HashMap", docpack.KindStruct, "hashbrown::hash_map::HashMap", "hashbrown::HashMap::with_hasher"},
		{"rand", "rand::rngs::StdRng", docpack.KindStruct, "", "rand::rngs::StdRng::from_seed"},
		// Declared in a public module and re-exported without #[doc(inline)]:
		// rustdoc shows it where it is declared and lists the re-export.
		{"petgraph", "petgraph::algo::dijkstra::dijkstra", docpack.KindFunction, "petgraph::algo::dijkstra", ""},
		{"indexmap", "indexmap::map::IndexMap", docpack.KindStruct, "indexmap::IndexMap", "indexmap::map::IndexMap::with_hasher"},
		// #[doc(no_inline)] pub use in rand::prelude: never the display path.
		{"rand", "rand::distributions::Distribution", docpack.KindTrait, "rand::prelude::Distribution", "rand::distributions::Distribution::sample"},
	} {
		t.Run(tt.crate, func(t *testing.T) {
			dir := registryCrate(t, tt.crate)
			crates, err := Discover(dir)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Extract(t.Context(), dir, crates[:1], Options{})
			if err != nil {
				t.Fatal(err)
			}
			var found *docpack.Symbol
			child := tt.child == ""
			for i, s := range res.Symbols {
				if s.Path == tt.path && s.SymbolType == tt.kind {
					found = &res.Symbols[i]
				}
				if s.Path == tt.child {
					child = true
				}
				if s.Path == tt.also && s.SymbolType == tt.kind {
					t.Errorf("%s shown at %s too", tt.path, tt.also)
				}
			}
			if found == nil {
				t.Fatalf("no %s %s", tt.kind, tt.path)
			}
			if found.ID != docpack.NewID(tt.crate, tt.path, tt.kind, 1) {
				t.Errorf("id %s is not derived from the display path", found.ID)
			}
			if tt.also != "" && (len(found.PublicPaths) < 2 || found.PublicPaths[0] != tt.path || !slices.Contains(found.PublicPaths, tt.also)) {
				t.Errorf("public_paths %q; want %s first and %s among them", found.PublicPaths, tt.path, tt.also)
			}
			if !child {
				t.Errorf("no %s", tt.child)
			}
		})
	}
}

// TestSparseWarning checks that crates whose modules extraction cannot reach
// get a warning naming the likely cause (here: an include! of a file, which is
// not followed), and that healthy crates get none (libc got the warning until
// cfg_if! was understood).
func TestSparseWarning(t *testing.T) {
	var big strings.Builder
	for i := range 40 {
		fmt.Fprintf(&big, "pub fn f%d() {}\n", i)
	}
	dir := writeRepo(t, map[string]string{"Cargo.toml": cargoToml, "src/lib.rs": "include!(\"gen.rs\");\npub fn one() {}\n", "src/gen.rs": big.String()})
	res := extractRepo(t, dir, Options{})
	n := 0
	for _, w := range res.Warnings {
		if strings.Contains(w.Message, "public items found, though its sources declare") && strings.Contains(w.Message, "likely cause") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("warnings %v; want one naming the likely cause", res.Warnings)
	}
	for _, tt := range []struct {
		crate string
		want  bool
	}{
		{"libc", false},
		{"serde", false},
		{"tokio", false},
		{"itoa", false},
		// Many pub items in private modules, all of the module tree read:
		// what they export is what rustdoc shows.
		{"anyhow", false},
		{"aho-corasick", false},
	} {
		t.Run(tt.crate, func(t *testing.T) {
			dir := registryCrate(t, tt.crate)
			crates, err := Discover(dir)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Extract(t.Context(), dir, crates[:1], Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range res.Warnings {
				if strings.Contains(w.Message, "public items found, though its sources declare") {
					got = append(got, w.String())
				}
			}
			if tt.want && (len(got) != 1 || !strings.Contains(got[0], "likely cause")) {
				t.Errorf("warnings %q; want one naming the likely cause", got)
			}
			if !tt.want && len(got) > 0 {
				t.Errorf("unexpected warning %q", got)
			}
			t.Log(got)
		})
	}
}

// TestFileMountedTwice checks that a file mounted as two modules with #[path]
// (std's os::unix::ffi and os::wasi::ffi share unix/ffi/os_str.rs) gives its
// items under both, on every run, and that a #[path] cycle stops.
func TestFileMountedTwice(t *testing.T) {
	dir := t.TempDir()
	writeTxtar(t, dir, txtar.Parse([]byte(`-- Cargo.toml --
[package]
name = "twice"
version = "0.1.0"
edition = "2021"
-- src/lib.rs --
pub mod unix;
pub mod wasi;
pub mod cycle;
-- src/unix.rs --
#[path = "shared/os_str.rs"]
mod os_str;
pub use self::os_str::OsStrExt;
-- src/wasi.rs --
#[path = "shared/os_str.rs"]
mod os_str;
pub use self::os_str::OsStrExt;
-- src/shared/os_str.rs --
/// Extensions.
pub trait OsStrExt {}
-- src/cycle.rs --
#[path = "cycle.rs"]
pub mod again;
pub struct Here;
`)))
	crates, err := Discover(dir)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		res, err := Extract(t.Context(), dir, crates, Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		heres := 0
		for _, s := range res.Symbols {
			got[s.Path] = true
			if s.Name == "Here" {
				heres++
			}
		}
		for _, p := range []string{"twice::unix::OsStrExt", "twice::wasi::OsStrExt"} {
			if !got[p] {
				t.Errorf("no %s", p)
			}
		}
		if heres == 0 || heres > maxMounts {
			t.Errorf("the #[path] cycle gave %d copies of Here; want 1 to %d", heres, maxMounts)
		}
	}
}

// extractRegistry extracts a registry crate (its library) in the
// configuration cargo rustdoc was given for it.
func extractRegistry(t *testing.T, rc regCrate) *Result {
	t.Helper()
	crates, err := Discover(rc.dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Extract(t.Context(), rc.dir, crates[:1], Options{Build: BuildConfig{Features: rc.features, IgnoreDocsRS: true}})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestListCache checks that equal lists are shared and unequal ones never
// are, whatever bytes their elements hold.
func TestListCache(t *testing.T) {
	c := &listCache{}
	first := c.join([]string{"a\x00b"}, nil)
	for _, tc := range []struct{ a, b []string }{
		{[]string{"a", "b"}, nil}, {[]string{"a"}, []string{"b"}}, {[]string{"a\x00", "b"}, nil}, {[]string{"a\x00b", ""}, nil},
	} {
		if got := c.join(tc.a, tc.b); slices.Equal(got, first) {
			t.Errorf("join(%q, %q) = %q, the list of another key", tc.a, tc.b, got)
		}
	}
	x, y := c.join([]string{"#[inline]"}, []string{"#[must_use]"}), c.join([]string{"#[inline]", "#[must_use]"}, nil)
	if !slices.Equal(x, []string{"#[inline]", "#[must_use]"}) || &x[0] != &y[0] {
		t.Errorf("equal lists not shared: %q at %p, %q at %p", x, &x[0], y, &y[0])
	}
	if cap(x) != len(x) {
		t.Errorf("a shared list has room to append in place: len %d, cap %d", len(x), cap(x))
	}
}
