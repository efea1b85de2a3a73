package cli

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/pipeline"
	"github.com/doctown/doctown/relay/commons"
	"github.com/doctown/doctown/relay/store"
)

func demoDocpack(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "demo-crate.docpack")
	if _, err := pipeline.Build(t.Context(), pipeline.BuildOptions{
		Source: pipeline.LocalSource{Dir: filepath.Join("..", "..", "pipeline", "testdata", "demo-crate")}, Output: out,
	}, nil); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkSession lists the tools and calls search_symbols and get_item.
func checkSession(t *testing.T, cs *mcp.ClientSession, path string) {
	t.Helper()
	tools, err := cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tools.Tools) != 5 {
		t.Errorf("%d tools", len(tools.Tools))
	}
	res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "search_symbols", Arguments: map[string]any{"query": "Registry"}})
	if err != nil || res.IsError {
		t.Fatalf("search_symbols: %v %+v", err, res)
	}
	b, _ := json.Marshal(res.StructuredContent)
	if !strings.Contains(string(b), `"path":"`+path+`"`) {
		t.Errorf("search_symbols answer lacks %s: %s", path, b)
	}
	res, err = cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "get_item", Arguments: map[string]any{"path": path}})
	if err != nil || res.IsError {
		t.Fatalf("get_item: %v %+v", err, res)
	}
	b, _ = json.Marshal(res.StructuredContent)
	if !strings.Contains(string(b), "Shapes stored by name.") {
		t.Errorf("get_item answer: %s", b)
	}
}

// TestMCPStdioBinary runs the built doctown binary as an MCP server over stdio,
// the way an MCP client configured with {"command": "doctown", "args": ["mcp", …]} does.
func TestMCPStdioBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "doctown")
	build := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "../../cmd/doctown")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	pack := demoDocpack(t)
	cmd := exec.Command(bin, "mcp", pack)
	cmd.Stderr = os.Stderr
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil).Connect(t.Context(), &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	checkSession(t, cs, "demo_crate::Registry")
}

// memCatalog is a commons.Catalog over a fixed list of entries.
type memCatalog struct{ entries []commons.Entry }

func (c *memCatalog) List(_ context.Context, q commons.ListQuery) ([]commons.Entry, string, error) {
	return c.entries, "", nil
}

func (c *memCatalog) Latest(_ context.Context, owner, repo string) (commons.Entry, error) {
	for _, e := range c.entries {
		if e.Owner == owner && e.Repo == repo {
			return e, nil
		}
	}
	return commons.Entry{}, commons.ErrNotFound
}

func (c *memCatalog) Pull(context.Context, string, string, int) (commons.Entry, error) {
	return commons.Entry{}, commons.ErrNotFound
}

func (c *memCatalog) Get(_ context.Context, owner, repo, sha string) (commons.Entry, error) {
	for _, e := range c.entries {
		if e.Owner == owner && e.Repo == repo && e.SHA == sha {
			return e, nil
		}
	}
	return commons.Entry{}, commons.ErrNotFound
}

// TestMCPRelay serves the commons of a relay (the relay's own commons handler
// over fs storage) and runs `doctown mcp --relay` over streamable HTTP against
// it; GITHUB_TOKEN goes to the relay and nowhere else.
func TestMCPRelay(t *testing.T) {
	pack := demoDocpack(t)
	dir := t.TempDir()
	st, err := store.NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(pack)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	sha := strings.Repeat("ab", 20)
	key := store.Key("acme", "demo", sha)
	if err := st.Put(t.Context(), key, f, fi.Size()); err != nil {
		t.Fatal(err)
	}
	f.Close()
	// The catalog holds the crate cards, as the relay records them on upload.
	dp, err := docpack.Open(pack)
	if err != nil {
		t.Fatal(err)
	}
	cards := commons.Cards(dp)
	dp.Close()
	cat := &memCatalog{entries: []commons.Entry{{Owner: "acme", Repo: "demo", SHA: sha, Ref: "refs/heads/main", Key: key, Size: fi.Size(), SymbolCount: 40, CreatedAt: time.Now(), Crates: cards}}}
	mux := http.NewServeMux()
	commons.New(cat, st, commons.Options{}).Register(mux)
	var mu sync.Mutex
	var auth []string
	relay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auth = append(auth, r.Header.Get("Authorization"))
		mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	defer relay.Close()

	ctx, cancel := context.WithCancel(t.Context())
	addr := make(chan string, 1)
	done := make(chan error, 1)
	env := map[string]string{"GITHUB_TOKEN": "ghu_testtoken", "XDG_CACHE_HOME": t.TempDir()}
	t.Setenv("XDG_CACHE_HOME", env["XDG_CACHE_HOME"])
	go func() {
		done <- runMCP(ctx, &MCPOptions{
			IO:    &IO{Out: os.Stdout, ErrOut: os.Stderr, Getenv: func(k string) string { return env[k] }},
			Relay: relay.URL, HTTP: "127.0.0.1:0", Budget: 4000,
			Listening: func(a string) { addr <- a },
		})
	}()
	var a string
	select {
	case a = <-addr:
	case err := <-done:
		t.Fatal(err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil).Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: "http://" + a}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Before any docpack is downloaded, list_docpacks names the crates the
	// relay's listing gives (it answered "crates": []).
	res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "list_docpacks", Arguments: map[string]any{}})
	if err != nil || res.IsError {
		t.Fatalf("list_docpacks: %v %+v", err, res)
	}
	if b, _ := json.Marshal(res.StructuredContent); !strings.Contains(string(b), `"crates":["demo_crate"]`) {
		t.Errorf("list_docpacks over the relay: %s", b)
	}
	checkSession(t, cs, "demo_crate::Registry")
	cs.Close()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("runMCP after cancel: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(auth) == 0 {
		t.Fatal("the relay was never asked")
	}
	for _, h := range auth {
		if h != "Bearer ghu_testtoken" {
			t.Errorf("a request to the relay carried Authorization %q", h)
		}
	}
}
