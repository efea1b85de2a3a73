package rust

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	ts "github.com/tree-sitter/go-tree-sitter"

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
func scanMacros(ctx context.Context, root string, c Crate, maxSize int64) (exp *macros.Expander, warns []Warning, files int) {
	table := macros.NewTable()
	dir := filepath.Dir(c.Root)
	var paths []string
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || ctx.Err() != nil {
			return filepath.SkipDir
		}
		if d.IsDir() {
			if path != dir && (strings.HasPrefix(d.Name(), ".") || d.Name() == "target") {
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
		files++
		paths = append(paths, path)
		src, err := os.ReadFile(path)
		if err != nil || !bytes.Contains(src, []byte("macro_rules")) {
			return nil
		}
		toks, err := macros.Lex(string(src), 1)
		if err != nil {
			var le *macros.LexError
			line := 0
			if errors.As(err, &le) {
				line = le.Line
			}
			warns = append(warns, Warning{File: relPath(root, path), Line: line,
				Message: "macro definitions in this file not read: " + strings.TrimPrefix(err.Error(), "line "+itoa(line)+": ")})
			return nil
		}
		table.ScanFile(relPath(root, path), toks)
		return nil
	})
	if table.Len() == 0 {
		return nil, warns, files
	}
	exp = &macros.Expander{Table: table, Limits: macros.DefaultLimits}
	// Macros that define macros (petgraph's trait_template!): their calls
	// are expanded here, once, for the definitions they make.
	if definers := table.Definers(); len(definers) > 0 {
		for _, path := range paths {
			if ctx.Err() != nil {
				break
			}
			src, err := os.ReadFile(path)
			if err != nil || !mentionsCall(src, definers) {
				continue
			}
			if toks, err := macros.Lex(string(src), 1); err == nil {
				exp.ScanExpanded(relPath(root, path), toks, definers)
			}
		}
	}
	return exp, warns, files
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
// returning the expansion as source text with the map of its lines. ok is
// false when the macro is not the crate's, or could not be expanded (that
// gives a warning naming it); the caller then reads the call's body as items,
// unless done says the call is settled (too large to read at all).
func (e *fileExtractor) expandCall(name string, m, tt *ts.Node) (src string, lines *macros.LineMap, ok, done bool) {
	if e.exp == nil || strings.HasSuffix(name, "cfg_if") {
		// cfg_if! is read by the cfg evaluation, which takes the one true
		// arm; expanding it would give every arm under its #[cfg].
		return "", nil, false, false
	}
	callLine := e.line(m.StartByte(), m.StartPosition().Row)
	warn := func(msg string) {
		e.out.warnings = append(e.out.warnings, Warning{File: e.rel, Line: callLine, Message: msg})
	}
	if e.exp.Table.Lookup(name, e.rel, callLine) == nil {
		if err := e.exp.Table.Bad(name); err != nil {
			warn("macro " + name + " not expanded: its definition does not parse: " + err.Error())
		}
		return "", nil, false, false
	}
	if n := tt.EndByte() - tt.StartByte(); n > maxCallBytes {
		warn("macro " + name + " not expanded: the call is " + itoa(int(n)) + " bytes, over the limit of " + itoa(maxCallBytes) + "; its items are left out")
		return "", nil, false, true
	}
	toks, err := macros.Lex(e.text(tt), e.line(tt.StartByte(), tt.StartPosition().Row))
	if err != nil || len(toks) != 1 || toks[0].Kind != macros.Group {
		msg := "its input is not a token tree"
		if err != nil {
			msg += " (" + err.Error() + ")"
		}
		warn("macro " + name + " not expanded: " + msg)
		return "", nil, false, false
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
		return "", nil, false, false
	}
	text, lm := macros.RenderLines(out)
	return text, lm, true, true
}

func relabel(toks []macros.Token, line int) {
	for i := range toks {
		toks[i].Line, toks[i].EndLine = line, line
		relabel(toks[i].Kids, line)
	}
}
