// Package export writes a docpack as text for people and coding agents: Markdown
// (one file per module, or one file per crate) and llms.txt / llms-full.txt as the
// llms.txt convention describes them (a title, the crate's summary, then sections
// of links).
//
// Output is deterministic: the same docpack gives byte-identical files. No file
// is larger than Options.MaxFileBytes (256 KiB by default): a module whose items do
// not fit is split into numbered parts (mod.md, mod.2.md, …), each item in one part,
// and every link points at the part that holds its target.
package export

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/index"
)

// DefaultMaxFileBytes is the size no exported Markdown file exceeds (unless one
// item alone is larger: an item is never split).
const DefaultMaxFileBytes = 256 << 10

// Options shape an export.
type Options struct {
	// Single writes one Markdown file per crate instead of one per module.
	Single bool
	// MaxFileBytes caps each file; 0 means DefaultMaxFileBytes.
	MaxFileBytes int
	// SourceURL turns a source location into a link: it gets (file, line,
	// endLine) and returns a URL, or "" for none. nil means docpack.SourceURL
	// on the manifest's repository.
	SourceURL func(file string, line, endLine int) string
}

// File is one exported file, its name relative to the export's root
// (forward slashes).
type File struct {
	Name string
	Data []byte
}

// Markdown renders the docpack as Markdown files, in a fixed order.
func Markdown(x *index.Index, opts Options) []File {
	e := newExporter(x, opts)
	return e.markdown()
}

// exporter holds one export's state: which file and anchor each symbol lands in.
type exporter struct {
	x    *index.Index
	opts Options
	// unitOf maps a module path to the page unit that holds its items.
	units []*unit
	// fileOf and anchor say where each shown symbol is: its file name and anchor.
	fileOf map[int]string
	anchor map[int]string
	// linkBound is the longest a link can be once filled in (boundLinks).
	linkBound int
}

// unit is one logical page (a module, or a whole crate with Single) before it is
// cut into files of at most MaxFileBytes.
type unit struct {
	base   string // file name without ".md"
	title  string
	module string // module path; for Single the crate name
	chunks []chunk
	files  []string
}

type chunk struct {
	sym    int  // the symbol the chunk renders, -1 for none
	header bool // a module's header: sym is the module, its items come after
	text   string
}

func newExporter(x *index.Index, opts Options) *exporter {
	if opts.MaxFileBytes <= 0 {
		opts.MaxFileBytes = DefaultMaxFileBytes
	}
	return &exporter{x: x, opts: opts, fileOf: map[int]string{}, anchor: map[int]string{}}
}

// fileBase names a module's file: "serde::de::value" → "serde/de/value".
func fileBase(module string) string {
	return strings.ReplaceAll(module, "::", "/")
}

// linkMark stands in a chunk's text for a link to symbol i until every symbol's
// file is known; the marks are replaced once files are assigned.
func linkMark(i int) string { return "\x00" + strconv.Itoa(i) + "\x00" }

func (e *exporter) markdown() []File {
	e.plan()
	e.boundLinks()
	var out []File
	for _, u := range e.units {
		out = append(out, e.cut(u)...)
	}
	for i := range out {
		out[i].Data = e.fillLinks(out[i].Name, out[i].Data)
	}
	return out
}

// plan renders every unit's chunks with link marks and assigns anchors.
func (e *exporter) plan() {
	x := e.x
	byCrate := map[string]*unit{}
	for _, m := range x.Modules {
		if len(x.Items(m.Path)) == 0 && m.Symbol < 0 {
			continue
		}
		crate, _, _ := strings.Cut(m.Path, "::")
		var u *unit
		if e.opts.Single {
			u = byCrate[crate]
			if u == nil {
				u = &unit{base: fileBase(crate), title: "Crate " + crate, module: crate}
				byCrate[crate] = u
				e.units = append(e.units, u)
			}
		} else {
			u = &unit{base: fileBase(m.Path), module: m.Path, title: moduleTitle(m.Path)}
			e.units = append(e.units, u)
		}
		e.moduleChunks(u, m)
	}
}

