package rust

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/doctown/doctown/pipeline/rust/macros"
)

// scanMacros collects the macro_rules! definitions of a crate before its
// module tree is parsed, so that a call can be expanded wherever it is
// (textual scope crosses files: `#[macro_use] mod macros;` comes first in
// lib.rs, the calls are in later modules). It reads the .rs files under the
// directory of the crate root that mention macro_rules, and lexes them; a
// file that does not lex (mismatched delimiters) gives a warning: its
// definitions are not known, and its calls are read as items as written.
// files is the number of .rs files it walked: the parse stage's expected
// total before the module tree is known.
//
// The files are read and lexed by up to workers goroutines (winapi's 404
// files, 6.9 MB, were read one by one before its first file was parsed);
// their definitions go into the table in the walk's order, each file's as
// soon as it and those before it are lexed, while the workers lex on. sizes are the
// bytes of the files read, by absolute path.
func scanMacros(ctx context.Context, root string, c Crate, maxSize int64, workers int) (exp *macros.Expander, warns []Warning, files int, sizes map[string]int64) {
	table := macros.NewTable()
	dir := filepath.Dir(c.Root)
	var paths []string
	walkRustFiles(ctx, dir, maxSize, nil, func(path string) bool {
		paths = append(paths, path)
		return true
	})
	files = len(paths)
	// The dependencies are found (their manifests and the registries read)
	// while the crate's files are lexed.
	depsDone := make(chan []string, 1)
	go func() { depsDone <- dependencyDirs(c, root) }()
	type lexed struct {
		toks []macros.Token
		err  error
		ok   bool // the file mentions macro_rules and was lexed
		size int64
	}
	var callsStd atomic.Bool
	sizes = make(map[string]int64, len(paths))
	inOrder(ctx, len(paths), workers, func(buf *sourceBuf, i int) (l lexed) {
		src, err := buf.read(paths[i])
		if err != nil {
			return l
		}
		l.size = int64(len(src))
		if !callsStd.Load() && mentionsStdMacro(src) {
			callsStd.Store(true)
		}
		if bytes.Contains(src, []byte("macro_rules")) {
			l.toks, l.err = macros.LexDefs(string(src), 1)
			l.ok = true
		}
		return l
	}, func(i int, l lexed) bool {
		if abs, err := filepath.Abs(paths[i]); err == nil && l.size > 0 {
			sizes[abs] = l.size
		}
		if !l.ok {
			return true
		}
		if l.err != nil {
			var le *macros.LexError
			line := 0
			if errors.As(l.err, &le) {
				line = le.Line
			}
			warns = append(warns, Warning{File: relPath(root, paths[i]), Line: line,
				Message: "macro definitions in this file not read: " + strings.TrimPrefix(l.err.Error(), "line "+itoa(line)+": ")})
			return true
		}
		table.ScanFile(relPath(root, paths[i]), l.toks)
		return true
	})
	deps := <-depsDone
	if table.Len() == 0 && len(deps) == 0 && !callsStd.Load() {
		return nil, warns, files, sizes
	}
	// What the crate does not define comes from its dependencies, then std.
	table.Extern = func() []*macros.Def {
		var defs []*macros.Def
		if len(deps) > 0 {
			defs = dependencyMacros(ctx, deps, maxSize, workers)
		}
		return append(defs, stdMacroDefs()...)
	}
	exp = &macros.Expander{Table: table, Limits: macros.DefaultLimits}
	// Macros that define macros (petgraph's trait_template!): their calls
	// are expanded here, once, for the definitions they make.
	if definers := table.Definers(); len(definers) > 0 {
		var buf sourceBuf
		for _, path := range paths {
			if ctx.Err() != nil {
				break
			}
			src, err := buf.read(path)
			if err != nil || !mentionsCall(src, definers) {
				continue
			}
			if toks, err := macros.Lex(string(src), 1); err == nil {
				exp.ScanExpanded(relPath(root, path), toks, definers)
			}
		}
	}
	return exp, warns, files, sizes
}

