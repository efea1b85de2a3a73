// Package common is the state every TUI component shares: the size it may draw
// in, the styles, the key map and the logger.
package common

import (
	"image/color"
	"log/slog"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
)

// Common is embedded by every component and page.
type Common struct {
	Width, Height int
	Styles        *Styles
	Keys          *KeyMap
	Logger        *slog.Logger
	// Color is false when NO_COLOR is set or the output is not a colour terminal;
	// styles then use only bold, faint and reverse.
	Color bool
}

// New returns a Common with styles for color (or none) and the default keys.
func New(color bool, logger *slog.Logger) Common {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return Common{Styles: NewStyles(color), Keys: DefaultKeyMap(), Logger: logger, Color: color}
}

// SetSize records the size a component may draw in.
func (c *Common) SetSize(w, h int) { c.Width, c.Height = w, h }

// Styles are the TUI's lipgloss styles.
type Styles struct {
	Title, Header, Faint, Bold, Selected, SelectedBlur, Kind, Link, LinkSelected lipgloss.Style
	Pane, PaneFocused, Error, Warning, OK, Help, Accented                        lipgloss.Style
	Accent                                                                       color.Color
}

// NewStyles returns the styles; without color they use attributes only.
func NewStyles(useColor bool) *Styles {
	s := &Styles{}
	plain := lipgloss.NewStyle()
	s.Bold = plain.Bold(true)
	s.Faint = plain.Faint(true)
	s.Pane = plain.Border(lipgloss.NormalBorder())
	s.PaneFocused = plain.Border(lipgloss.ThickBorder())
	s.Selected = plain.Reverse(true)
	s.SelectedBlur = plain.Bold(true)
	s.Link = plain.Underline(true)
	s.LinkSelected = plain.Reverse(true)
	s.Title = plain.Bold(true)
	s.Header = plain.Bold(true)
	s.Kind = plain.Faint(true)
	s.Error = plain.Bold(true)
	s.Warning = plain
	s.OK = plain
	s.Help = plain.Faint(true)
	s.Accented = plain
	if !useColor {
		return s
	}
	s.Accent = lipgloss.Color("#7D56F4")
	s.Accented = plain.Foreground(s.Accent)
	s.Title = s.Title.Foreground(lipgloss.Color("#FAFAFA")).Background(s.Accent).Padding(0, 1)
	s.Header = s.Header.Foreground(lipgloss.Color("#B8A6FF"))
	s.PaneFocused = s.PaneFocused.BorderForeground(s.Accent)
	s.Pane = s.Pane.BorderForeground(lipgloss.Color("#555555"))
	s.Selected = plain.Foreground(lipgloss.Color("#FAFAFA")).Background(s.Accent).Bold(true)
	s.SelectedBlur = plain.Foreground(lipgloss.Color("#FAFAFA")).Background(lipgloss.Color("#444444"))
	s.Kind = plain.Foreground(lipgloss.Color("#888888"))
	s.Link = plain.Foreground(lipgloss.Color("#5FAFFF")).Underline(true)
	s.LinkSelected = plain.Foreground(lipgloss.Color("#000000")).Background(lipgloss.Color("#5FAFFF"))
	s.Error = s.Error.Foreground(lipgloss.Color("#FF5F5F"))
	s.Warning = s.Warning.Foreground(lipgloss.Color("#FFAF00"))
	s.OK = s.OK.Foreground(lipgloss.Color("#5FD75F"))
	return s
}

// KeyMap is every key binding of the TUI, shown by the help.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom  key.Binding
	NextPane, PrevPane, Enter, Back, Forward key.Binding
	NextLink, PrevLink, Search, Filter, Help key.Binding
	FollowNumber                             key.Binding
	Quit, Cancel, Yes, No                    key.Binding
}

// DefaultKeyMap returns the default bindings.
func DefaultKeyMap() *KeyMap {
	b := func(keys []string, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return &KeyMap{
		Up:       b([]string{"up", "k"}, "↑/k", "up"),
		Down:     b([]string{"down", "j"}, "↓/j", "down"),
		PageUp:   b([]string{"pgup", "ctrl+u"}, "pgup", "page up"),
		PageDown: b([]string{"pgdown", "ctrl+d", "space"}, "pgdn", "page down"),
		Top:      b([]string{"home", "g"}, "g", "top"),
		Bottom:   b([]string{"end", "G"}, "G", "bottom"),
		NextPane: b([]string{"tab", "right", "l"}, "tab", "next pane"),
		PrevPane: b([]string{"shift+tab", "left", "h"}, "shift+tab", "previous pane"),
		Enter:    b([]string{"enter"}, "enter", "open / follow"),
		Back:     b([]string{"backspace", "b", "alt+left"}, "⌫/b", "back"),
		Forward:  b([]string{"f", "alt+right"}, "f", "forward"),
		NextLink: b([]string{"]", "n"}, "]", "next link"),
		PrevLink: b([]string{"[", "p"}, "[", "previous link"),
		Search:   b([]string{"/"}, "/", "search"),
		// FollowNumber is only shown in the help: the browser reads digits itself.
		FollowNumber: b([]string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "0"}, "1…9", "follow link [N]"),
		Filter:       b([]string{"t"}, "t", "filter by kind"),
		Help:         b([]string{"?"}, "?", "help"),
		Quit:         b([]string{"q", "ctrl+c"}, "q", "quit"),
		Cancel:       b([]string{"esc"}, "esc", "back / close"),
		Yes:          b([]string{"y", "Y"}, "y", "yes"),
		No:           b([]string{"n", "N", "esc"}, "n", "no"),
	}
}

// ShortHelp implements help.KeyMap.
func (k *KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Search, k.Enter, k.Back, k.NextPane, k.Filter, k.Help, k.Quit}
}

// FullHelp implements help.KeyMap.
func (k *KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.NextPane, k.PrevPane, k.Enter, k.NextLink, k.PrevLink, k.FollowNumber},
		{k.Back, k.Forward, k.Search, k.Filter, k.Cancel},
		{k.Help, k.Quit},
	}
}
