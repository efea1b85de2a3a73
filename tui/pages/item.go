package pages

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/index"
	"github.com/doctown/doctown/tui/components"
)

// Link is a followable reference of an item page, shown as "[N]": a link of
// the docs, a member, an impl, an implementor, a type the signature uses.
type Link struct {
	// Group is the section it is listed in: "Docs", "Fields", "Methods",
	// "Trait Implementations", "Implementors", "Uses", a kind's plural, …
	Group string
	// Label is what the link shows: its text in the docs, or the member's
	// name or signature.
	Label string
	// Target is the symbol it opens, or -1 for a page outside the docpack.
	Target int
	// URL is where a link outside the docpack points (the standard library,
	// docs.rs, the web).
	URL  string
	line int
}

// Marker is the link's "[N]" for its index i.
func marker(i int) string { return "[" + strconv.Itoa(i+1) + "]" }

// itemPage lays out one symbol's page as docs.rs does: what and where, the
// signature and docs with their links numbered, then the sections of its kind
// (fields or variants, inherent methods, trait implementations; a trait's
// required and provided items and implementors; a module's items by kind),
// and the types its signature uses. It is built once per symbol and width;
// the browser only restyles the selected link.
type itemPage struct {
	b     *Browser
	sym   int
	width int
	lines []string
	links []Link
}

func (p *itemPage) add(lines ...string) { p.lines = append(p.lines, lines...) }

// heading starts a section.
func (p *itemPage) heading(title string) { p.add("", p.b.Styles.Header.Render(title)) }

// link records a link shown on the next line added and returns its marker.
func (p *itemPage) link(group, label string, target int, url string) string {
	p.links = append(p.links, Link{Group: group, Label: label, Target: target, URL: url, line: len(p.lines)})
	return marker(len(p.links) - 1)
}

// entry adds a member line, "[N] label", wrapped to the width with its
// continuation indented, and its summary below it, faint.
func (p *itemPage) entry(group, label string, target int, summary string) {
	m := p.link(group, label, target, "")
	indent := strings.Repeat(" ", len(m)+1)
	for i, ln := range components.Wrap(label, max(10, p.width-len(indent))) {
		if i == 0 {
			ln = m + " " + ln
		} else {
			ln = indent + ln
		}
		p.add(ln)
	}
	if summary != "" {
		p.add(p.b.Styles.Faint.Render(ansi.Truncate(indent+summary, p.width, "…")))
	}
}

// summary is a symbol's one-line summary for a list, empty when its doc only
// restates the signature.
func (p *itemPage) summary(i int) string {
	d, ok := p.b.X.Doc(i)
	if !ok || d.Source == docpack.DocFromSignature || d.Summary == "" {
		return ""
	}
	return components.OneLine(index.CleanRustdoc(index.StripFootnoteRefs(d.Summary)))
}

func newItemPage(b *Browser, sym, width int) *itemPage {
	p := &itemPage{b: b, sym: sym, width: width}
	p.header()
	p.docs()
	p.sections()
	p.uses()
	// Every marker in the link style, so the links stand out of the text.
	for i, l := range p.links {
		p.lines[l.line] = highlight(p.lines[l.line], marker(i), b.Styles.Link.Render)
	}
	return p
}

// header is the title, where the symbol is (its owner, as a link, its file and
// lines, its visibility) and its notes: availability, deprecation, attributes.
func (p *itemPage) header() {
	b, x := p.b, p.b.X
	st := b.Styles
	s := &x.Symbols[p.sym]
	p.add(st.Kind.Render(index.KindTitle(s.SymbolType)) + " " + st.Bold.Render(s.Path))
	var where []string
	if o := x.Owner(p.sym); o >= 0 {
		os := &x.Symbols[o]
		name := index.KindName(os.SymbolType) + " " + os.Path
		if os.SymbolType == docpack.KindImpl { // a blanket impl: its header says what it is
			name = components.ImplLabel(os)
		}
		where = append(where, "in "+name+" "+p.link("Parent", os.Path, o, ""))
	}
	if loc := location(s); loc != "" {
		where = append(where, loc)
	}
	where = append(where, s.Visibility)
	p.add(ansi.Wrap(strings.Join(where, " · "), max(10, p.width), ""))
	notes, attrs := index.Attributes(*s)
	if a := s.Availability(); a != "" {
		kept := notes[:0]
		for _, n := range notes {
			if !strings.HasPrefix(n, "Available on") {
				kept = append(kept, n)
			}
		}
		notes = append([]string{a}, kept...)
	}
	for _, n := range notes {
		p.add(st.Warning.Render(n))
	}
	if len(attrs) > 0 {
		p.add(st.Faint.Render(ansi.Truncate(strings.Join(attrs, " "), p.width, "…")))
	}
	if d, ok := x.Doc(p.sym); ok && d.Origin() != "" {
		p.add(st.Faint.Render(ansi.Truncate(d.Origin(), p.width, "…")))
	}
	p.add("")
}

// location is "src/map.rs:188-210" (docpack.Symbol.Location).
func location(s *docpack.Symbol) string { return s.Location() }

