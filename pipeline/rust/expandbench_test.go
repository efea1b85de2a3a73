package rust

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkExtractOne extracts the registry crate DOCTOWN_BENCH_CRATE (default
// winapi, with all features for x86_64-pc-windows-msvc as docs.rs builds it)
// with one worker: the case to profile macro expansion on
// (-cpuprofile, or callgrind with -benchtime 1x).
func BenchmarkExtractOne(b *testing.B) {
	name := os.Getenv("DOCTOWN_BENCH_CRATE")
	opts := Options{Workers: 1}
	if name == "" {
		name = "winapi"
		opts.Build = BuildConfig{AllFeatures: true, Target: "x86_64-pc-windows-msvc"}
	}
	matches, _ := filepath.Glob(filepath.Join(registryDir, name+"-[0-9]*"))
	if len(matches) == 0 {
		b.Skip("no " + name + " under " + registryDir)
	}
	cs, err := Discover(matches[len(matches)-1])
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Extract(b.Context(), registryDir, cs[:1], opts); err != nil {
			b.Fatal(err)
		}
	}
}
