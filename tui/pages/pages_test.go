package pages_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/index"
	"github.com/doctown/doctown/pipeline"
	"github.com/doctown/doctown/tui/common"
	"github.com/doctown/doctown/tui/components"
	"github.com/doctown/doctown/tui/packtest"
	"github.com/doctown/doctown/tui/pages"
)

func key(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

func browser(t *testing.T) *pages.Browser {
	t.Helper()
	m, syms, docs := packtest.Small()
	p, err := index.Open(packtest.Write(t, "geom.docpack", m, syms, docs))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	b := pages.NewBrowser(common.New(false, nil), p.Index)
	b.SetSize(120, 40)
	return b
}

func path(b *pages.Browser) string {
	if b.Current() < 0 {
		return ""
	}
	return b.X.Symbols[b.Current()].Path
}

func typeText(b *pages.Browser, s string) {
	for _, r := range s {
		b.Update(key(string(r)))
	}
}

func TestBrowserNavigate(t *testing.T) {
	b := browser(t)
	if got := path(b); got != "geom::shapes" {
		t.Fatalf("first symbol %s", got)
	}
	b.Update(key("down"))
	b.Update(key("down"))
	if got := path(b); got != "geom::Point" {
		t.Errorf("after 2×down: %s", got)
	}
	// Module pane: move to geom::shapes.
	b.Update(key("shift+tab"))
	b.Update(tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift})
	if b.Focus() != pages.PaneModules {
		t.Fatalf("focus %d", b.Focus())
	}
	b.Update(key("j"))
	if got := path(b); !strings.HasPrefix(got, "geom::shapes::") {
		t.Errorf("module shapes shows %s", got)
	}
	if !strings.Contains(ansi.Strip(b.View()), "Items in shapes") {
		t.Errorf("view lacks items title")
	}
}

func TestBrowserSearchFollowBack(t *testing.T) {
	b := browser(t)
	b.Update(key("/"))
	if !b.Searching() {
		t.Fatal("/ did not open search")
	}
	typeText(b, "dist")
	if len(b.Matches()) == 0 || b.X.Symbols[b.Matches()[0].Symbol].Path != "geom::Point::distance" {
		t.Fatalf("matches %v", b.Matches())
	}
	b.Update(key("enter"))
	if b.Searching() || path(b) != "geom::Point::distance" || b.Focus() != pages.PaneDetail {
		t.Fatalf("after enter: searching=%v path=%s focus=%d", b.Searching(), path(b), b.Focus())
	}
	// Links: parent impl, then uses Point.
	var labels []string
	for _, l := range b.Links() {
		labels = append(labels, l.Group+":"+l.Label)
	}
	want := []string{"Parent:geom::Point", "Uses:geom::Point  struct"}
	if strings.Join(labels, "|") != strings.Join(want, "|") {
		t.Errorf("links = %q, want %q", labels, want)
	}
	b.Update(key("]"))
	b.Update(key("enter"))
	if got := path(b); got != "geom::Point" || b.X.Symbols[b.Current()].SymbolType != docpack.KindStruct {
		t.Fatalf("followed to %s", got)
	}
	if v := ansi.Strip(b.View()); !strings.Contains(v, "A point in the plane.") || !strings.Contains(v, "Fields") ||
		!strings.Contains(v, "Implementations") || !strings.Contains(v, "[5] pub fn distance(&self, other: &Point) -> f64") {
		t.Errorf("detail of Point:\n%s", v)
	}
	b.Update(key("b"))
	if got := path(b); got != "geom::Point::distance" {
		t.Errorf("back to %s", got)
	}
	b.Update(key("f"))
	if got := path(b); got != "geom::Point" {
		t.Errorf("forward to %s", got)
	}
	// A follow by number: 1 is the parent module, 2 the first child, field x.
	b.Update(key("2"))
	if got := path(b); got != "geom::Point::x" {
		t.Errorf("link 1 went to %s", got)
	}
}

