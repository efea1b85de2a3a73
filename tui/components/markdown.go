package components

import (
	"fmt"
	"strings"
	"sync"

	"charm.land/glamour/v2"
	"charm.land/glamour/v2/ansi"
	"charm.land/glamour/v2/styles"
	xansi "github.com/charmbracelet/x/ansi"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/index"
)

// Markdown renders markdown with glamour at a width, caching one renderer per
// width and each rendered text per (key, width), so a symbol is rendered once
// however often it is shown.
type Markdown struct {
	Color bool
	mu    sync.Mutex
	rends map[int]*glamour.TermRenderer
	cache map[mdKey]string
}

type mdKey struct {
	key   string
	width int
}

// NewMarkdown returns a renderer; without color it uses glamour's notty style.
func NewMarkdown(color bool) *Markdown {
	return &Markdown{Color: color, rends: map[int]*glamour.TermRenderer{}, cache: map[mdKey]string{}}
}

// Render renders md at width, caching it under key.
func (m *Markdown) Render(key, md string, width int) string {
	width = max(20, width)
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.cache[mdKey{key, width}]; ok {
		return s
	}
	r, ok := m.rends[width]
	if !ok {
		style := glamour.WithStyles(plainStyle())
		if m.Color {
			style = glamour.WithStandardStyle("dark")
		}
		var err error
		r, err = glamour.NewTermRenderer(style, glamour.WithWordWrap(width-2))
		if err != nil {
			return md
		}
		m.rends[width] = r
	}
	out, err := r.Render(wrapCode(joinListSoftBreaks(md), width-8))
	if err != nil {
		out = md
	}
	out = trimBlankLines(out)
	m.cache[mdKey{key, width}] = out
	return out
}

// wrapCode breaks the lines of fenced code blocks wider than w at a space
// (or at w when there is none), the rest indented under the line's start:
// glamour's own wrapping of code starts the rest at the margin.
func wrapCode(md string, w int) string {
	if w < 20 || !strings.Contains(md, "```") && !strings.Contains(md, "~~~") {
		return md
	}
	lines := strings.Split(md, "\n")
	out := make([]string, 0, len(lines))
	fence := ""
	for _, ln := range lines {
		t := strings.TrimSpace(ln)
		switch {
		case fence == "" && (strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~")):
			fence = t[:3]
		case fence != "" && strings.HasPrefix(t, fence):
			fence = ""
		case fence != "" && xansi.StringWidth(ln) > w:
			lead := ln[:len(ln)-len(strings.TrimLeft(ln, " \t"))]
			for i, part := range Wrap(strings.TrimLeft(ln, " \t"), max(10, w-len(lead)-4)) {
				if i == 0 {
					out = append(out, lead+part)
				} else {
					out = append(out, lead+"    "+part)
				}
			}
			continue
		}
		out = append(out, ln)
	}
	return strings.Join(out, "\n")
}

// joinListSoftBreaks turns each soft line break in a list item's text into a
// space, as CommonMark reads it: glamour prints a list item's soft breaks as
// newlines (its paragraphs' it joins), so an item wrapped in the source came
// out as ragged short lines. Hard breaks, code and block quotes are kept.
func joinListSoftBreaks(md string) string {
	if !strings.Contains(md, "\n") {
		return md
	}
	src := []byte(md)
	var cuts [][2]int // [from, to) replaced by one space, in source order
	_ = ast.Walk(goldmark.DefaultParser().Parse(text.NewReader(src)), func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		t, ok := n.(*ast.Text)
		if !entering || !ok || !t.SoftLineBreak() || t.HardLineBreak() || !inListItem(n) {
			return ast.WalkContinue, nil
		}
		i := t.Segment.Stop
		for i < len(src) && src[i] != '\n' {
			i++
		}
		j := i + 1
		for j < len(src) && (src[j] == ' ' || src[j] == '\t') {
			j++
		}
		if i < len(src) && j < len(src) && src[j] != '>' {
			cuts = append(cuts, [2]int{t.Segment.Stop, j})
		}
		return ast.WalkContinue, nil
	})
	if len(cuts) == 0 {
		return md
	}
	var b strings.Builder
	b.Grow(len(md))
	at := 0
	for _, c := range cuts {
		if c[0] < at {
			continue
		}
		b.WriteString(md[at:c[0]])
		b.WriteByte(' ')
		at = c[1]
	}
	b.WriteString(md[at:])
	return b.String()
}

