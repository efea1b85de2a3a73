package pipeline_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/pipeline"
)

const workspace = `
-- Cargo.toml --
[workspace]
members = ["crates/*"]
-- crates/alpha/Cargo.toml --
[package]
name = "alpha"
version = "0.2.0"
edition = "2021"
-- crates/alpha/src/lib.rs --
//! Alpha.

/// Adds one.
pub fn inc(x: u32) -> u32 { x + 1 }

mod hidden { pub fn nope() {} }
-- crates/beta/Cargo.toml --
[package]
name = "beta-lib"
version = "0.3.0"
edition = "2021"
-- crates/beta/src/lib.rs --
/// A beta thing.
pub struct Thing { pub n: u8 }
-- crates/beta/tests/it.rs --
pub fn test_helper() {}
`

func writeTxtar(t *testing.T, archive string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ws")
	for _, f := range txtar.Parse([]byte(archive)).Files {
		p := filepath.Join(dir, f.Name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

type recorder struct {
	mu     sync.Mutex
	events []pipeline.Event
}

func (r *recorder) observe(e pipeline.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func TestBuildWorkspace(t *testing.T) {
	dir := writeTxtar(t, workspace)
	out := t.TempDir()
	var rec recorder
	res, err := pipeline.Build(t.Context(), pipeline.BuildOptions{Source: pipeline.LocalSource{Dir: dir}, OutputDir: out}, rec.observe)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(out, "ws.docpack"); res.Output != want {
		t.Errorf("output = %s, want %s (workspace directory name)", res.Output, want)
	}
	pack, err := docpack.Open(res.Output)
	if err != nil {
		t.Fatal(err)
	}
	defer pack.Close()
	crates := map[string]string{}
	for _, s := range pack.Symbols {
		crates[s.Path] = s.Crate
		if !pack.HasDoc(s.ID) {
			t.Errorf("%s has no doc", s.Path)
		}
	}
	for path, crate := range map[string]string{"alpha::inc": "alpha", "beta_lib::Thing": "beta_lib", "beta_lib::Thing::n": "beta_lib"} {
		if crates[path] != crate {
			t.Errorf("symbol %s: crate %q, want %q (all: %v)", path, crates[path], crate, crates)
		}
	}
	for _, gone := range []string{"alpha::hidden::nope", "beta_lib::test_helper"} {
		if _, ok := crates[gone]; ok {
			t.Errorf("%s is not public API but was extracted", gone)
		}
	}
	if len(pack.Manifest.Crates) != 2 || pack.Manifest.SymbolCount != len(pack.Symbols) {
		t.Errorf("manifest crates %v, symbol_count %d for %d symbols", pack.Manifest.Crates, pack.Manifest.SymbolCount, len(pack.Symbols))
	}

	// Every started stage finished, in pipeline order.
	started := map[pipeline.Stage]bool{}
	var order []pipeline.Stage
	for _, e := range rec.events {
		switch e := e.(type) {
		case pipeline.StageStarted:
			started[e.Stage] = true
			order = append(order, e.Stage)
		case pipeline.StageDone:
			if !started[e.Stage] {
				t.Errorf("stage %s done before it started", e.Stage)
			}
			delete(started, e.Stage)
		}
	}
	if len(started) != 0 {
		t.Errorf("stages never finished: %v", started)
	}
	if got := len(order); got != len(pipeline.Stages) {
		t.Errorf("stages run: %v, want %v", order, pipeline.Stages)
	}
}

func symbolsJSON(t *testing.T, path string) []byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	f, err := zr.Open("symbols.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBuildIsDeterministic(t *testing.T) {
	dir := writeTxtar(t, workspace)
	fixed := func() time.Time { return time.Unix(1700000000, 0) }
	var outs []string
	for i := range 3 {
		out := filepath.Join(t.TempDir(), "x.docpack")
		_, err := pipeline.Build(t.Context(), pipeline.BuildOptions{Source: pipeline.LocalSource{Dir: dir}, Output: out, Workers: i + 1, Now: fixed}, nil)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, out)
	}
	first := symbolsJSON(t, outs[0])
	for _, o := range outs[1:] {
		if !bytes.Equal(first, symbolsJSON(t, o)) {
			t.Fatal("symbols.json differs between runs of the same source")
		}
	}
	a, _ := os.ReadFile(outs[0])
	b, _ := os.ReadFile(outs[2])
	if !bytes.Equal(a, b) {
		t.Error("docpack bytes differ between runs with the same clock")
	}
}

// cancelOn cancels the build when the given stage starts.
func TestBuildCancelLeavesNoFile(t *testing.T) {
	dir := writeTxtar(t, workspace)
	for _, stage := range []pipeline.Stage{pipeline.StageParse, pipeline.StageGenerate, pipeline.StagePackage} {
		t.Run(string(stage), func(t *testing.T) {
			outDir := t.TempDir()
			out := filepath.Join(outDir, "out.docpack")
			if err := os.WriteFile(out, []byte("previous"), 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			_, err := pipeline.Build(ctx, pipeline.BuildOptions{Source: pipeline.LocalSource{Dir: dir}, Output: out}, func(e pipeline.Event) {
				if s, ok := e.(pipeline.StageStarted); ok && s.Stage == stage {
					cancel()
				}
			})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			if b, _ := os.ReadFile(out); string(b) != "previous" {
				t.Errorf("the earlier file at the output path was replaced after cancellation")
			}
			entries, _ := os.ReadDir(outDir)
			if len(entries) != 1 {
				t.Errorf("files left in the output dir: %v", entries)
			}
		})
	}
}

// A cancellation that arrives once the docpack is written (Ctrl-C during the
// package stage) does not turn a finished local build into a failure that
// leaves the docpack behind anyway.
func TestBuildCancelAfterPackage(t *testing.T) {
	dir := writeTxtar(t, workspace)
	out := filepath.Join(t.TempDir(), "out.docpack")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	res, err := pipeline.Build(ctx, pipeline.BuildOptions{Source: pipeline.LocalSource{Dir: dir}, Output: out}, func(e pipeline.Event) {
		if s, ok := e.(pipeline.StageDone); ok && s.Stage == pipeline.StagePackage {
			cancel()
		}
	})
	if err != nil {
		t.Fatalf("err = %v, want the finished build", err)
	}
	if res.Output != out {
		t.Errorf("output = %q, want %q", res.Output, out)
	}
	if _, err := os.Stat(out); err != nil {
		t.Error(err)
	}
}

func TestBuildNoCrate(t *testing.T) {
	_, err := pipeline.Build(t.Context(), pipeline.BuildOptions{Source: pipeline.LocalSource{Dir: t.TempDir()}, OutputDir: t.TempDir()}, nil)
	if !errors.Is(err, pipeline.ErrNoCrate) || !strings.Contains(err.Error(), "Cargo.toml") {
		t.Fatalf("err = %v, want ErrNoCrate mentioning Cargo.toml", err)
	}
}

// Ctrl-C while the docpack's entries are being written: the package stage
// stops between entries and leaves nothing at the output path, neither the
// docpack nor its temporary file.
func TestBuildCancelDuringPackage(t *testing.T) {
	dir := manyItemsCrate(t, 3000)
	outDir := t.TempDir()
	out := filepath.Join(outDir, "out.docpack")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var written []int
	_, err := pipeline.Build(ctx, pipeline.BuildOptions{Source: pipeline.LocalSource{Dir: dir}, Output: out}, func(e pipeline.Event) {
		if p, ok := e.(pipeline.Progress); ok && p.Stage == pipeline.StagePackage {
			written = append(written, p.Done)
			if p.Done < p.Total {
				cancel()
			}
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if len(written) != 1 {
		t.Errorf("package progress %v: want the stage to stop after the first", written)
	}
	if entries, _ := os.ReadDir(outDir); len(entries) != 0 {
		t.Errorf("files left in the output dir: %v", entries)
	}
}

// manyItemsCrate writes a crate of n public functions, enough docpack entries
// for the package stage to report progress more than once.
func manyItemsCrate(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	var src strings.Builder
	for i := range n {
		fmt.Fprintf(&src, "/// Returns %d.\npub fn f%d() -> u32 { %d }\n", i, i, i)
	}
	if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Cargo.toml"), []byte("[package]\nname = \"many\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "src", "lib.rs"), []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}