func TestBrowserSearchEscAndFilter(t *testing.T) {
	b := browser(t)
	b.Update(key("/"))
	typeText(b, "zzzz")
	if n := len(b.Matches()); n != 0 {
		t.Errorf("zzzz matched %d", n)
	}
	if b.Current() >= 0 || strings.Contains(b.PageText(), "geom::") {
		t.Errorf("with no match the detail still shows %s", path(b))
	}
	b.Update(key("backspace"))
	b.Update(key("esc"))
	if b.Searching() {
		t.Error("esc left search open")
	}
	// Kind filter cycles through kinds present.
	kinds := b.X.Kinds()
	for i := 0; i < 3; i++ {
		b.Update(key("t"))
	}
	if b.Kind() != kinds[2] {
		t.Errorf("kind after 3×t = %q, want %q", b.Kind(), kinds[2])
	}
	for range len(kinds) - 2 {
		b.Update(key("t"))
	}
	if b.Kind() != "" {
		t.Errorf("kind did not wrap to all: %q", b.Kind())
	}
	// A kind filter applies to search.
	for b.Kind() != docpack.KindMacro {
		b.Update(key("t"))
	}
	b.Update(key("/"))
	typeText(b, "point")
	for _, m := range b.Matches() {
		if k := b.X.Symbols[m.Symbol].SymbolType; k != docpack.KindMacro {
			t.Errorf("filtered search returned a %s", k)
		}
	}
}

func TestBrowserResize(t *testing.T) {
	b := browser(t)
	for _, size := range [][2]int{{120, 40}, {80, 24}, {40, 12}, {200, 60}} {
		b.SetSize(size[0], size[1])
		v := b.View()
		lines := strings.Split(v, "\n")
		if len(lines) != size[1] {
			t.Errorf("%v: %d lines", size, len(lines))
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w > size[0] {
				t.Errorf("%v: line %d is %d wide", size, i, w)
			}
		}
	}
}

func TestBrowserMouseWheel(t *testing.T) {
	b := browser(t)
	b.Update(tea.MouseWheelMsg{X: 40, Y: 5, Button: tea.MouseWheelDown})
	if got := path(b); got != "geom::ORIGIN" {
		t.Errorf("wheel over items selected %s", got)
	}
}

func TestBuildPage(t *testing.T) {
	clock := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	b := pages.NewBuild(common.New(false, nil), "./geom", now)
	b.SetSize(100, 30)
	b.Update(pages.EventMsg{Event: pipeline.StageStarted{Stage: pipeline.StageFetch}})
	b.Update(pages.EventMsg{Event: pipeline.StageDone{Stage: pipeline.StageFetch, Elapsed: time.Second}})
	b.Update(pages.EventMsg{Event: pipeline.StageStarted{Stage: pipeline.StageParse, Total: 10}})
	clock = clock.Add(2 * time.Second)
	b.Update(pages.EventMsg{Event: pipeline.Progress{Stage: pipeline.StageParse, Done: 5, Total: 10, Unit: "files"}})
	row := b.Rows[1]
	if eta, ok := row.ETA(clock); !ok || eta != 2*time.Second {
		t.Errorf("eta %v %v", eta, ok)
	}
	v := ansi.Strip(b.View())
	if !strings.Contains(v, "5/10 files") || !strings.Contains(v, "eta 2.0s") || !strings.Contains(v, "###") {
		t.Errorf("view:\n%s", v)
	}
	// q asks before cancelling; n keeps going; y cancels.
	if c := b.Update(key("q")); c != nil || !b.Confirming() {
		t.Fatalf("q did not ask")
	}
	c := b.Update(key("n"))
	if msg := c(); msg.(components.ConfirmedMsg).Yes {
		t.Fatal("n confirmed")
	}
	b.Update(key("q"))
	c = b.Update(key("y"))
	c = b.Update(c())
	if c == nil {
		t.Fatal("y did not cancel")
	}
	if _, ok := c().(pages.CancelBuildMsg); !ok {
		t.Fatalf("y sent %T", c())
	}
	b.Update(pages.BuildFinishedMsg{Err: context.Canceled})
	if v := ansi.Strip(b.View()); !strings.Contains(v, "build cancelled") {
		t.Errorf("view after cancel:\n%s", v)
	}
	b.Update(pages.BuildFinishedMsg{Err: errors.New("extract: boom")})
	if v := ansi.Strip(b.View()); !strings.Contains(v, "build failed: extract: boom") {
		t.Errorf("view after failure:\n%s", v)
	}
}

