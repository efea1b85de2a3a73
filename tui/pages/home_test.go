package pages_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/tui/common"
	"github.com/doctown/doctown/tui/packtest"
	"github.com/doctown/doctown/tui/pages"
)

// fakeRelay serves the commons API the way relay/commons does: GET
// /api/docpacks pages with an opaque "next" cursor passed back as ?cursor=, and
// GET /api/docpacks/{owner}/{repo}/{sha} downloads, with {"error": …} bodies.
type fakeRelay struct {
	*httptest.Server
	pack     []byte // a valid docpack
	requests []string
}

func newFakeRelay(t *testing.T) *fakeRelay {
	t.Helper()
	m, syms, docs := packtest.Small()
	pack, err := os.ReadFile(packtest.Write(t, "geom.docpack", m, syms, docs))
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeRelay{pack: pack}
	mux := http.NewServeMux()
	entry := func(owner, repo, sha string) map[string]any {
		return map[string]any{
			"owner": owner, "repo": repo, "sha": sha, "ref": "refs/heads/main", "symbol_count": 18,
			"size": len(pack), "generator": "extractive", "model": "", "created_at": "2025-01-02T03:04:05Z",
			"url":      f.URL + "/api/docpacks/" + owner + "/" + repo + "/" + sha,
			"page_url": f.URL + "/r/" + owner + "/" + repo + "/" + sha,
		}
	}
	mux.HandleFunc("GET /api/docpacks", func(w http.ResponseWriter, r *http.Request) {
		f.requests = append(f.requests, r.URL.RequestURI())
		var out map[string]any
		switch r.URL.Query().Get("cursor") {
		case "":
			out = map[string]any{"docpacks": []any{entry("acme", "geom", "aaaa1111bbbb2222"), entry("acme", "junk", "cccc3333")}, "next": "opaque/cursor=2"}
		case "opaque/cursor=2":
			out = map[string]any{"docpacks": []any{entry("acme", "gone", "dddd4444"), entry("acme", "half", "eeee5555")}, "next": ""}
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"bad cursor"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	})
	mux.HandleFunc("GET /api/docpacks/{owner}/{repo}/{sha}", func(w http.ResponseWriter, r *http.Request) {
		f.requests = append(f.requests, r.URL.RequestURI())
		switch r.PathValue("repo") {
		case "geom":
			w.Header().Set("Content-Type", "application/vnd.doctown.docpack+zip")
			w.Write(f.pack)
		case "junk":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html><body>maintenance</body></html>")
		case "half":
			w.Write(f.pack[:len(f.pack)/2])
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":"no such docpack"}`)
		}
	})
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

func TestFetchCommons(t *testing.T) {
	f := newFakeRelay(t)
	got, err := pages.FetchCommons(t.Context(), f.Client(), f.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range got {
		names = append(names, e.Owner+"/"+e.Repo)
	}
	if strings.Join(names, " ") != "acme/geom acme/junk acme/gone acme/half" {
		t.Errorf("entries %v", names)
	}
	e := got[0]
	want := pages.CommonsEntry{Owner: "acme", Repo: "geom", SHA: "aaaa1111bbbb2222", Ref: "refs/heads/main", SymbolCount: 18,
		Size: int64(len(f.pack)), Generator: "extractive", CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		URL: f.URL + "/api/docpacks/acme/geom/aaaa1111bbbb2222", PageURL: f.URL + "/r/acme/geom/aaaa1111bbbb2222"}
	if !reflect.DeepEqual(e, want) {
		t.Errorf("entry\n got %+v\nwant %+v", e, want)
	}
	if want := "/api/docpacks?cursor=opaque%2Fcursor%3D2"; len(f.requests) != 2 || f.requests[1] != want {
		t.Errorf("requests %q, want the second to be %q", f.requests, want)
	}
}

func TestFetchCommonsErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"404", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, "404 Not Found"},
		{"error body", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, `{"error":"listing failed"}`)
		}, "500 Internal Server Error: listing failed"},
		{"not JSON", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<!doctype html><p>hello")
		}, "not a docpack listing (text/html)"},
		{"cursor loop", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"docpacks":[{"owner":"a","repo":"b","sha":"c"}],"next":"same"}`)
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			got, err := pages.FetchCommons(t.Context(), srv.Client(), srv.URL)
			if tc.want == "" {
				// A relay that repeats its cursor is read once per distinct cursor, then stops.
				if err != nil || len(got) != 2 {
					t.Fatalf("got %d entries, %v", len(got), err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want it to contain %q", err, tc.want)
			}
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		if _, err := pages.FetchCommons(t.Context(), http.DefaultClient, srv.URL); err == nil {
			t.Fatal("no error from a closed server")
		}
	})
}

func TestDownload(t *testing.T) {
	f := newFakeRelay(t)
	entries, err := pages.FetchCommons(t.Context(), f.Client(), f.URL)
	if err != nil {
		t.Fatal(err)
	}
	byRepo := map[string]pages.CommonsEntry{}
	for _, e := range entries {
		byRepo[e.Repo] = e
	}
	for _, tc := range []struct {
		repo    string
		wantErr error
		want    string
	}{
		{"geom", nil, ""},
		{"junk", docpack.ErrNotDocpack, "download acme/junk"},
		{"half", docpack.ErrNotDocpack, "download acme/half"},
		{"gone", nil, "404 Not Found: no such docpack"},
	} {
		t.Run(tc.repo, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			path, err := pages.Download(t.Context(), f.Client(), f.URL, dir, byRepo[tc.repo])
			files, _ := os.ReadDir(dir)
			if tc.want == "" && tc.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if want := filepath.Join(dir, "acme-geom-aaaa1111bbbb.docpack"); path != want {
					t.Errorf("path %s, want %s", path, want)
				}
				if p, err := docpack.Open(path); err != nil {
					t.Errorf("downloaded file does not open: %v", err)
				} else {
					p.Close()
				}
				if len(files) != 1 {
					t.Errorf("data dir holds %d files, want 1", len(files))
				}
				return
			}
			if err == nil {
				t.Fatalf("no error; wrote %s", path)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("err %v, want %v", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %q lacks %q", err, tc.want)
			}
			for _, fi := range files {
				t.Errorf("left %s in the data dir", fi.Name())
			}
		})
	}
	t.Run("relative url", func(t *testing.T) {
		e := byRepo["geom"]
		e.URL = ""
		path, err := pages.Download(t.Context(), f.Client(), f.URL+"/", t.TempDir(), e)
		if err != nil || !strings.HasSuffix(path, ".docpack") {
			t.Fatalf("%s, %v", path, err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		dir := t.TempDir()
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := pages.Download(ctx, f.Client(), f.URL, dir, byRepo["geom"]); !errors.Is(err, context.Canceled) {
			t.Errorf("err %v", err)
		}
		if files, _ := os.ReadDir(dir); len(files) != 0 {
			t.Errorf("cancelled download left %d files", len(files))
		}
	})
}

// TestHomeCommons lists a relay's commons on the home screen, downloads one,
// and shows a bad download as a message.
func TestHomeCommons(t *testing.T) {
	f := newFakeRelay(t)
	dir := t.TempDir()
	h := pages.NewHome(t.Context(), common.New(false, nil), pages.HomeOptions{Relay: f.URL, DataDir: dir, Client: f.Client()})
	h.SetSize(100, 30)
	load, tick := work(t, h.Init())
	if tick == nil {
		t.Fatal("no spinner while the commons load")
	}
	frame := spinner.MiniDot.Frames[0]
	if v := ansi.Strip(h.View()); !strings.Contains(v, frame+" loading the commons") {
		t.Errorf("no spinner and loading status while the commons load:\n%s", v)
	}
	if h.Update(tick) == nil {
		t.Error("the spinner stopped while the commons load")
	}
	if v := ansi.Strip(h.View()); !strings.Contains(v, spinner.MiniDot.Frames[1]+" loading the commons") {
		t.Errorf("the spinner did not turn:\n%s", v)
	}
	h.Update(load)
	if h.Update(tick) != nil {
		t.Error("the spinner turns on after the commons loaded")
	}
	v := ansi.Strip(h.View())
	if strings.Contains(v, "loading") {
		t.Errorf("still loading after the commons loaded:\n%s", v)
	}
	for _, want := range []string{"acme/geom@main", "18 symbols", "acme/half@main"} {
		if !strings.Contains(v, want) {
			t.Errorf("home lacks %q:\n%s", want, v)
		}
	}
	// Focus the commons (input → recent → commons) and open the first entry.
	h.Update(key("tab"))
	h.Update(key("tab"))
	downloaded, tick := work(t, h.Update(key("enter")))
	if v := ansi.Strip(h.View()); tick == nil || !strings.Contains(v, spinner.MiniDot.Frames[1]+" downloading acme/geom") {
		t.Errorf("no spinner while downloading (tick %v):\n%s", tick, v)
	}
	c := h.Update(downloaded)
	if c == nil {
		t.Fatal("a finished download did nothing")
	}
	msg := c()
	open, ok := msg.(pages.OpenMsg)
	if !ok || open.Path != filepath.Join(dir, "acme-geom-aaaa1111bbbb.docpack") {
		t.Fatalf("enter sent %#v", msg)
	}
	// The second entry is not a docpack: a message, no file.
	os.Remove(open.Path)
	h.Update(key("down"))
	failed, _ := work(t, h.Update(key("enter")))
	h.Update(failed)
	if v := ansi.Strip(h.View()); !strings.Contains(v, "download acme/junk: not a docpack") {
		t.Errorf("no error message:\n%s", v)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("bad download left %d files", len(files))
	}
}

func TestHomeCommonsUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	h := pages.NewHome(t.Context(), common.New(false, nil), pages.HomeOptions{Relay: srv.URL, Client: srv.Client()})
	h.SetSize(80, 20)
	failed, _ := work(t, h.Init())
	h.Update(failed)
	if v := ansi.Strip(h.View()); !strings.Contains(v, "404 Not Found") {
		t.Errorf("view:\n%s", v)
	}
}

// work runs the commands of a busy home screen: the work's answer, and the
// spinner's first tick if the spinner was started.
func work(t *testing.T, c tea.Cmd) (answer tea.Msg, tick tea.Msg) {
	t.Helper()
	if c == nil {
		t.Fatal("no command")
	}
	first := c()
	batch, ok := first.(tea.BatchMsg)
	if !ok {
		return first, nil
	}
	for _, c := range batch {
		switch msg := c().(type) {
		case spinner.TickMsg:
			tick = msg
		default:
			answer = msg
		}
	}
	return answer, tick
}

// TestHomeTypingWithRecent types a target while a recent docpack has the
// focus: every letter reaches the field (the list used to take "B", "u", …
// and "i" switched to the field, so "BurntSushi/memchr@2.7.4" built
// "/memchr@2.7.4").
func TestHomeTypingWithRecent(t *testing.T) {
	m, syms, docs := packtest.Small()
	dir := filepath.Dir(packtest.Write(t, "geom.docpack", m, syms, docs))
	for _, target := range []string{"BurntSushi/memchr@2.7.4", "kgj/qb", "./crates/go"} {
		h := pages.NewHome(t.Context(), common.New(false, nil), pages.HomeOptions{Dirs: []string{dir}})
		h.SetSize(80, 24)
		if v := ansi.Strip(h.View()); !strings.Contains(v, "geom.docpack") {
			t.Fatalf("no recent docpack listed:\n%s", v)
		}
		for _, r := range target {
			h.Update(key(string(r)))
		}
		c := h.Update(key("enter"))
		if c == nil {
			t.Fatalf("%s: enter did nothing", target)
		}
		if msg, ok := c().(pages.BuildMsg); !ok || msg.Target != target {
			t.Errorf("typing %q then enter sent %#v", target, msg)
		}
	}
	// The arrows still pick a recent docpack, and esc on an empty field quits.
	h := pages.NewHome(t.Context(), common.New(false, nil), pages.HomeOptions{Dirs: []string{dir}})
	h.SetSize(80, 24)
	h.Update(key("x"))
	h.Update(key("esc")) // clears "x", back to the list
	h.Update(key("down"))
	if msg, ok := h.Update(key("enter"))().(pages.OpenMsg); !ok || filepath.Base(msg.Path) != "geom.docpack" {
		t.Errorf("enter on the recent docpack sent %#v", msg)
	}
	if c := h.Update(key("esc")); c == nil || c() != tea.Quit() {
		t.Error("esc on an empty field does not quit")
	}
}
