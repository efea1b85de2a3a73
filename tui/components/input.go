package components

import (
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/doctown/doctown/tui/common"
)

// Input is a one-line text field: bubbles' textinput with the TUI's styles, a
// steady cursor (a blinking one would make every frame differ) and a width
// that counts the prompt.
type Input struct {
	common.Common
	ti textinput.Model
}

// NewInput returns an empty, focused field.
func NewInput(c common.Common, prompt, placeholder string) *Input {
	ti := textinput.New()
	ti.Prompt = prompt
	ti.Placeholder = placeholder
	st := textinput.DefaultDarkStyles()
	if !c.Color {
		plain := lipgloss.NewStyle()
		st.Focused = textinput.StyleState{Text: plain, Prompt: plain, Suggestion: c.Styles.Faint, Placeholder: c.Styles.Faint}
		st.Blurred = st.Focused
		st.Cursor.Color = nil
	} else {
		st.Focused.Placeholder = c.Styles.Faint
		st.Blurred.Placeholder = c.Styles.Faint
		st.Cursor.Color = c.Styles.Accent
	}
	st.Cursor.Blink = false
	ti.SetStyles(st)
	ti.Focus()
	return &Input{Common: c, ti: ti}
}

// Value is the text typed.
func (in *Input) Value() string { return in.ti.Value() }

// SetValue replaces the text and puts the cursor at its end.
func (in *Input) SetValue(s string) {
	in.ti.SetValue(s)
	in.ti.CursorEnd()
}

// SetSize sets the width the field draws in, prompt included.
func (in *Input) SetSize(w, h int) {
	in.Common.SetSize(w, h)
	in.ti.SetWidth(max(1, w-lipgloss.Width(in.ti.Prompt)-1))
}

// Update edits the text (textinput's keys: ←/→, ctrl+a/e, ctrl+w, ctrl+u,
// alt+backspace, paste); it reports whether the text changed.
func (in *Input) Update(msg tea.Msg) (bool, tea.Cmd) {
	before := in.ti.Value()
	var cmd tea.Cmd
	in.ti, cmd = in.ti.Update(msg)
	return in.ti.Value() != before, cmd
}

// View draws the prompt, the text and the cursor, exactly Width cells wide.
func (in *Input) View() string {
	return fit(in.ti.View(), max(1, in.Width))
}
