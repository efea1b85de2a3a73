package components

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/doctown/doctown/tui/common"
)

// Pager shows pre-rendered text and scrolls it.
type Pager struct {
	common.Common
	lines  []string
	offset int
}

// NewPager returns an empty pager.
func NewPager(c common.Common) *Pager { return &Pager{Common: c} }

// SetContent replaces the text; keepOffset keeps the scroll position.
func (p *Pager) SetContent(s string, keepOffset bool) {
	p.lines = strings.Split(strings.TrimRight(s, "\n"), "\n")
	if !keepOffset {
		p.offset = 0
	}
	p.clamp()
}

// Offset is the first visible line.
func (p *Pager) Offset() int { return p.offset }

// ScrollTo scrolls so that line is visible.
func (p *Pager) ScrollTo(line int) {
	if line < p.offset {
		p.offset = line
	} else if line >= p.offset+p.Height {
		p.offset = line - p.Height + 1
	}
	p.clamp()
}

// Scroll moves the view by delta lines.
func (p *Pager) Scroll(delta int) {
	p.offset += delta
	p.clamp()
}

func (p *Pager) clamp() {
	p.offset = max(0, min(p.offset, len(p.lines)-p.Height))
}

// Update scrolls on navigation keys and the mouse wheel.
func (p *Pager) Update(msg tea.Msg) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		k := p.Keys
		switch {
		case key.Matches(msg, k.Up):
			p.Scroll(-1)
		case key.Matches(msg, k.Down):
			p.Scroll(1)
		case key.Matches(msg, k.PageUp):
			p.Scroll(-max(1, p.Height-1))
		case key.Matches(msg, k.PageDown):
			p.Scroll(max(1, p.Height-1))
		case key.Matches(msg, k.Top):
			p.offset = 0
		case key.Matches(msg, k.Bottom):
			p.Scroll(len(p.lines))
		}
	case tea.MouseWheelMsg:
		switch msg.Mouse().Button {
		case tea.MouseWheelUp:
			p.Scroll(-3)
		case tea.MouseWheelDown:
			p.Scroll(3)
		}
	}
}

// View draws the visible lines, exactly Width×Height.
func (p *Pager) View() string {
	end := min(len(p.lines), p.offset+p.Height)
	return Fit(strings.Join(p.lines[p.offset:end], "\n"), max(1, p.Width), max(1, p.Height))
}
