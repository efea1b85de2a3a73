package rust

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/doctown/doctown/docpack"

	"github.com/rogpeppe/go-internal/txtar"
)

// TestSymbolCfg checks the availability predicate each symbol carries: its
// own configuration-dependent #[cfg]s and its modules' and parents', not
// doc/test/debug_assertions.
func TestSymbolCfg(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	writeTxtar(t, dir, txtar.Parse([]byte(`
-- Cargo.toml --
[package]
name = "badge"
version = "0.1.0"
[features]
full = []
-- src/lib.rs --
#![cfg_attr(docsrs, feature(doc_cfg))]
#[cfg(feature = "full")]
pub mod m {
    #[cfg(unix)]
    pub fn f() {}
    pub struct S { pub x: u8 }
}
#[cfg(not(test))]
pub fn always() {}
#[cfg(all(unix, debug_assertions))]
pub fn unix_only() {}
`)))
	crates, err := Discover(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Extract(t.Context(), dir, crates, Options{Build: BuildConfig{Features: []string{"full"}, Target: "x86_64-unknown-linux-gnu"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"badge::m":         `feature = "full"`,
		"badge::m::f":      `all(feature = "full", unix)`,
		"badge::m::S::x":   `feature = "full"`,
		"badge::always":    "",
		"badge::unix_only": `all(unix, debug_assertions)`,
	}
	seen := 0
	for _, s := range res.Symbols {
		w, ok := want[s.Path]
		if !ok {
			continue
		}
		seen++
		if s.Cfg != w {
			t.Errorf("%s: cfg %q, want %q", s.Path, s.Cfg, w)
		}
	}
	if seen != len(want) {
		t.Errorf("found %d of %d symbols: %v", seen, len(want), res.Symbols)
	}
	for _, s := range res.Symbols {
		if s.Path == "badge::m::f" && s.Availability() != "Available on crate feature `full` and Unix only" {
			t.Errorf("Availability = %q", s.Availability())
		}
	}
}

// TestSymbolCfgAgainstRustdoc checks each symbol's availability sentence
// against the badge rustdoc's HTML shows for it (docs.rs's rendering, with
// --cfg docsrs and the crate's #![cfg_attr(docsrs, feature(doc_cfg))]; then
// without that line, when rustdoc shows no badge at all): an item's
// #[doc(cfg(…))] in place of its #[cfg]s; items under #[cfg]s of their own,
// of their modules, of an inlined re-export, of what a macro's expansion
// writes on them; none for items of a cfg_if! arm or of a macro call that
// carries the #[cfg] (rustc strips the call, the items never get the cfg).
func TestSymbolCfgAgainstRustdoc(t *testing.T) {
	if _, err := exec.LookPath("rustdoc"); err != nil {
		requireTools(t, "rustdoc not installed")
	}
	cfgIf, err := os.ReadFile(filepath.Join(registryCrate(t, "cfg-if"), "src", "lib.rs"))
	if err != nil {
		t.Fatal(err)
	}
	// The real cfg_if! of the cfg-if crate, defined in the fixture (rustdoc
	// runs without cargo; $crate::cfg_if! is spelled cfg_if! in one crate).
	def := regexp.MustCompile(`(?s)#\[macro_export\]\s*macro_rules! cfg_if \{.*?\n\}\n`).Find(cfgIf)
	if def == nil {
		t.Fatal("no macro_rules! cfg_if in the cfg-if sources")
	}
	def = bytes.ReplaceAll(def, []byte("$crate::cfg_if!"), []byte("cfg_if!"))
	dir := filepath.Join(t.TempDir(), "repo")
	writeTxtar(t, dir, txtar.Parse([]byte(`
-- Cargo.toml --
[package]
name = "badge"
version = "0.1.0"
[features]
default = ["std"]
std = []
alloc = []
net = []
-- src/lib.rs --
#![cfg_attr(docsrs, feature(doc_cfg))]
include!("cfg_if.rs");

/// A doc(cfg) in place of its cfgs: docs.rs shows only std.
#[cfg(all(feature = "std", not(loom)))]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub fn explicit() {}

cfg_if! {
    if #[cfg(feature = "std")] {
        /// In the std arm.
        pub fn in_std() {}
        /// A module declared in an arm.
        pub mod arm_mod {
            /// Inside it.
            pub fn inside() {}
        }
    } else {
        pub fn in_else() {}
    }
}
mod inner {
    /// Re-exported under a feature.
    pub struct Gated;
    /// Re-exported plainly.
    pub struct Plain;
}
#[cfg(feature = "std")]
pub use inner::Gated;
pub use inner::Plain;

/// Its own cfg.
#[cfg(all(unix, feature = "std"))]
pub fn direct() {}

#[cfg(feature = "std")]
pub mod gated_mod {
    /// In a module with a cfg.
    pub fn in_gated_mod() {}
    /// And one of its own.
    #[cfg(target_os = "linux")]
    pub fn linux_too() {}
}

macro_rules! cfg_net {
    ($($item:item)*) => {
        $(
            #[cfg(feature = "std")]
            $item
        )*
    }
}
cfg_net! {
    /// The macro puts the cfg on the item.
    pub struct FromMacro;
}
macro_rules! plain {
    ($($item:item)*) => { $( $item )* }
}
#[cfg(feature = "std")]
plain! {
    /// The cfg is on the call.
    pub fn on_call() {}
}
`)))
	if err := os.WriteFile(filepath.Join(dir, "src", "cfg_if.rs"), def, 0o644); err != nil {
		t.Fatal(err)
	}
	// As docs.rs builds it (--cfg docsrs turns doc_cfg on), then without
	// doc_cfg: no badge at all.
	for _, docCfg := range []bool{true, false} {
		checked := badgesAgainstRustdoc(t, dir, docCfg)
		if checked < 10 {
			t.Errorf("doc_cfg %v: checked %d symbols, want the fixture's 10", docCfg, checked)
		}
	}
}

// badgesAgainstRustdoc compares the availability sentence of each function
// and struct of the crate at dir with the badge on its rustdoc page; with
// docCfg false the crate's #![cfg_attr(docsrs, feature(doc_cfg))] is taken
// out first. It returns the number of symbols compared.
func badgesAgainstRustdoc(t *testing.T, dir string, docCfg bool) int {
	t.Helper()
	if !docCfg {
		plain := filepath.Join(t.TempDir(), "repo")
		if err := os.CopyFS(plain, os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
		lib := filepath.Join(plain, "src", "lib.rs")
		src, err := os.ReadFile(lib)
		if err != nil {
			t.Fatal(err)
		}
		src = bytes.Replace(src, []byte("#![cfg_attr(docsrs, feature(doc_cfg))]"), nil, 1)
		src = bytes.Replace(src, []byte("#[cfg_attr(docsrs, doc(cfg(feature = \"std\")))]"), nil, 1)
		if err := os.WriteFile(lib, src, 0o644); err != nil {
			t.Fatal(err)
		}
		dir = plain
	}
	out := t.TempDir()
	run(t, dir, []string{"RUSTC_BOOTSTRAP=1"}, "rustdoc", "-Z", "unstable-options", "--cfg", "docsrs",
		"--edition", "2021", "--crate-type", "lib", "--crate-name", "badge", "--cfg", `feature="std"`, "src/lib.rs", "-o", out)
	crates, err := Discover(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Extract(t.Context(), dir, crates, Options{Build: BuildConfig{Features: []string{"std"}}})
	if err != nil {
		t.Fatal(err)
	}
	page := map[docpack.Kind]string{docpack.KindFunction: "fn", docpack.KindStruct: "struct"}
	badgeRe := regexp.MustCompile(`(?s)item-decl">.*?</pre>(?:<span class="item-info"><div class="stab portability">(.*?)</div>)?`)
	tagRe := regexp.MustCompile(`<[^>]*>`)
	checked := 0
	for _, s := range res.Symbols {
		prefix, ok := page[s.SymbolType]
		if !ok {
			continue
		}
		segs := strings.Split(s.Path, "::")
		file := filepath.Join(append([]string{out}, segs[:len(segs)-1]...)...)
		html, err := os.ReadFile(filepath.Join(file, prefix+"."+segs[len(segs)-1]+".html"))
		if err != nil {
			t.Errorf("%s: no rustdoc page: %v", s.Path, err)
			continue
		}
		m := badgeRe.FindSubmatch(html)
		if m == nil {
			t.Errorf("%s: no item declaration in rustdoc's page", s.Path)
			continue
		}
		want := strings.TrimSuffix(tagRe.ReplaceAllString(string(m[1]), ""), ".")
		got := strings.ReplaceAll(s.Availability(), "`", "")
		if got != want {
			t.Errorf("doc_cfg %v: %s: availability %q (cfg %q, doc_cfg %q), rustdoc shows %q", docCfg, s.Path, got, s.Cfg, s.DocCfg, want)
		}
		checked++
	}
	return checked

}
