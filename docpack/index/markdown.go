package index

import (
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/doctown/doctown/docpack"
)

// Link is one link of a doc comment as rustdoc reads it.
type Link struct {
	// Text is the link text as written, backticks kept: "`Uniform`".
	Text string
	// Dest is where it points: an intra-doc path ("crate::de", "Vec::new",
	// "struct@Foo") or a URL.
	Dest string
}

// IntraDoc reports whether the link is an intra-doc path rather than a URL or
// an anchor.
func (l Link) IntraDoc() bool { return IsIntraDocPath(l.Dest) }

var (
	intraPath = regexp.MustCompile(`^(?:[a-z]+@)?(?:::)?[A-Za-z_][A-Za-z0-9_]*(?:<[^\[\]]*>)?(?:::[A-Za-z_][A-Za-z0-9_]*(?:<[^\[\]]*>)?)*(?:\(\)|!(?:\(\)|\[\]|\{\})?)?(?:#[A-Za-z0-9_.-]+)?$`)
	// refDef is a reference definition; "[^1]: …" is a footnote's, not one.
	refDef = regexp.MustCompile(`^ {0,3}\[([^\]^][^\]]*)\]:\s*(\S+)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*$`)
)

// IsIntraDocPath reports whether a link destination is a Rust path as rustdoc
// resolves it ("Vec::new", "crate::de", "fn@spawn", "vec!", "Read::read()")
// rather than a URL, a file or an anchor.
func IsIntraDocPath(dest string) bool {
	d := strings.Trim(strings.TrimSpace(dest), "`")
	if d == "" || strings.Contains(d, "://") || strings.HasPrefix(d, "#") || strings.HasPrefix(d, "mailto:") {
		return false
	}
	return intraPath.MatchString(d)
}

// Rewrite rewrites rustdoc markdown for a viewer. Every link outside code
// (inline "[text](dest)", reference "[text][label]" and "[text][]", shortcut
// "[`Name`]" or "[label]" with a definition) is replaced by what link returns
// for it; reference definitions ("[label]: dest") are consumed, since their
// links are rewritten in place. Code spans and fenced code are never touched,
// except that rust code blocks lose their hidden lines (docpack.ShownExample)
// and fences with no language or rustdoc's tags (no_run, should_panic, …) are
// marked rust. link nil keeps each link as CommonMark with its destination.
func Rewrite(md string, link func(Link) string) string {
	if link == nil {
		link = func(l Link) string { return "[" + l.Text + "](" + l.Dest + ")" }
	}
	lines := strings.Split(md, "\n")
	defs := map[string]string{}
	inCode := false
	fence := ""
	for _, ln := range lines {
		t := strings.TrimSpace(ln)
		if f := fenceOf(t); f != "" && (!inCode || strings.HasPrefix(t, fence) && strings.TrimLeft(t, fence[:1]) == "") {
			inCode, fence = !inCode, f
			continue
		}
		if !inCode {
			if m := refDef.FindStringSubmatch(ln); m != nil {
				if _, dup := defs[normLabel(m[1])]; !dup {
					defs[normLabel(m[1])] = strings.Trim(m[2], "<>")
				}
			}
		}
	}
	out := make([]string, 0, len(lines))
	inCode, fence = false, ""
	var code []string
	rust := false
	// Prose is rewritten a paragraph at a time: a code span may run over a
	// line break ("`cargo rustc --\n--pretty=expanded`" in syn), and read
	// line by line its closing backtick would open a span swallowing the
	// links after it.
	var para []string
	flush := func() {
		if len(para) > 0 {
			out = append(out, rewriteLine(strings.Join(para, "\n"), defs, link))
			para = para[:0]
		}
	}
	for _, ln := range lines {
		t := strings.TrimSpace(ln)
		if f := fenceOf(t); f != "" && (!inCode || strings.HasPrefix(t, fence) && strings.TrimLeft(t, fence[:1]) == "") {
			flush()
			if !inCode {
				lang := strings.TrimSpace(strings.TrimLeft(t, f[:1]))
				rust = isRustFence(lang)
				if rust && lang != "rust" {
					ln = ln[:strings.Index(ln, f)] + f + "rust"
				}
				out = append(out, ln)
				inCode, fence, code = true, f, code[:0]
				continue
			}
			body := strings.Join(code, "\n")
			if rust {
				body = docpack.ShownExample(body)
			}
			if len(code) > 0 && (body != "" || !rust) {
				out = append(out, body)
			}
			out = append(out, ln)
			inCode = false
			continue
		}
		if inCode {
			code = append(code, ln)
			continue
		}
		if refDef.MatchString(ln) {
			flush()
			continue
		}
		if t == "" {
			flush()
			out = append(out, ln)
			continue
		}
		para = append(para, ln)
	}
	flush()
	if inCode { // an unclosed fence runs to the end, as CommonMark reads it
		out = append(out, code...)
	}
	return strings.Join(out, "\n")
}

// fenceOf returns the fence a line opens or closes ("```", "~~~~"), or "".
func fenceOf(t string) string {
	for _, c := range []byte{'`', '~'} {
		n := 0
		for n < len(t) && t[n] == c {
			n++
		}
		if n >= 3 {
			if c == '`' && strings.Contains(t[n:], "`") {
				return ""
			}
			return t[:n]
		}
	}
	return ""
}

