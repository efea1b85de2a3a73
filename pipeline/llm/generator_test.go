package llm_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/internal/fakellm"
	"github.com/doctown/doctown/pipeline"
	"github.com/doctown/doctown/pipeline/llm"
)

const testKey = "sk-test-do-not-leak-0123456789"

func hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// fixture is a hand-made crate: files src/m0.rs… each with a module, a struct
// with a field, an impl with methods and a free function.
func fixture(files, methods int) []docpack.Symbol {
	var out []docpack.Symbol
	add := func(s docpack.Symbol) {
		s.Crate = "demo"
		s.Visibility = "pub"
		s.SourceHash = hash(s.Source)
		out = append(out, s)
	}
	for f := range files {
		file := fmt.Sprintf("src/m%d.rs", f)
		mod := fmt.Sprintf("demo::m%d", f)
		modID := fmt.Sprintf("m%d", f)
		add(docpack.Symbol{ID: modID, Name: fmt.Sprintf("m%d", f), Path: mod, SymbolType: docpack.KindModule, File: file, Line: 1,
			Signature: fmt.Sprintf("pub mod m%d", f), Source: fmt.Sprintf("//! Module %d.\npub struct Widget%d { pub size: usize }", f, f)})
		ty := fmt.Sprintf("Widget%d", f)
		tyID := fmt.Sprintf("m%d.%s", f, ty)
		add(docpack.Symbol{ID: tyID, Name: ty, Path: mod + "::" + ty, SymbolType: docpack.KindStruct, File: file, Line: 2, Parent: modID,
			Signature: "pub struct " + ty, DocComments: "A widget.", Source: "/// A widget.\npub struct " + ty + " { pub size: usize }"})
		add(docpack.Symbol{ID: tyID + ".size", Name: "size", Path: mod + "::" + ty + "::size", SymbolType: docpack.KindField, File: file, Line: 3, Parent: tyID,
			Signature: "pub size: usize", Source: "pub size: usize"})
		implID := tyID + ".impl"
		add(docpack.Symbol{ID: implID, Name: "impl " + ty, Path: mod + "::" + ty, SymbolType: docpack.KindImpl, File: file, Line: 5, Parent: modID,
			Signature: "impl " + ty, Source: "impl " + ty + " { … }"})
		for m := range methods {
			name := fmt.Sprintf("op%d", m)
			sig := fmt.Sprintf("pub fn %s(&self, n: usize) -> Result<usize, Error>", name)
			add(docpack.Symbol{ID: implID + "." + name, Name: name, Path: mod + "::" + ty + "::" + name, SymbolType: docpack.KindMethod,
				File: file, Line: 6 + m*4, Parent: implID, Signature: sig, ReturnType: "Result<usize, Error>",
				Parameters: []docpack.Parameter{{Name: "self", ParamType: "&self"}, {Name: "n", ParamType: "usize"}},
				Source:     sig + " {\n    if n == 0 { return Err(Error::Zero) }\n    Ok(self.size * n)\n}"})
		}
		fn := fmt.Sprintf("make%d", f)
		add(docpack.Symbol{ID: modID + "." + fn, Name: fn, Path: mod + "::" + fn, SymbolType: docpack.KindFunction, File: file, Line: 100, Parent: modID,
			Signature: "pub fn " + fn + "() -> " + ty, ReturnType: ty, Source: "pub fn " + fn + "() -> " + ty + " {\n    " + ty + " { size: 1 }\n}"})
	}
	return out
}

func testConfig(t testing.TB, srv *fakellm.Server) llm.Config {
	return llm.Config{
		APIKey: testKey, BaseURL: srv.URL(), Model: "gpt-4o-mini",
		Concurrency: 4, MaxBatchTokens: 4000, RequestTimeout: 10 * time.Second,
		MaxRetries: 3, RetryBaseDelay: 5 * time.Millisecond, CacheDir: t.TempDir(),
	}
}

