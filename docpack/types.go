// Package docpack defines the .docpack format: a ZIP holding a manifest, every public
// symbol of a Rust crate and a written doc for each. It has the types, a Writer, and a
// Reader that validates an archive before anything in it is trusted.
//
// DOCPACK_SPEC.md at the repository root is the normative description of version 1.
package docpack

import (
	"time"

	"github.com/doctown/doctown/docpack/cfgexpr"
)

// FormatVersion is the version written into new manifests. Readers accept any
// version with the same major number.
const FormatVersion = "1.2"

// FormatMajor is the major version this package can read.
const FormatMajor = 1

// Kind is a symbol's item kind, as in the symbol_type field.
type Kind string

// The item kinds a docpack can hold.
const (
	KindFunction    Kind = "function"
	KindMethod      Kind = "method"
	KindStruct      Kind = "struct"
	KindEnum        Kind = "enum"
	KindVariant     Kind = "variant"
	KindField       Kind = "field"
	KindTrait       Kind = "trait"
	KindTraitMethod Kind = "trait_method"
	KindImpl        Kind = "impl"
	KindConst       Kind = "const"
	KindStatic      Kind = "static"
	KindTypeAlias   Kind = "type_alias"
	KindMacro       Kind = "macro"
	KindModule      Kind = "module"
	KindUnion       Kind = "union"
	KindAssocType   Kind = "assoc_type"
	KindAssocConst  Kind = "assoc_const"
)

// Kinds lists every Kind in a fixed order (used for tables and validation).
var Kinds = []Kind{
	KindModule, KindStruct, KindEnum, KindVariant, KindField, KindUnion, KindTrait,
	KindTraitMethod, KindImpl, KindFunction, KindMethod, KindConst, KindStatic,
	KindTypeAlias, KindMacro, KindAssocType, KindAssocConst,
}

// Parameter is one parameter of a function or method as written in its signature.
// A receiver is recorded with the name "self" and its written form as the type
// ("&self", "&mut self", "self: Box<Self>").
type Parameter struct {
	Name      string `json:"name"`
	ParamType string `json:"param_type"`
}

// Symbol is one item of a crate's API.
type Symbol struct {
	// ID is stable: derived from crate, qualified path and kind, so the same source
	// gives the same id on every build.
	ID   string `json:"id"`
	Name string `json:"name"`
	// Path is the qualified path, "crate_name::module::Type::method".
	Path  string `json:"path"`
	Crate string `json:"crate"`
	// SymbolType is the item kind.
	SymbolType Kind `json:"symbol_type"`
	// Visibility is "pub", "pub(crate)", "pub(super)", "pub(in path)" or "private".
	Visibility string      `json:"visibility"`
	Signature  string      `json:"signature"`
	Parameters []Parameter `json:"parameters"`
	ReturnType string      `json:"return_type,omitempty"`
	Generics   string      `json:"generics,omitempty"`
	// File is relative to the repository root, with forward slashes.
	File    string `json:"file"`
	Line    int    `json:"line"`
	EndLine int    `json:"end_line"`
	// DocComments is the item's doc text with comment markers removed, lines joined by "\n".
	DocComments string   `json:"doc_comments"`
	Attributes  []string `json:"attributes"`
	// Parent is the id of the enclosing impl, trait, type or module; empty at a crate root.
	Parent string `json:"parent,omitempty"`
	// Dependencies are the type names the signature refers to, sorted, unique.
	Dependencies []string `json:"dependencies"`
	// SourceHash is the hex SHA-256 of the item's source text: the cache key for docs.
	SourceHash string `json:"source_hash"`
	// HasDefault is set on a trait's method, associated type or associated const
	// that has a default (a body or a value): implementors need not write it, so
	// adding it to a trait does not break them.
	HasDefault bool `json:"has_default,omitempty"`
	// PrivateFields is set on a struct or union with a field that is not pub:
	// code outside the crate cannot build it with a struct literal.
	PrivateFields bool `json:"private_fields,omitempty"`
	// Cfg is the cfg predicate the symbol's availability depends on, in
	// rustc's spelling (`all(unix, feature = "net")`), when the build
	// configuration decides it (features, target, custom cfgs); empty when it
	// is always there. Availability renders it as docs.rs's badge.
	Cfg string `json:"cfg,omitempty"`
	// DocCfg is the predicate docs.rs shows as the badge when it is not Cfg
	// (format 1.2): NoDocCfg when docs.rs shows none (the crate does not turn
	// on rustdoc's doc_cfg), or the #[doc(cfg(…))] the crate wrote in place
	// of its #[cfg]s. Empty: docs.rs shows Cfg.
	DocCfg string `json:"doc_cfg,omitempty"`
	// PublicPaths are all the paths the item can be named by from outside the
	// crate (its declaration and every pub re-export), shortest first; Path is
	// the first. Set only when there is more than one.
	PublicPaths []string `json:"public_paths,omitempty"`
	// InlinedFrom is set on an item of another crate that this crate
	// re-exports and rustdoc inlines (`pub use dep::Item`, `pub use dep::*`),
	// and on the items inside it: where it comes from. Its File and Line are
	// in that crate's package (format 1.2).
	InlinedFrom *InlinedFrom `json:"inlined_from,omitempty"`

	// Source is the item's source text. It is not stored in symbols.json; the pipeline
	// carries it to the generators.
	Source string `json:"-"`
	// InheritedDoc is, for an item of a trait impl without doc comments of
	// its own, the doc of the trait's item of that name, which rustdoc shows
	// in its place; InheritedFrom is that trait item's path
	// ("core::fmt::Debug::fmt"). Like Source they are not stored in
	// symbols.json: the generators write the item's doc from them, and the
	// doc records where it came from (Doc.Source "inherited").
	InheritedDoc  string `json:"-"`
	InheritedFrom string `json:"-"`
}

