package pages_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/relay/commons"
	"github.com/doctown/doctown/relay/store"
	"github.com/doctown/doctown/tui/common"
	"github.com/doctown/doctown/tui/packtest"
	"github.com/doctown/doctown/tui/pages"
)

// twoPushes is a commons.Catalog of two pushes of one branch, newest first.
type twoPushes []commons.Entry

func (c twoPushes) List(_ context.Context, q commons.ListQuery) ([]commons.Entry, string, error) {
	return c, "", nil
}

func (c twoPushes) Latest(context.Context, string, string) (commons.Entry, error) { return c[0], nil }

func (c twoPushes) Pull(context.Context, string, string, int) (commons.Entry, error) {
	return commons.Entry{}, commons.ErrNotFound
}

func (c twoPushes) Get(_ context.Context, _, _, sha string) (commons.Entry, error) {
	for _, e := range c {
		if e.SHA == sha {
			return e, nil
		}
	}
	return commons.Entry{}, commons.ErrNotFound
}

// TestHomeChanges: "c" on a commons entry shows its changes, as the relay's
// commons computes them, under the list.
func TestHomeChanges(t *testing.T) {
	st, err := store.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m, syms, docs := packtest.Small()
	newSyms := slices.DeleteFunc(slices.Clone(syms), func(s docpack.Symbol) bool { return s.ID == "fn-point-dist" })
	newDocs := map[string]docpack.Doc{}
	for id, d := range docs {
		if id != "fn-point-dist" {
			newDocs[id] = d
		}
	}
	nm := *m
	nm.SymbolCount, nm.DocCount = len(newSyms), len(newDocs)
	var cat twoPushes
	for _, p := range []struct {
		sha  string
		m    *docpack.Manifest
		syms []docpack.Symbol
		docs map[string]docpack.Doc
	}{{"bbbb2222", &nm, newSyms, newDocs}, {"aaaa1111", m, syms, docs}} {
		path := packtest.Write(t, p.sha+".docpack", p.m, p.syms, p.docs)
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := f.Stat()
		key := store.Key("acme", "geom", p.sha)
		if err := st.Put(t.Context(), key, f, fi.Size()); err != nil {
			t.Fatal(err)
		}
		f.Close()
		cat = append(cat, commons.Entry{Owner: "acme", Repo: "geom", SHA: p.sha, Ref: "refs/heads/main", Key: key, Size: fi.Size(),
			SymbolCount: len(p.syms), CreatedAt: time.Now()})
	}
	mux := http.NewServeMux()
	commons.New(cat, st, commons.Options{TempDir: t.TempDir()}).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	h := pages.NewHome(t.Context(), common.New(false, nil), pages.HomeOptions{Relay: srv.URL, DataDir: filepath.Join(t.TempDir(), "d"), Client: srv.Client()})
	h.SetSize(120, 40)
	load, _ := work(t, h.Init())
	h.Update(load)
	h.Update(key("tab"))
	h.Update(key("tab"))
	answer, _ := work(t, h.Update(key("c")))
	h.Update(answer)
	v := ansi.Strip(h.View())
	for _, want := range []string{"Changes of acme/geom@bbbb2222: against aaaa1111, verdict: major: 1 removed",
		"- removed method geom::Point::distance  (major: removed public item)"} {
		if !strings.Contains(v, want) {
			t.Errorf("home lacks %q:\n%s", want, v)
		}
	}
	// The older push is the branch's first: nothing to compare with.
	h.Update(key("down"))
	answer, _ = work(t, h.Update(key("c")))
	h.Update(answer)
	if v := ansi.Strip(h.View()); !strings.Contains(v, "Changes of acme/geom@aaaa1111: first docpack of refs/heads/main") {
		t.Errorf("first push:\n%s", v)
	}
}
