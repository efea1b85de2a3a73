package docpack

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// mutate returns valid entries with one file's JSON changed by f.
func mutate(t *testing.T, name string, f func(v any) any) []zipEntry {
	t.Helper()
	entries := validEntries(t)
	for i := range entries {
		if entries[i].name == name {
			var v any
			if err := json.Unmarshal(entries[i].data, &v); err != nil {
				t.Fatal(err)
			}
			entries[i].data = mustJSON(t, f(v))
		}
	}
	return entries
}

func sym(v any, i int) map[string]any { return v.([]any)[i].(map[string]any) }

func validate(b []byte) []Problem { return Validate(bytes.NewReader(b), int64(len(b))) }

func TestValidateValid(t *testing.T) {
	b := samplePack(t, 200)
	if ps := validate(b); len(ps) != 0 {
		t.Fatalf("a pack from Write has problems: %v", ps)
	}
}

func TestValidateFindsEveryProblem(t *testing.T) {
	syms := sampleSymbols(3)
	type want struct {
		sev      Severity
		file     string
		ptr      string
		fragment string
	}
	tests := []struct {
		name    string
		entries []zipEntry
		want    []want
	}{
		{"wrong type", mutate(t, SymbolsName, func(v any) any { sym(v, 1)["line"] = "ten"; return v }),
			[]want{{SeverityError, SymbolsName, "/1/line", "got string, want integer"}}},
		{"unknown kind and missing field", mutate(t, SymbolsName, func(v any) any {
			sym(v, 0)["symbol_type"] = "class"
			delete(sym(v, 2), "path")
			return v
		}), []want{
			{SeverityError, SymbolsName, "/0/symbol_type", "class"},
			{SeverityError, SymbolsName, "/2", "missing property 'path'"},
		}},
		{"duplicate id and unknown parent", mutate(t, SymbolsName, func(v any) any {
			sym(v, 2)["id"] = syms[1].ID
			sym(v, 1)["parent"] = "0000000000000000"
			return v
		}), []want{
			{SeverityError, SymbolsName, "/2/id", "duplicate symbol id"},
			{SeverityError, SymbolsName, "/1/parent", `parent "0000000000000000"`},
			{SeverityError, ManifestName, "/doc_count", ""}, // not triggered: 3 docs, 3 declared
		}[:2]},
		{"counts disagree", mutate(t, ManifestName, func(v any) any {
			m := v.(map[string]any)
			m["symbol_count"] = 4
			m["doc_count"] = 1
			m["counts"].(map[string]any)["struct"] = 2
			m["fallbacks"] = []any{"ffffffffffffffff"}
			return v
		}), []want{
			{SeverityError, ManifestName, "/symbol_count", "symbol_count is 4, symbols.json has 3"},
			{SeverityError, ManifestName, "/doc_count", "doc_count is 1, the archive has 3"},
			{SeverityError, ManifestName, "/counts/struct", `counts["struct"] is 2, symbols.json has 1`},
			{SeverityWarning, ManifestName, "/fallbacks/0", "not a symbol id"},
		}},
		{"manifest schema", mutate(t, ManifestName, func(v any) any {
			m := v.(map[string]any)
			delete(m, "tool")
			m["generated_at"] = "yesterday"
			return v
		}), []want{
			{SeverityError, ManifestName, "", "missing property 'tool'"},
			{SeverityError, ManifestName, "/generated_at", "date-time"},
		}},
		{"doc problems", func() []zipEntry {
			e := validEntries(t)
			e[2].data = []byte(`{"symbol_id": "` + syms[0].ID + `", "summary": 3, "source": "dream"}`)
			e[3].data = []byte(`{"symbol_id": "` + syms[0].ID + `", "summary": "", "source": "llm"}`)
			e = append(e[:4], zipEntry{name: "docs/ghost.json", data: []byte(`{"symbol_id": "ghost", "summary": "", "source": "llm"}`)})
			return e
		}(), []want{
			{SeverityError, DocName(syms[0].ID), "/summary", "got number, want string"},
			{SeverityError, DocName(syms[0].ID), "/source", "dream"},
			{SeverityError, DocName(syms[1].ID), "/symbol_id", "the entry name says"},
			{SeverityError, "docs/ghost.json", "", `symbols.json has no symbol "ghost"`},
			{SeverityError, SymbolsName, "/2", "has no doc"},
		}},
		{"newer minor version", mutate(t, SymbolsName, func(v any) any {
			sym(v, 0)["symbol_type"] = "extern_crate"
			return v
		}), nil}, // patched below
	}
	// The newer-minor case also needs its manifest at 1.9 with the new kind counted.
	last := &tests[len(tests)-1]
	for i := range last.entries {
		if last.entries[i].name == ManifestName {
			var m map[string]any
			json.Unmarshal(last.entries[i].data, &m)
			m["version"] = "1.9"
			last.entries[i].data = mustJSON(t, m)
		}
	}
	last.want = []want{
		{SeverityWarning, ManifestName, "/version", "newer than this validator"},
		{SeverityWarning, SymbolsName, "/0/symbol_type", "extern_crate"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := validate(buildZip(t, tt.entries...))
			for _, w := range tt.want {
				found := false
				for _, p := range ps {
					if p.Severity == w.sev && p.File == w.file && p.Pointer == w.ptr && strings.Contains(p.Message, w.fragment) {
						found = true
					}
				}
				if !found {
					t.Errorf("no %s at %s#%s saying %q in:\n%s", w.sev, w.file, w.ptr, w.fragment, problemList(ps))
				}
			}
			if len(ps) == 0 {
				t.Fatal("no problems")
			}
		})
	}
}

