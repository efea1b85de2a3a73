package components

import (
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/doctown/doctown/tui/common"
)

// Input is a one-line text field: printable keys append, backspace deletes,
// ctrl+u clears. (bubbles' textinput pulls in a clipboard module the project
// does not otherwise need; this is all the TUI uses of it.)
type Input struct {
	common.Common
	Prompt      string
	Placeholder string
	value       string
}

// NewInput returns an empty field.
func NewInput(c common.Common, prompt, placeholder string) *Input {
	return &Input{Common: c, Prompt: prompt, Placeholder: placeholder}
}

// Value is the text typed.
func (in *Input) Value() string { return in.value }

// SetValue replaces the text.
func (in *Input) SetValue(s string) { in.value = s }

// Update edits the text; it reports whether the text changed.
func (in *Input) Update(msg tea.Msg) bool {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		if p, ok := msg.(tea.PasteMsg); ok {
			in.value += p.Content
			return true
		}
		return false
	}
	before := in.value
	switch k.String() {
	case "backspace":
		if in.value != "" {
			_, n := utf8.DecodeLastRuneInString(in.value)
			in.value = in.value[:len(in.value)-n]
		}
	case "ctrl+u", "ctrl+w":
		in.value = ""
	default:
		if k.Text != "" && k.Mod&^tea.ModShift == 0 {
			in.value += k.Text
		}
	}
	return in.value != before
}

// View draws the prompt, the text and a block cursor.
func (in *Input) View() string {
	text := in.value
	if text == "" && in.Placeholder != "" {
		return fit(in.Prompt+"█"+in.Styles.Faint.Render(in.Placeholder), max(1, in.Width))
	}
	w := max(1, in.Width) - ansi.StringWidth(in.Prompt) - 1
	if tw := ansi.StringWidth(text); tw > w && w > 0 {
		text = ansi.TruncateLeft(text, tw-w, "")
	}
	return fit(in.Prompt+text+"█", max(1, in.Width))
}
