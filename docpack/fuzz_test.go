package docpack

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// Coverage-guided fuzzing minimizes every input that finds new coverage,
// trying O(n²) byte removals of it for up to -fuzzminimizetime (60 s). In a
// ZIP almost no removal keeps the coverage (offsets and CRCs break), so a
// realistic pack of a few KiB as a raw input made each minimization use the
// whole budget: the fuzzer sat at a dozen execs. FuzzRead therefore mutates
// only small raw archives (the ZIP structure: headers, sizes, names), and
// FuzzReadEntries mutates realistic contents, which it zips itself.
const (
	maxRawFuzzInput   = 512
	maxEntryFuzzInput = 1 << 10
)

// fuzzLimits keep each exec cheap: a mutated header cannot make it inflate
// megabytes.
var fuzzLimits = WithLimits(Limits{MaxUnpackedBytes: 256 << 10, MaxEntries: 64, MaxEntryBytes: 64 << 10})

// checkArchive runs Read, Pack.Doc, Pack.Children and Validate on b: they must
// refuse or accept, never panic.
func checkArchive(b []byte) {
	r := bytes.NewReader(b)
	if p, err := Read(r, int64(len(b)), fuzzLimits); err == nil {
		for _, s := range p.Symbols {
			p.Doc(s.ID)
			p.Children(s.ID)
		}
	}
	Validate(r, int64(len(b)), fuzzLimits)
}

// FuzzRead feeds arbitrary bytes to Read, Pack.ReadDoc and Validate: they must
// refuse or accept, never panic, and never allocate beyond what the limits and
// the input's size allow. Inputs over maxRawFuzzInput are skipped (see above).
func FuzzRead(f *testing.F) {
	tiny := []zipEntry{{name: ManifestName, data: []byte(`{"version":"1.0","symbol_count":2}`)}, {name: SymbolsName, data: []byte("[\n{\"id\":\"a\"},\n{\"id\":\"b\",\"parent\":\"a\"}\n]\n")},
		{name: "docs/a.json", data: []byte(`{"symbol_id":"a","summary":"s","source":"llm"}`)}}
	f.Add(buildZip(f, tiny...))
	f.Add(buildZip(f, append(tiny[:2:2], zipEntry{name: "../x", data: []byte("x")})...))
	f.Add(buildZip(f, tiny[0], zipEntry{name: SymbolsName, data: bytes.Repeat([]byte(" "), 256), declared: u64(10)}))
	f.Add(buildZip(f, tiny[0], zipEntry{name: SymbolsName, data: tiny[1].data, crc: new(uint32(1))}))
	f.Add(buildZip(f, zipEntry{name: ManifestName, data: []byte(`{"version":"2.0"}`)}))
	f.Add([]byte("PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > maxRawFuzzInput {
			t.Skip("larger than maxRawFuzzInput")
		}
		checkArchive(b)
	})
}

// FuzzReadEntries zips a manifest, a symbols.json and one doc (stored, with
// true sizes and CRCs) and checks the archive as FuzzRead does, so mutations
// reach the decoders and the validator instead of breaking the ZIP. Stored,
// not deflated: a flate writer per entry made each exec cost milliseconds,
// and FuzzRead covers inflating.
func FuzzReadEntries(f *testing.F) {
	// A small pack in the writer's format: a module and a method in it.
	syms := []Symbol{{ID: "m", Name: "m", Path: "c::m", SymbolType: KindModule, Visibility: "pub"},
		{ID: "f", Name: "f", Path: "c::m::f", SymbolType: KindMethod, Signature: "fn f(&self, x: u8) -> u8", Parent: "m",
			Parameters: []Parameter{{Name: "self", ParamType: "&self"}, {Name: "x", ParamType: "u8"}}, Attributes: []string{"#[inline]"}}}
	docs := map[string]Doc{"f": {SymbolID: "f", Summary: "F.", Source: DocFromLLM}}
	m := &Manifest{Version: FormatVersion, SymbolCount: 2, DocCount: 1, Counts: map[Kind]int{KindModule: 1, KindMethod: 1}}
	var pack bytes.Buffer
	if err := Write(&pack, m, syms, docs); err != nil {
		f.Fatal(err)
	}
	entries := packEntries(f, pack.Bytes())
	var manifest bytes.Buffer // compact, to leave the fuzzer room under maxEntryFuzzInput
	if err := json.Compact(&manifest, entries[ManifestName]); err != nil {
		f.Fatal(err)
	}
	f.Add(manifest.Bytes(), entries[SymbolsName], "f", entries[DocName("f")])
	f.Add([]byte(`{"version":"1.1"}`), []byte(`[{"id":"a"},{"id":"a","parent":"b"}]`), "a", []byte(`{"symbol_id":"b"}`))
	f.Fuzz(func(t *testing.T, manifest, symbols []byte, docID string, doc []byte) {
		if len(manifest)+len(symbols)+len(docID)+len(doc) > maxEntryFuzzInput {
			t.Skip("larger than maxEntryFuzzInput")
		}
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, e := range []zipEntry{{name: ManifestName, data: manifest}, {name: SymbolsName, data: symbols}, {name: DocName(docID), data: doc}} {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Store})
			if err != nil {
				t.Fatal(err)
			}
			w.Write(e.data)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		checkArchive(buf.Bytes())
	})
}

