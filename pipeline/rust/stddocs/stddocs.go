// Package stddocs is the table of the standard library's trait-item docs that
// an undocumented item of `impl Trait for T` inherits, as rustdoc shows the
// trait's doc on such an item ("Formats the value using the given formatter."
// on every `fmt` of `impl Debug`).
//
// The table, table.json, is generated from the Rust sources of the standard
// library (Debian's rust-src, or rustup's rust-src component) by doctown's own
// extractor: `go generate ./pipeline/rust/stddocs` runs ./gen, and gen's test
// checks that the checked-in table is what those sources give. It is embedded
// rather than read from an installed toolchain at build time so that a docpack
// does not depend on the machine that built it (a RunPod worker has no
// rust-src) and the same source always gives the same docs.
package stddocs

import (
	_ "embed"
	"encoding/json"
	"strings"
	"sync"
)

//go:generate go run ./gen -o table.json

//go:embed table.json
var tableJSON []byte

// Table is the generated table.
type Table struct {
	// Rust is the version of the library sources the table was generated from.
	Rust string `json:"rust"`
	// Traits are the public traits of core, alloc and std by their path inside
	// their crate ("fmt::Debug", "io::Read"): the facade std re-exports core's
	// and alloc's modules under the same names, so std::fmt::Debug and
	// core::fmt::Debug are both "fmt::Debug".
	Traits map[string]*Trait `json:"traits"`
	// Paths are the traits' other public paths (re-exports such as
	// "io::prelude::Read"), each to its key in Traits.
	Paths map[string]string `json:"paths"`
	// Prelude maps the name of each trait in the 2021 prelude of std to its key.
	Prelude map[string]string `json:"prelude"`
}

// Trait is one trait: its crate and the docs of its items.
type Trait struct {
	Crate string `json:"crate"` // "core", "alloc" or "std"
	Items []Item `json:"items"`
}

// Item is a documented item of a trait: a method, an associated type or an
// associated constant.
type Item struct {
	Name string `json:"name"`
	// Kind is "trait_method", "assoc_type" or "assoc_const".
	Kind string `json:"kind"`
	Doc  string `json:"doc"`
}

var table = sync.OnceValue(func() *Table {
	t := &Table{}
	if err := json.Unmarshal(tableJSON, t); err != nil {
		panic("stddocs: embedded table: " + err.Error())
	}
	return t
})

// Load returns the embedded table.
func Load() *Table { return table() }

// Roots reports whether name is one of the crates the table covers.
func Roots(name string) bool { return name == "std" || name == "core" || name == "alloc" }

// Trait finds a trait by its path without the crate ("fmt::Debug") or by
// another public path of it, and returns its key in Traits.
func (t *Table) Trait(path string) (string, *Trait) {
	if tr, ok := t.Traits[path]; ok {
		return path, tr
	}
	if k, ok := t.Paths[path]; ok {
		return k, t.Traits[k]
	}
	return "", nil
}

// Item returns the doc of the trait's item name of kind kind.
func (tr *Trait) Item(name, kind string) (string, bool) {
	for _, it := range tr.Items {
		if it.Name == name && it.Kind == kind {
			return it.Doc, true
		}
	}
	return "", false
}

// Split splits a path that starts at std, core or alloc into the crate and the
// rest ("std::fmt::Debug" → "std", "fmt::Debug"); ok is false for other paths.
func Split(path string) (root, rest string, ok bool) {
	root, rest, ok = strings.Cut(strings.TrimPrefix(path, "::"), "::")
	return root, rest, ok && Roots(root)
}