func newGen(t testing.TB, cfg llm.Config) *llm.Generator {
	t.Helper()
	g, err := llm.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// recorder is a concurrency-safe Observer that keeps every event.
type recorder struct {
	mu     sync.Mutex
	events []pipeline.Event
}

func (r *recorder) observe(e pipeline.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder) all() []pipeline.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]pipeline.Event(nil), r.events...)
}

// checkComplete asserts every symbol has exactly one doc keyed by its id, no
// other docs exist, fallbacks are exactly the non-LLM docs, and no text leaks
// the key.
func checkComplete(t *testing.T, syms []docpack.Symbol, res *pipeline.GenerateResult) {
	t.Helper()
	if len(res.Docs) != len(syms) {
		t.Errorf("%d docs for %d symbols", len(res.Docs), len(syms))
	}
	fb := map[string]bool{}
	for _, id := range res.Fallbacks {
		if fb[id] {
			t.Errorf("fallback %s listed twice", id)
		}
		fb[id] = true
	}
	for _, s := range syms {
		d, ok := res.Docs[s.ID]
		switch {
		case !ok:
			t.Errorf("no doc for %s", s.ID)
			continue
		case d.SymbolID != s.ID:
			t.Errorf("doc for %s says it is for %s", s.ID, d.SymbolID)
		case d.Summary == "":
			t.Errorf("doc for %s has no summary", s.ID)
		}
		if llmDoc := d.Source == docpack.DocFromLLM; llmDoc == fb[s.ID] {
			t.Errorf("doc for %s: source %q but fallback=%v", s.ID, d.Source, fb[s.ID])
		}
	}
	b, _ := json.Marshal(res)
	if strings.Contains(string(b), testKey) {
		t.Error("the result contains the API key")
	}
}

func hasID(items []fakellm.Item, id string) bool {
	return slices.ContainsFunc(items, func(it fakellm.Item) bool { return it.ID == id })
}

