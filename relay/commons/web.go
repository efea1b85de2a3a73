package commons

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/index"
	"github.com/doctown/doctown/relay/commons/api"
	"github.com/doctown/doctown/relay/store"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

func staticHandler() http.Handler {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err)
	}
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // no directory listings
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}

// pages holds one template set per page, each with the shared layout.
type pages struct {
	list, pack, symbol, notFound *template.Template
}

var funcs = template.FuncMap{
	"short": shortSHA,
	"ago":   ago,
	"iso":   func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"date":  func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"bytes": humanBytes,
}

func mustParsePages() *pages {
	parse := func(name string) *template.Template {
		return template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/parts.html", "templates/"+name))
	}
	return &pages{
		list:     parse("list.html"),
		pack:     parse("pack.html"),
		symbol:   parse("symbol.html"),
		notFound: parse("error.html"),
	}
}

// render writes a page, buffering it so a template error becomes a clean 500.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, t *template.Template, data any) {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		h.log.ErrorContext(r.Context(), "render page", "err", err, "path", r.URL.Path)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("X-Content-Type-Options", "nosniff")
	// No script runs on these pages; say so, so injected markup could not run any either.
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	hd.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

type errorPage struct {
	Title   string
	Query   string
	Message string
}

func (h *Handler) webError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	h.render(w, r, status, h.pages.notFound, errorPage{Title: http.StatusText(status), Message: msg})
}

type listRow struct {
	Owner, Repo, Ref, SHA string
	SymbolCount           int
	Generator, Model      string
	CreatedAt             time.Time
	URL                   string
	// Pull is a preview's pull request number.
	Pull int
	// Verdict and Changes are the stored API change summary ("" when none).
	Verdict, Changes string
}

type listPage struct {
	Title   string
	Query   string
	Rows    []listRow
	NextURL string
}

func (h *Handler) webList(w http.ResponseWriter, r *http.Request) {
	q, err := listQuery(r)
	if err != nil {
		h.webError(w, r, http.StatusBadRequest, err.Error())
		return
	}
	entries, next, err := h.cat.List(r.Context(), q)
	if errors.Is(err, ErrBadCursor) {
		h.webError(w, r, http.StatusBadRequest, "This page link is not valid: start again from the first page.")
		return
	}
	if err != nil {
		h.log.ErrorContext(r.Context(), "list docpacks", "err", err)
		h.webError(w, r, http.StatusInternalServerError, "The listing is unavailable right now.")
		return
	}
	page := listPage{Title: "doctown commons", Query: q.Query}
	for _, e := range entries {
		row := listRow{
			Owner: e.Owner, Repo: e.Repo, Ref: e.Ref, SHA: e.SHA, SymbolCount: e.SymbolCount,
			Generator: e.Generator, Model: e.Model, CreatedAt: e.CreatedAt,
			URL: packPath(e.Owner, e.Repo, e.SHA), Pull: e.Pull,
		}
		if c := e.Changes; c != nil && c.Base != "" {
			row.Verdict, row.Changes = c.Verdict.String(), c.Text()
		}
		page.Rows = append(page.Rows, row)
	}
	if next != "" {
		v := url.Values{"cursor": {next}}
		if q.Query != "" {
			v.Set("q", q.Query)
		}
		page.NextURL = "/?" + v.Encode()
	}
	h.render(w, r, http.StatusOK, h.pages.list, page)
}

func (h *Handler) webLatest(w http.ResponseWriter, r *http.Request) {
	e, err := h.entry(r)
	if errors.Is(err, ErrNotFound) {
		h.webError(w, r, http.StatusNotFound, "No docpack for this repository.")
		return
	}
	if err != nil {
		h.log.ErrorContext(r.Context(), "look up docpack", "err", err)
		h.webError(w, r, http.StatusInternalServerError, "The catalog is unavailable right now.")
		return
	}
	http.Redirect(w, r, packPath(e.Owner, e.Repo, e.SHA), http.StatusFound)
}

