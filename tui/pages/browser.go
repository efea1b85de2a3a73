package pages

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/index"
	"github.com/doctown/doctown/tui/common"
	"github.com/doctown/doctown/tui/components"
)

// Panes of the browser, in focus order.
const (
	PaneModules = iota
	PaneItems
	PaneDetail
)

// Link is a followable reference in the detail pane.
type Link struct {
	Group  string // "parent", "children", "uses"
	Label  string
	Target int // symbol index, -1 when unresolved
	line   int
}

// Browser shows a docpack: a module tree, the symbols of the selected module
// (or the search results) and the selected symbol's detail.
type Browser struct {
	common.Common
	X *index.Index
	// HomeAvailable makes esc go back to the home screen.
	HomeAvailable bool

	md      *components.Markdown
	modules *components.List
	items   *components.List
	detail  *components.Pager
	input   *components.Input
	help    help.Model

	focus     int
	itemSyms  []int
	current   int
	links     []Link
	linkSel   int
	back, fwd []int
	kinds     []docpack.Kind
	kind      int // index into kinds, -1 for all
	searching bool
	query     string
	matches   []index.Match
	showHelp  bool
	status    string

	mw, iw, dw, bodyH int
}

// NewBrowser returns a browser on x showing the first module.
func NewBrowser(c common.Common, x *index.Index) *Browser {
	b := &Browser{
		Common: c, X: x, md: components.NewMarkdown(c.Color),
		modules: components.NewList(c, "Modules"), items: components.NewList(c, "Items"),
		detail: components.NewPager(c), help: help.New(), kind: -1, current: -1, focus: PaneItems,
		kinds: x.Kinds(),
	}
	b.input = components.NewInput(c, "/", "search names and paths")
	rows := make([]components.Row, len(x.Modules))
	for i, m := range x.Modules {
		rows[i] = components.Row{Text: strings.Repeat("  ", m.Depth) + m.Name, Note: fmt.Sprint(m.Items)}
	}
	b.modules.SetRows(rows)
	b.refreshItems()
	return b
}

// Init implements Page.
func (b *Browser) Init() tea.Cmd { return nil }

// Current is the symbol shown in the detail pane, or -1.
func (b *Browser) Current() int { return b.current }

// Focus is the focused pane.
func (b *Browser) Focus() int { return b.focus }

// Links are the detail pane's links.
func (b *Browser) Links() []Link { return b.links }

// Searching reports whether the search box is open.
func (b *Browser) Searching() bool { return b.searching }

// Matches are the current search results.
func (b *Browser) Matches() []index.Match { return b.matches }

// Kind is the kind filter, empty for all kinds.
func (b *Browser) Kind() docpack.Kind {
	if b.kind < 0 {
		return ""
	}
	return b.kinds[b.kind]
}

// SetSize lays the panes out: modules, items and detail side by side; below 100
// columns the module tree is hidden.
func (b *Browser) SetSize(w, h int) {
	b.Common.SetSize(w, h)
	b.bodyH = max(3, h-2)
	switch {
	case w >= 100:
		b.mw = max(18, min(30, w/6))
		b.iw = max(26, min(48, w/4))
	case w >= 50:
		b.mw = 0
		b.iw = max(20, w/3)
	default:
		b.mw = 0
		b.iw = max(12, w/2)
	}
	b.dw = max(10, w-b.mw-b.iw)
	if b.focus == PaneModules && b.mw == 0 {
		b.focus = PaneItems
	}
	b.modules.SetSize(max(1, b.mw-2), b.bodyH-2)
	b.items.SetSize(max(1, b.iw-2), b.bodyH-2)
	b.detail.SetSize(max(1, b.dw-4), b.bodyH-2)
	b.input.SetSize(max(1, b.iw-2), 1)
	b.help.SetWidth(w)
	b.modules.Select(b.modules.Cursor())
	b.items.Select(b.items.Cursor())
	b.renderDetail(true)
}

