package pages

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/doctown/doctown/relay/commons/api"
	"github.com/doctown/doctown/tui/common"
	"github.com/doctown/doctown/tui/components"
)

// CommonsEntry is one docpack listed by a relay's GET /api/docpacks.
type CommonsEntry = api.Entry

// HomeOptions configure the home screen.
type HomeOptions struct {
	// Dirs are searched for *.docpack files (the current directory, the data dir).
	Dirs []string
	// DataDir receives docpacks downloaded from the relay.
	DataDir string
	// Relay, when set, is a relay's base URL whose commons are listed.
	Relay  string
	Client *http.Client
}

// Home is the start screen: type a path or owner/repo@ref to build, or pick a
// recent docpack or one from the relay's commons.
type Home struct {
	common.Common
	opts    HomeOptions
	ctx     context.Context
	input   *components.Input
	recent  *components.List
	commons *components.List
	files   []string
	entries []CommonsEntry
	focus   int // 0 input, 1 recent, 2 commons
	status  string
	// busy is set while the commons load or a docpack downloads: the status
	// line then leads with the spinner.
	busy bool
	spin spinner.Model
	// changes is the text of the commons entry whose changes were asked for
	// ("c"), shown under the commons.
	changes string
}

// downloadedMsg says a commons docpack is on disk at path.
type downloadedMsg struct{ path string }

type commonsMsg struct {
	entries []CommonsEntry
	err     error
}

type homeErrMsg struct{ err error }

// changesMsg carries a commons entry's changes.
type changesMsg struct {
	name    string
	changes *Changes
}

// NewHome returns the home screen. ctx bounds the relay requests.
func NewHome(ctx context.Context, c common.Common, opts HomeOptions) *Home {
	if opts.Client == nil {
		opts.Client = http.DefaultClient
	}
	h := &Home{Common: c, opts: opts, ctx: ctx,
		input:   components.NewInput(c, "build or open › ", "./path/to/crate, owner/repo@ref or file.docpack"),
		recent:  components.NewList(c, "Recent docpacks"),
		commons: components.NewList(c, "Commons of "+opts.Relay),
		spin:    spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(c.Styles.Accented)),
	}
	h.files = findDocpacks(opts.Dirs)
	rows := make([]components.Row, len(h.files))
	for i, f := range h.files {
		rows[i] = components.Row{Text: f}
	}
	h.recent.SetRows(rows)
	if len(h.files) > 0 {
		h.focus = 1
	}
	return h
}

// findDocpacks lists *.docpack files in dirs, newest first.
func findDocpacks(dirs []string) []string {
	type file struct {
		path string
		mod  time.Time
	}
	var files []file
	seen := map[string]bool{}
	for _, d := range dirs {
		ents, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range ents {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ".docpack") {
				continue
			}
			p := filepath.Join(d, e.Name())
			if abs, err := filepath.Abs(p); err == nil && seen[abs] {
				continue
			} else {
				seen[abs] = true
			}
			info, err := e.Info()
			if err != nil {
				continue
			}
			files = append(files, file{p, info.ModTime()})
		}
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].mod.After(files[j].mod) })
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.path
	}
	return out
}

// Init fetches the commons when a relay is set.
func (h *Home) Init() tea.Cmd {
	if h.opts.Relay == "" {
		return nil
	}
	h.status = "loading the commons of " + h.opts.Relay + "…"
	ctx, client, relay := h.ctx, h.opts.Client, h.opts.Relay
	return h.whileBusy(func() tea.Msg {
		entries, err := FetchCommons(ctx, client, relay)
		return commonsMsg{entries, err}
	})
}

// whileBusy runs work with the spinner turning until its answer arrives.
func (h *Home) whileBusy(work tea.Cmd) tea.Cmd {
	start := !h.busy
	h.busy = true
	if !start {
		return work // the spinner already turns
	}
	return tea.Batch(work, h.spin.Tick)
}

// FetchCommons lists the docpacks of a relay, newest first.
func FetchCommons(ctx context.Context, client *http.Client, relay string) ([]CommonsEntry, error) {
	return (&api.Client{Base: relay, HTTP: client}).List(ctx)
}

// Download fetches a commons docpack into dir and returns its path; see
// api.Client.Download.
func Download(ctx context.Context, client *http.Client, relay, dir string, e CommonsEntry) (string, error) {
	return (&api.Client{Base: relay, HTTP: client}).Download(ctx, dir, e)
}

// SetSize implements Page.
func (h *Home) SetSize(w, hh int) {
	h.Common.SetSize(w, hh)
	h.input.SetSize(w-2, 1)
	lh := max(3, (hh-6)/2)
	if h.opts.Relay == "" {
		lh = max(3, hh-6)
	}
	h.recent.SetSize(w-2, lh)
	h.commons.SetSize(w-2, lh)
}

// Update implements Page.
func (h *Home) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case spinner.TickMsg:
		if !h.busy {
			return nil // let the spinner stop
		}
		var c tea.Cmd
		h.spin, c = h.spin.Update(msg)
		return c
	case downloadedMsg:
		h.busy, h.status = false, ""
		return cmd(OpenMsg{Path: msg.path})
	case commonsMsg:
		h.busy = false
		if msg.err != nil {
			h.status = msg.err.Error()
			return nil
		}
		h.status = ""
		h.entries = msg.entries
		rows := make([]components.Row, len(msg.entries))
		for i, e := range msg.entries {
			ref := strings.TrimPrefix(strings.TrimPrefix(e.Ref, "refs/heads/"), "refs/tags/")
			if ref == "" {
				ref = api.Short(e.SHA)
			}
			rows[i] = components.Row{Text: fmt.Sprintf("%s/%s@%s", e.Owner, e.Repo, ref), Note: fmt.Sprintf("%d symbols", e.SymbolCount)}
		}
		h.commons.SetRows(rows)
	case changesMsg:
		h.busy, h.status = false, ""
		h.changes = "Changes of " + msg.name + ": " + msg.changes.Text()
	case homeErrMsg:
		h.busy = false
		h.status = msg.err.Error()
	case tea.KeyPressMsg:
		return h.updateKey(msg)
	case tea.PasteMsg:
		h.focus = 0
		_, c := h.input.Update(msg)
		return c
	}
	return nil
}