// InlinedFrom names the item of another crate an inlined symbol copies.
type InlinedFrom struct {
	// Crate is the crate's name as its paths spell it ("tracing_core").
	Crate string `json:"crate"`
	// Version is the version of the package the item was read from, when known.
	Version string `json:"version,omitempty"`
	// Path is the item's path in that crate ("tracing_core::metadata::Level").
	Path string `json:"path"`
}

// Doc is the written documentation of one symbol, stored as docs/{symbol_id}.json.
type Doc struct {
	SymbolID    string     `json:"symbol_id"`
	Summary     string     `json:"summary"`
	Description string     `json:"description,omitempty"`
	Parameters  []ParamDoc `json:"parameters,omitempty"`
	Returns     string     `json:"returns,omitempty"`
	Errors      string     `json:"errors,omitempty"`
	Panics      string     `json:"panics,omitempty"`
	Safety      string     `json:"safety,omitempty"`
	Examples    []string   `json:"examples,omitempty"`
	// Links maps each intra-doc link destination of the doc's Markdown, as
	// written, to what it resolved to at build time: a symbol id of this
	// docpack or an https URL (format 1.1; index.DocLinks computes it).
	Links map[string]string `json:"links,omitempty"`
	// Source says how the doc was written: "doc_comment" (extracted from the author's
	// doc comments), "inherited" (the item of a trait impl has no doc comments: the
	// trait item's doc, as rustdoc shows it), "signature" (no doc comment; described
	// from the signature only), or "llm".
	Source string `json:"source"`
	// InheritedFrom is the path of the trait item whose doc an "inherited" doc
	// is ("core::fmt::Debug::fmt", "mycrate::Shape::area"; format 1.1).
	InheritedFrom string `json:"inherited_from,omitempty"`
}

// Doc sources.
const (
	DocFromComments  = "doc_comment"
	DocFromInherited = "inherited"
	DocFromSignature = "signature"
	DocFromLLM       = "llm"
)

// ParamDoc documents one parameter.
type ParamDoc struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Repository says where the documented code came from.
type Repository struct {
	Name      string `json:"name"`
	URL       string `json:"url,omitempty"`
	CommitSHA string `json:"commit_sha,omitempty"`
	Branch    string `json:"branch,omitempty"`
	Ref       string `json:"ref,omitempty"`
	// Path is where the documented directory is inside the repository
	// ("tokio" for the tokio crate of the tokio workspace), when it is not
	// the repository's root: source links put it before each symbol's file
	// (format 1.2).
	Path string `json:"path,omitempty"`
}

// Crate is one crate of the documented repository.
type Crate struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	// Root is the crate's root source file relative to the repository root.
	Root string `json:"root"`
	// Build is the configuration #[cfg] was evaluated in (format 1.1).
	Build *CrateBuild `json:"build,omitempty"`
}