// refreshItems fills the items list from the selected module and kind filter,
// and shows the first item.
func (b *Browser) refreshItems() {
	b.itemSyms = b.itemSyms[:0]
	mod := ""
	if i := b.modules.Cursor(); i >= 0 {
		mod = b.X.Modules[i].Path
		b.items.Title = "Items in " + b.X.Modules[i].Name
	}
	kind := b.Kind()
	var rows []components.Row
	for _, s := range b.X.Items(mod) {
		sym := &b.X.Symbols[s]
		if kind != "" && sym.SymbolType != kind {
			continue
		}
		b.itemSyms = append(b.itemSyms, s)
		rows = append(rows, components.Row{Text: sym.Name, Note: string(sym.SymbolType)})
	}
	if kind != "" {
		b.items.Title += " [" + string(kind) + "]"
	}
	b.items.SetRows(rows)
	if len(rows) == 0 {
		// Nothing of this kind here: show nothing rather than the last symbol.
		b.current = -1
		b.renderDetail(false)
		return
	}
	b.showSelected()
}

func (b *Browser) showSelected() {
	if i := b.items.Cursor(); i >= 0 && i < len(b.itemSyms) {
		b.show(b.itemSyms[i])
	}
}

func (b *Browser) show(sym int) {
	if sym == b.current {
		return
	}
	b.current = sym
	b.linkSel = 0
	b.renderDetail(false)
}

// runSearch filters with the query, narrowing the last results when the query
// extends the previous one.
func (b *Browser) runSearch(q string) {
	if q != "" && b.query != "" && strings.HasPrefix(q, b.query) && b.matches != nil {
		b.matches = b.X.SearchIn(b.matches, q, b.Kind())
	} else {
		b.matches = b.X.Search(q, b.Kind())
	}
	b.query = q
	matches := b.matches
	b.items.Title = fmt.Sprintf("Search: %d matches", len(matches))
	if k := b.Kind(); k != "" {
		b.items.Title += " [" + string(k) + "]"
	}
	b.items.SetSource(len(matches), func(i int) components.Row {
		s := &b.X.Symbols[matches[i].Symbol]
		return components.Row{Text: s.Path, Note: string(s.SymbolType), KeepEnd: true}
	})
	if len(b.matches) > 0 {
		b.show(b.matches[0].Symbol)
	}
}

// GoTo shows symbol sym: selects its module and its top-level item, and records
// the jump in the history when push is set.
func (b *Browser) GoTo(sym int, push bool) {
	if sym < 0 || sym >= b.X.Len() {
		return
	}
	if push && b.current >= 0 && b.current != sym {
		b.back = append(b.back, b.current)
		b.fwd = nil
	}
	mod := b.X.ModuleOf(sym)
	if b.X.Symbols[sym].SymbolType == docpack.KindModule {
		mod = b.X.Symbols[sym].Path
	}
	for i, m := range b.X.Modules {
		if m.Path == mod {
			if b.modules.Cursor() != i {
				b.modules.Select(i)
			}
			break
		}
	}
	b.current = -1
	b.refreshItems()
	// Select the item that holds sym (sym itself, or its top-level ancestor).
	for s, hops := sym, 0; s >= 0 && hops < 32; s, hops = b.X.Owner(s), hops+1 {
		found := false
		for i, it := range b.itemSyms {
			if it == s {
				b.items.Select(i)
				found = true
				break
			}
		}
		if found {
			break
		}
	}
	b.current = -1
	b.show(sym)
}

// Back returns to the previous symbol in the history.
func (b *Browser) Back() {
	if len(b.back) == 0 {
		b.status = "no earlier symbol"
		return
	}
	prev := b.back[len(b.back)-1]
	b.back = b.back[:len(b.back)-1]
	b.fwd = append(b.fwd, b.current)
	b.GoTo(prev, false)
}

// Forward undoes Back.
func (b *Browser) Forward() {
	if len(b.fwd) == 0 {
		b.status = "no later symbol"
		return
	}
	next := b.fwd[len(b.fwd)-1]
	b.fwd = b.fwd[:len(b.fwd)-1]
	b.back = append(b.back, b.current)
	b.GoTo(next, false)
}

// Update implements Page.
func (b *Browser) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.MouseWheelMsg:
		x := msg.Mouse().X
		switch {
		case x < b.mw:
			if b.modules.Update(msg) {
				b.refreshItems()
			}
		case x < b.mw+b.iw:
			if b.items.Update(msg) {
				b.selectItem()
			}
		default:
			b.detail.Update(msg)
		}
		return nil
	case tea.KeyPressMsg:
		b.status = ""
		if b.searching {
			return b.updateSearch(msg)
		}
		return b.updateKey(msg)
	}
	return nil
}