func (h *Home) updateKey(msg tea.KeyPressMsg) tea.Cmd {
	k := h.Keys
	switch msg.String() {
	case "ctrl+c":
		return tea.Quit
	case "tab":
		h.focus = (h.focus + 1) % h.panes()
		return nil
	case "shift+tab":
		h.focus = (h.focus + h.panes() - 1) % h.panes()
		return nil
	case "esc":
		// esc clears what was typed; on an empty field it leaves.
		if h.input.Value() != "" {
			h.input.SetValue("")
			if len(h.files) > 0 {
				h.focus = 1
			}
			return nil
		}
		return tea.Quit
	}
	switch h.focus {
	case 0:
		if msg.String() == "enter" {
			return h.submit(strings.TrimSpace(h.input.Value()))
		}
		if msg.String() == "down" {
			h.focus = 1
			return nil
		}
		_, c := h.input.Update(msg)
		return c
	case 1, 2:
		l := h.recent
		if h.focus == 2 {
			l = h.commons
		}
		switch {
		case msg.String() == "c" && h.focus == 2 && l.Cursor() >= 0:
			e := h.entries[l.Cursor()]
			name := e.Owner + "/" + e.Repo + "@" + api.Short(e.SHA)
			h.status = "loading the changes of " + name + "…"
			ctx, client, relay := h.ctx, h.opts.Client, h.opts.Relay
			return h.whileBusy(func() tea.Msg {
				c, err := FetchChanges(ctx, client, relay, e)
				if err != nil {
					return homeErrMsg{err}
				}
				return changesMsg{name, c}
			})
		case typed(msg):
			// Typing starts a target wherever the focus is: every letter
			// goes to the field ("BurntSushi/memchr@2.7.4", not "/memchr…"),
			// so the lists move with the arrow keys only.
			h.focus = 0
			_, c := h.input.Update(msg)
			return c
		case key.Matches(msg, k.Enter):
			i := l.Cursor()
			if i < 0 {
				return nil
			}
			if h.focus == 1 {
				return cmd(OpenMsg{Path: h.files[i]})
			}
			e := h.entries[i]
			h.status = "downloading " + e.Owner + "/" + e.Repo + "…"
			ctx, client, relay, dir := h.ctx, h.opts.Client, h.opts.Relay, h.opts.DataDir
			return h.whileBusy(func() tea.Msg {
				path, err := Download(ctx, client, relay, dir, e)
				if err != nil {
					return homeErrMsg{err}
				}
				return downloadedMsg{path}
			})
		default:
			l.Update(msg)
		}
	}
	return nil
}

// typed reports whether a key press writes text (a letter, a digit, "/", "@"),
// rather than being a named key or a chord.
func typed(msg tea.KeyPressMsg) bool {
	return msg.Text != "" && msg.Mod&^tea.ModShift == 0 && msg.Text != " "
}

func (h *Home) panes() int {
	if h.opts.Relay != "" {
		return 3
	}
	return 2
}

func (h *Home) submit(target string) tea.Cmd {
	if target == "" {
		h.status = "type a directory, owner/repo@ref or a .docpack file"
		return nil
	}
	if strings.HasSuffix(target, ".docpack") {
		return cmd(OpenMsg{Path: target})
	}
	return cmd(BuildMsg{Target: target})
}

// View implements Page.
func (h *Home) View() string {
	st := h.Styles
	h.recent.Focused = h.focus == 1
	h.commons.Focused = h.focus == 2
	in := h.input.View()
	if h.focus == 0 {
		in = st.Bold.Render(in)
	}
	out := []string{st.Title.Render(" doctown ") + st.Faint.Render("  documentation packs for Rust code"), "", " " + in, ""}
	recent := h.recent.View()
	if len(h.files) == 0 {
		where := "found"
		if len(h.opts.Dirs) > 0 {
			where = "in " + strings.Join(h.opts.Dirs, " or ")
		}
		recent = st.Header.Render(h.recent.Title) + "\n " + st.Faint.Render("no .docpack files "+where)
	}
	out = append(out, indent(recent, " "))
	if h.opts.Relay != "" {
		out = append(out, "", indent(h.commons.View(), " "))
		if h.changes != "" {
			out = append(out, "", indent(h.changes, " "))
		}
	}
	body := components.Fit(strings.Join(out, "\n"), h.Width, h.Height-1)
	foot := h.status
	if h.busy {
		foot = h.spin.View() + " " + foot
	}
	if foot == "" {
		foot = "type a target · ↑/↓ pick · enter: open/build · tab: switch · esc: quit"
		if h.opts.Relay != "" {
			foot = "type a target · ↑/↓ pick · enter: open/build · c: changes · tab: switch · esc: quit"
		}
	}
	return body + "\n" + components.Fit(st.Help.Render(" "+foot), h.Width, 1)
}
