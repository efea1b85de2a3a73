package rust

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/doctown/doctown/pipeline/rust/stddocs"
)

// TestInheritedDocs checks that undocumented items of trait impls take the
// trait item's doc, from the crate's traits and from std's table, and that
// the path they record is the trait item's.
func TestInheritedDocs(t *testing.T) {
	ar, err := txtar.ParseFile(filepath.Join("testdata", "inherit.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeTxtar(t, dir, ar)
	res := extractRepo(t, dir, Options{})
	std := stddocs.Load()
	stdDoc := func(trait, item, kind string) string {
		_, tr := std.Trait(trait)
		if tr == nil {
			t.Fatalf("no %s in the std table", trait)
		}
		d, ok := tr.Item(item, kind)
		if !ok {
			t.Fatalf("no %s::%s in the std table", trait, item)
		}
		return d
	}
	type want struct{ doc, from string }
	for k, w := range map[[2]string]want{
		{"inh::impl fmt::Display for Point", "fmt"}:           {stdDoc("fmt::Display", "fmt", "trait_method"), "std::fmt::Display::fmt"},
		{"inh::impl FromStr for Point", "Err"}:                {stdDoc("str::FromStr", "Err", "assoc_type"), "std::str::FromStr::Err"},
		{"inh::impl FromStr for Point", "from_str"}:           {stdDoc("str::FromStr", "from_str", "trait_method"), "std::str::FromStr::from_str"},
		{"inh::impl Iterator for Point", "Item"}:              {stdDoc("iter::Iterator", "Item", "assoc_type"), "std::iter::Iterator::Item"},
		{"inh::impl Iterator for Point", "next"}:              {"", ""}, // documented: its own doc
		{"inh::impl core::ops::Add for Point", "add"}:         {stdDoc("ops::Add", "add", "trait_method"), "core::ops::Add::add"},
		{"inh::impl core::ops::Add for Point", "Output"}:      {stdDoc("ops::Add", "Output", "assoc_type"), "core::ops::Add::Output"},
		{"inh::impl Read for Point", "read"}:                  {stdDoc("io::Read", "read", "trait_method"), "std::io::Read::read"},
		{"inh::impl From<i32> for Point", "from"}:             {stdDoc("convert::From", "from", "trait_method"), "std::convert::From::from"},
		{"inh::impl Debug for Point", "fmt"}:                  {stdDoc("fmt::Debug", "fmt", "trait_method"), "std::fmt::Debug::fmt"},
		{"inh::impl Clone for Point", "clone"}:                {stdDoc("clone::Clone", "clone", "trait_method"), "std::clone::Clone::clone"},
		{"inh::impl PartialEq for Point", "eq"}:               {stdDoc("cmp::PartialEq", "eq", "trait_method"), "std::cmp::PartialEq::eq"},
		{"inh::impl Default for Point", "default"}:            {stdDoc("default::Default", "default", "trait_method"), "std::default::Default::default"},
		{"inh::impl shapes::Shape for Point", "area"}:         {"The area, in square units.", "inh::shapes::Shape::area"},
		{"inh::impl shapes::Shape for Point", "undocumented"}: {"", ""},
		{"inh::impl Named for Point", "NAME"}:                 {"The name.", "inh::Named::NAME"},
		{"inh::shapes::impl Shape for Circle", "area"}:        {"The area, in square units.", "inh::shapes::Shape::area"},
		{"inh::shapes::impl fmt::Debug for Circle", "fmt"}:    {stdDoc("fmt::Debug", "fmt", "trait_method"), "std::fmt::Debug::fmt"},
		{"inh::impl serde::Serialize for Other", "serialize"}: {"", ""},
	} {
		impl, name := k[0], k[1]
		found := false
		for _, im := range res.Symbols {
			if im.Path != impl {
				continue
			}
			for _, s := range res.Symbols {
				if s.Parent != im.ID || s.Name != name {
					continue
				}
				found = true
				if s.InheritedDoc != w.doc || s.InheritedFrom != w.from {
					t.Errorf("%s: %s inherited %q from %q; want %q from %q", impl, name, short(s.InheritedDoc), s.InheritedFrom, short(w.doc), w.from)
				}
			}
		}
		if !found {
			t.Errorf("no %s in %s", name, impl)
		}
	}
}

func short(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + "…"
	}
	return s
}
