package pipeline

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/doctown/doctown/docpack"
)

func TestExtractiveDoc(t *testing.T) {
	tests := []struct {
		name string
		sym  docpack.Symbol
		want docpack.Doc
	}{
		{
			name: "sections",
			sym: docpack.Symbol{ID: "a", Name: "parse", SymbolType: docpack.KindFunction, DocComments: strings.Join([]string{
				"Parses a side",
				"length.",
				"",
				"Accepts spaces.",
				"",
				"# Arguments",
				"",
				"* `s` - the text",
				"",
				"# Errors",
				"",
				"Fails on negative input.",
				"",
				"# Panics",
				"Never.",
				"",
				"# Safety",
				"Always safe.",
				"",
				"# Examples",
				"",
				"```",
				"# fn main() {}",
				"parse(\"1\");",
				"```",
				"",
				"## Notes",
				"Other text.",
			}, "\n")},
			want: docpack.Doc{
				SymbolID: "a", Summary: "Parses a side length.", Description: "Accepts spaces.\n\n## Notes\n\nOther text.",
				Parameters: []docpack.ParamDoc{{Name: "s", Description: "the text"}},
				Errors:     "Fails on negative input.", Panics: "Never.", Safety: "Always safe.",
				Examples: []string{"# fn main() {}\nparse(\"1\");"}, Source: docpack.DocFromComments,
			},
		},
		{
			// dtolnay's crate roots (anyhow, semver, syn, thiserror) open
			// with a line of badge images, their definitions and a <br>:
			// no words to summarise. They stay in the description.
			name: "badges before the summary",
			sym: docpack.Symbol{ID: "h", Name: "anyhow", SymbolType: docpack.KindModule, DocComments: strings.Join([]string{
				"[![github]](https://github.com/dtolnay/anyhow)&ensp;[![crates-io]](https://crates.io/crates/anyhow)&ensp;[![docs-rs]](https://docs.rs/anyhow)",
				"",
				"[github]: https://img.shields.io/badge/github-8da0cb",
				"[crates-io]: https://img.shields.io/badge/crates.io-fc8d62",
				"",
				"<br>",
				"",
				"This library provides [`anyhow::Error`][Error], a trait object based error",
				"type.",
				"",
				"More.",
			}, "\n")},
			want: docpack.Doc{
				SymbolID: "h", Summary: "This library provides [`anyhow::Error`][Error], a trait object based error type.",
				Description: "[![github]](https://github.com/dtolnay/anyhow)&ensp;[![crates-io]](https://crates.io/crates/anyhow)&ensp;[![docs-rs]](https://docs.rs/anyhow)\n\n" +
					"[github]: https://img.shields.io/badge/github-8da0cb\n[crates-io]: https://img.shields.io/badge/crates.io-fc8d62\n\n<br>\n\nMore.",
				Source: docpack.DocFromComments,
			},
		},
		{
			name: "an image and words is a summary",
			sym:  docpack.Symbol{ID: "i", Name: "x", DocComments: "![logo](logo.svg) Fast maps.\n\nMore."},
			want: docpack.Doc{SymbolID: "i", Summary: "![logo](logo.svg) Fast maps.", Description: "More.", Source: docpack.DocFromComments},
		},
		{
			name: "badges then code",
			sym:  docpack.Symbol{ID: "k", Name: "x", DocComments: "[![ci]](https://ci)\n\n```\nlet a = 1;\n```"},
			want: docpack.Doc{SymbolID: "k", Summary: "[![ci]](https://ci)", Description: "```\nlet a = 1;\n```", Source: docpack.DocFromComments},
		},
		{
			name: "only badges",
			sym:  docpack.Symbol{ID: "j", Name: "x", DocComments: "[![ci]](https://ci)"},
			want: docpack.Doc{SymbolID: "j", Summary: "[![ci]](https://ci)", Source: docpack.DocFromComments},
		},
		{
			name: "heading inside code block is not a section",
			sym:  docpack.Symbol{ID: "b", Name: "x", DocComments: "Summary.\n\n```\n# Errors\n```"},
			want: docpack.Doc{SymbolID: "b", Summary: "Summary.", Description: "```\n# Errors\n```", Source: docpack.DocFromComments},
		},
		{
			// serde's crate root.
			name: "heading first",
			sym: docpack.Symbol{ID: "h", Name: "serde", SymbolType: docpack.KindModule,
				DocComments: "# Serde\n\nSerde is a framework for *ser*ializing and *de*serializing\nRust data structures.\n\nMore."},
			want: docpack.Doc{SymbolID: "h", Summary: "Serde is a framework for *ser*ializing and *de*serializing Rust data structures.",
				Description: "# Serde\n\nMore.", Source: docpack.DocFromComments},
		},
		{
			name: "deep heading first",
			sym:  docpack.Symbol{ID: "i", Name: "x", DocComments: "### Overview\n\nDoes x."},
			want: docpack.Doc{SymbolID: "i", Summary: "Does x.", Source: docpack.DocFromComments},
		},
		{
			name: "no doc comment",
			sym: docpack.Symbol{ID: "c", Name: "helper", SymbolType: docpack.KindFunction,
				Parameters: []docpack.Parameter{{Name: "self", ParamType: "&self"}, {Name: "count", ParamType: "usize"}}, ReturnType: "Vec<u8>"},
			want: docpack.Doc{SymbolID: "c", Summary: "Function `helper` taking `count: usize` and returning `Vec<u8>` (no doc comment; described from its signature).",
				Returns: "`Vec<u8>`", Source: docpack.DocFromSignature},
		},
		{
			name: "inherited from the trait",
			sym: docpack.Symbol{ID: "j", Name: "fmt", SymbolType: docpack.KindMethod,
				Parameters:    []docpack.Parameter{{Name: "self", ParamType: "&self"}, {Name: "f", ParamType: "&mut fmt::Formatter<'_>"}},
				InheritedDoc:  "Formats the value using the given formatter.\n\n# Examples\n\n```\nformat!(\"{:?}\", x);\n```",
				InheritedFrom: "std::fmt::Debug::fmt"},
			want: docpack.Doc{SymbolID: "j", Summary: "Formats the value using the given formatter.",
				Source: docpack.DocFromInherited, InheritedFrom: "std::fmt::Debug::fmt"},
		},
		{
			name: "own doc over the inherited one",
			sym:  docpack.Symbol{ID: "k", Name: "next", DocComments: "Counts down.", InheritedDoc: "Advances the iterator.", InheritedFrom: "std::iter::Iterator::next"},
			want: docpack.Doc{SymbolID: "k", Summary: "Counts down.", Source: docpack.DocFromComments},
		},
		{
			name: "method without parameters",
			sym: docpack.Symbol{ID: "e", Name: "deref", SymbolType: docpack.KindMethod,
				Parameters: []docpack.Parameter{{Name: "self", ParamType: "&self"}}, ReturnType: "&Self::Target"},
			want: docpack.Doc{SymbolID: "e", Summary: "Method `deref` returning `&Self::Target` (no doc comment; described from its signature).",
				Returns: "`&Self::Target`", Source: docpack.DocFromSignature},
		},
		{
			name: "trait impl",
			sym:  docpack.Symbol{ID: "f", Name: "impl fmt::Display for Error", SymbolType: docpack.KindImpl},
			want: docpack.Doc{SymbolID: "f", Summary: "Implementation of `fmt::Display` for `Error` (no doc comment; described from its signature).", Source: docpack.DocFromSignature},
		},
		{
			name: "inherent impl",
			sym:  docpack.Symbol{ID: "g", Name: "impl<T> Registry<T>", SymbolType: docpack.KindImpl},
			want: docpack.Doc{SymbolID: "g", Summary: "Inherent implementation of `Registry<T>` (no doc comment; described from its signature).", Source: docpack.DocFromSignature},
		},
		{
			name: "struct without docs",
			sym:  docpack.Symbol{ID: "d", Name: "Rect", SymbolType: docpack.KindStruct, Signature: "pub struct Rect"},
			want: docpack.Doc{SymbolID: "d", Summary: "Struct `Rect`: `pub struct Rect` (no doc comment; described from its signature).", Source: docpack.DocFromSignature},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ExtractiveDoc(tt.sym)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ExtractiveDoc()\n got %#v\nwant %#v", got, tt.want)
			}
			// The same text inherited gets the same summary, which
			// docSummary finds without the rest of the doc.
			if got.Source == docpack.DocFromComments {
				inh := tt.sym
				inh.DocComments, inh.InheritedDoc, inh.InheritedFrom = "", tt.sym.DocComments, "x::T::f"
				if d := extractiveDoc(&inh, &summaryCache{}, nil); d.Summary != got.Summary || d.Source != docpack.DocFromInherited {
					t.Errorf("inherited: summary %q (%s), want %q", d.Summary, d.Source, got.Summary)
				}
			}
		})
	}
}

