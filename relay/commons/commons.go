// Package commons serves the public commons: the JSON API and the web pages listing docpacks and letting a visitor read them.
//
// URLs (all GET; HEAD works too):
//
//	/api/docpacks?owner=&repo=&q=&limit=&cursor=&previews=   JSON listing, newest first (previews=1: pull-request previews too)
//	/api/docpacks/{owner}/{repo}                   download the latest docpack
//	/api/docpacks/{owner}/{repo}/{sha}             download that commit's docpack
//	/api/docpacks/{owner}/{repo}/{sha}/changes     its API changes against the previous docpack of its ref, JSON
//	/                                              web listing; ?q= filters repositories
//	/api/docpacks/{owner}/{repo}?pull={n}          download pull request n's preview
//	/r/{owner}/{repo}                              redirects to the latest docpack's page
//	/pr/{owner}/{repo}/{n}                         redirects to pull request n's preview (its newest built head)
//	/r/{owner}/{repo}/{sha}                        a docpack: crates, module tree, the crate root's items; ?q= searches it
//	/r/{owner}/{repo}/{sha}/all                    every item by kind
//	/r/{owner}/{repo}/{sha}/p/{path}               redirects to the item at a public path (serde::Serialize)
//	/r/{owner}/{repo}/{sha}/s/{id}                 one symbol and its docs ({id}.md: as Markdown)
//	/r/{owner}/{repo}/{sha}/llms.txt, llms-full.txt, md/{file}   text for agents (agents.go)
//	/static/style.css                              the stylesheet
//
// Long listings are cut into pages of ?page=N, each far under 1 MB (listing.go).
package commons

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/doctown/doctown/docpack/apidiff"
	"github.com/doctown/doctown/relay/commons/api"
	"github.com/doctown/doctown/relay/store"
)

// Entry is one stored docpack as the catalog lists it.
type Entry struct {
	Owner, Repo, SHA, Ref string
	// Key is the docpack's storage key.
	Key         string
	Size        int64
	SymbolCount int
	Generator   string
	Model       string
	CreatedAt   time.Time
	// Pull is the pull request whose head this docpack previews (0: a
	// pushed commit). A preview is never the repository's latest.
	Pull int
	// Changes is the API diff's summary the relay stored when the docpack
	// arrived; nil when it was not computed (a docpack stored before).
	Changes *ChangeSummary
	// Crates are the docpack's crates as the catalog recorded them (Cards);
	// empty for entries recorded before it did.
	Crates []CrateCard
}

// ChangeSummary is what a docpack's API changes come to, kept in the
// catalog: the commit compared with (the previous push of the branch, or a
// pull request's base), the semver verdict and the counts.
type ChangeSummary struct {
	// Base is the commit compared with; "" when there was none (the first
	// docpack of a branch).
	Base    string
	Verdict apidiff.Severity
	Counts  apidiff.Counts
}

// Text is the one-line summary: "major: 2 removed, 1 added".
func (c *ChangeSummary) Text() string {
	if c.Base == "" {
		return "first docpack: nothing to compare with"
	}
	r := apidiff.Report{Verdict: c.Verdict, Counts: c.Counts}
	return r.Summary()
}

// Summarize is the summary of a report against base (nil: no base).
func Summarize(base string, r *apidiff.Report) *ChangeSummary {
	if r == nil || base == "" {
		return &ChangeSummary{}
	}
	return &ChangeSummary{Base: base, Verdict: r.Verdict, Counts: r.Counts}
}

// ListQuery selects a page of entries.
type ListQuery struct {
	// Owner and Repo filter exactly; Query matches "owner/repo" as a substring.
	Owner, Repo, Query string
	Limit              int
	// Cursor is the opaque next value of an earlier page.
	Cursor string
	// Previews includes pull-request previews (left out otherwise).
	Previews bool
}

// Catalog lists the stored docpacks. The relay implements it on its database.
type Catalog interface {
	// List returns entries newest first, and the cursor of the next page ("" at the end).
	List(ctx context.Context, q ListQuery) (entries []Entry, next string, err error)
	// Latest returns a repository's newest entry, or ErrNotFound.
	Latest(ctx context.Context, owner, repo string) (Entry, error)
	// Get returns a commit's entry, or ErrNotFound.
	Get(ctx context.Context, owner, repo, sha string) (Entry, error)
	// Pull returns the preview of pull request number's newest built head,
	// or ErrNotFound (never built, or expired after the pull request closed).
	Pull(ctx context.Context, owner, repo string, number int) (Entry, error)
}

// ErrNotFound is returned (possibly wrapped) by a Catalog for an unknown repository or commit.
var ErrNotFound = errors.New("docpack not found")

