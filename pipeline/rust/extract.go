// Package rust finds the crates of a Cargo project and extracts their public
// API as docpack symbols. It parses Rust with tree-sitter (one parser per
// worker, files in parallel), follows each crate's module tree from its root
// file, re-parses the bodies of item-level macro calls (tokio's cfg_rt! { … }),
// and decides what is public the way rustdoc does as far as syntax allows:
// `pub` items reachable through `pub` modules, plus `pub use` re-exports.
package rust

import (
	"cmp"
	"container/heap"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	ts "github.com/tree-sitter/go-tree-sitter"
	"golang.org/x/sync/errgroup"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/internal/gctune"
	"github.com/doctown/doctown/pipeline/rust/macros"
	"github.com/doctown/doctown/pipeline/rust/stddocs"
)

// maxMounts is the most module paths one file is parsed as.
const maxMounts = 8

// CollectBeforeCopy is the size of a crate's symbols (their
// docpack.Symbol structs) above which the garbage of resolving it is
// collected before they are copied (see symbolValues): some 40,000 symbols.
const CollectBeforeCopy = 16 << 20

// DefaultMaxFileSize is the file size above which files are skipped.
const DefaultMaxFileSize = 4 << 20

// Options tunes Extract.
type Options struct {
	IncludePrivate bool  // keep private / unreachable items too
	IncludeHidden  bool  // keep #[doc(hidden)]
	Workers        int   // files parsed in parallel; <=0 means GOMAXPROCS
	MaxFileSize    int64 // default 4 MiB; larger files are skipped with a warning
	// Build is the configuration #[cfg] is evaluated in (see BuildConfig).
	Build BuildConfig
	// OnFile is called after each file is parsed; it may be nil. Calls are
	// serialized, so it needs no locking of its own.
	OnFile func(done, total int, path string)
	// plain extracts as doctown did before the compiler's view: every #[cfg]
	// kept, macro calls read as written, no derives. It is the baseline of
	// the speed budget (BenchmarkExtractPlain), nothing else.
	plain bool
	// inline extracts the dependencies whose items re-exports inline
	// (foreign.go), shared by the extractions of one build; inlineDepth is
	// how many re-exporting crates this extraction is below the build's.
	inline      *inliner
	inlineDepth int
	// sigs is the extraction's cache of printed signatures.
	sigs *sigCache
	// noInline leaves re-exported items of other crates out: the baseline
	// of their cost (BenchmarkExtractReexportsNoInline), nothing else.
	noInline bool
}

// Warning is a problem with one file that did not stop extraction.
type Warning struct {
	File    string // relative to the repository root, forward slashes
	Line    int    // 1-based; 0 when it concerns the whole file
	Message string
}

func (w Warning) String() string {
	if w.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", w.File, w.Line, w.Message)
	}
	return w.File + ": " + w.Message
}

// Result is the output of Extract.
type Result struct {
	Symbols  []docpack.Symbol // sorted by crate, file, line, path, kind
	Warnings []Warning
	Files    int      // files parsed
	Bytes    int64    // bytes parsed
	Paths    []string // the files parsed, relative to the repository root, sorted
	// Configs are the build configurations the crates were extracted with.
	Configs []CrateConfig
}