func moduleTitle(p string) string {
	if !strings.Contains(p, "::") {
		return "Crate " + p
	}
	return "Module " + p
}

// moduleChunks adds a module's header and its items to u.
func (e *exporter) moduleChunks(u *unit, m index.Module) {
	x := e.x
	var b strings.Builder
	if e.opts.Single && m.Path != u.module {
		fmt.Fprintf(&b, "## Module `%s`\n\n", m.Path)
	}
	if m.Symbol >= 0 {
		e.anchor[m.Symbol] = e.anchorFor(m.Symbol)
		fmt.Fprintf(&b, "<a id=\"%s\"></a>\n\n", e.anchor[m.Symbol])
		e.writeDoc(&b, m.Symbol)
		e.writeMeta(&b, m.Symbol)
	}
	items := x.Items(m.Path)
	var subs []int
	for _, i := range items {
		if x.Symbols[i].SymbolType == docpack.KindModule {
			subs = append(subs, i)
		}
	}
	if len(subs) > 0 {
		b.WriteString("**Modules**\n\n")
		for _, i := range subs {
			fmt.Fprintf(&b, "- [`%s`](%s)%s\n", x.Symbols[i].Name, linkMark(i), e.summarySuffix(i))
		}
		b.WriteString("\n")
	}
	u.chunks = append(u.chunks, chunk{sym: m.Symbol, header: true, text: b.String()})
	for _, i := range items {
		if x.Symbols[i].SymbolType == docpack.KindModule {
			continue
		}
		u.chunks = append(u.chunks, chunk{sym: i, text: e.itemChunk(i)})
	}
}

func (e *exporter) summarySuffix(i int) string {
	d, ok := e.x.Doc(i)
	if !ok || d.Summary == "" || d.Source == docpack.DocFromSignature {
		return ""
	}
	return ": " + oneLine(cleanLinks(d.Summary))
}

// itemChunk renders one top-level item with its children (fields, variants,
// methods, trait impls).
func (e *exporter) itemChunk(i int) string {
	x := e.x
	s := &x.Symbols[i]
	var b strings.Builder
	level := "###"
	if !e.opts.Single {
		level = "##"
	}
	e.anchor[i] = e.anchorFor(i)
	fmt.Fprintf(&b, "<a id=\"%s\"></a>\n\n%s %s `%s`\n\n", e.anchor[i], level, kindTitle(s.SymbolType), s.Name)
	e.writeSignature(&b, s)
	e.writeMeta(&b, i)
	e.writeDoc(&b, i)
	sub := level + "#"
	for _, c := range x.Children(i) {
		cs := &x.Symbols[c]
		if cs.SymbolType == docpack.KindImpl {
			e.anchor[c] = e.anchorFor(c)
			fmt.Fprintf(&b, "<a id=\"%s\"></a>\n\n%s `%s`\n\n", e.anchor[c], sub, oneLine(stripAttrs(implHeader(cs))))
			members := x.Children(c)
			if len(members) == 0 {
				continue
			}
			for _, m := range members {
				e.member(&b, m, sub+"#")
			}
			continue
		}
		e.member(&b, c, sub)
	}
	return b.String()
}

// member renders a field, variant, method or associated item under its owner.
func (e *exporter) member(b *strings.Builder, i int, level string) {
	x := e.x
	s := &x.Symbols[i]
	e.anchor[i] = e.anchorFor(i)
	fmt.Fprintf(b, "<a id=\"%s\"></a>\n\n%s %s `%s`\n\n", e.anchor[i], level, kindTitle(s.SymbolType), s.Name)
	e.writeSignature(b, s)
	e.writeMeta(b, i)
	e.writeDoc(b, i)
	for _, c := range x.Children(i) {
		e.member(b, c, level+"#")
	}
}

