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
	"strconv"
	"strings"
	"time"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/index"
	"github.com/doctown/doctown/relay/commons/api"
	"github.com/doctown/doctown/relay/store"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
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
	list, pack, all, symbol, notFound *template.Template
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
		all:      parse("all.html"),
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
	Crates           []cardView
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
			URL: packPath(e.Owner, e.Repo, e.SHA), Pull: e.Pull, Crates: cardViews(e.Crates),
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
		if q.Previews {
			v.Set("previews", "1")
		}
		page.NextURL = "/?" + v.Encode()
	}
	h.render(w, r, http.StatusOK, h.pages.list, page)
}

// cardView is a crate card on the home page.
type cardView struct {
	Name, Version string
	Summary       template.HTML
}

// cardViews renders a catalog's cards, at most maxListedCrates of them.
func cardViews(cards []CrateCard) []cardView {
	var out []cardView
	for _, c := range cards[:min(len(cards), maxListedCrates)] {
		out = append(out, cardView{Name: c.Name, Version: c.Version, Summary: inlineMarkdown(c.Summary)})
	}
	return out
}

// maxListedCrates bounds the crates the home page lists for one docpack (a
// workspace may hold hundreds).
const maxListedCrates = 8

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

type packHeader struct {
	Owner, Repo, SHA, Ref string
	// Query is the symbol search, shown in the docpack's search box.
	Query                        string
	PageURL, DownloadURL, AllURL string
	Generator, Model             string
	GeneratedAt                  time.Time
	SymbolCount, DocCount        int
	Size                         int64
}

// crateCard is a crate of a docpack as its page and the commons home list it.
type crateCard struct {
	Name, Version, URL string
	Summary            template.HTML
}

type treeNode struct {
	Name     string
	URL      string
	Children []treeNode
}

type packPage struct {
	Title  string
	Query  string
	Pack   packHeader
	Crates []crateCard
	Tree   []treeNode
	// TreeCut is true when the module tree was too large to show whole.
	TreeCut bool
	// Root is the crate root's docs (a docpack of one crate), on page 1.
	Root     template.HTML
	RootName string
	Sections []listSection
	TOC      []tocEntry
	Pager    pager
	Results  []row
	// Searched is true when ?q= was given (Results may be empty).
	Searched  bool
	Truncated bool
	// Changes is "Changes in this commit" against the ref's previous docpack.
	Changes *changesSection
	// Pull is set on a pull request's preview: its number and page.
	Pull    int
	PullURL string
}

func header(e Entry, p *openPack) packHeader {
	m := p.Manifest
	page := packPath(e.Owner, e.Repo, e.SHA)
	return packHeader{
		Owner: e.Owner, Repo: e.Repo, SHA: e.SHA, Ref: e.Ref,
		PageURL: page, AllURL: page + "/all",
		DownloadURL: api.DownloadPath(e.Owner, e.Repo, e.SHA),
		Generator:   m.Generator.Name, Model: m.Generator.Model, GeneratedAt: m.GeneratedAt,
		SymbolCount: len(p.Symbols), DocCount: p.DocCount(), Size: e.Size,
	}
}

// crateRoot returns the module symbol of a crate's root, or -1.
func crateRoot(x *index.Index, name string) int {
	if i, ok := x.ByPath(name); ok && x.Symbols[i].SymbolType == docpack.KindModule {
		return i
	}
	return -1
}

// crateCards lists a docpack's crates with their versions and their roots'
// summaries.
func (h *Handler) crateCards(e Entry, p *openPack) []crateCard {
	var out []crateCard
	for _, c := range p.Manifest.Crates {
		card := crateCard{Name: c.Name, Version: c.Version}
		if i := crateRoot(p.x, c.Name); i >= 0 {
			card.URL = symbolPath(e.Owner, e.Repo, e.SHA, p.x.Symbols[i].ID)
			card.Summary = h.summary(e, p, i)
		}
		out = append(out, card)
	}
	return out
}

