package rust

import (
	"strings"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/pipeline/rust/macros"
)

// derivedMethod is a method a std derive writes in its impl.
type derivedMethod struct{ name, sig, ret string }

// stdDerives are the derives of the standard library and what their impls
// hold, as rustdoc lists them under "Trait Implementations". PartialEq also
// gives StructuralPartialEq; Eq's hidden assert method is not listed.
var stdDerives = map[string][]derivedMethod{
	"Clone":      {{"clone", "fn clone(&self) -> Self", "Self"}},
	"Copy":       nil,
	"Debug":      {{"fmt", "fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result", "fmt::Result"}},
	"Default":    {{"default", "fn default() -> Self", "Self"}},
	"PartialEq":  {{"eq", "fn eq(&self, other: &Self) -> bool", "bool"}},
	"Eq":         nil,
	"PartialOrd": {{"partial_cmp", "fn partial_cmp(&self, other: &Self) -> Option<Ordering>", "Option<Ordering>"}},
	"Ord":        {{"cmp", "fn cmp(&self, other: &Self) -> Ordering", "Ordering"}},
	"Hash":       {{"hash", "fn hash<__H: Hasher>(&self, state: &mut __H)", ""}},
}

// deriveTraits are the full paths of the traits the std derives implement
// (the derive macros of the prelude share the traits' names, not their
// paths: `Debug` is core::fmt::Debug).
var deriveTraits = map[string]string{
	"Clone": "std::clone::Clone", "Copy": "std::marker::Copy", "Debug": "std::fmt::Debug",
	"Default": "std::default::Default", "PartialEq": "std::cmp::PartialEq", "Eq": "std::cmp::Eq",
	"PartialOrd": "std::cmp::PartialOrd", "Ord": "std::cmp::Ord", "Hash": "std::hash::Hash",
	"StructuralPartialEq": "std::marker::StructuralPartialEq",
}

// derives synthesizes the impls of the std derives written on the type it:
// `#[derive(Clone)] struct Foo<T: Bar>` gives `impl<T: Bar + Clone> Clone
// for Foo<T>`, at the line of the derive's name (where rustdoc puts it),
// marked #[automatically_derived] as rustc marks it, and with the derive
// named in #[doctown::from_macro(derive(Clone))]. Other derives (serde's,
// custom ones) stay recorded in the type's attributes.
func (e *fileExtractor) derives(it *rawItem, p *pending, mod string, parent *rawItem, add func(*rawItem)) {
	if e.noDerives {
		return
	}
	var names []string
	var lines []int
	for _, d := range p.derives {
		for _, n := range deriveNames(d.text) {
			names = append(names, n)
			line := d.line
			if e.lines == nil {
				// rustdoc puts a derived impl at the derive's name.
				if i := strings.Index(d.text, n); i >= 0 {
					line += strings.Count(d.text[:i], "\n")
				}
			}
			lines = append(lines, line)
		}
	}
	if len(names) == 0 {
		return
	}
	params, args := implGenerics(e.fieldTextGenerics(it))
	where := ""
	if w := whereOf(it.sym.Generics); w != "" {
		where = " where " + w
	}
	self := it.sym.Name
	if len(args) > 0 {
		self += "<" + strings.Join(args, ", ") + ">"
	}
	cfgs := cfgAttrs(nil, p.attrs)
	for i, trait := range names {
		methods, ok := stdDerives[trait]
		if !ok {
			continue
		}
		impls := []string{trait}
		if trait == "PartialEq" {
			impls = append(impls, "StructuralPartialEq")
		}
		for _, tr := range impls {
			label := printSig("impl " + tr + " for " + self)
			gen := boundParams(params, trait)
			sig := printSig("impl" + gen + " " + tr + " for " + self + where)
			attrs := append([]string{"#[automatically_derived]", "#[doctown::from_macro(derive(" + trait + "))]"}, cfgs...)
			attrs = append(attrs, e.fromMacro...)
			imp := &rawItem{mod: mod, parent: parent, hidden: it.hidden, impl: &implInfo{label: label, selfType: self, trait: tr, traitPath: deriveTraits[tr]}}
			imp.sym = &itemSym{
				Name: label, SymbolType: docpack.KindImpl, Visibility: it.sym.Visibility,
				Signature: sig, Generics: strings.TrimSpace(gen + where), File: e.rel, Line: lines[i], EndLine: lines[i],
				Attributes: attrs, Source: sig, SourceHash: sha256Hex(sig), Parameters: []docpack.Parameter{},
				Dependencies: []string{it.sym.Name},
			}
			if parent != nil {
				parent.children = append(parent.children, imp)
			}
			if tr == trait {
				for _, m := range methods {
					ms := &rawItem{mod: mod, parent: imp}
					ms.sym = &itemSym{
						Name: m.name, SymbolType: docpack.KindMethod, Visibility: "pub",
						Signature: m.sig, ReturnType: m.ret, File: e.rel, Line: lines[i], EndLine: lines[i],
						Attributes: append([]string{}, attrs[1:2]...), Source: m.sig, SourceHash: sha256Hex(label + m.sig),
						Parameters: methodParams(m.sig), Dependencies: []string{},
					}
					imp.children = append(imp.children, ms)
				}
			}
			add(imp)
		}
	}
}