func normLabel(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// mapProse copies a line of prose, escapes and code spans as they are, and
// at every other byte asks at for a replacement: ok, the text written for
// ln[i:n].
func mapProse(ln string, at func(i int) (n int, text string, ok bool)) string {
	var b strings.Builder
	for i := 0; i < len(ln); {
		switch c := ln[i]; {
		case c == '\\' && i+1 < len(ln):
			b.WriteString(ln[i : i+2])
			i += 2
			continue
		case c == '`':
			end := codeSpanEnd(ln, i)
			b.WriteString(ln[i:end])
			i = end
			continue
		}
		if n, text, ok := at(i); ok {
			b.WriteString(text)
			i = n
			continue
		}
		b.WriteByte(ln[i])
		i++
	}
	return b.String()
}

// inlineImages writes the reference images of prose whose label the text
// defines (`![github]`, `![logo][img]`) as inline images: Rewrite drops the
// reference definitions, and a crate's badge line ("[![github]](…)") would
// be left as brackets. Other images, code spans and escapes stay as they are.
func inlineImages(ln string, defs map[string]string) string {
	if !strings.Contains(ln, "![") {
		return ln
	}
	return mapProse(ln, func(i int) (int, string, bool) {
		if ln[i] != '!' || i+1 >= len(ln) || ln[i+1] != '[' {
			return 0, "", false
		}
		j := closeBracket(ln, i+1)
		if j < 0 || strings.HasPrefix(ln[j+1:], "(") {
			return 0, "", false
		}
		alt, label, end := ln[i+2:j], ln[i+2:j], j+1
		if strings.HasPrefix(ln[j+1:], "[") {
			if k := strings.IndexByte(ln[j+1:], ']'); k > 0 {
				if l := ln[j+2 : j+1+k]; l != "" {
					label = l
				}
				end = j + 2 + k
			}
		}
		dest, ok := defs[normLabel(label)]
		return end, "![" + alt + "](" + dest + ")", ok
	})
}

// rewriteLine rewrites the links of one line of prose.
func rewriteLine(ln string, defs map[string]string, link func(Link) string) string {
	ln = inlineImages(ln, defs)
	if !strings.Contains(ln, "[") {
		return ln
	}
	return mapProse(ln, func(i int) (int, string, bool) {
		if ln[i] != '[' || i > 0 && ln[i-1] == '!' {
			return 0, "", false
		}
		n, l, ok := linkAt(ln, i, defs)
		if !ok {
			return 0, "", false
		}
		return n, link(l), true
	})
}

// codeSpanEnd returns the end of the code span that starts at i (a run of
// backticks closed by a run of the same length), or the end of the backtick
// run when it is never closed.
func codeSpanEnd(s string, i int) int {
	n := 0
	for i+n < len(s) && s[i+n] == '`' {
		n++
	}
	run := s[i : i+n]
	for j := i + n; j < len(s); {
		k := strings.Index(s[j:], run)
		if k < 0 {
			break
		}
		k += j
		m := 0
		for k+m < len(s) && s[k+m] == '`' {
			m++
		}
		if m == n {
			return k + n
		}
		j = k + m
	}
	return i + n
}

// closeBracket finds the "]" closing the "[" at i, skipping code spans, escapes
// and nested brackets; -1 when the line has none.
func closeBracket(s string, i int) int {
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '`':
			j = codeSpanEnd(s, j) - 1
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// linkAt reads a link starting with the "[" at i; it returns where the link
// ends and the link, or false when the brackets are not a link.
func linkAt(s string, i int, defs map[string]string) (int, Link, bool) {
	j := closeBracket(s, i)
	if j < 0 {
		return 0, Link{}, false
	}
	text := s[i+1 : j]
	rest := s[j+1:]
	switch {
	case strings.HasPrefix(rest, "("):
		depth, k := 0, -1
		for n := 0; n < len(rest); n++ {
			if rest[n] == '(' {
				depth++
			} else if rest[n] == ')' {
				depth--
				if depth == 0 {
					k = n
					break
				}
			}
		}
		if k < 0 {
			return 0, Link{}, false
		}
		dest := strings.TrimSpace(rest[1:k])
		if sp := strings.IndexAny(dest, " \t"); sp >= 0 {
			dest = dest[:sp] // a title follows
		}
		return j + 1 + k + 1, Link{Text: text, Dest: strings.Trim(dest, "<>")}, true
	case strings.HasPrefix(rest, "["):
		k := strings.IndexByte(rest, ']')
		if k < 0 {
			return 0, Link{}, false
		}
		label := rest[1:k]
		if strings.TrimSpace(label) == "" {
			label = text
		}
		if d, ok := defs[normLabel(label)]; ok {
			return j + 1 + k + 1, Link{Text: text, Dest: d}, true
		}
		if p := strings.Trim(label, "`"); IsIntraDocPath(p) {
			return j + 1 + k + 1, Link{Text: text, Dest: p}, true
		}
		return 0, Link{}, false
	}
	if strings.TrimSpace(text) == "" || strings.HasPrefix(rest, ":") && defLike(s, i, rest) {
		return 0, Link{}, false
	}
	if t := strings.TrimSpace(text); (t == "x" || t == "X") && strings.TrimSpace(s[:i]) != "" && strings.Trim(strings.TrimSpace(s[:i]), "-*+") == "" {
		return 0, Link{}, false // a task list's checkbox
	}
	if d, ok := defs[normLabel(text)]; ok {
		return j + 1, Link{Text: text, Dest: d}, true
	}
	if i > 0 && isIdentByte(s[i-1]) {
		return 0, Link{}, false // indexing in prose: a[i]
	}
	if p := strings.Trim(text, "`"); IsIntraDocPath(p) {
		return j + 1, Link{Text: text, Dest: p}, true
	}
	return 0, Link{}, false
}

// defLike reports whether the "[label]:" at i of s, followed by rest, reads as
// a reference definition that refDef did not take (one inside a list item:
// "* [x]: dest"), rather than a shortcut link followed by a colon in prose
// ("* [`Timeout`]: Wraps a future…", tokio::time's list, a link on rustdoc).
func defLike(s string, i int, rest string) bool {
	line := rest[1:]
	if j := strings.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	start := strings.LastIndexByte(s[:i], '\n') + 1
	before := strings.TrimSpace(s[start:i])
	if strings.Trim(before, "-*+") != "" && !(strings.HasSuffix(before, ".") && strings.Trim(strings.TrimSuffix(before, "."), "0123456789") == "") {
		return false // text before the brackets: prose
	}
	return refDef.MatchString("[x]:" + line)
}

func isIdentByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isRustFence(lang string) bool {
	if lang == "" {
		return true
	}
	for _, tag := range strings.Split(lang, ",") {
		switch t := strings.TrimSpace(tag); {
		case t == "rust", t == "no_run", t == "should_panic", t == "ignore", t == "compile_fail",
			strings.HasPrefix(t, "edition"), strings.HasPrefix(t, "ignore-"), len(t) == 5 && t[0] == 'E':
		default:
			return false
		}
	}
	return true
}

// StripFootnoteRefs drops the footnote references ("[^1]") of a text shown
// without its notes — a summary in a list, as rustdoc's short summaries do;
// code spans are kept as written ("`[^a-z]`").
func StripFootnoteRefs(md string) string {
	if !strings.Contains(md, "[^") {
		return md
	}
	return mapProse(md, func(i int) (int, string, bool) {
		if !strings.HasPrefix(md[i:], "[^") {
			return 0, "", false
		}
		if j := strings.IndexByte(md[i:], ']'); j > 2 && !strings.ContainsAny(md[i+2:i+j], " \t\n[") {
			return i + j + 1, "", true
		}
		return 0, "", false
	})
}

// CleanRustdoc makes rustdoc markdown read well where links cannot be followed: a web
// link keeps its markdown, an intra-doc link becomes its text (code stays
// code: "[`Error`][crate::Error]" gives "`Error`").
func CleanRustdoc(md string) string {
	return Rewrite(md, func(l Link) string {
		if l.IntraDoc() {
			return l.Text
		}
		return "[" + l.Text + "](" + l.Dest + ")"
	})
}

// disambiguators are rustdoc's kind prefixes ("struct@Foo") and the kinds each allows.
var disambiguators = map[string][]docpack.Kind{
	"struct": {docpack.KindStruct}, "enum": {docpack.KindEnum}, "union": {docpack.KindUnion},
	"trait": {docpack.KindTrait}, "mod": {docpack.KindModule}, "module": {docpack.KindModule},
	"const": {docpack.KindConst, docpack.KindAssocConst}, "constant": {docpack.KindConst, docpack.KindAssocConst},
	"static": {docpack.KindStatic}, "type": {docpack.KindTypeAlias, docpack.KindAssocType, docpack.KindStruct, docpack.KindEnum, docpack.KindUnion},
	"fn": {docpack.KindFunction, docpack.KindMethod, docpack.KindTraitMethod}, "function": {docpack.KindFunction, docpack.KindMethod, docpack.KindTraitMethod},
	"method": {docpack.KindMethod, docpack.KindTraitMethod}, "tymethod": {docpack.KindTraitMethod},
	"macro": {docpack.KindMacro}, "derive": {docpack.KindMacro},
	"field": {docpack.KindField}, "variant": {docpack.KindVariant},
	"value":   {docpack.KindFunction, docpack.KindMethod, docpack.KindConst, docpack.KindStatic, docpack.KindVariant},
	"tyalias": {docpack.KindTypeAlias}, "typealias": {docpack.KindTypeAlias},
	// A primitive is never a symbol of a docpack: only the std pages fit.
	"prim": {}, "primitive": {},
}

// stdCrates are the crates whose items rustdoc links on doc.rust-lang.org.
var stdCrates = map[string]bool{"std": true, "core": true, "alloc": true}

// LinkTarget is where an intra-doc link points: a symbol of the docpack, or a
// page elsewhere (the standard library on doc.rust-lang.org, another crate on docs.rs).
type LinkTarget struct {
	Symbol int // -1 when the target is not in the docpack
	URL    string
}

// ResolveLink resolves an intra-doc link destination written in the docs of
// the symbol at from, as rustdoc does: a disambiguator ("struct@", "fn@",
// "()" and "!" suffixes) restricts the kinds, generics and "#anchor" are
// dropped, and the path is resolved in from's module (ResolvePath). Paths into
// std, core or alloc go to doc.rust-lang.org; a path whose first segment is
// another crate goes to docs.rs. ok is false when nothing fits.
func (x *Index) ResolveLink(dest string, from int) (LinkTarget, bool) {
	d, kinds := linkPath(dest)
	if d == "" {
		return LinkTarget{Symbol: -1}, false
	}
	fit := func(k docpack.Kind) bool {
		if k == docpack.KindImpl {
			return false
		}
		if kinds == nil {
			return true
		}
		for _, w := range kinds {
			if w == k {
				return true
			}
		}
		return false
	}
	if t, ok := x.resolveInlinedLink(d, from, fit); ok {
		return t, true
	}
	if i := x.ResolvePath(d, from, fit); i >= 0 {
		return LinkTarget{Symbol: i}, true
	}
	head, _, _ := strings.Cut(d, "::")
	if stdCrates[head] {
		return LinkTarget{Symbol: -1, URL: "https://doc.rust-lang.org/" + head + "/?search=" + lastSeg(d)}, true
	}
	if u, ok := stdPreludeURL(d); ok {
		return LinkTarget{Symbol: -1, URL: u}, true
	}
	if head != d && head != "crate" && head != "self" && head != "super" && head != "Self" && !x.isLocalCrate(head) && strings.ToLower(head) == head {
		return LinkTarget{Symbol: -1, URL: "https://docs.rs/" + strings.ReplaceAll(head, "_", "-") + "/latest/" + head + "/?search=" + lastSeg(d)}, true
	}
	return LinkTarget{Symbol: -1}, false
}

// linkPath reads an intra-doc link destination as rustdoc does: the path it
// names, without backticks, "#anchor", generics, disambiguator prefix
// ("struct@") or suffix ("!", "!()", "![]", "!{}" a macro, "()" a function),
// and the kinds the disambiguator allows (nil: any).
func linkPath(dest string) (string, []docpack.Kind) {
	d := strings.Trim(strings.TrimSpace(dest), "`")
	if j := strings.IndexByte(d, '#'); j >= 0 {
		d = d[:j]
	}
	var kinds []docpack.Kind
	if pre, rest, ok := strings.Cut(d, "@"); ok {
		kinds, d = disambiguators[pre], rest
	}
	switch {
	case strings.Contains(d, "!"):
		d = d[:strings.IndexByte(d, '!')]
		kinds = []docpack.Kind{docpack.KindMacro}
	case strings.HasSuffix(d, "()"):
		d = strings.TrimSuffix(d, "()")
		if kinds == nil {
			kinds = disambiguators["fn"]
		}
	}
	return stripGenerics(strings.TrimPrefix(d, "::")), kinds
}

// resolveInlinedLink resolves a link in the docs of an item inlined from
// another crate in that crate's scope, as rustdoc does: `crate::x` and
// `dep::x` are that crate's x, inlined here or else on docs.rs; a relative
// name is first looked for among the items inlined from the modules around
// the item there. ok is false when the crate's own resolution is to be used.
func (x *Index) resolveInlinedLink(d string, from int, fit func(docpack.Kind) bool) (LinkTarget, bool) {
	if from < 0 || from >= len(x.Symbols) || x.Symbols[from].InlinedFrom == nil {
		return LinkTarget{}, false
	}
	f := x.Symbols[from].InlinedFrom
	find := func(path string) int {
		for _, i := range x.inlined[path] {
			if fit(x.Symbols[i].SymbolType) {
				return i
			}
		}
		return -1
	}
	there := func(abs string) (LinkTarget, bool) {
		if i := find(abs); i >= 0 {
			return LinkTarget{Symbol: i}, true
		}
		return LinkTarget{Symbol: -1, URL: "https://docs.rs/" + strings.ReplaceAll(f.Crate, "_", "-") + "/latest/" + f.Crate + "/?search=" + lastSeg(abs)}, true
	}
	// The module the item is in there: a member (method, field, variant,
	// associated item) is two segments below it.
	mod := parentPath(f.Path)
	switch x.Symbols[from].SymbolType {
	case docpack.KindMethod, docpack.KindField, docpack.KindVariant, docpack.KindTraitMethod,
		docpack.KindAssocType, docpack.KindAssocConst:
		mod = parentPath(mod)
	case docpack.KindModule:
		mod = f.Path
	}
	head, rest, _ := strings.Cut(d, "::")
	switch head {
	case "crate", f.Crate:
		abs := f.Crate
		if rest != "" {
			abs += "::" + rest
		}
		return there(abs)
	case "self", "super":
		segs := strings.Split(d, "::")
		m := mod
		for len(segs) > 0 && (segs[0] == "self" || segs[0] == "super") {
			if segs[0] == "super" {
				m = parentPath(m)
			}
			segs = segs[1:]
		}
		if len(segs) == 0 {
			return there(m)
		}
		return there(m + "::" + strings.Join(segs, "::"))
	case "Self":
		return LinkTarget{}, false
	}
	for scope := mod; strings.Contains(scope, "::"); scope = parentPath(scope) {
		if i := find(scope + "::" + d); i >= 0 {
			return LinkTarget{Symbol: i}, true
		}
	}
	if i := find(f.Crate + "::" + d); i >= 0 {
		return LinkTarget{Symbol: i}, true
	}
	if rest != "" && x.ResolvePath(d, from, fit) < 0 && !stdCrates[head] && !x.isLocalCrate(head) && strings.ToLower(head) == head {
		// A path in that crate's module (rand_core's [`impls::fill_bytes_via_next`])
		// that is not inlined here: its page there.
		return there(mod + "::" + d)
	}
	return LinkTarget{}, false
}

func (x *Index) isLocalCrate(name string) bool {
	_, ok := x.modules[name]
	return ok
}

func lastSeg(p string) string {
	if j := strings.LastIndex(p, "::"); j >= 0 {
		return p[j+2:]
	}
	return p
}

// stripGenerics drops "<…>" from a path: "Vec<T>::new" gives "Vec::new".
func stripGenerics(p string) string {
	if !strings.Contains(p, "<") {
		return p
	}
	var b strings.Builder
	depth := 0
	for _, r := range p {
		switch {
		case r == '<':
			depth++
		case r == '>':
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// stdPreludeURL is the doc.rust-lang.org address of a name of stdPrelude,
// or of a member of one ("Iterator::nth" gives Iterator's page at
// #method.nth, "SeekFrom::Start" SeekFrom's at #variant.Start).
func stdPreludeURL(d string) (string, bool) {
	if u, ok := stdPrelude[d]; ok {
		return "https://doc.rust-lang.org/" + u, true
	}
	head, member, ok := strings.Cut(d, "::")
	u, known := stdPrelude[head]
	if !ok || !known || member == "" || strings.Contains(member, "::") || strings.Contains(u, "#") {
		return "", false
	}
	anchor := "method."
	if strings.Contains(u, "/enum.") && member[0] >= 'A' && member[0] <= 'Z' {
		anchor = "variant."
	} else if strings.Contains(u, "/primitive.") && member[0] >= 'A' && member[0] <= 'Z' {
		anchor = "associatedconstant." // u32::MAX
	}
	return "https://doc.rust-lang.org/" + u + "#" + anchor + member, true
}

// stdPrelude maps the standard names a doc links without a path (in scope
// everywhere, or imported by nearly every crate that links them) to their
// doc.rust-lang.org pages.
var stdPrelude = map[string]string{
	"Option": "std/option/enum.Option.html", "Some": "std/option/enum.Option.html#variant.Some", "None": "std/option/enum.Option.html#variant.None",
	"Result": "std/result/enum.Result.html", "Ok": "std/result/enum.Result.html#variant.Ok", "Err": "std/result/enum.Result.html#variant.Err",
	"Vec": "std/vec/struct.Vec.html", "String": "std/string/struct.String.html", "Box": "std/boxed/struct.Box.html",
	"Clone": "std/clone/trait.Clone.html", "Copy": "std/marker/trait.Copy.html", "Send": "std/marker/trait.Send.html",
	"Sync": "std/marker/trait.Sync.html", "Sized": "std/marker/trait.Sized.html", "Unpin": "std/marker/trait.Unpin.html",
	"Drop": "std/ops/trait.Drop.html", "Fn": "std/ops/trait.Fn.html", "FnMut": "std/ops/trait.FnMut.html", "FnOnce": "std/ops/trait.FnOnce.html",
	"Default": "std/default/trait.Default.html", "Eq": "std/cmp/trait.Eq.html", "PartialEq": "std/cmp/trait.PartialEq.html",
	"Ord": "std/cmp/trait.Ord.html", "PartialOrd": "std/cmp/trait.PartialOrd.html", "Hash": "std/hash/trait.Hash.html",
	"Debug": "std/fmt/trait.Debug.html", "Display": "std/fmt/trait.Display.html",
	"Iterator": "std/iter/trait.Iterator.html", "IntoIterator": "std/iter/trait.IntoIterator.html",
	"Extend": "std/iter/trait.Extend.html", "FromIterator": "std/iter/trait.FromIterator.html",
	"From": "std/convert/trait.From.html", "Into": "std/convert/trait.Into.html", "TryFrom": "std/convert/trait.TryFrom.html",
	"TryInto": "std/convert/trait.TryInto.html", "AsRef": "std/convert/trait.AsRef.html", "AsMut": "std/convert/trait.AsMut.html",
	"ToString": "std/string/trait.ToString.html", "ToOwned": "std/borrow/trait.ToOwned.html",
	"str": "std/primitive.str.html", "bool": "std/primitive.bool.html", "char": "std/primitive.char.html",
	"u8": "std/primitive.u8.html", "u16": "std/primitive.u16.html", "u32": "std/primitive.u32.html", "u64": "std/primitive.u64.html",
	"u128": "std/primitive.u128.html", "usize": "std/primitive.usize.html", "i8": "std/primitive.i8.html", "i16": "std/primitive.i16.html",
	"i32": "std/primitive.i32.html", "i64": "std/primitive.i64.html", "i128": "std/primitive.i128.html", "isize": "std/primitive.isize.html",
	"f32": "std/primitive.f32.html", "f64": "std/primitive.f64.html", "slice": "std/primitive.slice.html", "array": "std/primitive.array.html",
	"tuple": "std/primitive.tuple.html", "unit": "std/primitive.unit.html", "reference": "std/primitive.reference.html",
	"pointer": "std/primitive.pointer.html", "never": "std/primitive.never.html",
	"Arc": "std/sync/struct.Arc.html", "Rc": "std/rc/struct.Rc.html", "Cow": "std/borrow/enum.Cow.html",
	"Duration": "std/time/struct.Duration.html", "Instant": "std/time/struct.Instant.html",
	"Context": "std/task/struct.Context.html", "Poll": "std/task/enum.Poll.html", "Waker": "std/task/struct.Waker.html",
	"Pin": "std/pin/struct.Pin.html", "Future": "std/future/trait.Future.html",
	"HashMap": "std/collections/struct.HashMap.html", "HashSet": "std/collections/struct.HashSet.html",
	"BTreeMap": "std/collections/struct.BTreeMap.html", "VecDeque": "std/collections/struct.VecDeque.html",
	"Mutex": "std/sync/struct.Mutex.html", "RwLock": "std/sync/struct.RwLock.html",
	"Cell": "std/cell/struct.Cell.html", "RefCell": "std/cell/struct.RefCell.html",
	"Borrow": "std/borrow/trait.Borrow.html", "Deref": "std/ops/trait.Deref.html", "DerefMut": "std/ops/trait.DerefMut.html",
	"FromStr": "std/str/trait.FromStr.html", "Read": "std/io/trait.Read.html", "Write": "std/io/trait.Write.html",
	"BufRead": "std/io/trait.BufRead.html", "AsRawFd": "std/os/fd/trait.AsRawFd.html", "RawFd": "std/os/fd/type.RawFd.html",
	"PhantomData": "std/marker/struct.PhantomData.html", "NonNull": "std/ptr/struct.NonNull.html",
	"Ordering": "std/cmp/enum.Ordering.html", "Any": "std/any/trait.Any.html", "TypeId": "std/any/struct.TypeId.html",
	"Error": "std/error/trait.Error.html", "Formatter": "std/fmt/struct.Formatter.html",
	"Hasher": "std/hash/trait.Hasher.html", "BuildHasher": "std/hash/trait.BuildHasher.html",
	"ErrorKind": "std/io/enum.ErrorKind.html", "SeekFrom": "std/io/enum.SeekFrom.html",
}

// DocLinks resolves the intra-doc links of a doc written for the symbol at i
// (every Markdown field: summary, description, parameters, returns, errors,
// panics, safety) with ResolveLink, for the doc's `links` field: destination as
// written → symbol id or URL. Destinations that do not resolve are left out.
// It returns nil when the doc has no resolved link.
func (x *Index) DocLinks(i int, d docpack.Doc) map[string]string {
	return docLinks(func() *Index { return x }, i, d)
}

// docLinks is DocLinks in the index x gives, asked for only when the doc has
// a link to resolve in it: a link of a doc inherited from std is std's.
func docLinks(x func() *Index, i int, d docpack.Doc) map[string]string {
	var out map[string]string
	std := stdInheritedModule(d)
	collect := func(l Link) string {
		if !l.IntraDoc() {
			return ""
		}
		if _, done := out[l.Dest]; done {
			return ""
		}
		var t LinkTarget
		var ok bool
		if std != "" {
			// A doc inherited from std's trait (Hash::hash's "Feeds this
			// value into the given [`Hasher`]") links in std's scope,
			// not the crate's.
			t, ok = stdLink(l.Dest, std)
		} else {
			t, ok = x().ResolveLink(l.Dest, i)
		}
		if !ok {
			return ""
		}
		if out == nil {
			out = map[string]string{}
		}
		if t.Symbol >= 0 {
			out[l.Dest] = x().Symbols[t.Symbol].ID
		} else {
			out[l.Dest] = t.URL
		}
		return ""
	}
	var defs string
	eachText(d, func(text string) {
		if defs == "" {
			defs = "\n\n" + DocDefs(d)
		}
		Rewrite(text+defs, collect)
	})
	return out
}

// Links resolves the links of the docs a build writes, as DocLinks does, in
// an Index of the build's symbols that holds only what ResolveLink reads
// (newIndex linksOnly). That index is built once, by the first
// doc with a link to resolve, or ahead on a goroutine of its own when some
// doc comment could hold one (NewLinks); a build whose docs link nothing
// (winapi: 145,198 symbols, 205 doc comments, none with a link) never builds
// it. It is safe for concurrent use.
type Links struct {
	symbols []docpack.Symbol
	once    sync.Once
	x       *Index
}

// NewLinks returns the Links of the docs of symbols, and starts, on a
// goroutine of its own, building their Index when a doc comment, or a doc
// inherited from a trait item of another crate than std's (whose links are
// std's), holds a "[". The look for one is on that goroutine too: a crate
// whose docs link nothing is read to its end (winapi's 145,302 symbols:
// ~5 ms, before the packing workers started).
func NewLinks(symbols []docpack.Symbol) *Links {
	l := &Links{symbols: symbols}
	go func() {
		for i := range symbols {
			s := &symbols[i]
			if strings.IndexByte(s.DocComments, '[') >= 0 || strings.IndexByte(s.InheritedDoc, '[') >= 0 && !stdCrates[crateOf(s.InheritedFrom)] {
				l.index()
				return
			}
		}
	}()
	return l
}

// crateOf is the first segment of a path.
func crateOf(path string) string {
	head, _, _ := strings.Cut(path, "::")
	return head
}

func (l *Links) index() *Index {
	l.once.Do(func() { l.x = newIndex(&docpack.Manifest{}, l.symbols, nil, idsOf(l.symbols), true) })
	return l.x
}

// DocLinks is Index.DocLinks of the doc written for the symbol at i.
func (l *Links) DocLinks(i int, d docpack.Doc) map[string]string {
	return docLinks(l.index, i, d)
}

// stdInheritedModule is the std module ("std::hash") of the trait item a doc
// was inherited from when that item is the standard library's, else "".
func stdInheritedModule(d docpack.Doc) string {
	if d.Source != docpack.DocFromInherited {
		return ""
	}
	if !stdCrates[crateOf(d.InheritedFrom)] {
		return ""
	}
	// std::hash::Hash::hash: the trait's module is its path less two.
	return parentPath(parentPath(d.InheritedFrom))
}

// stdLink resolves a link of std's docs written in std module mod: a name
// std's prelude table knows, a std path, else a search of that module's
// page for the name.
func stdLink(dest, mod string) (LinkTarget, bool) {
	d, _ := linkPath(dest)
	if d == "" {
		return LinkTarget{Symbol: -1}, false
	}
	if u, ok := stdPreludeURL(d); ok {
		return LinkTarget{Symbol: -1, URL: u}, true
	}
	if head, _, _ := strings.Cut(d, "::"); stdCrates[head] {
		return LinkTarget{Symbol: -1, URL: "https://doc.rust-lang.org/" + head + "/?search=" + lastSeg(d)}, true
	}
	if mod == "" {
		return LinkTarget{Symbol: -1}, false
	}
	return LinkTarget{Symbol: -1, URL: "https://doc.rust-lang.org/" + strings.ReplaceAll(mod, "::", "/") + "/?search=" + lastSeg(d)}, true
}

// DocDefs returns the reference definitions of every Markdown field of a doc,
// one a line (LinkDefs). rustdoc reads a doc comment as one text, so a link
// in the summary ("on the provided [runtime handle]") finds its definition at
// the end of the description, or one in the errors its definition anywhere:
// append DocDefs to a field before Rewrite, as every viewer does.
func DocDefs(d docpack.Doc) string {
	texts := []string{d.Summary, d.Description, d.Returns, d.Errors, d.Panics, d.Safety}
	for _, p := range d.Parameters {
		texts = append(texts, p.Description)
	}
	return LinkDefs(texts...)
}

// DocLink is where an intra-doc link of the doc of the symbol at from points
// (or a relative rustdoc page address, HTMLLink):
// the doc's recorded `links` entry when it has one (a symbol of this docpack
// or a URL), else — for a 1.0 docpack, which has no links — ResolveLink now.
// ok is false when the link resolves to nothing.
func (x *Index) DocLink(d docpack.Doc, from int, dest string) (LinkTarget, bool) {
	if IsPageAddress(dest) { // "trait.Foo.html", as older docs link
		i, ok := x.HTMLLink(dest, from)
		return LinkTarget{Symbol: i}, ok
	}
	if a, ok := strings.CutPrefix(strings.TrimSpace(dest), "#"); ok {
		// A rustdoc page anchor ("[`with_hasher`]: #method.with_hasher"
		// in hashbrown's HashMap): the member it names.
		i := x.MemberAnchor(from, a)
		return LinkTarget{Symbol: i}, i >= 0
	}
	if t, ok := d.Links[dest]; ok {
		if strings.HasPrefix(t, "https://") || strings.HasPrefix(t, "http://") {
			return LinkTarget{Symbol: -1, URL: t}, true
		}
		if i, ok := x.ByID(t); ok {
			return LinkTarget{Symbol: i}, true
		}
		return LinkTarget{Symbol: -1}, false
	}
	if d.Links != nil {
		return LinkTarget{Symbol: -1}, false // resolved at build time: this one did not resolve
	}
	return x.ResolveLink(dest, from)
}

// MemberAnchor resolves a rustdoc anchor ("method.insert", "variant.None",
// "tymethod.next", "structfield.x") written in the doc of the symbol at i to
// a member of i, or of i's owner when i is itself a member. It returns -1
// when none matches (a heading's anchor, "#examples").
func (x *Index) MemberAnchor(i int, anchor string) int {
	_, name, ok := strings.Cut(anchor, ".")
	if !ok || name == "" {
		return -1
	}
	owners := []int{i}
	if o := x.Owner(i); o >= 0 {
		owners = append(owners, o)
	}
	var find func(p int) int
	find = func(p int) int {
		for _, c := range x.Children(p) {
			if x.Symbols[c].SymbolType == docpack.KindImpl {
				if j := find(c); j >= 0 {
					return j
				}
				continue
			}
			if x.Symbols[c].Name == name {
				return c
			}
		}
		return -1
	}
	for _, o := range owners {
		if j := find(o); j >= 0 {
			return j
		}
	}
	return -1
}

// LinkURL is DocLink as an address for a viewer: page gives a symbol's.
func (x *Index) LinkURL(d docpack.Doc, from int, dest string, page func(sym int) string) (string, bool) {
	t, ok := x.DocLink(d, from, dest)
	switch {
	case !ok:
		return "", false
	case t.Symbol >= 0:
		return page(t.Symbol), true
	}
	return t.URL, true
}

// CountLinks counts the distinct intra-doc link destinations of a doc.
func CountLinks(d docpack.Doc) int {
	seen := map[string]bool{}
	count := func(l Link) string {
		if l.IntraDoc() {
			seen[l.Dest] = true
		}
		return ""
	}
	eachText(d, func(text string) { Rewrite(text, count) })
	return len(seen)
}

// eachText calls f with each Markdown field of a doc that could hold a link.
func eachText(d docpack.Doc, f func(string)) {
	for _, text := range []string{d.Summary, d.Description, d.Returns, d.Errors, d.Panics, d.Safety} {
		if strings.Contains(text, "[") {
			f(text)
		}
	}
	for _, p := range d.Parameters {
		if strings.Contains(p.Description, "[") {
			f(p.Description)
		}
	}
}

// LinkDefs returns the reference definitions ("[label]: dest" lines outside
// code) of texts, one a line. A doc's summary and description are separate
// texts, and a definition at the end of the description serves a link in the
// summary too ("Serialize a [`Some(T)`] value." in serde): append LinkDefs of
// the whole doc to a field before Rewrite so its links resolve as rustdoc's do.
func LinkDefs(texts ...string) string {
	var b strings.Builder
	for _, text := range texts {
		if !strings.Contains(text, "]:") {
			continue
		}
		inCode, fence := false, ""
		for _, ln := range strings.Split(text, "\n") {
			t := strings.TrimSpace(ln)
			if f := fenceOf(t); f != "" && (!inCode || strings.HasPrefix(t, fence) && strings.TrimLeft(t, fence[:1]) == "") {
				inCode, fence = !inCode, f
				continue
			}
			if !inCode && refDef.MatchString(ln) {
				b.WriteString(ln)
				b.WriteByte('\n')
			}
		}
	}
	return b.String()
}

// htmlLink reads a rustdoc page's relative address, as older docs link items
// ("trait.ParallelIterator.html", "../de/struct.Error.html#method.custom",
// "fn.spawn.html", "index.html"): each "../" a module up from the doc's
// module, the directories modules below, the file an item of its kind.
var htmlLink = regexp.MustCompile(`^((?:\.\./)*)((?:[A-Za-z_][A-Za-z0-9_]*/)*)(?:(struct|enum|trait|fn|type|macro|constant|static|union|primitive|mod|derive|attr|traitalias)\.([A-Za-z_][A-Za-z0-9_]*)\.html|index\.html)(?:#(?:method|tymethod|variant|structfield|associatedtype|associatedconstant)\.([A-Za-z_][A-Za-z0-9_]*))?$`)

// IsPageAddress reports whether a link destination is a relative rustdoc
// page address ("trait.Foo.html"), which HTMLLink resolves.
func IsPageAddress(dest string) bool { return htmlLink.MatchString(strings.TrimSpace(dest)) }

// HTMLLink resolves a relative rustdoc page address written in the docs of
// the symbol at from ("trait.Foo.html", "../bar/fn.baz.html#…") to the
// symbol of the docpack it names; ok is false when it is not such an
// address or names nothing here.
func (x *Index) HTMLLink(dest string, from int) (int, bool) {
	m := htmlLink.FindStringSubmatch(strings.TrimSpace(dest))
	if m == nil || from < 0 || from >= len(x.Symbols) {
		return -1, false
	}
	mod := x.modOf[from]
	if x.Symbols[from].SymbolType == docpack.KindModule {
		mod = x.Symbols[from].Path
	}
	for range strings.Count(m[1], "../") {
		mod = parentPath(mod)
	}
	if mod == "" {
		return -1, false
	}
	path := mod
	if d := strings.TrimSuffix(m[2], "/"); d != "" {
		path += "::" + strings.ReplaceAll(d, "/", "::")
	}
	kinds := map[string][]docpack.Kind{
		"": {docpack.KindModule}, "mod": {docpack.KindModule}, "struct": {docpack.KindStruct}, "enum": {docpack.KindEnum},
		"trait": {docpack.KindTrait}, "fn": {docpack.KindFunction}, "type": {docpack.KindTypeAlias}, "macro": {docpack.KindMacro},
		"derive": {docpack.KindMacro}, "attr": {docpack.KindMacro}, "constant": {docpack.KindConst}, "static": {docpack.KindStatic},
		"union": {docpack.KindUnion},
	}[m[3]]
	if kinds == nil {
		return -1, false
	}
	if m[4] != "" {
		path += "::" + m[4]
	}
	i, ok := x.byPath[path]
	if !ok || !slices.Contains(kinds, x.Symbols[i].SymbolType) {
		i = -1
		for _, c := range x.byName[lastSeg(path)] {
			if x.Symbols[c].Path == path && slices.Contains(kinds, x.Symbols[c].SymbolType) {
				i = c
				break
			}
		}
		if i < 0 {
			return -1, false
		}
	}
	if m[5] != "" { // a member's anchor: the member when the docpack has it
		if j, ok := x.byPath[x.Symbols[i].Path+"::"+m[5]]; ok {
			return j, true
		}
	}
	return i, true
}