// maxTreeNodes bounds the module tree on a docpack's page; a larger tree
// shows its first levels (every module stays reachable from its parent's page).
const maxTreeNodes = 400

// moduleTree nests the pack's modules (the index's module tree), cut to
// maxTreeNodes by depth.
func moduleTree(e Entry, p *openPack) (roots []treeNode, cut bool) {
	mods := p.x.Modules
	maxDepth := 64
	for {
		n := 0
		for _, m := range mods {
			if m.Depth <= maxDepth && m.Symbol >= 0 {
				n++
			}
		}
		if n <= maxTreeNodes || maxDepth == 0 {
			break
		}
		maxDepth, cut = maxDepth-1, true
		for maxDepth > 0 {
			deeper := false
			for _, m := range mods {
				if m.Depth > maxDepth {
					deeper = true
					break
				}
			}
			if deeper {
				break
			}
			maxDepth--
		}
	}
	// Modules are depth first in path order: a stack of open nodes nests them.
	type open struct {
		depth int
		node  *treeNode
	}
	var stack []open
	var top []*treeNode
	for _, m := range mods {
		if m.Symbol < 0 || m.Depth > maxDepth {
			continue
		}
		s := &p.x.Symbols[m.Symbol]
		n := &treeNode{Name: m.Name, URL: symbolPath(e.Owner, e.Repo, e.SHA, s.ID)}
		for len(stack) > 0 && stack[len(stack)-1].depth >= m.Depth {
			stack = stack[:len(stack)-1]
		}
		if len(stack) == 0 {
			n.Name = m.Path
			top = append(top, n)
		} else {
			parent := stack[len(stack)-1].node
			parent.Children = append(parent.Children, treeNode{})
			n = &parent.Children[len(parent.Children)-1]
			*n = treeNode{Name: m.Name, URL: symbolPath(e.Owner, e.Repo, e.SHA, s.ID)}
		}
		stack = append(stack, open{m.Depth, n})
	}
	for _, n := range top {
		roots = append(roots, *n)
	}
	return roots, cut
}

// MaxSearchResults bounds one docpack search.
const MaxSearchResults = 200

// search runs the index's search (exact path first, then fuzzy), impl blocks
// left out, at most MaxSearchResults.
func (h *Handler) search(e Entry, p *openPack, q string) ([]row, bool) {
	var out []row
	for _, m := range p.x.Search(q, "") {
		if p.x.Symbols[m.Symbol].SymbolType == docpack.KindImpl {
			continue
		}
		if len(out) == MaxSearchResults {
			return out, true
		}
		r := h.symRow(e, p, m.Symbol)
		h.fillRow(e, p, &r, "")
		out = append(out, r)
	}
	return out, false
}

// kindOrder is rustdoc's order of a module's kinds, then the other kinds.
var kindOrder = func() []docpack.Kind {
	order := slices.Clone(index.ModuleOrder)
	for _, k := range docpack.Kinds {
		if !slices.Contains(order, k) {
			order = append(order, k)
		}
	}
	return order
}()

// sectionsOf makes a section of each kind of by, in kindOrder.
func (h *Handler) sectionsOf(e Entry, p *openPack, by map[docpack.Kind][]int, style string, members bool) []listSection {
	mk := func(i int) row { return h.symRow(e, p, i) }
	if members {
		mk = func(i int) row { return h.memberRow(e, p, i) }
	}
	var secs []listSection
	for _, k := range kindOrder {
		if len(by[k]) > 0 {
			secs = append(secs, listSection{Title: index.KindPlural(k), Anchor: index.KindAnchor(k), Style: style, syms: by[k], mk: mk})
		}
	}
	return secs
}