// Extract parses the module tree of each crate, starting at Crate.Root and
// following `mod x;` declarations (x.rs, x/mod.rs, #[path = "…"], nested
// directories of non-mod-rs files), and returns the symbols. repoRoot is used
// to make file paths relative. Files are parsed concurrently, at most
// opts.Workers at a time; each parsed file queues the module files it declares.
func Extract(ctx context.Context, repoRoot string, crates []Crate, opts Options) (*Result, error) {
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = DefaultMaxFileSize
	}
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		return nil, fmt.Errorf("extract: %w", err)
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, fmt.Errorf("extract: %w", err)
	}
	if err := checkFeatures(crates, opts.Build); err != nil {
		return nil, err
	}
	// Resolving reads the standard library's trait docs (inheritDocs): the
	// table is decoded while the files are parsed, not after (~5 ms on one
	// goroutine at the end of every crate's build).
	go stddocs.Load()
	g := loadGrammar()

	// Each parser lives on a goroutine locked to an OS thread of its own,
	// which takes the files to parse from the queue itself. Parsing on
	// whatever thread a job's goroutine happens to be on spreads a parser's
	// allocations (and the frees of its trees) over the C allocator's
	// per-thread caches, which made each parse slower than the same parse
	// done in a loop.
	q := newParseQueue()
	var workers sync.WaitGroup
	defer func() {
		q.close()
		workers.Wait()
	}()
	for i := 0; i < opts.Workers; i++ {
		p := ts.NewParser()
		if err := p.SetLanguage(g.lang); err != nil {
			p.Close()
			return nil, fmt.Errorf("extract: set language: %w", err)
		}
		workers.Add(1)
		go func() {
			defer workers.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			defer p.Close()
			for {
				cp, j, sp, ok := q.take()
				if !ok {
					return
				}
				if ctx.Err() != nil {
					continue // nothing is parsed once cancelled; Extract returns
				}
				switch {
				case sp == nil:
					cp.done(q, parseFile(ctx, g, p, root, realRoot, cp.c, j, opts, cp.exp, cp.lists))
				case sp.out != nil: // a guess parsed before its module was declared
					sp.out.job = j
					cp.done(q, sp.out)
				default:
					cp.guessDone(q, sp, parseFile(ctx, g, p, root, realRoot, cp.c, sp.job, opts, cp.exp, cp.lists))
				}
			}
		}()
	}

	// Crates are parsed and resolved concurrently: the parser pool bounds the
	// real parallelism, and a workspace never waits on one crate's module tree
	// (which starts with a single root file) or its resolve step.
	crates = slices.Clone(crates)
	configs := make([]CrateConfig, len(crates))
	var cfgWarns []Warning
	for ci := range crates {
		set, docs, conf, warns := crateSet(crates[ci], opts.Build)
		if opts.plain {
			set, docs = nil, nil
		}
		crates[ci].cfg, crates[ci].docs, configs[ci] = set, docs, conf
		for _, w := range warns {
			cfgWarns = append(cfgWarns, Warning{File: relPath(root, filepath.Join(crates[ci].Dir, "Cargo.toml")), Message: w})
		}
	}
	prog := &fileProgress{onFile: opts.OnFile}
	outs := make([][]*fileOut, len(crates))
	syms := make([][]docpack.Symbol, len(crates))
	inlineWarns := make([][]Warning, len(crates))
	if opts.inline == nil && !opts.plain && !opts.noInline {
		opts.inline = newInliner()
	}
	opts.sigs = &sigCache{}
	eg, gctx := errgroup.WithContext(ctx)
	for ci, c := range crates {
		eg.Go(func() error {
			o, err := parseCrate(gctx, q, root, c, opts, prog)
			if err != nil {
				return err
			}
			outs[ci] = o
			kept, fe := resolveCrate(c, ci, o, opts)
			syms[ci] = symbolValues(c.Name, kept, opts.Workers)
			if opts.inline != nil {
				syms[ci], inlineWarns[ci] = opts.inline.inline(gctx, c, root, syms[ci], fe, opts)
			}
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	prog.finish()
	res := &Result{Configs: configs, Warnings: cfgWarns}
	if len(crates) > 1 {
		// A workspace's symbols are copied into one slice made at its size.
		n := 0
		for _, s := range syms {
			n += len(s)
		}
		res.Symbols = make([]docpack.Symbol, 0, n)
	}
	for ci := range crates {
		if crates[ci].cfg == nil {
			// plain: nothing evaluated
		} else if u := crates[ci].cfg.Unknown(); len(u) > 0 {
			for _, msg := range unknownCfgWarnings(u, configs[ci]) {
				res.Warnings = append(res.Warnings, Warning{File: relPath(root, filepath.Join(crates[ci].Dir, "Cargo.toml")), Message: msg})
			}
		}
		for _, o := range outs[ci] {
			res.Warnings = append(res.Warnings, o.warnings...)
			if o.parsed {
				res.Files++
				res.Bytes += o.bytes
				res.Paths = append(res.Paths, o.rel)
			}
		}
		res.Warnings = append(res.Warnings, inlineWarns[ci]...)
		if w, ok := rootOffWarning(crates[ci], configs[ci], outs[ci]); ok {
			res.Warnings = append(res.Warnings, w)
		} else if w, ok := sparseWarning(root, crates[ci], outs[ci], syms[ci], opts.MaxFileSize); ok {
			res.Warnings = append(res.Warnings, w)
		}
		if len(crates) == 1 {
			res.Symbols = syms[ci] // a crate's symbols are not copied
		} else {
			res.Symbols = append(res.Symbols, syms[ci]...)
			syms[ci] = nil
		}
	}
	finish(res)
	return res, nil
}

// symbolValues makes the symbols a crate keeps, in one slice, of their
// items' parsed parts (itemSym) and what resolving decided (keptSym): they
// are the only docpack.Symbols of the crate, the items and the resolver's
// maps being garbage once the crate is resolved. When the slice is large,
// that garbage is collected first and its pages given back, so that the
// slice does not stand on it (winapi with every feature: 145,198 symbols,
// 58 MB, on a heap of ~370 MB; the peak RSS ~450 → ~360 MB). A small
// crate's, or one of a workspace's many, is not worth a collection of its
// own.
//
// Until session 10 the items carried whole docpack.Symbols, copied here:
// winapi's items' parts are 22 MB smaller (256 bytes each, not 416), and
// its live heap is 136 → 115 MB once parsed, 166 → 143 MB at the resolve's
// most and 181 → 171 MB while the symbols are made; with the memory limit
// at 200 MiB its peak RSS is 243–250 → 223–238 MB (medians of 6: 246 →
// 229 MB) for no more CPU (3.45 → 3.37 s user). Made in two
// halves with the collection and the pages given back between them, to
// let go of the first half's parts before the second is written: the same
// peak RSS (227–233 against 232–233 MB at a 192 MiB limit), 0.1 s more CPU;
// with the whole symbols copied, letting go of each as it was copied
// (for the collection that the slice starts to free it): +10 MB.
//
// Measured and dropped (session 9, winapi with every feature, workers 2,
// alternating, medians of 3–9 against the same code built alike): the
// symbols moved into a slice made in resolveCrate's last loop (no pointer
// copy after it) peaks 30 MB higher (280–286 MB), the resolver's tables
// being live with both copies; no collection, or runtime.GC without giving
// pages back, the same peak and CPU; the slice made before the collection
// (so that its 58 MB do not start a collection the copy then runs under,
// through the write barrier) makes the copy 190–420 → 37–63 ms, but the
// collection comes in the package stage instead: the same wall and CPU end
// to end, and 1 run in 3–5 peaks at ~279 MB; the collector off during the
// copy, +7 MB. The peak is the memory limit's (internal/cli/build.go), as
// reached while resolving as after this copy (RSS sampled: 233–235 MB both).
//
// The memory limit is lifted for the copy itself (session 10): the heap is
// all live then, so the collections the limit ran under it freed nothing
// (gctrace 175->175->175 MB) while the scavenger gave pages back that the
// copy faulted in again; the limit, restored after, collects the resolver's
// tables at the next allocation. winapi with every feature, workers 2,
// alternating 5 runs each: wall 1.61–1.70 → 1.46–1.53 s, system time
// 0.53–0.67 → 0.30–0.37 s, the same peak RSS (224–228 against 224–226 MB).
// copyUnlimited lifts the memory limit while symbolValues copies; the builds
// of one process share it.
var copyUnlimited = gctune.Setting{
	Set: debug.SetMemoryLimit,
	To:  math.MaxInt64,
}

func symbolValues(crate string, res *resolved, workers int) []docpack.Symbol {
	kept := res.kept
	if uintptr(len(kept))*unsafe.Sizeof(docpack.Symbol{}) >= CollectBeforeCopy {
		debug.FreeOSMemory()
		defer copyUnlimited.Hold()()
	}
	out := make([]docpack.Symbol, len(kept))
	inParallel(len(kept), workers, func(i int) {
		k := &kept[i]
		s := k.sym
		av := res.avail[k.owner]
		// An item's hash is that of its source text, made for the symbols
		// kept only, here rather than while the crate is parsed or resolved:
		// the items' 64-byte hex strings were live through the resolve
		// (winapi: ~9.5 MB of its peak heap), then beside the resolver's
		// tables at its end; the derives' and the root's are set where
		// they are made.
		hash := s.SourceHash
		if hash == "" {
			hash = sha256Hex(s.Source)
		}
		out[i] = docpack.Symbol{
			ID: k.id, Name: s.Name, Path: k.path, Crate: crate, SymbolType: s.SymbolType, Visibility: s.Visibility,
			Signature: s.Signature, Parameters: s.Parameters, ReturnType: s.ReturnType, Generics: s.Generics,
			File: s.File, Line: s.Line, EndLine: s.EndLine, DocComments: s.DocComments, Attributes: s.Attributes,
			Parent: k.parent, Dependencies: s.Dependencies, SourceHash: hash,
			HasDefault: s.HasDefault, PrivateFields: s.PrivateFields, Cfg: av[0], DocCfg: av[1], Source: s.Source,
		}
		if m := k.more; m != nil {
			out[i].PublicPaths, out[i].InheritedDoc, out[i].InheritedFrom = m.publicPaths, m.inheritedDoc, m.inheritedFrom
		}
	})
	return out
}

// rootOffWarning says that a crate is empty because its root's #![cfg(…)]
// is false in the build configuration (winapi's #![cfg(windows)] built for
// Linux), rather than letting sparseWarning guess at a cause.
func rootOffWarning(c Crate, conf CrateConfig, outs []*fileOut) (Warning, bool) {
	for _, o := range outs {
		if o.job.decl != nil {
			continue
		}
		if a := falseCfg(c.cfg, o.innerAttrs); a != "" {
			return Warning{File: o.rel, Message: fmt.Sprintf("crate %s: its root's %s is false for target %s, so the crate is empty in this build and its modules were not read (--target chooses another)", c.Name, a, conf.Target)}, true
		}
	}
	return Warning{}, false
}

// fileProgress counts files across the crates parsed at once and serializes
// the OnFile callback. The total it reports is the larger of the files queued
// so far and the .rs files found under the crates' source directories: the
// module tree is discovered as its files are parsed (winapi's lib.rs names 5
// modules, their files 403), so the queued count alone would make the total
// jump and the progress go backwards.
type fileProgress struct {
	mu                    sync.Mutex
	done, total, expected int
	onFile                func(done, total int, path string)
}

func (p *fileProgress) expect(n int) {
	p.mu.Lock()
	p.expected += n
	p.mu.Unlock()
}

func (p *fileProgress) queued() {
	p.mu.Lock()
	p.total++
	p.mu.Unlock()
}

func (p *fileProgress) parsed(rel string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	if p.onFile != nil {
		p.onFile(p.done, max(p.total, p.expected), rel)
	}
}

// finish reports the files parsed as the final total: files under the source
// directory that no module declares (a bin, a cfg'd-out module) are not parsed.
func (p *fileProgress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.onFile != nil && p.done != max(p.total, p.expected) {
		p.onFile(p.done, p.done, "")
	}
}

// parseQueue holds the module files waiting for a parser, of every crate
// being parsed. The parsers take them themselves, one after another, and
// queue the module files each declares: a file goes from one parse to the
// next on the same thread, and a parser's thread sleeps only when there is
// nothing to parse (handing each file to a locked thread and its result
// back cost two thread wake-ups per file, ~5% of winapi's parse on 2 cores
// and more under load).
//
// The largest job goes first: a file's own bytes and those under the
// directory of its module files, a guess of what parsing it leads to.
// Taken in the order declared, gimli's read/cfi.rs (266 KB, its largest)
// came last and was parsed while the other parser had nothing to do.
type parseQueue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	jobs   jobHeap
	seq    int // jobs queued so far: equal weights go first come, first served
	closed bool
	// guessing are the crates whose root file is being parsed, with module
	// files to guess (see crateParse.guesses).
	guessing []*crateParse
}

type queuedJob struct {
	cp     *crateParse
	job    modJob
	weight int64
	seq    int
	guess  *guess // the module's file parsed already, as a guess
}

// guess is a module file parsed before the module is known to exist: while
// a crate's root file is parsed, nothing else is (syn's lib.rs, 32 KB, was
// ~10 ms of one parser with the other idle), so an idle parser parses the
// largest files that the root's `mod x;` items would name in the default
// layout (x.rs, x/mod.rs beside the root) as those modules. A guess the
// root does declare, with the same module path and directory, is the
// module's parse (parseFile reads nothing else of the job); the others are
// dropped. Its fields are guarded by the queue's mutex.
type guess struct {
	job     modJob // without decl
	out     *fileOut
	adopted *modJob // the job that declared it while it was parsed
}

// jobHeap is a max-heap of jobs by weight, then by queueing order.
type jobHeap []queuedJob

func (h jobHeap) Len() int { return len(h) }
func (h jobHeap) Less(i, j int) bool {
	return h[i].weight > h[j].weight || h[i].weight == h[j].weight && h[i].seq < h[j].seq
}
func (h jobHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *jobHeap) Push(x any)   { *h = append(*h, x.(queuedJob)) }
func (h *jobHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func newParseQueue() *parseQueue {
	q := &parseQueue{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// take waits for a job; ok is false once the queue is closed. With none
// queued, it gives a guess to parse (sp.out nil) if a root file is being
// parsed; a job whose file was a guess comes with it (sp.out set).
func (q *parseQueue) take() (cp *crateParse, j modJob, sp *guess, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.jobs) == 0 && !q.closed {
		if cp, sp := q.nextGuess(); sp != nil {
			return cp, sp.job, sp, true
		}
		q.cond.Wait()
	}
	if q.closed {
		return nil, modJob{}, nil, false
	}
	next := heap.Pop(&q.jobs).(queuedJob)
	return next.cp, next.job, next.guess, true
}

// nextGuess takes the next module file to guess of a crate whose root is
// being parsed; the queue's mutex is held.
func (q *parseQueue) nextGuess() (*crateParse, *guess) {
	for len(q.guessing) > 0 {
		cp := q.guessing[0]
		for len(cp.guesses) > 0 && !cp.rootDone {
			j := cp.guesses[0]
			cp.guesses = cp.guesses[1:]
			key := j.abs + "\x00" + j.modPath
			if cp.seen[key] {
				continue
			}
			sp := &guess{job: j}
			cp.guessed[key] = sp
			return cp, sp
		}
		q.guessing = q.guessing[1:]
	}
	return nil, nil
}

func (q *parseQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.cond.Broadcast()
}

// crateParse is the module tree of one crate as it is parsed. Its fields
// but c and exp are guarded by the queue's mutex.
type crateParse struct {
	c   Crate
	exp *macros.Expander
	// lists shares the lists of the crate's items (see listCache); its
	// table is garbage once the crate is parsed, before it is resolved.
	lists *listCache
	prog  *fileProgress
	// sizes are the bytes of the crate's files, subtree those of the files
	// under each directory (scanMacros read them all): a job's weight.
	sizes, subtree map[string]int64
	// A file is parsed once per module it is mounted as: std's os/wasi/ffi.rs
	// and os/unix/ffi.rs both mount unix/ffi/os_str.rs with #[path], and
	// rustc reads it for each (keyed by file alone, the module reached first
	// took it and the other came out empty, depending on scheduling).
	// mounts bounds how often one file is mounted, against #[path] cycles.
	seen    map[string]bool
	mounts  map[string]int
	pending int
	// guesses are the module files guessed from the layout, largest first,
	// parsed while the root is (rootDone false); guessed are those taken,
	// by file and module path, until a job takes or drops each.
	guesses  []modJob
	guessed  map[string]*guess
	rootDone bool
	outs     []*fileOut
	finished chan struct{} // closed when no file is pending
}

// queue adds module file j of the crate, declared in a file whose module
// files are under parentDir; the queue's mutex is held.
func (cp *crateParse) queue(q *parseQueue, j modJob, parentDir string) {
	cp.pending++
	cp.prog.queued()
	key := j.abs + "\x00" + j.modPath
	if sp := cp.guessed[key]; sp != nil {
		delete(cp.guessed, key)
		if sp.job.childDir == j.childDir {
			if sp.out == nil {
				sp.adopted = &j // guessDone queues it when parsed
				return
			}
			// First: the parse is done, what it declares is not queued yet.
			heap.Push(&q.jobs, queuedJob{cp: cp, job: j, weight: math.MaxInt64, seq: q.seq, guess: sp})
			q.seq++
			q.cond.Signal()
			return
		}
	}
	w := cp.sizes[j.abs]
	if j.childDir != parentDir {
		w += cp.subtree[j.childDir] // not its parent's (a #[path] module's)
	}
	heap.Push(&q.jobs, queuedJob{cp: cp, job: j, weight: w, seq: q.seq})
	q.seq++
	q.cond.Signal()
}

// guessDone records the parse of guess sp: the module's if the job that
// declares it came meanwhile, else kept for it until the root is parsed.
func (cp *crateParse) guessDone(q *parseQueue, sp *guess, out *fileOut) {
	q.mu.Lock()
	sp.out = out
	j := sp.adopted
	q.mu.Unlock()
	if j != nil {
		out.job = *j
		cp.done(q, out)
	}
}

// done records a parsed file and queues the module files it declares.
func (cp *crateParse) done(q *parseQueue, out *fileOut) {
	cp.prog.parsed(out.rel)
	q.mu.Lock()
	defer q.mu.Unlock()
	cp.pending--
	cp.outs = append(cp.outs, out)
	if out.job.decl == nil {
		// What the root declares is queued below: the guesses it does not
		// take are dropped.
		cp.rootDone = true
		defer clear(cp.guessed)
	}
	// A module whose file starts with a false #![cfg(…)] is not in this
	// build, nor is anything under it (resolveCrate leaves them out): its
	// module files are not read. winapi's root has #![cfg(windows)]: built
	// for Linux with every feature, its 403 other files (6.6 MB) were parsed
	// for nothing.
	if attrsOn(cp.c.cfg, out.innerAttrs) {
		for _, ch := range out.children {
			key := ch.abs + "\x00" + ch.modPath
			if cp.seen[key] || cp.mounts[ch.abs] >= maxMounts {
				continue
			}
			cp.seen[key] = true
			cp.mounts[ch.abs]++
			cp.queue(q, ch, out.job.childDir)
		}
	}
	if cp.pending == 0 {
		close(cp.finished)
	}
}

// parseCrate parses the module tree of one crate: it queues the root file,
// whose parse queues the module files it declares, and so on, and waits
// until none is left.
func parseCrate(ctx context.Context, q *parseQueue, root string, c Crate, opts Options, prog *fileProgress) ([]*fileOut, error) {
	exp, macroWarns, files, sizes := scanMacros(ctx, root, c, opts.MaxFileSize, opts.Workers)
	if opts.plain {
		exp = nil
	}
	prog.expect(files)
	subtree := map[string]int64{}
	for p, n := range sizes {
		for d := filepath.Dir(p); ; d = filepath.Dir(d) {
			subtree[d] += n
			if d == filepath.Dir(d) {
				break
			}
		}
	}
	cp := &crateParse{c: c, exp: exp, lists: &listCache{}, prog: prog, sizes: sizes, subtree: subtree, seen: map[string]bool{}, mounts: map[string]int{}, finished: make(chan struct{}),
		guessed: map[string]*guess{}}
	rootAbs, _ := filepath.Abs(c.Root)
	if opts.Workers > 1 {
		cp.guesses = layoutGuesses(rootAbs, sizes, subtree)
	}
	q.mu.Lock()
	cp.seen[rootAbs+"\x00"] = true
	cp.mounts[rootAbs] = 1
	cp.queue(q, modJob{abs: rootAbs, childDir: filepath.Dir(rootAbs)}, "")
	if len(cp.guesses) > 0 {
		q.guessing = append(q.guessing, cp)
		q.cond.Broadcast() // a parser waiting for a job can guess
	}
	q.mu.Unlock()
	select {
	case <-cp.finished:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cp.lists.drop()
	outs := cp.outs
	if len(outs) > 0 {
		outs[0].warnings = append(outs[0].warnings, macroWarns...)
	}
	// Deterministic order whatever the scheduling was.
	slices.SortFunc(outs, func(a, b *fileOut) int {
		return cmp.Or(cmp.Compare(a.rel, b.rel), cmp.Compare(a.job.modPath, b.job.modPath))
	})
	return outs, nil
}

// layoutGuesses are the module files a crate root at rootAbs would declare
// in the default layout (x.rs or x/mod.rs beside it for `mod x;`), of the
// files sized, the largest job first (as the queue weighs them).
func layoutGuesses(rootAbs string, sizes, subtree map[string]int64) []modJob {
	rootDir := filepath.Dir(rootAbs)
	var jobs []modJob
	for abs := range sizes {
		dir, base := filepath.Split(abs)
		dir = filepath.Clean(dir)
		var j modJob
		switch {
		case dir == rootDir && abs != rootAbs && base != "lib.rs" && base != "main.rs":
			name := strings.TrimSuffix(base, ".rs")
			j = modJob{abs: abs, modPath: name, childDir: filepath.Join(rootDir, name)}
		case base == "mod.rs" && filepath.Dir(dir) == rootDir:
			j = modJob{abs: abs, modPath: filepath.Base(dir), childDir: dir}
		default:
			continue
		}
		if identName(j.modPath) {
			jobs = append(jobs, j)
		}
	}
	weight := func(j modJob) int64 { return sizes[j.abs] + subtree[j.childDir] }
	slices.SortFunc(jobs, func(a, b modJob) int {
		return cmp.Or(cmp.Compare(weight(b), weight(a)), cmp.Compare(a.abs, b.abs))
	})
	return jobs
}

// identName reports whether s is a Rust identifier of ASCII letters,
// digits and underscores, as a module's file name in the default layout is.
func identName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isIdent(s[i]) {
			return false
		}
	}
	return true
}

func relPath(root, abs string) string {
	r, err := filepath.Rel(root, abs)
	if err != nil {
		return filepath.ToSlash(abs)
	}
	return filepath.ToSlash(r)
}

// parseFile reads, parses and walks one module file.
func parseFile(ctx context.Context, g *grammar, p *ts.Parser, root, realRoot string, c Crate, j modJob, opts Options, exp *macros.Expander, lists *listCache) *fileOut {
	out := &fileOut{job: j, rel: relPath(root, j.abs)}
	warn := func(line int, msg string) {
		out.warnings = append(out.warnings, Warning{File: out.rel, Line: line, Message: msg})
	}
	real, err := filepath.EvalSymlinks(j.abs)
	if err != nil {
		warn(0, "skipped: "+err.Error())
		return out
	}
	if real != realRoot && !strings.HasPrefix(real, realRoot+string(filepath.Separator)) {
		warn(0, "skipped: resolves outside the repository")
		return out
	}
	st, err := os.Stat(real)
	if err != nil {
		warn(0, "skipped: "+err.Error())
		return out
	}
	if st.Size() > opts.MaxFileSize {
		warn(0, fmt.Sprintf("skipped: file is %d bytes, over the %d byte limit", st.Size(), opts.MaxFileSize))
		return out
	}
	src, err := os.ReadFile(real)
	if err != nil {
		warn(0, "skipped: "+err.Error())
		return out
	}
	if !utf8.Valid(src) {
		warn(0, "skipped: not valid UTF-8")
		return out
	}
	if ctx.Err() != nil {
		return out
	}
	tree := parseText(p, src)
	if tree == nil {
		warn(0, "skipped: parse failed")
		return out
	}
	defer tree.Close()
	out.parsed = true
	out.bytes = int64(len(src))
	out.lines = strings.Count(string(src), "\n") + 1
	if len(src) > 0 && src[len(src)-1] == '\n' {
		out.lines--
	}
	rootNode := tree.RootNode()
	if rootNode.HasError() {
		if n := firstError(rootNode); n != nil {
			warn(int(n.StartPosition().Row)+1, "syntax error; items were extracted from what the parser recovered")
		}
	}
	e := newFileExtractor(g, p, src, out, filepath.Dir(j.abs))
	e.exp = exp
	e.cfg = c.cfg
	e.noDerives = opts.plain
	e.sigs, e.lists = opts.sigs, lists
	defer e.close()
	top := nodeOf(rootNode)
	e.walkListAttrs(&top, j.modPath, j.childDir, nil, "", func(it *rawItem) {
		if it.parent == nil {
			out.items = append(out.items, it)
		}
	}, &out.innerDocs, &out.innerAttrs)
	return out
}

// newFileExtractor prepares the walk of one file's tree; absDir is the
// directory of the real file.
func newFileExtractor(g *grammar, p *ts.Parser, src []byte, out *fileOut, absDir string) *fileExtractor {
	return &fileExtractor{g: g, parser: p, src: src, str: textOf(src), rel: out.rel, absDir: absDir, out: out, tr: &treeReader{}}
}

// firstError returns the first syntax error that can affect the API: errors
// inside function bodies (blocks) do not, and neither do errors in macro token
// trees, where the grammar does not know every token a macro may take (anyhow's
// `~` fuel) and what a macro accepts is the macro's business. Edition-2015 code
// such as serde's `try!(…)` in bodies is valid Rust the grammar rejects.
func firstError(n *ts.Node) *ts.Node {
	cnt := n.ChildCount()
	for i := uint(0); i < cnt; i++ {
		c := n.Child(i)
		switch c.Kind() {
		case "macro_definition", "token_tree", "macro_rule", "block":
			continue
		}
		if c.IsError() || c.IsMissing() {
			return c
		}
		if c.HasError() {
			if e := firstError(c); e != nil {
				return e
			}
		}
	}
	return nil
}

// finish sorts symbols and warnings deterministically.
func finish(res *Result) {
	slices.SortStableFunc(res.Warnings, func(a, b Warning) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Message, b.Message))
	})
	if res.Symbols == nil {
		res.Symbols = []docpack.Symbol{}
	}
	slices.Sort(res.Paths)
	res.Paths = slices.Compact(res.Paths)
}