// CrateBuild is the build configuration a crate was documented in, as cargo
// and docs.rs name it.
type CrateBuild struct {
	Target   string   `json:"target"`
	Features []string `json:"features"`
	Cfgs     []string `json:"cfgs,omitempty"`
	// From is "flags" (doctown build --features/--target/--cfg…), "docs.rs"
	// (the crate's [package.metadata.docs.rs]) or "default" (default features,
	// the default target).
	From string `json:"from"`
	// BuildScriptCfgs are the cfgs the crate's build script prints for a
	// current stable rustc, read from its source (doctown runs no build
	// script); they were on in the evaluation too.
	BuildScriptCfgs []string `json:"build_script_cfgs,omitempty"`
}

// GeneratorInfo describes how the docs were written.
type GeneratorInfo struct {
	// Name is "extractive" or "openai".
	Name          string            `json:"name"`
	Model         string            `json:"model,omitempty"`
	PromptVersion string            `json:"prompt_version,omitempty"`
	Settings      map[string]string `json:"settings,omitempty"`
}

// GenerationStats are the numbers of a generation run.
type GenerationStats struct {
	Requests    int     `json:"requests"`
	Batches     int     `json:"batches"`
	TokensIn    int     `json:"tokens_in"`
	TokensOut   int     `json:"tokens_out"`
	CostUSD     float64 `json:"cost_usd"`
	CacheHits   int     `json:"cache_hits"`
	FillRatio   float64 `json:"fill_ratio,omitempty"`
	LinksTotal  int     `json:"links_total,omitempty"`
	LinksResolv int     `json:"links_resolved,omitempty"`
}

// Tool names the program that wrote the docpack.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Manifest is manifest.json.
type Manifest struct {
	Version     string     `json:"version"`
	GeneratedAt time.Time  `json:"generated_at"`
	Repository  Repository `json:"repository"`
	Crates      []Crate    `json:"crates"`
	SymbolCount int        `json:"symbol_count"`
	DocCount    int        `json:"doc_count"`
	// Counts maps a Kind to the number of symbols of that kind.
	Counts    map[Kind]int    `json:"counts"`
	Generator GeneratorInfo   `json:"generator"`
	Stats     GenerationStats `json:"stats"`
	// Fallbacks lists the ids of symbols whose generated doc failed and that got the
	// extractive doc instead.
	Fallbacks []string `json:"fallbacks,omitempty"`
	Warnings  []string `json:"warnings,omitempty"`
	Tool      Tool     `json:"tool"`
}

// Origin is the note a viewer shows above a doc that is not the author's
// words about this item: "(no doc comment: described from the signature)",
// or for an inherited doc where it is from, as rustdoc links a trait-impl
// item's borrowed doc to the trait's ("Read more"); "" for the rest.
func (d Doc) Origin() string {
	switch d.Source {
	case DocFromSignature:
		return "(no doc comment: described from the signature)"
	case DocFromInherited:
		if d.InheritedFrom != "" {
			return "(the doc of " + d.InheritedFrom + ", which this implements)"
		}
		return "(the doc of the trait item this implements)"
	}
	return ""
}

// SourceLabel names where a doc's words come from, for people: "doc
// comments", "inherited from trait", "signature only", "written by a model";
// an unknown source as it is written.
func SourceLabel(source string) string {
	switch source {
	case DocFromComments:
		return "doc comments"
	case DocFromInherited:
		return "inherited from trait"
	case DocFromSignature:
		return "signature only"
	case DocFromLLM:
		return "written by a model"
	}
	return source
}

// Availability is the sentence docs.rs shows for a symbol whose
// availability depends on the build configuration ("Available on crate
// feature `full` only"), or "" when it has no cfg.
func (s Symbol) Availability() string {
	if c := s.ShownCfg(); c != "" {
		return cfgexpr.Sentence(c)
	}
	return ""
}

// NoDocCfg is the DocCfg of a symbol docs.rs shows no badge for: the always
// true predicate.
const NoDocCfg = "all()"

// ShownCfg is the predicate docs.rs badges the symbol with, empty for none:
// DocCfg when set, else Cfg.
func (s Symbol) ShownCfg() string {
	switch s.DocCfg {
	case "":
		return s.Cfg
	case NoDocCfg:
		return ""
	}
	return s.DocCfg
}
