package docpack

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/json"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// zipEntry is one entry of a hand-built archive.
type zipEntry struct {
	name string
	data []byte
	// declared, when non-nil, is written as the header's uncompressed size
	// instead of len(data): a lying header.
	declared *uint64
	// crc, when non-nil, is written as the header's CRC-32 instead of the data's.
	crc *uint32
}

// buildZip writes entries with archive/zip's raw API, so names and sizes are
// stored exactly as given, however hostile.
func buildZip(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		var comp bytes.Buffer
		fw, _ := flate.NewWriter(&comp, flate.BestCompression)
		fw.Write(e.data)
		fw.Close()
		size := uint64(len(e.data))
		if e.declared != nil {
			size = *e.declared
		}
		sum := crc32.ChecksumIEEE(e.data)
		if e.crc != nil {
			sum = *e.crc
		}
		hdr := &zip.FileHeader{Name: e.name, Method: zip.Deflate, CRC32: sum,
			CompressedSize64: uint64(comp.Len()), UncompressedSize64: size}
		w, err := zw.CreateRaw(hdr)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(comp.Bytes())
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// validEntries is a small consistent docpack's entries: manifest, symbols, docs.
func validEntries(t testing.TB) []zipEntry {
	syms := sampleSymbols(3)
	docs := sampleDocs(syms)
	out := []zipEntry{{name: ManifestName, data: mustJSON(t, sampleManifest(syms, docs))}, {name: SymbolsName, data: mustJSON(t, syms)}}
	for _, s := range syms {
		out = append(out, zipEntry{name: DocName(s.ID), data: mustJSON(t, docs[s.ID])})
	}
	return out
}

func readBytes(b []byte, opts ...Option) (*Pack, error) {
	return Read(bytes.NewReader(b), int64(len(b)), opts...)
}

func TestRoundTrip(t *testing.T) {
	syms := sampleSymbols(120)
	docs := sampleDocs(syms)
	m := sampleManifest(syms, docs)
	m.Fallbacks = []string{syms[3].ID}
	m.Warnings = []string{"src/lib.rs:3: could not parse macro"}
	path := filepath.Join(t.TempDir(), "x.docpack")
	if err := WriteFile(path, m, syms, docs); err != nil {
		t.Fatal(err)
	}
	for _, eager := range []bool{false, true} {
		t.Run(map[bool]string{false: "lazy", true: "eager"}[eager], func(t *testing.T) {
			var opts []Option
			if eager {
				opts = append(opts, WithEagerDocs())
			}
			p, err := Open(path, opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			if !reflect.DeepEqual(&p.Manifest, m) {
				t.Errorf("manifest:\ngot  %+v\nwant %+v", p.Manifest, *m)
			}
			if !reflect.DeepEqual(p.Symbols, syms) {
				t.Errorf("symbols differ after the round trip")
			}
			for _, s := range syms {
				d, ok := p.Doc(s.ID)
				if !ok || !reflect.DeepEqual(d, docs[s.ID]) {
					t.Fatalf("doc %s: got %+v, %v; want %+v", s.ID, d, ok, docs[s.ID])
				}
			}
			if got := p.DocCount(); got != len(docs) {
				t.Errorf("DocCount = %d, want %d", got, len(docs))
			}
			if _, ok := p.Doc("nope"); ok {
				t.Error("Doc(unknown id) = true")
			}
			if _, err := p.ReadDoc("nope"); !errors.Is(err, ErrNoDoc) {
				t.Errorf("ReadDoc(unknown) = %v, want ErrNoDoc", err)
			}
		})
	}
}

func TestLookups(t *testing.T) {
	syms := sampleSymbols(20)
	b := samplePack(t, 20)
	p, err := readBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	mod, method := syms[0], syms[2]
	if s, ok := p.SymbolByID(method.ID); !ok || s.Path != method.Path {
		t.Errorf("SymbolByID(%s) = %v, %v", method.ID, s.Path, ok)
	}
	if s, ok := p.SymbolByPath(method.Path); !ok || s.ID != method.ID {
		t.Errorf("SymbolByPath(%s) = %v, %v", method.Path, s.ID, ok)
	}
	if _, ok := p.SymbolByPath("bench::nope"); ok {
		t.Error("SymbolByPath(unknown) = true")
	}
	roots := p.Children("")
	if len(roots) != 1 || roots[0].ID != mod.ID {
		t.Errorf("Children(\"\") = %d symbols, want the module", len(roots))
	}
	// 20 symbols: module, then Type0 with 8 methods, Type1 with 8 methods, Type2 with 1.
	if got := len(p.Children(mod.ID)); got != 3 {
		t.Errorf("module children = %d, want 3 types", got)
	}
	kids := p.Children(syms[1].ID)
	if len(kids) != 8 || kids[0].Name != "method_0" || kids[7].Name != "method_7" {
		t.Errorf("Type0 children = %v, want method_0..7 in order", kids)
	}
}

func u64(n uint64) *uint64 { return &n }

func TestReadRefuses(t *testing.T) {
	valid := validEntries(t)
	with := func(extra ...zipEntry) []zipEntry { return append(append([]zipEntry{}, valid...), extra...) }
	replace := func(name string, data []byte) []zipEntry {
		out := append([]zipEntry{}, valid...)
		for i := range out {
			if out[i].name == name {
				out[i].data = data
			}
		}
		return out
	}
	small := WithLimits(Limits{MaxUnpackedBytes: 1 << 20, MaxEntries: 10, MaxEntryBytes: 256 << 10})
	zeros := make([]byte, 2<<20)
	syms := sampleSymbols(3)
	dupSyms := mustJSON(t, append(syms, syms[0]))

	tests := []struct {
		name    string
		archive []byte
		opts    []Option
		want    error
		msg     string // a fragment the message must contain
	}{
		{"dotdot", buildZip(t, with(zipEntry{name: "../x", data: []byte("x")})...), nil, ErrUnsafePath, `"../x"`},
		{"absolute", buildZip(t, with(zipEntry{name: "/etc/x", data: []byte("x")})...), nil, ErrUnsafePath, "absolute path"},
		{"dotdot inside", buildZip(t, with(zipEntry{name: "docs/../../x", data: []byte("x")})...), nil, ErrUnsafePath, `".." path element`},
		{"backslash", buildZip(t, with(zipEntry{name: `docs\..\x`, data: []byte("x")})...), nil, ErrUnsafePath, "backslash"},
		{"drive letter", buildZip(t, with(zipEntry{name: "C:/x", data: []byte("x")})...), nil, ErrUnsafePath, "drive letter"},
		{"bomb over the entry limit", buildZip(t, with(zipEntry{name: "docs/extra.bin", data: zeros})...), []Option{small}, ErrTooLarge, "limit for this entry is 262144"},
		{"bomb over the total limit", buildZip(t, with(
			zipEntry{name: "a.bin", data: zeros[:200<<10]}, zipEntry{name: "b.bin", data: zeros[:200<<10]},
			zipEntry{name: "c.bin", data: zeros[:200<<10]}, zipEntry{name: "d.bin", data: zeros[:200<<10]},
			zipEntry{name: "e.bin", data: zeros[:200<<10]}, zipEntry{name: "f.bin", data: zeros[:200<<10]})...),
			[]Option{WithLimits(Limits{MaxUnpackedBytes: 1 << 20, MaxEntryBytes: 256 << 10})}, ErrTooLarge, "more than 1048576 bytes unpacked"},
		{"header lies about size", buildZip(t, valid[0],
			zipEntry{name: SymbolsName, data: append(mustJSON(t, syms), bytes.Repeat([]byte(" "), 1<<20)...), declared: u64(100)}), nil, ErrTooLarge, "more than the 100 bytes its header declares"},
		{"too many entries", buildZip(t, with(make11()...)...), []Option{small}, ErrTooLarge, "entries, the limit is 10"},
		{"no manifest", buildZip(t, valid[1:]...), nil, ErrNoManifest, "no manifest.json"},
		{"manifest not JSON", buildZip(t, replace(ManifestName, []byte(`{"version": "1.0",`))...), nil, ErrBadManifest, "manifest.json"},
		{"manifest wrong shape", buildZip(t, replace(ManifestName, []byte(`{"version": 1}`))...), nil, ErrBadManifest, "cannot unmarshal"},
		{"manifest version not major.minor", buildZip(t, replace(ManifestName, []byte(`{"version": "one"}`))...), nil, ErrBadManifest, `"one" is not MAJOR.MINOR`},
		{"version 2.0", buildZip(t, replace(ManifestName, []byte(`{"version": "2.0"}`))...), nil, ErrVersion, "format version 2.0; this doctown reads 1.x"},
		{"no symbols", buildZip(t, valid[0]), nil, ErrBadSymbols, "no symbols.json"},
		{"symbols not an array", buildZip(t, replace(SymbolsName, []byte(`{"id":"x"}`))...), nil, ErrBadSymbols, "symbols.json"},
		{"duplicate symbol id", buildZip(t, replace(SymbolsName, dupSyms)...), nil, ErrBadSymbols, "appears more than once"},
		{"doc for an unknown id", buildZip(t, with(zipEntry{name: "docs/ghost.json", data: []byte(`{"symbol_id":"ghost","summary":"","source":"llm"}`)})...), nil, ErrUnknownDoc, `symbols.json has no symbol "ghost"`},
		{"duplicate entry", buildZip(t, with(valid[0])...), nil, ErrDuplicateEntry, "more than once"},
		{"duplicate doc", buildZip(t, with(valid[3])...), nil, ErrDuplicateEntry, `"docs/` + syms[1].ID + `.json"`},
		{"not a zip", []byte("this is not a zip archive, just some text"), nil, ErrNotDocpack, "not a docpack"},
		{"empty", nil, nil, ErrNotDocpack, "not a docpack"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := readBytes(tt.archive, tt.opts...)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Read = %v, %v; want an error wrapping %v", p, err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("message %q does not say %q", err, tt.msg)
			}
			// Validate refuses the same archive with the same reason.
			problems := Validate(bytes.NewReader(tt.archive), int64(len(tt.archive)), tt.opts...)
			if !hasProblem(problems, tt.want) {
				t.Errorf("Validate problems %v do not include %v", problems, tt.want)
			}
		})
	}
}

