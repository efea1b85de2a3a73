// Package cfgexpr parses Rust `cfg` predicates (`all(unix, feature = "full")`)
// and renders them as the sentence docs.rs shows ("Available on crate feature
// `full` and Unix only"). It is the one parser of the predicate grammar: the
// extractor evaluates what it parses, and viewers render a symbol's `cfg`
// field with Sentence.
package cfgexpr

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Op is the kind of a predicate node.
type Op int

const (
	Name Op = iota // `unix`, or `key = "value"` when HasValue
	All
	Any
	Not
)

// Expr is a parsed cfg predicate.
type Expr struct {
	Op       Op
	Key      string // Name: the option's name
	Value    string // Name with HasValue: the string value
	HasValue bool
	Args     []Expr // All, Any, Not (Not has exactly one)
}

// ErrSyntax is wrapped by every Parse error.
var ErrSyntax = errors.New("cfg syntax")

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 64

// Parse reads a predicate as written inside #[cfg(…)].
func Parse(s string) (Expr, error) {
	p := &parser{s: s}
	e, err := p.expr(0)
	if err != nil {
		return Expr{}, err
	}
	p.skip()
	if p.i < len(p.s) {
		return Expr{}, fmt.Errorf("%w: unexpected %q after predicate", ErrSyntax, p.s[p.i:])
	}
	return e, nil
}

type parser struct {
	s string
	i int
}

func (p *parser) skip() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func isIdentByte(c byte, first bool) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || !first && c >= '0' && c <= '9' || c >= 0x80
}

func (p *parser) ident() string {
	p.skip()
	start := p.i
	if strings.HasPrefix(p.s[p.i:], "r#") {
		p.i += 2
		start = p.i
	}
	for p.i < len(p.s) && isIdentByte(p.s[p.i], p.i == start) {
		p.i++
	}
	return p.s[start:p.i]
}

func (p *parser) expr(depth int) (Expr, error) {
	if depth > maxDepth {
		return Expr{}, fmt.Errorf("%w: nested more than %d deep", ErrSyntax, maxDepth)
	}
	name := p.ident()
	if name == "" {
		if p.i >= len(p.s) {
			return Expr{}, fmt.Errorf("%w: empty predicate", ErrSyntax)
		}
		return Expr{}, fmt.Errorf("%w: unexpected %q", ErrSyntax, p.s[p.i:])
	}
	p.skip()
	if p.i < len(p.s) && p.s[p.i] == '(' && (name == "all" || name == "any" || name == "not") {
		p.i++
		e := Expr{Op: map[string]Op{"all": All, "any": Any, "not": Not}[name], Args: []Expr{}}
		for {
			p.skip()
			if p.i < len(p.s) && p.s[p.i] == ')' {
				p.i++
				break
			}
			a, err := p.expr(depth + 1)
			if err != nil {
				return Expr{}, err
			}
			e.Args = append(e.Args, a)
			p.skip()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.i < len(p.s) && p.s[p.i] == ')' {
				p.i++
				break
			}
			return Expr{}, fmt.Errorf("%w: missing ) in %s(…)", ErrSyntax, name)
		}
		if e.Op == Not && len(e.Args) != 1 {
			return Expr{}, fmt.Errorf("%w: not() takes one predicate, got %d", ErrSyntax, len(e.Args))
		}
		return e, nil
	}
	e := Expr{Op: Name, Key: name}
	if p.i < len(p.s) && p.s[p.i] == '=' {
		p.i++
		p.skip()
		v, err := p.str()
		if err != nil {
			return Expr{}, err
		}
		e.Value, e.HasValue = v, true
	}
	return e, nil
}

// str reads a Rust string literal: "…" with escapes or r#"…"#.
func (p *parser) str() (string, error) {
	rest := p.s[p.i:]
	if strings.HasPrefix(rest, "r") {
		j := 1
		for j < len(rest) && rest[j] == '#' {
			j++
		}
		if j < len(rest) && rest[j] == '"' {
			close := "\"" + strings.Repeat("#", j-1)
			end := strings.Index(rest[j+1:], close)
			if end < 0 {
				return "", fmt.Errorf("%w: unterminated raw string", ErrSyntax)
			}
			p.i += j + 1 + end + len(close)
			return rest[j+1 : j+1+end], nil
		}
	}
	if !strings.HasPrefix(rest, `"`) {
		return "", fmt.Errorf("%w: expected a string after =", ErrSyntax)
	}
	for j := 1; j < len(rest); j++ {
		switch rest[j] {
		case '\\':
			j++
		case '"':
			v, err := strconv.Unquote(rest[:j+1])
			if err != nil {
				v = rest[1:j]
			}
			p.i += j + 1
			return v, nil
		}
	}
	return "", fmt.Errorf("%w: unterminated string", ErrSyntax)
}

// String is the predicate in rustc's canonical spelling: `key = "value"`,
// `all(a, b)`.
func (e Expr) String() string {
	var b strings.Builder
	e.write(&b)
	return b.String()
}

func (e Expr) write(b *strings.Builder) {
	switch e.Op {
	case Name:
		b.WriteString(e.Key)
		if e.HasValue {
			b.WriteString(" = ")
			b.WriteString(strconv.Quote(e.Value))
		}
		return
	case All:
		b.WriteString("all(")
	case Any:
		b.WriteString("any(")
	case Not:
		b.WriteString("not(")
	}
	for i, a := range e.Args {
		if i > 0 {
			b.WriteString(", ")
		}
		a.write(b)
	}
	b.WriteByte(')')
}