// listCache shares the string lists of items (attributes, dependencies)
// between the items that have equal ones: an extraction's items have few
// distinct lists (winapi with every feature: 487 lists of attributes for
// 145,302 symbols, nearly all [#[doctown::from_macro(STRUCT)]] and kin, and
// 32,640 of dependencies, ["DWORD"] for 20,372), and each item's own copy
// was a small slice that lived from its file's parse to the docpack's end.
// A shared list's capacity is its length, so that appending to an item's
// list (a re-export's #[cfg]) copies it; nothing writes a list's elements.
// Safe for concurrent use; nil makes each list anew.
type listCache struct {
	mu sync.Mutex
	m  map[string][]string
}

const (
	maxListKey   = 512     // lists whose elements are longer together are not shared
	maxListCache = 1 << 16 // lists remembered at most
	maxListKeys  = 16      // dependency sets larger than this are not shared
)

// noStrings is the empty list every item without one shares.
var noStrings = []string{}

// join is a followed by b, the same slice as an equal list made before.
func (c *listCache) join(a, b []string) []string {
	n := len(a) + len(b)
	if n == 0 {
		return noStrings
	}
	// The key is each element's length, then its bytes: no two lists share
	// one (a separator byte would let ["a\x00b"] stand for ["a", "b"]).
	var buf [maxListKey]byte
	key := buf[:0]
	for _, l := range [2][]string{a, b} {
		for _, s := range l {
			if len(key)+len(s)+binary.MaxVarintLen64 > maxListKey {
				return slices.Clip(slices.Concat(a, b))
			}
			key = append(binary.AppendUvarint(key, uint64(len(s))), s...)
		}
	}
	if c == nil {
		return slices.Clip(slices.Concat(a, b))
	}
	c.mu.Lock()
	out, ok := c.m[string(key)]
	c.mu.Unlock()
	if ok {
		return out
	}
	out = slices.Clip(slices.Concat(a, b))
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string][]string{}
	}
	if len(c.m) < maxListCache {
		c.m[string(key)] = out
	}
	c.mu.Unlock()
	return out
}

// drop lets go of the table once the lists are all made: the items hold
// them, and the table's keys would live as long as the cache.
func (c *listCache) drop() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
