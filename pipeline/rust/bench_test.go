package rust

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	ts "github.com/tree-sitter/go-tree-sitter"
)

// benchCorpus is the module trees of real crates from Debian's librust-*-dev
// packages.
var benchCrates = []string{"tokio", "regex", "regex-syntax", "memchr", "bytes", "smallvec", "log", "anyhow", "itoa"}

// macroBenchCrates are crates whose API is mostly made by macro_rules!
// expansion and derives: winapi's 6.9 MB of STRUCT!{…}/ENUM!{…}, syn's
// ast_struct!, libc's s!{…}, itoa's impl-for-each-integer.
var macroBenchCrates = []string{"winapi", "syn", "libc", "itoa", "num-traits", "bitflags"}

// reexportBenchCrates are the registry's crates that re-export items of
// their dependencies (tracing: tracing-core's, rand: rand_core's, rayon:
// rayon-core's), whose extraction reads those dependencies too.
var reexportBenchCrates = []string{"tracing", "rand", "rayon", "gimli", "owning_ref", "syn"}

// BenchmarkExtractReexports and BenchmarkExtractReexportsNoInline are the
// cost of inlining re-exported items of other crates: the same crates with
// and without it. Callgrind (GODEBUG=asyncpreemptoff=1 GOMAXPROCS=1, 1 worker,
// the difference of 3 and 1 iterations): 11.09 G instructions per
// extraction with inlining, 9.99 G without (+11%: reading tracing-core,
// tracing-attributes, rand_core, rayon-core, fallible-iterator,
// stable_deref_trait and proc-macro2). BenchmarkExtract's crates re-export
// only tokio's two macros of tokio-macros: within its noise.
func BenchmarkExtractReexports(b *testing.B) {
	crates, files, size := benchSetupOf(b, reexportBenchCrates)
	benchExtract(b, crates, files, size)
}

func BenchmarkExtractReexportsNoInline(b *testing.B) {
	crates, files, size := benchSetupOf(b, reexportBenchCrates)
	benchExtractWith(b, crates, files, size, Options{noInline: true})
}

func benchSetup(b *testing.B) ([]Crate, []string, int64) {
	return benchSetupOf(b, benchCrates)
}

func benchSetupOf(b *testing.B, names []string) ([]Crate, []string, int64) {
	var crates []Crate
	for _, name := range names {
		matches, _ := filepath.Glob(filepath.Join(registryDir, name+"-[0-9]*"))
		if len(matches) == 0 {
			continue
		}
		cs, err := Discover(matches[len(matches)-1])
		if err == nil {
			crates = append(crates, cs[0])
		}
	}
	if len(crates) == 0 {
		b.Skip("no Debian crate sources under " + registryDir)
	}
	res, err := Extract(b.Context(), registryDir, crates, Options{IncludePrivate: true})
	if err != nil {
		b.Fatal(err)
	}
	var files []string
	seen := map[string]bool{}
	for _, s := range res.Symbols {
		if s.SymbolType == "module" && !seen[s.File] {
			seen[s.File] = true
			files = append(files, filepath.Join(registryDir, s.File))
		}
	}
	if os.Getenv("DOCTOWN_BENCH_FILES") != "" {
		var list []byte
		for _, f := range files {
			list = append(list, f+"\n"...)
		}
		_ = os.WriteFile(os.Getenv("DOCTOWN_BENCH_FILES"), list, 0o644)
	}
	return crates, files, res.Bytes
}

func BenchmarkExtract(b *testing.B) {
	crates, files, size := benchSetup(b)
	benchExtract(b, crates, files, size)
}

// BenchmarkExtractMacroCrates is BenchmarkExtract over macroBenchCrates, the
// stress case of macro expansion.
func BenchmarkExtractMacroCrates(b *testing.B) {
	crates, files, size := benchSetupOf(b, macroBenchCrates)
	benchExtract(b, crates, files, size)
}

