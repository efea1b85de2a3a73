package pipeline

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"unsafe"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/pipeline/rust"
)

// ErrNoCrate is returned when the source holds no Rust crate.
var ErrNoCrate = rust.ErrNoCrate

// extract finds the crates, parses their module trees (the parse stage: files
// in parallel) and keeps the public symbols (the extract stage).
func (b *build) extract(ctx context.Context) error {
	var res *rust.Result
	err := b.stage(StageParse, func() (string, error) {
		crates, err := rust.Discover(b.checkout.Dir)
		if err != nil {
			if errors.Is(err, rust.ErrNoCrate) {
				return "", fmt.Errorf("%s: %w: expected a Cargo.toml with [package] (and src/lib.rs or src/main.rs) or a [workspace] with members", b.displayDir(), rust.ErrNoCrate)
			}
			return "", fmt.Errorf("discover crates: %w", err)
		}
		b.name = projectName(b.checkout.Dir, crates)
		for _, c := range crates {
			root, _ := filepath.Rel(b.checkout.Dir, c.Root)
			b.crates = append(b.crates, docpack.Crate{Name: c.Name, Version: c.Version, Root: filepath.ToSlash(root)})
		}
		res, err = rust.Extract(ctx, b.checkout.Dir, crates, rust.Options{
			IncludePrivate: b.opts.IncludePrivate,
			IncludeHidden:  b.opts.IncludeHidden,
			Workers:        b.opts.Workers,
			Build:          b.opts.Config,
			OnFile: func(done, total int, path string) {
				b.emit(Progress{Stage: StageParse, Done: done, Total: total, Unit: "files", Detail: path})
			},
		})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s, %s", plural(res.Files, "file"), sizeString(res.Bytes)), nil
	})
	if err != nil {
		return err
	}
	return b.stage(StageExtract, func() (string, error) {
		for _, w := range res.Warnings {
			b.warn(Warning{Stage: StageParse, File: w.File, Line: w.Line, Message: w.Message})
		}
		b.symbols = res.Symbols
		for _, c := range res.Configs {
			for i := range b.crates {
				if b.crates[i].Name == c.Crate {
					b.crates[i].Build = &docpack.CrateBuild{Target: c.Target, Features: c.Features, Cfgs: c.Cfgs, From: c.From, BuildScriptCfgs: c.BuildScriptCfgs}
				}
			}
		}
		// The extraction's garbage (the files' items, the resolver's tables,
		// the expander's tokens) is collected before the docs are written,
		// unless a crate's copy of its symbols just did (a crate of over
		// rust.CollectBeforeCopy): left to the pacer, the package stage
		// allocates new pages beside it (peak RSS, medians: object 68.3 →
		// 64.9 MB, gimli 68.3 → 65.3, tokio 91.0 → 87.7, syn 89.5 → 88.2;
		// no CPU above the noise: it marks what is live, the symbols).
		if uintptr(len(b.symbols))*unsafe.Sizeof(docpack.Symbol{}) < rust.CollectBeforeCopy {
			runtime.GC()
		}
		b.emit(Progress{Stage: StageExtract, Done: len(b.symbols), Total: len(b.symbols), Unit: "symbols"})
		if len(b.symbols) == 0 {
			return "", fmt.Errorf("%s: %w (use --include-private to document private items)", b.displayDir(), ErrNoSymbols)
		}
		return fmt.Sprintf("%d symbols in %s", len(b.symbols), plural(len(b.crates), "crate")), nil
	})
}

func (b *build) displayDir() string {
	if b.checkout.Repository.Name != "" {
		return b.checkout.Repository.Name
	}
	return b.checkout.Dir
}

// projectName is the crate's package name, or the workspace directory's name
// when there are several crates.
func projectName(dir string, crates []rust.Crate) string {
	if len(crates) == 1 {
		if crates[0].Package != "" {
			return crates[0].Package
		}
		return crates[0].Name
	}
	return filepath.Base(dir)
}

func sizeString(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