func TestExtractiveGenerateDocumentsEverySymbol(t *testing.T) {
	syms := []docpack.Symbol{{ID: "1", Name: "a"}, {ID: "2", Name: "b", DocComments: "B."}}
	var events []Event
	res, err := Extractive{}.Generate(t.Context(), GenerateInput{Symbols: syms}, func(e Event) { events = append(events, e) })
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Docs) != 2 || res.Docs["2"].Summary != "B." {
		t.Fatalf("docs = %#v", res.Docs)
	}
	last, ok := events[len(events)-1].(StageDone)
	if !ok || last.Stage != StageGenerate || last.Err != nil {
		t.Fatalf("last event = %#v", events[len(events)-1])
	}
}

// TestDescribeSignatureLong: a sentence longer than describeSignature's
// stack buffer (a function of many parameters) is written whole.
func TestDescribeSignatureLong(t *testing.T) {
	s := docpack.Symbol{Name: "f", SymbolType: docpack.KindFunction, ReturnType: "Result<(), Error>"}
	want := "Function `f` taking "
	for i := range 12 {
		name, typ := fmt.Sprintf("arg%d", i), fmt.Sprintf("HashMap<String, Vec<Option<u%d>>>", 8<<(i%4))
		s.Parameters = append(s.Parameters, docpack.Parameter{Name: name, ParamType: typ})
		if i > 0 {
			want += ", "
		}
		want += "`" + name + ": " + typ + "`"
	}
	want += " and returning `Result<(), Error>` (no doc comment; described from its signature)."
	if got := describeSignature(&s, nil); got != want {
		t.Errorf("describeSignature\n got %q\nwant %q", got, want)
	}
	// In a packing worker's scratch, after another doc's strings.
	var scratch docpack.Scratch
	other := scratch.String(func(b []byte) []byte { return append(b, "earlier"...) })
	if got := describeSignature(&s, &scratch); got != want || other != "earlier" {
		t.Errorf("describeSignature in scratch\n got %q (and %q)\nwant %q", got, other, want)
	}
}

// FuzzCodeBlocks holds codeBlocks to the regular expression it replaced.
func FuzzCodeBlocks(f *testing.F) {
	for _, s := range []string{
		"```\nlet x = 1;\n```", "```rust\na\n\n```\ntext\n~~~\nb\n  ~~~", "````\nx\n````", "no code",
		"```\nunclosed", "```no newline", "a ```\nb\n\t```c```\nd\n```", "```\n```\n```", "```\n\n```",
		"~~~\nx\n```\n~~~\ny\n~~~", "```é\n\xff\n ```",
	} {
		f.Add(s)
	}
	re := regexp.MustCompile("(?s)(```|~~~)([^\n]*)\n(.*?)\n[ \t]*(```|~~~)")
	f.Fuzz(func(t *testing.T, s string) {
		var want []string
		for _, m := range re.FindAllStringSubmatch(s, -1) {
			want = append(want, strings.TrimRight(m[3], "\n"))
		}
		if got := codeBlocks(s); !reflect.DeepEqual(got, want) {
			t.Fatalf("codeBlocks(%q)\n got %q\nwant %q", s, got, want)
		}
	})
}
