package rust

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// finishWithin fails the test when f does not return within d.
func finishWithin(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("extraction did not finish within %v", d)
	}
}

// TestMacroExpansion: calls of the crate's own macros are expanded, in
// another module than the definition too (#[macro_use] mod), generated items
// sit at the call and name the macro, and items passed through keep their
// lines.
func TestMacroExpansion(t *testing.T) {
	dir := writeRepo(t, map[string]string{
		"Cargo.toml": cargoToml,
		"src/lib.rs": `#[macro_use]
mod macros;
pub mod num;
items! {
    /// Passed through.
    pub struct Kept;
}
`,
		"src/macros.rs": `macro_rules! impl_zero {
    ($($t:ident)*) => {$(
        impl crate::num::Zero for $t { fn zero() -> Self { 0 } }
    )*};
}
macro_rules! items { ($($i:item)*) => { $($i)* }; }
macro_rules! newtype {
    ($(#[$m:meta])* $name:ident($t:ty)) => {
        $(#[$m])*
        pub struct $name(pub $t);
        impl $name { pub fn get(&self) -> $t { self.0 } }
    };
}
`,
		"src/num.rs": `pub trait Zero { fn zero() -> Self; }
impl_zero!(u8 u16
    u32);
newtype!(
    /// A meter.
    Meters(f64));
`,
	})
	res := extractRepo(t, dir, Options{})
	var got []string
	for _, s := range res.Symbols {
		got = append(got, s.File+":"+itoa(s.Line)+" "+string(s.SymbolType)+" "+s.Path)
		if strings.HasPrefix(s.Path, "demo::num::Meters") && s.SymbolType == "struct" {
			if s.DocComments != "A meter." || !slices.Contains(s.Attributes, "#[doctown::from_macro(newtype)]") {
				t.Errorf("Meters: docs %q attrs %v", s.DocComments, s.Attributes)
			}
		}
	}
	for _, w := range []string{
		"src/num.rs:2 impl demo::num::impl crate::num::Zero for u8",
		"src/num.rs:2 impl demo::num::impl crate::num::Zero for u16",
		"src/num.rs:2 impl demo::num::impl crate::num::Zero for u32",
		"src/num.rs:4 struct demo::num::Meters",
		"src/num.rs:4 method demo::num::Meters::get",
		"src/lib.rs:6 struct demo::Kept",
	} {
		if !slices.Contains(got, w) {
			t.Errorf("missing %q in\n%s", w, strings.Join(got, "\n"))
		}
	}
	if len(res.Warnings) > 0 {
		t.Errorf("warnings: %v", res.Warnings)
	}
}

// hugeSize is the token tree of the "huge" case: over the 2 MB a call may
// have to be lexed, in a file under the default 4 MiB cap (a larger file is
// not read at all), so it is the worst a default build meets.
var hugeSize = 3 << 20

// TestHostileMacroCrates: a macro that expands forever, a 3 MB token tree (and
// a 12 MB one in a module file over the default cap)
// and mismatched delimiters each give a warning naming the macro (or the
// file) and the rest of the crate, in bounded time.
func TestHostileMacroCrates(t *testing.T) {
	huge := "eat! {" + strings.Repeat(" pub fn f(x: u8) -> [u8; 4] { [x, x, x, x] }\n", hugeSize/48) + "}\n"
	cases := []struct {
		name, lib, warn string
	}{
		{"infinite", "macro_rules! forever { () => { forever!(); }; }\nforever!();\npub struct After;\n", "macro forever: recursion limit"},
		{"doubling", "macro_rules! boom { ($($t:tt)*) => { boom!($($t)* $($t)*); }; }\nboom!(x);\npub struct After;\n", "macro boom:"},
		{"huge", "macro_rules! eat { ($($t:tt)*) => { pub struct Ate; }; }\n" + huge + "pub struct After;\n", "macro eat not expanded: the call is"},
		// 10 MB in a module file: over the default file cap, so the file is
		// skipped with a warning, never read into a tree.
		{"10 MB module", "mod big;\npub struct After;\n", "src/big.rs: skipped: file is"},
		{"mismatched", "macro_rules! m { ($($t:tt)*) => { $($t)* }; }\nm! { pub struct In; ) }\npub struct After;\n", "mismatched delimiter"},
		{"no rule", "macro_rules! only { (u8) => {}; }\nonly! { pub struct Body; }\npub struct After;\n", "no rule of only matches"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := map[string]string{"Cargo.toml": cargoToml, "src/lib.rs": c.lib}
			if c.name == "10 MB module" {
				files["src/big.rs"] = strings.Repeat(huge, 4) // 12 MB
			}
			dir := writeRepo(t, files)
			var res *Result
			finishWithin(t, 60*time.Second, func() {
				res = extractRepo(t, dir, Options{})
			})
			if !slices.Contains(symbolPaths(res), "demo::After") {
				t.Errorf("the rest of the crate is lost: %v", symbolPaths(res))
			}
			ws := strings.Join(warningStrings(res), "\n")
			if c.warn != "" && !strings.Contains(ws, c.warn) {
				t.Errorf("warnings %q do not contain %q", ws, c.warn)
			}
			if c.warn == "" && ws == "" {
				t.Error("no warning")
			}
		})
	}
}