// openEntry finds the request's docpack and opens it from the cache; on
// failure it has written the error page and returns a nil pack.
func (h *Handler) openEntry(w http.ResponseWriter, r *http.Request) (Entry, *openPack) {
	e, err := h.entry(r)
	if errors.Is(err, ErrNotFound) {
		h.webError(w, r, http.StatusNotFound, "No such docpack.")
		return e, nil
	}
	if err != nil {
		h.log.ErrorContext(r.Context(), "look up docpack", "err", err)
		h.webError(w, r, http.StatusInternalServerError, "The catalog is unavailable right now.")
		return e, nil
	}
	p, err := h.packs.get(r.Context(), e.Key)
	if errors.Is(err, store.ErrNotFound) {
		h.log.WarnContext(r.Context(), "catalogued docpack missing from storage", "repo", e.Owner+"/"+e.Repo, "sha", e.SHA)
		h.webError(w, r, http.StatusNotFound, "This docpack is no longer stored.")
		return e, nil
	}
	if err != nil {
		h.log.ErrorContext(r.Context(), "open docpack", "err", err, "repo", e.Owner+"/"+e.Repo, "sha", e.SHA)
		h.webError(w, r, http.StatusBadGateway, "This docpack cannot be read.")
		return e, nil
	}
	return e, p
}

// item is a symbol in a list.
type item struct {
	Name, Path, Kind, URL string
	// Signature is shown for methods under a type's implementations.
	Signature string
	Summary   template.HTML
}

// implView is one impl block on a type's or a trait's page.
type implView struct {
	Header string
	// URL is the impl's own page; ForURL is the implementing type's (on a trait's page).
	URL, ForURL, ForPath string
	Items                []item
}

type group struct {
	Title string
	Items []item
}

type treeNode struct {
	Name     string
	URL      string
	Children []treeNode
}

type packHeader struct {
	Owner, Repo, SHA, Ref string
	// Query is the symbol search, shown in the docpack's search box.
	Query                 string
	PageURL, DownloadURL  string
	Generator, Model      string
	GeneratedAt           time.Time
	SymbolCount, DocCount int
	Size                  int64
}

type packPage struct {
	Title   string
	Query   string
	Pack    packHeader
	Crates  []docpack.Crate
	Tree    []treeNode
	Groups  []group
	Results []item
	// Searched is true when ?q= was given (Results may be empty).
	Searched  bool
	Truncated bool
	// Changes is "Changes in this commit" against the ref's previous docpack.
	Changes *changesSection
	// Pull is set on a pull request's preview: its number and page.
	Pull    int
	PullURL string
}

// topKinds are the item kinds listed on a docpack's page; the rest (fields,
// variants, methods, impls…) are listed on their parent's page.
var topKinds = []docpack.Kind{
	docpack.KindModule, docpack.KindStruct, docpack.KindEnum, docpack.KindUnion, docpack.KindTrait,
	docpack.KindFunction, docpack.KindMacro, docpack.KindTypeAlias, docpack.KindConst, docpack.KindStatic,
}

func header(e Entry, p *openPack) packHeader {
	m := p.Manifest
	return packHeader{
		Owner: e.Owner, Repo: e.Repo, SHA: e.SHA, Ref: e.Ref,
		PageURL:     packPath(e.Owner, e.Repo, e.SHA),
		DownloadURL: api.DownloadPath(e.Owner, e.Repo, e.SHA),
		Generator:   m.Generator.Name, Model: m.Generator.Model, GeneratedAt: m.GeneratedAt,
		SymbolCount: len(p.Symbols), DocCount: p.DocCount(), Size: e.Size,
	}
}

func (h *Handler) itemOf(e Entry, p *openPack, s docpack.Symbol) item {
	return item{
		Name: s.Name, Path: s.Path, Kind: index.KindName(s.SymbolType), Summary: p.summaries[s.ID],
		URL: symbolPath(e.Owner, e.Repo, e.SHA, s.ID),
	}
}