func (b *Browser) selectItem() {
	if b.searching || b.matches != nil {
		if i := b.items.Cursor(); i >= 0 && i < len(b.matches) {
			b.show(b.matches[i].Symbol)
		}
		return
	}
	b.showSelected()
}

func (b *Browser) updateSearch(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		b.closeSearch()
		b.refreshItems()
		return nil
	case "enter":
		i := b.items.Cursor()
		if i < 0 || i >= len(b.matches) {
			return nil
		}
		sym := b.matches[i].Symbol
		b.closeSearch()
		b.current = -1
		b.GoTo(sym, true)
		if len(b.back) > 0 && b.back[len(b.back)-1] == -1 {
			b.back = b.back[:len(b.back)-1]
		}
		b.focus = PaneDetail
		return nil
	case "up", "down", "pgup", "pgdown", "ctrl+u", "ctrl+d":
		if b.items.Update(msg) {
			b.selectItem()
		}
		return nil
	case "ctrl+c":
		return tea.Quit
	}
	changed, c := b.input.Update(msg)
	if changed {
		b.runSearch(b.input.Value())
	}
	return c
}

func (b *Browser) closeSearch() {
	b.searching = false
	b.matches = nil
	b.query = ""
	b.input.SetValue("")
}

func (b *Browser) updateKey(msg tea.KeyPressMsg) tea.Cmd {
	k := b.Keys
	if b.showHelp {
		if key.Matches(msg, k.Quit) && msg.String() == "ctrl+c" {
			return tea.Quit
		}
		b.showHelp = false
		return nil
	}
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Help):
		b.showHelp = true
		return nil
	case key.Matches(msg, k.Search):
		b.searching = true
		b.focus = PaneItems
		b.matches = nil
		b.query = ""
		b.runSearch("")
		return nil
	case key.Matches(msg, k.Filter):
		b.kind++
		if b.kind >= len(b.kinds) {
			b.kind = -1
		}
		b.refreshItems()
		if k := b.Kind(); k != "" {
			b.status = "showing " + string(k) + " only (t: next kind)"
		} else {
			b.status = "showing all kinds"
		}
		return nil
	case key.Matches(msg, k.Back):
		b.Back()
		return nil
	case key.Matches(msg, k.Forward):
		b.Forward()
		return nil
	case key.Matches(msg, k.Cancel):
		if b.HomeAvailable {
			return cmd(HomeMsg{})
		}
		return nil
	case key.Matches(msg, k.NextPane):
		b.focus++
		if b.focus > PaneDetail {
			b.focus = PaneDetail
		}
		return nil
	case key.Matches(msg, k.PrevPane):
		b.focus--
		if b.focus < PaneModules || (b.focus == PaneModules && b.mw == 0) {
			b.focus++
		}
		return nil
	}
	switch b.focus {
	case PaneModules:
		if key.Matches(msg, k.Enter) {
			b.focus = PaneItems
		} else if b.modules.Update(msg) {
			b.refreshItems()
		}
	case PaneItems:
		if key.Matches(msg, k.Enter) {
			b.focus = PaneDetail
		} else if b.items.Update(msg) {
			b.selectItem()
		}
	case PaneDetail:
		switch {
		case key.Matches(msg, k.Enter):
			b.Follow()
		case key.Matches(msg, k.NextLink):
			b.selectLink(b.linkSel + 1)
		case key.Matches(msg, k.PrevLink):
			b.selectLink(b.linkSel - 1)
		default:
			if r := msg.String(); len(r) == 1 && r[0] >= '1' && r[0] <= '9' {
				if n := int(r[0] - '1'); n < len(b.links) {
					b.linkSel = n
					b.Follow()
				}
				return nil
			}
			b.detail.Update(msg)
		}
	}
	return nil
}

func (b *Browser) selectLink(i int) {
	if len(b.links) == 0 {
		return
	}
	b.linkSel = (i + len(b.links)) % len(b.links)
	b.renderDetail(true)
	b.detail.ScrollTo(b.links[b.linkSel].line)
}

// Follow opens the selected link, recording the jump in the history.
func (b *Browser) Follow() {
	if b.linkSel >= len(b.links) {
		return
	}
	l := b.links[b.linkSel]
	if l.Target < 0 {
		b.status = l.Label + " is not in this docpack"
		return
	}
	b.GoTo(l.Target, true)
}

