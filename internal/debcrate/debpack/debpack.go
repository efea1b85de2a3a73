// Package debpack builds docpacks of Debian-packaged crates (debcrate) for
// tests and benchmarks of the packages that read docpacks. It is apart from
// debcrate so that the pipeline's own tests can use debcrate without an
// import cycle.
package debpack

import (
	"path/filepath"
	"testing"

	"github.com/doctown/doctown/internal/debcrate"
	"github.com/doctown/doctown/pipeline"
)

// Build builds a docpack of the newest installed crate matching glob
// ("hashbrown-0.12*") with extractive docs into a temp dir and returns its
// path, or skips (fails under DOCTOWN_REQUIRE_ALL=1) when the crate is not
// installed. opts may set the build configuration (features); its Source and
// Output are filled in.
func Build(tb testing.TB, glob string, opts pipeline.BuildOptions) string {
	tb.Helper()
	out := filepath.Join(tb.TempDir(), "crate.docpack")
	opts.Source = pipeline.LocalSource{Dir: debcrate.Dir(tb, glob)}
	opts.Output = out
	if _, err := pipeline.Build(tb.Context(), opts, nil); err != nil {
		tb.Fatal(err)
	}
	return out
}
