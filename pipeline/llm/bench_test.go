package llm_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/internal/debcrate"
	"github.com/doctown/doctown/internal/fakellm"
	"github.com/doctown/doctown/pipeline"
	"github.com/doctown/doctown/pipeline/llm"
	"github.com/doctown/doctown/pipeline/rust"
)

func extract(tb testing.TB, root string) []docpack.Symbol {
	tb.Helper()
	crates, err := rust.Discover(root)
	if err != nil {
		tb.Fatal(err)
	}
	res, err := rust.Extract(tb.Context(), root, crates, rust.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return res.Symbols
}

// BenchmarkConcurrency sends B batches at concurrency C to a server with fixed
// latency L and reports wall time against the ideal ceil(B/C)×L.
func BenchmarkConcurrency(b *testing.B) {
	syms := fixture(32, 6)
	for _, tc := range []struct {
		latency time.Duration
		c       int
	}{{100 * time.Millisecond, 1}, {100 * time.Millisecond, 8}, {100 * time.Millisecond, 16}, {time.Second, 8}, {time.Second, 16}} {
		latency, c := tc.latency, tc.c
		b.Run(fmt.Sprintf("L=%v/C=%d", latency, c), func(b *testing.B) {
			srv := fakellm.New(fakellm.Options{Latency: latency})
			defer srv.Close()
			cfg := testConfig(b, srv)
			cfg.NoCache = true
			cfg.Concurrency = c
			cfg.MaxBatchTokens = 4000
			g := newGen(b, cfg)
			plan, err := g.Plan(b.Context(), pipeline.GenerateInput{Symbols: syms})
			if err != nil {
				b.Fatal(err)
			}
			batches := len(plan.Batches)
			ideal := time.Duration((batches+c-1)/c) * latency
			var total, send time.Duration
			n := 0
			for b.Loop() {
				start := time.Now()
				// The generate stage alone: from its start event to its end.
				var sendStart time.Time
				emit := func(e pipeline.Event) {
					switch e := e.(type) {
					case pipeline.StageStarted:
						if e.Stage == pipeline.StageGenerate {
							sendStart = time.Now()
						}
					case pipeline.StageDone:
						if e.Stage == pipeline.StageGenerate {
							send += time.Since(sendStart)
						}
					}
				}
				res, err := g.Generate(b.Context(), pipeline.GenerateInput{Symbols: syms}, emit)
				total += time.Since(start)
				n++
				if err != nil || len(res.Fallbacks) > 0 || res.Stats.Requests != batches {
					b.Fatalf("err %v, %d fallbacks, %d requests for %d batches", err, len(res.Fallbacks), res.Stats.Requests, batches)
				}
			}
			if got := srv.MaxInFlight(); got > c {
				b.Fatalf("%d requests in flight at once, limit %d", got, c)
			}
			b.ReportMetric(float64(batches), "batches")
			b.ReportMetric(float64(ideal.Milliseconds()), "ideal-ms")
			b.ReportMetric(float64(total)/float64(n)/float64(ideal), "wall/ideal")
			b.ReportMetric(float64(send)/float64(n)/float64(ideal), "send/ideal")
		})
	}
}

// BenchmarkFillRatio plans a real crate from Debian's sources and reports how
// much of each batch's token budget the batches use.
func BenchmarkFillRatio(b *testing.B) {
	for _, glob := range []string{"regex-1*", "regex-syntax-*", "serde-1*"} {
		b.Run(strings.TrimSuffix(glob, "*"), func(b *testing.B) {
			syms := extract(b, debcrate.Dir(b, glob))
			g := newGen(b, llm.Config{BaseURL: "http://127.0.0.1:9/v1", NoCache: true})
			var plan *llm.Plan
			for b.Loop() {
				var err error
				plan, err = g.Plan(b.Context(), pipeline.GenerateInput{Symbols: syms})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(plan.FillRatio, "fill")
			b.ReportMetric(float64(len(plan.Batches)), "batches")
			b.ReportMetric(float64(len(syms)), "symbols")
		})
	}
}

var methodBody = regexp.MustCompile(`(?m)^    pub fn [^\n]*\{\n`)

// BenchmarkIncremental builds a real crate (20+ files) through the fake server,
// edits one method body in one file, extracts again and rebuilds with the
// cache, and reports the rebuild's tokens as a share of the full build's.
func BenchmarkIncremental(b *testing.B) {
	src := debcrate.Dir(b, "regex-1*")
	for b.Loop() {
		dir := b.TempDir()
		if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
			b.Fatal(err)
		}
		syms := extract(b, dir)
		files := map[string]bool{}
		for _, s := range syms {
			files[s.File] = true
		}
		srv := fakellm.New(fakellm.Options{NoUsage: true})
		cfg := testConfig(b, srv)
		cfg.MaxBatchTokens = llm.DefaultMaxBatchTokens
		full, err := newGen(b, cfg).Generate(b.Context(), pipeline.GenerateInput{Symbols: syms}, pipeline.Discard)
		srv.Close()
		if err != nil {
			b.Fatal(err)
		}

		edited := "src/re_unicode.rs"
		path := filepath.Join(dir, edited)
		text, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		loc := methodBody.FindIndex(text)
		if loc == nil {
			b.Fatal("no method to edit")
		}
		out := string(text[:loc[1]]) + "        let _edited = 1;\n" + string(text[loc[1]:])
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			b.Fatal(err)
		}
		syms2 := extract(b, dir)
		srv2 := fakellm.New(fakellm.Options{NoUsage: true})
		cfg.BaseURL = srv2.URL()
		inc, err := newGen(b, cfg).Generate(b.Context(), pipeline.GenerateInput{Symbols: syms2}, pipeline.Discard)
		sent := len(srv2.RequestedIDs())
		srv2.Close()
		if err != nil {
			b.Fatal(err)
		}
		fullTok := full.Stats.TokensIn + full.Stats.TokensOut
		incTok := inc.Stats.TokensIn + inc.Stats.TokensOut
		b.ReportMetric(float64(countFiles(b, dir)), "rs-files")
		b.ReportMetric(float64(len(syms2)), "symbols")
		b.ReportMetric(float64(sent), "resent-symbols")
		b.ReportMetric(float64(fullTok), "full-tokens")
		b.ReportMetric(float64(incTok), "rebuild-tokens")
		b.ReportMetric(float64(incTok)/float64(fullTok), "share")
	}
}

func countFiles(tb testing.TB, dir string) int {
	n := 0
	filepath.WalkDir(filepath.Join(dir, "src"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".rs") {
			n++
		}
		return nil
	})
	return n
}