// renderDetail rebuilds the detail pane for the current symbol, laid out like a
// docs.rs page: what and where, the signature, the docs, then the type's
// members (fields, variants, each impl block with its methods) and the types
// the signature refers to as links. Glamour output is cached per symbol and
// width, so only the links are redrawn when the selection moves.
func (b *Browser) renderDetail(keepOffset bool) {
	if b.current < 0 || b.dw == 0 {
		b.links = nil
		msg := ""
		if k := b.Kind(); k != "" && b.items.Len() == 0 {
			msg = b.Styles.Faint.Render("No " + string(k) + " here. t: next kind")
		}
		b.detail.SetContent(msg, false)
		return
	}
	st := b.Styles
	s := b.X.Symbols[b.current]
	d, hasDoc := b.X.Doc(b.current)
	w := max(10, b.dw-4)
	var out []string
	out = append(out, st.Kind.Render(index.KindTitle(s.SymbolType))+" "+st.Bold.Render(s.Path))
	where := s.Visibility
	if s.File != "" {
		where = fmt.Sprintf("%s:%d · %s", s.File, s.Line, s.Visibility)
	}
	out = append(out, st.Faint.Render(where))
	notes, attrs := index.Attributes(s)
	for _, n := range notes {
		out = append(out, st.Warning.Render(n))
	}
	if len(attrs) > 0 {
		out = append(out, st.Faint.Render(strings.Join(attrs, " ")))
	}
	if hasDoc && d.Source == docpack.DocFromSignature {
		out = append(out, st.Faint.Render("(no doc comment: described from the signature)"))
	}
	out = append(out, "")
	out = append(out, strings.Split(b.md.Render(s.ID, components.DocMarkdownWidth(s, d, hasDoc, w-4), w), "\n")...)

	b.links = b.links[:0]
	add := func(group, label string, target int) {
		b.links = append(b.links, Link{Group: group, Label: label, Target: target})
	}
	if p := b.X.Owner(b.current); p >= 0 {
		ps := &b.X.Symbols[p]
		add("Parent", ps.Path+"  "+string(ps.SymbolType), p)
	}
	if s.SymbolType == docpack.KindImpl {
		if t := b.X.ImplFor(b.current); t >= 0 && t != b.X.Owner(b.current) {
			add("Implements for", b.X.Symbols[t].Path+"  "+string(b.X.Symbols[t].SymbolType), t)
		}
	}
	var impls []int
	for _, c := range b.X.Children(b.current) {
		cs := &b.X.Symbols[c]
		if cs.SymbolType == docpack.KindImpl && s.SymbolType != docpack.KindImpl {
			impls = append(impls, c)
			continue
		}
		add(memberGroup(s.SymbolType, cs.SymbolType), memberLabel(cs), c)
	}
	// Inherent impls first, then trait impls, as docs.rs does; each impl's
	// methods sit under it.
	for _, trait := range []bool{false, true} {
		group := "Implementations"
		if trait {
			group = "Trait Implementations"
		}
		for _, c := range impls {
			cs := &b.X.Symbols[c]
			if strings.Contains(components.OneLine(cs.Signature), " for ") != trait {
				continue
			}
			add(group, components.OneLine(orKind(cs)), c)
			for _, m := range b.X.Children(c) {
				add(group, "    "+memberLabel(&b.X.Symbols[m]), m)
			}
		}
	}
	var outside []string
	for _, dep := range s.Dependencies {
		t := b.X.Resolve(dep, b.current)
		if t == b.current {
			continue
		}
		if t < 0 {
			outside = append(outside, dep)
			continue
		}
		add("Uses", b.X.Symbols[t].Path+"  "+string(b.X.Symbols[t].SymbolType), t)
	}
	if b.linkSel >= len(b.links) {
		b.linkSel = 0
	}
	group := ""
	for i := range b.links {
		l := &b.links[i]
		if l.Group != group {
			group = l.Group
			out = append(out, "", st.Header.Render(group))
		}
		num := "   "
		if i < 9 {
			num = fmt.Sprintf("%d. ", i+1)
		}
		label := l.Label
		switch {
		case i == b.linkSel && b.focus == PaneDetail:
			label = st.LinkSelected.Render("▸ " + label)
		case i == b.linkSel:
			label = st.Bold.Render("▸ " + label)
		case l.Target >= 0:
			label = "  " + st.Link.Render(label)
		default:
			label = "  " + st.Faint.Render(label)
		}
		l.line = len(out)
		out = append(out, num+label)
	}
	if len(outside) > 0 {
		out = append(out, "", st.Faint.Render("Also uses (outside this docpack): "+strings.Join(outside, ", ")))
	}
	b.detail.SetContent(strings.Join(out, "\n"), keepOffset)
}