func hasProblem(ps []Problem, want error) bool {
	for _, p := range ps {
		if p.Err == want && p.Severity == SeverityError {
			return true
		}
	}
	return false
}

func make11() []zipEntry {
	var out []zipEntry
	for i := range 11 {
		out = append(out, zipEntry{name: "extra/" + string(rune('a'+i)), data: []byte("x")})
	}
	return out
}

func TestReadAcceptsExtrasAndMinorVersions(t *testing.T) {
	entries := validEntries(t)
	var m map[string]any
	json.Unmarshal(entries[0].data, &m)
	m["version"] = "1.7"
	m["future_field"] = map[string]any{"x": 1}
	entries[0].data = mustJSON(t, m)
	entries = append(entries,
		zipEntry{name: "docs/", data: nil},
		zipEntry{name: "README.txt", data: []byte("hello")},
		zipEntry{name: "docs/nested/x.json", data: []byte("{}")},
	)
	p, err := readBytes(buildZip(t, entries...))
	if err != nil {
		t.Fatalf("Read refused a 1.7 pack with extra entries: %v", err)
	}
	if p.Manifest.Version != "1.7" || len(p.Symbols) != 3 {
		t.Errorf("got version %q and %d symbols", p.Manifest.Version, len(p.Symbols))
	}
}

