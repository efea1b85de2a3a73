package components

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/doctown/doctown/tui/common"
)

// ConfirmedMsg is sent when the user answers a Confirm.
type ConfirmedMsg struct {
	ID  string
	Yes bool
}

// Confirm is a yes/no question. While Active it takes every key.
type Confirm struct {
	common.Common
	ID       string
	Question string
	Active   bool
}

// NewConfirm returns an inactive prompt.
func NewConfirm(c common.Common, id, question string) *Confirm {
	return &Confirm{Common: c, ID: id, Question: question}
}

// Ask shows the prompt.
func (c *Confirm) Ask() { c.Active = true }

// Update answers on y (or enter) and n (or esc); ctrl+c twice means yes.
func (c *Confirm) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !c.Active || !ok {
		return nil
	}
	var yes bool
	switch {
	case key.Matches(k, c.Keys.Yes), k.String() == "enter", k.String() == "ctrl+c":
		yes = true
	case key.Matches(k, c.Keys.No):
	default:
		return nil
	}
	c.Active = false
	id := c.ID
	return func() tea.Msg { return ConfirmedMsg{ID: id, Yes: yes} }
}

// View draws the question.
func (c *Confirm) View() string {
	if !c.Active {
		return ""
	}
	return c.Styles.Warning.Render(c.Question + " [y/N]")
}