// ErrBadCursor is returned (possibly wrapped) by a Catalog's List for a cursor
// it did not hand out; the commons answers 400.
var ErrBadCursor = errors.New("invalid cursor")

// Options configure a Handler.
type Options struct {
	// PublicURL is the commons' external base URL ("https://doctown.example");
	// the API's url and page_url fields are absolute under it. Empty gives
	// root-relative URLs.
	PublicURL string
	Logger    *slog.Logger
	// CacheSize is how many parsed docpacks are kept in memory (LRU); default 16.
	CacheSize int
	// TempDir holds the cached docpacks' (unlinked) files; empty means the
	// system's temporary directory. The relay passes its data dir's.
	TempDir string
}

// Content types of a docpack download.
const DocpackContentType = "application/vnd.doctown.docpack+zip"

// List page sizes.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Handler serves the commons.
type Handler struct {
	cat    Catalog
	st     store.Storage
	public string
	log    *slog.Logger
	packs  *packCache
	pages  *pages
	diffs  changeCache
}

// New returns a Handler reading the catalog cat and docpacks from st.
func New(cat Catalog, st store.Storage, opts Options) *Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.CacheSize <= 0 {
		opts.CacheSize = 16
	}
	return &Handler{
		cat:    cat,
		st:     st,
		public: strings.TrimRight(opts.PublicURL, "/"),
		log:    opts.Logger,
		packs:  newPackCache(st, opts.CacheSize, opts.TempDir),
		pages:  mustParsePages(),
	}
}

// Register adds the commons' routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/docpacks", h.apiList)
	mux.HandleFunc("GET /api/docpacks/{owner}/{repo}", h.apiDownload)
	mux.HandleFunc("GET /api/docpacks/{owner}/{repo}/{sha}", h.apiDownload)
	mux.HandleFunc("GET /api/docpacks/{owner}/{repo}/{sha}/changes", h.apiChanges)
	mux.HandleFunc("GET /{$}", h.webList)
	mux.HandleFunc("GET /r/{owner}/{repo}", h.webLatest)
	mux.HandleFunc("GET /pr/{owner}/{repo}/{number}", h.webLatest)
	mux.HandleFunc("GET /r/{owner}/{repo}/{sha}", h.webPack)
	mux.HandleFunc("GET /r/{owner}/{repo}/{sha}/all", h.webAll)
	mux.HandleFunc("GET /r/{owner}/{repo}/{sha}/p/{path}", h.webPath)
	mux.HandleFunc("GET /r/{owner}/{repo}/{sha}/s/{id}", h.symbol)
	mux.HandleFunc("GET /r/{owner}/{repo}/{sha}/llms.txt", h.agentFile("text/plain; charset=utf-8", func(t *agentText) []byte { return t.llms }))
	mux.HandleFunc("GET /r/{owner}/{repo}/{sha}/llms-full.txt", h.agentFile("text/plain; charset=utf-8", func(t *agentText) []byte { return t.full }))
	mux.HandleFunc("GET /r/{owner}/{repo}/{sha}/md/{file...}", h.agentModule)
	mux.Handle("GET /static/", staticHandler())
}

func (h *Handler) downloadPath(e Entry) string {
	return api.DownloadPath(e.Owner, e.Repo, e.SHA)
}

func packPath(owner, repo, sha string) string { return api.PagePath(owner, repo, sha) }

func symbolPath(owner, repo, sha, id string) string {
	return packPath(owner, repo, sha) + "/s/" + url.PathEscape(id)
}

// listQuery reads owner, repo, q, limit and cursor from a request.
func listQuery(r *http.Request) (ListQuery, error) {
	v := r.URL.Query()
	q := ListQuery{
		Owner:  strings.TrimSpace(v.Get("owner")),
		Repo:   strings.TrimSpace(v.Get("repo")),
		Query:  strings.TrimSpace(v.Get("q")),
		Cursor: v.Get("cursor"),
		Limit:  DefaultLimit,
	}
	if p := v.Get("previews"); p != "" {
		b, err := strconv.ParseBool(p)
		if err != nil {
			return q, fmt.Errorf("previews %q is not true or false", p)
		}
		q.Previews = b
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return q, fmt.Errorf("limit %q is not a positive number", s)
		}
		q.Limit = min(n, MaxLimit)
	}
	return q, nil
}

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	q, err := listQuery(r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, api.Error{Error: err.Error()})
		return
	}
	entries, next, err := h.cat.List(r.Context(), q)
	if errors.Is(err, ErrBadCursor) {
		writeJSON(w, http.StatusBadRequest, api.Error{Error: "invalid cursor: use the next value of an earlier page"})
		return
	}
	if err != nil {
		h.log.ErrorContext(r.Context(), "list docpacks", "err", err)
		writeJSON(w, http.StatusInternalServerError, api.Error{Error: "listing failed"})
		return
	}
	out := api.List{Docpacks: make([]api.Entry, 0, len(entries)), Next: next}
	for _, e := range entries {
		out.Docpacks = append(out.Docpacks, api.Entry{
			Owner: e.Owner, Repo: e.Repo, SHA: e.SHA, Ref: e.Ref,
			SymbolCount: e.SymbolCount, Size: e.Size, Generator: e.Generator, Model: e.Model,
			CreatedAt: e.CreatedAt.UTC(),
			URL:       h.public + h.downloadPath(e),
			PageURL:   h.public + packPath(e.Owner, e.Repo, e.SHA),
			Pull:      e.Pull,
			Changes:   apiSummary(e.Changes),
			Crates:    e.Crates,
		})
	}
	writeJSON(w, http.StatusOK, out)
}

