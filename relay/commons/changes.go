package commons

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/doctown/doctown/docpack/apidiff"
	"github.com/doctown/doctown/docpack/index"
	"github.com/doctown/doctown/relay/commons/api"
	"github.com/doctown/doctown/relay/store"
)

// maxBasePages bounds the catalog pages read to find a commit's base.
const maxBasePages = 20

// changesCacheSize bounds the diffs kept in memory.
const changesCacheSize = 64

// base finds the docpack e is compared with: the one the relay chose and
// stored when e arrived (the previous push of the branch, or a pull
// request's base); for an entry stored before that, the newest older entry
// of the same repository and ref. ok is false for the first docpack of a
// ref, and when the stored base is no longer in the catalog.
func (h *Handler) base(ctx context.Context, e Entry) (b Entry, ok bool, err error) {
	if e.Changes != nil {
		if e.Changes.Base == "" {
			return Entry{}, false, nil
		}
		b, err := h.cat.Get(ctx, e.Owner, e.Repo, e.Changes.Base)
		if errors.Is(err, ErrNotFound) {
			return Entry{}, false, nil
		}
		return b, err == nil, err
	}
	q := ListQuery{Owner: e.Owner, Repo: e.Repo, Limit: MaxLimit}
	seen := false
	for range maxBasePages {
		entries, next, err := h.cat.List(ctx, q)
		if err != nil {
			return Entry{}, false, err
		}
		for _, c := range entries {
			switch {
			case c.SHA == e.SHA:
				seen = true
			case seen && c.Ref == e.Ref:
				return c, true, nil
			}
		}
		if next == "" {
			break
		}
		q.Cursor = next
	}
	return Entry{}, false, nil
}

// changes is the diff of one entry against its base.
type changes struct {
	Base   Entry
	Report *apidiff.Report
}

// changeCache keeps recent diffs by (base key, key); docpacks are immutable
// once stored, so an entry never goes stale.
type changeCache struct {
	mu sync.Mutex
	m  map[[2]string]*apidiff.Report
}

func (c *changeCache) get(k [2]string) *apidiff.Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[k]
}

func (c *changeCache) put(k [2]string, r *apidiff.Report) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= changesCacheSize {
		c.m = map[[2]string]*apidiff.Report{}
	}
	c.m[k] = r
}

// changesOf diffs e against its base; a nil result means e has no base.
func (h *Handler) changesOf(ctx context.Context, e Entry, p *openPack) (*changes, error) {
	b, ok, err := h.base(ctx, e)
	if err != nil || !ok {
		return nil, err
	}
	r, err := h.diff(ctx, b, e, p)
	if err != nil {
		return nil, err
	}
	return &changes{Base: b, Report: r}, nil
}

// Diff is the API diff of head against base, both stored docpacks: what the
// relay computes when head arrives (its summary goes to the catalog) and
// the changes endpoint and page show. The report is cached.
func (h *Handler) Diff(ctx context.Context, base, head Entry) (*apidiff.Report, error) {
	hp, err := h.packs.get(ctx, head.Key)
	if err != nil {
		return nil, err
	}
	defer hp.release()
	return h.diff(ctx, base, head, hp)
}

func (h *Handler) diff(ctx context.Context, b, e Entry, p *openPack) (*apidiff.Report, error) {
	k := [2]string{b.Key, e.Key}
	if r := h.diffs.get(k); r != nil {
		return r, nil
	}
	bp, err := h.packs.get(ctx, b.Key)
	if err != nil {
		return nil, err
	}
	defer bp.release()
	r := apidiff.Diff(apidiff.Input{Symbols: bp.Symbols}, apidiff.Input{Symbols: p.Symbols})
	h.diffs.put(k, r)
	return r, nil
}

// changeURL links a change to the item's page: on the new side, or on the
// base's for a removal.
func (h *Handler) changeURL(e, base Entry, c apidiff.Change) string {
	if c.Kind == apidiff.Removed {
		return h.public + symbolPath(base.Owner, base.Repo, base.SHA, c.ID)
	}
	return h.public + symbolPath(e.Owner, e.Repo, e.SHA, c.ID)
}