// symbolSections is what a symbol's page lists: the index's sections of it
// (index.Sections, which the TUI and `doctown open` show too: a module's
// re-exports and items by kind in rustdoc's order; a type's fields or
// variants, Implementations and Trait Implementations; a trait's required
// and provided items and its implementors; an impl's type, trait and items)
// as rows, made for the page shown only where a section is long.
func (h *Handler) symbolSections(e Entry, p *openPack, i int) []listSection {
	x := p.x
	isModule := x.Symbols[i].SymbolType == docpack.KindModule
	member := func(i int) row { return h.memberRow(e, p, i) }
	item := func(i int) row { return h.symRow(e, p, i) }
	var secs []listSection
	for _, s := range x.Sections(i) {
		syms := make([]int, len(s.Items))
		plain := true
		for k, it := range s.Items {
			syms[k] = it.Symbol
			plain = plain && !it.Impl
		}
		switch {
		case s.Title == "Re-exports":
			sec := listSection{Title: s.Title, Anchor: "reexports", Style: "reexports"}
			for _, it := range s.Items {
				r := h.symRow(e, p, it.Symbol)
				r.Reexport, r.Name = x.Symbols[it.Symbol].Path, it.Reexport
				sec.Rows = append(sec.Rows, r)
			}
			secs = append(secs, sec)
		case isModule:
			k := x.Symbols[s.Items[0].Symbol].SymbolType
			secs = append(secs, listSection{Title: s.Title, Anchor: index.KindAnchor(k), Style: "items", syms: syms, mk: item})
		case s.Title == "Trait Implementations" || s.Title == index.BlanketTitle:
			sec := listSection{Title: s.Title, Anchor: sectionAnchor(s.Title), Style: "impls"}
			for _, im := range syms {
				sec.Rows = append(sec.Rows, h.implRow(e, p, im, true))
			}
			secs = append(secs, sec)
		case strings.HasPrefix(s.Title, index.ForeignTitle+" ("):
			sec := listSection{Title: index.ForeignTitle, Anchor: "foreign-impls", Style: "implementors"}
			for _, im := range syms {
				sec.Rows = append(sec.Rows, h.implRow(e, p, im, false))
			}
			secs = append(secs, sec)
		case strings.HasPrefix(s.Title, index.ImplementorsTitle+" ("):
			sec := listSection{Title: index.ImplementorsTitle, Anchor: "implementors", Style: "implementors"}
			for _, im := range syms {
				sec.Rows = append(sec.Rows, h.implRow(e, p, im, false))
			}
			secs = append(secs, sec)
		case s.Title == "For" || s.Title == "Trait":
			secs = append(secs, listSection{Title: s.Title, Anchor: sectionAnchor(s.Title), Style: "items", syms: syms, mk: item})
		case plain:
			secs = append(secs, listSection{Title: s.Title, Anchor: sectionAnchor(s.Title), Style: "members", syms: syms, mk: member})
		default:
			// Inherent methods under their impls' headers, as docs.rs heads
			// each of a type's several impl blocks.
			sec := listSection{Title: s.Title, Anchor: sectionAnchor(s.Title), Style: "members"}
			for _, it := range s.Items {
				if it.Impl {
					r := h.implRow(e, p, it.Symbol, false)
					r.Header = true
					sec.Rows = append(sec.Rows, r)
				} else {
					sec.Rows = append(sec.Rows, h.memberRow(e, p, it.Symbol))
				}
			}
			secs = append(secs, sec)
		}
	}
	uniqueAnchors(secs)
	return secs
}

// sectionAnchor is a section's id: "Required Methods" gives "required-methods".
func sectionAnchor(title string) string {
	return strings.ReplaceAll(strings.ToLower(title), " ", "-")
}

// uniqueAnchors numbers repeated member anchors as rustdoc does ("method.new-1").
func uniqueAnchors(secs []listSection) {
	seen := map[string]int{}
	var fix func(rows []row)
	fix = func(rows []row) {
		for i := range rows {
			if a := rows[i].Anchor; a != "" {
				if n := seen[a]; n > 0 {
					rows[i].Anchor = a + "-" + strconv.Itoa(n)
				}
				seen[a]++
			}
			fix(rows[i].Members)
		}
	}
	for i := range secs {
		fix(secs[i].Rows)
	}
}