// apiSummary is a stored change summary on the wire.
func apiSummary(c *ChangeSummary) *api.ChangeSummary {
	if c == nil {
		return nil
	}
	return &api.ChangeSummary{Base: c.Base, Verdict: c.Verdict, Counts: c.Counts, Summary: c.Text()}
}

// entry looks up the request's {owner}/{repo}[/{sha}] in the catalog: a
// pull request's preview for /pr/{owner}/{repo}/{number} or ?pull=, the
// latest docpack without a commit.
func (h *Handler) entry(r *http.Request) (Entry, error) {
	owner, repo, sha := r.PathValue("owner"), r.PathValue("repo"), r.PathValue("sha")
	pull := r.PathValue("number")
	if pull == "" && sha == "" {
		pull = r.URL.Query().Get("pull")
	}
	if pull != "" {
		n, err := strconv.Atoi(pull)
		if err != nil || n < 1 {
			return Entry{}, ErrNotFound
		}
		return h.cat.Pull(r.Context(), owner, repo, n)
	}
	if sha == "" {
		return h.cat.Latest(r.Context(), owner, repo)
	}
	return h.cat.Get(r.Context(), owner, repo, sha)
}

func (h *Handler) apiDownload(w http.ResponseWriter, r *http.Request) {
	e, err := h.entry(r)
	if errors.Is(err, ErrNotFound) {
		writeJSON(w, http.StatusNotFound, api.Error{Error: "no such docpack"})
		return
	}
	if err != nil {
		h.log.ErrorContext(r.Context(), "look up docpack", "err", err, "repo", r.PathValue("owner")+"/"+r.PathValue("repo"))
		writeJSON(w, http.StatusInternalServerError, api.Error{Error: "lookup failed"})
		return
	}
	etag := `"` + e.SHA + `"`
	w.Header().Set("ETag", etag)
	if match := r.Header.Get("If-None-Match"); match != "" && (match == etag || match == "*") {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	rc, size, err := h.st.Get(r.Context(), e.Key)
	if errors.Is(err, store.ErrNotFound) {
		h.log.WarnContext(r.Context(), "catalogued docpack missing from storage", "repo", e.Owner+"/"+e.Repo, "sha", e.SHA)
		w.Header().Del("ETag")
		writeJSON(w, http.StatusNotFound, api.Error{Error: "no such docpack"})
		return
	}
	if err != nil {
		h.log.ErrorContext(r.Context(), "read docpack", "err", err, "repo", e.Owner+"/"+e.Repo, "sha", e.SHA)
		w.Header().Del("ETag")
		writeJSON(w, http.StatusInternalServerError, api.Error{Error: "storage failed"})
		return
	}
	defer rc.Close()
	hd := w.Header()
	hd.Set("Content-Type", DocpackContentType)
	hd.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, downloadName(e)))
	hd.Set("X-Content-Type-Options", "nosniff")
	if size >= 0 {
		hd.Set("Content-Length", strconv.FormatInt(size, 10))
	}
	if r.Method == http.MethodHead {
		return
	}
	if _, err := io.Copy(w, rc); err != nil {
		h.log.WarnContext(r.Context(), "send docpack", "err", err, "repo", e.Owner+"/"+e.Repo, "sha", e.SHA)
	}
}

// downloadName is "{repo}-{short sha}.docpack", reduced to safe characters.
func downloadName(e Entry) string {
	sha := e.SHA
	if len(sha) > 12 {
		sha = sha[:12]
	}
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r < 0x80 && (r == '.' || r == '-' || r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
				return r
			}
			return '_'
		}, s)
	}
	return clean(e.Repo) + "-" + clean(sha) + ".docpack"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
