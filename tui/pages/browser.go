package pages

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

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
	back, fwd []place
	// searchFrom is where a search started: opening a result goes back there.
	searchFrom place
	kinds      []docpack.Kind
	kind       int // index into kinds, -1 for all
	searching  bool
	query      string
	matches    []index.Match
	showHelp   bool
	status     string
	// page is the current symbol's laid-out page; number is the link number
	// being typed ("1", "12").
	page   *itemPage
	number string

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

// PageText is the whole page of the current symbol as the detail pane
// scrolls through it, without styles.
func (b *Browser) PageText() string {
	if b.page == nil {
		return ""
	}
	return ansi.Strip(strings.Join(b.page.lines, "\n"))
}

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
		return components.Row{Text: s.Path, Note: string(s.SymbolType), Path: true}
	})
	if len(b.matches) > 0 {
		b.show(b.matches[0].Symbol)
		return
	}
	// Nothing matches: show nothing rather than the last match.
	b.current = -1
	b.renderDetail(false)
}

// place is a point of the history: the symbol shown and the module whose
// items were listed (a module is shown both in its parent's list and opened).
type place struct {
	sym int
	mod string
}

func (b *Browser) here() place {
	p := place{sym: b.current}
	if i := b.modules.Cursor(); i >= 0 {
		p.mod = b.X.Modules[i].Path
	}
	return p
}

// GoTo shows symbol sym: lists its module's items (a module's own, for a
// module) with its top-level item selected, and records the jump in the
// history when push is set.
func (b *Browser) GoTo(sym int, push bool) {
	if sym < 0 || sym >= b.X.Len() {
		return
	}
	mod := b.X.ModuleOf(sym)
	if b.X.Symbols[sym].SymbolType == docpack.KindModule {
		mod = b.X.Symbols[sym].Path
	}
	b.goTo(place{sym, mod}, push)
}

func (b *Browser) goTo(to place, push bool) {
	if push && b.current >= 0 && b.here() != to {
		b.back = append(b.back, b.here())
		b.fwd = nil
	}
	for i, m := range b.X.Modules {
		if m.Path == to.mod {
			if b.modules.Cursor() != i {
				b.modules.Select(i)
			}
			break
		}
	}
	b.current = -1
	b.refreshItems()
	// Select the item that holds sym (sym itself, or its top-level ancestor).
	for s, hops := to.sym, 0; s >= 0 && hops < 32; s, hops = b.X.Owner(s), hops+1 {
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
	b.show(to.sym)
}

// Back returns to the previous place in the history.
func (b *Browser) Back() {
	if len(b.back) == 0 {
		b.status = "no earlier symbol"
		return
	}
	prev := b.back[len(b.back)-1]
	b.back = b.back[:len(b.back)-1]
	b.fwd = append(b.fwd, b.here())
	b.goTo(prev, false)
}

// Forward undoes Back.
func (b *Browser) Forward() {
	if len(b.fwd) == 0 {
		b.status = "no later symbol"
		return
	}
	next := b.fwd[len(b.fwd)-1]
	b.fwd = b.fwd[:len(b.fwd)-1]
	b.back = append(b.back, b.here())
	b.goTo(next, false)
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
		if b.searchFrom.sym >= 0 && b.searchFrom.sym != sym {
			b.back = append(b.back, b.searchFrom)
			b.fwd = nil
		}
		b.current = -1
		b.GoTo(sym, false)
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
	if r := msg.String(); !(len(r) == 1 && r[0] >= '0' && r[0] <= '9') && !key.Matches(msg, k.Enter, k.Cancel) {
		b.number = "" // another key drops a link number being typed
	}
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Help):
		b.showHelp = true
		return nil
	case key.Matches(msg, k.Search):
		b.searchFrom = b.here()
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
		// esc drops a link number being typed, else goes back, else home.
		switch {
		case b.number != "":
			b.number = ""
		case len(b.back) > 0:
			b.Back()
		case b.HomeAvailable:
			return cmd(HomeMsg{})
		}
		return nil
	case key.Matches(msg, k.NextPane):
		b.focus++
		if b.focus > PaneDetail {
			b.focus = PaneDetail
		}
		b.renderDetail(true)
		return nil
	case key.Matches(msg, k.PrevPane):
		b.focus--
		if b.focus < PaneModules || (b.focus == PaneModules && b.mw == 0) {
			b.focus++
		}
		b.renderDetail(true)
		return nil
	}
	if r := msg.String(); b.focus != PaneModules && len(r) == 1 && r[0] >= '0' && r[0] <= '9' {
		return b.typeNumber(r)
	}
	switch b.focus {
	case PaneModules:
		if key.Matches(msg, k.Enter) {
			b.focus = PaneItems
		} else if b.modules.Update(msg) {
			b.refreshItems()
		}
	case PaneItems:
		switch {
		case key.Matches(msg, k.Enter) && b.number != "":
			return b.followNumber()
		case key.Matches(msg, k.Enter):
			// A module opens: its items fill the list (at 80 columns there
			// is no module pane to pick it from). Anything else is read.
			if i := b.items.Cursor(); b.matches == nil && i >= 0 && i < len(b.itemSyms) && b.X.Symbols[b.itemSyms[i]].SymbolType == docpack.KindModule {
				b.GoTo(b.itemSyms[i], true)
				return nil
			}
			b.focus = PaneDetail
			b.renderDetail(true)
		case key.Matches(msg, k.NextLink), key.Matches(msg, k.PrevLink):
			b.focus = PaneDetail
			b.renderDetail(true)
			return b.updateKey(msg)
		default:
			if b.items.Update(msg) {
				b.selectItem()
			}
		}
	case PaneDetail:
		switch {
		case key.Matches(msg, k.Enter) && b.number != "":
			return b.followNumber()
		case key.Matches(msg, k.Enter):
			return b.Follow()
		case key.Matches(msg, k.NextLink):
			b.selectLink(b.linkSel + 1)
		case key.Matches(msg, k.PrevLink):
			b.selectLink(b.linkSel - 1)
		default:
			b.detail.Update(msg)
		}
	}
	return nil
}

