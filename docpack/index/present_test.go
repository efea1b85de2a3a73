package index

import (
	"strings"
	"testing"

	"github.com/doctown/doctown/docpack"
)

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
	if got := strings.Join(rest, " "); got != "" { // rustdoc shows neither
		t.Errorf("rest %q", got)
	}
	if got := KindTitle(docpack.KindTraitMethod); got != "Trait method" {
		t.Errorf("KindTitle %q", got)
	}
}

// TestAttributesDocCfg drops docs.rs's badge markup as a macro's tokens
// render it (syn's "#[doc( cfg( feature = \"full\"))]"): its feature is the
// note, the attribute itself is not repeated.
func TestAttributesDocCfg(t *testing.T) {
	s := docpack.Symbol{Signature: "pub struct ItemFn", Attributes: []string{
		`#[doc( cfg( feature = "full"))]`, `#[ cfg_attr( doc_cfg, doc( cfg( feature = "full")))]`, `#[cfg_attr(docsrs, doc(cfg(unix)))]`, "#[must_use]"}}
	notes, rest := Attributes(s)
	if got := strings.Join(notes, "|"); got != "Available on crate feature full only." {
		t.Errorf("notes %q", got)
	}
	if got := strings.Join(rest, " "); got != "#[must_use]" {
		t.Errorf("rest %q", got)
	}
}

// TestAttributesRustdocShows: the attributes an item's page lists are the
// ones rustdoc writes there, and derives; lints, #[inline] and a crate root's
// #![…] (itertools' root showed #![warn(missing_docs)] #![crate_name=…]) not.
func TestAttributesRustdocShows(t *testing.T) {
	s := docpack.Symbol{Signature: "pub struct S", Attributes: []string{
		"#![warn(missing_docs)]", `#![crate_name = "itertools"]`, "#![no_std]", "#[inline]", "#[allow(clippy::all)]",
		"#[derive(Clone)]", `#[doc(alias = "x")]`, "#[repr(C)]", "#[non_exhaustive]", `#[must_use = "call it"]`,
		"#[unsafe(no_mangle)]", `#[export_name = "e"]`, "#[repr_x]"}}
	_, rest := Attributes(s)
	want := `#[derive(Clone)] #[repr(C)] #[non_exhaustive] #[must_use = "call it"] #[unsafe(no_mangle)] #[export_name = "e"]`
	if got := strings.Join(rest, " "); got != want {
		t.Errorf("rest %q\nwant %q", got, want)
	}
}
