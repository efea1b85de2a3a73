package rust

import (
	"os"
	"testing"
)

func TestZZSmoke(t *testing.T) {
	dir := os.Getenv("SMOKE_DIR")
	if dir == "" {
		t.Skip()
	}
	cs, err := Discover(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Extract(t.Context(), dir, cs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, s := range res.Symbols {
		counts[string(s.SymbolType)]++
	}
	t.Log(cs, res.Files, res.Bytes, len(res.Symbols), counts, len(res.Warnings))
	for i, w := range res.Warnings {
		if i < 10 {
			t.Log(w)
		}
	}
}