// groupByKind groups symbols under kind titles in docpack.Kinds order,
// sorted by path within a group.
func (h *Handler) groupByKind(e Entry, p *openPack, syms []docpack.Symbol, only []docpack.Kind) []group {
	by := make(map[docpack.Kind][]item)
	for _, s := range syms {
		if only != nil && !slices.Contains(only, s.SymbolType) {
			continue
		}
		by[s.SymbolType] = append(by[s.SymbolType], h.itemOf(e, p, s))
	}
	order := docpack.Kinds
	if only != nil {
		order = only
	}
	var out []group
	for _, k := range order {
		items := by[k]
		if len(items) == 0 {
			continue
		}
		sort.SliceStable(items, func(i, j int) bool { return items[i].Path < items[j].Path })
		out = append(out, group{Title: index.KindPlural(k), Items: items})
	}
	return out
}

// moduleTree nests the pack's modules by parent.
func moduleTree(e Entry, p *openPack) []treeNode {
	isModule := func(id string) bool {
		s, ok := p.SymbolByID(id)
		return ok && s.SymbolType == docpack.KindModule
	}
	var build func(s docpack.Symbol, depth int) treeNode
	build = func(s docpack.Symbol, depth int) treeNode {
		n := treeNode{Name: s.Name, URL: symbolPath(e.Owner, e.Repo, e.SHA, s.ID)}
		if depth > 32 {
			return n
		}
		for _, c := range p.Children(s.ID) {
			if c.SymbolType == docpack.KindModule && c.ID != s.ID {
				n.Children = append(n.Children, build(c, depth+1))
			}
		}
		sort.Slice(n.Children, func(i, j int) bool { return n.Children[i].Name < n.Children[j].Name })
		return n
	}
	var roots []treeNode
	for _, s := range p.Symbols {
		if s.SymbolType == docpack.KindModule && (s.Parent == "" || !isModule(s.Parent)) {
			n := build(s, 0)
			if s.Path != "" && s.Path != s.Name {
				n.Name = s.Path
			}
			roots = append(roots, n)
		}
	}
	sort.Slice(roots, func(i, j int) bool { return roots[i].Name < roots[j].Name })
	return roots
}

// MaxSearchResults bounds one docpack search.
const MaxSearchResults = 200

// search runs the index's search (exact path first, then fuzzy), impl blocks
// left out, at most MaxSearchResults.
func (h *Handler) search(e Entry, p *openPack, q string) ([]item, bool) {
	var out []item
	for _, m := range p.x.Search(q, "") {
		s := p.x.Symbols[m.Symbol]
		if s.SymbolType == docpack.KindImpl {
			continue
		}
		if len(out) == MaxSearchResults {
			return out, true
		}
		out = append(out, h.itemOf(e, p, s))
	}
	return out, false
}

func (h *Handler) webPack(w http.ResponseWriter, r *http.Request) {
	e, p := h.openEntry(w, r)
	if p == nil {
		return
	}
	defer p.release()
	page := packPage{
		Title:  e.Owner + "/" + e.Repo + " @ " + shortSHA(e.SHA),
		Pack:   header(e, p),
		Crates: p.Manifest.Crates,
		Tree:   moduleTree(e, p),
		Pull:   e.Pull,
	}
	if e.Pull != 0 {
		page.PullURL = api.PullPagePath(e.Owner, e.Repo, e.Pull)
	}
	if q := strings.TrimSpace(r.URL.Query().Get("q")); q != "" {
		page.Query, page.Pack.Query, page.Searched = q, q, true
		page.Results, page.Truncated = h.search(e, p, q)
	} else {
		page.Groups = h.groupByKind(e, p, p.Symbols, topKinds)
		page.Changes = h.changesView(r.Context(), e, p)
	}
	h.render(w, r, http.StatusOK, h.pages.pack, page)
}

type crumb struct {
	Name, URL string
}

type section struct {
	Title string
	HTML  template.HTML
}

type paramView struct {
	Name, Type string
	HTML       template.HTML
}

type depView struct {
	Name, URL string
}