func (h *Handler) apiChanges(w http.ResponseWriter, r *http.Request) {
	e, err := h.entry(r)
	if errors.Is(err, ErrNotFound) {
		writeJSON(w, http.StatusNotFound, api.Error{Error: "no such docpack"})
		return
	}
	if err != nil {
		h.log.ErrorContext(r.Context(), "look up docpack", "err", err)
		writeJSON(w, http.StatusInternalServerError, api.Error{Error: "the catalog is unavailable"})
		return
	}
	p, err := h.packs.get(r.Context(), e.Key)
	if err != nil {
		h.apiPackError(w, r, e, err)
		return
	}
	defer p.release()
	ch, err := h.changesOf(r.Context(), e, p)
	if err != nil {
		h.apiPackError(w, r, e, err)
		return
	}
	out := api.Changes{Owner: e.Owner, Repo: e.Repo, SHA: e.SHA, Ref: e.Ref, Pull: e.Pull, Modules: []api.Module{}}
	if ch == nil {
		out.Summary = "first docpack of " + e.Ref + ": nothing to compare with"
		writeJSON(w, http.StatusOK, out)
		return
	}
	rep := ch.Report
	out.Base, out.Verdict, out.Summary, out.Counts = ch.Base.SHA, rep.Verdict, rep.Summary(), rep.Counts
	for _, m := range rep.Modules {
		am := api.Module{Path: m.Path}
		for _, c := range m.Changes {
			am.Changes = append(am.Changes, api.Change{Change: c, URL: h.changeURL(e, ch.Base, c)})
		}
		out.Modules = append(out.Modules, am)
	}
	out.Markdown = rep.Markdown(apidiff.MarkdownOptions{
		Link:    func(c apidiff.Change) string { return h.changeURL(e, ch.Base, c) },
		OldLink: func(c apidiff.Change) string { return h.changeURL(e, ch.Base, c) },
	})
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) apiPackError(w http.ResponseWriter, r *http.Request, e Entry, err error) {
	if errors.Is(err, store.ErrNotFound) {
		writeJSON(w, http.StatusNotFound, api.Error{Error: "this docpack is no longer stored"})
		return
	}
	h.log.ErrorContext(r.Context(), "diff docpacks", "err", err, "repo", e.Owner+"/"+e.Repo, "sha", e.SHA)
	writeJSON(w, http.StatusBadGateway, api.Error{Error: "this docpack cannot be read"})
}

// changesSection is the "Changes in this commit" part of a docpack's page.
type changesSection struct {
	// BaseLabel says what Base is: "the previous push", "the base branch".
	BaseLabel     string
	Base, BaseURL string
	Summary       string
	Verdict       string
	Items         []changeItem
	// More counts the changes not listed.
	More int
}

type changeItem struct {
	Mark, Kind, Path, OldPath, URL, SymbolType, Severity, Reason string
}

// maxPageChanges bounds the changes listed on a docpack's page.
const maxPageChanges = 200

// changesView builds the page section; nil when there is no base or the
// diff cannot be made (the page still shows the docpack).
func (h *Handler) changesView(ctx context.Context, e Entry, p *openPack) *changesSection {
	ch, err := h.changesOf(ctx, e, p)
	if err != nil {
		h.log.WarnContext(ctx, "diff docpacks", "err", err, "repo", e.Owner+"/"+e.Repo, "sha", e.SHA)
		return nil
	}
	if ch == nil {
		return nil
	}
	s := &changesSection{Base: shortSHA(ch.Base.SHA), BaseURL: packPath(ch.Base.Owner, ch.Base.Repo, ch.Base.SHA),
		Summary: ch.Report.Summary(), Verdict: ch.Report.Verdict.String(), BaseLabel: "the previous push"}
	switch {
	case e.Pull != 0:
		s.BaseLabel = "the base branch"
	case strings.HasPrefix(e.Ref, "refs/tags/"):
		s.BaseLabel = "the previous tag"
	}
	marks := map[apidiff.Kind]string{apidiff.Added: "+", apidiff.Removed: "−", apidiff.Moved: "→", apidiff.Changed: "~"}
	for _, c := range ch.Report.Changes() {
		if len(s.Items) == maxPageChanges {
			s.More++
			continue
		}
		u := symbolPath(e.Owner, e.Repo, e.SHA, c.ID)
		if c.Kind == apidiff.Removed {
			u = symbolPath(ch.Base.Owner, ch.Base.Repo, ch.Base.SHA, c.ID)
		}
		s.Items = append(s.Items, changeItem{Mark: marks[c.Kind], Kind: string(c.Kind), Path: c.Path, OldPath: c.OldPath,
			URL: u, SymbolType: index.KindName(c.SymbolType), Severity: c.Severity.String(), Reason: c.Reason})
	}
	return s
}