// typeNumber adds a digit to the link number being typed. The link is
// followed as soon as no longer number could name one ("3" of 20 links
// waits for a second digit or enter, "3" of 9 goes at once).
func (b *Browser) typeNumber(d string) tea.Cmd {
	n, _ := strconv.Atoi(b.number + d)
	if n == 0 || n > len(b.links) {
		b.status = fmt.Sprintf("no link %d (this page has %d)", n, len(b.links))
		b.number = ""
		return nil
	}
	b.number += d
	if n*10 > len(b.links) {
		return b.followNumber()
	}
	b.status = "follow [" + b.number + "…] " + b.links[n-1].Label + " · another digit or enter"
	return nil
}

func (b *Browser) followNumber() tea.Cmd {
	n, _ := strconv.Atoi(b.number)
	b.number = ""
	if n < 1 || n > len(b.links) {
		return nil
	}
	b.linkSel = n - 1
	return b.Follow()
}

func (b *Browser) selectLink(i int) {
	if len(b.links) == 0 {
		return
	}
	b.linkSel = (i + len(b.links)) % len(b.links)
	b.renderDetail(true)
	b.detail.ScrollTo(b.links[b.linkSel].line)
	l := b.links[b.linkSel]
	b.status = marker(b.linkSel) + " → " + b.page.where(l) + " · enter follows"
}

// Follow opens the selected link, recording the jump in the history. A
// link outside the docpack cannot be opened here: its URL is shown, and
// copied to the clipboard (OSC 52) for a browser.
func (b *Browser) Follow() tea.Cmd {
	if b.linkSel >= len(b.links) {
		return nil
	}
	l := b.links[b.linkSel]
	switch {
	case l.Target >= 0:
		b.GoTo(l.Target, true)
		return nil
	case l.URL != "":
		b.status = marker(b.linkSel) + " " + l.URL + " (copied)"
		return tea.SetClipboard(l.URL)
	}
	b.status = l.Label + " is not in this docpack"
	return nil
}

// renderDetail shows the current symbol's page (itemPage, built once per
// symbol and width) with the selected link highlighted.
func (b *Browser) renderDetail(keepOffset bool) {
	if b.current < 0 || b.dw == 0 {
		b.links = nil
		b.page = nil
		msg := ""
		if k := b.Kind(); k != "" && b.items.Len() == 0 {
			msg = b.Styles.Faint.Render("No " + string(k) + " here. t: next kind")
		}
		b.detail.SetContent(msg, false)
		return
	}
	w := max(10, b.dw-4)
	if b.page == nil || b.page.sym != b.current || b.page.width != w {
		b.page = newItemPage(b, b.current, w)
	}
	b.links = b.page.links
	if b.linkSel >= len(b.links) {
		b.linkSel = 0
	}
	lines := b.page.lines
	if len(b.links) > 0 {
		l := b.links[b.linkSel]
		lines = append([]string(nil), lines...)
		style := b.Styles.Bold
		if b.focus == PaneDetail {
			style = b.Styles.LinkSelected
		}
		lines[l.line] = highlight(lines[l.line], marker(b.linkSel), style.Render)
	}
	b.detail.SetContent(strings.Join(lines, "\n"), keepOffset)
}

// highlight restyles the first occurrence of m in a rendered line.
func highlight(line, m string, style func(...string) string) string {
	plain := ansi.Strip(line)
	i := strings.Index(plain, m)
	if i < 0 {
		return line
	}
	start := ansi.StringWidth(plain[:i])
	end := start + ansi.StringWidth(m)
	return ansi.Cut(line, 0, start) + style(m) + ansi.Cut(line, end, ansi.StringWidth(plain))
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
			foot = b.shortHelp()
		}
	}
	return components.Fit(head, b.Width, 1) + "\n" + body + "\n" + components.Fit(st.Help.Render(foot), b.Width, 1)
}

// shortHelp is the footer's key list cut to the width, always ending with
// "? help" and "q quit" (at 80 columns the whole list does not fit, and its
// end used to be cut off).
func (b *Browser) shortHelp() string {
	keys := b.Keys.ShortHelp()
	var rest, always []key.Binding
	for _, k := range keys {
		if k.Help().Key == b.Keys.Help.Help().Key || k.Help().Key == b.Keys.Quit.Help().Key {
			always = append(always, k)
		} else {
			rest = append(rest, k)
		}
	}
	tail := b.help.ShortHelpView(always)
	room := b.Width - ansi.StringWidth(tail) - ansi.StringWidth(b.help.ShortSeparator)
	if room < 10 {
		return tail
	}
	h := b.help
	h.SetWidth(room)
	return h.ShortHelpView(rest) + h.ShortSeparator + tail
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
