package pages_test

import (
	"archive/zip"
	"io"
	"runtime"
	"syscall"
	"testing"

	"github.com/doctown/doctown/docpack/index"
	"github.com/doctown/doctown/internal/debcrate/debpack"
	"github.com/doctown/doctown/pipeline"
	"github.com/doctown/doctown/pipeline/rust"
	"github.com/doctown/doctown/tui/common"
	"github.com/doctown/doctown/tui/packtest"
	"github.com/doctown/doctown/tui/pages"
)

// BenchmarkOpenFirstFrame50k opens a generated 50,000-symbol docpack as
// BenchmarkOpenWinapi opens winapi's: the zip read bare, index.Open, and the
// browser's first frame (glamour included).
func BenchmarkOpenFirstFrame50k(b *testing.B) {
	m, syms, docs := packtest.Generated(50000)
	benchOpen(b, packtest.Write(b, "big.docpack", m, syms, docs))
}

// BenchmarkSearchKeystroke50k is one keystroke in the search box: filter all
// 50,000 symbols, sort, rebuild the result rows and render the frame.
func BenchmarkSearchKeystroke50k(b *testing.B) {
	m, syms, _ := packtest.Generated(50000)
	x := index.New(m, syms, nil)
	br := pages.NewBrowser(common.New(false, nil), x)
	br.SetSize(120, 40)
	for _, q := range []string{"w", "cv", "widget7kind1"} {
		b.Run(q, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				br.Update(key("esc"))
				br.Update(key("/"))
				typeText(br, q[:len(q)-1])
				b.StartTimer()
				typeText(br, q[len(q)-1:])
				_ = br.View()
			}
		})
	}
}

// BenchmarkOpenWinapi opens winapi's docpack as docs.rs documents the crate
// (every feature, the Windows target: 145,198 symbols, three times the issue's
// 50,000) and shows it: index.Open (the archive checked against the schema,
// symbols.json decoded, the index built) and the browser's first frame. The
// floor is reading the same zip bare in the same run: its directory and
// symbols.json's bytes, inflated, nothing decoded. cpu-ms/op is the
// process's CPU time (user and system, the GC's background work included),
// steadier than the wall time on a shared machine.
func BenchmarkOpenWinapi(b *testing.B) {
	benchOpen(b, debpack.Build(b, "winapi-0.3*", pipeline.BuildOptions{Config: rust.BuildConfig{AllFeatures: true, Target: "x86_64-pc-windows-msvc"}}))
}

// benchOpen measures opening the docpack at path three ways: the floor
// (its zip's directory and symbols.json inflated, nothing decoded),
// index.Open, and index.Open with the browser's first frame at 120×40.
func benchOpen(b *testing.B, path string) {
	cpu := func(b *testing.B, op func()) {
		runtime.GC() // the garbage of building the docpack is not this op's
		start := cpuTime()
		for b.Loop() {
			op()
		}
		b.ReportMetric(float64(cpuTime()-start)/1e6/float64(b.N), "cpu-ms/op")
	}
	b.Run("floor-zip-bare", func(b *testing.B) {
		cpu(b, func() {
			z, err := zip.OpenReader(path)
			if err != nil {
				b.Fatal(err)
			}
			defer z.Close()
			f, err := z.Open("symbols.json")
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			if _, err := io.Copy(io.Discard, f); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("index-open", func(b *testing.B) {
		cpu(b, func() {
			p, err := index.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			if p.Len() < 50000 {
				b.Fatalf("%d symbols", p.Len())
			}
			p.Close()
		})
	})
	b.Run("first-frame", func(b *testing.B) {
		cpu(b, func() {
			p, err := index.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			br := pages.NewBrowser(common.New(false, nil), p.Index)
			br.SetSize(120, 40)
			_ = br.View()
			p.Close()
		})
	})
}

// cpuTime is the process's user and system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
