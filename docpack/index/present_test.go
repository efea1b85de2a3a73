package index

import (
	"strings"
	"testing"

	"github.com/doctown/doctown/docpack"
)

func TestCleanRustdoc(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"reference link and hidden lines",
			"See [`Error`][crate::Error].\n\n```\n# use anyhow::Result;\nlet x = 1;\n#\n```\n\n```text\n# kept\n```",
			"See `Error`.\n\n```rust\nlet x = 1;\n```\n\n```text\n# kept\n```"},
		{"intra-doc inline link", "returning a [`JoinHandle`](super::JoinHandle) for it", "returning a `JoinHandle` for it"},
		{"web link kept", "See [std](https://doc.rust-lang.org/std/) and [below](#examples).", "See [std](https://doc.rust-lang.org/std/) and [below](#examples)."},
		{"shortcut links", "the [`Runtime`] and [task::spawn] functions; [x]: not this", "the `Runtime` and task::spawn functions; [x]: not this"},
		{"rustdoc fence tags", "```no_run\n# fn main() {}\nrun();\n```\n```compile_fail,E0277\nbad();\n```", "```rust\nrun();\n```\n```rust\nbad();\n```"},
		{"links in code untouched", "```\nlet v = [a][0];\n```", "```rust\nlet v = [a][0];\n```"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CleanRustdoc(tc.in); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestAttributes(t *testing.T) {
	s := docpack.Symbol{
		Signature: "#[derive(Debug)]\npub struct JoinHandle<T>",
		Attributes: []string{"#[track_caller]", "#[doctown::from_macro(cfg_rt)]", "#[doctown::from_macro(cfg_rt)]",
			`#[cfg_attr(docsrs, doc(cfg(feature = "rt")))]`, `#[cfg(feature = "rt")]`, "#[derive(Debug)]", "#[cfg(not(loom))]"},
	}
	notes, rest := Attributes(s)
	if got := strings.Join(notes, "|"); got != "Available on crate feature rt only." {
		t.Errorf("notes %q", got)
	}
	if got := strings.Join(rest, " "); got != "#[track_caller] #[cfg(not(loom))]" {
		t.Errorf("rest %q", got)
	}
	if got := KindTitle(docpack.KindTraitMethod); got != "Trait method" {
		t.Errorf("KindTitle %q", got)
	}
}
