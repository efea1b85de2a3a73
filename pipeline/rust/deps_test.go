package rust

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/pipeline/rust/cfg"
)

func TestReqMatches(t *testing.T) {
	for _, c := range []struct {
		req, version string
		want         bool
	}{
		{"1.2", "1.2.0", true}, {"1.2", "1.9.3", true}, {"1.2", "2.0.0", false}, {"1.2", "1.1.9", false},
		{"^0.4", "0.4.17", true}, {"^0.4", "0.5.0", false}, {"0.1.30", "0.1.31", true}, {"0.1.30", "0.2.0", false},
		{"0.0.3", "0.0.3", true}, {"0.0.3", "0.0.4", false}, {"0", "0.9.1", true}, {"0", "1.0.0", false},
		{"~1.2", "1.2.9", true}, {"~1.2", "1.3.0", false}, {"~1", "1.9.0", true},
		{"=1.0.152", "1.0.152", true}, {"=1.0.152", "1.0.153", false},
		{">= 1, < 2", "1.7.0", true}, {">= 1, < 2", "2.0.0", false}, {">=0.2.8", "0.3.0", true},
		{"<= 1.2", "1.2.7", true}, {"> 1.2", "1.2.7", false}, {"> 1.2", "1.3.0", true},
		{"*", "3.1.4", true}, {"1.*", "1.4.0", true}, {"1.*", "2.0.0", false}, {"", "0.1.0", true},
		{"1", "1.0.0-alpha.1", false}, {"1.0.0-alpha.1", "1.0.0-alpha.2", true}, {"1.0.0-alpha.1", "1.0.0", true},
		{"1.2", "not-a-version", false},
	} {
		if got := reqMatches(c.req, c.version); got != c.want {
			t.Errorf("reqMatches(%q, %q) = %v, want %v", c.req, c.version, got, c.want)
		}
	}
}

func TestParseLock(t *testing.T) {
	got := parseLock(`# generated
version = 3

[[package]]
name = "a"
version = "0.1.0"
dependencies = ["b 1.2.0"]

[[package]]
name = "b"
version = "1.2.0"
source = "registry+https://example.invalid/index"

[[package]]
name = "b"
version = "2.0.1"
`)
	if !slices.Equal(got["b"], []string{"1.2.0", "2.0.1"}) || !slices.Equal(got["a"], []string{"0.1.0"}) || len(got) != 2 {
		t.Errorf("parseLock = %v", got)
	}
}

func TestDependencyFeatures(t *testing.T) {
	m, err := cfg.ParseManifest([]byte(`
[package]
name = "p"
[dependencies]
plain = "1"
nodef = { version = "1", default-features = false, features = ["x"] }
opt = { version = "1", optional = true }
weak = { version = "1", optional = true }
renamed = { package = "real-name", version = "1" }
[target.'cfg(unix)'.dependencies]
unixonly = "1"
[features]
default = ["std"]
std = ["plain/std", "weak?/std"]
extra = ["dep:opt", "nodef/y"]
`))
	if err != nil {
		t.Fatal(err)
	}
	got := m.DependencyFeatures([]string{"default", "std"})
	want := map[string][]string{"plain": {"default", "std"}, "nodef": {"x"}, "renamed": {"default"}, "unixonly": {"default"}}
	if len(got) != len(want) {
		t.Errorf("DependencyFeatures = %v, want %v", got, want)
	}
	for k, v := range want {
		if !slices.Equal(got[k], v) {
			t.Errorf("%s: %v, want %v", k, got[k], v)
		}
	}
	got = m.DependencyFeatures([]string{"extra", "weak"})
	if !slices.Equal(got["opt"], []string{"default"}) || !slices.Equal(got["nodef"], []string{"x", "y"}) || !slices.Equal(got["weak"], []string{"default"}) {
		t.Errorf("with extra and weak: %v", got)
	}
	for _, d := range m.Deps {
		if d.Name == "renamed" && d.Package != "real-name" {
			t.Errorf("renamed dependency: package %q", d.Package)
		}
		if d.Name == "unixonly" && d.Target != "cfg(unix)" {
			t.Errorf("target dependency: target %q", d.Target)
		}
	}
}

// fakeRegistry makes a cargo registry under a temporary CARGO_HOME holding
// the packages of ar (each directory name-version at the top of the archive).
func fakeRegistry(t *testing.T, ar string) {
	home := t.TempDir()
	t.Setenv("CARGO_HOME", home)
	writeTxtar(t, filepath.Join(home, "registry", "src", "index.example-0123456789abcdef"), txtar.Parse([]byte(ar)))
}

