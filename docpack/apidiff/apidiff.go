// Package apidiff compares the public API of two docpacks: the items added,
// removed, moved and changed between them, grouped by module, with a semver
// verdict. It is pure: it reads the two symbol lists (and, when given, their
// docs) and nothing else, so the CLI, the relay and the TUI show one answer.
//
// The rules are written down in DOCPACK_SPEC.md §8; Rules lists them in code.
package apidiff

import (
	"cmp"
	"slices"
	"strings"

	"github.com/doctown/doctown/docpack"
)

// Severity is what a change means for a crate's version number.
type Severity int

// Severities, in increasing order.
const (
	None Severity = iota
	Patch
	Minor
	Major
)

var severityNames = [...]string{"none", "patch", "minor", "major"}

func (s Severity) String() string { return severityNames[s] }

// ParseSeverity reads "major", "minor", "patch" or "none".
func ParseSeverity(v string) (Severity, bool) {
	for i, n := range severityNames {
		if n == v {
			return Severity(i), true
		}
	}
	return None, false
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity's name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, ok := ParseSeverity(string(b))
	if !ok {
		return &severityError{string(b)}
	}
	*s = v
	return nil
}

type severityError struct{ v string }

func (e *severityError) Error() string {
	return "unknown severity " + e.v + " (want major, minor, patch or none)"
}

// Kind says what happened to an item.
type Kind string

// Change kinds.
const (
	Added   Kind = "added"
	Removed Kind = "removed"
	Moved   Kind = "moved"
	Changed Kind = "changed"
)

// Aspect names one thing that changed about an item kept at its path.
type Aspect string

// Aspects of a changed item.
const (
	AspectSignature  Aspect = "signature"
	AspectVisibility Aspect = "visibility"
	AspectGenerics   Aspect = "generics"
	AspectCfg        Aspect = "cfg"
	AspectDeprecated Aspect = "deprecation"
	AspectExhaustive Aspect = "non_exhaustive"
	AspectFields     Aspect = "fields"
	AspectDefault    Aspect = "default"
	AspectDocs       Aspect = "docs"
)

// Change is one entry of a diff.
type Change struct {
	Kind Kind `json:"kind"`
	// Path is the item's path on the new side (the old side for a removal);
	// OldPath is set for a move.
	Path    string `json:"path"`
	OldPath string `json:"old_path,omitempty"`
	// ID is the item's id on the new side (the old side for a removal).
	ID         string       `json:"id"`
	SymbolType docpack.Kind `json:"symbol_type"`
	Severity   Severity     `json:"severity"`
	// Reason is the rule that decided the severity, in words.
	Reason  string   `json:"reason"`
	Aspects []Aspect `json:"aspects,omitempty"`
	// Old and New are the signatures on each side (one of them for an
	// addition or removal).
	Old string `json:"old,omitempty"`
	New string `json:"new,omitempty"`

	module string
}

// Module is the changes of one module, by path.
type Module struct {
	Path    string   `json:"path"`
	Changes []Change `json:"changes"`
}

// Counts are the numbers of changes of each kind.
type Counts struct {
	Added   int `json:"added"`
	Removed int `json:"removed"`
	Moved   int `json:"moved"`
	Changed int `json:"changed"`
}

// Total is the number of changes.
func (c Counts) Total() int { return c.Added + c.Removed + c.Moved + c.Changed }

// Report is the diff of two docpacks.
type Report struct {
	Verdict Severity `json:"verdict"`
	Counts  Counts   `json:"counts"`
	// Modules are sorted by path; each module's changes by path.
	Modules []Module `json:"modules"`
}

// Empty reports whether nothing public changed.
func (r *Report) Empty() bool { return r.Counts.Total() == 0 }

// Changes returns every change in module order.
func (r *Report) Changes() []Change {
	var out []Change
	for _, m := range r.Modules {
		out = append(out, m.Changes...)
	}
	return out
}