func implHeader(s *docpack.Symbol) string {
	if s.Signature != "" {
		return s.Signature
	}
	return s.Name
}

func (e *exporter) writeSignature(b *strings.Builder, s *docpack.Symbol) {
	sig := stripAttrs(s.Signature)
	if strings.TrimSpace(sig) == "" {
		return
	}
	fence := "```"
	for strings.Contains(sig, fence) {
		fence += "`"
	}
	fmt.Fprintf(b, "%srust\n%s\n%s\n\n", fence, strings.TrimSpace(sig), fence)
}

// writeMeta writes the availability notes and the source location.
func (e *exporter) writeMeta(b *strings.Builder, i int) {
	s := &e.x.Symbols[i]
	for _, n := range notes(s) {
		fmt.Fprintf(b, "*%s*\n\n", n)
	}
	if s.File == "" {
		return
	}
	loc := s.File + ":" + strconv.Itoa(s.Line)
	if s.EndLine > s.Line {
		loc += "-" + strconv.Itoa(s.EndLine)
	}
	if s.InlinedFrom != nil {
		// In the other crate's package: no link into this repository.
		fmt.Fprintf(b, "Source: `%s`\n\n", s.Location())
		return
	}
	src := e.opts.SourceURL
	if src == nil {
		repo := e.x.Manifest.Repository
		src = func(file string, line, end int) string { return docpack.SourceURL(repo, file, line, end) }
	}
	{
		if u := src(s.File, s.Line, s.EndLine); u != "" {
			fmt.Fprintf(b, "Source: [`%s`](%s)\n\n", loc, u)
			return
		}
	}
	fmt.Fprintf(b, "Source: `%s`\n\n", loc)
}

// writeDoc writes the symbol's doc: summary, description and its sections.
func (e *exporter) writeDoc(b *strings.Builder, i int) {
	d, ok := e.x.Doc(i)
	if !ok {
		return
	}
	text := func(s string) string { return e.links(i, d, s) }
	if d.Source == docpack.DocFromSignature {
		if d.Summary != "" {
			fmt.Fprintf(b, "*%s*\n\n", strings.TrimSpace(oneLine(d.Summary)))
		}
		return
	}
	if d.Summary != "" {
		fmt.Fprintf(b, "%s\n\n", strings.TrimSpace(text(d.Summary)))
	}
	if d.Description != "" {
		fmt.Fprintf(b, "%s\n\n", demoteHeadings(strings.TrimSpace(text(d.Description))))
	}
	for _, sec := range []struct{ name, body string }{
		{"Returns", d.Returns}, {"Errors", d.Errors}, {"Panics", d.Panics}, {"Safety", d.Safety},
	} {
		if strings.TrimSpace(sec.body) != "" {
			fmt.Fprintf(b, "**%s**\n\n%s\n\n", sec.name, demoteHeadings(strings.TrimSpace(text(sec.body))))
		}
	}
	if len(d.Parameters) > 0 {
		b.WriteString("**Parameters**\n\n")
		for _, p := range d.Parameters {
			fmt.Fprintf(b, "- `%s`: %s\n", p.Name, oneLine(text(p.Description)))
		}
		b.WriteString("\n")
	}
	for _, ex := range d.Examples {
		code := strings.TrimSpace(docpack.ShownExample(ex))
		if code == "" {
			continue
		}
		fence := "```"
		for strings.Contains(code, fence) {
			fence += "`"
		}
		fmt.Fprintf(b, "**Example**\n\n%srust\n%s\n%s\n\n", fence, code, fence)
	}
}