func TestLazyDocErrors(t *testing.T) {
	entries := validEntries(t)
	id := entries[2].name[len(DocsDir) : len(entries[2].name)-len(".json")]
	entries[2].data = []byte(`{"symbol_id": 5}`)
	b := buildZip(t, entries...)
	p, err := readBytes(b)
	if err != nil {
		t.Fatalf("lazy Read: %v", err)
	}
	if _, ok := p.Doc(id); ok {
		t.Error("Doc of a malformed doc = true")
	}
	if _, err := p.ReadDoc(id); !errors.Is(err, ErrBadDoc) {
		t.Errorf("ReadDoc = %v, want ErrBadDoc", err)
	}
	if _, err := readBytes(b, WithEagerDocs()); !errors.Is(err, ErrBadDoc) {
		t.Errorf("eager Read = %v, want ErrBadDoc", err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(filepath.Join(dir, "missing.docpack")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(missing) = %v, want ErrNotExist", err)
	}
	if _, err := Open(dir); !errors.Is(err, ErrNotDocpack) {
		t.Errorf("Open(dir) = %v, want ErrNotDocpack", err)
	}
	bad := filepath.Join(dir, "bad.docpack")
	os.WriteFile(bad, []byte("nope"), 0o644)
	_, err := Open(bad)
	if !errors.Is(err, ErrNotDocpack) || !strings.Contains(err.Error(), bad) {
		t.Errorf("Open(bad) = %v, want ErrNotDocpack naming the file", err)
	}
}

func TestCheckName(t *testing.T) {
	for _, ok := range []string{"manifest.json", "docs/", "docs/a.b-c_d.json", "a/b/c"} {
		if err := checkName(ok); err != nil {
			t.Errorf("checkName(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", "/x", "../x", "a/../b", "./a", "a//b", `a\b`, "C:x", "c:/x", "a:b", "a\x00b", "docs/..", ".."} {
		if err := checkName(bad); err == nil {
			t.Errorf("checkName(%q) = nil, want an error", bad)
		}
	}
}

func TestNewID(t *testing.T) {
	a := NewID("serde", "serde::de::Deserialize", KindTrait, 1)
	if a != NewID("serde", "serde::de::Deserialize", KindTrait, 1) {
		t.Error("NewID is not deterministic")
	}
	if len(a) != 16 || !ValidID(a) {
		t.Errorf("NewID = %q, want 16 hex digits", a)
	}
	for _, other := range []string{
		NewID("serde", "serde::de::Deserialize", KindMacro, 1),
		NewID("serde", "serde::de::Deserialize", KindTrait, 2),
		NewID("serde_json", "serde::de::Deserialize", KindTrait, 1),
	} {
		if other == a {
			t.Errorf("different inputs gave the same id %s", a)
		}
	}
	for _, bad := range []string{"", ".x", "-x", "a/b", "a b", strings.Repeat("a", 129)} {
		if ValidID(bad) {
			t.Errorf("ValidID(%q) = true", bad)
		}
	}
}
