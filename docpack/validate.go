package docpack

import (
	"archive/zip"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Severity grades a Problem.
type Severity string

// Severities. An archive with any SeverityError problem is invalid.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Problem is one thing wrong with a docpack.
type Problem struct {
	Severity Severity `json:"severity"`
	// File is the entry the problem is in ("" for the archive as a whole).
	File string `json:"file,omitempty"`
	// Pointer is a JSON pointer (RFC 6901) into File ("" for the whole file).
	Pointer string `json:"pointer,omitempty"`
	Message string `json:"message"`
	// Err is the sentinel the problem corresponds to, when there is one.
	Err error `json:"-"`
}

func (p Problem) String() string {
	loc := p.File
	if p.Pointer != "" {
		loc += "#" + p.Pointer
	}
	if loc == "" {
		loc = "archive"
	}
	return fmt.Sprintf("%s: %s: %s", p.Severity, loc, p.Message)
}

// HasErrors reports whether any problem is an error (not just a warning).
func HasErrors(problems []Problem) bool {
	return slices.ContainsFunc(problems, func(p Problem) bool { return p.Severity == SeverityError })
}

// Validate checks a docpack completely and returns every problem it finds, in
// a stable order: the archive's structure and limits, each file against its
// JSON Schema, duplicate symbol ids, parents that name unknown ids, the
// manifest's counts against symbols.json and docs/, docs for unknown ids, and
// symbols without a doc. It never stops at the first problem, except where
// going on would mean reading beyond the Limits. No problems means valid.
func Validate(r io.ReaderAt, size int64, opts ...Option) []Problem {
	_, problems := Check(r, size, opts...)
	return problems
}

// Check validates the docpack as Validate does and, when no problem is an
// error, also returns it opened as Read opens it, from what the validation
// decoded (a server that takes uploads reads each one once). r must stay
// readable while the Pack's docs are read.
func Check(r io.ReaderAt, size int64, opts ...Option) (*Pack, []Problem) {
	v := &validator{}
	v.run(r, size, buildOptions(opts))
	if HasErrors(v.problems) || v.manifest == nil || v.syms == nil {
		return nil, v.problems
	}
	p := &Pack{Manifest: *v.manifest, Symbols: v.syms, a: v.a}
	if err := p.index(); err != nil { // duplicate ids are errors above
		return nil, v.problems
	}
	return p, v.problems
}

type validator struct {
	// What was read, for Check: the archive, the manifest and the symbols.
	a        *archive
	manifest *Manifest
	syms     []Symbol

	problems []Problem
	// lenient downgrades schema findings to warnings: the pack is a newer minor
	// version, which may add values this validator's schemas do not know.
	lenient bool
}

func (v *validator) add(sev Severity, file, ptr string, sentinel error, format string, args ...any) {
	v.problems = append(v.problems, Problem{Severity: sev, File: file, Pointer: ptr, Message: fmt.Sprintf(format, args...), Err: sentinel})
}

func (v *validator) addErr(err error) {
	p := Problem{Severity: SeverityError, Message: err.Error(), Err: sentinelOf(err)}
	var ee *EntryError
	if errors.As(err, &ee) {
		p.File = ee.Entry
		p.Message = ee.Err.Error()
	}
	v.problems = append(v.problems, p)
}

var sentinels = []error{ErrNotDocpack, ErrUnsafePath, ErrTooLarge, ErrDuplicateEntry, ErrCorrupt, ErrNoManifest,
	ErrBadManifest, ErrVersion, ErrBadSymbols, ErrUnknownDoc, ErrBadDoc, ErrNoDoc}

func sentinelOf(err error) error {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return s
		}
	}
	return nil
}

