// Package tui is doctown's terminal interface: a home screen, live progress of a
// build and a docpack browser, on Bubble Tea v2. The root Model only routes
// messages to the current page and lays it out; the pages live in tui/pages,
// the widgets in tui/components, the shared state in tui/common.
package tui

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/doctown/doctown/docpack/index"
	"github.com/doctown/doctown/pipeline"
	"github.com/doctown/doctown/tui/common"
	"github.com/doctown/doctown/tui/components"
	"github.com/doctown/doctown/tui/pages"
)

// BuildFunc runs a build of target (a directory or owner/repo@ref), sending its
// events to emit. The CLI provides it; the TUI runs it in a goroutine.
type BuildFunc func(ctx context.Context, target string, emit pipeline.Observer) (*pipeline.BuildResult, error)

// Options configure the TUI.
type Options struct {
	// Target is what to show first: "" for the home screen, a .docpack file for
	// the browser, anything else is built.
	Target string
	// Pack, when set, is Target already opened: the browser shows it without
	// reading the file again, and the TUI closes it.
	Pack *index.Pack
	// Relay is a relay's base URL whose commons the home screen lists.
	Relay string
	// Build runs builds; nil disables them.
	Build BuildFunc
	// Dirs are searched for recent docpacks; DataDir receives downloads.
	Dirs    []string
	DataDir string
	Client  *http.Client
	// Color is false under NO_COLOR.
	Color  bool
	Logger *slog.Logger
	// Now is the clock of the build screen; nil means time.Now.
	Now func() time.Time
}

// Model is the root model.
type Model struct {
	common.Common
	ctx      context.Context
	opts     Options
	page     pages.Page
	home     *pages.Home
	pack     *index.Pack
	send     func(tea.Msg)
	attached chan struct{}
	cancel   context.CancelFunc
	err      string
	mouse    bool
}

type packMsg struct {
	pack *index.Pack
	err  error
}

// New returns the root model. ctx bounds builds and downloads.
func New(ctx context.Context, opts Options) *Model {
	m := &Model{Common: common.New(opts.Color, opts.Logger), ctx: ctx, opts: opts, attached: make(chan struct{})}
	m.home = pages.NewHome(ctx, m.Common, pages.HomeOptions{Dirs: opts.Dirs, DataDir: opts.DataDir, Relay: opts.Relay, Client: opts.Client})
	m.page = m.home
	return m
}

// Attach gives the model the program that runs it, so build events can be sent
// with program.Send. Call it once, before or just after the program starts:
// builds wait for it.
func (m *Model) Attach(p *tea.Program) {
	m.send = p.Send
	close(m.attached)
}

// Page returns the current page.
func (m *Model) Page() pages.Page { return m.page }

// Init implements tea.Model.
func (m *Model) Init() tea.Cmd {
	switch t := m.opts.Target; {
	case t == "":
		return m.home.Init()
	case m.opts.Pack != nil:
		p := m.opts.Pack
		return func() tea.Msg { return packMsg{pack: p} }
	case strings.HasSuffix(t, ".docpack"):
		return m.open(t)
	default:
		return m.startBuild(t)
	}
}

func (m *Model) open(path string) tea.Cmd {
	m.err = ""
	return func() tea.Msg {
		p, err := index.Open(path)
		return packMsg{p, err}
	}
}

func (m *Model) startBuild(target string) tea.Cmd {
	if m.opts.Build == nil {
		m.err = "builds are not available here"
		return nil
	}
	b := pages.NewBuild(m.Common, target, m.opts.Now)
	m.setPage(b)
	ctx, cancel := context.WithCancel(m.ctx)
	m.cancel = cancel
	run := m.opts.Build
	logger := m.Logger
	go func() {
		select {
		case <-m.attached:
		case <-ctx.Done():
			return
		}
		send := m.send
		defer func() {
			if r := recover(); r != nil {
				logger.Error("build panicked", "panic", r)
				if send != nil {
					send(pages.BuildFinishedMsg{Err: fmt.Errorf("build panicked: %v", r)})
				}
			}
		}()
		res, err := run(ctx, target, func(e pipeline.Event) {
			if send != nil {
				send(pages.EventMsg{Event: e})
			}
		})
		if err != nil {
			logger.Info("build finished", "target", target, "err", err)
		}
		if send != nil {
			send(pages.BuildFinishedMsg{Result: res, Err: err})
		}
	}()
	return b.Init()
}

func (m *Model) setPage(p pages.Page) {
	m.page = p
	p.SetSize(m.Width, m.Height-m.errLines())
}