// TestMacroDefiningMacros: a macro whose expansion defines a macro named by
// the call (petgraph's trait_template!, in one module) makes a definition the
// calls in another module use.
func TestMacroDefiningMacros(t *testing.T) {
	dir := writeRepo(t, map[string]string{
		"Cargo.toml": cargoToml,
		"src/lib.rs": `#[macro_use]
mod macros;
pub mod traits;
pub mod wrap;
`,
		"src/macros.rs": `macro_rules! trait_template {
    ($(#[$doc:meta])* pub trait $name:ident { $($body:tt)* }) => {
        macro_rules! $name {
            ($m:ident $extra:tt) => { $m! { $extra pub trait $name { $($body)* } } }
        }
        $(#[$doc])*
        pub trait $name { $($body)* }
    };
}
macro_rules! delegate_impl {
    ([$wrapper:ident] pub trait $name:ident { fn $f:ident(&self) -> $r:ty; }) => {
        impl<T: $name> $name for $wrapper<T> { fn $f(&self) -> $r { self.0.$f() } }
    };
}
`,
		"src/traits.rs": `trait_template! {
    /// Counts.
    pub trait Count { fn count(&self) -> usize; }
}
`,
		"src/wrap.rs": `/// A wrapper.
pub struct Wrap<T>(pub T);
Count! {delegate_impl [Wrap]}
`,
	})
	res := extractRepo(t, dir, Options{})
	paths := symbolPaths(res)
	for _, want := range []string{"demo::traits::Count", "demo::wrap::Wrap::count"} {
		if !slices.Contains(paths, want) {
			t.Errorf("%s missing: %v (warnings %v)", want, paths, res.Warnings)
		}
	}
}

// TestDependencyMacros: a call of a macro the crate does not define is
// expanded with its dependency's #[macro_export]ed definition, read from the
// local registry (CARGO_HOME's, the highest version there: 1.10.0 over
// 1.9.0), helpers the macro calls included; bitflags!-style calls, which hold
// no items as written, are expanded too.
func TestDependencyMacros(t *testing.T) {
	home := t.TempDir()
	t.Setenv("CARGO_HOME", home)
	reg := filepath.Join(home, "registry", "src", "index.example-1")
	for ver, body := range map[string]string{
		"1.9.0":  `#[macro_export] macro_rules! bitflags { ($($t:tt)*) => {}; }`,
		"1.10.0": "#[macro_export]\nmacro_rules! bitflags {\n    (pub struct $name:ident: $t:ty { $(const $f:ident = $v:expr;)* }) => {\n        pub struct $name { bits: $t }\n        __flag_consts! { $name $($f = $v;)* }\n    };\n}\n#[macro_export]\n#[doc(hidden)]\nmacro_rules! __flag_consts {\n    ($name:ident $($f:ident = $v:expr;)*) => {\n        impl $name { $(pub const $f: Self = Self { bits: $v };)* }\n    };\n}\n",
	} {
		d := filepath.Join(reg, "flagset-"+ver, "src")
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "lib.rs"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir := writeRepo(t, map[string]string{
		"Cargo.toml": cargoToml + "\n[dependencies]\nflags = { package = \"flagset\", version = \"1\" }\n",
		"src/lib.rs": `use flags::bitflags;
bitflags! {
    pub struct Mode: u8 {
        const READ = 1;
        const WRITE = 2;
    }
}
`,
	})
	res := extractRepo(t, dir, Options{})
	paths := symbolPaths(res)
	for _, want := range []string{"demo::Mode", "demo::Mode::READ", "demo::Mode::WRITE"} {
		if !slices.Contains(paths, want) {
			t.Errorf("%s missing: %v (warnings %v)", want, paths, res.Warnings)
		}
	}
}