type symbolPage struct {
	Title      string
	Query      string
	Pack       packHeader
	Crumbs     []crumb
	Name       string
	Kind       string
	Path       string
	Signature  string
	Visibility string
	Attributes []string
	Location   string
	DocSource  string
	Summary    template.HTML
	Body       template.HTML
	Params     []paramView
	Returns    template.HTML
	Sections   []section
	Examples   []string
	DocError   string
	Parent     *item
	Children   []group
	// Methods are the items of the type's inherent impls.
	Methods    []item
	TraitImpls []implView
	// Implementors are a trait's impls.
	Implementors []implView
	Deps         []depView
}

// implItems lists an impl block's items with their signatures.
func (h *Handler) implItems(e Entry, p *openPack, impl int) []item {
	var out []item
	for _, c := range p.x.Children(impl) {
		it := h.itemOf(e, p, p.x.Symbols[c])
		it.Signature = p.x.Symbols[c].Signature
		out = append(out, it)
	}
	return out
}

// implHeader is an impl block's header as shown: "impl<T> Clone for Foo<T>".
func implHeader(x *index.Index, impl int) string {
	s := &x.Symbols[impl]
	if s.Signature != "" {
		return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s.Signature), "{"))
	}
	return s.Name
}

// linkedMarkdown renders a doc of the symbol at from with its intra-doc links
// resolved by the index: to the target's page in this docpack, to the
// standard library or docs.rs, or, when nothing fits, to its text alone
// (code stays code), so no raw brackets reach the page.
func (h *Handler) linkedMarkdown(e Entry, p *openPack, from int, src string) template.HTML {
	return markdown(index.Rewrite(src, func(l index.Link) string {
		if !l.IntraDoc() {
			return "[" + l.Text + "](" + l.Dest + ")"
		}
		t, ok := p.x.ResolveLink(l.Dest, from)
		switch {
		case !ok:
			return l.Text
		case t.Symbol >= 0:
			return "[" + l.Text + "](" + symbolPath(e.Owner, e.Repo, e.SHA, p.x.Symbols[t.Symbol].ID) + ")"
		default:
			return "[" + l.Text + "](" + t.URL + ")"
		}
	}))
}

