package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/doctown/doctown/pipeline/rust/stddocs"
)

// TestTableMatchesSources regenerates the table from the Rust sources of the
// version it records (Debian's rust-src) and checks that the embedded table
// is what they give: a change to the extractor that changes what std's docs
// read like, or an edited table, fails here until `go generate` is run.
func TestTableMatchesSources(t *testing.T) {
	want := stddocs.Load()
	lib, err := debianLibrary(want.Rust)
	if err != nil {
		if os.Getenv("DOCTOWN_REQUIRE_ALL") == "1" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	got, err := generate(t.Context(), lib, want.Rust)
	if err != nil {
		t.Fatal(err)
	}
	gotJSON, err := encode(got)
	if err != nil {
		t.Fatal(err)
	}
	table, err := os.ReadFile("../table.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gotJSON, table) {
		for key, tr := range got.Traits {
			if w, ok := want.Traits[key]; !ok || len(w.Items) != len(tr.Items) {
				t.Errorf("trait %s differs from the sources", key)
			}
		}
		t.Fatalf("table.json is not what %s gives: run go generate ./pipeline/rust/stddocs", lib)
	}
}

// TestTableCovers checks that the traits rustdoc users meet most are in the
// table with the docs of their items.
func TestTableCovers(t *testing.T) {
	tab := stddocs.Load()
	for _, c := range []struct{ trait, item, kind, starts string }{
		{"fmt::Debug", "fmt", "trait_method", "Formats the value using the given formatter."},
		{"fmt::Display", "fmt", "trait_method", "Formats the value using the given formatter."},
		{"clone::Clone", "clone", "trait_method", "Returns a copy of the value."},
		{"iter::Iterator", "next", "trait_method", "Advances the iterator and returns the next value."},
		{"iter::Iterator", "Item", "assoc_type", "The type of the elements being iterated over."},
		{"convert::From", "from", "trait_method", "Converts to this type from the input type."},
		{"convert::Into", "into", "trait_method", "Converts this type into the (usually inferred) input type."},
		{"default::Default", "default", "trait_method", "Returns the \"default value\" for a type."},
		{"cmp::PartialEq", "eq", "trait_method", "This method tests for `self` and `other` values to be equal"},
		{"hash::Hash", "hash", "trait_method", "Feeds this value into the given [`Hasher`]."},
		{"ops::Deref", "deref", "trait_method", "Dereferences the value."},
		{"ops::Deref", "Target", "assoc_type", "The resulting type after dereferencing."},
		{"ops::Drop", "drop", "trait_method", "Executes the destructor for this type."},
		{"ops::Add", "add", "trait_method", "Performs the `+` operation."},
		{"io::Read", "read", "trait_method", "Pull some bytes from this source into the specified buffer"},
		{"io::Write", "flush", "trait_method", "Flush this output stream"},
		{"future::Future", "poll", "trait_method", "Attempt to resolve the future to a final value"},
		{"error::Error", "source", "trait_method", "The lower-level source of this error, if any."},
		{"str::FromStr", "from_str", "trait_method", "Parses a string `s` to return a value of this type."},
		{"str::FromStr", "Err", "assoc_type", "The associated error which can be returned from parsing."},
		{"convert::AsRef", "as_ref", "trait_method", "Converts this type into a shared reference of the (usually inferred) input type."},
		{"borrow::Borrow", "borrow", "trait_method", "Immutably borrows from an owned value."},
		{"borrow::ToOwned", "to_owned", "trait_method", "Creates owned data from borrowed data"},
		{"any::Any", "type_id", "trait_method", "Gets the `TypeId` of `self`."},
	} {
		_, tr := tab.Trait(c.trait)
		if tr == nil {
			t.Errorf("%s not in the table", c.trait)
			continue
		}
		doc, ok := tr.Item(c.item, c.kind)
		if !ok || !strings.HasPrefix(doc, c.starts) {
			t.Errorf("%s::%s: doc %.60q; want it to start %q", c.trait, c.item, doc, c.starts)
		}
	}
	for name, key := range map[string]string{"Clone": "clone::Clone", "Iterator": "iter::Iterator", "ToString": "string::ToString", "TryFrom": "convert::TryFrom"} {
		if tab.Prelude[name] != key {
			t.Errorf("prelude %s = %q; want %q", name, tab.Prelude[name], key)
		}
	}
	if _, tr := tab.Trait("io::prelude::Read"); tr == nil {
		t.Error("io::prelude::Read: re-export paths not in the table")
	}
}
