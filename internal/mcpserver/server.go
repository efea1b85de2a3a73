// Package mcpserver serves docpacks to coding agents over the Model Context
// Protocol: tools to search a crate's API, read an item (signature, docs,
// examples, source location, impls and implementors) and list a module, and a
// resource per docpack holding its llms.txt. Answers are sized for a model's
// context: each is cut to a token budget, counted with the tokenizer the build's
// batches use, and long listings are paged with a cursor.
package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/apidiff"
	"github.com/doctown/doctown/docpack/export"
	"github.com/doctown/doctown/docpack/index"
	"github.com/doctown/doctown/pipeline/llm"
)

// DefaultTokenBudget is the most tokens one answer holds unless configured.
const DefaultTokenBudget = 4000

// Library is the set of docpacks the server answers from.
type Library interface {
	// Packs lists the docpacks by name ("owner/repo" or the crate), in a fixed order.
	Packs(ctx context.Context) ([]PackInfo, error)
	// Open returns the index of one docpack, opening or downloading it on first use.
	Open(ctx context.Context, name string) (*index.Index, error)
}

// PackInfo names one docpack of a Library.
type PackInfo struct {
	Name    string   `json:"name"`
	Crates  []string `json:"crates"`
	Commit  string   `json:"commit,omitempty"`
	Symbols int      `json:"symbols"`
}

// Options configure a Server.
type Options struct {
	// TokenBudget caps each answer (DefaultTokenBudget when 0).
	TokenBudget int
	// Version is reported to clients.
	Version string
}

// Server is an MCP server over a Library.
type Server struct {
	lib    Library
	opts   Options
	tok    *llm.Tokenizer
	server *mcp.Server

	mu    sync.Mutex
	llms  map[string][]byte
	added map[string]bool
}

// New builds the server and registers its tools.
func New(lib Library, opts Options) (*Server, error) {
	if opts.TokenBudget <= 0 {
		opts.TokenBudget = DefaultTokenBudget
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	tok, err := llm.NewTokenizer("")
	if err != nil {
		return nil, err
	}
	s := &Server{lib: lib, opts: opts, tok: tok, llms: map[string][]byte{}, added: map[string]bool{}}
	s.server = mcp.NewServer(&mcp.Implementation{Name: "doctown", Version: opts.Version}, &mcp.ServerOptions{
		Instructions: "Documentation of Rust crates from doctown docpacks: the exact public API of one commit " +
			"with its docs and source locations. Use search_symbols to find an item, get_item to read it, " +
			"list_module to browse; list_docpacks names what is loaded.",
	})
	s.register()
	return s, nil
}

// MCP returns the SDK server, to run on a transport.
func (s *Server) MCP() *mcp.Server { return s.server }

// AddResources registers each docpack's llms.txt as a resource
// (doctown://NAME/llms.txt). Call it once the library is known.
func (s *Server) AddResources(ctx context.Context) error {
	packs, err := s.lib.Packs(ctx)
	if err != nil {
		return err
	}
	for _, p := range packs {
		uri := "doctown://" + p.Name + "/llms.txt"
		s.mu.Lock()
		done := s.added[uri]
		s.added[uri] = true
		s.mu.Unlock()
		if done {
			continue
		}
		name := p.Name
		s.server.AddResource(&mcp.Resource{
			URI: uri, Name: name + " llms.txt", MIMEType: "text/markdown",
			Description: "The llms.txt of " + name + ": its summary and a list of its modules.",
		}, func(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			text, err := s.llmsTxt(ctx, name)
			if err != nil {
				return nil, err
			}
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: uri, MIMEType: "text/markdown", Text: string(text)}}}, nil
		})
	}
	return nil
}

func (s *Server) llmsTxt(ctx context.Context, name string) ([]byte, error) {
	s.mu.Lock()
	b, ok := s.llms[name]
	s.mu.Unlock()
	if ok {
		return b, nil
	}
	x, err := s.lib.Open(ctx, name)
	if err != nil {
		return nil, err
	}
	b = export.LLMSTxtHeader(x)
	s.mu.Lock()
	s.llms[name] = b
	s.mu.Unlock()
	return b, nil
}