func (v *validator) run(r io.ReaderAt, size int64, o options) {
	schemas, err := loadSchemas()
	if err != nil {
		v.add(SeverityError, "", "", nil, "internal: schemas: %v", err)
		return
	}
	a, errs, stop := openArchive(r, size, o.limits)
	for _, err := range errs {
		v.addErr(err)
	}
	if stop {
		return
	}
	v.a = a

	// manifest.json
	var m *Manifest
	if a.manifest == nil {
		v.add(SeverityError, "", "", ErrNoManifest, "the archive has no %s at its root", ManifestName)
	} else if inst, raw, ok := v.readJSON(a, a.manifest, ErrBadManifest); ok {
		major, minor, err := ParseVersion(stringField(inst, "version"))
		switch {
		case err != nil:
			v.add(SeverityError, ManifestName, "/version", ErrBadManifest, "%v", err)
		case major != FormatMajor:
			v.add(SeverityError, ManifestName, "/version", ErrVersion, "format version %d.%d; this validator checks %d.x", major, minor, FormatMajor)
			return // nothing else can be judged by version 1's rules
		case minor > formatMinor():
			v.lenient = true
			v.add(SeverityWarning, ManifestName, "/version", nil, "format version %d.%d is newer than this validator's %s; schema findings are reported as warnings", major, minor, FormatVersion)
		}
		v.schema(schemas.manifest, ManifestName, inst, ErrBadManifest)
		var mm Manifest
		if err := json.Unmarshal(raw, &mm); err == nil {
			m = &mm
		}
	}

	// symbols.json
	var syms []Symbol
	if a.symbols == nil {
		v.add(SeverityError, "", "", ErrBadSymbols, "the archive has no %s", SymbolsName)
	} else {
		hint := 0
		if m != nil {
			hint = m.SymbolCount
		}
		var err error
		if syms, err = a.readSymbols(a.symbols, hint, true); err != nil {
			// Not all of it is what the writer writes: the schema finds what.
			syms = v.symbols(a, schemas)
		}
	}
	known := v.checkSymbols(syms)

	// docs/
	fine := a.strictDocs()
	hasDoc := make(map[string]bool, len(a.docIDs))
	for i, id := range a.docIDs {
		f := a.docs[id]
		if syms != nil && !known[id] {
			v.add(SeverityError, f.Name, "", ErrUnknownDoc, "symbols.json has no symbol %q", id)
		}
		hasDoc[id] = true
		if fine[i] {
			continue
		}
		inst, _, ok := v.readJSON(a, f, ErrBadDoc)
		if !ok {
			continue
		}
		v.schema(schemas.doc, f.Name, inst, ErrBadDoc)
		if sid, isString := fieldOf(inst, "symbol_id").(string); isString && sid != id {
			v.add(SeverityError, f.Name, "/symbol_id", ErrBadDoc, "symbol_id is %q, the entry name says %q", sid, id)
		}
	}
	for i, s := range syms {
		if s.ID != "" && !hasDoc[s.ID] {
			v.add(SeverityError, SymbolsName, "/"+strconv.Itoa(i), ErrNoDoc, "symbol %q (%s) has no doc %s", s.ID, s.Path, DocName(s.ID))
		}
	}

	if m != nil && a.symbols != nil && syms != nil {
		v.checkCounts(m, syms, len(a.docIDs), known)
	}
	// Entries a reader ignores are still served as they are: each must
	// inflate to exactly what its header declares.
	for _, f := range a.extra {
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		if err := a.drainEntry(f); err != nil {
			v.addErr(err)
		}
	}
	v.manifest, v.syms = m, syms
}

