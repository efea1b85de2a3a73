package pipeline

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"time"
	"unsafe"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/internal/gctune"
	"github.com/doctown/doctown/pipeline/rust"
)

// BuildOptions configure one build.
type BuildOptions struct {
	// Source provides the repository. Required.
	Source Source
	// Output is the docpack's path. Empty means "<name>.docpack" in OutputDir
	// (or the current directory), where name is the crate or workspace name.
	Output    string
	OutputDir string
	// IncludePrivate keeps private and unreachable items; IncludeHidden keeps
	// #[doc(hidden)] items.
	IncludePrivate bool
	IncludeHidden  bool
	// Config is the build configuration (features, target, --cfg) #[cfg] is
	// evaluated in; the zero value reads [package.metadata.docs.rs].
	Config rust.BuildConfig
	// Workers bounds parallel parsing and packaging; <=0 means GOMAXPROCS.
	Workers int
	// Generator writes the docs; nil means the extractive generator.
	Generator Generator
	// Uploader, when set, receives the finished docpack.
	Uploader Uploader
	// Repository fields set here override what the source reports.
	Repository docpack.Repository
	// ToolVersion is recorded in the manifest.
	ToolVersion string
	// Now returns the generated_at time; nil means time.Now. SOURCE_DATE_EPOCH
	// handling belongs to the caller.
	Now func() time.Time
}

// BuildResult describes a finished build.
type BuildResult struct {
	Output   string            `json:"output"`
	Manifest *docpack.Manifest `json:"manifest"`
	Warnings []Warning         `json:"warnings,omitempty"`
	Elapsed  time.Duration     `json:"-"`
}

// ErrNoSymbols is returned when the crates hold nothing to document.
var ErrNoSymbols = errors.New("no public symbols found")

