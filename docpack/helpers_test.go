package docpack

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// sampleSymbols makes n symbols shaped like a real crate's: modules holding
// structs with impls holding methods, with signatures, doc comments and
// attributes of realistic length.
func sampleSymbols(n int) []Symbol {
	syms := make([]Symbol, 0, n)
	add := func(s Symbol) bool {
		if len(syms) == n {
			return false
		}
		s.Crate = "bench"
		s.ID = NewID(s.Crate, s.Path, s.SymbolType, 1)
		s.File = "src/" + s.File
		s.EndLine = s.Line + 12
		s.SourceHash = fmt.Sprintf("%064x", len(syms)*7919)
		syms = append(syms, s)
		return true
	}
	for m := 0; ; m++ {
		mod := Symbol{Name: fmt.Sprintf("mod%d", m), Path: fmt.Sprintf("bench::mod%d", m), SymbolType: KindModule,
			Visibility: "pub", Signature: fmt.Sprintf("pub mod mod%d", m), File: fmt.Sprintf("mod%d.rs", m), Line: 1,
			DocComments: "Utilities for the benchmark crate.\n\nThis module groups related types."}
		if !add(mod) {
			return syms
		}
		modID := syms[len(syms)-1].ID
		for t := 0; t < 5; t++ {
			ty := fmt.Sprintf("Type%d", t)
			st := Symbol{Name: ty, Path: mod.Path + "::" + ty, SymbolType: KindStruct, Visibility: "pub",
				Signature: "pub struct " + ty + "<T: Clone + Send>", Generics: "<T: Clone + Send>", File: mod.File, Line: 10 + t*100,
				DocComments: "A buffered reader over `T` that keeps the last window in memory.\n\n# Examples\n\n```\nlet r = " + ty + "::new(x);\n```",
				Attributes:  []string{"#[derive(Debug, Clone, PartialEq)]", "#[must_use]"}, Parent: modID, Parameters: []Parameter{}, Dependencies: []string{"T"}}
			if !add(st) {
				return syms
			}
			stID := syms[len(syms)-1].ID
			for k := 0; k < 8; k++ {
				fn := fmt.Sprintf("method_%d", k)
				ms := Symbol{Name: fn, Path: st.Path + "::" + fn, SymbolType: KindMethod, Visibility: "pub",
					Signature:  "pub fn " + fn + "(&mut self, input: &[u8], limit: Option<usize>) -> Result<Vec<T>, Error>",
					Parameters: []Parameter{{Name: "self", ParamType: "&mut self"}, {Name: "input", ParamType: "&[u8]"}, {Name: "limit", ParamType: "Option<usize>"}},
					ReturnType: "Result<Vec<T>, Error>",
					File:       mod.File, Line: 20 + t*100 + k*10,
					DocComments: "Reads up to `limit` items from `input`.\n\n# Errors\n\nReturns an error when the input is truncated.",
					Attributes:  []string{"#[inline]"}, Parent: stID, Dependencies: []string{"Error", "Option", "Result", "T", "Vec"}}
				if !add(ms) {
					return syms
				}
			}
		}
	}
}

func sampleDocs(syms []Symbol) map[string]Doc {
	docs := make(map[string]Doc, len(syms))
	for i, s := range syms {
		d := Doc{SymbolID: s.ID, Summary: "Does the thing " + s.Name + " is named for.", Source: DocFromComments}
		switch i % 3 {
		case 1:
			d.Source = DocFromSignature
		case 2:
			d.Source = DocFromLLM
			d.Description = "A longer description written by a model, a sentence or two about what the item does and when to use it."
			d.Returns = "The items read."
			d.Parameters = []ParamDoc{{Name: "input", Description: "the bytes"}}
		}
		docs[s.ID] = d
	}
	return docs
}

func sampleManifest(syms []Symbol, docs map[string]Doc) *Manifest {
	counts := map[Kind]int{}
	for _, s := range syms {
		counts[s.SymbolType]++
	}
	return &Manifest{
		Version:     FormatVersion,
		GeneratedAt: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		Repository:  Repository{Name: "bench", URL: "https://example.com/bench.git", CommitSHA: "0123456789abcdef0123456789abcdef01234567", Ref: "refs/heads/main"},
		Crates:      []Crate{{Name: "bench", Version: "0.1.0", Root: "src/lib.rs"}},
		SymbolCount: len(syms),
		DocCount:    len(docs),
		Counts:      counts,
		Generator:   GeneratorInfo{Name: "extractive"},
		Tool:        Tool{Name: "doctown", Version: "test"},
	}
}

// samplePack writes a consistent docpack of n symbols and returns its bytes.
func samplePack(tb testing.TB, n int) []byte {
	tb.Helper()
	syms := sampleSymbols(n)
	docs := sampleDocs(syms)
	var buf bytes.Buffer
	if err := Write(&buf, sampleManifest(syms, docs), syms, docs); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func samplePackFile(tb testing.TB, n int) string {
	tb.Helper()
	syms := sampleSymbols(n)
	docs := sampleDocs(syms)
	path := filepath.Join(tb.TempDir(), "sample.docpack")
	if err := WriteFile(path, sampleManifest(syms, docs), syms, docs); err != nil {
		tb.Fatal(err)
	}
	return path
}
