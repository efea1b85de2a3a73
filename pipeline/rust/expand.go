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
// their definitions go into the table in the walk's order. sizes are the
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
	type lexed struct {
		toks []macros.Token
		err  error
		ok   bool // the file mentions macro_rules and was lexed
		size int64
	}
	lex := make([]lexed, len(paths))
	var callsStd atomic.Bool
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(max(workers, 1), len(paths)) {
		wg.Go(func() {
			var buf sourceBuf
			for {
				i := int(next.Add(1)) - 1
				if i >= len(paths) || ctx.Err() != nil {
					return
				}
				src, err := buf.read(paths[i])
				if err != nil {
					continue
				}
				lex[i].size = int64(len(src))
				if !callsStd.Load() && mentionsStdMacro(src) {
					callsStd.Store(true)
				}
				if bytes.Contains(src, []byte("macro_rules")) {
					lex[i].toks, lex[i].err = macros.Lex(string(src), 1)
					lex[i].ok = true
				}
			}
		})
	}
	wg.Wait()
	sizes = make(map[string]int64, len(paths))
	for i, l := range lex {
		if abs, err := filepath.Abs(paths[i]); err == nil && l.size > 0 {
			sizes[abs] = l.size
		}
		if !l.ok {
			continue
		}
		if l.err != nil {
			var le *macros.LexError
			line := 0
			if errors.As(l.err, &le) {
				line = le.Line
			}
			warns = append(warns, Warning{File: relPath(root, paths[i]), Line: line,
				Message: "macro definitions in this file not read: " + strings.TrimPrefix(l.err.Error(), "line "+itoa(line)+": ")})
			continue
		}
		table.ScanFile(relPath(root, paths[i]), l.toks)
		lex[i] = lexed{}
	}
	deps := dependencyDirs(c, root)
	if table.Len() == 0 && len(deps) == 0 && !callsStd.Load() {
		return nil, warns, files, sizes
	}
	// What the crate does not define comes from its dependencies, then std.
	table.Extern = func() []*macros.Def {
		var defs []*macros.Def
		if len(deps) > 0 {
			defs = dependencyMacros(ctx, deps, maxSize)
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
// what a call of the crate finds, the others what those call). Files that do
// not lex are skipped: a dependency's problem is not the crate's.
func dependencyMacros(ctx context.Context, dirs []string, maxSize int64) []*macros.Def {
	table := macros.NewTable()
	var read int64
	var buf sourceBuf
	for _, dir := range dirs {
		name := filepath.Base(dir)
		walkRustFiles(ctx, dir, maxSize, notLibSource, func(path string) bool {
			// A file without #[macro_export] gives the crate's callers nothing
			// (the helpers an exported macro calls sit beside it).
			src, err := buf.read(path)
			if err != nil || !bytes.Contains(src, []byte("macro_export")) {
				return true
			}
			read += int64(len(src))
			if toks, err := macros.Lex(string(src), 1); err == nil {
				rel, _ := filepath.Rel(dir, path)
				table.ScanFile(name+"/"+filepath.ToSlash(rel), toks)
			}
			return read <= maxDependencyMacroBytes
		})
	}
	return table.Defs()
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
// returning the expansion as source text with the map of its lines, and the
// same text with the groups the extractor does not read blanked (see
// opaqueGroups), which is what tree-sitter parses. ok is
// false when the macro is not the crate's, or could not be expanded (that
// gives a warning naming it); the caller then reads the call's body as items,
// unless done says the call is settled (too large to read at all).
func (e *fileExtractor) expandCall(name string, m, tt *node) (src string, parse []byte, lines *macros.LineMap, ok, done bool) {
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
	toks, err := macros.Lex(e.text(tt), e.line(tt.StartByte(), tt.StartPosition().Row))
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
	out, err := e.exp.Expand(name, input, e.rel, callLine)
	if err != nil {
		warn(err.Error() + "; its items were read from the call's body as written")
		return "", nil, nil, false, false
	}
	if def.File == stdMacroFile {
		// rustdoc spans what a std macro makes at the call (thread_local!'s
		// constants start on the thread_local! line).
		relabel(out, callLine)
	}
	text, lm, spans := macros.RenderSpans(out, opaqueGroups(out))
	return text, blankSpans(text, spans), lm, true, true
}

func relabel(toks []macros.Token, line int) {
	for i := range toks {
		toks[i].Line, toks[i].EndLine = line, line
		relabel(toks[i].Kids, line)
	}
}