// Input is one side of a diff.
type Input struct {
	Symbols []docpack.Symbol
	// Docs, when set, gives each symbol's written doc; a changed summary or
	// description then counts as a docs change as the doc comments do.
	Docs func(id string) (docpack.Doc, bool)
}

// side indexes one Input.
type side struct {
	in   Input
	byID map[string]*docpack.Symbol
	// kids indexes children by parent id, built when a rename is looked for.
	kids map[string][]*docpack.Symbol
}

func index(in Input) *side {
	s := &side{in: in, byID: make(map[string]*docpack.Symbol, len(in.Symbols))}
	for i := range in.Symbols {
		s.byID[in.Symbols[i].ID] = &in.Symbols[i]
	}
	return s
}

// public is whether an item is part of the API: pub, and under a public
// parent (an item of a pub(crate) module is not).
func (s *side) public(sym *docpack.Symbol) bool {
	for depth := 0; sym != nil && depth < 64; depth++ {
		if sym.Visibility != "pub" && sym.SymbolType != docpack.KindImpl {
			return false
		}
		if sym.Parent == "" {
			return true
		}
		sym = s.byID[sym.Parent]
	}
	return true
}

// module is the path of the module an item sits in (itself for a module).
func (s *side) module(sym *docpack.Symbol) string {
	for depth := 0; sym != nil && depth < 64; depth++ {
		if sym.SymbolType == docpack.KindModule {
			return sym.Path
		}
		sym = s.byID[sym.Parent]
	}
	return ""
}

// Diff compares old with new.
func Diff(oldIn, newIn Input) *Report {
	o, n := index(oldIn), index(newIn)
	var changes []Change
	var removed, added []*docpack.Symbol
	for i := range o.in.Symbols {
		os := &o.in.Symbols[i]
		ns := n.byID[os.ID]
		op := o.public(os)
		np := ns != nil && n.public(ns)
		switch {
		case op && !np && ns == nil:
			removed = append(removed, os)
		case op && !np:
			c := Change{Kind: Changed, Path: ns.Path, ID: ns.ID, SymbolType: ns.SymbolType,
				Severity: Major, Reason: "no longer public (" + ns.Visibility + ")", Aspects: []Aspect{AspectVisibility},
				Old: os.Signature, New: ns.Signature}
			c.module = o.module(os)
			changes = append(changes, c)
		case !op && np:
			c := Change{Kind: Changed, Path: ns.Path, ID: ns.ID, SymbolType: ns.SymbolType,
				Severity: Minor, Reason: "made public", Aspects: []Aspect{AspectVisibility},
				Old: os.Signature, New: ns.Signature}
			c.module = n.module(ns)
			changes = append(changes, c)
		case op && np:
			if c, ok := compare(o, n, os, ns); ok {
				c.module = n.module(ns)
				changes = append(changes, c)
			}
		}
	}
	for i := range n.in.Symbols {
		ns := &n.in.Symbols[i]
		if o.byID[ns.ID] == nil && n.public(ns) {
			added = append(added, ns)
		}
	}
	moves, follow := matchMoves(o, n, removed, added)
	for _, os := range removed {
		parentGone := o.byID[os.Parent] != nil && n.byID[os.Parent] == nil
		if ns, ok := moves[os]; ok {
			if parentGone && n.byID[ns.Parent] != nil && o.byID[ns.Parent] == nil {
				continue // moved with its parent, whose move says it
			}
			if follow[os] {
				continue // an impl of a renamed type, whose rename says it
			}
			reason := "moved: the old path no longer exists"
			if os.Name != ns.Name {
				reason = "renamed: the old name no longer exists"
			}
			c := Change{Kind: Moved, Path: ns.Path, OldPath: os.Path, ID: ns.ID, SymbolType: ns.SymbolType,
				Severity: Major, Reason: reason, Old: os.Signature, New: ns.Signature}
			c.module = n.module(ns)
			changes = append(changes, c)
			continue
		}
		if parentGone {
			continue // its parent's removal (or move) says it
		}
		c := Change{Kind: Removed, Path: os.Path, ID: os.ID, SymbolType: os.SymbolType,
			Severity: Major, Reason: "removed public item", Old: os.Signature}
		c.module = o.module(os)
		changes = append(changes, c)
	}
	moved := make(map[*docpack.Symbol]bool, len(moves))
	for _, ns := range moves {
		moved[ns] = true
	}
	for _, ns := range added {
		if moved[ns] {
			continue
		}
		p := n.byID[ns.Parent]
		if p != nil && o.byID[p.ID] == nil {
			continue // its parent's addition says it
		}
		c := Change{Kind: Added, Path: ns.Path, ID: ns.ID, SymbolType: ns.SymbolType, New: ns.Signature}
		c.Severity, c.Reason = addedSeverity(ns, p, o)
		c.module = n.module(ns)
		changes = append(changes, c)
	}
	return group(changes)
}