func TestFindDependencies(t *testing.T) {
	fakeRegistry(t, `
-- dep-1.2.0/Cargo.toml --
[package]
name = "dep"
version = "1.2.0"
-- dep-1.2.0/src/lib.rs --
-- dep-1.3.0/Cargo.toml --
[package]
name = "dep"
version = "1.3.0"
-- dep-1.3.0/src/lib.rs --
-- dep-2.0.0/Cargo.toml --
[package]
name = "dep"
version = "2.0.0"
-- dep-2.0.0/src/lib.rs --
`)
	top := t.TempDir()
	repo := filepath.Join(top, "repo")
	writeTxtar(t, top, txtar.Parse([]byte(`
-- elsewhere/Cargo.toml --
[package]
name = "outside"
version = "1.0.0"
-- elsewhere/src/lib.rs --
`)))
	writeTxtar(t, repo, txtar.Parse([]byte(`
-- Cargo.toml --
[package]
name = "p"
version = "0.1.0"
[dependencies]
dep = "1.2"
local = { path = "local" }
gone = "0.3"
outside = { path = "../elsewhere" }
-- src/lib.rs --
-- local/Cargo.toml --
[package]
name = "local"
version = "0.7.0"
-- local/src/lib.rs --
`)))
	crates, err := Discover(repo)
	if err != nil {
		t.Fatal(err)
	}
	find := func() map[string]depSource {
		out := map[string]depSource{}
		for _, d := range findDependencies(crates[0], repo, nil) {
			out[d.Name] = d
		}
		return out
	}
	got := find()
	if d := got["dep"]; d.Version != "1.3.0" || d.Mismatch || !strings.HasSuffix(d.Dir, "dep-1.3.0") {
		t.Errorf("without Cargo.lock: %+v, want the highest 1.x, 1.3.0", d)
	}
	if d := got["local"]; d.Version != "0.7.0" || d.Dir != filepath.Join(repo, "local") {
		t.Errorf("path dependency: %+v", d)
	}
	if d := got["gone"]; d.Dir != "" {
		t.Errorf("a dependency not in the registry: %+v", d)
	}
	if d := got["outside"]; d.Dir != "" {
		t.Errorf("a path dependency outside the repository is read: %+v", d)
	}
	if err := os.WriteFile(filepath.Join(repo, "Cargo.lock"), []byte("[[package]]\nname = \"dep\"\nversion = \"1.2.0\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if d := find()["dep"]; d.Version != "1.2.0" {
		t.Errorf("with Cargo.lock: %+v, want the locked 1.2.0", d)
	}
}

// TestInlineReexports extracts a crate that re-exports items of a
// dependency in the (fake) registry: they are copied under its paths, with
// their children and impls, marked with where they come from.
func TestInlineReexports(t *testing.T) {
	fakeRegistry(t, `
-- dep-0.2.1/Cargo.toml --
[package]
name = "dep"
version = "0.2.1"
[features]
default = []
extra = []
-- dep-0.2.1/src/lib.rs --
//! The dep crate.
mod inner {
    /// A level.
    #[derive(Clone)]
    pub struct Level { pub n: u8 }
    impl Level {
        /// As text.
        pub fn as_str(&self) -> &str { "" }
    }
}
pub use inner::Level;
/// A trait.
pub trait Tr { fn go(&self); }
impl Tr for u8 { fn go(&self) {} }
pub mod sub {
    pub fn f() {}
    pub fn shadowed() {}
    #[cfg(feature = "extra")]
    pub fn only_extra() {}
}
pub fn free() {}
#[doc(hidden)]
pub fn secret() {}
`)
	repo := t.TempDir()
	writeTxtar(t, repo, txtar.Parse([]byte(`
-- Cargo.toml --
[package]
name = "top"
version = "1.0.0"
[dependencies]
dep = { version = "0.2", features = ["extra"] }
ghost = "1"
-- src/lib.rs --
pub use dep::Level;
pub use dep::Tr as Trait;
pub use dep::sub::*;
#[doc(no_inline)]
pub use dep::free;
pub use dep::secret;
pub use ghost::Spooky;
mod imp {
    pub use dep::sub::f as g;
}
pub use imp::*;
/// Ours.
pub fn shadowed() {}
`)))
	crates, err := Discover(repo)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Extract(t.Context(), repo, crates, Options{})
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]docpack.Symbol{}
	ids := map[string]bool{}
	for _, s := range res.Symbols {
		byPath[s.Path+" "+string(s.SymbolType)] = s
		if ids[s.ID] {
			t.Errorf("duplicate id %s (%s)", s.ID, s.Path)
		}
		ids[s.ID] = true
	}
	want := map[string]string{ // path kind → dependency path
		"top::Level struct":           "dep::Level",
		"top::Level::n field":         "dep::Level::n",
		"top::Level::as_str method":   "dep::Level::as_str",
		"top::Trait trait":            "dep::Tr",
		"top::Trait::go trait_method": "dep::Tr::go",
		"top::f function":             "dep::sub::f",
		"top::only_extra function":    "dep::sub::only_extra",
		"top::g function":             "dep::sub::f", // through a glob of a private module
	}
	for k, from := range want {
		s, ok := byPath[k]
		if !ok {
			t.Errorf("%s: not inlined", k)
			continue
		}
		if s.InlinedFrom == nil || s.InlinedFrom.Crate != "dep" || s.InlinedFrom.Version != "0.2.1" || s.InlinedFrom.Path != from {
			t.Errorf("%s: inlined_from %+v, want dep 0.2.1 %s", k, s.InlinedFrom, from)
		}
		if s.Crate != "top" {
			t.Errorf("%s: crate %q", k, s.Crate)
		}
		path, kind, _ := strings.Cut(k, " ")
		if wantID := docpack.NewID("top", path, docpack.Kind(kind), 1); s.ID != wantID {
			t.Errorf("%s: id %s, want %s (the id rule on the path here)", k, s.ID, wantID)
		}
	}
	if s := byPath["top::Level struct"]; s.DocComments != "A level." || s.File != "src/lib.rs" || s.Name != "Level" {
		t.Errorf("Level: docs %q, file %q, name %q", s.DocComments, s.File, s.Name)
	}
	if s := byPath["top::Level::as_str method"]; byPath["top::Level struct"].ID == "" || s.Parent == "" {
		t.Errorf("as_str has no parent")
	}
	impls := 0
	for _, s := range res.Symbols {
		if s.SymbolType == docpack.KindImpl && s.InlinedFrom != nil {
			impls++
			if p := s.Parent; p != byPath["top::Level struct"].ID && p != byPath["top::Trait trait"].ID {
				t.Errorf("impl %s hangs under %s, not its type or trait", s.Path, p)
			}
		}
	}
	if impls != 3 { // impl Level, impl Clone for Level, impl Tr for u8
		t.Errorf("%d inlined impls, want 3", impls)
	}
	for _, k := range []string{"top::free function", "top::secret function"} {
		if _, ok := byPath[k]; ok {
			t.Errorf("%s inlined (#[doc(no_inline)] / #[doc(hidden)] are not)", k)
		}
	}
	if s := byPath["top::shadowed function"]; s.InlinedFrom != nil || s.DocComments != "Ours." {
		t.Errorf("the crate's own shadowed() was replaced by the glob's: %+v", s)
	}
	var warned []string
	for _, w := range res.Warnings {
		if strings.Contains(w.Message, "ghost") {
			warned = append(warned, w.String())
		}
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "dependency ghost 1 not found") {
		t.Errorf("warnings about the missing dependency: %q", warned)
	}
}

