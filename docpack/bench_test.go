package docpack

import (
	"fmt"
	"io"
	"os"
	"syscall"
	"testing"
	"time"
)

// BenchmarkOpen measures opening a docpack of 50,000 symbols and 50,000 docs
// (what the TUI does before its first frame) and reading one doc. Besides
// ns/op it reports cpu-ms/op, the process's user+system CPU time per open,
// which stays meaningful on a machine shared with other work.
func BenchmarkOpen(b *testing.B) {
	path := samplePackFile(b, 50_000)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	cpu0 := cpuTime()
	n := 0
	for b.Loop() {
		p, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := p.Doc(p.Symbols[len(p.Symbols)/2].ID); !ok {
			b.Fatal("no doc")
		}
		p.Close()
		n++
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Millisecond)/float64(n), "cpu-ms/op")
}

// BenchmarkValidate measures a full validation of a 5,000-symbol pack (what the
// relay does to each upload).
func BenchmarkValidate(b *testing.B) {
	data := samplePack(b, 5_000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if ps := validate(data); len(ps) != 0 {
			b.Fatal(ps)
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkWrite packages 50,000 symbols and their docs (the size of winapi
// before macro expansion) with 1 and 2 workers.
func BenchmarkWrite(b *testing.B) {
	syms := sampleSymbols(50000)
	docs := sampleDocs(syms)
	m := sampleManifest(syms, docs)
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			cpu0 := cpuTime()
			for b.Loop() {
				if err := WriteContext(b.Context(), io.Discard, m, syms, docs, WriteOptions{Workers: w}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}