// errText is the error banner, wrapped to at most three lines.
func (m *Model) errText() string {
	if m.err == "" {
		return ""
	}
	lines := strings.Split(ansi.Wrap(" error: "+m.err, max(10, m.Width), " /"), "\n")
	if len(lines) > 3 {
		lines = lines[:3]
	}
	return components.Fit(m.Styles.Error.Render(strings.Join(lines, "\n")), m.Width, len(lines))
}

func (m *Model) errLines() int {
	if m.err == "" {
		return 0
	}
	return strings.Count(m.errText(), "\n") + 1
}

// Update implements tea.Model.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.SetSize(msg.Width, msg.Height)
		m.page.SetSize(msg.Width, msg.Height-m.errLines())
		return m, nil
	case packMsg:
		if msg.err != nil {
			m.Logger.Warn("open docpack", "err", msg.err)
			m.err = msg.err.Error()
			if m.page == nil || m.page == pages.Page(m.home) {
				m.setPage(m.home)
			}
			m.page.SetSize(m.Width, m.Height-m.errLines())
			return m, nil
		}
		if m.pack != nil {
			m.pack.Close()
		}
		m.pack = msg.pack
		b := pages.NewBrowser(m.Common, msg.pack.Index)
		b.HomeAvailable = true
		m.mouse = true
		m.setPage(b)
		return m, b.Init()
	case pages.OpenMsg:
		return m, m.open(msg.Path)
	case pages.BuildMsg:
		return m, m.startBuild(msg.Target)
	case pages.CancelBuildMsg:
		if m.cancel != nil {
			m.cancel()
		}
		return m, nil
	case pages.HomeMsg:
		m.mouse = false
		m.setPage(m.home)
		return m, nil
	case pages.BuildFinishedMsg:
		if m.cancel != nil {
			m.cancel()
		}
	case tea.KeyPressMsg:
		if m.err != "" {
			m.err = ""
			m.page.SetSize(m.Width, m.Height)
		}
	}
	return m, m.page.Update(msg)
}

// View implements tea.Model.
func (m *Model) View() tea.View {
	if m.Width == 0 || m.Height == 0 {
		// No size yet: a page laid out for 0×0 is a scrap of borders that the
		// next frame may not fully overwrite. Draw nothing until the size arrives.
		v := tea.NewView("")
		v.AltScreen = true
		return v
	}
	content := m.page.View()
	if m.err != "" {
		content = m.errText() + "\n" + content
	}
	v := tea.NewView(content)
	v.AltScreen = true
	if m.mouse {
		v.MouseMode = tea.MouseModeCellMotion
	}
	v.WindowTitle = "doctown"
	return v
}

// Close releases the open docpack.
func (m *Model) Close() {
	if m.pack != nil {
		m.pack.Close()
	}
	if m.cancel != nil {
		m.cancel()
	}
}

// Run runs the TUI on the terminal until the user quits. The terminal is
// restored however it ends: Bubble Tea recovers panics in Update and View and
// restores the terminal before returning.
func Run(ctx context.Context, opts Options, popts ...tea.ProgramOption) error {
	m := New(ctx, opts)
	defer m.Close()
	if opts.Pack != nil {
		defer func() {
			if m.pack != opts.Pack {
				opts.Pack.Close() // the program ended before showing it
			}
		}()
	}
	if !opts.Color {
		popts = append([]tea.ProgramOption{tea.WithColorProfile(colorprofile.Ascii)}, popts...)
	}
	p := tea.NewProgram(m, append([]tea.ProgramOption{tea.WithContext(ctx)}, popts...)...)
	m.Attach(p)
	_, err := p.Run()
	if err != nil {
		return fmt.Errorf("tui: %w", err)
	}
	return nil
}

// DataDir is where the TUI keeps downloaded docpacks: $XDG_DATA_HOME/doctown,
// else ~/.local/share/doctown on Unix, else os.UserConfigDir()/doctown.
func DataDir(getenv func(string) string) string {
	if d := getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "doctown")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "doctown")
	}
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "doctown")
	}
	return filepath.Join(os.TempDir(), "doctown")
}

// OpenLog opens the TUI's log file, os.UserCacheDir()/doctown/tui.log, for
// appending: while the TUI owns the terminal, logs go there. It returns a
// discarding logger when the file cannot be opened.
func OpenLog() (*slog.Logger, func()) {
	dir, err := os.UserCacheDir()
	if err == nil {
		dir = filepath.Join(dir, "doctown")
		err = os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return slog.New(slog.DiscardHandler), func() {}
	}
	f, err := os.OpenFile(filepath.Join(dir, "tui.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return slog.New(slog.DiscardHandler), func() {}
	}
	return slog.New(slog.NewTextHandler(f, nil)), func() { f.Close() }
}