func problemList(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString("  " + p.String() + "\n")
	}
	return b.String()
}

func TestValidateVersion2StopsEarly(t *testing.T) {
	e := mutate(t, ManifestName, func(v any) any { v.(map[string]any)["version"] = "2.0"; return v })
	ps := validate(buildZip(t, e...))
	if len(ps) != 1 || ps[0].Err != ErrVersion || !strings.Contains(ps[0].Message, "2.0") {
		t.Fatalf("problems = %v, want one ErrVersion", ps)
	}
	if !HasErrors(ps) {
		t.Error("HasErrors = false")
	}
}

func TestProblemString(t *testing.T) {
	p := Problem{Severity: SeverityError, File: SymbolsName, Pointer: "/3/line", Message: "got string, want integer"}
	if got, want := p.String(), "error: symbols.json#/3/line: got string, want integer"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}

// symbols.json has a limit of its own, above the one for entries read whole
// (winapi with every feature writes 83 MiB of symbols): a pack whose
// symbols.json is over the entry limit but under the symbols limit reads,
// validates and is checked into the same symbols, from one decode; a doc over
// the entry limit is still refused, and so is a symbols.json over its limit.
func TestSymbolsOverEntryLimit(t *testing.T) {
	syms := sampleSymbols(600)
	docs := sampleDocs(syms)
	var buf bytes.Buffer
	if err := Write(&buf, sampleManifest(syms, docs), syms, docs); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var symSize uint64
	for _, f := range zr.File {
		if f.Name == SymbolsName {
			symSize = f.UncompressedSize64
		}
	}
	entryLimit := int64(symSize / 4)
	lim := Limits{MaxEntryBytes: entryLimit, MaxSymbolsBytes: int64(symSize) + 1}
	r := bytes.NewReader(data)
	p, err := Read(r, r.Size(), WithLimits(lim))
	if err != nil {
		t.Fatalf("symbols.json of %d bytes under a %d-byte entry limit: %v", symSize, entryLimit, err)
	}
	if !reflect.DeepEqual(p.Symbols, syms) {
		t.Error("Read: symbols differ from those written")
	}
	checked, problems := Check(r, r.Size(), WithLimits(lim))
	if HasErrors(problems) || checked == nil {
		t.Fatalf("Check: %v", problems)
	}
	if !reflect.DeepEqual(checked.Symbols, syms) || checked.Manifest.SymbolCount != len(syms) {
		t.Error("Check: symbols or manifest differ from those written")
	}
	if d, ok := checked.Doc(syms[7].ID); !ok || !reflect.DeepEqual(d, docs[syms[7].ID]) {
		t.Errorf("Check: doc %s read back as %+v", syms[7].ID, d)
	}

	big := buildZip(t, append(validEntries(t), zipEntry{name: "docs/extra.json", data: bytes.Repeat([]byte(" "), int(entryLimit)+1)})...)
	if _, err := Read(bytes.NewReader(big), int64(len(big)), WithLimits(lim)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a doc over the entry limit: err = %v, want ErrTooLarge", err)
	}
	lim.MaxSymbolsBytes = int64(symSize) - 1
	if _, err := Read(r, r.Size(), WithLimits(lim)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("symbols.json over its limit: err = %v, want ErrTooLarge", err)
	}
	if _, problems := Check(r, r.Size(), WithLimits(lim)); !HasErrors(problems) {
		t.Error("Check: symbols.json over its limit gives no error")
	}
}

// An entry no reader uses is still inflated by the validator: one that
// yields more than its header declares is an error.
func TestValidateExtraEntryInflates(t *testing.T) {
	lie := uint64(10)
	b := buildZip(t, append(validEntries(t), zipEntry{name: "notes/extra.txt", data: bytes.Repeat([]byte("x"), 1000), declared: &lie})...)
	problems := validate(b)
	found := false
	for _, p := range problems {
		found = found || (p.File == "notes/extra.txt" && errors.Is(p.Err, ErrTooLarge))
	}
	if !found {
		t.Errorf("problems %v do not flag notes/extra.txt as too large", problems)
	}
	good := buildZip(t, append(validEntries(t), zipEntry{name: "notes/extra.txt", data: []byte("fine")})...)
	if problems := validate(good); HasErrors(problems) {
		t.Errorf("a well-formed extra entry: %v", problems)
	}
}
