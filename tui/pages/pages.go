// Package pages holds the TUI's screens: home (recent docpacks, start a build,
// a relay's commons), build (live progress of a pipeline.Build) and browser
// (a docpack's modules, symbols and docs). Pages ask the root model for what
// they cannot do themselves with the messages below.
package pages

import (
	tea "charm.land/bubbletea/v2"
)

// Page is one screen. Update mutates the page and returns a command.
type Page interface {
	Init() tea.Cmd
	Update(tea.Msg) tea.Cmd
	View() string
	SetSize(w, h int)
}

// OpenMsg asks the root to open a docpack in the browser.
type OpenMsg struct{ Path string }

// BuildMsg asks the root to start a build of Target (a directory or owner/repo@ref).
type BuildMsg struct{ Target string }

// CancelBuildMsg asks the root to cancel the running build.
type CancelBuildMsg struct{}

// HomeMsg asks the root to show the home screen.
type HomeMsg struct{}

// DownloadMsg asks the root to download a docpack from a relay and open it.
type DownloadMsg struct{ Entry CommonsEntry }

func cmd(m tea.Msg) tea.Cmd { return func() tea.Msg { return m } }