// memberGroup names the section a child is listed under.
func memberGroup(parent, child docpack.Kind) string {
	switch child {
	case docpack.KindField:
		return "Fields"
	case docpack.KindVariant:
		return "Variants"
	case docpack.KindMethod, docpack.KindFunction:
		return "Methods"
	case docpack.KindTraitMethod:
		return "Trait methods"
	case docpack.KindAssocType, docpack.KindAssocConst:
		return "Associated items"
	}
	if parent == docpack.KindModule {
		return "Items"
	}
	return "Members"
}

// memberLabel is a member as docs.rs lists it: its signature on one line, or
// its name and kind.
func memberLabel(s *docpack.Symbol) string {
	switch s.SymbolType {
	case docpack.KindMethod, docpack.KindFunction, docpack.KindTraitMethod, docpack.KindField,
		docpack.KindVariant, docpack.KindAssocConst, docpack.KindAssocType:
		if sig := components.OneLine(components.StripAttributes(s.Signature)); sig != "" {
			return sig
		}
	}
	return s.Name + "  " + string(s.SymbolType)
}

func orKind(s *docpack.Symbol) string {
	if s.Signature != "" {
		return components.StripAttributes(s.Signature)
	}
	return string(s.SymbolType) + " " + s.Name
}

// View implements Page.
func (b *Browser) View() string {
	st := b.Styles
	m := b.X.Manifest
	title := " doctown · " + m.Repository.Name
	if m.Repository.Name == "" && len(m.Crates) > 0 {
		title = " doctown · " + m.Crates[0].Name
	}
	head := st.Title.Render(title) + st.Faint.Render(fmt.Sprintf("  %d symbols · %s", b.X.Len(), m.Generator.Name))
	if k := b.Kind(); k != "" {
		head += "  [" + string(k) + "]"
	}
	var body string
	if b.showHelp {
		body = components.Fit("\n Keys\n\n"+indent(b.help.FullHelpView(b.Keys.FullHelp()), " ")+"\n\n any key closes this help", b.Width, b.bodyH)
	} else {
		b.modules.Focused = b.focus == PaneModules
		b.items.Focused = b.focus == PaneItems
		var panes []string
		if b.mw > 0 {
			panes = append(panes, b.pane(b.modules.View(), b.mw, b.focus == PaneModules))
		}
		itemsView := b.items.View()
		if b.searching {
			lines := strings.SplitN(itemsView, "\n", 2)
			rest := ""
			if len(lines) == 2 {
				rest = lines[1]
			}
			itemsView = b.input.View() + "\n" + b.items.Styles.Header.Render(b.items.Title) + "\n" + rest
		}
		panes = append(panes, b.pane(itemsView, b.iw, b.focus == PaneItems))
		panes = append(panes, b.pane(components.Fit(indent(b.detail.View(), " "), b.dw-2, b.bodyH-2), b.dw, b.focus == PaneDetail))
		body = lipgloss.JoinHorizontal(lipgloss.Top, panes...)
	}
	foot := b.status
	if foot == "" {
		if b.searching {
			foot = "type to search · ↑/↓ select · enter open · esc close"
		} else {
			foot = b.help.ShortHelpView(b.Keys.ShortHelp())
		}
	}
	return components.Fit(head, b.Width, 1) + "\n" + body + "\n" + components.Fit(st.Help.Render(foot), b.Width, 1)
}

func (b *Browser) pane(content string, w int, focused bool) string {
	style := b.Styles.Pane
	if focused {
		style = b.Styles.PaneFocused
	}
	return components.Box(style, content, w, b.bodyH)
}

func indent(s, pre string) string {
	return pre + strings.ReplaceAll(s, "\n", "\n"+pre)
}
