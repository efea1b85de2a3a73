package commons

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/index"
	"github.com/doctown/doctown/relay/store"
)

// bigPackHandler serves one docpack of n functions in 50 modules.
func bigPackHandler(b *testing.B, n int) http.Handler {
	dir := b.TempDir()
	st, err := store.NewFS(filepath.Join(dir, "store"))
	if err != nil {
		b.Fatal(err)
	}
	var syms []docpack.Symbol
	docs := map[string]docpack.Doc{}
	root := docpack.NewID("big", "big", docpack.KindModule, 0)
	syms = append(syms, docpack.Symbol{ID: root, Name: "big", Path: "big", Crate: "big", SymbolType: docpack.KindModule})
	for m := range 50 {
		mp := fmt.Sprintf("big::m%02d", m)
		mid := docpack.NewID("big", mp, docpack.KindModule, 0)
		syms = append(syms, docpack.Symbol{ID: mid, Name: fmt.Sprintf("m%02d", m), Path: mp, Crate: "big", SymbolType: docpack.KindModule, Parent: root})
		for i := range n / 50 {
			p := fmt.Sprintf("%s::func_%d", mp, i)
			id := docpack.NewID("big", p, docpack.KindFunction, 0)
			syms = append(syms, docpack.Symbol{ID: id, Name: fmt.Sprintf("func_%d", i), Path: p, Crate: "big", SymbolType: docpack.KindFunction,
				Signature: fmt.Sprintf("pub fn func_%d(x: u32) -> u32", i), Parent: mid})
			docs[id] = docpack.Doc{SymbolID: id, Summary: "Does thing number " + fmt.Sprint(i) + ".", Description: "Some *markdown* text.", Source: docpack.DocFromComments}
		}
	}
	m := &docpack.Manifest{Version: docpack.FormatVersion, Repository: docpack.Repository{Name: "big"}, SymbolCount: len(syms)}
	file := filepath.Join(dir, "big.docpack")
	if err := docpack.WriteFile(file, m, syms, docs); err != nil {
		b.Fatal(err)
	}
	key := store.Key("o", "big", "abc")
	f, err := openFile(file)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := st.Put(b.Context(), key, f, -1); err != nil {
		b.Fatal(err)
	}
	cat := &sliceCatalog{entries: []Entry{{Owner: "o", Repo: "big", SHA: "abc", Key: key, CreatedAt: time.Now()}}}
	mux := http.NewServeMux()
	New(cat, st, Options{}).Register(mux)
	return mux
}

func BenchmarkPages(b *testing.B) {
	h := bigPackHandler(b, 5000)
	id := docpack.NewID("big", "big::m07::func_42", docpack.KindFunction, 0)
	for _, tt := range []struct{ name, path string }{
		{"pack-5000", "/r/o/big/abc"},
		{"search-5000", "/r/o/big/abc?q=func_4"},
		{"symbol", "/r/o/big/abc/s/" + id},
	} {
		b.Run(tt.name, func(b *testing.B) {
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}

// cpuTime is the process's user and system CPU time in nanoseconds: on a
// shared machine it is steadier than the wall time (the GC's background work
// counts too).
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func openFile(path string) (*os.File, error) { return os.Open(path) }

// BenchmarkWinapiPages serves winapi's pages as docs.rs documents the crate
// (every feature, 145,198 symbols), the docpack already open: its largest
// module (um::winnt, 6,122 items), the trait with the most implementors, the
// type with the most impls, the repository page and all items. The floor is
// writing the largest page's bytes, already rendered, through the same
// handler stack: what serving a page of that size costs at least. B/page is
// the page's size.
func BenchmarkWinapiPages(b *testing.B) {
	c := winapi
	file := debianPackFile(b, c)
	h := serveDebian(b, c)
	x, err := index.Open(file)
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	most := func(count func(i int) int) string {
		best, n := -1, -1
		for i := range x.Symbols {
			if k := count(i); k > n {
				best, n = i, k
			}
		}
		return c.page() + "/s/" + x.Symbols[best].ID
	}
	module := most(func(i int) int {
		if x.Symbols[i].SymbolType != docpack.KindModule {
			return -1
		}
		return len(x.Items(x.Symbols[i].Path))
	})
	trait := most(func(i int) int { return len(x.Implementors(i)) })
	typ := most(func(i int) int {
		if x.Symbols[i].SymbolType == docpack.KindTrait {
			return -1
		}
		inherent, traits := x.Impls(i)
		return len(inherent) + len(traits)
	})
	get := func(b *testing.B, path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: status %d", path, rec.Code)
		}
		return rec
	}
	get(b, c.page()) // opens the docpack into the cache
	largest := get(b, module).Body.Bytes()
	floor := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(largest)
	})
	b.Run("floor-write-largest", func(b *testing.B) {
		cpu := cpuTime()
		for b.Loop() {
			rec := httptest.NewRecorder()
			floor.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, module, nil))
		}
		b.ReportMetric(float64(len(largest)), "B/page")
		b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
	})
	for _, tt := range []struct{ name, path string }{
		{"module-largest", module},
		{"module-largest-last-page", module + "?page=9"},
		{"trait-most-implementors", trait},
		{"type-most-impls", typ},
		{"repository", c.page()},
		{"all-items", c.page() + "/all"},
		{"search", c.page() + "?q=CreateFile"},
	} {
		b.Run(tt.name, func(b *testing.B) {
			var n int
			cpu := cpuTime()
			for b.Loop() {
				n = get(b, tt.path).Body.Len()
			}
			b.ReportMetric(float64(n), "B/page")
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}