// Build runs the whole pipeline and writes the docpack. It never leaves a
// half-written docpack at the output path: cancellation or failure before the
// package stage leaves any earlier file there untouched.
func Build(ctx context.Context, opts BuildOptions, emit Observer) (*BuildResult, error) {
	if emit == nil {
		emit = Discard
	}
	if opts.Source == nil {
		return nil, errors.New("build: no source")
	}
	start := time.Now()
	b := &build{opts: opts, emit: emit}
	defer b.cleanup()
	steps := []func(context.Context) error{b.fetch, b.extract, b.generate, b.pack, b.upload}
	for _, step := range steps {
		// Once the docpack is written, a cancellation is the upload's to
		// report: without one the build is done, not interrupted.
		if err := ctx.Err(); err != nil && b.output == "" {
			return nil, err
		}
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	return &BuildResult{Output: b.output, Manifest: b.manifest, Warnings: b.warnings, Elapsed: time.Since(start)}, nil
}

type build struct {
	opts     BuildOptions
	emit     Observer
	checkout *Checkout
	crates   []docpack.Crate
	name     string
	symbols  []docpack.Symbol
	gen      *GenerateResult
	output   string
	manifest *docpack.Manifest
	warnings []Warning
}

func (b *build) warn(w Warning) {
	b.warnings = append(b.warnings, w)
	b.emit(w)
}

// stage runs fn as the named stage, emitting its start and end.
func (b *build) stage(s Stage, fn func() (summary string, err error)) error {
	b.emit(StageStarted{Stage: s})
	t := time.Now()
	summary, err := fn()
	b.emit(StageDone{Stage: s, Elapsed: time.Since(t), Err: err, Summary: summary})
	return err
}

func (b *build) skip(s Stage, why string) {
	b.emit(StageStarted{Stage: s})
	b.emit(StageDone{Stage: s, Skipped: true, Summary: why})
}

func (b *build) cleanup() {
	if b.checkout != nil && b.checkout.Cleanup != nil {
		b.checkout.Cleanup()
	}
}

func (b *build) fetch(ctx context.Context) error {
	return b.stage(StageFetch, func() (string, error) {
		co, err := b.opts.Source.Fetch(ctx, b.emit)
		if err != nil {
			return "", err
		}
		b.checkout = co
		return co.Dir, nil
	})
}

// generate runs the generator. Every symbol gets a doc whatever the
// generator did: those it left without one get their extractive doc (and are
// listed as fallbacks), made while the docpack is written (see pack), as are
// all the docs of the extractive generator, so that no build holds them all.
func (b *build) generate(ctx context.Context) error {
	gen := b.opts.Generator
	if gen == nil {
		gen = Extractive{}
	}
	if _, ok := gen.(Extractive); ok {
		b.gen = &GenerateResult{}
		return announceExtractive(ctx, len(b.symbols), b.emit)
	}
	res, err := gen.Generate(ctx, GenerateInput{Symbols: b.symbols}, b.emit)
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	if res.Docs == nil {
		res.Docs = map[string]docpack.Doc{}
	}
	known := make(map[string]bool, len(b.symbols))
	for _, s := range b.symbols {
		known[s.ID] = true
		if _, ok := res.Docs[s.ID]; !ok {
			res.Fallbacks = append(res.Fallbacks, s.ID)
		}
	}
	for id := range res.Docs {
		if !known[id] {
			delete(res.Docs, id)
		}
	}
	res.Fallbacks = uniqueSorted(res.Fallbacks)
	b.warnings = append(b.warnings, res.Warnings...)
	b.gen = res
	return nil
}

func (b *build) pack(ctx context.Context) error {
	return b.stage(StagePackage, func() (string, error) {
		// No collection first: the stage's peak RSS stays under extraction's
		// (winapi with every feature: 321–346 MB against 361–403 MB), and
		// debug.FreeOSMemory here cost 0.07–0.16 s wall and ~0.2 s CPU with
		// the page faults of the heap growing again.
		defer packageGC.Hold()()
		m := b.buildManifest()
		out := b.opts.Output
		if out == "" {
			dir := b.opts.OutputDir
			if dir == "" {
				dir = "."
			}
			out = filepath.Join(dir, safeFileName(b.name)+".docpack")
		}
		err := docpack.WriteFileContext(ctx, out, m, b.symbols, b.gen.Docs, docpack.WriteOptions{
			Workers: b.opts.Workers,
			Doc:     docWriter(b.symbols),
			OnProgress: func(done, total int) {
				b.emit(Progress{Stage: StagePackage, Done: done, Total: total, Unit: "entries"})
			},
		})
		if err != nil {
			return "", err
		}
		b.output = out
		b.manifest = m
		return out, nil
	})
}

// packageGCPercent is the collector's GOGC while a docpack is written. What
// the package stage allocates (the central directory, the link index, the
// compressors, symbols.json's chunks) lives until its end, and extraction's
// garbage was just collected (extract): a collection in the stage frees
// next to nothing (object: 16 -> 19 -> 16 MB) for ~10 ms of CPU and a
// stop of the world. At 400 the heap may reach five times what the last
// collection left before the pacer starts one; the memory limit, when set
// (winapi with every feature reaches it), still starts one at the limit.
// doctown build, the same binary with and without, alternated, 5-8 runs,
// medians: package stage CPU object 44 -> 35 ms, tokio 45 -> 37, gimli
// 34 -> 25; peak RSS 54 -> 55, 69 -> 68, 56 -> 56 MB.
const packageGCPercent = 400

// packageGC holds GOGC at packageGCPercent during package stages, unless it
// is higher already or the collector is off; builds side by side in one
// process share it.
var packageGC = gctune.Setting{
	Set:  func(v int64) int64 { return int64(debug.SetGCPercent(int(v))) },
	To:   packageGCPercent,
	Keep: func(found int64) bool { return found < 0 || found >= packageGCPercent },
}

func (b *build) upload(ctx context.Context) error {
	if b.opts.Uploader == nil {
		b.skip(StageUpload, "no upload target")
		return nil
	}
	return b.stage(StageUpload, func() (string, error) {
		return "", b.opts.Uploader.Upload(ctx, b.output, b.manifest, b.emit)
	})
}

func (b *build) buildManifest() *docpack.Manifest {
	now := time.Now
	if b.opts.Now != nil {
		now = b.opts.Now
	}
	repo := b.checkout.Repository
	o := b.opts.Repository
	for _, f := range []struct {
		dst *string
		v   string
	}{
		{&repo.Name, o.Name}, {&repo.URL, o.URL}, {&repo.CommitSHA, o.CommitSHA}, {&repo.Branch, o.Branch}, {&repo.Ref, o.Ref},
	} {
		if f.v != "" {
			*f.dst = f.v
		}
	}
	if repo.Name == "" {
		repo.Name = b.name
	}
	counts := kindCounts(b.symbols)
	info := Extractive{}.Info()
	if b.opts.Generator != nil {
		info = b.opts.Generator.Info()
	}
	var warnings []string
	for _, w := range b.warnings {
		warnings = append(warnings, w.String())
	}
	return &docpack.Manifest{
		Version:     docpack.FormatVersion,
		GeneratedAt: now().UTC().Truncate(time.Second),
		Repository:  repo,
		Crates:      b.crates,
		SymbolCount: len(b.symbols),
		DocCount:    len(b.symbols), // every symbol gets one (see generate)
		Counts:      counts,
		Generator:   info,
		Stats:       b.gen.Stats,
		Fallbacks:   b.gen.Fallbacks,
		Warnings:    warnings,
		Tool:        docpack.Tool{Name: "doctown", Version: b.opts.ToolVersion},
	}
}

// kindCounts counts the symbols of each kind. A build's kinds are the few
// constants of docpack.Kind: each symbol's is matched to those seen so far
// by where its bytes are, and the counts are merged by value at the end,
// rather than every kind hashed into the map (winapi's 145,302 symbols: 7 ms
// → ~1 ms, at the package stage's start, before its workers are busy).
// Kinds not among the first maxKinds seen go to the map one by one.
func kindCounts(symbols []docpack.Symbol) map[docpack.Kind]int {
	const maxKinds = 32
	type seen struct {
		kind  docpack.Kind
		count int
	}
	var kinds []seen
	counts := map[docpack.Kind]int{}
next:
	for i := range symbols {
		k := symbols[i].SymbolType
		for j := range kinds {
			if len(kinds[j].kind) == len(k) && unsafe.StringData(string(kinds[j].kind)) == unsafe.StringData(string(k)) {
				kinds[j].count++
				continue next
			}
		}
		if len(kinds) < maxKinds {
			kinds = append(kinds, seen{k, 1})
		} else {
			counts[k]++
		}
	}
	for _, s := range kinds {
		counts[s.kind] += s.count
	}
	return counts
}

func uniqueSorted(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	sort.Strings(s)
	out := s[:1]
	for _, v := range s[1:] {
		if v != out[len(out)-1] {
			out = append(out, v)
		}
	}
	return out
}

// safeFileName keeps a name usable as a file name.
func safeFileName(name string) string {
	name = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '-'
	}, name)
	name = strings.Trim(name, ".-")
	if name == "" {
		return "docpack"
	}
	return name
}