// addedSeverity applies the rules for a new item: minor, unless existing
// users' code stops compiling because of it.
func addedSeverity(ns, parent *docpack.Symbol, o *side) (Severity, string) {
	if parent == nil {
		return Minor, "new public item"
	}
	op := o.byID[parent.ID]
	switch {
	case parent.SymbolType == docpack.KindTrait && isTraitItem(ns.SymbolType) && !ns.HasDefault:
		return Major, "new required trait item without a default: implementors break"
	case parent.SymbolType == docpack.KindEnum && ns.SymbolType == docpack.KindVariant:
		if hasAttr(op.Attributes, "non_exhaustive") || hasAttr(parent.Attributes, "non_exhaustive") {
			return Minor, "new variant of a #[non_exhaustive] enum"
		}
		return Major, "new variant of an exhaustive enum: exhaustive matches break"
	case ns.SymbolType == docpack.KindField && (parent.SymbolType == docpack.KindStruct || parent.SymbolType == docpack.KindVariant) &&
		!op.PrivateFields && !hasAttr(op.Attributes, "non_exhaustive"):
		return Major, "new field of a struct built with literals: literals break"
	}
	return Minor, "new public item"
}

func isTraitItem(k docpack.Kind) bool {
	return k == docpack.KindTraitMethod || k == docpack.KindAssocType || k == docpack.KindAssocConst
}

// compare lists what changed about an item kept under its id.
func compare(o, n *side, os, ns *docpack.Symbol) (Change, bool) {
	c := Change{Kind: Changed, Path: ns.Path, ID: ns.ID, SymbolType: ns.SymbolType}
	bump := func(s Severity, a Aspect, reason string) {
		c.Aspects = append(c.Aspects, a)
		if s > c.Severity {
			c.Severity, c.Reason = s, reason
		}
	}
	if os.Signature != ns.Signature && normSig(os.Signature) != normSig(ns.Signature) {
		c.Old, c.New = os.Signature, ns.Signature
		reason := "changed signature"
		if isFn(ns.SymbolType) {
			reason = "changed function signature"
		}
		bump(Major, AspectSignature, reason)
	}
	if os.Generics != ns.Generics && normSig(os.Generics) != normSig(ns.Generics) {
		bump(Major, AspectGenerics, "changed generics")
	}
	oc, nc := cfgOf(os), cfgOf(ns)
	if !slices.Equal(oc, nc) {
		if narrowed(oc, nc) {
			bump(Major, AspectCfg, "narrowed cfg: "+cfgText(nc))
		} else {
			bump(Minor, AspectCfg, "widened cfg")
		}
	}
	if od, nd := hasAttr(os.Attributes, "deprecated"), hasAttr(ns.Attributes, "deprecated"); od != nd {
		if nd {
			bump(Minor, AspectDeprecated, "deprecated")
		} else {
			bump(Minor, AspectDeprecated, "no longer deprecated")
		}
	}
	if oe, ne := hasAttr(os.Attributes, "non_exhaustive"), hasAttr(ns.Attributes, "non_exhaustive"); oe != ne {
		if ne {
			bump(Major, AspectExhaustive, "made #[non_exhaustive]: literals and exhaustive matches break")
		} else {
			bump(Minor, AspectExhaustive, "no longer #[non_exhaustive]")
		}
	}
	if os.PrivateFields != ns.PrivateFields {
		if ns.PrivateFields {
			bump(Major, AspectFields, "new private field: no longer constructible outside the crate")
		} else {
			bump(Minor, AspectFields, "every field public: constructible outside the crate")
		}
	}
	if isTraitItem(ns.SymbolType) && os.HasDefault != ns.HasDefault {
		if os.HasDefault {
			bump(Major, AspectDefault, "default removed: implementors must now write it")
		} else {
			bump(Minor, AspectDefault, "default added")
		}
	}
	if docsChanged(o, n, os, ns) {
		bump(Patch, AspectDocs, "docs changed")
	}
	return c, len(c.Aspects) > 0
}

