package docpack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaAccepts reports whether schema s accepts the JSON b, as the validator
// checks it without the fast path.
func schemaAccepts(t *testing.T, s *jsonschema.Schema, b []byte) bool {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return false
	}
	return s.Validate(inst) == nil
}

// strictSymbol scans one element of symbols.json strictly.
func strictSymbol(b []byte) (Symbol, bool) {
	var s Symbol
	if len(b) == 0 {
		return s, false
	}
	d := &symScanner{s: unsafe.String(&b[0], len(b)), depth: 1, strict: true}
	d.ws()
	err := d.symbol(&s)
	return s, err == nil && d.end()
}

// FuzzStrictSymbol checks the validator's fast path for symbols: whatever a
// strict scan takes, symbols.schema.json accepts, and the scan decodes it as
// encoding/json does.
func FuzzStrictSymbol(f *testing.F) {
	for _, s := range sampleSymbols(12) {
		f.Add(mustJSON(f, s))
	}
	for _, s := range []string{
		`{"id":"a","name":"","path":"c::a","crate":"c","symbol_type":"function","visibility":"pub(in crate::x)","signature":"fn a()","file":"","line":0}`,
		`{"id":"a","name":"","path":"c::a","crate":"c","symbol_type":"function","visibility":"pub(in )","signature":"","file":"","line":0}`,
		`{"id":"a","name":"","path":"c::a","crate":"c","symbol_type":"function","visibility":"pub","signature":"","file":"","line":-1}`,
		`{"id":"a","name":null,"path":"c::a","crate":"c","symbol_type":"function","visibility":"pub","signature":"","file":"","line":1}`,
		`{"id":"a","name":"","path":"c::a","crate":"c","symbol_type":"fn","visibility":"pub","signature":"","file":"","line":1}`,
		`{"id":"-a","name":"","path":"c::a","crate":"c","symbol_type":"function","visibility":"pub","signature":"","file":"","line":1}`,
		`{"id":"a","id":"b","name":"","path":"c::a","crate":"c","symbol_type":"function","visibility":"pub","signature":"","file":"","line":1}`,
		`{"id":"a","name":"","path":"c::a","crate":"c","symbol_type":"function","visibility":"pub","signature":"","file":"","line":1,"source_hash":"ABCDEF"}`,
		`{"id":"a","name":"","path":"c::a","crate":"c","symbol_type":"function","visibility":"pub","signature":"","file":"","line":1,"parameters":[{"name":"x"}],"attributes":null}`,
		`{"id":"a","name":"","path":"c::a","crate":"c","symbol_type":"function","visibility":"pub","signature":"","file":"","line":1,"inlined_from":{"crate":"d","path":""}}`,
		`{"id":"a","name":"","path":"c::a","crate":"c","symbol_type":"function","visibility":"pub","signature":"","file":"","line":1,"inlined_from":{"crate":"d","path":"d::a","version":"1"},"doc_cfg":"x","Doc_Cfg":"y"}`,
		`{"id":"a","name":"\u00e9\n","path":"c::a","crate":"c","symbol_type":"function","visibility":"pub","signature":"","file":"","line":1,"has_default":null,"end_line":1.0}`,
	} {
		f.Add([]byte(s))
	}
	schemas, err := loadSchemas()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := strictSymbol(append([]byte(nil), b...))
		if !ok {
			return // the schema decides
		}
		if !schemaAccepts(t, schemas.symbol, b) {
			t.Fatalf("strict scan took what the schema refuses: %q", b)
		}
		var want Symbol
		if err := json.Unmarshal(b, &want); err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("strict scan decodes %q as\n%#v\nencoding/json as (%v)\n%#v", b, got, err, want)
		}
	})
}