// BenchmarkExtractPlain and BenchmarkExtractMacroCratesPlain are the floor of
// the speed budget of cfg evaluation, macro expansion and derives: the same
// crates extracted without them (Options.plain). Issue 10's budget: +10% CPU
// on usual crates, +75% on macro-heavy ones.
func BenchmarkExtractPlain(b *testing.B) {
	crates, files, size := benchSetup(b)
	benchExtractWith(b, crates, files, size, Options{plain: true})
}

func BenchmarkExtractMacroCratesPlain(b *testing.B) {
	crates, files, size := benchSetupOf(b, macroBenchCrates)
	benchExtractWith(b, crates, files, size, Options{plain: true})
}

func benchExtract(b *testing.B, crates []Crate, files []string, size int64) {
	benchExtractWith(b, crates, files, size, Options{})
}

func benchExtractWith(b *testing.B, crates []Crate, files []string, size int64, base Options) {
	for _, w := range []int{1, 2} {
		b.Run("workers="+itoa(w), func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				opts := base
				opts.Workers = w
				if _, err := Extract(b.Context(), registryDir, crates, opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(files))*float64(b.N)/b.Elapsed().Seconds(), "files/s")
		})
	}
}

// BenchmarkBareParse parses the same files with tree-sitter and nothing else:
// the floor extraction is measured against.
func BenchmarkBareParse(b *testing.B) {
	_, files, size := benchSetup(b)
	var srcs [][]byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		srcs = append(srcs, data)
	}
	p := ts.NewParser()
	defer p.Close()
	if err := p.SetLanguage(loadGrammar().lang); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	for b.Loop() {
		for _, s := range srcs {
			p.Parse(s, nil).Close()
		}
	}
	b.ReportMetric(float64(len(files))*float64(b.N)/b.Elapsed().Seconds(), "files/s")
}

// BenchmarkBareParseParallel is the bare parse on 1 and 2 goroutines, each
// with its own parser: the ceiling for the scaling of Extract across workers
// on this machine.
func BenchmarkBareParseParallel(b *testing.B) {
	_, files, size := benchSetup(b)
	var srcs [][]byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		srcs = append(srcs, data)
	}
	for _, w := range []int{1, 2} {
		b.Run("workers="+itoa(w), func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				var wg sync.WaitGroup
				for k := range w {
					wg.Add(1)
					go func() {
						defer wg.Done()
						p := ts.NewParser()
						defer p.Close()
						p.SetLanguage(loadGrammar().lang)
						for i := k; i < len(srcs); i += w {
							p.Parse(srcs[i], nil).Close()
						}
					}()
				}
				wg.Wait()
			}
		})
	}
}

// BenchmarkWalk is the Go side of extraction alone: the walk of already
// parsed trees (macro bodies are still re-parsed, as Extract does), without
// reading or parsing the files. Extract costs about BareParse plus this.
func BenchmarkWalk(b *testing.B) {
	_, files, size := benchSetup(b)
	g := loadGrammar()
	p := ts.NewParser()
	defer p.Close()
	if err := p.SetLanguage(g.lang); err != nil {
		b.Fatal(err)
	}
	type parsed struct {
		src  []byte
		tree *ts.Tree
	}
	var ps []parsed
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		t := p.Parse(data, nil)
		defer t.Close()
		ps = append(ps, parsed{data, t})
	}
	b.SetBytes(size)
	for b.Loop() {
		for i, x := range ps {
			out := &fileOut{rel: files[i]}
			e := newFileExtractor(g, p, x.src, out, filepath.Dir(files[i]))
			top := nodeOf(x.tree.RootNode())
			e.walkListAttrs(&top, "", filepath.Dir(files[i]), nil, "", func(it *rawItem) {
				if it.parent == nil {
					out.items = append(out.items, it)
				}
			}, &out.innerDocs, &out.innerAttrs)
			e.close()
		}
	}
}
