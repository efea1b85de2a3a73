package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doctown/doctown/docpack"
)

func TestValidateCmd(t *testing.T) {
	good := inspectFixture(t, nil)
	withWarning := inspectFixture(t, func(m *docpack.Manifest, _ []docpack.Symbol, _ map[string]docpack.Doc) {
		m.Fallbacks = append(m.Fallbacks, "ffffffffffffffff")
	})
	bad := inspectFixture(t, func(m *docpack.Manifest, syms []docpack.Symbol, docs map[string]docpack.Doc) {
		m.SymbolCount = 11
		syms[3].Parent = "0123456789abcdef"
		delete(docs, syms[4].ID)
		m.DocCount = len(docs)
	})
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.docpack")
	os.WriteFile(junk, []byte("hello"), 0o644)
	v2 := filepath.Join(dir, "v2.docpack")
	writeZip(t, v2, map[string]string{"manifest.json": `{"version":"2.0"}`, "symbols.json": "[]"})
	evil := filepath.Join(dir, "evil.docpack")
	writeZip(t, evil, map[string]string{"/etc/cron.d/x": "x", "manifest.json": `{"version":"1.0"}`})

	for _, tc := range []struct {
		name   string
		path   string
		code   int
		stdout []string
		stderr string
	}{
		{"valid", good, ExitOK, []string{"geo.docpack: valid\n"}, ""},
		{"warnings only", withWarning, ExitOK, []string{"warning: manifest.json#/fallbacks/1: fallback \"ffffffffffffffff\" is not a symbol id", "geo.docpack: valid (1 warning)"}, ""},
		{"invalid", bad, ExitInvalid, []string{
			"error: manifest.json#/symbol_count: symbol_count is 11, symbols.json has 10",
			`error: symbols.json#/3/parent: parent "0123456789abcdef"`,
			"error: symbols.json#/4: symbol",
			"has no doc docs/",
		}, "geo.docpack is invalid: 3 errors, 0 warnings"},
		{"not a zip", junk, ExitInvalid, []string{"error: archive: not a docpack"}, "1 error"},
		{"version 2", v2, ExitInvalid, []string{"error: manifest.json#/version: format version 2.0; this validator checks 1.x"}, "1 error"},
		{"unsafe path", evil, ExitInvalid, []string{`error: /etc/cron.d/x: entry path escapes the archive root: absolute path`}, "invalid"},
		{"missing file", filepath.Join(dir, "nope.docpack"), ExitInvalid, []string{"no such file"}, "invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := run(t, nil, "validate", tc.path)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errOut)
			}
			for _, want := range tc.stdout {
				if !strings.Contains(out, want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
			if !strings.Contains(errOut, tc.stderr) {
				t.Errorf("stderr %q lacks %q", errOut, tc.stderr)
			}
		})
	}

	t.Run("json", func(t *testing.T) {
		code, out, errOut := run(t, nil, "validate", "--json", bad)
		if code != ExitInvalid || errOut != "" {
			t.Fatalf("exit %d, stderr %q; want %d and a silent stderr", code, errOut, ExitInvalid)
		}
		var r ValidateReport
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		if r.Valid || r.Errors != 3 || len(r.Problems) != 3 || r.Problems[0].File == "" {
			t.Errorf("report = %+v", r)
		}
		code, out, _ = run(t, nil, "validate", "--json", good)
		if code != ExitOK || !strings.Contains(out, `"valid": true`) || !strings.Contains(out, `"problems": []`) {
			t.Errorf("valid pack: exit %d, %s", code, out)
		}
	})
}