// symbols checks symbols.json a symbol at a time, as it is decompressed: each
// element is parsed for its schema and decoded on its own, so one malformed
// symbol hides none of the rest, and the entry (83 MiB for winapi with every
// feature) is never held whole. The entry's size and CRC-32 are checked as
// readEntry checks them.
func (v *validator) symbols(a *archive, schemas *compiledSchemas) []Symbol {
	f := a.symbols
	src, done, err := a.openEntry(f)
	if err != nil {
		v.addErr(err)
		return nil
	}
	defer done()
	cr := &countingReader{r: io.LimitReader(src, int64(f.UncompressedSize64)+1)}
	dec := json.NewDecoder(cr)
	invalid := func(err error) []Symbol {
		var se *json.SyntaxError
		if cr.n > f.UncompressedSize64 {
			// Cut off at the declared size: the entry is what is wrong.
			v.addErr(checkEntry(f, cr.n, cr.crc))
		} else if cr.err != nil && cr.err != io.EOF {
			v.addErr(entryErr(f.Name, ErrCorrupt, "%v", cr.err))
		} else if errors.As(err, &se) {
			v.add(SeverityError, SymbolsName, "", ErrBadSymbols, "invalid JSON at byte %d: %v", se.Offset, err)
		} else {
			v.add(SeverityError, SymbolsName, "", ErrBadSymbols, "invalid JSON: %v", err)
		}
		return nil
	}
	if tok, err := dec.Token(); err != nil {
		return invalid(err)
	} else if tok != json.Delim('[') {
		// Not an array: the schema says what it is instead (the entry is
		// within the limits, and this is no symbol list to stream).
		if inst, _, ok := v.readJSON(a, f, ErrBadSymbols); ok {
			v.schema(schemas.symbols, SymbolsName, inst, ErrBadSymbols)
		}
		return nil
	}
	syms := []Symbol{}
	for i := 0; dec.More(); i++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return invalid(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			return invalid(err)
		}
		v.schemaAt(schemas.symbol, SymbolsName, "/"+strconv.Itoa(i), inst, ErrBadSymbols)
		var s Symbol
		_ = json.Unmarshal(raw, &s) // type errors are the schema's findings
		syms = append(syms, s)
	}
	if _, err := dec.Token(); err != nil {
		return invalid(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalid(fmt.Errorf("data after the array"))
	}
	if _, err := io.Copy(io.Discard, cr); err != nil {
		v.addErr(entryErr(f.Name, ErrCorrupt, "%v", err))
		return nil
	}
	if err := checkEntry(f, cr.n, cr.crc); err != nil {
		v.addErr(err)
		return nil
	}
	return syms
}

// countingReader counts and checksums what is read through it.
type countingReader struct {
	r   io.Reader
	n   uint64
	crc uint32
	err error // the last read's
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += uint64(n)
	c.crc = crc32.Update(c.crc, crc32.IEEETable, p[:n])
	c.err = err
	return n, err
}

// checkSymbols reports duplicate ids and parents naming unknown ids, and
// returns the set of ids.
func (v *validator) checkSymbols(syms []Symbol) map[string]bool {
	first := make(map[string]int, len(syms))
	for i, s := range syms {
		if s.ID == "" {
			continue
		}
		if j, dup := first[s.ID]; dup {
			v.add(SeverityError, SymbolsName, fmt.Sprintf("/%d/id", i), ErrBadSymbols, "duplicate symbol id %q (first at /%d)", s.ID, j)
			continue
		}
		first[s.ID] = i
	}
	for i, s := range syms {
		switch {
		case s.Parent == "":
		case s.Parent == s.ID:
			v.add(SeverityError, SymbolsName, fmt.Sprintf("/%d/parent", i), ErrBadSymbols, "symbol %q is its own parent", s.ID)
		default:
			if _, ok := first[s.Parent]; !ok {
				v.add(SeverityError, SymbolsName, fmt.Sprintf("/%d/parent", i), ErrBadSymbols, "parent %q of %q is not a symbol id", s.Parent, s.ID)
			}
		}
	}
	known := make(map[string]bool, len(first))
	for id := range first {
		known[id] = true
	}
	return known
}