func (h *Handler) webPack(w http.ResponseWriter, r *http.Request) {
	n, ok := pageNumber(r.URL.Query())
	if !ok {
		h.webError(w, r, http.StatusBadRequest, "The page number must be a positive number.")
		return
	}
	e, p := h.openEntry(w, r)
	if p == nil {
		return
	}
	defer p.release()
	page := packPage{
		Title:  e.Owner + "/" + e.Repo + " @ " + shortSHA(e.SHA),
		Pack:   header(e, p),
		Crates: h.crateCards(e, p),
		Pull:   e.Pull,
	}
	if e.Pull != 0 {
		page.PullURL = api.PullPagePath(e.Owner, e.Repo, e.Pull)
	}
	page.Tree, page.TreeCut = moduleTree(e, p)
	if q := strings.TrimSpace(r.URL.Query().Get("q")); q != "" {
		page.Query, page.Pack.Query, page.Searched = q, q, true
		page.Results, page.Truncated = h.search(e, p, q)
		h.render(w, r, http.StatusOK, h.pages.pack, page)
		return
	}
	// A docpack of one crate shows that crate's root, as docs.rs does.
	if len(p.Manifest.Crates) == 1 {
		if root := crateRoot(p.x, p.Manifest.Crates[0].Name); root >= 0 {
			secs := h.symbolSections(e, p, root)
			page.RootName = p.x.Symbols[root].Path
			if page.Sections, page.TOC, page.Pager, ok = paginate(p.x, secs, n, page.Pack.PageURL); !ok {
				h.webError(w, r, http.StatusNotFound, "This docpack's page has no page "+strconv.Itoa(n)+".")
				return
			}
			h.fillRows(e, p, page.Sections, p.x.Symbols[root].ShownCfg())
			if n == 1 {
				page.Root = h.docBody(e, p, root)
			}
		}
	} else if n > 1 {
		h.webError(w, r, http.StatusNotFound, "This docpack's page has no page "+strconv.Itoa(n)+".")
		return
	}
	if n == 1 {
		page.Changes = h.changesView(r.Context(), e, p)
	}
	h.render(w, r, http.StatusOK, h.pages.pack, page)
}

// allPage is every top-level item of a docpack by kind, paginated.
type allPage struct {
	Title    string
	Query    string
	Pack     packHeader
	Sections []listSection
	TOC      []tocEntry
	Pager    pager
}

func (h *Handler) webAll(w http.ResponseWriter, r *http.Request) {
	n, ok := pageNumber(r.URL.Query())
	if !ok {
		h.webError(w, r, http.StatusBadRequest, "The page number must be a positive number.")
		return
	}
	e, p := h.openEntry(w, r)
	if p == nil {
		return
	}
	defer p.release()
	page := allPage{Title: "All items — " + e.Owner + "/" + e.Repo, Pack: header(e, p)}
	secs := h.sectionsOf(e, p, p.allItems(), "items", false)
	for i := range secs {
		secs[i].mk = func(i int) row {
			r := h.symRow(e, p, i)
			r.Name = r.Path
			return r
		}
	}
	if page.Sections, page.TOC, page.Pager, ok = paginate(p.x, secs, n, page.Pack.AllURL); !ok {
		h.webError(w, r, http.StatusNotFound, "The list of all items has no page "+strconv.Itoa(n)+".")
		return
	}
	h.fillRows(e, p, page.Sections, "")
	h.render(w, r, http.StatusOK, h.pages.all, page)
}

