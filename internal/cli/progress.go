package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/doctown/doctown/pipeline"
)

// progressMode says how build events are shown.
type progressMode int

const (
	progressPlain progressMode = iota // one line per stage and warning (piped output, CI logs)
	progressLine                      // a single redrawn status line (a terminal)
	progressJSON                      // NDJSON events (scripts)
	progressQuiet                     // warnings only
)

// progressRenderer turns pipeline events into terminal output. It is safe for
// concurrent use: the pipeline calls it from several goroutines.
type progressRenderer struct {
	mu       sync.Mutex
	w        io.Writer
	mode     progressMode
	color    bool
	started  map[pipeline.Stage]time.Time
	last     time.Time
	lineLen  int
	current  pipeline.Progress
	stats    pipeline.GenerateStats
	warnings int
	// running is set while a stage is shown on the status line; timer
	// redraws it after a throttled event and every second while no event
	// comes, so its last count and its elapsed time never sit stale.
	running  bool
	finished bool
	timer    *time.Timer
}

func newProgressRenderer(w io.Writer, mode progressMode, color bool) *progressRenderer {
	return &progressRenderer{w: w, mode: mode, color: color, started: map[pipeline.Stage]time.Time{}}
}

// Observe is the pipeline.Observer.
func (r *progressRenderer) Observe(e pipeline.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch r.mode {
	case progressJSON:
		b, err := pipeline.MarshalEvent(e)
		if err == nil {
			r.w.Write(append(b, '\n'))
		}
		return
	case progressQuiet:
		if w, ok := e.(pipeline.Warning); ok {
			r.warnings++
			fmt.Fprintf(r.w, "warning: %s\n", w)
		}
		return
	}
	switch e := e.(type) {
	case pipeline.StageStarted:
		r.started[e.Stage] = time.Now()
		r.current = pipeline.Progress{Stage: e.Stage, Total: e.Total}
		r.running = true
		if r.mode == progressLine {
			r.redraw(true)
		}
	case pipeline.Progress:
		r.current = e
		if r.mode == progressLine {
			r.redraw(false)
		}
	case pipeline.GenerateStats:
		r.stats = e
		if r.mode == progressLine {
			r.redraw(false)
		}
	case pipeline.Warning:
		r.warnings++
		r.clear()
		fmt.Fprintf(r.w, "%s %s\n", r.paint("33", "warning:"), e)
		if r.mode == progressLine {
			r.redraw(true)
		}
	case pipeline.StageDone:
		r.clear()
		r.running = false
		r.stageDone(e)
	}
}

func (r *progressRenderer) stageDone(e pipeline.StageDone) {
	name := fmt.Sprintf("%-8s", e.Stage)
	switch {
	case errors.Is(e.Err, context.Canceled):
		fmt.Fprintf(r.w, "%s %s interrupted after %s\n", r.paint("31", "✗"), name, roundDur(e.Elapsed))
	case e.Err != nil:
		// The error itself is printed once, as the command's last line.
		fmt.Fprintf(r.w, "%s %s failed after %s\n", r.paint("31", "✗"), name, roundDur(e.Elapsed))
	case e.Skipped:
		if r.mode == progressPlain {
			fmt.Fprintf(r.w, "- %s skipped: %s\n", name, e.Summary)
		}
	default:
		sum := e.Summary
		if sum != "" {
			sum = "  " + sum
		}
		fmt.Fprintf(r.w, "%s %s %6s%s\n", r.paint("32", "✓"), name, roundDur(e.Elapsed), sum)
	}
}

func (r *progressRenderer) paint(code, s string) string {
	if !r.color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// redraw rewrites the status line, at most every 50ms unless forced; a
// throttled event is drawn when the 50ms are up.
func (r *progressRenderer) redraw(force bool) {
	if r.finished {
		return
	}
	if wait := 50*time.Millisecond - time.Since(r.last); !force && wait > 0 {
		r.schedule(wait)
		return
	}
	r.schedule(time.Second)
	r.last = time.Now()
	p := r.current
	var b strings.Builder
	fmt.Fprintf(&b, "%-8s ", p.Stage)
	if p.Total > 0 {
		const width = 24
		filled := p.Done * width / max(p.Total, 1)
		filled = min(filled, width)
		b.WriteString("[" + strings.Repeat("█", filled) + strings.Repeat("░", width-filled) + "] ")
		fmt.Fprintf(&b, "%d/%d", p.Done, p.Total)
		if p.Unit != "" {
			b.WriteString(" " + p.Unit)
		}
	}
	if p.Stage == pipeline.StageGenerate && r.stats.Requests > 0 {
		fmt.Fprintf(&b, "  %d in flight, %d tok in, %d tok out, $%.4f", r.stats.InFlight, r.stats.TokensIn, r.stats.TokensOut, r.stats.CostUSD)
	}
	if t, ok := r.started[p.Stage]; ok {
		fmt.Fprintf(&b, "  %s", roundDur(time.Since(t)))
	}
	line := b.String()
	if p.Detail != "" && len(line)+len(p.Detail)+2 < 100 {
		line += "  " + p.Detail
	}
	pad := ""
	if n := r.lineLen - len([]rune(line)); n > 0 {
		pad = strings.Repeat(" ", n)
	}
	fmt.Fprintf(r.w, "\r%s%s", line, pad)
	r.lineLen = len([]rune(line))
}

// schedule redraws the status line after d, replacing any earlier plan.
func (r *progressRenderer) schedule(d time.Duration) {
	if r.timer == nil {
		r.timer = time.AfterFunc(d, func() {
			r.mu.Lock()
			defer r.mu.Unlock()
			if r.running {
				r.redraw(true)
			}
		})
		return
	}
	r.timer.Reset(d)
}

func (r *progressRenderer) clear() {
	if r.mode == progressLine && r.lineLen > 0 {
		fmt.Fprintf(r.w, "\r%s\r", strings.Repeat(" ", r.lineLen))
		r.lineLen = 0
	}
}

// Finish clears any status line left on the terminal.
func (r *progressRenderer) Finish() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.finished = true
	if r.timer != nil {
		r.timer.Stop()
	}
	r.clear()
}

func roundDur(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return "0s"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
