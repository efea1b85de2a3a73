package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	ts "github.com/tree-sitter/go-tree-sitter"
	tsrust "github.com/tree-sitter/tree-sitter-rust/bindings/go"

	"github.com/doctown/doctown/pipeline/rust"
)

// registryDir holds Debian's librust-*-dev crate sources.
const registryDir = "/usr/share/cargo/registry"

// speedCrates are the largest crates users build, measured one by one; the
// last row is every crate of the registry, one `doctown build` each.
var speedCrates = []string{"winapi-0.3.9", "tokio-1.24.2", "syn-1.0.107", "object-0.30.0", "gimli-0.27.0"}

// windowsAll are the crates built with --all-features for Windows, as docs.rs
// shows them: winapi's docs.rs metadata asks for its "everything" feature,
// which its build script (never run by doctown) turns into every module's
// feature; without them the crate is its 10 files of macros and basics, and
// on Linux its root's #![cfg(windows)] leaves nothing.
var windowsAll = map[string]bool{"winapi-0.3.9": true}

const windowsTarget = "x86_64-pc-windows-msvc"

// corpus is what one row of the table measures: the crate directories built
// and the source files the builds parse.
type corpus struct {
	name  string
	dirs  []string
	srcs  [][]byte
	bytes int64
}

// BenchmarkCommand measures `doctown build` end to end, as a user runs it:
// process start to the docpack renamed into place, offline extractive docs,
// with 1 and 2 workers, against the floor measured in the same run: a bare
// tree-sitter parse of the same files (go-tree-sitter, the same grammar, the C
// allocator, 2 goroutines, nothing built from the trees). Reported per
// iteration: wall time (ns/op), the peak RSS of the process, and the package
// stage's share of the wall time. testdata/speed.sh prints the table.
func BenchmarkCommand(b *testing.B) {
	if _, err := os.Stat(registryDir); err != nil {
		if os.Getenv("DOCTOWN_REQUIRE_ALL") != "" {
			b.Fatal("no Debian crate sources under " + registryDir)
		}
		b.Skip("no Debian crate sources under " + registryDir)
	}
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		b.Skip("no /usr/bin/time (Debian package time) to measure peak RSS")
	}
	bin := filepath.Join(b.TempDir(), "doctown")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	all, _ := filepath.Glob(filepath.Join(registryDir, "*", "Cargo.toml"))
	var registry []string
	for _, m := range all {
		registry = append(registry, filepath.Dir(m))
	}
	rows := map[string][]string{"registry": registry}
	names := slices.Clone(speedCrates)
	for _, name := range speedCrates {
		rows[name] = []string{filepath.Join(registryDir, name)}
	}
	names = append(names, "registry")
	for _, name := range names {
		b.Run("corpus="+name, func(b *testing.B) {
			c := loadCorpus(b, name, rows[name])
			if c == nil {
				b.Skip("no buildable crate in " + name)
			}
			benchCorpus(b, bin, c)
		})
	}
}

func benchCorpus(b *testing.B, bin string, c *corpus) {
	b.Run("floor", func(b *testing.B) {
		b.SetBytes(c.bytes)
		before := cpuTime()
		for b.Loop() {
			bareParse(c.srcs, 2)
		}
		b.ReportMetric((cpuTime()-before).Seconds()/float64(b.N), "cpu-s/op")
	})
	for _, w := range []int{1, 2} {
		b.Run("build/workers="+strconv.Itoa(w), func(b *testing.B) {
			b.SetBytes(c.bytes)
			out := b.TempDir()
			var rss int64
			var pack, cpu time.Duration
			for b.Loop() {
				for i, dir := range c.dirs {
					r, p, t := runBuild(b, bin, dir, filepath.Join(out, strconv.Itoa(i)+".docpack"), w)
					rss = max(rss, r)
					pack += p
					cpu += t
				}
			}
			b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MB")
			b.ReportMetric(100*pack.Seconds()/b.Elapsed().Seconds(), "package-%")
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}

// loadCorpus keeps the directories doctown builds without error and reads the
// files those builds parse; nil when none is there.
func loadCorpus(b *testing.B, name string, dirs []string) *corpus {
	c := &corpus{name: name}
	for _, dir := range dirs {
		crates, err := rust.Discover(dir)
		if err != nil {
			continue
		}
		res, err := rust.Extract(b.Context(), dir, crates, rust.Options{Build: buildConfig(dir)})
		if err != nil || len(res.Symbols) == 0 {
			continue
		}
		c.dirs = append(c.dirs, dir)
		for _, p := range res.Paths {
			src, err := os.ReadFile(filepath.Join(dir, p))
			if err != nil {
				b.Fatal(err)
			}
			c.srcs = append(c.srcs, src)
			c.bytes += int64(len(src))
		}
	}
	if len(c.dirs) == 0 {
		return nil
	}
	return c
}

// buildConfig is the configuration dir is built with (see windowsAll).
func buildConfig(dir string) rust.BuildConfig {
	if windowsAll[filepath.Base(dir)] {
		return rust.BuildConfig{AllFeatures: true, Target: windowsTarget}
	}
	return rust.BuildConfig{}
}

// bareParse parses srcs on w goroutines, each with its own parser locked to
// its thread, and throws the trees away.
func bareParse(srcs [][]byte, w int) {
	lang := ts.NewLanguage(tsrust.Language())
	var wg sync.WaitGroup
	for k := range w {
		wg.Go(func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			p := ts.NewParser()
			defer p.Close()
			_ = p.SetLanguage(lang)
			for i := k; i < len(srcs); i += w {
				p.Parse(srcs[i], nil).Close()
			}
		})
	}
	wg.Wait()
}

// runBuild runs one `doctown build` and returns its peak RSS in bytes, the
// package stage's elapsed time from its NDJSON events, and its CPU time (user
// and system), which other processes on the machine disturb less than the
// wall time.
func runBuild(b *testing.B, bin, dir, out string, workers int) (rss int64, pack, cpu time.Duration) {
	// /usr/bin/time reports the child's own peak: the rusage of a child of
	// this process would start from this process's (it has the corpus loaded).
	rssFile := out + ".rss"
	args := []string{"-f", "%M %U %S", "-o", rssFile, bin, "build", dir, "-o", out, "--json", "--no-cache", "--generator", "extractive", "--workers", strconv.Itoa(workers)}
	if windowsAll[filepath.Base(dir)] {
		args = append(args, "--all-features", "--target", windowsTarget)
	}
	cmd := exec.Command("/usr/bin/time", args...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		b.Fatalf("doctown build %s: %v\n%s", dir, err, stderr.Bytes())
	}
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var ev struct {
			Event   string  `json:"event"`
			Stage   string  `json:"stage"`
			Elapsed float64 `json:"elapsed"`
		}
		if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Event == "stage_done" && ev.Stage == "package" {
			pack = time.Duration(ev.Elapsed * float64(time.Second))
		}
	}
	usage, err := os.ReadFile(rssFile)
	if err != nil {
		b.Fatal(err)
	}
	var kb int64
	var user, sys float64
	if _, err := fmt.Sscan(string(usage), &kb, &user, &sys); err != nil {
		b.Fatalf("resource use of %s: %q: %v", dir, usage, err)
	}
	return kb << 10, pack, time.Duration((user + sys) * float64(time.Second))
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