// webPath redirects a public path ("serde::Serialize", or a re-export's
// "serde::ser::Serialize") to its item's page.
func (h *Handler) webPath(w http.ResponseWriter, r *http.Request) {
	e, p := h.openEntry(w, r)
	if p == nil {
		return
	}
	defer p.release()
	i, ok := p.x.ByPath(r.PathValue("path"))
	if !ok {
		h.webError(w, r, http.StatusNotFound, "This docpack has no item at this path.")
		return
	}
	http.Redirect(w, r, symbolPath(e.Owner, e.Repo, e.SHA, p.x.Symbols[i].ID), http.StatusFound)
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
	// Available is docs.rs's cfg sentence, rendered.
	Available  template.HTML
	Notes      []string
	Attributes []string
	Location   string
	SourceURL  string
	// PublicPaths are the item's other public paths (its re-exports).
	PublicPaths []string
	DocSource   string
	// Body is the doc's summary and description, rendered as one text.
	Body     template.HTML
	Params   []paramView
	Returns  template.HTML
	Sections []section
	Examples []string
	DocError string
	Parent   *row
	Lists    []listSection
	TOC      []tocEntry
	Pager    pager
	Deps     []depView
}

// implHeader is an impl block's header as shown: "impl<T> Clone for Foo<T>".
func implHeader(x *index.Index, impl int) string {
	s := &x.Symbols[impl]
	if s.Signature != "" {
		return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s.Signature), "{"))
	}
	return s.Name
}

// linked rewrites the intra-doc links of src, a text of the doc d of the
// symbol at from, to the addresses the index gives them (index.LinkURL: the
// doc's recorded links, resolved at build time): a page of this docpack, the
// standard library or docs.rs. A link that resolves to nothing becomes its
// text alone (code stays code), so no raw brackets reach the page.
// The doc's reference definitions serve every field (index.DocDefs).
func (h *Handler) linked(e Entry, p *openPack, from int, d docpack.Doc, src string) string {
	page := func(i int) string { return symbolPath(e.Owner, e.Repo, e.SHA, p.x.Symbols[i].ID) }
	if defs := index.DocDefs(d); defs != "" {
		src += "\n\n" + defs
	}
	return index.Rewrite(src, func(l index.Link) string {
		// A relative rustdoc page address ("enum.Either.html") names an
		// item too, and would be a dead link here as it stands.
		// So does a rustdoc anchor of a member ("#method.with_hasher"),
		// whose member is on its own page here.
		member := strings.HasPrefix(l.Dest, "#") && p.x.MemberAnchor(from, l.Dest[1:]) >= 0
		if !l.IntraDoc() && !index.IsPageAddress(l.Dest) && !member {
			return "[" + l.Text + "](" + l.Dest + ")"
		}
		if u, ok := p.x.LinkURL(d, from, l.Dest, page); ok {
			return "[" + l.Text + "](" + u + ")"
		}
		return l.Text
	})
}

// docBody renders a crate root's summary and description (or its doc
// comments when it has no doc), with its links; nothing for a doc made from
// the signature alone ("Module `winapi`: `mod winapi` (no doc comment; …)").
func (h *Handler) docBody(e Entry, p *openPack, i int) template.HTML {
	top := docRender{headingOffset: 1, idPrefix: "doc-"}
	d, err := p.ReadDoc(p.x.Symbols[i].ID)
	if err != nil {
		return markdownAt(h.linked(e, p, i, docpack.Doc{}, p.x.Symbols[i].DocComments), top)
	}
	if d.Source == docpack.DocFromSignature {
		return ""
	}
	return markdownAt(h.linked(e, p, i, d, d.Summary+"\n\n"+d.Description), top)
}

