// Package components holds the TUI's reusable widgets: a selectable list, a
// scrolling text pane and a yes/no prompt.
package components

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/doctown/doctown/tui/common"
)

// Row is one line of a List: text on the left, a faint note on the right.
type Row struct {
	Text string
	Note string
	// Path marks Text as a Rust path: one too long is shortened in the
	// middle, its name always whole ("tokio::…::Handle::spawn_blocking"),
	// and its note is dropped before the name is cut (ShortenPath).
	Path bool
}

// List is a vertical list with a cursor, scrolled to keep the cursor visible.
type List struct {
	common.Common
	Title   string
	Focused bool
	n       int
	rowFn   func(int) Row
	cursor  int
	offset  int
}

// NewList returns an empty list.
func NewList(c common.Common, title string) *List {
	return &List{Common: c, Title: title}
}

// SetRows replaces the rows and puts the cursor on the first.
func (l *List) SetRows(rows []Row) {
	l.SetSource(len(rows), func(i int) Row { return rows[i] })
}

// SetSource sets n rows produced on demand by row: only the visible rows are
// ever built, so a list of 50,000 search results costs nothing to set.
func (l *List) SetSource(n int, row func(int) Row) {
	l.n, l.rowFn = n, row
	l.cursor, l.offset = 0, 0
}

// Len is the number of rows.
func (l *List) Len() int { return l.n }

// Cursor is the selected row, or -1 when empty.
func (l *List) Cursor() int {
	if l.n == 0 {
		return -1
	}
	return l.cursor
}

// Select moves the cursor to row i.
func (l *List) Select(i int) {
	if l.n == 0 {
		return
	}
	l.cursor = max(0, min(i, l.n-1))
	l.clamp()
}

// Move moves the cursor by delta rows.
func (l *List) Move(delta int) { l.Select(l.cursor + delta) }

func (l *List) visible() int { return max(1, l.Height-1) }

func (l *List) clamp() {
	h := l.visible()
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+h {
		l.offset = l.cursor - h + 1
	}
	l.offset = max(0, min(l.offset, l.n-h))
}

// Update moves the cursor on navigation keys and the mouse wheel. It reports
// whether the cursor moved.
func (l *List) Update(msg tea.Msg) bool {
	before := l.cursor
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		k := l.Keys
		switch {
		case key.Matches(msg, k.Up):
			l.Move(-1)
		case key.Matches(msg, k.Down):
			l.Move(1)
		case key.Matches(msg, k.PageUp):
			l.Move(-l.visible())
		case key.Matches(msg, k.PageDown):
			l.Move(l.visible())
		case key.Matches(msg, k.Top):
			l.Select(0)
		case key.Matches(msg, k.Bottom):
			l.Select(l.n - 1)
		}
	case tea.MouseWheelMsg:
		switch msg.Mouse().Button {
		case tea.MouseWheelUp:
			l.Move(-3)
		case tea.MouseWheelDown:
			l.Move(3)
		}
	}
	return l.cursor != before
}

// View draws the title line and the visible rows, exactly Width×Height.
func (l *List) View() string {
	w := max(1, l.Width)
	var b strings.Builder
	title := l.Title
	if l.n > 0 {
		title += "  " + l.Styles.Faint.Render(itoa(l.cursor+1)+"/"+itoa(l.n))
	}
	b.WriteString(fit(l.Styles.Header.Render(title), w))
	end := min(l.n, l.offset+l.visible())
	lines := 1
	for i := l.offset; i < end; i++ {
		r := l.rowFn(i)
		text := r.Text
		note := r.Note
		nw := ansi.StringWidth(note)
		tw := w - 2
		if nw > 0 && nw+6 <= w*2/3 {
			tw = w - 2 - nw - 1
		} else {
			note = ""
		}
		if r.Path {
			// The path is what tells rows apart: the note goes before any
			// of it is cut.
			if note != "" && ansi.StringWidth(text) > tw {
				note, tw = "", w-2
			}
			text = ShortenPath(text, tw)
		}
		line := " " + pad(ansi.Truncate(text, tw, "…"), tw)
		if note != "" {
			line += " " + note
		}
		line = pad(line, w)
		switch {
		case i == l.cursor && l.Focused:
			line = l.Styles.Selected.Render(line)
		case i == l.cursor:
			line = l.Styles.SelectedBlur.Render(line)
		case note != "":
			line = " " + pad(ansi.Truncate(text, tw, "…"), tw) + " " + l.Styles.Kind.Render(note)
		}
		b.WriteByte('\n')
		b.WriteString(line)
		lines++
	}
	for ; lines < l.Height; lines++ {
		b.WriteByte('\n')
	}
	return b.String()
}

// fit truncates or pads s to exactly w cells.
// ShortenPath fits a Rust path in w columns, keeping its name (the last
// segment) whole while it fits: the crate and as many trailing segments (the
// owner at least) as fit around an ellipsis ("tokio::…::Handle::spawn_blocking"),
// then trailing segments alone ("…::Handle::spawn_blocking"), then the end of the owner
// ("…ndle::spawn_blocking"), then the name, cut on the right only when it
// alone is wider than w.
func ShortenPath(path string, w int) string {
	if ansi.StringWidth(path) <= w {
		return path
	}
	segs := strings.Split(path, "::")
	for k := len(segs) - 2; k >= 2; k-- { // the owner stays: "…::spawn_blocking" tells nothing apart
		tail := strings.Join(segs[len(segs)-k:], "::")
		if k < len(segs)-1 {
			if c := segs[0] + "::…::" + tail; ansi.StringWidth(c) <= w {
				return c
			}
		}
		if c := "…::" + tail; ansi.StringWidth(c) <= w {
			return c
		}
	}
	// The owner's end, which still tells a Handle's method from a task's
	// function: "…ndle::spawn_blocking".
	name := segs[len(segs)-1]
	if room := w - ansi.StringWidth(name) - 3; room >= 3 && len(segs) > 1 {
		return "…" + ansi.TruncateLeft(segs[len(segs)-2], max(0, ansi.StringWidth(segs[len(segs)-2])-room), "") + "::" + name
	}
	if ansi.StringWidth(name) <= w {
		return name
	}
	return ansi.Truncate(name, w, "…")
}

func fit(s string, w int) string { return pad(ansi.Truncate(s, w, "…"), w) }

func pad(s string, w int) string {
	if n := ansi.StringWidth(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		buf[i] = '-'
	}
	return string(buf[i:])
}

// Fit truncates or pads every line of s to w cells and s to h lines.
func Fit(s string, w, h int) string {
	w, h = max(0, w), max(0, h)
	if h == 0 {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, ln := range lines {
		lines[i] = fit(ln, w)
	}
	for len(lines) < h {
		lines = append(lines, strings.Repeat(" ", w))
	}
	return strings.Join(lines, "\n")
}

// Box draws s in a bordered pane of outer size w×h.
func Box(style lipgloss.Style, s string, w, h int) string {
	iw, ih := max(1, w-2), max(1, h-2)
	return style.Render(Fit(s, iw, ih))
}
