package commons

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/doctown/doctown/docpack"
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

func openFile(path string) (*os.File, error) { return os.Open(path) }