// packEntries returns the entries of the archive b by name.
func packEntries(tb testing.TB, b []byte) map[string][]byte {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			tb.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			tb.Fatal(err)
		}
		out[f.Name] = data
	}
	return out
}

// TestReadRegressions runs the fuzz target's checks on inputs kept in
// testdata/regress (go test fuzz v1 files): found by fuzzing, too large to
// stay in FuzzRead's corpus.
func TestReadRegressions(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "regress", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no regression inputs: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			text, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			header, value, _ := strings.Cut(strings.TrimSpace(string(text)), "\n")
			quoted, ok := strings.CutPrefix(value, "[]byte(")
			quoted, ok2 := strings.CutSuffix(quoted, ")")
			if header != "go test fuzz v1" || !ok || !ok2 {
				t.Fatalf("not a go test fuzz v1 []byte file")
			}
			b, err := strconv.Unquote(quoted)
			if err != nil {
				t.Fatal(err)
			}
			checkArchive([]byte(b))
		})
	}
}

// FuzzDecodeSymbols checks the fast symbols decoder against encoding/json: on
// any input, both must accept with equal results or both refuse.
func FuzzDecodeSymbols(f *testing.F) {
	f.Add(mustJSON(f, sampleSymbols(12)))
	f.Add([]byte(`[]`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[null, {"id": null, "line": null, "attributes": null, "parameters": [null]}]`))
	f.Add([]byte(`[{"ID": "x"}]`))
	f.Add([]byte(`[{"id": "a\u00e9\ud83d\ude00\ud800x\n\"\\\/", "line": -0, "end_line": 1e3}]`))
	f.Add([]byte(`[{"id": "a", "extra": {"deep": [1, 2.5e-3, true, false, null, "s"]}, "line": 12}]`))
	f.Add([]byte("[{\"name\": \"\xff\xfe\"}]"))
	f.Add([]byte(`[{"line": 1.5}]`))
	f.Add([]byte(`[{"line": 99999999999999999999}]`))
	f.Add([]byte(`[{"parameters": [{"name": "self", "param_type": "&self", "x": 1}]}] `))
	f.Add([]byte("[\n{\"id\":\"a\"},\nnull,\n{\"id\":\"b\",\"parameters\":[]}\n]\n"))
	f.Add([]byte("[\n{\"id\":\"a\"},\n]\n"))
	f.Add([]byte("[\n]\n[\n]"))
	f.Add([]byte("[\n{\"id\":\n\"a\"}\n]"))
	f.Add([]byte(`[{"has_default": true, "private_fields": false}, {"has_default": null, "private_fields": 1}]`))
	f.Add([]byte(`[{"inlined_from": {"crate": "tracing_core", "version": "0.1.30", "path": "tracing_core::Level"}}, {"inlined_from": null}]`))
	f.Add([]byte(`[{"inlined_from": {"crate": "a", "x": [1]}, "inlined_from": {"path": "a::b"}}, {"inlined_from": {"Crate": "a"}}, {"inlined_from": 1}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var want []Symbol
		wantErr := json.Unmarshal(b, &want)
		check := func(decoder string, got []Symbol, ok bool) {
			if !ok {
				return // encoding/json decides; decodeSymbols falls back to it
			}
			if wantErr != nil {
				t.Fatalf("%s accepted what encoding/json refuses (%v): %q", decoder, wantErr, b)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s differs from encoding/json on %q:\ngot  %#v\nwant %#v", decoder, b, got, want)
			}
		}
		got, ok := fastDecodeSymbols(append([]byte(nil), b...))
		check("fast decoder", got, ok)
		// The streaming decoder, with runs cut after every k-th newline.
		for k := 1; k <= 3; k++ {
			for _, hint := range []int{0, len(want), len(want) + 1} {
				got, ok := decodeInRuns(append([]byte(nil), b...), k, hint)
				check(fmt.Sprintf("decoder in runs of %d lines, hint %d", k, hint), got, ok)
			}
		}
	})
}
