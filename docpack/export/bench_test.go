package export_test

import (
	"os"
	"testing"

	"github.com/doctown/doctown/docpack/export"
	"github.com/doctown/doctown/docpack/index"
)

// BenchmarkMarkdown exports a docpack named by DOCTOWN_BENCH_DOCPACK (a large
// one such as winapi's), or the demo crate.
func BenchmarkMarkdown(b *testing.B) {
	var x *index.Index
	if p := os.Getenv("DOCTOWN_BENCH_DOCPACK"); p != "" {
		pk, err := index.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		defer pk.Close()
		x = pk.Index
	} else {
		x = demo(b).Index
	}
	b.ResetTimer()
	for b.Loop() {
		files := export.Markdown(x, export.Options{})
		if len(files) == 0 {
			b.Fatal("no files")
		}
	}
}