// FuzzStrictDoc checks the fast path for docs: whatever strictDoc takes,
// doc.schema.json accepts, with the symbol id the entry is named for.
func FuzzStrictDoc(f *testing.F) {
	syms := sampleSymbols(6)
	for _, d := range sampleDocs(syms) {
		f.Add(mustJSON(f, d), d.SymbolID)
	}
	for _, s := range []string{
		`{"symbol_id":"a","summary":"","source":"llm","links":{"x":"y","z":"w"},"examples":["e"],"parameters":[{"name":"n","description":"d"}]}`,
		`{"symbol_id":"a","summary":"","source":"llm","links":{"x":"y","x":"w"}}`,
		`{"symbol_id":"a","summary":"","source":"llm","parameters":[{"name":"n"}]}`,
		`{"symbol_id":"a","summary":"","source":"llm","links":null,"examples":null,"parameters":null}`,
		`{"symbol_id":"a","summary":null,"source":"llm"}`,
		`{"symbol_id":"a","summary":"","source":"model"}`,
		`{"symbol_id":"a","summary":"","source":"llm","extra":1}`,
		`{"symbol_id":"a","summary":"","source":"llm"} {}`,
		`{"symbol_id":"a","summary":"","source":"inherited","inherited_from":"core::fmt::Debug::fmt","examples":[null]}`,
	} {
		f.Add([]byte(s), "a")
	}
	schemas, err := loadSchemas()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte, id string) {
		if !strictDoc(append([]byte(nil), b...), id) {
			return
		}
		if !schemaAccepts(t, schemas.doc, b) {
			t.Fatalf("strictDoc took what the schema refuses: %q", b)
		}
		var d Doc
		if err := json.Unmarshal(b, &d); err != nil || d.SymbolID != id {
			t.Fatalf("strictDoc took %q for id %q: symbol_id %q, %v", b, id, d.SymbolID, err)
		}
	})
}

// TestStrictSymbolValues checks the fast path's checks of values against
// symbols.schema.json itself: a symbol the writer could write, with one
// member changed or left out, must be taken by the strict scan exactly when
// the schema accepts it.
func TestStrictSymbolValues(t *testing.T) {
	schemas, err := loadSchemas()
	if err != nil {
		t.Fatal(err)
	}
	base := map[string]any{"id": "a", "name": "a", "path": "c::a", "crate": "c", "symbol_type": "function",
		"visibility": "pub", "signature": "pub fn a()", "file": "src/lib.rs", "line": 1, "end_line": 2,
		"source_hash": strings.Repeat("0", 64), "parameters": []any{}, "attributes": nil}
	try := func(what string, m map[string]any) {
		t.Helper()
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		_, got := strictSymbol(b)
		if want := schemaAccepts(t, schemas.symbol, b); got != want {
			t.Errorf("%s: strict scan %v, schema %v: %s", what, got, want, b)
		}
	}
	with := func(key string, v any) map[string]any {
		m := maps.Clone(base)
		m[key] = v
		return m
	}
	for _, v := range []string{"pub", "pub(crate)", "pub(super)", "pub(self)", "private", "pub(in a)", "pub(in a::b)",
		"pub(in )", "pub(in a))", "pub(in a)x", "pub (crate)", "Pub", "pub(in \n)", "pub(in", "", "crate"} {
		try("visibility "+v, with("visibility", v))
	}
	for _, h := range []string{"", strings.Repeat("a", 64), strings.Repeat("0", 63), strings.Repeat("f", 65), strings.Repeat("A", 64), strings.Repeat("g", 64)} {
		try("source_hash "+h, with("source_hash", h))
	}
	for _, id := range []string{"a", "_", ".a", "-a", "a.b-c_d", strings.Repeat("a", 128), strings.Repeat("a", 129), "", "a b", "é", "a\n"} {
		try("id "+id, with("id", id))
	}
	for _, k := range append(slices.Clone(Kinds), "fn", "Function", "") {
		try("symbol_type "+string(k), with("symbol_type", k))
	}
	for _, n := range []any{0, 7, -1, 2.5} {
		try(fmt.Sprint("line ", n), with("line", n))
		try(fmt.Sprint("end_line ", n), with("end_line", n))
	}
	for _, p := range []string{"", "c"} {
		try("path "+p, with("path", p))
		try("crate "+p, with("crate", p))
	}
	for key := range base {
		m := maps.Clone(base)
		delete(m, key)
		try("without "+key, m)
	}
}

// TestValidateOrderStable checks that the problems of one symbol come in the
// same order every time (the schema library walks members in map order).
func TestValidateOrderStable(t *testing.T) {
	syms := sampleSymbols(3)
	syms[1].Visibility = "bogus"
	syms[1].Line = -2
	syms[1].SymbolType = "fn"
	docs := sampleDocs(syms)
	var buf bytes.Buffer
	if err := Write(&buf, sampleManifest(syms, docs), syms, docs); err != nil {
		t.Fatal(err)
	}
	var first []Problem
	for i := range 20 {
		got := Validate(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if len(got) < 3 {
			t.Fatalf("%d problems, want at least 3: %v", len(got), got)
		}
		if i == 0 {
			first = got
		} else if !reflect.DeepEqual(got, first) {
			t.Fatalf("run %d gave the problems in another order:\n%v\nfirst:\n%v", i, got, first)
		}
	}
}