// TestInlineDependencyCycle: path dependencies that lead back to the crate
// (cargo refuses them; doctown reads what it is given) give a warning, not a
// hang waiting on itself.
func TestInlineDependencyCycle(t *testing.T) {
	fakeRegistry(t, "")
	repo := t.TempDir()
	writeTxtar(t, repo, txtar.Parse([]byte(`
-- Cargo.toml --
[workspace]
members = ["a", "b", "selfish"]
-- a/Cargo.toml --
[package]
name = "a"
version = "0.1.0"
[dependencies]
b = { path = "../b" }
-- a/src/lib.rs --
pub use b::B;
pub struct A;
-- b/Cargo.toml --
[package]
name = "b"
version = "0.1.0"
[dependencies]
a = { path = "../a" }
-- b/src/lib.rs --
pub use a::A;
pub struct B;
-- selfish/Cargo.toml --
[package]
name = "selfish"
version = "0.1.0"
[dependencies]
me = { path = ".", package = "selfish" }
-- selfish/src/lib.rs --
pub use me::S as T;
pub struct S;
`)))
	crates, err := Discover(repo)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	res, err := Extract(ctx, repo, crates, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cycles := 0
	for _, w := range res.Warnings {
		if strings.Contains(w.Message, "cycle of path dependencies") {
			cycles++
		}
	}
	if cycles != 3 {
		t.Errorf("%d cycle warnings, want one per crate (3): %v", cycles, res.Warnings)
	}
}
