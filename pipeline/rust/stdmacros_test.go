package rust

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/doctown/doctown/docpack"
)

const threadLocalFixture = `
-- Cargo.toml --
[package]
name = "tl"
version = "0.1.0"
edition = "2021"
-- src/lib.rs --
//! Thread-locals.
use std::cell::{Cell, RefCell};

thread_local! {
    /// The counter.
    pub static COUNTER: Cell<u32> = Cell::new(1);
    static PRIVATE: u8 = 0;
    #[doc(hidden)]
    pub static HIDDEN: u8 = 0;
    /// A buffer, const-initialized.
    pub static BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) }
}

pub mod inner {
    std::thread_local!(pub static ONE: u8 = 1);
}
`

// TestThreadLocal: thread_local! gives the constants rustdoc lists for it
// (each pub static a const NAME: LocalKey<T> at the call, with its docs),
// compared with rustdoc's JSON of the same crate.
func TestThreadLocal(t *testing.T) {
	ar := txtar.Parse([]byte(threadLocalFixture))
	dir := filepath.Join(t.TempDir(), "tl")
	writeTxtar(t, dir, ar)
	res := extractRepo(t, dir, Options{})
	want := map[string]string{
		"tl::COUNTER":    "pub const COUNTER: std::thread::LocalKey<Cell<u32>>",
		"tl::BUF":        "pub const BUF: std::thread::LocalKey<RefCell<Vec<u8>>>",
		"tl::inner::ONE": "pub const ONE: std::thread::LocalKey<u8>",
	}
	for _, s := range res.Symbols {
		if s.SymbolType != docpack.KindConst {
			continue
		}
		if w, ok := want[s.Path]; !ok || s.Signature != w {
			t.Errorf("%s: %q, want %q", s.Path, s.Signature, w)
		}
		delete(want, s.Path)
		if s.Path == "tl::COUNTER" && (s.DocComments != "The counter." || s.Line != 4) {
			t.Errorf("COUNTER: docs %q at line %d, want the docs at the call (line 4)", s.DocComments, s.Line)
		}
	}
	for p := range want {
		t.Errorf("no const %s", p)
	}
	if _, err := exec.LookPath("rustdoc"); err != nil {
		requireTools(t, "rustdoc not installed")
	}
	doc := cachedRustdoc(t, "thread_local\x00"+threadLocalFixture, func(out string) string {
		run(t, dir, []string{"RUSTC_BOOTSTRAP=1"}, "rustdoc", "-Z", "unstable-options", "--output-format", "json",
			"--edition", "2021", "--crate-type", "lib", "--crate-name", "tl", "src/lib.rs", "-o", out)
		return filepath.Join(out, "tl.json")
	})
	cs := scoreCrate(t, dir, doc, nil)
	if a := cs.total(cs.all); a.recall() != 1 || a.precision() != 1 || len(cs.docDiff) > 0 {
		t.Errorf("against rustdoc: recall %.3f precision %.3f\nmissed: %s\nextra: %s\ndocs differ: %s", a.recall(), a.precision(),
			strings.Join(append(cs.missed, cs.missedG...), ", "), strings.Join(cs.extra, ", "), strings.Join(cs.docDiff, ", "))
	}
}