func (h *Handler) webSymbol(w http.ResponseWriter, r *http.Request) {
	e, p := h.openEntry(w, r)
	if p == nil {
		return
	}
	defer p.release()
	s, ok := p.SymbolByID(r.PathValue("id"))
	if !ok {
		h.webError(w, r, http.StatusNotFound, "This docpack has no such symbol.")
		return
	}
	page := symbolPage{
		Title:      s.Path + " — " + e.Owner + "/" + e.Repo,
		Pack:       header(e, p),
		Name:       s.Name,
		Kind:       index.KindName(s.SymbolType),
		Path:       s.Path,
		Signature:  s.Signature,
		Visibility: s.Visibility,
		Attributes: s.Attributes,
	}
	if s.File != "" {
		page.Location = s.File
		if s.Line > 0 {
			page.Location += ":" + strconv.Itoa(s.Line)
		}
	}
	// Breadcrumbs: the chain of parents, outermost first.
	seen := map[string]bool{s.ID: true}
	for id := s.Parent; id != "" && !seen[id]; {
		seen[id] = true
		ps, ok := p.SymbolByID(id)
		if !ok {
			break
		}
		page.Crumbs = append([]crumb{{Name: ps.Name, URL: symbolPath(e.Owner, e.Repo, e.SHA, ps.ID)}}, page.Crumbs...)
		id = ps.Parent
	}
	if ps, ok := p.SymbolByID(s.Parent); ok && s.Parent != s.ID {
		it := h.itemOf(e, p, ps)
		page.Parent = &it
	}
	x := p.x
	i, _ := x.ByID(s.ID)
	var kids []docpack.Symbol
	for _, c := range x.Children(i) {
		if x.Symbols[c].SymbolType != docpack.KindImpl || s.SymbolType == docpack.KindImpl {
			kids = append(kids, x.Symbols[c])
		}
	}
	page.Children = h.groupByKind(e, p, kids, nil)
	inherent, traits := x.Impls(i)
	for _, im := range inherent {
		page.Methods = append(page.Methods, h.implItems(e, p, im)...)
	}
	for _, im := range traits {
		page.TraitImpls = append(page.TraitImpls, implView{
			Header: implHeader(x, im), URL: symbolPath(e.Owner, e.Repo, e.SHA, x.Symbols[im].ID), Items: h.implItems(e, p, im),
		})
	}
	if s.SymbolType == docpack.KindTrait {
		for _, im := range x.Implementors(i) {
			v := implView{Header: implHeader(x, im), URL: symbolPath(e.Owner, e.Repo, e.SHA, x.Symbols[im].ID)}
			if t := x.ImplFor(im); t >= 0 {
				v.ForURL, v.ForPath = symbolPath(e.Owner, e.Repo, e.SHA, x.Symbols[t].ID), x.Symbols[t].Path
			}
			page.Implementors = append(page.Implementors, v)
		}
	}
	for _, dep := range s.Dependencies {
		d := depView{Name: dep}
		if t := x.Resolve(dep, i); t >= 0 {
			d.URL = symbolPath(e.Owner, e.Repo, e.SHA, x.Symbols[t].ID)
		}
		page.Deps = append(page.Deps, d)
	}
	markdown := func(src string) template.HTML { return h.linkedMarkdown(e, p, i, src) }
	d, err := p.ReadDoc(s.ID)
	switch {
	case err == nil:
		page.DocSource = d.Source
		page.Summary = markdown(d.Summary)
		page.Body = markdown(d.Description)
		for _, pd := range d.Parameters {
			pv := paramView{Name: pd.Name, HTML: markdown(pd.Description)}
			for _, sp := range s.Parameters {
				if sp.Name == pd.Name {
					pv.Type = sp.ParamType
				}
			}
			page.Params = append(page.Params, pv)
		}
		page.Returns = markdown(d.Returns)
		for _, sec := range []struct{ title, text string }{{"Errors", d.Errors}, {"Panics", d.Panics}, {"Safety", d.Safety}} {
			if strings.TrimSpace(sec.text) != "" {
				page.Sections = append(page.Sections, section{Title: sec.title, HTML: markdown(sec.text)})
			}
		}
		for _, ex := range d.Examples {
			page.Examples = append(page.Examples, docpack.ShownExample(ex))
		}
	case errors.Is(err, docpack.ErrNoDoc):
		page.Body = markdown(s.DocComments)
	default:
		h.log.WarnContext(r.Context(), "read doc", "err", err, "repo", e.Owner+"/"+e.Repo, "sha", e.SHA, "symbol", s.ID)
		page.DocError = "This symbol's doc in the docpack is damaged."
		page.Body = markdown(s.DocComments)
	}
	h.render(w, r, http.StatusOK, h.pages.symbol, page)
}

// md renders Markdown without passing raw HTML through (it is dropped:
// goldmark's default, kept by never setting html.WithUnsafe) and with link
// and image destinations checked against an allow-list after decoding
// (safeLinks).
var md = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.TaskList),
	goldmark.WithParserOptions(safeLinksOption))

func markdown(src string) template.HTML {
	if strings.TrimSpace(src) == "" {
		return ""
	}
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return template.HTML("<p>" + template.HTMLEscapeString(src) + "</p>")
	}
	return template.HTML(buf.String())
}

// inlineMarkdown renders a one-paragraph text without its <p> wrapper, for
// summaries in lists.
func inlineMarkdown(src string) template.HTML {
	h := string(markdown(src))
	trimmed := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(h), "<p>"), "</p>")
	if strings.Contains(trimmed, "<p>") || strings.HasPrefix(strings.TrimSpace(h), "<") && !strings.HasPrefix(strings.TrimSpace(h), "<p>") {
		return template.HTML(h)
	}
	return template.HTML(trimmed)
}

func shortSHA(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

func ago(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 24*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	case d < 30*24*time.Hour:
		return plural(int(d/(24*time.Hour)), "day") + " ago"
	default:
		return t.UTC().Format("2 Jan 2006")
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d B", n)
	}
}