func TestFailureModes(t *testing.T) {
	syms := fixture(4, 3)
	victim := "m1.Widget1.impl.op1"
	tests := []struct {
		name          string
		opts          fakellm.Options
		cfg           func(*llm.Config)
		wantFallbacks []string
		check         func(t *testing.T, srv *fakellm.Server, res *pipeline.GenerateResult)
	}{
		{
			name: "clean",
			check: func(t *testing.T, srv *fakellm.Server, res *pipeline.GenerateResult) {
				for _, r := range srv.Requests() {
					if r.ResponseFormat != "json_schema" || !r.Authorized {
						t.Errorf("request %d: format %q authorized %v", r.N, r.ResponseFormat, r.Authorized)
					}
				}
				if res.Stats.Requests != len(srv.Requests()) || res.Stats.Requests != res.Stats.Batches {
					t.Errorf("stats say %d requests, %d batches; server saw %d", res.Stats.Requests, res.Stats.Batches, len(srv.Requests()))
				}
				if res.Stats.TokensIn == 0 || res.Stats.TokensOut == 0 || res.Stats.CostUSD <= 0 || res.Stats.FillRatio <= 0 {
					t.Errorf("stats: %+v", res.Stats)
				}
			},
		},
		{
			name: "latency and timeout",
			opts: fakellm.Options{Latency: 5 * time.Millisecond, Fault: func(n int, _ []fakellm.Item) fakellm.Fault {
				if n == 1 {
					return fakellm.Fault{Kind: fakellm.Hang}
				}
				return fakellm.Fault{}
			}},
			cfg: func(c *llm.Config) { c.RequestTimeout = 300 * time.Millisecond; c.Concurrency = 1 },
			check: func(t *testing.T, srv *fakellm.Server, res *pipeline.GenerateResult) {
				reqs := srv.Requests()
				if reqs[0].Fault != fakellm.Hang || !slices.Equal(reqs[0].IDs, reqs[1].IDs) {
					t.Errorf("the hung request was not sent again: %+v", reqs[:2])
				}
			},
		},
		{
			name: "429 with Retry-After",
			opts: fakellm.Options{Fault: func(n int, _ []fakellm.Item) fakellm.Fault {
				if n == 1 {
					return fakellm.Fault{Kind: fakellm.RateLimit, RetryAfter: "1"}
				}
				return fakellm.Fault{}
			}},
			cfg: func(c *llm.Config) { c.Concurrency = 1 },
			check: func(t *testing.T, srv *fakellm.Server, res *pipeline.GenerateResult) {
				reqs := srv.Requests()
				// The backoff alone is milliseconds; only Retry-After explains a second.
				if gap := reqs[1].At.Sub(reqs[0].At); gap < time.Second {
					t.Errorf("retried after %v, before the server's Retry-After of 1s", gap)
				}
			},
		},
		{
			name: "500 then success",
			opts: fakellm.Options{Fault: func(n int, _ []fakellm.Item) fakellm.Fault {
				if n <= 2 {
					return fakellm.Fault{Kind: fakellm.ServerError}
				}
				return fakellm.Fault{}
			}},
			cfg: func(c *llm.Config) { c.Concurrency = 1 },
		},
		{
			name: "500 for one batch always",
			opts: fakellm.Options{Fault: func(n int, items []fakellm.Item) fakellm.Fault {
				if hasID(items, "m0") {
					return fakellm.Fault{Kind: fakellm.ServerError}
				}
				return fakellm.Fault{}
			}},
			cfg: func(c *llm.Config) { c.MaxRetries = 2 },
			check: func(t *testing.T, srv *fakellm.Server, res *pipeline.GenerateResult) {
				n := 0
				for _, r := range srv.Requests() {
					if slices.Contains(r.IDs, "m0") {
						n++
					}
				}
				if n != 3 {
					t.Errorf("the failing batch was sent %d times, want 1 + 2 retries", n)
				}
				if len(res.Fallbacks) == 0 || len(res.Warnings) == 0 {
					t.Errorf("fallbacks %v warnings %v", res.Fallbacks, res.Warnings)
				}
				if !slices.Contains(res.Fallbacks, "m0") {
					t.Errorf("m0 not among the fallbacks %v", res.Fallbacks)
				}
			},
		},
		{
			name: "truncated answer",
			opts: fakellm.Options{Fault: func(n int, _ []fakellm.Item) fakellm.Fault {
				if n == 1 {
					return fakellm.Fault{Kind: fakellm.Truncate}
				}
				return fakellm.Fault{}
			}},
			cfg: func(c *llm.Config) { c.Concurrency = 1 },
			check: func(t *testing.T, srv *fakellm.Server, res *pipeline.GenerateResult) {
				reqs := srv.Requests()
				if len(reqs[1].IDs) >= len(reqs[0].IDs) {
					t.Errorf("after a cut answer, %d ids were sent again of %d: the complete docs should be kept", len(reqs[1].IDs), len(reqs[0].IDs))
				}
			},
		},
		{
			name: "not JSON for one symbol",
			opts: fakellm.Options{Fault: func(n int, items []fakellm.Item) fakellm.Fault {
				if hasID(items, victim) {
					return fakellm.Fault{Kind: fakellm.NotJSON}
				}
				return fakellm.Fault{}
			}},
			wantFallbacks: []string{victim},
		},
		{
			name: "missing symbols once",
			opts: fakellm.Options{Fault: func(n int, _ []fakellm.Item) fakellm.Fault {
				if n == 1 {
					return fakellm.Fault{Kind: fakellm.DropSymbols}
				}
				return fakellm.Fault{}
			}},
			cfg: func(c *llm.Config) { c.Concurrency = 1 },
		},
		{
			name: "one symbol always missing",
			opts: fakellm.Options{Fault: func(n int, items []fakellm.Item) fakellm.Fault {
				return fakellm.Fault{Kind: fakellm.DropSymbols, IDs: []string{victim}}
			}},
			wantFallbacks: []string{victim},
			check: func(t *testing.T, srv *fakellm.Server, res *pipeline.GenerateResult) {
				alone := 0
				for _, r := range srv.Requests() {
					if slices.Equal(r.IDs, []string{victim}) {
						alone++
					}
				}
				if alone == 0 {
					t.Error("the missing symbol was never retried alone")
				}
			},
		},
		{
			name: "unknown ids",
			opts: fakellm.Options{Fault: func(int, []fakellm.Item) fakellm.Fault { return fakellm.Fault{Kind: fakellm.UnknownIDs} }},
		},
		{
			name: "empty summaries",
			opts: fakellm.Options{Fault: func(n int, items []fakellm.Item) fakellm.Fault {
				if hasID(items, victim) {
					return fakellm.Fault{Kind: fakellm.EmptySummary}
				}
				return fakellm.Fault{}
			}},
			wantFallbacks: []string{victim},
		},
		{
			name: "fenced answer",
			opts: fakellm.Options{Fault: func(int, []fakellm.Item) fakellm.Fault { return fakellm.Fault{Kind: fakellm.Fenced} }},
		},
		{
			name: "made-up references",
			opts: fakellm.Options{Fault: func(int, []fakellm.Item) fakellm.Fault { return fakellm.Fault{Kind: fakellm.MadeUpRefs} }},
			check: func(t *testing.T, srv *fakellm.Server, res *pipeline.GenerateResult) {
				d := res.Docs["m0.Widget0.impl.op0"]
				if strings.Contains(d.Description, "[`NoSuchType`]") || strings.Contains(d.Description, "[`crate::imaginary::Thing`]") {
					t.Errorf("unresolvable links kept: %q", d.Description)
				}
				if !strings.Contains(d.Description, "`NoSuchType`") || !strings.Contains(d.Description, "[`op0`]") {
					t.Errorf("links not rewritten as expected: %q", d.Description)
				}
				st := res.Stats
				if st.LinksTotal == 0 || st.LinksResolv == 0 || st.LinksResolv >= st.LinksTotal {
					t.Errorf("links %d resolved of %d", st.LinksResolv, st.LinksTotal)
				}
			},
		},
		{
			name: "json_schema rejected",
			opts: fakellm.Options{RejectJSONSchema: true},
			cfg:  func(c *llm.Config) { c.Concurrency = 1 },
			check: func(t *testing.T, srv *fakellm.Server, res *pipeline.GenerateResult) {
				reqs := srv.Requests()
				if reqs[0].ResponseFormat != "json_schema" {
					t.Errorf("first request format %q", reqs[0].ResponseFormat)
				}
				for _, r := range reqs[1:] {
					if r.ResponseFormat != "json_object" {
						t.Errorf("request %d format %q, want json_object after the 400", r.N, r.ResponseFormat)
					}
				}
			},
		},
		{
			name: "no usage in answers",
			opts: fakellm.Options{NoUsage: true},
			check: func(t *testing.T, srv *fakellm.Server, res *pipeline.GenerateResult) {
				if res.Stats.TokensIn == 0 || res.Stats.TokensOut == 0 {
					t.Errorf("tokens not counted without usage: %+v", res.Stats)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.APIKey = testKey
			srv := fakellm.New(tt.opts)
			defer srv.Close()
			cfg := testConfig(t, srv)
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			var rec recorder
			res, err := newGen(t, cfg).Generate(t.Context(), pipeline.GenerateInput{Symbols: syms}, rec.observe)
			if err != nil {
				t.Fatal(err)
			}
			checkComplete(t, syms, res)
			want := tt.wantFallbacks
			if tt.check == nil || want != nil {
				if !slices.Equal(res.Fallbacks, want) {
					t.Errorf("fallbacks %v, want %v", res.Fallbacks, want)
				}
			}
			if len(want) > 0 {
				warned := false
				for _, e := range rec.all() {
					if w, ok := e.(pipeline.Warning); ok && w.Stage == pipeline.StageGenerate {
						warned = true
					}
				}
				if !warned {
					t.Error("no warning event for the fallback")
				}
			}
			if tt.check != nil {
				tt.check(t, srv, res)
			}
			checkEvents(t, rec.all())
		})
	}
}

// checkEvents asserts the stage events bracket the run and the last stats
// snapshot has nothing in flight.
func checkEvents(t *testing.T, events []pipeline.Event) {
	t.Helper()
	var started, done []pipeline.Stage
	var last *pipeline.GenerateStats
	for _, e := range events {
		switch e := e.(type) {
		case pipeline.StageStarted:
			started = append(started, e.Stage)
		case pipeline.StageDone:
			done = append(done, e.Stage)
		case pipeline.GenerateStats:
			last = &e
		}
	}
	want := []pipeline.Stage{pipeline.StageBatch, pipeline.StageGenerate}
	if !slices.Equal(started, want) || !slices.Equal(done, want) {
		t.Errorf("stages started %v done %v", started, done)
	}
	if last == nil || last.InFlight != 0 {
		t.Errorf("last stats %+v", last)
	}
}

func TestUnauthorizedStopsAndDoesNotLeakKey(t *testing.T) {
	srv := fakellm.New(fakellm.Options{APIKey: "sk-the-right-one"})
	defer srv.Close()
	g := newGen(t, testConfig(t, srv))
	_, err := g.Generate(t.Context(), pipeline.GenerateInput{Symbols: fixture(2, 1)}, pipeline.Discard)
	if err == nil {
		t.Fatal("no error for a rejected key")
	}
	if strings.Contains(err.Error(), testKey) {
		t.Errorf("error leaks the key: %v", err)
	}
	if got := len(srv.Requests()); got > 4 {
		t.Errorf("%d requests after a 401: a bad key must stop the run", got)
	}
}

func TestCancel(t *testing.T) {
	srv := fakellm.New(fakellm.Options{Fault: func(int, []fakellm.Item) fakellm.Fault { return fakellm.Fault{Kind: fakellm.Hang} }})
	defer srv.Close()
	cfg := testConfig(t, srv)
	cfg.RequestTimeout = time.Hour
	g := newGen(t, cfg)
	ctx, cancel := context.WithCancel(t.Context())
	var rec recorder
	type out struct {
		res *pipeline.GenerateResult
		err error
	}
	ch := make(chan out, 1)
	go func() {
		res, err := g.Generate(ctx, pipeline.GenerateInput{Symbols: fixture(8, 3)}, rec.observe)
		ch <- out{res, err}
	}()
	for len(srv.Requests()) < cfg.Concurrency {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	o := <-ch
	if !errors.Is(o.err, context.Canceled) || o.res != nil {
		t.Fatalf("got %v, %v; want context.Canceled and no result", o.res, o.err)
	}
	if n := len(srv.Requests()); n != cfg.Concurrency {
		t.Errorf("%d requests sent, want %d (the concurrency limit, then nothing after the cancel)", n, cfg.Concurrency)
	}
	// The server notices the closed connections shortly after.
	deadline := time.Now().Add(10 * time.Second)
	for srv.InFlight() > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := srv.InFlight(); n != 0 {
		t.Errorf("%d requests still in flight after Generate returned", n)
	}
	checkCancelledEvents(t, rec.all())
}

func checkCancelledEvents(t *testing.T, events []pipeline.Event) {
	t.Helper()
	var last *pipeline.GenerateStats
	var doneErr error
	for _, e := range events {
		switch e := e.(type) {
		case pipeline.GenerateStats:
			last = &e
		case pipeline.StageDone:
			if e.Stage == pipeline.StageGenerate {
				doneErr = e.Err
			}
		}
	}
	if last == nil || last.InFlight != 0 {
		t.Errorf("last stats %+v, want nothing in flight", last)
	}
	if !errors.Is(doneErr, context.Canceled) {
		t.Errorf("generate stage ended with %v", doneErr)
	}
}

func TestIncrementalRebuildSendsOnlyChangedSymbols(t *testing.T) {
	syms := fixture(6, 3)
	srv := fakellm.New(fakellm.Options{})
	defer srv.Close()
	cfg := testConfig(t, srv)
	first, err := newGen(t, cfg).Generate(t.Context(), pipeline.GenerateInput{Symbols: syms}, pipeline.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(srv.RequestedIDs()); got != len(syms) {
		t.Fatalf("first build requested %d ids, want %d", got, len(syms))
	}

	// Edit two methods of one file.
	changed := editFile(syms, "src/m2.rs", 2)
	srv2 := fakellm.New(fakellm.Options{})
	defer srv2.Close()
	cfg.BaseURL = srv2.URL()
	second, err := newGen(t, cfg).Generate(t.Context(), pipeline.GenerateInput{Symbols: syms}, pipeline.Discard)
	if err != nil {
		t.Fatal(err)
	}
	checkComplete(t, syms, second)
	got := srv2.RequestedIDs()
	slices.Sort(got)
	if !slices.Equal(got, changed) {
		t.Errorf("rebuild requested %v, want only the changed %v", got, changed)
	}
	if second.Stats.CacheHits != len(syms)-len(changed) {
		t.Errorf("cache hits %d, want %d", second.Stats.CacheHits, len(syms)-len(changed))
	}
	for _, s := range syms {
		if !slices.Contains(changed, s.ID) && second.Docs[s.ID].Summary != first.Docs[s.ID].Summary {
			t.Errorf("cached doc of %s differs", s.ID)
		}
	}
}

// editFile changes the source of up to n methods of file and returns their ids, sorted.
func editFile(syms []docpack.Symbol, file string, n int) []string {
	var ids []string
	for i := range syms {
		s := &syms[i]
		if s.File == file && s.SymbolType == docpack.KindMethod && len(ids) < n {
			s.Source += "\n// edited"
			s.SourceHash = hash(s.Source)
			ids = append(ids, s.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

func TestNoCacheSendsEverything(t *testing.T) {
	syms := fixture(2, 2)
	srv := fakellm.New(fakellm.Options{})
	defer srv.Close()
	cfg := testConfig(t, srv)
	cfg.NoCache = true
	for range 2 {
		if _, err := newGen(t, cfg).Generate(t.Context(), pipeline.GenerateInput{Symbols: syms}, pipeline.Discard); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(srv.RequestedIDs()); got != 2*len(syms) {
		t.Errorf("requested %d ids over two uncached builds, want %d", got, 2*len(syms))
	}
}

func TestReuseSeedsCacheFromDocpack(t *testing.T) {
	syms := fixture(3, 2)
	srv := fakellm.New(fakellm.Options{})
	defer srv.Close()
	cfg := testConfig(t, srv)
	g := newGen(t, cfg)
	res, err := g.Generate(t.Context(), pipeline.GenerateInput{Symbols: syms}, pipeline.Discard)
	if err != nil {
		t.Fatal(err)
	}
	pack := filepath.Join(t.TempDir(), "prev.docpack")
	m := &docpack.Manifest{Version: docpack.FormatVersion, Generator: g.Info(), SymbolCount: len(syms), DocCount: len(res.Docs)}
	if err := docpack.WriteFile(pack, m, syms, res.Docs); err != nil {
		t.Fatal(err)
	}

	changed := editFile(syms, "src/m1.rs", 1)
	srv2 := fakellm.New(fakellm.Options{})
	defer srv2.Close()
	cfg.BaseURL = srv2.URL()
	cfg.CacheDir = t.TempDir() // an empty cache: only the docpack can help
	cfg.Reuse = pack
	res2, err := newGen(t, cfg).Generate(t.Context(), pipeline.GenerateInput{Symbols: syms}, pipeline.Discard)
	if err != nil {
		t.Fatal(err)
	}
	checkComplete(t, syms, res2)
	if got := srv2.RequestedIDs(); !slices.Equal(got, changed) {
		t.Errorf("with --reuse, requested %v, want %v", got, changed)
	}

	// Another model's docpack does not count.
	srv3 := fakellm.New(fakellm.Options{})
	defer srv3.Close()
	cfg.BaseURL = srv3.URL()
	cfg.CacheDir = t.TempDir()
	cfg.Model = "gpt-4.1-mini"
	if _, err := newGen(t, cfg).Generate(t.Context(), pipeline.GenerateInput{Symbols: syms}, pipeline.Discard); err != nil {
		t.Fatal(err)
	}
	if got := len(srv3.RequestedIDs()); got != len(syms) {
		t.Errorf("another model reused docs: %d of %d requested", got, len(syms))
	}
}

func TestDryRunSendsNothing(t *testing.T) {
	syms := fixture(5, 3)
	srv := fakellm.New(fakellm.Options{})
	defer srv.Close()
	cfg := testConfig(t, srv)
	cfg.DryRun = true
	g := newGen(t, cfg)
	_, err := g.Generate(t.Context(), pipeline.GenerateInput{Symbols: syms}, pipeline.Discard)
	var dr *llm.DryRunError
	if !errors.As(err, &dr) || !errors.Is(err, llm.ErrDryRun) {
		t.Fatalf("got %v, want a DryRunError", err)
	}
	plan, err := g.Plan(t.Context(), pipeline.GenerateInput{Symbols: syms})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("dry run sent %d requests", n)
	}
	if plan.Symbols != len(syms) || plan.ToGenerate != len(syms) || len(plan.Batches) == 0 || plan.PromptTokens == 0 || plan.EstimatedCostUSD <= 0 {
		t.Errorf("plan: %+v", plan)
	}
	if dr.Plan.ToGenerate != plan.ToGenerate || len(dr.Plan.Batches) != len(plan.Batches) {
		t.Errorf("dry run plan %+v differs from Plan %+v", dr.Plan, plan)
	}
	n := 0
	for _, b := range plan.Batches {
		n += b.Symbols
		if b.PromptTokens+b.AnswerTokens > cfg.MaxBatchTokens {
			t.Errorf("batch of %d tokens over the budget of %d", b.PromptTokens+b.AnswerTokens, cfg.MaxBatchTokens)
		}
	}
	if n != len(syms) {
		t.Errorf("batches hold %d symbols, want %d", n, len(syms))
	}
	var text strings.Builder
	if err := plan.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"gpt-4o-mini", "o200k_base", fmt.Sprintf("batches %d", len(plan.Batches)), "cost    ~$"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("plan text lacks %q:\n%s", want, text.String())
		}
	}
	if _, err := json.Marshal(plan); err != nil {
		t.Error(err)
	}
	if strings.Contains(text.String(), testKey) {
		t.Error("plan text leaks the key")
	}
}

func TestMaxCostRefusesBeforeSending(t *testing.T) {
	syms := fixture(5, 3)
	srv := fakellm.New(fakellm.Options{})
	defer srv.Close()
	cfg := testConfig(t, srv)
	cfg.MaxCost = 0.0001
	_, err := newGen(t, cfg).Generate(t.Context(), pipeline.GenerateInput{Symbols: syms}, pipeline.Discard)
	var be *llm.BudgetError
	if !errors.Is(err, llm.ErrBudget) || !errors.As(err, &be) || be.EstimatedUSD <= cfg.MaxCost {
		t.Fatalf("got %v, want ErrBudget", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent over budget", n)
	}
	cfg.MaxCost = 1
	res, err := newGen(t, cfg).Generate(t.Context(), pipeline.GenerateInput{Symbols: syms}, pipeline.Discard)
	if err != nil {
		t.Fatalf("within budget: %v", err)
	}
	if res.Stats.CostUSD > cfg.MaxCost || res.Stats.CostUSD <= 0 {
		t.Errorf("cost %v", res.Stats.CostUSD)
	}
}

func TestInfo(t *testing.T) {
	srv := fakellm.New(fakellm.Options{})
	defer srv.Close()
	cfg := testConfig(t, srv)
	cfg.BaseURL = strings.Replace(srv.URL(), "http://", "http://user:"+testKey+"@", 1)
	info := newGen(t, cfg).Info()
	b, _ := json.Marshal(info)
	if info.Name != "openai" || info.Model != "gpt-4o-mini" || info.PromptVersion != llm.PromptVersion {
		t.Errorf("info %s", b)
	}
	if strings.Contains(string(b), testKey) {
		t.Errorf("info leaks a credential: %s", b)
	}
}

// TestProgressInOrder runs many small batches at once: the generate stage's
// progress reports arrive in order (each batch used to read the count under
// the lock and emit after it, so two batches finishing together could report
// 96 before 95 and the build screen's bar went backwards).
func TestProgressInOrder(t *testing.T) {
	syms := fixture(40, 1)
	srv := fakellm.New(fakellm.Options{})
	defer srv.Close()
	cfg := testConfig(t, srv)
	cfg.NoCache, cfg.Concurrency, cfg.MaxBatchTokens = true, 8, 2000
	var rec recorder
	if _, err := newGen(t, cfg).Generate(t.Context(), pipeline.GenerateInput{Symbols: syms}, func(e pipeline.Event) {
		if p, ok := e.(pipeline.Progress); ok && p.Stage == pipeline.StageGenerate {
			time.Sleep(100 * time.Microsecond) // a renderer takes a moment
		}
		rec.observe(e)
	}); err != nil {
		t.Fatal(err)
	}
	last, n := -1, 0
	for _, e := range rec.all() {
		p, ok := e.(pipeline.Progress)
		if !ok || p.Stage != pipeline.StageGenerate {
			continue
		}
		n++
		if p.Done < last {
			t.Errorf("progress went from %d to %d of %d", last, p.Done, p.Total)
		}
		last = p.Done
	}
	if n < 5 || last != len(syms) {
		t.Errorf("%d progress reports ending at %d; want several ending at %d", n, last, len(syms))
	}
}

// TestInheritedDocInPrompt checks that an undocumented trait-impl method is
// sent with the trait item's doc, that a documented one is not, and that a
// new inherited doc is a cache miss.
func TestInheritedDocInPrompt(t *testing.T) {
	const inherited = "Formats the value using the given formatter."
	syms := fixture(1, 2)
	var undocumented, documented string
	for i := range syms {
		if syms[i].SymbolType != docpack.KindMethod {
			continue
		}
		syms[i].InheritedDoc, syms[i].InheritedFrom = inherited, "std::fmt::Debug::fmt"
		if undocumented == "" {
			undocumented = syms[i].ID
		} else {
			syms[i].DocComments, documented = "Its own doc.", syms[i].ID
		}
	}
	var mu sync.Mutex
	seen := map[string]fakellm.Item{}
	srv := fakellm.New(fakellm.Options{Fault: func(_ int, items []fakellm.Item) fakellm.Fault {
		mu.Lock()
		defer mu.Unlock()
		for _, it := range items {
			seen[it.ID] = it
		}
		return fakellm.Fault{}
	}})
	defer srv.Close()
	cfg := testConfig(t, srv)
	res, err := newGen(t, cfg).Generate(t.Context(), pipeline.GenerateInput{Symbols: syms}, pipeline.Discard)
	if err != nil {
		t.Fatal(err)
	}
	checkComplete(t, syms, res)
	if it := seen[undocumented]; it.InheritedDoc != inherited || it.InheritedFrom != "std::fmt::Debug::fmt" {
		t.Errorf("undocumented method sent with inherited doc %q from %q", it.InheritedDoc, it.InheritedFrom)
	}
	if it := seen[documented]; it.InheritedDoc != "" {
		t.Errorf("documented method sent with inherited doc %q", it.InheritedDoc)
	}
	for i := range syms {
		if syms[i].ID == undocumented {
			syms[i].InheritedDoc = "Formats the value (another Rust's words)."
		}
	}
	clear(seen)
	if _, err := newGen(t, cfg).Generate(t.Context(), pipeline.GenerateInput{Symbols: syms}, pipeline.Discard); err != nil {
		t.Fatal(err)
	}
	if got := slices.Collect(maps.Keys(seen)); !slices.Equal(got, []string{undocumented}) {
		t.Errorf("after the inherited doc changed, requested %v; want only %s", got, undocumented)
	}
}