func (v *validator) checkCounts(m *Manifest, syms []Symbol, docs int, known map[string]bool) {
	if m.SymbolCount != len(syms) {
		v.add(SeverityError, ManifestName, "/symbol_count", nil, "symbol_count is %d, symbols.json has %d symbols", m.SymbolCount, len(syms))
	}
	if m.DocCount != docs {
		v.add(SeverityError, ManifestName, "/doc_count", nil, "doc_count is %d, the archive has %d docs", m.DocCount, docs)
	}
	got := map[Kind]int{}
	for _, s := range syms {
		got[s.SymbolType]++
	}
	kinds := make([]Kind, 0, len(got)+len(m.Counts))
	for k := range got {
		kinds = append(kinds, k)
	}
	for k := range m.Counts {
		if _, ok := got[k]; !ok {
			kinds = append(kinds, k)
		}
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		if m.Counts[k] != got[k] {
			v.add(SeverityError, ManifestName, "/counts/"+escapePointer(string(k)), nil, "counts[%q] is %d, symbols.json has %d", k, m.Counts[k], got[k])
		}
	}
	for i, id := range m.Fallbacks {
		if !known[id] {
			v.add(SeverityWarning, ManifestName, fmt.Sprintf("/fallbacks/%d", i), nil, "fallback %q is not a symbol id", id)
		}
	}
}

// readJSON reads an entry and parses it for schema validation (numbers kept
// exact); raw is the entry's bytes.
func (v *validator) readJSON(a *archive, f *zip.File, sentinel error) (inst any, raw []byte, ok bool) {
	raw, err := a.readEntry(f)
	if err != nil {
		v.addErr(err)
		return nil, nil, false
	}
	inst, err = jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			v.add(SeverityError, f.Name, "", sentinel, "invalid JSON at byte %d: %v", se.Offset, err)
		} else {
			v.add(SeverityError, f.Name, "", sentinel, "invalid JSON: %v", err)
		}
		return nil, nil, false
	}
	return inst, raw, true
}

// schema validates inst and adds one problem per failing leaf.
func (v *validator) schema(s *jsonschema.Schema, file string, inst any, sentinel error) {
	v.schemaAt(s, file, "", inst, sentinel)
}

// schemaAt is schema for inst found at JSON pointer at inside file.
func (v *validator) schemaAt(s *jsonschema.Schema, file, at string, inst any, sentinel error) {
	err := s.Validate(inst)
	if err == nil {
		return
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		v.add(SeverityError, file, "", sentinel, "%v", err)
		return
	}
	sev := SeverityError
	if v.lenient {
		sev = SeverityWarning
	}
	// The schema library finds an object's failing members in map order:
	// sorted, the problems come in the same order on every run.
	first := len(v.problems)
	for _, leaf := range leaves(ve, nil) {
		msg := leaf.ErrorKind.LocalizedString(printer)
		if e, ok := leaf.ErrorKind.(*kind.Enum); ok {
			got, _ := json.Marshal(e.Got)
			msg = fmt.Sprintf("%s: %s", got, msg)
		}
		v.add(sev, file, at+pointer(leaf.InstanceLocation), sentinel, "%s", msg)
	}
	slices.SortStableFunc(v.problems[first:], func(a, b Problem) int {
		return cmp.Or(strings.Compare(a.Pointer, b.Pointer), strings.Compare(a.Message, b.Message))
	})
}

var printer = message.NewPrinter(language.English)

func leaves(e *jsonschema.ValidationError, out []*jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		if _, isGroup := e.ErrorKind.(*kind.Group); !isGroup {
			out = append(out, e)
		}
		return out
	}
	for _, c := range e.Causes {
		out = leaves(c, out)
	}
	return out
}

func pointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(escapePointer(t))
	}
	return b.String()
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func fieldOf(inst any, key string) any {
	obj, _ := inst.(map[string]any)
	return obj[key]
}

func stringField(inst any, key string) string {
	s, _ := fieldOf(inst, key).(string)
	return s
}

func formatMinor() int {
	_, minor, _ := ParseVersion(FormatVersion)
	return minor
}