// registryRoots are where cargo (and Debian) keep crate sources: the
// registries under CARGO_HOME (default ~/.cargo), then Debian's.
func registryRoots() []string {
	home := os.Getenv("CARGO_HOME")
	if home == "" {
		if h, err := os.UserHomeDir(); err == nil {
			home = filepath.Join(h, ".cargo")
		}
	}
	var roots []string
	if home != "" {
		roots, _ = filepath.Glob(filepath.Join(home, "registry", "src", "*"))
	}
	return append(roots, "/usr/share/cargo/registry")
}

// dependencyDirs finds the sources of a crate's dependencies in the local
// registries (findDependencies: the Cargo.lock version, else the highest
// that satisfies the requirement, else the highest there is: the macros of
// one crate's versions rarely differ in the items they make). Only the
// dependencies cargo builds in the crate's configuration count: an optional
// one no enabled feature turns on, or a [target] one of another target
// (tokio's winapi on Linux, 6.9 MB of sources), has no macros to call.
func dependencyDirs(c Crate, root string) []string {
	var dirs []string
	for _, d := range findDependencies(c, root, c.cfg) {
		if d.Active && d.Dir != "" && !slices.Contains(dirs, d.Dir) {
			dirs = append(dirs, d.Dir)
		}
	}
	return dirs
}

// versionLess compares dotted versions numerically (1.9.0 < 1.10.0).
func versionLess(a, b string) bool {
	as, bs := strings.FieldsFunc(a, func(r rune) bool { return r == '.' || r == '-' || r == '+' }),
		strings.FieldsFunc(b, func(r rune) bool { return r == '.' || r == '-' || r == '+' })
	for i := 0; i < min(len(as), len(bs)); i++ {
		x, errX := strconv.Atoi(as[i])
		y, errY := strconv.Atoi(bs[i])
		switch {
		case errX == nil && errY == nil && x != y:
			return x < y
		case (errX != nil || errY != nil) && as[i] != bs[i]:
			return as[i] < bs[i]
		}
	}
	return len(as) < len(bs)
}

// maxDependencyMacroBytes bounds the dependency sources read for macros.
const maxDependencyMacroBytes = 64 << 20

// dependencyMacros reads the macro_rules! definitions of the dependency
// crates in dirs (their .rs files that define macros; the exported ones are
// what a call of the crate finds, the others what those call), read and
// lexed by up to workers goroutines. Files that do not lex are skipped: a
// dependency's problem is not the crate's.
func dependencyMacros(ctx context.Context, dirs []string, maxSize int64, workers int) []*macros.Def {
	table := macros.NewTable()
	type file struct{ dir, path string }
	var files []file
	for _, dir := range dirs {
		walkRustFiles(ctx, dir, maxSize, notLibSource, func(path string) bool {
			files = append(files, file{dir, path})
			return true
		})
	}
	// The files are read and lexed on the workers (the first call of a macro
	// the crate does not define waits for this: syn's parsers, both), their
	// definitions scanned here in the walk's order.
	type lexed struct {
		toks   []macros.Token
		size   int64
		export bool // the file has #[macro_export]
		lexed  bool // and toks are its tokens (nil: it does not lex)
	}
	// Past the byte budget, each further dependency gives its first such
	// file only: those are lexed here, when they come (see use).
	var read int64
	var over atomic.Bool
	full := ""
	lex := func(src []byte) []macros.Token {
		toks, err := macros.LexDefs(string(src), 1)
		if err != nil {
			return nil
		}
		return toks
	}
	inOrder(ctx, len(files), workers, func(buf *sourceBuf, i int) (l lexed) {
		// A file without #[macro_export] gives the crate's callers nothing
		// (the helpers an exported macro calls sit beside it).
		src, err := buf.read(files[i].path)
		if err != nil || !bytes.Contains(src, []byte("macro_export")) {
			return l
		}
		l.size, l.export = int64(len(src)), true
		if !over.Load() {
			l.toks, l.lexed = lex(src), true
		}
		return l
	}, func(i int, l lexed) bool {
		f := files[i]
		if !l.export || f.dir == full {
			return true
		}
		read += l.size
		if !l.lexed {
			var buf sourceBuf
			if src, err := buf.read(f.path); err == nil {
				l.toks = lex(src)
			}
		}
		if l.toks != nil {
			rel, _ := filepath.Rel(f.dir, f.path)
			table.ScanFile(filepath.Base(f.dir)+"/"+filepath.ToSlash(rel), l.toks)
		}
		if read > maxDependencyMacroBytes {
			full = f.dir // the rest of this dependency is left out
			over.Store(true)
		}
		return true
	})
	return table.Defs()
}