func (h *Handler) webSymbol(w http.ResponseWriter, r *http.Request) {
	n, ok := pageNumber(r.URL.Query())
	if !ok {
		h.webError(w, r, http.StatusBadRequest, "The page number must be a positive number.")
		return
	}
	e, p := h.openEntry(w, r)
	if p == nil {
		return
	}
	defer p.release()
	x := p.x
	i, ok := x.ByID(r.PathValue("id"))
	if !ok {
		h.webError(w, r, http.StatusNotFound, "This docpack has no such symbol.")
		return
	}
	s := x.Symbols[i]
	page := symbolPage{
		Title:      s.Path + " — " + e.Owner + "/" + e.Repo,
		Pack:       header(e, p),
		Name:       s.Name,
		Kind:       index.KindTitle(s.SymbolType),
		Path:       s.Path,
		Signature:  s.Signature,
		Visibility: s.Visibility,
		SourceURL:  docpack.SymbolSourceURL(p.Manifest.Repository, &s),
	}
	page.Notes, page.Attributes = index.Attributes(s)
	if sentence, _ := availability(s); sentence != "" {
		page.Available = inlineMarkdown(sentence + ".")
		// The cfg sentence says it better than the attribute's note.
		page.Notes = slices.DeleteFunc(page.Notes, func(n string) bool { return strings.HasPrefix(n, "Available on") })
	}
	for _, pp := range s.PublicPaths {
		if pp != s.Path {
			page.PublicPaths = append(page.PublicPaths, pp)
		}
	}
	if s.File != "" {
		page.Location = s.File
		if s.Line > 0 {
			page.Location += ":" + strconv.Itoa(s.Line)
		}
		if f := s.InlinedFrom; f != nil {
			page.Location = strings.TrimSpace(f.Crate+" "+f.Version) + " " + page.Location
		}
	}
	// Breadcrumbs: the chain of owners, outermost first.
	seen := map[int]bool{i: true}
	for o := x.Owner(i); o >= 0 && !seen[o]; o = x.Owner(o) {
		seen[o] = true
		ps := &x.Symbols[o]
		page.Crumbs = append([]crumb{{Name: ps.Name, URL: symbolPath(e.Owner, e.Repo, e.SHA, ps.ID)}}, page.Crumbs...)
	}
	if o := x.Owner(i); o >= 0 {
		pr := h.symRow(e, p, o)
		pr.Name = x.Symbols[o].Path
		page.Parent = &pr
	}
	base := symbolPath(e.Owner, e.Repo, e.SHA, s.ID)
	if page.Lists, page.TOC, page.Pager, ok = paginate(x, h.symbolSections(e, p, i), n, base); !ok {
		h.webError(w, r, http.StatusNotFound, "This page has no page "+strconv.Itoa(n)+".")
		return
	}
	h.fillRows(e, p, page.Lists, s.ShownCfg())
	if n > 1 {
		// Later pages carry the listing only.
		h.render(w, r, http.StatusOK, h.pages.symbol, page)
		return
	}
	for _, dep := range s.Dependencies {
		d := depView{Name: dep}
		if t := x.Resolve(dep, i); t >= 0 {
			d.URL = symbolPath(e.Owner, e.Repo, e.SHA, x.Symbols[t].ID)
		}
		page.Deps = append(page.Deps, d)
	}
	d, err := p.ReadDoc(s.ID)
	// The doc is under the item's h1: its "# Examples" is an h2; a field
	// shown under a heading of the page (Parameters, Errors, …) goes one
	// level deeper. Each render's footnote ids are its own.
	markdownOf := func(src string, offset int, prefix string) template.HTML {
		return markdownAt(h.linked(e, p, i, d, src), docRender{headingOffset: offset, idPrefix: prefix})
	}
	switch {
	case err == nil:
		page.DocSource = docpack.SourceLabel(d.Source)
		// One text, as rustdoc reads it: a footnote or a reference in
		// the summary finds its definition at the end of the description.
		page.Body = markdownOf(strings.TrimSpace(d.Summary+"\n\n"+d.Description), 1, "doc-")
		for k, pd := range d.Parameters {
			pv := paramView{Name: pd.Name, HTML: markdownOf(pd.Description, 2, "param"+strconv.Itoa(k)+"-")}
			for _, sp := range s.Parameters {
				if sp.Name == pd.Name {
					pv.Type = sp.ParamType
				}
			}
			page.Params = append(page.Params, pv)
		}
		page.Returns = markdownOf(d.Returns, 2, "returns-")
		for _, sec := range []struct{ title, text string }{{"Errors", d.Errors}, {"Panics", d.Panics}, {"Safety", d.Safety}} {
			if strings.TrimSpace(sec.text) != "" {
				page.Sections = append(page.Sections, section{Title: sec.title, HTML: markdownOf(sec.text, 2, strings.ToLower(sec.title)+"-")})
			}
		}
		for _, ex := range d.Examples {
			page.Examples = append(page.Examples, docpack.ShownExample(ex))
		}
	case errors.Is(err, docpack.ErrNoDoc):
		d = docpack.Doc{}
		page.Body = markdownOf(s.DocComments, 1, "doc-")
	default:
		h.log.WarnContext(r.Context(), "read doc", "err", err, "repo", e.Owner+"/"+e.Repo, "sha", e.SHA, "symbol", s.ID)
		page.DocError = "This symbol's doc in the docpack is damaged."
		d = docpack.Doc{}
		page.Body = markdownOf(s.DocComments, 1, "doc-")
	}
	h.render(w, r, http.StatusOK, h.pages.symbol, page)
}