// AllOf joins predicates with all(), flattening nested all()s and dropping
// duplicates; one predicate is returned as is.
func AllOf(es ...Expr) Expr {
	var args []Expr
	seen := map[string]bool{}
	var add func(e Expr)
	add = func(e Expr) {
		if e.Op == All {
			for _, a := range e.Args {
				add(a)
			}
			return
		}
		if k := e.String(); !seen[k] {
			seen[k] = true
			args = append(args, e)
		}
	}
	for _, e := range es {
		add(e)
	}
	if len(args) == 1 {
		return args[0]
	}
	return Expr{Op: All, Args: args}
}

// Sentence renders a predicate the way docs.rs badges an item:
// "Available on crate feature `full` only", "Available on Unix and crate
// feature `net` only", "Available on non-Windows only". It returns "" for
// a predicate that does not parse.
func Sentence(pred string) string {
	e, err := Parse(pred)
	if err != nil {
		return ""
	}
	return "Available on " + phrase(e, true) + " only"
}

func allSimple(xs []Expr, simple func(Expr) bool) bool {
	for _, x := range xs {
		if !simple(x) {
			return false
		}
	}
	return true
}

// allFeatures returns the quoted names when every operand is a feature.
func allFeatures(xs []Expr) ([]string, bool) {
	var out []string
	for _, a := range xs {
		if a.Op != Name || a.Key != "feature" || !a.HasValue {
			return nil, false
		}
		out = append(out, "`"+a.Value+"`")
	}
	return out, len(out) > 0
}

// joinPhrases joins operands' phrases; paren puts all()/any() operands in
// parentheses.
func joinPhrases(xs []Expr, sep string, paren bool) string {
	parts := make([]string, len(xs))
	for i, a := range xs {
		parts[i] = phrase(a, false)
		if paren && (a.Op == All || a.Op == Any) {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	return strings.Join(parts, sep)
}

var osNames = map[string]string{
	"linux": "Linux", "windows": "Windows", "macos": "macOS", "ios": "iOS", "android": "Android",
	"freebsd": "FreeBSD", "netbsd": "NetBSD", "openbsd": "OpenBSD", "dragonfly": "DragonFly BSD",
	"illumos": "illumos", "solaris": "Solaris", "fuchsia": "Fuchsia", "redox": "Redox", "wasi": "WASI",
	"haiku": "Haiku", "emscripten": "Emscripten", "hermit": "HermitCore", "aix": "AIX",
	"tvos": "tvOS", "watchos": "watchOS", "visionos": "visionOS", "vxworks": "VxWorks",
	"espidf": "ESP-IDF", "horizon": "Horizon", "hurd": "GNU/Hurd", "nto": "QNX Neutrino",
}

// phrase renders a predicate as rustdoc's Cfg Display does (docs.rs's
// badges, checked against rustdoc's HTML): operands in source order; "crate
// features `a` and `b`" when every operand is a feature; inside all(), any()
// and all() operands in parentheses; inside any(), ", or " when an operand is
// not simple; not(x) as "non-x", not(any(…)) as "neither … nor …", other
// negations as "not (…)".
func phrase(e Expr, top bool) string {
	simple := func(x Expr) bool { return x.Op == Name || x.Op == Not && x.Args[0].Op == Name }
	switch e.Op {
	case Not:
		a := e.Args[0]
		switch a.Op {
		case Name:
			return "non-" + phrase(a, false)
		case Any:
			sep := " nor "
			if !allSimple(a.Args, simple) {
				sep = ", nor "
			}
			return "neither " + joinPhrases(a.Args, sep, false)
		}
		return "not (" + phrase(a, false) + ")"
	case All, Any:
		join := " and "
		if e.Op == Any {
			join = " or "
		}
		if feats, ok := allFeatures(e.Args); ok {
			if len(feats) == 1 {
				return "crate feature " + feats[0]
			}
			return "crate features " + strings.Join(feats[:len(feats)-1], ", ") + join + feats[len(feats)-1]
		}
		if e.Op == Any && !allSimple(e.Args, simple) {
			join = ", or "
		}
		return joinPhrases(e.Args, join, e.Op == All)
	}
	switch e.Key {
	case "feature":
		if e.HasValue {
			return "crate feature `" + e.Value + "`"
		}
	case "unix":
		return "Unix"
	case "windows":
		return "Windows"
	case "doc":
		return "documentation"
	case "target_os":
		if n, ok := osNames[e.Value]; ok {
			return n
		}
	case "target_family":
		switch e.Value {
		case "unix":
			return "Unix"
		case "windows":
			return "Windows"
		case "wasm":
			return "WebAssembly"
		}
	case "target_arch":
		return "target architecture `" + e.Value + "`"
	case "target_pointer_width":
		return e.Value + "-bit"
	case "target_env":
		return "target environment `" + e.Value + "`"
	case "target_endian":
		return e.Value + "-endian"
	case "target_has_atomic":
		return "target with " + e.Value + "-bit atomics"
	case "panic":
		return "panic=" + e.Value
	}
	if e.HasValue {
		return "`" + e.Key + "=" + strconv.Quote(e.Value) + "`"
	}
	return "`" + e.Key + "`"
}

// Features lists the crate features a predicate mentions, sorted.
func (e Expr) Features() []string {
	var out []string
	var walk func(Expr)
	walk = func(x Expr) {
		if x.Op == Name && x.Key == "feature" && x.HasValue && !slices.Contains(out, x.Value) {
			out = append(out, x.Value)
		}
		for _, a := range x.Args {
			walk(a)
		}
	}
	walk(e)
	slices.Sort(out)
	return out
}