func isFn(k docpack.Kind) bool {
	return k == docpack.KindFunction || k == docpack.KindMethod || k == docpack.KindTraitMethod
}

func docsChanged(o, n *side, os, ns *docpack.Symbol) bool {
	if strings.TrimSpace(os.DocComments) != strings.TrimSpace(ns.DocComments) {
		return true
	}
	if o.in.Docs == nil || n.in.Docs == nil {
		return false
	}
	od, ok1 := o.in.Docs(os.ID)
	nd, ok2 := n.in.Docs(ns.ID)
	return ok1 != ok2 || od.Summary != nd.Summary || od.Description != nd.Description
}

// normSig makes signatures that differ only in spacing equal.
func normSig(s string) string { return strings.Join(strings.Fields(s), " ") }

// hasAttr reports whether attrs hold #[name] or #[name(…)] / #[name = …].
func hasAttr(attrs []string, name string) bool {
	for _, a := range attrs {
		a = strings.TrimSpace(strings.TrimPrefix(a, "#["))
		if rest, ok := strings.CutPrefix(a, name); ok && (rest == "" || strings.ContainsAny(rest[:1], "(]= ")) {
			return true
		}
	}
	return false
}

// cfgOf is an item's cfg conditions, normalized and sorted: each #[cfg(…)]
// attribute's predicate.
func cfgOf(s *docpack.Symbol) []string {
	var out []string
	for _, a := range s.Attributes {
		a = strings.TrimSpace(a)
		if p, ok := strings.CutPrefix(a, "#[cfg("); ok {
			out = append(out, normSig(strings.TrimSuffix(p, ")]")))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// narrowed reports whether the new conditions may exclude a configuration the
// old ones allowed: some new condition is not among the old ones. Conditions
// are compared as written, so a rewritten but equivalent predicate counts as
// narrowed (the verdict errs towards major).
func narrowed(old, new []string) bool {
	for _, c := range new {
		if _, ok := slices.BinarySearch(old, c); !ok {
			return true
		}
	}
	return false
}

func cfgText(c []string) string {
	if len(c) == 1 {
		return "cfg(" + c[0] + ")"
	}
	return "cfg(all(" + strings.Join(c, ", ") + "))"
}

// matchMoves pairs removed items with added ones: first those of the same
// kind and name carrying the same source hash, then the same signature (a
// move to another path), then — for what is left — a rename in place: the
// same kind under the same parent with the same signature once each side's
// own name is blanked out (the source hash covers the name, so a rename never
// keeps it). Each side is used once; ambiguous candidates of a move (two
// added items fitting one removed item) are matched in path order, while a
// rename is only inferred when it is the one fit on both sides. The impls of
// a renamed type or trait are paired too (`impl Old` with `impl New`) and
// returned in follow: they are not listed, the type's rename says it.
func matchMoves(o, n *side, removed, added []*docpack.Symbol) (moves map[*docpack.Symbol]*docpack.Symbol, follow map[*docpack.Symbol]bool) {
	if len(removed) == 0 || len(added) == 0 {
		return nil, nil
	}
	type key struct {
		kind docpack.Kind
		name string
		v    string
	}
	byHash := map[key][]*docpack.Symbol{}
	bySig := map[key][]*docpack.Symbol{}
	for _, a := range added {
		if a.SourceHash != "" {
			k := key{a.SymbolType, a.Name, a.SourceHash}
			byHash[k] = append(byHash[k], a)
		}
		k := key{a.SymbolType, a.Name, normSig(a.Signature)}
		bySig[k] = append(bySig[k], a)
	}
	used := map[*docpack.Symbol]bool{}
	out := map[*docpack.Symbol]*docpack.Symbol{}
	take := func(cands []*docpack.Symbol) *docpack.Symbol {
		for _, c := range cands {
			if !used[c] {
				used[c] = true
				return c
			}
		}
		return nil
	}
	var rest []*docpack.Symbol
	for _, r := range removed {
		if r.SourceHash != "" {
			if a := take(byHash[key{r.SymbolType, r.Name, r.SourceHash}]); a != nil {
				out[r] = a
				continue
			}
		}
		rest = append(rest, r)
	}
	var unmatched []*docpack.Symbol
	for _, r := range rest {
		if a := take(bySig[key{r.SymbolType, r.Name, normSig(r.Signature)}]); a != nil {
			out[r] = a
			continue
		}
		unmatched = append(unmatched, r)
	}
	// Renames: keyed by (kind, parent id, signature without the name).
	if len(unmatched) == 0 {
		return out, nil
	}
	renAdded := map[key][]*docpack.Symbol{}
	for _, a := range added {
		if v := n.renameKey(a); !used[a] && v != "" {
			k := key{a.SymbolType, a.Parent, v}
			renAdded[k] = append(renAdded[k], a)
		}
	}
	renRemoved := map[key][]*docpack.Symbol{}
	for _, r := range unmatched {
		if v := o.renameKey(r); v != "" {
			k := key{r.SymbolType, r.Parent, v}
			renRemoved[k] = append(renRemoved[k], r)
		}
	}
	var renamedTypes [][2]string
	for k, rs := range renRemoved {
		if as := renAdded[k]; len(rs) == 1 && len(as) == 1 && rs[0].Name != as[0].Name {
			out[rs[0]], used[as[0]] = as[0], true
			if isType(k.kind) {
				renamedTypes = append(renamedTypes, [2]string{rs[0].Name, as[0].Name})
			}
		}
	}
	// The impls of a renamed type (or trait) follow it: `impl Old` is
	// `impl New`, under the same parent.
	if len(renamedTypes) == 0 {
		return out, nil
	}
	slices.SortFunc(renamedTypes, func(a, b [2]string) int { return cmp.Compare(a[0], b[0]) })
	implsAdded := map[key][]*docpack.Symbol{}
	for _, a := range added {
		if !used[a] && a.SymbolType == docpack.KindImpl {
			k := key{a.SymbolType, a.Parent, a.Name}
			implsAdded[k] = append(implsAdded[k], a)
		}
	}
	follow = map[*docpack.Symbol]bool{}
	for _, r := range unmatched {
		if r.SymbolType != docpack.KindImpl || out[r] != nil {
			continue
		}
		name := r.Name
		for _, rt := range renamedTypes {
			name = replaceWord(name, rt[0], rt[1])
		}
		if name == r.Name {
			continue
		}
		if a := take(implsAdded[key{r.SymbolType, r.Parent, name}]); a != nil {
			out[r], follow[r] = a, true
		}
	}
	return out, follow
}

func isType(k docpack.Kind) bool {
	switch k {
	case docpack.KindStruct, docpack.KindEnum, docpack.KindUnion, docpack.KindTrait, docpack.KindTypeAlias:
		return true
	}
	return false
}

// replaceWord replaces old in s wherever it stands as a whole word.
func replaceWord(s, old, new string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && isIdentByte(s[j]) {
			j++
		}
		if j > i {
			if w := s[i:j]; w == old {
				b.WriteString(new)
			} else {
				b.WriteString(w)
			}
			i = j
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// renameKey is what an item and its renamed copy have in common: the
// signature, up to spacing, with the item's own name blanked out wherever it
// stands as a word — and, when that signature is only keywords and the name
// (`pub struct S`, a unit variant), the item's children (name, kind and
// signature each) or else its doc comments, so two bare items are not taken
// for one renamed. It is "" (no rename inferred) for an item at the root, one
// whose signature does not name it, or one with nothing else to compare.
func (sd *side) renameKey(s *docpack.Symbol) string {
	if s.Name == "" || s.Parent == "" {
		return ""
	}
	sig := normSig(s.Signature)
	var b strings.Builder
	found, other := false, false
	for i := 0; i < len(sig); {
		if isIdentByte(sig[i]) {
			j := i
			for j < len(sig) && isIdentByte(sig[j]) {
				j++
			}
			w := sig[i:j]
			switch {
			case w == s.Name || w == "r#"+s.Name:
				found = true
				b.WriteByte(0)
			default:
				if !sigKeywords[w] {
					other = true
				}
				b.WriteString(w)
			}
			i = j
			continue
		}
		if sig[i] != ' ' {
			other = true
		}
		b.WriteByte(sig[i])
		i++
	}
	switch {
	case !found:
		return ""
	case other:
		return b.String()
	}
	if kids := sd.childShape(s.ID); kids != "" {
		return b.String() + "\x01" + kids
	}
	if d := strings.TrimSpace(s.DocComments); d != "" {
		return b.String() + "\x02" + d
	}
	return ""
}

// childShape lists an item's children (kind, name, signature), sorted; ""
// for an item without any.
func (sd *side) childShape(id string) string {
	if sd.kids == nil {
		sd.kids = map[string][]*docpack.Symbol{}
		for i := range sd.in.Symbols {
			c := &sd.in.Symbols[i]
			if c.Parent != "" {
				sd.kids[c.Parent] = append(sd.kids[c.Parent], c)
			}
		}
	}
	var parts []string
	for _, c := range sd.kids[id] {
		parts = append(parts, string(c.SymbolType)+" "+c.Name+" "+normSig(c.Signature))
	}
	slices.Sort(parts)
	return strings.Join(parts, "\n")
}

func isIdentByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c >= 0x80
}

// sigKeywords are the words of a signature that say nothing about the item's
// shape beyond its kind.
var sigKeywords = map[string]bool{
	"pub": true, "crate": true, "super": true, "in": true,
	"struct": true, "enum": true, "union": true, "trait": true, "type": true, "mod": true,
	"fn": true, "const": true, "static": true, "unsafe": true, "async": true,
	"extern": true, "macro_rules": true, "auto": true, "default": true,
}

func group(changes []Change) *Report {
	r := &Report{Modules: []Module{}}
	slices.SortFunc(changes, func(a, b Change) int {
		return cmp.Or(cmp.Compare(a.module, b.module), cmp.Compare(a.Path, b.Path),
			cmp.Compare(a.SymbolType, b.SymbolType), cmp.Compare(a.ID, b.ID))
	})
	for _, c := range changes {
		m := c.module
		if len(r.Modules) == 0 || r.Modules[len(r.Modules)-1].Path != m {
			r.Modules = append(r.Modules, Module{Path: m})
		}
		last := &r.Modules[len(r.Modules)-1]
		last.Changes = append(last.Changes, c)
		r.Verdict = max(r.Verdict, c.Severity)
		switch c.Kind {
		case Added:
			r.Counts.Added++
		case Removed:
			r.Counts.Removed++
		case Moved:
			r.Counts.Moved++
		case Changed:
			r.Counts.Changed++
		}
	}
	return r
}
