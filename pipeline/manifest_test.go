package pipeline

import (
	"maps"
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
