package docpack

import (
	"os"
	"testing"
)

// BenchmarkOpen measures opening a docpack of 50,000 symbols and 50,000 docs
// (what the TUI does before its first frame) and reading one doc.
func BenchmarkOpen(b *testing.B) {
	path := samplePackFile(b, 50_000)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		p, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := p.Doc(p.Symbols[len(p.Symbols)/2].ID); !ok {
			b.Fatal("no doc")
		}
		p.Close()
	}
}
