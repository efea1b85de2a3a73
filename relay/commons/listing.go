package commons

import (
	"html/template"
	"net/url"
	"strconv"
	"strings"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/index"
)

// A page's listings (a module's items, a type's methods and trait impls, a
// trait's implementors) are sections of rows cut into pages of about
// pageBudget bytes, so no page nears 1 MB however large the module: winapi's
// um::winnt has 6,122 items. Only the rows of the page shown have their
// docs read and rendered.

// pageBudget is about how many bytes of rows one page holds.
const pageBudget = 192 << 10

// row is one entry of a listing: an item, a member with its signature, a
// re-export, or an impl block with its members.
type row struct {
	Kind      string
	Name      string
	Path      string
	URL       string
	Anchor    string
	Signature string
	Summary   template.HTML
	// Badge is the item's cfg, short ("std or alloc"); Available the sentence.
	Badge, Available string
	// Source links the item's source at the documented commit.
	Source string
	// Reexport is the `pub use` path of a re-export.
	Reexport string
	// For is the implementing type of an implementor (ForURL its page).
	For, ForURL string
	Members     []row
	// Header marks an impl block's header among a type's inherent methods.
	Header bool

	sym int // the symbol; its summary is read when the row is shown
}

// listSection is a titled list of rows; Style picks its markup: "items"
// (name and summary), "members" (name, signature, summary), "impls"
// (collapsible impl blocks) or "reexports".
type listSection struct {
	Title, Anchor, Style string
	Rows                 []row
	// syms and mk, set instead of Rows, make a long section's rows for the
	// page shown only: the other 6,000 of a module's items cost nothing.
	syms []int
	mk   func(sym int) row
	// Count is the section's rows on every page; Continued is true on the
	// pages after the one where it starts.
	Count     int
	Continued bool
}

// tocEntry links a section where it starts: "?page=3#structs".
type tocEntry struct {
	Title, URL string
	Count      int
}

type pageLink struct {
	N       int
	URL     string
	Current bool
}

// pager is the page links of a paginated page.
type pager struct {
	Page, Pages int
	Prev, Next  string
	Links       []pageLink
}

// weight estimates the bytes a row takes on the page.
func (r *row) weight() int {
	n := 260 + len(r.Path) + 2*len(r.Name) + len(r.URL) + len(r.ForURL) + len(r.Signature) + len(r.Reexport) + len(r.For)
	for i := range r.Members {
		n += r.Members[i].weight()
	}
	return n
}

func (s *listSection) size() int {
	if s.mk != nil {
		return len(s.syms)
	}
	return len(s.Rows)
}

// weightAt estimates the bytes of row k.
func (s *listSection) weightAt(x *index.Index, k int) int {
	if s.mk == nil {
		return s.Rows[k].weight()
	}
	sym := &x.Symbols[s.syms[k]]
	n := 320 + len(sym.Path)
	if s.Style == "members" {
		n += len(sym.Signature)
	}
	return n
}

// pageURL is base for page 1 and base?page=n otherwise.
func pageURL(base string, n int) string {
	if n <= 1 {
		return base
	}
	return base + "?" + url.Values{"page": {strconv.Itoa(n)}}.Encode()
}

// paginate cuts sections into pages of about pageBudget bytes and returns
// page n's part of them, a table of contents linking each section where it
// starts, and the page links. ok is false when there is no page n.
func paginate(x *index.Index, secs []listSection, n int, base string) (shown []listSection, toc []tocEntry, pg pager, ok bool) {
	page, used := 1, 0
	for si := range secs {
		s := &secs[si]
		s.Count = s.size()
		lo, hi, startPage := -1, -1, 0 // the rows of page n
		for ri := range s.Count {
			w := s.weightAt(x, ri)
			if used > 0 && used+w > pageBudget {
				page, used = page+1, 0
			}
			used += w
			if ri == 0 {
				startPage = page
				toc = append(toc, tocEntry{Title: s.Title, URL: pageURL(base, page) + "#" + s.Anchor, Count: s.Count})
			}
			if page == n {
				if lo < 0 {
					lo = ri
				}
				hi = ri + 1
			}
		}
		if lo >= 0 {
			sec := *s
			sec.Continued = startPage < n
			if s.mk != nil {
				sec.Rows = make([]row, 0, hi-lo)
				for _, i := range s.syms[lo:hi] {
					sec.Rows = append(sec.Rows, s.mk(i))
				}
			} else {
				sec.Rows = s.Rows[lo:hi]
			}
			shown = append(shown, sec)
		}
	}
	pg = pager{Page: n, Pages: page}
	if n < 1 || n > page {
		return nil, toc, pg, false
	}
	if page > 1 {
		if n > 1 {
			pg.Prev = pageURL(base, n-1)
		}
		if n < page {
			pg.Next = pageURL(base, n+1)
		}
		for i := 1; i <= page; i++ {
			// All pages near this one, the first and the last, and every
			// tenth: a few dozen links however many pages.
			if i == 1 || i == page || (i-n) <= 3 && (n-i) <= 3 || i%10 == 0 {
				pg.Links = append(pg.Links, pageLink{N: i, URL: pageURL(base, i), Current: i == n})
			}
		}
	}
	return shown, toc, pg, true
}

