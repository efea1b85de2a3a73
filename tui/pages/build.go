package pages

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/doctown/doctown/pipeline"
	"github.com/doctown/doctown/tui/common"
	"github.com/doctown/doctown/tui/components"
)

// EventMsg carries one pipeline event to the build page.
type EventMsg struct{ Event pipeline.Event }

// BuildFinishedMsg says the build returned.
type BuildFinishedMsg struct {
	Result *pipeline.BuildResult
	Err    error
}

type tickMsg time.Time

// StageState is where a stage is.
type StageState int

// Stage states.
const (
	StagePending StageState = iota
	StageRunning
	StageDone
	StageFailed
	StageSkipped
)

// StageRow is one stage's line of the build screen.
type StageRow struct {
	Stage   pipeline.Stage
	State   StageState
	Done    int
	Total   int
	Unit    string
	Detail  string
	Summary string
	Started time.Time
	// At is when Done last moved: the ETA is measured up to it.
	At      time.Time
	Elapsed time.Duration
	Err     error
	// bar is the share the bar shows: it never goes back while the stage
	// runs, even when a stage's total grows (a workspace's next crate).
	bar float64
}

// Build shows a running build: one row per stage, the generation numbers,
// elapsed time and ETA, and warnings as they arrive.
type Build struct {
	common.Common
	Target string
	// Now is the clock; tests fix it.
	Now func() time.Time

	Rows     []*StageRow
	Stats    pipeline.GenerateStats
	Files    int
	Symbols  int
	Warnings []pipeline.Warning
	Result   *pipeline.BuildResult
	Err      error
	Finished bool

	started time.Time
	confirm *components.Confirm
	bar     progress.Model
	spin    spinner.Model
}

// NewBuild returns the build screen for target; the build itself is run by the
// root model, which forwards its events as EventMsg.
func NewBuild(c common.Common, target string, now func() time.Time) *Build {
	if now == nil {
		now = time.Now
	}
	b := &Build{Common: c, Target: target, Now: now, started: now(),
		confirm: components.NewConfirm(c, "cancel-build", "Cancel the running build?"),
		bar:     components.NewBar(c, barWidth),
		spin:    spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(c.Styles.Accented)),
	}
	for _, s := range pipeline.Stages {
		b.Rows = append(b.Rows, &StageRow{Stage: s})
	}
	return b
}

const barWidth = 29 // 24 cells of bar and " 100%"

// Init starts the clock and the spinner of the running stage.
func (b *Build) Init() tea.Cmd { return tea.Batch(b.tick(), b.spin.Tick) }

func (b *Build) tick() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// SetSize implements Page.
func (b *Build) SetSize(w, h int) { b.Common.SetSize(w, h) }

// Confirming reports whether the cancel question is shown.
func (b *Build) Confirming() bool { return b.confirm.Active }

func (b *Build) row(s pipeline.Stage) *StageRow {
	for _, r := range b.Rows {
		if r.Stage == s {
			return r
		}
	}
	r := &StageRow{Stage: s}
	b.Rows = append(b.Rows, r)
	return r
}

// Apply folds one pipeline event into the screen's state.
func (b *Build) Apply(e pipeline.Event) {
	now := b.Now()
	switch e := e.(type) {
	case pipeline.StageStarted:
		r := b.row(e.Stage)
		r.State, r.Started, r.Total, r.Done, r.bar = StageRunning, now, e.Total, 0, 0
	case pipeline.Progress:
		r := b.row(e.Stage)
		if r.State == StagePending {
			r.State, r.Started = StageRunning, now
		}
		if e.Done != r.Done || e.Total != r.Total {
			r.At = now
		}
		r.Done, r.Total, r.Unit, r.Detail = e.Done, e.Total, e.Unit, e.Detail
		if r.Total > 0 {
			r.bar = max(r.bar, min(1, float64(r.Done)/float64(r.Total)))
		}
		switch e.Unit {
		case "files":
			b.Files = max(e.Total, e.Done) // the parse stage's last report is the files parsed
		case "symbols":
			b.Symbols = max(b.Symbols, e.Total, e.Done)
		}
	case pipeline.StageDone:
		r := b.row(e.Stage)
		r.Elapsed, r.Summary, r.Err = e.Elapsed, e.Summary, e.Err
		switch {
		case e.Skipped:
			r.State = StageSkipped
		case e.Err != nil:
			r.State = StageFailed
		default:
			r.State = StageDone
			if r.Total > 0 {
				r.Done = r.Total
			}
		}
	case pipeline.Warning:
		b.Warnings = append(b.Warnings, e)
	case pipeline.GenerateStats:
		b.Stats = e
		b.Symbols = max(b.Symbols, e.Symbols)
	}
}

// Update implements Page.
func (b *Build) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case EventMsg:
		b.Apply(msg.Event)
	case BuildFinishedMsg:
		b.Finished, b.Result, b.Err = true, msg.Result, msg.Err
		b.confirm.Active = false
	case tickMsg:
		if !b.Finished {
			return b.tick()
		}
	case spinner.TickMsg:
		if !b.Finished {
			var c tea.Cmd
			b.spin, c = b.spin.Update(msg)
			return c
		}
	case components.ConfirmedMsg:
		if msg.Yes && !b.Finished {
			return cmd(CancelBuildMsg{})
		}
	case tea.KeyPressMsg:
		if b.confirm.Active {
			return b.confirm.Update(msg)
		}
		switch {
		case key.Matches(msg, b.Keys.Quit):
			if b.Finished {
				return tea.Quit
			}
			b.confirm.Ask()
		case key.Matches(msg, b.Keys.Enter):
			if b.Finished && b.Err == nil && b.Result != nil && b.Result.Output != "" {
				return cmd(OpenMsg{Path: b.Result.Output})
			}
		case key.Matches(msg, b.Keys.Cancel):
			if b.Finished {
				return cmd(HomeMsg{})
			}
		}
	}
	return nil
}