// md renders Markdown without passing raw HTML through (it is dropped:
// goldmark's default, kept by never setting html.WithUnsafe) and with link
// and image destinations checked against an allow-list after decoding
// (safeLinks). Footnotes render as rustdoc renders them (pulldown-cmark's
// footnotes: a numbered reference, the notes at the end), each render's ids
// prefixed apart (docRender.idPrefix) so two texts of one page never share
// an id; headings are demoted below the page's own (docRender.headingOffset)
// and have ids ("#examples" links to its section, as on docs.rs).
var md = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.TaskList,
	extension.NewFootnote(extension.WithFootnoteIDPrefixFunction(footnotePrefix))),
	goldmark.WithParserOptions(safeLinksOption, parser.WithAutoHeadingID(), parser.WithASTTransformers(util.Prioritized(docRender{}, 1001))))

// renderKey is where markdownAt hands a render's options to docRender.
var renderKey = parser.NewContextKey()

// docRender demotes a render's headings by its offset: a doc's "# Examples"
// is an h2 under the item's h1, as on docs.rs (rustdoc's HeadingOffset), and
// an h3 inside a section that has its own h2; nothing goes past h6. It also
// records the render's footnote id prefix for footnotePrefix.
type docRender struct {
	headingOffset int
	idPrefix      string
}

// Transform implements parser.ASTTransformer.
func (docRender) Transform(doc *ast.Document, _ text.Reader, pc parser.Context) {
	opts, _ := pc.Get(renderKey).(docRender)
	doc.AddMeta("footnote-prefix", opts.idPrefix)
	if opts.headingOffset == 0 {
		return
	}
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering {
			h.Level = min(h.Level+opts.headingOffset, 6)
		}
		return ast.WalkContinue, nil
	})
}

// footnotePrefix is the footnote id prefix docRender recorded in the document.
func footnotePrefix(n ast.Node) []byte {
	if d := n.OwnerDocument(); d != nil {
		if p, ok := d.Meta()["footnote-prefix"].(string); ok {
			return []byte(p)
		}
	}
	return nil
}

// markdown renders a text shown on its own (a list's summary, a card).
func markdown(src string) template.HTML { return markdownAt(src, docRender{}) }

// markdownAt renders src with a heading offset and a footnote id prefix.
func markdownAt(src string, opts docRender) template.HTML {
	if strings.TrimSpace(src) == "" {
		return ""
	}
	var buf bytes.Buffer
	pc := parser.NewContext()
	pc.Set(renderKey, opts)
	if err := md.Convert([]byte(src), &buf, parser.WithContext(pc)); err != nil {
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
