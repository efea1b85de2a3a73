package rust

import (
	"cmp"
	"hash/maphash"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/doctown/doctown/docpack"
)

// TestSortStable checks the parallel stable sort against slices.SortStableFunc
// on slices with many equal keys (their original order must survive), at the
// sizes around where it starts to split the work.
func TestSortStable(t *testing.T) {
	type kv struct{ key, at int }
	byKey := func(a, b kv) int { return cmp.Compare(a.key, b.key) }
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2*minRun - 1, 2 * minRun, 2*minRun + 1, 5000, 10007} {
		for _, workers := range []int{1, 2, 3, 4, 7} {
			in := make([]kv, n)
			for i := range in {
				in[i] = kv{rng.IntN(n/8 + 1), i}
			}
			want := slices.Clone(in)
			slices.SortStableFunc(want, byKey)
			got := slices.Clone(in)
			sortStable(got, workers, byKey)
			if !slices.Equal(got, want) {
				t.Errorf("n=%d workers=%d: differs from slices.SortStableFunc", n, workers)
			}
		}
	}
}

// TestWorkersSameSymbols extracts real crates large enough for every
// parallel step of resolving (placing, sorting, ids, availability: above
// 2*minRun items) with 1 and with 3 workers: the symbols must be the same,

// TestOccurrences checks occurrences against counting in a map keyed by path
// and kind, in kept's order, with paths repeated under one kind and several,
// and with the real hashes and hashes that all collide (every probe then
// compares paths).
func TestOccurrences(t *testing.T) {
	kinds := []docpack.Kind{docpack.KindImpl, docpack.KindMethod, docpack.KindFunction}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 2, 3, 100, 3000} {
		kept := make([]*placed, n)
		for i := range kept {
			kept[i] = &placed{path: "c::T" + itoa(rng.IntN(n/3+1)), it: &rawItem{sym: &itemSym{SymbolType: kinds[rng.IntN(len(kinds))]}}}
		}
		type pathKind struct {
			path string
			kind docpack.Kind
		}
		count := map[pathKind]int32{}
		want := make([]int32, n)
		for i, p := range kept {
			k := pathKind{p.path, p.it.sym.SymbolType}
			count[k]++
			want[i] = count[k]
		}
		seed := maphash.MakeSeed()
		real, same := make([]uint64, n), make([]uint64, n)
		for i, p := range kept {
			real[i] = maphash.String(seed, p.path+"\x00"+string(p.it.sym.SymbolType))
			same[i] = 7
		}
		for name, hs := range map[string][]uint64{"hashes": real, "colliding": same} {
			if got := occurrences(kept, hs); !slices.Equal(got, want) {
				t.Errorf("n=%d, %s: occurrences %v, want %v", n, name, got, want)
			}
		}
	}
}

// in the same order.
func TestWorkersSameSymbols(t *testing.T) {
	for _, name := range []string{"libc", "syn"} {
		t.Run(name, func(t *testing.T) {
			dir := registryCrate(t, name)
			crates, err := Discover(dir)
			if err != nil {
				t.Fatal(err)
			}
			var runs [][]string
			for _, workers := range []int{1, 3} {
				res, err := Extract(t.Context(), dir, crates[:1], Options{Workers: workers})
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Symbols) < 2*minRun {
					t.Fatalf("%s: %d symbols, too few to run the parallel steps", name, len(res.Symbols))
				}
				var out []string
				for _, s := range res.Symbols {
					out = append(out, s.ID+" "+s.Path+" "+s.Parent+" "+s.Cfg+" "+s.DocCfg+" "+s.Visibility)
				}
				runs = append(runs, out)
				if workers == 1 {
					continue
				}
				if !reflect.DeepEqual(runs[0], out) {
					for i := range min(len(runs[0]), len(out)) {
						if runs[0][i] != out[i] {
							t.Fatalf("%d workers: symbol %d is %q, with 1 worker %q", workers, i, out[i], runs[0][i])
						}
					}
					t.Fatalf("%d workers: %d symbols, with 1 worker %d", workers, len(out), len(runs[0]))
				}
			}
		})
	}
}