// docs renders the signature and docs with glamour, each resolved link of
// the docs followed by its marker, and lists those links with where they go.
func (p *itemPage) docs() {
	b, x := p.b, p.b.X
	s := x.Symbols[p.sym]
	d, hasDoc := x.Doc(p.sym)
	first := len(p.links)
	seen := map[string]string{} // link → its marker: a link written twice keeps one number
	md := components.DocMarkdownLinked(s, d, hasDoc, p.width-4, func(l index.Link) string {
		key := l.Text + "\x00" + l.Dest
		if m, ok := seen[key]; ok {
			return l.Text + `\` + m[:len(m)-1] + `\]`
		}
		t, ok := x.DocLink(d, p.sym, l.Dest)
		switch {
		case !ok && l.IntraDoc():
			return l.Text // unresolved: its text, code staying code
		case !ok:
			if index.IsPageAddress(l.Dest) {
				return l.Text // a rustdoc page of an item not here
			}
			t = index.LinkTarget{Symbol: -1, URL: l.Dest} // the web, a file, an anchor
		}
		p.links = append(p.links, Link{Group: "Docs", Label: components.OneLine(strings.Trim(l.Text, "`")), Target: t.Symbol, URL: t.URL})
		m := marker(len(p.links) - 1)
		seen[key] = m
		return l.Text + `\` + m[:len(m)-1] + `\]`
	})
	rendered := strings.Split(b.md.Render(s.ID, md, p.width), "\n")
	base := len(p.lines)
	p.add(rendered...)
	// Each link's line is where its marker first shows, after the previous one's.
	at := 0
	for i := first; i < len(p.links); i++ {
		m := marker(i)
		for j := at; j < len(rendered); j++ {
			if strings.Contains(ansi.Strip(rendered[j]), m) {
				at = j
				break
			}
		}
		p.links[i].line = base + at
	}
	if len(p.links) > first {
		p.heading("Links")
		for i := first; i < len(p.links); i++ {
			l := p.links[i]
			m := marker(i)
			for j, ln := range strings.Split(ansi.Wrap(l.Label+" → "+p.where(l), max(10, p.width-len(m)-1), "/"), "\n") {
				if j == 0 {
					ln = m + " " + ln
				} else {
					ln = strings.Repeat(" ", len(m)+1) + ln
				}
				p.add(ln)
			}
		}
	}
}

// where is a link's target as the page names it: a path, or a URL.
func (p *itemPage) where(l Link) string {
	if l.Target >= 0 {
		return p.b.X.Symbols[l.Target].Path
	}
	return l.URL
}

// sections lays out the index's sections of the page (index.Sections): a
// module's items one per line with their summaries, a trait impl with the
// names of its items, an implementor by its impl's header, any other member
// by its signature with its summary below.
func (p *itemPage) sections() {
	x := p.b.X
	module := x.Symbols[p.sym].SymbolType == docpack.KindModule
	for _, sec := range x.Sections(p.sym) {
		p.heading(sec.Title)
		for _, it := range sec.Items {
			s := &x.Symbols[it.Symbol]
			switch {
			case it.Reexport != "":
				label := lastSegment(it.Reexport) + "  " + p.b.Styles.Faint.Render("= "+s.Path)
				m := p.link(sec.Title, it.Reexport, it.Target, "")
				p.add(ansi.Truncate(m+" "+label, p.width, "…"))
			case module:
				label := s.Name
				if sum := p.summary(it.Symbol); sum != "" {
					label += "  " + p.b.Styles.Faint.Render(sum)
				}
				m := p.link(sec.Title, s.Name, it.Target, "")
				p.add(ansi.Truncate(m+" "+label, p.width, "…"))
			case it.Members != nil:
				var names []string
				for _, c := range it.Members {
					names = append(names, x.Symbols[c].Name)
				}
				p.entry(sec.Title, components.ImplLabel(s), it.Target, strings.Join(names, ", "))
			case it.Impl, s.SymbolType == docpack.KindImpl:
				p.entry(sec.Title, components.ImplLabel(s), it.Target, "")
			case sec.Title == "For" || sec.Title == "Trait":
				p.entry(sec.Title, s.Path, it.Target, p.summary(it.Symbol))
			default:
				p.entry(sec.Title, components.MemberLabel(s), it.Target, p.summary(it.Symbol))
			}
		}
	}
}

// uses lists the types the signature refers to: those in the docpack as links.
func (p *itemPage) uses() {
	x := p.b.X
	s := &x.Symbols[p.sym]
	var outside []string
	started := false
	for _, dep := range s.Dependencies {
		t := x.Resolve(dep, p.sym)
		if t == p.sym {
			continue
		}
		if t < 0 {
			outside = append(outside, dep)
			continue
		}
		if !started {
			p.heading("Uses")
			started = true
		}
		p.entry("Uses", x.Symbols[t].Path+"  "+index.KindName(x.Symbols[t].SymbolType), t, "")
	}
	if len(outside) > 0 {
		p.add("", p.b.Styles.Faint.Render(ansi.Wrap("Also uses (outside this docpack): "+strings.Join(outside, ", "), max(10, p.width), "")))
	}
}

func lastSegment(path string) string {
	if i := strings.LastIndex(path, "::"); i >= 0 {
		return path[i+2:]
	}
	return path
}
