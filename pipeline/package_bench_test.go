package pipeline

import (
	"io"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/pipeline/rust"
)

// packageBenchCrates are the crates whose package stage BenchmarkPackage
// measures, configured as the README's speed table builds them (winapi as
// docs.rs does: every feature, the Windows target).
var packageBenchCrates = []struct {
	name string
	cfg  rust.BuildConfig
}{
	{"winapi", rust.BuildConfig{AllFeatures: true, Target: "x86_64-pc-windows-msvc"}},
	{"tokio", rust.BuildConfig{}},
	{"object", rust.BuildConfig{}},
	{"syn", rust.BuildConfig{}},
	{"gimli", rust.BuildConfig{}},
}

// BenchmarkPackage is the package stage alone, as a build runs it: the
// extractive docs, their links and the docpack written by the packing
// workers (here to io.Discard), with 1 and 2 workers, from the symbols of
// real crates extracted once. Besides ns/op it reports cpu-ms/op, the
// process's user+system CPU time per write. Profile one crate with
// -bench 'BenchmarkPackage/winapi/workers=1' -cpuprofile.
func BenchmarkPackage(b *testing.B) {
	for _, c := range packageBenchCrates {
		b.Run(c.name, func(b *testing.B) {
			matches, _ := filepath.Glob(filepath.Join("/usr/share/cargo/registry", c.name+"-[0-9]*"))
			if len(matches) == 0 {
				b.Skip("crate not in /usr/share/cargo/registry")
			}
			dir := matches[len(matches)-1]
			crates, err := rust.Discover(dir)
			if err != nil {
				b.Fatal(err)
			}
			res, err := rust.Extract(b.Context(), dir, crates, rust.Options{Build: c.cfg})
			if err != nil {
				b.Fatal(err)
			}
			syms := res.Symbols
			m := &docpack.Manifest{Version: docpack.FormatVersion, SymbolCount: len(syms), DocCount: len(syms)}
			for _, w := range []int{1, 2} {
				b.Run("workers="+string(rune('0'+w)), func(b *testing.B) {
					b.ReportAllocs()
					cpu0 := cpuTime()
					for b.Loop() {
						err := docpack.WriteContext(b.Context(), io.Discard, m, syms, nil, docpack.WriteOptions{Workers: w, Doc: docWriter(syms)})
						if err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
				})
			}
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
