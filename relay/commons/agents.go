package commons

import (
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/doctown/doctown/docpack/export"
	"github.com/doctown/doctown/docpack/index"
)

// The text forms of a docpack for coding agents, under the docpack's page:
//
//	/r/{owner}/{repo}/{sha}/llms.txt         llms.txt: summary and linked module pages
//	/r/{owner}/{repo}/{sha}/llms-full.txt    every module's Markdown in one file
//	/r/{owner}/{repo}/{sha}/md/{file}        one module's Markdown (as `doctown export` writes it)
//	/r/{owner}/{repo}/{sha}/s/{id}.md        one item's Markdown
//
// They pass through the same catalog lookup as the pages, so a private
// repository's text is served exactly to those who may read its pages.

// agentText is a docpack's exported text, made on first request and kept while
// the pack is cached.
type agentText struct {
	once  sync.Once
	idx   *index.Index
	files map[string][]byte
	llms  []byte
	full  []byte
}

// text returns the pack's index and exported files, building them once.
func (p *openPack) text(base string) *agentText {
	t := &p.agent
	t.once.Do(func() {
		t.idx = p.x
		files := export.Markdown(t.idx, export.Options{})
		t.files = make(map[string][]byte, len(files))
		for _, f := range files {
			t.files[f.Name] = f.Data
		}
		t.llms = export.LLMSTxt(t.idx, files, export.LLMSOptions{BaseURL: base + "md/", FullURL: base + "llms-full.txt"})
		t.full = export.LLMSFull(t.idx)
	})
	return t
}

func packBase(e Entry) string {
	return "/r/" + url.PathEscape(e.Owner) + "/" + url.PathEscape(e.Repo) + "/" + url.PathEscape(e.SHA) + "/"
}

func writeText(w http.ResponseWriter, r *http.Request, ctype string, b []byte) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	if r.Method == http.MethodHead {
		return
	}
	w.Write(b)
}

// agentFile serves one of the pack's texts, chosen by pick.
func (h *Handler) agentFile(ctype string, pick func(*agentText) []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		e, p := h.openEntry(w, r)
		if p == nil {
			return
		}
		defer p.release()
		writeText(w, r, ctype, pick(p.text(h.public+packBase(e))))
	}
}

func (h *Handler) agentModule(w http.ResponseWriter, r *http.Request) {
	e, p := h.openEntry(w, r)
	if p == nil {
		return
	}
	defer p.release()
	b, ok := p.text(h.public + packBase(e)).files[r.PathValue("file")]
	if !ok {
		h.webError(w, r, http.StatusNotFound, "This docpack has no such page.")
		return
	}
	writeText(w, r, "text/markdown; charset=utf-8", b)
}

// symbol serves a symbol's page, or with ".md" after the id its Markdown.
func (h *Handler) symbol(w http.ResponseWriter, r *http.Request) {
	id, md := strings.CutSuffix(r.PathValue("id"), ".md")
	if !md {
		h.webSymbol(w, r)
		return
	}
	e, p := h.openEntry(w, r)
	if p == nil {
		return
	}
	defer p.release()
	t := p.text(h.public + packBase(e))
	i, ok := t.idx.ByID(id)
	if !ok {
		h.webError(w, r, http.StatusNotFound, "This docpack has no such symbol.")
		return
	}
	writeText(w, r, "text/markdown; charset=utf-8", []byte(export.Item(t.idx, i)))
}
