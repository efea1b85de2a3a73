package mcpserver_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/doctown/doctown/internal/debcrate"
	"github.com/doctown/doctown/internal/mcpserver"
	"github.com/doctown/doctown/pipeline"
	"github.com/doctown/doctown/pipeline/llm"
)

// BuildPack builds a crate directory into a docpack with the real pipeline and
// returns its path.
func buildPack(t testing.TB, dir string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), filepath.Base(dir)+".docpack")
	if _, err := pipeline.Build(t.Context(), pipeline.BuildOptions{
		Source: pipeline.LocalSource{Dir: dir}, Output: out, ToolVersion: "test",
		Now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
	}, nil); err != nil {
		t.Fatal(err)
	}
	return out
}

// connect serves lib over an in-memory transport and returns a client session.
func connect(t testing.TB, lib mcpserver.Library, budget int) *mcp.ClientSession {
	t.Helper()
	srv, err := mcpserver.New(lib, mcpserver.Options{TokenBudget: budget, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.AddResources(t.Context()); err != nil {
		t.Fatal(err)
	}
	st, ct := mcp.NewInMemoryTransports()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if _, err := srv.MCP().Connect(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// call calls a tool and decodes its structured answer into out; it returns the
// tool error text when the call failed as a tool (IsError).
func call(t testing.TB, cs *mcp.ClientSession, tool string, args map[string]any, out any) string {
	t.Helper()
	res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	if res.IsError {
		var msg []string
		for _, c := range res.Content {
			if tc, ok := c.(*mcp.TextContent); ok {
				msg = append(msg, tc.Text)
			}
		}
		return strings.Join(msg, "\n")
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("%s: %v in %s", tool, err, b)
	}
	return ""
}

func demoLib(t testing.TB) *mcpserver.Files {
	f, err := mcpserver.OpenFiles([]string{buildPack(t, filepath.Join("..", "..", "pipeline", "testdata", "demo-crate"))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestToolsOnDemoCrate(t *testing.T) {
	cs := connect(t, demoLib(t), 0)
	tools, err := cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range tools.Tools {
		names = append(names, tl.Name)
		if tl.Description == "" || tl.InputSchema == nil {
			t.Errorf("tool %s has no description or input schema", tl.Name)
		}
	}
	if got := strings.Join(names, ","); got != "get_changes,get_item,list_docpacks,list_module,search_symbols" {
		t.Errorf("tools = %s", got)
	}

	var list mcpserver.ListOutput
	call(t, cs, "list_docpacks", nil, &list)
	if len(list.Docpacks) != 1 || list.Docpacks[0].Name != "demo-crate" || list.Docpacks[0].Symbols == 0 {
		t.Errorf("list_docpacks = %+v", list)
	}

	var found mcpserver.SearchOutput
	call(t, cs, "search_symbols", map[string]any{"query": "Registry"}, &found)
	if len(found.Results) == 0 || found.Results[0].Path != "demo_crate::Registry" {
		t.Fatalf("search Registry = %+v", found.Results)
	}
	call(t, cs, "search_symbols", map[string]any{"query": "area", "kind": "trait"}, &found)
	for _, r := range found.Results {
		if r.Kind != "trait" {
			t.Errorf("kind filter let %s (%s) through", r.Path, r.Kind)
		}
	}

	var item mcpserver.ItemOutput
	call(t, cs, "get_item", map[string]any{"path": "demo_crate::Registry"}, &item)
	for _, want := range []string{"pub struct Registry<T>", "Shapes stored by name.", "Method `insert`", "src/registry.rs:7"} {
		if !strings.Contains(item.Markdown, want) {
			t.Errorf("get_item Registry lacks %q:\n%s", want, item.Markdown)
		}
	}
	if strings.Contains(item.Markdown, "\x00") || strings.Contains(item.Markdown, "<a id=") {
		t.Errorf("get_item leaks export internals:\n%s", item.Markdown)
	}

	var mod mcpserver.ModuleOutput
	call(t, cs, "list_module", map[string]any{"path": "demo_crate::shapes"}, &mod)
	if mod.Total == 0 || mod.Summary == "" {
		t.Errorf("list_module shapes = %+v", mod)
	}

	// Errors are tool errors a model can read, with close matches.
	if msg := call(t, cs, "get_item", map[string]any{"path": "demo_crate::Registy"}, &item); !strings.Contains(msg, "demo_crate::Registry") {
		t.Errorf("unknown path: %q, want a close match named", msg)
	}
	if msg := call(t, cs, "search_symbols", map[string]any{"query": "x", "kind": "klass"}, &found); !strings.Contains(msg, "unknown kind") {
		t.Errorf("bad kind: %q", msg)
	}
	if msg := call(t, cs, "list_module", map[string]any{"path": "demo_crate::nope"}, &mod); !strings.Contains(msg, "no module") {
		t.Errorf("unknown module: %q", msg)
	}
	if msg := call(t, cs, "search_symbols", map[string]any{"query": "a", "cursor": "garbage"}, &found); !strings.Contains(msg, "bad cursor") {
		t.Errorf("bad cursor: %q", msg)
	}

	res, err := cs.ReadResource(t.Context(), &mcp.ReadResourceParams{URI: "doctown://demo-crate/llms.txt"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Contents) != 1 || !strings.HasPrefix(res.Contents[0].Text, "# demo-crate\n\n> Geometry helpers") {
		t.Errorf("llms.txt resource = %+v", res.Contents)
	}
}

// TestPagingAndBudget pages a search through a small budget: every page fits
// it (counted with the build's tokenizer) and the pages together hold every match once.
func TestPagingAndBudget(t *testing.T) {
	const budget = 200
	cs := connect(t, demoLib(t), budget)
	tok, err := llm.NewTokenizer("")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	cursor, total, pages := "", 0, 0
	for {
		var out mcpserver.SearchOutput
		args := map[string]any{"query": "e"}
		if cursor != "" {
			args["cursor"] = cursor
		}
		if msg := call(t, cs, "search_symbols", args, &out); msg != "" {
			t.Fatal(msg)
		}
		b, _ := json.Marshal(out.Results)
		if n := tok.Count(string(b)); n > budget*2 {
			t.Errorf("a page of %d results is %d tokens, budget %d", len(out.Results), n, budget)
		}
		for _, r := range out.Results {
			if seen[r.Path+r.Kind] {
				t.Errorf("%s on two pages", r.Path)
			}
			seen[r.Path+r.Kind] = true
		}
		total = out.Total
		pages++
		if out.NextCursor == "" {
			break
		}
		cursor = out.NextCursor
	}
	if pages < 2 || len(seen) != total {
		t.Errorf("%d pages, %d distinct results of %d", pages, len(seen), total)
	}
}

// TestRealCrates: on tokio and serde, "Mutex" finds tokio::sync::Mutex first,
// and get_item answers stay within the budget.
func TestRealCrates(t *testing.T) {
	tokio := buildPack(t, debcrate.Dir(t, "tokio-1.*"))
	serde := buildPack(t, debcrate.Dir(t, "serde-1.*"))
	lib, err := mcpserver.OpenFiles([]string{tokio, serde})
	if err != nil {
		t.Fatal(err)
	}
	defer lib.Close()
	const budget = 1500
	cs := connect(t, lib, budget)
	var found mcpserver.SearchOutput
	call(t, cs, "search_symbols", map[string]any{"query": "Mutex"}, &found)
	if len(found.Results) == 0 || found.Results[0].Path != "tokio::sync::Mutex" {
		t.Fatalf("search Mutex: %+v", found.Results[:min(5, len(found.Results))])
	}
	tok, _ := llm.NewTokenizer("")
	for _, p := range []string{"tokio::sync::Mutex", "serde::ser::Serializer", "serde::de::Deserializer", "tokio::runtime::Builder"} {
		var item mcpserver.ItemOutput
		if msg := call(t, cs, "get_item", map[string]any{"path": p}, &item); msg != "" {
			t.Errorf("get_item %s: %s", p, msg)
			continue
		}
		if n := tok.Count(item.Markdown); n > budget {
			t.Errorf("get_item %s: %d tokens, budget %d", p, n, budget)
		}
		if !strings.Contains(item.Markdown, "```rust") {
			t.Errorf("get_item %s has no signature", p)
		}
	}
}

// TestGetChanges diffs the demo crate against a copy with one function added
// and one macro renamed (apidiff reports the rename as a move): a major
// verdict naming both, and nothing against itself.
func TestGetChanges(t *testing.T) {
	src := filepath.Join("..", "..", "pipeline", "testdata", "demo-crate")
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	lib := filepath.Join(dir, "src", "lib.rs")
	data, err := os.ReadFile(lib)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(data), "macro_rules! square", "macro_rules! squared", 1) + "\n/// New in this version.\npub fn brand_new() {}\n"
	if edited == string(data)+"\n/// New in this version.\npub fn brand_new() {}\n" {
		t.Fatal("the demo crate no longer has macro square; pick another edit")
	}
	if err := os.WriteFile(lib, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	base := buildPack(t, src)
	headDir := filepath.Join(t.TempDir(), "head")
	if err := os.Rename(buildPack(t, dir), headDir+".docpack"); err != nil {
		t.Fatal(err)
	}
	f, err := mcpserver.OpenFiles([]string{base, headDir + ".docpack"})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	packs, _ := f.Packs(t.Context())
	if len(packs) != 2 {
		t.Fatalf("packs %+v", packs)
	}
	cs := connect(t, f, 0)
	var out mcpserver.ChangesOutput
	if msg := call(t, cs, "get_changes", map[string]any{"base": packs[0].Name, "head": packs[1].Name}, &out); msg != "" {
		t.Fatal(msg)
	}
	var got []string
	for _, c := range out.Changes {
		got = append(got, string(c.Kind)+" "+c.Path)
	}
	joined := strings.Join(got, "; ")
	if out.Verdict != "major" || !strings.Contains(joined, "added demo_crate::brand_new") || !strings.Contains(joined, "moved demo_crate::squared") {
		t.Errorf("verdict %s, changes %s", out.Verdict, joined)
	}
	if msg := call(t, cs, "get_changes", map[string]any{"base": packs[0].Name, "head": packs[0].Name}, &out); msg != "" || out.Total != 0 {
		t.Errorf("a docpack against itself: %s %+v", msg, out)
	}
	if msg := call(t, cs, "get_changes", map[string]any{"base": "nope", "head": packs[0].Name}, &out); !strings.Contains(msg, "nope") {
		t.Errorf("unknown docpack: %q", msg)
	}
}

// TestTextContentReadable: the text an agent reads of each answer is its JSON
// with <, > and & as they are, not \u003c…\u003e (Go's HTML escaping: every
// generic signature paid 6 characters a bracket), and the same JSON as the
// structured content.
func TestTextContentReadable(t *testing.T) {
	cs := connect(t, demoLib(t), 0)
	res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "get_item", Arguments: map[string]any{"path": "demo_crate::Registry"}})
	if err != nil || res.IsError {
		t.Fatalf("get_item: %v %+v", err, res)
	}
	var text string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			text += tc.Text
		}
	}
	if strings.Contains(text, `\u003c`) || strings.Contains(text, `\u0026`) || !strings.Contains(text, "Registry<") {
		t.Errorf("text content escapes HTML or lacks the signature: %.300s", text)
	}
	var fromText, fromStruct any
	b, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal([]byte(text), &fromText); err != nil {
		t.Fatalf("text content is not JSON: %v", err)
	}
	_ = json.Unmarshal(b, &fromStruct)
	if !reflect.DeepEqual(fromText, fromStruct) {
		t.Errorf("text content and structured content differ")
	}
}