// inOrder calls work for every index below n on up to workers goroutines,
// each with a buffer of its own, and use with each result on the calling
// goroutine in index order, as soon as the result and those before it are
// there; at most a few results wait for use at a time. It stops early when
// use returns false or ctx ends.
func inOrder[T any](ctx context.Context, n, workers int, work func(buf *sourceBuf, i int) T, use func(i int, v T) bool) {
	if n == 0 {
		return
	}
	workers = min(max(workers, 1), n)
	res := make([]T, n)
	ready := make([]chan struct{}, n)
	for i := range ready {
		ready[i] = make(chan struct{})
	}
	ahead := make(chan struct{}, 4*workers) // a token per result not yet used
	stop := make(chan struct{})
	var stopped atomic.Bool
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var buf sourceBuf
			for {
				select {
				case ahead <- struct{}{}:
				case <-stop:
					return
				}
				i := int(next.Add(1)) - 1
				if i >= n || stopped.Load() {
					return
				}
				if ctx.Err() == nil {
					res[i] = work(&buf, i)
				}
				close(ready[i])
			}
		})
	}
	for i := range n {
		<-ready[i]
		<-ahead
		v := res[i]
		var zero T
		res[i] = zero
		if ctx.Err() != nil || !use(i, v) {
			break
		}
	}
	stopped.Store(true)
	close(stop)
	wg.Wait()
}

// sourceBuf reads files into one buffer, reused from file to file: the
// macro scans keep nothing of a file but what they lex from it (a copy), so
// a buffer per file, as os.ReadFile gives, is garbage for the collector
// (tokio's dependencies are 5 MB in 170 files). What read returns is valid
// until the next read.
type sourceBuf struct{ b bytes.Buffer }

func (s *sourceBuf) read(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s.b.Reset()
	if _, err := s.b.ReadFrom(f); err != nil {
		return nil, err
	}
	return s.b.Bytes(), nil
}

// notLibSource are directories of a package that hold no library code.
var notLibSource = map[string]bool{"tests": true, "benches": true, "examples": true}

// walkRustFiles calls fn with each regular .rs file under dir of at most
// maxSize bytes, in lexical order, leaving out hidden directories, target/
// and those in skip; it stops when fn returns false or ctx ends.
func walkRustFiles(ctx context.Context, dir string, maxSize int64, skip map[string]bool, fn func(path string) bool) {
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || ctx.Err() != nil {
			return filepath.SkipDir
		}
		if d.IsDir() {
			if path != dir && (strings.HasPrefix(d.Name(), ".") || d.Name() == "target" || skip[d.Name()]) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".rs") || !d.Type().IsRegular() {
			return nil
		}
		if info, err := d.Info(); err != nil || info.Size() > maxSize {
			return nil
		}
		if !fn(path) {
			return filepath.SkipAll
		}
		return nil
	})
}

// mentionsCall reports whether src has the text `name!` of one of names.
func mentionsCall(src []byte, names map[string]bool) bool {
	for n := range names {
		if bytes.Contains(src, []byte(n+"!")) {
			return true
		}
	}
	return false
}

// line is the line in the real file of byte offset off of e.src.
func (e *fileExtractor) line(off uint, row uint) int {
	if e.lines != nil {
		return e.lines.At(e.byteBase + int(off))
	}
	return int(row) + 1 + e.lineBase
}

// maxCallBytes bounds the text of a call that is lexed for expansion (the
// expander's own limit, DefaultLimits.Input tokens, is about 1.5 MB).
const maxCallBytes = 2 << 20

