package rust

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/doctown/doctown/docpack"
)

// TestGeneratedSignaturesRealCrates checks the signatures of the items
// macro expansions make in tokio, bitflags and num-traits (and every other
// registry crate): each reads as printed (printSig leaves it as it is, no
// token spacing such as `spawn < T > (future : T)`), so do its attributes
// (`#[cfg(feature = "rt")]`, not `#[ cfg( feature = "rt")]`), and a function's
// parameters are the ones rustdoc lists for the item at that place, by name
// and number.
func TestGeneratedSignaturesRealCrates(t *testing.T) {
	var gen, spaced, fns, sameParams int
	var bad []string
	eachRegistryCrate(t, nil, func(t *testing.T, rc regCrate, doc *rdDoc) {
		res := extractRegistry(t, rc)
		rdFns := map[string][][]string{} // file:line:name → each function's input names there
		for _, it := range doc.Index {
			raw, ok := it.Inner["function"]
			if !ok || it.Span == nil || it.Name == nil {
				continue
			}
			var f struct {
				Sig struct {
					Inputs [][]json.RawMessage `json:"inputs"`
				} `json:"sig"`
			}
			if json.Unmarshal(raw, &f) != nil {
				continue
			}
			var names []string
			for _, in := range f.Sig.Inputs {
				var n string
				if len(in) > 0 && json.Unmarshal(in[0], &n) == nil {
					names = append(names, n)
				}
			}
			k := fmt.Sprintf("%s:%d:%s", it.Span.Filename, it.Span.Begin[0], *it.Name)
			rdFns[k] = append(rdFns[k], names)
		}
		g0, s0 := gen, spaced
		defer func() { t.Logf("%d macro-generated symbols, %d signatures not as printed", gen-g0, spaced-s0) }()
		for _, s := range res.Symbols {
			if !slices.ContainsFunc(s.Attributes, func(a string) bool { return strings.HasPrefix(a, "#[doctown::from_macro(") }) {
				continue
			}
			gen++
			if p := printSig(s.Signature); p != s.Signature || strings.Contains(s.Signature, " :: ") || strings.Contains(s.Signature, " < ") {
				spaced++
				bad = append(bad, fmt.Sprintf("%s %s: %q", rc.name, s.Path, s.Signature))
			}
			for _, a := range s.Attributes {
				if printSig(a) != a {
					spaced++
					bad = append(bad, fmt.Sprintf("%s %s: attribute %q", rc.name, s.Path, a))
				}
			}
			if s.SymbolType != docpack.KindFunction && s.SymbolType != docpack.KindMethod && s.SymbolType != docpack.KindTraitMethod {
				continue
			}
			cands := rdFns[fmt.Sprintf("%s:%d:%s", s.File, s.Line, s.Name)]
			if len(cands) == 0 {
				continue
			}
			fns++
			var ours []string
			for _, p := range s.Parameters {
				if p.Name != "..." { // rustdoc marks a C variadic on the signature, not as an input
					ours = append(ours, p.Name)
				}
			}
			if slices.ContainsFunc(cands, func(rd []string) bool { return slices.Equal(rd, ours) }) {
				sameParams++
			} else if len(bad) < 200 {
				bad = append(bad, fmt.Sprintf("%s %s: parameters %v, rustdoc %v (%q)", rc.name, s.Path, ours, cands[0], s.Signature))
			}
		}
	})
	t.Logf("macro-generated symbols: %d; signatures not as printed: %d; functions matched with rustdoc's: %d, same parameters: %d",
		gen, spaced, fns, sameParams)
	if len(bad) > 0 {
		t.Logf("first %d of %d:\n%s", min(40, len(bad)), len(bad), strings.Join(bad[:min(40, len(bad))], "\n"))
	}
	if spaced > 0 {
		t.Errorf("%d macro-generated signatures are not as printed", spaced)
	}
	if r := ratio(sameParams, fns); fns > 0 && r < 0.99 {
		t.Errorf("parameters agree with rustdoc on %.3f of %d generated functions; want >= 0.99", r, fns)
	}
}