// TestBuildDoneRowCountOnce checks a finished stage's row shows its count once,
// however the stage's summary repeats it.
func TestBuildDoneRowCountOnce(t *testing.T) {
	for _, tc := range []struct {
		name, summary, want string
		total               int
	}{
		{"count then more", "22 files, 431.8 KiB", "22 files  1.2s  431.8 KiB", 22},
		{"only the count", "22 files", "22 files  1.2s", 22},
		{"singular", "1 file, 12 B", "1 files  1.2s  12 B", 1},
		{"other summary", "431.8 KiB read", "22 files  1.2s  431.8 KiB read", 22},
		{"count of something else", "21 files, 3 skipped", "22 files  1.2s  21 files, 3 skipped", 22},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := pages.NewBuild(common.New(false, nil), "./geom", nil)
			b.SetSize(120, 20)
			b.Apply(pipeline.StageStarted{Stage: pipeline.StageParse, Total: tc.total})
			b.Apply(pipeline.Progress{Stage: pipeline.StageParse, Done: tc.total, Total: tc.total, Unit: "files"})
			b.Apply(pipeline.StageDone{Stage: pipeline.StageParse, Elapsed: 1200 * time.Millisecond, Summary: tc.summary})
			var row string
			for _, l := range strings.Split(ansi.Strip(b.View()), "\n") {
				if strings.Contains(l, " parse ") {
					row = l
				}
			}
			if got := strings.TrimSpace(row[strings.Index(row, "100%")+len("100%"):]); got != tc.want {
				t.Errorf("row info %q, want %q", got, tc.want)
			}
		})
	}
}

// TestBuildETAAndBar checks the build screen's numbers between and across
// reports: the ETA counts down while no report comes (it used to climb with
// the time spent: 59 s for an 8 s build) and the bar never goes back.
func TestBuildETAAndBar(t *testing.T) {
	clock := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	b := pages.NewBuild(common.New(false, nil), "./geom", func() time.Time { return clock })
	b.SetSize(100, 30)
	b.Apply(pipeline.StageStarted{Stage: pipeline.StageGenerate, Total: 400})
	clock = clock.Add(time.Second)
	b.Apply(pipeline.Progress{Stage: pipeline.StageGenerate, Done: 100, Total: 400, Unit: "symbols"})
	row := b.Rows[slices.IndexFunc(b.Rows, func(r *pages.StageRow) bool { return r.Stage == pipeline.StageGenerate })]
	prev := time.Hour
	for range 6 {
		eta, ok := row.ETA(clock)
		if ok && eta >= prev {
			t.Errorf("eta went from %v to %v with no report", prev, eta)
		}
		if ok {
			prev = eta
		}
		clock = clock.Add(500 * time.Millisecond)
	}
	if _, ok := row.ETA(clock); ok {
		t.Errorf("an eta 3 s past its 3 s estimate")
	}
	bar := func() int { return strings.Count(ansi.Strip(b.View()), "#") }
	before := bar()
	// The total grows (a workspace's next crate): the count says so, the bar holds.
	b.Apply(pipeline.Progress{Stage: pipeline.StageGenerate, Done: 120, Total: 800, Unit: "symbols"})
	if v := ansi.Strip(b.View()); !strings.Contains(v, "120/800 symbols") || bar() < before {
		t.Errorf("after the total grew: %d bar cells (was %d):\n%s", bar(), before, v)
	}
	// The parse stage expects the .rs files it found and ends on the files
	// it parsed: the count shown is the last.
	b.Apply(pipeline.StageStarted{Stage: pipeline.StageParse})
	b.Apply(pipeline.Progress{Stage: pipeline.StageParse, Done: 1, Total: 52, Unit: "files"})
	b.Apply(pipeline.Progress{Stage: pipeline.StageParse, Done: 51, Total: 51, Unit: "files"})
	if v := ansi.Strip(b.View()); !strings.Contains(v, " files 51 ·") {
		t.Errorf("files after the parse ended on 51 of an expected 52:\n%s", v)
	}
}
