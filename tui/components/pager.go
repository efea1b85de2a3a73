package components

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/doctown/doctown/tui/common"
)

// Pager shows pre-rendered text and scrolls it: bubbles' viewport driven by the
// TUI's key map (its own binds b and f, which the browser uses for history,
// and h/l, which switch panes), plus top/bottom and scrolling to a line.
type Pager struct {
	common.Common
	vp viewport.Model
}

// NewPager returns an empty pager.
func NewPager(c common.Common) *Pager {
	vp := viewport.New()
	vp.MouseWheelEnabled = true
	vp.MouseWheelDelta = 3
	vp.SetHorizontalStep(0)
	vp.KeyMap = viewport.KeyMap{
		Up: c.Keys.Up, Down: c.Keys.Down, PageUp: c.Keys.PageUp, PageDown: c.Keys.PageDown,
		HalfPageUp: key.NewBinding(key.WithDisabled()), HalfPageDown: key.NewBinding(key.WithDisabled()),
		Left: key.NewBinding(key.WithDisabled()), Right: key.NewBinding(key.WithDisabled()),
	}
	return &Pager{Common: c, vp: vp}
}

// SetSize sets the size of the visible text.
func (p *Pager) SetSize(w, h int) {
	p.Common.SetSize(w, h)
	p.vp.SetWidth(max(1, w))
	p.vp.SetHeight(max(1, h))
}

// SetContent replaces the text; keepOffset keeps the scroll position.
func (p *Pager) SetContent(s string, keepOffset bool) {
	p.vp.SetContent(s)
	if !keepOffset {
		p.vp.SetYOffset(0)
	}
}

// Offset is the first visible line.
func (p *Pager) Offset() int { return p.vp.YOffset() }

// ScrollTo scrolls so that line is visible.
func (p *Pager) ScrollTo(line int) { p.vp.EnsureVisible(line, 0, 0) }

// Update scrolls on navigation keys and the mouse wheel.
func (p *Pager) Update(msg tea.Msg) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, p.Keys.Top):
			p.vp.GotoTop()
			return
		case key.Matches(k, p.Keys.Bottom):
			p.vp.GotoBottom()
			return
		}
	}
	p.vp, _ = p.vp.Update(msg)
}

// View draws the visible lines, exactly Width×Height.
func (p *Pager) View() string {
	return Fit(p.vp.View(), max(1, p.Width), max(1, p.Height))
}