// fieldTextGenerics is the type's generic parameter list as written.
func (e *fileExtractor) fieldTextGenerics(it *rawItem) string {
	g := it.sym.Generics
	if i := strings.Index(g, "where "); i >= 0 && (i == 0 || g[i-1] == ' ') {
		g = g[:i]
	}
	return strings.TrimSpace(g)
}

// deriveAttr is a #[derive(…)] attribute as written, and its line.
type deriveAttr struct {
	text string
	line int
}

// deriveNames lists the last path segments of a #[derive(…)] attribute.
func deriveNames(attr string) []string {
	s := attr[strings.Index(attr, "(")+1:]
	s = strings.TrimSuffix(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "]")), ")")
	var out []string
	for _, n := range strings.Split(s, ",") {
		n = strings.TrimSpace(n)
		if i := strings.LastIndex(n, "::"); i >= 0 {
			n = strings.TrimSpace(n[i+2:])
		}
		if n != "" {
			out = append(out, n)
		}
	}
	return out
}

// genParam is one generic parameter of a type.
type genParam struct {
	text string // as written, default removed
	kind byte   // 'l' lifetime, 'c' const, 't' type
}

// implGenerics splits `<'a, T: Bar, const N: usize = 3>` into its params and
// the arguments the type is named with ('a, T, N).
func implGenerics(tp string) ([]genParam, []string) {
	tp = strings.TrimSpace(tp)
	if len(tp) < 2 || tp[0] != '<' {
		return nil, nil
	}
	toks, err := macros.Lex(tp[1:len(tp)-1], 1)
	if err != nil {
		return nil, nil
	}
	var params []genParam
	var args []string
	depth := 0
	var cur []macros.Token
	flush := func() {
		if len(cur) == 0 {
			return
		}
		// Drop a default: T = u8, const N: usize = 3.
		d := 0
	scan:
		for i, t := range cur {
			switch {
			case t.Kind == macros.Punct && t.Text == "<":
				d++
			case t.Kind == macros.Punct && t.Text == ">":
				d--
			case t.Kind == macros.Punct && t.Text == "=" && d == 0:
				cur = cur[:i]
				break scan
			}
		}
		text := macros.Render(cur)
		switch {
		case cur[0].Kind == macros.Lifetime:
			params = append(params, genParam{text, 'l'})
			args = append(args, cur[0].Text)
		case cur[0].Kind == macros.Ident && cur[0].Text == "const" && len(cur) > 1:
			params = append(params, genParam{text, 'c'})
			args = append(args, cur[1].Text)
		default:
			params = append(params, genParam{text, 't'})
			args = append(args, cur[0].Text)
		}
		cur = nil
	}
	for _, t := range toks {
		if t.Kind == macros.Punct {
			switch t.Text {
			case "<":
				depth++
			case ">":
				depth--
			case ">>":
				depth -= 2
			case ",":
				if depth == 0 {
					flush()
					continue
				}
			}
		}
		cur = append(cur, t)
	}
	flush()
	return params, args
}

// boundParams writes the impl's generic parameters with the derive's bound
// added to each type parameter, as the std derives do.
func boundParams(params []genParam, trait string) string {
	if len(params) == 0 {
		return ""
	}
	parts := make([]string, len(params))
	for i, p := range params {
		parts[i] = p.text
		if p.kind == 't' {
			if strings.Contains(p.text, ":") {
				parts[i] += " + " + trait
			} else {
				parts[i] += ": " + trait
			}
		}
	}
	return "<" + strings.Join(parts, ", ") + ">"
}

func methodParams(sig string) []docpack.Parameter {
	var out []docpack.Parameter
	if strings.Contains(sig, "&self") {
		out = append(out, docpack.Parameter{Name: "self", ParamType: "&self"})
	}
	if i := strings.Index(sig, "other: "); i >= 0 {
		out = append(out, docpack.Parameter{Name: "other", ParamType: "&Self"})
	}
	if strings.Contains(sig, "f: ") {
		out = append(out, docpack.Parameter{Name: "f", ParamType: "&mut fmt::Formatter<'_>"})
	}
	if strings.Contains(sig, "state: ") {
		out = append(out, docpack.Parameter{Name: "state", ParamType: "&mut __H"})
	}
	if out == nil {
		out = []docpack.Parameter{}
	}
	return out
}