func inListItem(n ast.Node) bool {
	for p := n.Parent(); p != nil; p = p.Parent() {
		if p.Kind() == ast.KindListItem {
			return true
		}
	}
	return false
}

// plainStyle is glamour's style without colour (NO_COLOR): its notty style
// with emphasis, strong text and headings as attributes, not as the stray
// "*", "**" and "## " the notty style leaves in the text.
func plainStyle() ansi.StyleConfig {
	st := styles.NoTTYStyleConfig
	bold, italic := true, true
	st.Emph = ansi.StylePrimitive{Italic: &italic}
	st.Strong = ansi.StylePrimitive{Bold: &bold}
	st.Heading.Bold = &bold
	for _, h := range []*ansi.StyleBlock{&st.H1, &st.H2, &st.H3, &st.H4, &st.H5, &st.H6} {
		h.Prefix = ""
		h.Bold = &bold
	}
	return st
}

// trimBlankLines drops the blank lines glamour puts around a document: they
// are padded with spaces (its margin), so trimming newlines alone keeps them.
func trimBlankLines(s string) string {
	lines := strings.Split(s, "\n")
	blank := func(l string) bool { return strings.TrimSpace(xansi.Strip(l)) == "" }
	for len(lines) > 0 && blank(lines[0]) {
		lines = lines[1:]
	}
	for len(lines) > 0 && blank(lines[len(lines)-1]) {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n")
}

// DocMarkdown writes a symbol's signature and doc as markdown: the signature as a
// rust code block, then summary, description, parameters, returns, errors,
// panics, safety and examples.
func DocMarkdown(s docpack.Symbol, d docpack.Doc, hasDoc bool) string {
	return DocMarkdownWidth(s, d, hasDoc, 100)
}

// DocMarkdownWidth is DocMarkdown with the signature laid out for width columns.
func DocMarkdownWidth(s docpack.Symbol, d docpack.Doc, hasDoc bool, width int) string {
	return DocMarkdownLinked(s, d, hasDoc, width, nil)
}

// DocMarkdownLinked is DocMarkdownWidth with each link of the docs written
// as link returns it (index.Rewrite); link nil gives index.CleanRustdoc's text.
func DocMarkdownLinked(s docpack.Symbol, d docpack.Doc, hasDoc bool, width int, link func(index.Link) string) string {
	rewrite := index.CleanRustdoc
	if link != nil {
		rewrite = func(md string) string { return index.Rewrite(md, link) }
	}
	var b strings.Builder
	sig := s.Signature
	if sig == "" {
		sig = string(s.SymbolType) + " " + s.Name
	}
	sig = FormatSignature(sig, width)
	fmt.Fprintf(&b, "```rust\n%s\n```\n\n", sig)
	if !hasDoc {
		if s.DocComments != "" {
			b.WriteString(rewrite(s.DocComments) + "\n")
		} else {
			b.WriteString("*No documentation.*\n")
		}
		return b.String()
	}
	if d.Summary != "" {
		b.WriteString(d.Summary + "\n\n")
	}
	if d.Description != "" {
		b.WriteString(d.Description + "\n\n")
	}
	if len(d.Parameters) > 0 {
		b.WriteString("## Parameters\n\n")
		for _, p := range d.Parameters {
			fmt.Fprintf(&b, "- `%s`: %s\n", p.Name, p.Description)
		}
		b.WriteString("\n")
	}
	for _, sec := range []struct{ title, text string }{
		{"Returns", d.Returns}, {"Errors", d.Errors}, {"Panics", d.Panics}, {"Safety", d.Safety},
	} {
		if sec.text != "" {
			fmt.Fprintf(&b, "## %s\n\n%s\n\n", sec.title, sec.text)
		}
	}
	if len(d.Examples) > 0 {
		b.WriteString("## Examples\n\n")
		for _, ex := range d.Examples {
			ex = strings.TrimSpace(ex)
			if !strings.HasPrefix(ex, "```") {
				ex = "```rust\n" + ex + "\n```"
			}
			b.WriteString(ex + "\n\n")
		}
	}
	return rewrite(b.String())
}
