package docpack

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// writerSymbols returns symbols.json exactly as Write writes it.
func writerSymbols(t testing.TB, syms []Symbol) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, sampleManifest(syms, nil), syms, nil); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	f, err := zr.Open(SymbolsName)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReadSymbols reads symbols.json in the shapes the streaming decoder meets:
// the writer's one symbol per line over several decoding runs, a line longer
// than a run, older indented files and odd but valid JSON (which go to
// encoding/json), and damaged entries, which it must refuse as readEntry does.
func TestReadSymbols(t *testing.T) {
	many := sampleSymbols(4000) // several MiB: several runs
	long := sampleSymbols(3)
	long[1].DocComments = strings.Repeat("a long doc comment line; ", 3*symbolChunkBytes/25)
	indented, err := json.MarshalIndent(sampleSymbols(50), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	badCRC := uint32(12345)
	manifest := validEntries(t)[0]
	tests := []struct {
		name  string
		entry zipEntry
		want  error  // nil: the symbols must equal encoding/json's
		msg   string // a fragment the error must contain
	}{
		{name: "writer format, several runs", entry: zipEntry{data: writerSymbols(t, many)}},
		{name: "a line longer than a run", entry: zipEntry{data: writerSymbols(t, long)}},
		{name: "empty, writer format", entry: zipEntry{data: writerSymbols(t, nil)}},
		{name: "compact on one line", entry: zipEntry{data: mustJSON(t, sampleSymbols(20))}},
		{name: "indented", entry: zipEntry{data: indented}},
		{name: "nulls and odd whitespace", entry: zipEntry{data: []byte("[\r\n null ,\n\t{\"id\":\"a\"}\n,{\"id\"\n:\n\"b\"}\n]\n")}},
		{name: "empty array", entry: zipEntry{data: []byte("[]")}},
		{name: "trailing comma", entry: zipEntry{data: []byte("[\n{\"id\":\"a\"},\n]\n")}, want: ErrBadSymbols, msg: "symbols.json"},
		{name: "unclosed", entry: zipEntry{data: []byte("[\n{\"id\":\"a\"},\n{\"id\":\"b\"}\n")}, want: ErrBadSymbols, msg: "unexpected end"},
		{name: "two arrays", entry: zipEntry{data: []byte("[]\n[]\n")}, want: ErrBadSymbols, msg: "invalid character '['"},
		{name: "null", entry: zipEntry{data: []byte("null\n")}, want: ErrBadSymbols, msg: "null, not an array"},
		{name: "raw newline in a string", entry: zipEntry{data: []byte("[\n{\"id\":\"a\n\"}\n]\n")}, want: ErrBadSymbols, msg: "invalid character"},
		{name: "CRC mismatch", entry: zipEntry{data: writerSymbols(t, many), crc: &badCRC}, want: ErrCorrupt, msg: "CRC-32 mismatch"},
		{name: "truncated", entry: zipEntry{data: writerSymbols(t, many), declared: u64(uint64(len(writerSymbols(t, many))) + 10)}, want: ErrCorrupt, msg: "truncated"},
		{name: "longer than declared", entry: zipEntry{data: writerSymbols(t, many), declared: u64(3 * symbolChunkBytes / 2)}, want: ErrTooLarge, msg: "more than the"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.entry.name = SymbolsName
			p, err := readBytes(buildZip(t, manifest, tt.entry))
			if tt.want != nil {
				if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
					t.Fatalf("Read = %v; want an error wrapping %v saying %q", err, tt.want, tt.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var want []Symbol
			if err := json.Unmarshal(tt.entry.data, &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(p.Symbols, want) {
				t.Errorf("%d symbols differ from encoding/json's %d", len(p.Symbols), len(want))
			}
		})
	}
}

// decodeInRuns decodes b as readSymbols does, cut after every k-th newline,
// with hint as the manifest's symbol count.
func decodeInRuns(b []byte, k, hint int) ([]Symbol, bool) {
	var data [][]byte
	start, seen := 0, 0
	for i, c := range b {
		if c != '\n' {
			continue
		}
		if seen++; seen%k == 0 {
			data = append(data, b[start:i+1:i+1])
			start = i + 1
		}
	}
	if start < len(b) {
		data = append(data, b[start:])
	}
	runs := newSymbolRuns(hint)
	for i, d := range data {
		if !runs.add(d, i == len(data)-1).decode(false) {
			return nil, false
		}
	}
	return runs.join()
}

// TestSymbolRunsInPlace checks that runs of the writer's format decode into
// the one slice sized from the manifest's count, and that a wrong count only
// costs a copy.
func TestSymbolRunsInPlace(t *testing.T) {
	syms := sampleSymbols(50)
	data := writerSymbols(t, syms)
	for _, tt := range []struct {
		name    string
		hint    int
		inPlace bool
	}{
		{"right count", 50, true},
		{"count too high", 60, true},
		{"count too low", 10, false},
		{"no count", 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var lines [][]byte
			for line := range bytes.Lines(data) {
				lines = append(lines, line)
			}
			runs := newSymbolRuns(tt.hint)
			for i := 0; i < len(lines); i += 7 {
				run := bytes.Join(lines[i:min(i+7, len(lines))], nil)
				if !runs.add(run, i+7 >= len(lines)).decode(false) {
					t.Fatalf("run at line %d refused", i)
				}
			}
			got, ok := runs.join()
			if !ok || !reflect.DeepEqual(got, syms) {
				t.Fatalf("join = %d symbols, %v; want the %d written", len(got), ok, len(syms))
			}
			if inPlace := len(runs.all) > 0 && &got[0] == &runs.all[0]; inPlace != tt.inPlace {
				t.Errorf("decoded in place = %v, want %v", inPlace, tt.inPlace)
			}
		})
	}
}