// expandCall expands the call m of a macro_rules! macro defined in the crate,
// returning the expansion as source text with the map of its lines, and its
// tokens with the groups the extractor does not read (see opaqueGroups,
// blanked in the text tree-sitter parses). ok is
// false when the macro is not the crate's, or could not be expanded (that
// gives a warning naming it); the caller then reads the call's body as items,
// unless done says the call is settled (too large to read at all).
func (e *fileExtractor) expandCall(name string, m, tt *node) (src string, x *expOut, lines *macros.LineMap, ok, done bool) {
	if e.exp == nil || strings.HasSuffix(name, "cfg_if") {
		// cfg_if! is read by the cfg evaluation, which takes the one true
		// arm; expanding it would give every arm under its #[cfg].
		return "", nil, nil, false, false
	}
	callLine := e.line(m.StartByte(), m.StartPosition().Row)
	warn := func(msg string) {
		e.out.warnings = append(e.out.warnings, Warning{File: e.rel, Line: callLine, Message: msg})
	}
	def := e.exp.Table.Lookup(name, e.rel, callLine)
	if def == nil {
		if err := e.exp.Table.Bad(name); err != nil {
			warn("macro " + name + " not expanded: its definition does not parse: " + err.Error())
		}
		return "", nil, nil, false, false
	}
	if n := tt.EndByte() - tt.StartByte(); n > maxCallBytes {
		warn("macro " + name + " not expanded: the call is " + itoa(int(n)) + " bytes, over the limit of " + itoa(maxCallBytes) + "; its items are left out")
		return "", nil, nil, false, true
	}
	xb := e.tr.expBufs()
	toks, err := macros.LexInto(e.text(tt), e.line(tt.StartByte(), tt.StartPosition().Row), &xb.lex)
	if err != nil || len(toks) != 1 || toks[0].Kind != macros.Group {
		msg := "its input is not a token tree"
		if err != nil {
			msg += " (" + err.Error() + ")"
		}
		warn("macro " + name + " not expanded: " + msg)
		return "", nil, nil, false, false
	}
	input := toks[0].Kids
	if e.lines != nil {
		// Inside an expansion the text's own lines mean nothing: the call's
		// tokens all sit on the line the call maps to.
		relabel(input, callLine)
	}
	out, err := e.exp.ExpandIn(&xb.arena, name, input, e.rel, callLine)
	if err != nil {
		warn(err.Error() + "; its items were read from the call's body as written")
		return "", nil, nil, false, false
	}
	if def.File == stdMacroFile {
		// rustdoc spans what a std macro makes at the call (thread_local!'s
		// constants start on the thread_local! line).
		relabel(out, callLine)
	}
	at := len(xb.offs)
	text, lm := macros.RenderOffsets(out, &xb.offs)
	return text, &expOut{toks: out, offs: xb.offs[at:len(xb.offs):len(xb.offs)]}, lm, true, true
}

// expOut is an expansion's tokens, and the spans of its rendering that
// tree-sitter reads blanked (see opaqueGroups), found only when the tokens
// cannot be read as items directly (tokItems).
type expOut struct {
	toks  []macros.Token
	offs  []int32 // where the tokens are in the text (macros.RenderOffsets)
	spans []macros.Span
}

// expBufs hold the tokens of a file's macro calls, as lexed, and of their
// expansions, from a call in the file itself until the walk of its items is
// done (tokenTreeItems at depth 0 resets them; nothing the walk makes points
// into them: it reads the expansion's text). Reused, they spare the
// collector the garbage of each expansion: winapi's extraction made 138 MB
// of expansion tokens and 40 MB of lexed calls.
type expBufs struct {
	arena macros.Arena
	lex   []macros.Token
	offs  []int32
}

// expBufPool holds expBufs between files.
var expBufPool = sync.Pool{New: func() any { return new(expBufs) }}

// expBufs are r's, taken from the pool at the first call.
func (r *treeReader) expBufs() *expBufs {
	if r.exp == nil {
		r.exp = expBufPool.Get().(*expBufs)
	}
	return r.exp
}

// reset empties b once nothing uses its tokens.
func (b *expBufs) reset() {
	b.arena.Reset()
	clear(b.lex)
	b.lex, b.offs = b.lex[:0], b.offs[:0]
}

func relabel(toks []macros.Token, line int) {
	for i := range toks {
		toks[i].Line, toks[i].EndLine = line, line
		relabel(toks[i].Kids, line)
	}
}
