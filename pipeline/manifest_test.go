package pipeline

import (
	"maps"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/doctown/doctown/docpack"
)

// kindCounts counts as a map of the kinds would, whether a kind is the
// constant, a copy of its bytes elsewhere, or one of more kinds than it
// matches by address.
func TestKindCounts(t *testing.T) {
	var syms []docpack.Symbol
	add := func(k docpack.Kind, n int) {
		for range n {
			syms = append(syms, docpack.Symbol{SymbolType: k})
		}
	}
	add(docpack.KindFunction, 5)
	add(docpack.KindStruct, 3)
	add(docpack.Kind(strings.Clone(string(docpack.KindFunction))), 2)
	add("", 1)
	for i := range 40 {
		add(docpack.Kind("kind"+strconv.Itoa(i%35)), 2)
	}
	add(docpack.KindStruct, 1)
	want := map[docpack.Kind]int{}
	for _, s := range syms {
		want[s.SymbolType]++
	}
	if got := kindCounts(syms); !maps.Equal(got, want) {
		t.Errorf("kindCounts = %v, want %v", got, want)
	}
	if got := kindCounts(nil); len(got) != 0 {
		t.Errorf("kindCounts(nil) = %v, want empty", got)
	}
}

// packageGC raises GOGC while any build packs and puts back what was set once
// the last is done, whatever order they finish in; it never turns a
// collector that is off on, nor lowers a higher setting.
func TestRelaxGC(t *testing.T) {
	gogc := func() int {
		v := debug.SetGCPercent(100)
		debug.SetGCPercent(v)
		return v
	}
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	first := packageGC.Hold()
	second := packageGC.Hold()
	if got := gogc(); got != packageGCPercent {
		t.Fatalf("GOGC %d while two builds pack, want %d", got, packageGCPercent)
	}
	first()
	if got := gogc(); got != packageGCPercent {
		t.Fatalf("GOGC %d while one build still packs, want %d", got, packageGCPercent)
	}
	second()
	if got := gogc(); got != 100 {
		t.Fatalf("GOGC %d after both, want 100 back", got)
	}
	for _, v := range []int{-1, 1000} {
		debug.SetGCPercent(v)
		restore := packageGC.Hold()
		if got := gogc(); got != v {
			t.Errorf("GOGC %d while packing, was %d: want it left", got, v)
		}
		restore()
	}
}
