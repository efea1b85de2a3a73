package tui_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/doctown/doctown/pipeline"
	"github.com/doctown/doctown/tui"
	"github.com/doctown/doctown/tui/packtest"
	"github.com/doctown/doctown/tui/pages"
)

func press(tm *teatest.TestModel, keys ...string) {
	for _, k := range keys {
		switch k {
		case "enter":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
		case "esc":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
		default:
			tm.Type(k)
		}
	}
}

// probe wraps the root model and keeps its last frame as plain text, so tests
// wait on what is on screen rather than on the renderer's partial updates.
type probe struct {
	*tui.Model
	mu   sync.Mutex
	last string
}

func (p *probe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, c := p.Model.Update(msg)
	return p, c
}

func (p *probe) View() tea.View {
	v := p.Model.View()
	p.mu.Lock()
	p.last = ansi.Strip(v.Content)
	p.mu.Unlock()
	return v
}

func (p *probe) screen() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last
}

var probes sync.Map // *teatest.TestModel -> *probe

func waitFor(t *testing.T, tm *teatest.TestModel, s string) {
	t.Helper()
	p, _ := probes.Load(tm)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.(*probe).screen(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("screen never showed %q; last screen:\n%s", s, p.(*probe).screen())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// screen is the final frame as plain text, trailing spaces trimmed.
func screen(t *testing.T, tm *teatest.TestModel) []byte {
	t.Helper()
	m := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*probe).Model
	lines := strings.Split(ansi.Strip(m.View().Content), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return []byte(strings.Join(lines, "\n") + "\n")
}

func newTest(t *testing.T, opts tui.Options, w, h int) (*tui.Model, *teatest.TestModel) {
	m := tui.New(t.Context(), opts)
	p := &probe{Model: m}
	tm := teatest.NewTestModel(t, p, teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	probes.Store(tm, p)
	m.Attach(tm.GetProgram())
	return m, tm
}

// TestBrowserFlow opens a docpack, searches, follows a link, goes back and resizes.
func TestBrowserFlow(t *testing.T) {
	mf, syms, docs := packtest.Small()
	path := packtest.Write(t, "geom.docpack", mf, syms, docs)
	_, tm := newTest(t, tui.Options{Target: path}, 110, 32)
	waitFor(t, tm, "Items in geom")
	press(tm, "/", "dist")
	waitFor(t, tm, "1 matches")
	press(tm, "enter")
	waitFor(t, tm, "Euclidean")
	press(tm, "]", "enter") // follow "uses Point"
	waitFor(t, tm, "plane")
	press(tm, "b") // back to distance
	tm.Send(tea.WindowSizeMsg{Width: 90, Height: 30})
	press(tm, "q")
	golden.RequireEqual(t, screen(t, tm))
}

// TestBrowserSearchScreen keeps the search box (bubbles' textinput) and its
// results on screen.
func TestBrowserSearchScreen(t *testing.T) {
	mf, syms, docs := packtest.Small()
	path := packtest.Write(t, "geom.docpack", mf, syms, docs)
	_, tm := newTest(t, tui.Options{Target: path}, 100, 20)
	waitFor(t, tm, "Items in geom")
	press(tm, "/", "poin")
	waitFor(t, tm, "Search: ")
	waitFor(t, tm, "/poin")
	tm.Quit()
	golden.RequireEqual(t, screen(t, tm))
}

func TestBrowserHelp(t *testing.T) {
	mf, syms, docs := packtest.Small()
	path := packtest.Write(t, "geom.docpack", mf, syms, docs)
	_, tm := newTest(t, tui.Options{Target: path}, 100, 24)
	waitFor(t, tm, "Items in geom")
	press(tm, "?")
	waitFor(t, tm, "any key")
	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	if out := screen(t, tm); !bytes.Contains(out, []byte("filter by kind")) {
		t.Errorf("help lacks the filter key:\n%s", out)
	}
}

// TestBuildFlow feeds the build screen a scripted build, then opens the result.
func TestBuildFlow(t *testing.T) {
	mf, syms, docs := packtest.Small()
	out := packtest.Write(t, "geom.docpack", mf, syms, docs)
	release := make(chan struct{})
	clock := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	build := func(ctx context.Context, target string, emit pipeline.Observer) (*pipeline.BuildResult, error) {
		for _, e := range []pipeline.Event{
			pipeline.StageStarted{Stage: pipeline.StageFetch},
			pipeline.StageDone{Stage: pipeline.StageFetch, Elapsed: 120 * time.Millisecond, Summary: target},
			pipeline.StageStarted{Stage: pipeline.StageParse, Total: 4},
			pipeline.Progress{Stage: pipeline.StageParse, Done: 4, Total: 4, Unit: "files"},
			pipeline.Warning{Stage: pipeline.StageParse, File: "src/odd.rs", Line: 3, Message: "syntax error"},
			pipeline.StageDone{Stage: pipeline.StageParse, Elapsed: 300 * time.Millisecond, Summary: "4 files, 12.0 KiB"},
			pipeline.StageStarted{Stage: pipeline.StageExtract},
			pipeline.Progress{Stage: pipeline.StageExtract, Done: 18, Total: 18, Unit: "symbols"},
			pipeline.StageDone{Stage: pipeline.StageExtract, Elapsed: 50 * time.Millisecond},
			pipeline.StageStarted{Stage: pipeline.StageBatch},
			pipeline.StageDone{Stage: pipeline.StageBatch, Skipped: true, Summary: "extractive needs no batches"},
			pipeline.StageStarted{Stage: pipeline.StageGenerate, Total: 18},
			pipeline.Progress{Stage: pipeline.StageGenerate, Done: 9, Total: 18, Unit: "symbols"},
			pipeline.GenerateStats{Symbols: 18, Batches: 2, InFlight: 1, Requests: 1, TokensIn: 1200, TokensOut: 300, CacheHits: 3, CostUSD: 0.0021},
		} {
			emit(e)
		}
		<-release
		for _, e := range []pipeline.Event{
			pipeline.Progress{Stage: pipeline.StageGenerate, Done: 18, Total: 18, Unit: "symbols"},
			pipeline.StageDone{Stage: pipeline.StageGenerate, Elapsed: 2 * time.Second},
			pipeline.StageStarted{Stage: pipeline.StagePackage},
			pipeline.StageDone{Stage: pipeline.StagePackage, Elapsed: 10 * time.Millisecond, Summary: "geom.docpack"},
			pipeline.StageStarted{Stage: pipeline.StageUpload},
			pipeline.StageDone{Stage: pipeline.StageUpload, Skipped: true, Summary: "no upload target"},
		} {
			emit(e)
		}
		return &pipeline.BuildResult{Output: out, Elapsed: 3 * time.Second}, nil
	}
	m, tm := newTest(t, tui.Options{Target: "./geom", Build: build, Now: func() time.Time { return clock }}, 100, 30)
	waitFor(t, tm, "9/18")
	// q asks first; n keeps the build running.
	press(tm, "q")
	waitFor(t, tm, "Cancel the running build?")
	press(tm, "n")
	close(release)
	waitFor(t, tm, "enter: browse")
	press(tm, "q")
	got := bytes.ReplaceAll(screen(t, tm), []byte(out), []byte("OUT/geom.docpack"))
	golden.RequireEqual(t, got)
	if _, ok := m.Page().(*pages.Build); !ok {
		t.Errorf("page is %T", m.Page())
	}
}

// TestBuildCancel cancels a running build with q, y.
func TestBuildCancel(t *testing.T) {
	build := func(ctx context.Context, target string, emit pipeline.Observer) (*pipeline.BuildResult, error) {
		emit(pipeline.StageStarted{Stage: pipeline.StageFetch})
		<-ctx.Done()
		return nil, ctx.Err()
	}
	_, tm := newTest(t, tui.Options{Target: "./x", Build: build}, 90, 24)
	waitFor(t, tm, "fetch")
	press(tm, "q")
	waitFor(t, tm, "[y/N]")
	press(tm, "y")
	waitFor(t, tm, "cancelled")
	press(tm, "q")
	if out := screen(t, tm); !bytes.Contains(out, []byte("build cancelled")) {
		t.Errorf("screen:\n%s", out)
	}
}

// TestOpenErrorIsAMessage opens a file that is not a docpack.
func TestOpenErrorIsAMessage(t *testing.T) {
	path := t.TempDir() + "/junk.docpack"
	if err := writeFile(path, "junk"); err != nil {
		t.Fatal(err)
	}
	_, tm := newTest(t, tui.Options{Target: path}, 90, 20)
	waitFor(t, tm, "error:")
	tm.Quit()
	if out := screen(t, tm); !bytes.Contains(out, []byte("not a readable zip archive")) {
		t.Errorf("screen:\n%s", out)
	}
}

var _ = io.Discard

// TestNoFrameBeforeSize: before the terminal's size is known the root draws
// nothing, rather than panes laid out for 0×0.
func TestNoFrameBeforeSize(t *testing.T) {
	mf, syms, docs := packtest.Small()
	path := packtest.Write(t, "geom.docpack", mf, syms, docs)
	m := tui.New(t.Context(), tui.Options{Target: path})
	msg := m.Init()()
	m.Update(msg)
	if v := m.View().Content; v != "" {
		t.Fatalf("frame before the size:\n%s", v)
	}
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 20})
	if v := ansi.Strip(m.View().Content); !strings.Contains(v, "Items in geom") || len(strings.Split(v, "\n")) != 20 {
		t.Errorf("frame after the size:\n%s", v)
	}
}