// boundLinks sets linkBound: no link a mark becomes is longer (the deepest
// "../" climb, the longest file name with the largest part number, the
// longest anchor), so that cut can keep files under the cap before the marks
// are filled in.
func (e *exporter) boundLinks() {
	depth, base, chunks, anchor := 0, 0, 0, 0
	for _, u := range e.units {
		depth = max(depth, strings.Count(u.base, "/"))
		base = max(base, len(u.base))
		chunks += len(u.chunks)
	}
	for _, a := range e.anchor {
		anchor = max(anchor, len(a))
	}
	e.linkBound = 3*depth + base + len("."+strconv.Itoa(chunks)+".md#") + anchor
}

// size is how long a chunk's text can be once its link marks are filled in.
func (e *exporter) size(text string) int {
	n := len(text)
	for _, m := range linkMarkRe.FindAllStringIndex(text, -1) {
		n += max(0, e.linkBound-(m[1]-m[0]))
	}
	return n
}

// cut splits a unit into files of at most MaxFileBytes (their links filled
// in), recording each symbol's file.
func (e *exporter) cut(u *unit) []File {
	var files []File
	var cur bytes.Buffer
	part := 1
	name := func(n int) string {
		if n == 1 {
			return u.base + ".md"
		}
		return u.base + "." + strconv.Itoa(n) + ".md"
	}
	head := func(n int) string {
		if n == 1 {
			return "# " + u.title + "\n\n"
		}
		return fmt.Sprintf("# %s (part %d)\n\n", u.title, n)
	}
	cur.WriteString(head(1))
	size := len(head(1))
	flush := func() {
		files = append(files, File{Name: name(part), Data: bytes.Clone(cur.Bytes())})
		cur.Reset()
	}
	for _, c := range u.chunks {
		n := e.size(c.text)
		if size+n > e.opts.MaxFileBytes && cur.Len() > len(head(part)) {
			flush()
			part++
			cur.WriteString(head(part))
			size = len(head(part))
		}
		size += n
		switch {
		case c.sym >= 0 && c.header:
			e.fileOf[c.sym] = name(part)
		case c.sym >= 0:
			e.markFile(c.sym, name(part))
		}
		cur.WriteString(c.text)
	}
	flush()
	for _, f := range files {
		u.files = append(u.files, f.Name)
	}
	return files
}

// markFile records that symbol i and everything rendered inside it live in file.
func (e *exporter) markFile(i int, file string) {
	e.fileOf[i] = file
	for _, c := range e.x.Children(i) {
		e.markFile(c, file)
	}
}

// fillLinks replaces the link marks in data (the content of file name) with
// relative links to each target's file and anchor. A target that is not in the
// export becomes an empty link target "#".
func (e *exporter) fillLinks(name string, data []byte) []byte {
	if !bytes.Contains(data, []byte{0}) {
		return data
	}
	var out bytes.Buffer
	for {
		j := bytes.IndexByte(data, 0)
		if j < 0 {
			out.Write(data)
			break
		}
		out.Write(data[:j])
		rest := data[j+1:]
		k := bytes.IndexByte(rest, 0)
		if k < 0 {
			out.Write(rest)
			break
		}
		i, _ := strconv.Atoi(string(rest[:k]))
		out.WriteString(e.href(name, i))
		data = rest[k+1:]
	}
	return out.Bytes()
}

// href is the relative link from file from to symbol i.
func (e *exporter) href(from string, i int) string {
	to, ok := e.fileOf[i]
	if !ok {
		// Not rendered (an impl member's owner, say): link to its owner.
		if o := e.x.Owner(i); o >= 0 && o != i {
			return e.href(from, o)
		}
		return "#"
	}
	a := e.anchor[i]
	if to == from {
		return "#" + a
	}
	rel := relPath(path.Dir(from), to)
	return rel + "#" + a
}

// relPath is the relative path from directory dir to file, both slash-separated
// and relative to the same root.
func relPath(dir, file string) string {
	if dir == "." {
		return file
	}
	ds := strings.Split(dir, "/")
	fs := strings.Split(file, "/")
	n := 0
	for n < len(ds) && n < len(fs)-1 && ds[n] == fs[n] {
		n++
	}
	return strings.Repeat("../", len(ds)-n) + strings.Join(fs[n:], "/")
}

