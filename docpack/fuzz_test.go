package docpack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

// FuzzRead feeds arbitrary bytes to Read, Pack.ReadDoc and Validate: they must
// refuse or accept, never panic, and never allocate beyond what the limits and
// the input's size allow.
func FuzzRead(f *testing.F) {
	f.Add(samplePack(f, 5))
	valid := validEntries(f)
	f.Add(buildZip(f, valid...))
	f.Add(buildZip(f, append(valid, zipEntry{name: "../x", data: []byte("x")})...))
	f.Add(buildZip(f, valid[0], zipEntry{name: SymbolsName, data: bytes.Repeat([]byte(" "), 4096), declared: u64(10)}))
	f.Add(buildZip(f, zipEntry{name: ManifestName, data: []byte(`{"version":"2.0"}`)}))
	f.Add(buildZip(f, zipEntry{name: ManifestName, data: []byte(`{"version":"1.0"}`)}, zipEntry{name: SymbolsName, data: []byte(`[{"id":"a"},{"id":"b","parent":"a"}]`)},
		zipEntry{name: "docs/a.json", data: []byte(`{"symbol_id":"a","summary":"s","source":"llm"}`)}))
	f.Add([]byte("PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte{})
	lim := WithLimits(Limits{MaxUnpackedBytes: 8 << 20, MaxEntries: 1000, MaxEntryBytes: 4 << 20})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		if p, err := Read(r, int64(len(b)), lim); err == nil {
			for _, s := range p.Symbols {
				p.Doc(s.ID)
				p.Children(s.ID)
			}
		}
		Validate(r, int64(len(b)), lim)
	})
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