// Tool inputs and outputs. Field docs become the JSON Schema's descriptions.

// SearchInput is search_symbols' input.
type SearchInput struct {
	Query  string `json:"query" jsonschema:"words of the item's name or path, e.g. Mutex or sync::Mutex"`
	Kind   string `json:"kind,omitempty" jsonschema:"only items of this kind: struct, enum, trait, function, method, macro, module, ..."`
	Pack   string `json:"docpack,omitempty" jsonschema:"only this docpack (a name from list_docpacks)"`
	Cursor string `json:"cursor,omitempty" jsonschema:"the next_cursor of an earlier answer, for the next page"`
}

// SymbolHit is one search result.
type SymbolHit struct {
	Path      string `json:"path"`
	Kind      string `json:"kind"`
	Docpack   string `json:"docpack"`
	Summary   string `json:"summary,omitempty"`
	Signature string `json:"signature,omitempty"`
}

// SearchOutput is search_symbols' answer.
type SearchOutput struct {
	Results    []SymbolHit `json:"results"`
	Total      int         `json:"total"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

// ItemInput is get_item's input.
type ItemInput struct {
	Path string `json:"path" jsonschema:"the item's path, e.g. tokio::sync::Mutex or serde::de::Deserialize::deserialize"`
	Pack string `json:"docpack,omitempty" jsonschema:"the docpack to read it from, when several hold that path"`
}

// ItemOutput is get_item's answer: the item as Markdown.
type ItemOutput struct {
	Path      string `json:"path"`
	Kind      string `json:"kind"`
	Docpack   string `json:"docpack"`
	Markdown  string `json:"markdown"`
	Truncated bool   `json:"truncated,omitempty"`
}

// ModuleInput is list_module's input.
type ModuleInput struct {
	Path   string `json:"path" jsonschema:"the module's path, e.g. tokio::sync; a crate name for its root"`
	Pack   string `json:"docpack,omitempty" jsonschema:"the docpack, when several hold that module"`
	Cursor string `json:"cursor,omitempty" jsonschema:"the next_cursor of an earlier answer"`
}

// ModuleOutput is list_module's answer.
type ModuleOutput struct {
	Path       string      `json:"path"`
	Docpack    string      `json:"docpack"`
	Summary    string      `json:"summary,omitempty"`
	Items      []SymbolHit `json:"items"`
	Total      int         `json:"total"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

// ChangesInput is get_changes' input.
type ChangesInput struct {
	Base   string `json:"base" jsonschema:"the older docpack (a name from list_docpacks)"`
	Head   string `json:"head" jsonschema:"the newer docpack"`
	Cursor string `json:"cursor,omitempty" jsonschema:"the next_cursor of an earlier answer"`
}

// ChangesOutput is get_changes' answer: the semver verdict, counts and a page
// of the changed public items.
type ChangesOutput struct {
	Verdict    string         `json:"verdict"`
	Counts     apidiff.Counts `json:"counts"`
	Changes    []ChangeHit    `json:"changes"`
	Total      int            `json:"total"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

// ChangeHit is one changed item (apidiff.Change with its severity as a word).
type ChangeHit struct {
	Kind     string `json:"kind" jsonschema:"added, removed, moved or changed"`
	Path     string `json:"path"`
	OldPath  string `json:"old_path,omitempty"`
	ItemKind string `json:"item_kind"`
	Severity string `json:"severity" jsonschema:"major, minor or patch"`
	Reason   string `json:"reason"`
	Old      string `json:"old,omitempty"`
	New      string `json:"new,omitempty"`
}

// ListInput is list_docpacks' input (none).
type ListInput struct{}

// ListOutput is list_docpacks' answer.
type ListOutput struct {
	Docpacks []PackInfo `json:"docpacks"`
}

func (s *Server) register() {
	mcp.AddTool(s.server, &mcp.Tool{
		Name:        "list_docpacks",
		Description: "List the docpacks (crates at a commit) this server can answer from.",
	}, readableText(s.listDocpacks))
	mcp.AddTool(s.server, &mcp.Tool{
		Name: "search_symbols",
		Description: "Search the public API by name or path. Exact paths and names rank first, then fuzzy matches. " +
			"Returns paths to pass to get_item, with kinds and one-line summaries; paged.",
	}, readableText(s.search))
	mcp.AddTool(s.server, &mcp.Tool{
		Name: "get_item",
		Description: "Read one item: its signature, docs, examples and source location; for a type its fields, " +
			"methods and trait implementations; for a trait its methods and implementors.",
	}, readableText(s.getItem))
	mcp.AddTool(s.server, &mcp.Tool{
		Name: "get_changes",
		Description: "The public API changes from docpack base to docpack head (e.g. two versions of a crate): " +
			"items added, removed, moved and changed, each with its semver severity, and the overall verdict (major/minor/patch); paged.",
	}, readableText(s.getChanges))
	mcp.AddTool(s.server, &mcp.Tool{
		Name:        "list_module",
		Description: "List a module's items (submodules, types, traits, functions, macros …) with summaries; paged.",
	}, readableText(s.listModule))
}

// readableText makes a tool's text content its answer as JSON without Go's
// HTML escaping: the SDK's own (json.Marshal) writes every < > & of a
// signature as \u003c \u003e \u0026, which an agent reads as they are, at
// six characters (and several tokens) each. The structured content is the
// same JSON.
func readableText[In, Out any](h mcp.ToolHandlerFor[In, Out]) mcp.ToolHandlerFor[In, Out] {
	return func(ctx context.Context, req *mcp.CallToolRequest, in In) (*mcp.CallToolResult, Out, error) {
		res, out, err := h(ctx, req, in)
		if err != nil || res != nil {
			return res, out, err
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if enc.Encode(out) != nil {
			return nil, out, nil // the SDK marshals it, and reports the error
		}
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: strings.TrimSuffix(b.String(), "\n")}}}, out, nil
	}
}

func (s *Server) listDocpacks(ctx context.Context, _ *mcp.CallToolRequest, _ ListInput) (*mcp.CallToolResult, ListOutput, error) {
	packs, err := s.lib.Packs(ctx)
	if err != nil {
		return nil, ListOutput{}, err
	}
	return nil, ListOutput{Docpacks: packs}, nil
}

// packsFor returns the names of the docpacks to look in: one, or all.
func (s *Server) packsFor(ctx context.Context, name string) ([]string, error) {
	packs, err := s.lib.Packs(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, p := range packs {
		if name == "" || p.Name == name || contains(p.Crates, name) {
			names = append(names, p.Name)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no docpack %q here; list_docpacks names them", name)
	}
	return names, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

type hit struct {
	pack  string
	x     *index.Index
	sym   int
	score int
}

func (s *Server) search(ctx context.Context, _ *mcp.CallToolRequest, in SearchInput) (*mcp.CallToolResult, SearchOutput, error) {
	q := strings.TrimSpace(in.Query)
	if q == "" {
		return nil, SearchOutput{}, fmt.Errorf("query is empty")
	}
	kind := docpack.Kind(in.Kind)
	if in.Kind != "" && !validKind(kind) {
		return nil, SearchOutput{}, fmt.Errorf("unknown kind %q; kinds are %s", in.Kind, kindList())
	}
	names, err := s.packsFor(ctx, in.Pack)
	if err != nil {
		return nil, SearchOutput{}, err
	}
	var hits []hit
	for _, n := range names {
		x, err := s.lib.Open(ctx, n)
		if err != nil {
			return nil, SearchOutput{}, err
		}
		for _, m := range x.Search(q, kind) {
			if x.Symbols[m.Symbol].SymbolType == docpack.KindImpl {
				continue
			}
			hits = append(hits, hit{pack: n, x: x, sym: m.Symbol, score: rank(x, m, q)})
		}
	}
	sort.SliceStable(hits, func(a, b int) bool { return hits[a].score > hits[b].score })
	start, err := parseCursor(in.Cursor, len(hits))
	if err != nil {
		return nil, SearchOutput{}, err
	}
	out := SearchOutput{Total: len(hits)}
	out.Results, out.NextCursor = page(s, start, len(hits), 0, 50, func(i int) (SymbolHit, string) {
		h := symbolHit(hits[i].pack, hits[i].x, hits[i].sym)
		return h, h.Path + h.Kind + h.Summary + h.Signature
	})
	return nil, out, nil
}

// rank puts an exact path or name match first, then the index's own score;
// among equals, shorter (more public) paths first.
func rank(x *index.Index, m index.Match, q string) int {
	s := &x.Symbols[m.Symbol]
	score := m.Score * 4
	ql := strings.ToLower(q)
	switch {
	case strings.ToLower(s.Path) == ql:
		score += 1 << 20
	case strings.HasSuffix(strings.ToLower(s.Path), "::"+ql):
		score += 1 << 19
	case strings.EqualFold(s.Name, q):
		score += 1 << 18
	}
	switch s.SymbolType {
	case docpack.KindStruct, docpack.KindEnum, docpack.KindTrait, docpack.KindUnion, docpack.KindTypeAlias:
		score += 8
	case docpack.KindFunction, docpack.KindMacro, docpack.KindModule:
		score += 4
	}
	return score - strings.Count(s.Path, "::")
}

func symbolHit(pack string, x *index.Index, i int) SymbolHit {
	s := &x.Symbols[i]
	h := SymbolHit{Path: s.Path, Kind: string(s.SymbolType), Docpack: pack, Signature: firstLine(s.Signature)}
	if d, ok := x.Doc(i); ok && d.Source != docpack.DocFromSignature {
		h.Summary = oneLine(d.Summary)
	}
	return h
}

func (s *Server) getItem(ctx context.Context, _ *mcp.CallToolRequest, in ItemInput) (*mcp.CallToolResult, ItemOutput, error) {
	pack, x, i, err := s.find(ctx, in.Path, in.Pack, false)
	if err != nil {
		return nil, ItemOutput{}, err
	}
	md := export.Item(x, i)
	md, cut := s.tok.Truncate(md, s.opts.TokenBudget)
	sym := &x.Symbols[i]
	return nil, ItemOutput{Path: sym.Path, Kind: string(sym.SymbolType), Docpack: pack, Markdown: md, Truncated: cut}, nil
}

func (s *Server) getChanges(ctx context.Context, _ *mcp.CallToolRequest, in ChangesInput) (*mcp.CallToolResult, ChangesOutput, error) {
	var sides [2]apidiff.Input
	for i, name := range []string{in.Base, in.Head} {
		if strings.TrimSpace(name) == "" {
			return nil, ChangesOutput{}, fmt.Errorf("base and head name two docpacks; list_docpacks names them")
		}
		names, err := s.packsFor(ctx, name)
		if err != nil {
			return nil, ChangesOutput{}, err
		}
		if len(names) != 1 {
			return nil, ChangesOutput{}, fmt.Errorf("%q names %d docpacks; use a name from list_docpacks", name, len(names))
		}
		x, err := s.lib.Open(ctx, names[0])
		if err != nil {
			return nil, ChangesOutput{}, err
		}
		sides[i] = apidiff.Input{Symbols: x.Symbols}
	}
	r := apidiff.Diff(sides[0], sides[1])
	all := r.Changes()
	start, err := parseCursor(in.Cursor, len(all))
	if err != nil {
		return nil, ChangesOutput{}, err
	}
	out := ChangesOutput{Verdict: r.Verdict.String(), Counts: r.Counts, Total: len(all)}
	out.Changes, out.NextCursor = page(s, start, len(all), 0, 200, func(i int) (ChangeHit, string) {
		c := all[i]
		return ChangeHit{Kind: string(c.Kind), Path: c.Path, OldPath: c.OldPath, ItemKind: string(c.SymbolType),
			Severity: c.Severity.String(), Reason: c.Reason, Old: c.Old, New: c.New}, c.Path + c.Reason + c.Old + c.New
	})
	return nil, out, nil
}

func (s *Server) listModule(ctx context.Context, _ *mcp.CallToolRequest, in ModuleInput) (*mcp.CallToolResult, ModuleOutput, error) {
	pack, x, i, err := s.find(ctx, in.Path, in.Pack, true)
	if err != nil {
		return nil, ModuleOutput{}, err
	}
	path := in.Path
	if i >= 0 {
		path = x.Symbols[i].Path
	}
	items := x.Items(path)
	start, err := parseCursor(in.Cursor, len(items))
	if err != nil {
		return nil, ModuleOutput{}, err
	}
	out := ModuleOutput{Path: path, Docpack: pack, Total: len(items)}
	if i >= 0 {
		if d, ok := x.Doc(i); ok && d.Source != docpack.DocFromSignature {
			out.Summary = oneLine(d.Summary)
		}
	}
	out.Items, out.NextCursor = page(s, start, len(items), s.tok.Count(out.Summary), 200, func(j int) (SymbolHit, string) {
		h := symbolHit(pack, x, items[j])
		return h, h.Path + h.Kind + h.Summary + h.Signature
	})
	return nil, out, nil
}

// find looks a path up in the docpacks; with module set, a module (or a crate
// root without a module symbol, returned as -1).
func (s *Server) find(ctx context.Context, path, pack string, module bool) (string, *index.Index, int, error) {
	path = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(path), "()"))
	if path == "" {
		return "", nil, 0, fmt.Errorf("path is empty")
	}
	names, err := s.packsFor(ctx, pack)
	if err != nil {
		return "", nil, 0, err
	}
	var near []string
	for _, n := range names {
		x, err := s.lib.Open(ctx, n)
		if err != nil {
			return "", nil, 0, err
		}
		if module {
			if i, ok := x.ByPath(path); ok && x.Symbols[i].SymbolType == docpack.KindModule {
				return n, x, i, nil
			}
		} else if i, _ := x.Lookup(path); i >= 0 {
			return n, x, i, nil
		}
		if module {
			for _, m := range x.Modules {
				if m.Path == path {
					return n, x, m.Symbol, nil
				}
			}
		}
		last := path
		if j := strings.LastIndex(path, "::"); j >= 0 {
			last = path[j+2:]
		}
		// Close matches, best first: names holding the last segment, or of about
		// its length that the fuzzy search matches (a typo).
		for _, m := range x.Search(last, "") {
			if len(near) >= 5 {
				break
			}
			c := &x.Symbols[m.Symbol]
			close := strings.Contains(strings.ToLower(c.Name), strings.ToLower(last)) ||
				len(c.Name) >= len(last)-2 && len(c.Name) <= len(last)+2
			if c.SymbolType != docpack.KindImpl && close {
				near = append(near, c.Path)
			}
		}
	}
	what := "item"
	if module {
		what = "module"
	}
	msg := fmt.Sprintf("no %s %q", what, path)
	if len(near) > 0 {
		msg += "; close matches: " + strings.Join(near, ", ")
	}
	return "", nil, 0, fmt.Errorf("%s", msg)
}

// page takes entries start, start+1, … of n while they fit the token budget
// (used tokens are spent already) and at most limit of them, at least one; item
// gives entry i and the text its cost is counted on. It returns the page and
// the cursor of the next one ("" at the end).
func page[T any](s *Server, start, n, used, limit int, item func(i int) (T, string)) ([]T, string) {
	out := []T{}
	i := start
	for ; i < n && len(out) < limit; i++ {
		v, text := item(i)
		cost := s.tok.Count(text) + 12
		if used+cost > s.opts.TokenBudget && len(out) > 0 {
			break
		}
		used += cost
		out = append(out, v)
	}
	if i < n {
		return out, strconv.Itoa(i)
	}
	return out, ""
}

func parseCursor(c string, n int) (int, error) {
	if c == "" {
		return 0, nil
	}
	i, err := strconv.Atoi(c)
	if err != nil || i < 0 || i > n {
		return 0, fmt.Errorf("bad cursor %q: pass the next_cursor of an earlier answer", c)
	}
	return i, nil
}

func validKind(k docpack.Kind) bool {
	for _, x := range docpack.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

func kindList() string {
	var ks []string
	for _, k := range docpack.Kinds {
		ks = append(ks, string(k))
	}
	return strings.Join(ks, ", ")
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:199]) + "…"
	}
	return s
}

func firstLine(sig string) string {
	for _, l := range strings.Split(sig, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#[") {
			return oneLine(l)
		}
	}
	return ""
}