// anchorFor is a symbol's anchor, as rustdoc names them where it can:
// "struct.Point", "method.new"; members are prefixed by their owner's name so
// anchors stay unique in a module page ("Point.method.new").
func (e *exporter) anchorFor(i int) string {
	x := e.x
	s := &x.Symbols[i]
	kind := index.ItemAnchorPrefix(s.SymbolType)
	a := kind + "." + s.Name
	if s.SymbolType == docpack.KindImpl {
		h := strings.TrimPrefix(oneLine(stripAttrs(implHeader(s))), "impl")
		a = "impl-" + slug(h) + "-" + strconv.Itoa(s.Line)
	}
	if o := x.Owner(i); o >= 0 && x.Symbols[o].SymbolType != docpack.KindModule {
		return e.anchorFor(o) + "." + a
	}
	if e.opts.Single {
		// One file holds every module: the module path keeps anchors unique.
		if mod := x.ModuleOf(i); mod != "" && s.SymbolType != docpack.KindModule {
			a = strings.ReplaceAll(mod, "::", ".") + "." + a
		} else if s.SymbolType == docpack.KindModule {
			a = "mod." + strings.ReplaceAll(s.Path, "::", ".")
		}
	}
	return a
}

// slug keeps letters, digits and '_' and folds the rest to '-'.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		if r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func stripAttrs(sig string) string {
	lines := strings.Split(strings.TrimSpace(sig), "\n")
	i := 0
	for i < len(lines)-1 && strings.HasPrefix(strings.TrimSpace(lines[i]), "#[") {
		i++
	}
	return strings.Join(lines[i:], "\n")
}

// demoteHeadings pushes a doc's own headings below the item's heading level so
// the page outline stays intact ("# Examples" inside a doc becomes "#### Examples").
func demoteHeadings(md string) string {
	lines := strings.Split(md, "\n")
	fence := ""
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if fence != "" {
			if strings.HasPrefix(t, fence) {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			fence = t[:3]
			continue
		}
		if strings.HasPrefix(l, "#") {
			n := len(l) - len(strings.TrimLeft(l, "#"))
			if n <= 6 && (len(l) == n || l[n] == ' ') {
				lines[i] = strings.Repeat("#", min(6, n+3)) + l[n:]
			}
		}
	}
	return strings.Join(lines, "\n")
}

// Item renders one symbol alone, as get_item answers: its heading, signature,
// availability, source location and docs, then its members (fields, variants,
// methods, trait implementations). Intra-doc links point at the target's path
// ("[`Mutex`](tokio::sync::Mutex)"), which a reader can look up in turn.
func Item(x *index.Index, i int) string {
	e := newExporter(x, Options{})
	var text string
	if x.Symbols[i].SymbolType == docpack.KindModule {
		var b strings.Builder
		s := &x.Symbols[i]
		fmt.Fprintf(&b, "## Module `%s`\n\n", s.Path)
		e.writeMeta(&b, i)
		e.writeDoc(&b, i)
		text = b.String()
	} else {
		text = e.itemChunk(i)
	}
	text = anchorTag.ReplaceAllString(text, "")
	return string(e.fillPaths([]byte(text)))
}

var anchorTag = regexp.MustCompile(`<a id="[^"]*"></a>\n\n`)

// fillPaths replaces link marks with the targets' paths.
func (e *exporter) fillPaths(data []byte) []byte {
	return linkMarkRe.ReplaceAllFunc(data, func(m []byte) []byte {
		i, err := strconv.Atoi(string(m[1 : len(m)-1]))
		if err != nil || i < 0 || i >= len(e.x.Symbols) {
			return nil
		}
		return []byte(e.x.Symbols[i].Path)
	})
}

var linkMarkRe = regexp.MustCompile("\x00[0-9]+\x00")