// pageNumber reads ?page=, 1 when absent; ok is false for anything but a
// positive number.
func pageNumber(v url.Values) (int, bool) {
	s := v.Get("page")
	if s == "" {
		return 1, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 1
}

// fillRows reads and renders the summaries and cfg badges of the rows
// shown. A row whose cfg is the page's own (cfg) gets no badge: every item
// of winapi's um::winnt needs feature `winnt`, as the module does, and
// rustdoc badges only what differs from the enclosing item.
func (h *Handler) fillRows(e Entry, p *openPack, secs []listSection, cfg string) {
	for si := range secs {
		rows := secs[si].Rows
		for ri := range rows {
			h.fillRow(e, p, &rows[ri], cfg)
		}
	}
}

func (h *Handler) fillRow(e Entry, p *openPack, r *row, cfg string) {
	s := &p.x.Symbols[r.sym]
	if r.Kind != "impl" { // an impl block's header says what it is
		r.Summary = h.summary(e, p, r.sym)
	}
	if s.ShownCfg() != cfg {
		r.Available, r.Badge = availability(*s)
	}
	for i := range r.Members {
		h.fillRow(e, p, &r.Members[i], cfg)
	}
}

// summary is a symbol's one-line summary for a listing, rendered with its
// links; none when the doc was made from the signature alone ("Constant X:
// pub const X: GUID (no doc comment; …)" repeats the row's own name, and
// rustdoc lists an undocumented item bare).
func (h *Handler) summary(e Entry, p *openPack, i int) template.HTML {
	d, err := p.ReadDoc(p.x.Symbols[i].ID)
	if err != nil || strings.TrimSpace(d.Summary) == "" || d.Source == docpack.DocFromSignature {
		return ""
	}
	return inlineMarkdown(h.linked(e, p, i, d, index.StripFootnoteRefs(d.Summary)))
}

// symRow is the row of a symbol in a listing; the summary comes later (fillRows).
func (h *Handler) symRow(e Entry, p *openPack, i int) row {
	s := &p.x.Symbols[i]
	r := row{
		Kind: index.KindName(s.SymbolType), Name: s.Name, Path: s.Path,
		URL: symbolPath(e.Owner, e.Repo, e.SHA, s.ID), sym: i,
	}
	return r
}

// memberRow is a method, field or variant under its type: name, signature,
// an anchor as rustdoc names it ("method.insert") and its source link.
func (h *Handler) memberRow(e Entry, p *openPack, i int) row {
	r := h.symRow(e, p, i)
	s := &p.x.Symbols[i]
	r.Signature = s.Signature
	r.Anchor = index.ItemAnchorPrefix(s.SymbolType) + "." + s.Name
	r.Source = docpack.SymbolSourceURL(p.Manifest.Repository, s)
	return r
}

// availability is docs.rs's sentence for a symbol's cfg ("Available on
// crate feature `std` only") and the short badge a listing shows ("std").
func availability(s docpack.Symbol) (sentence, badge string) {
	sentence = s.Availability()
	if sentence == "" {
		return "", ""
	}
	badge = strings.TrimSuffix(strings.TrimPrefix(sentence, "Available on "), " only")
	badge = strings.NewReplacer("crate features ", "", "crate feature ", "", "`", "").Replace(badge)
	return sentence, badge
}

// implRow is an impl block with its members, for a type's Trait
// Implementations or a trait's Implementors.
func (h *Handler) implRow(e Entry, p *openPack, im int, members bool) row {
	x := p.x
	s := &x.Symbols[im]
	r := row{
		Kind: "impl", Name: implHeader(x, im), URL: symbolPath(e.Owner, e.Repo, e.SHA, s.ID),
		Anchor: implAnchor(x, im), sym: im,
		Source: docpack.SymbolSourceURL(p.Manifest.Repository, s),
	}
	if t := x.ImplFor(im); t >= 0 {
		r.For, r.ForURL = x.Symbols[t].Path, symbolPath(e.Owner, e.Repo, e.SHA, x.Symbols[t].ID)
	}
	if members {
		for _, c := range x.Children(im) {
			r.Members = append(r.Members, h.memberRow(e, p, c))
		}
	}
	return r
}

// implAnchor is rustdoc's id of a trait impl: "impl-Clone-for-HashMap<K,+V,+S,+A>"
// reduced to the characters an id keeps readable.
func implAnchor(x *index.Index, im int) string {
	h := implHeader(x, im)
	h = strings.TrimSpace(strings.TrimPrefix(h, "unsafe "))
	h = strings.TrimPrefix(h, "impl")
	if strings.HasPrefix(h, "<") {
		depth := 0
		for i, c := range h {
			if c == '<' {
				depth++
			} else if c == '>' {
				depth--
				if depth == 0 {
					h = h[i+1:]
					break
				}
			}
		}
	}
	if w := strings.Index(h, " where "); w >= 0 {
		h = h[:w]
	}
	var b strings.Builder
	b.WriteString("impl")
	for _, f := range strings.Fields(h) {
		b.WriteByte('-')
		b.WriteString(f)
	}
	return b.String()
}