// ETA estimates the running stage's remaining time from its rate up to the
// last progress report, counting down from there: time passing without a
// report (a batch of slow requests in flight) does not make it climb, as an
// estimate from the time spent so far would (59 s for an 8 s build). It has
// none when the estimate has run out.
func (r *StageRow) ETA(now time.Time) (time.Duration, bool) {
	if r.State != StageRunning || r.Done <= 0 || r.Total <= r.Done || r.At.IsZero() {
		return 0, false
	}
	spent := r.At.Sub(r.Started)
	left := time.Duration(float64(spent)*float64(r.Total-r.Done)/float64(r.Done)) - now.Sub(r.At)
	if left <= 0 {
		return 0, false
	}
	return left, true
}

// View implements Page.
func (b *Build) View() string {
	st := b.Styles
	now := b.Now()
	var out []string
	out = append(out, st.Title.Render(" doctown build ")+" "+b.Target, "")
	for _, r := range b.Rows {
		icon, pct := "·", 0.0
		switch r.State {
		case StageRunning:
			icon, pct = b.spin.View(), r.bar
		case StageDone:
			icon, pct = "✓", 1
		case StageFailed:
			icon = "✗"
		case StageSkipped:
			icon = "-"
		}
		bar := b.bar.ViewAs(pct)
		if r.State == StageSkipped {
			bar = fmt.Sprintf("%-*s", barWidth, "skipped")
		}
		var info string
		switch r.State {
		case StageRunning:
			if r.Total > 0 {
				info = fmt.Sprintf("%d/%d %s", r.Done, r.Total, r.Unit)
			}
			info += "  " + dur(now.Sub(r.Started))
			if eta, ok := r.ETA(now); ok {
				info += "  eta " + dur(eta)
			}
		case StageDone:
			info = dur(r.Elapsed)
			if r.Total > 0 {
				info = fmt.Sprintf("%d %s  %s", r.Total, r.Unit, info)
			}
			if sum := summaryAfterCount(r.Summary, r.Total, r.Unit); sum != "" {
				info += "  " + sum
			}
		case StageSkipped:
			info = r.Summary
		case StageFailed:
			info = st.Error.Render(errText(r.Err))
		}
		out = append(out, fmt.Sprintf(" %s %-9s %s  %s", icon, r.Stage, bar, info))
	}
	s := b.Stats
	out = append(out, "",
		fmt.Sprintf(" files %d · symbols %d · batches %d · in flight %d · requests %d", b.Files, b.Symbols, s.Batches, s.InFlight, s.Requests),
		fmt.Sprintf(" tokens in %d · out %d · cache hits %d · fallbacks %d · cost $%.4f", s.TokensIn, s.TokensOut, s.CacheHits, s.Fallbacks, s.CostUSD),
	)
	elapsed := now.Sub(b.started)
	if b.Finished && b.Result != nil && b.Result.Elapsed > 0 {
		elapsed = b.Result.Elapsed
	}
	out = append(out, " elapsed "+dur(elapsed), "")
	switch {
	case b.Finished && b.Err == nil:
		msg := " done"
		if b.Result != nil && b.Result.Output != "" {
			msg += ": " + b.Result.Output
		}
		out = append(out, st.OK.Render(msg), " enter: browse the docpack · esc: home · q: quit")
	case b.Finished && errors.Is(b.Err, context.Canceled):
		out = append(out, st.Warning.Render(" build cancelled"), " esc: home · q: quit")
	case b.Finished:
		out = append(out, st.Error.Render(" build failed: "+errText(b.Err)), " esc: home · q: quit")
	case b.confirm.Active:
		out = append(out, " "+b.confirm.View())
	default:
		out = append(out, st.Help.Render(" q: cancel the build"))
	}
	if n := len(b.Warnings); n > 0 {
		out = append(out, "", st.Warning.Render(fmt.Sprintf(" warnings (%d)", n)))
		room := max(1, b.Height-len(out))
		first := max(0, n-room)
		for _, w := range b.Warnings[first:] {
			out = append(out, "  "+w.String())
		}
	}
	return components.Fit(strings.Join(out, "\n"), b.Width, b.Height)
}

// summaryAfterCount is a stage's summary without the count the row already
// shows: "22 files, 431.8 KiB" after "22 files" is "431.8 KiB".
func summaryAfterCount(summary string, total int, unit string) string {
	if total <= 0 || unit == "" {
		return summary
	}
	for _, count := range []string{fmt.Sprintf("%d %s", total, unit), fmt.Sprintf("%d %s", total, strings.TrimSuffix(unit, "s"))} {
		if summary == count {
			return ""
		}
		if rest, ok := strings.CutPrefix(summary, count+", "); ok {
			return rest
		}
	}
	return summary
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func dur(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return d.Truncate(time.Second).String()
}
