package macros

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// The golden suite: macros from real crates with their expansions written
// out by hand (testdata/golden/*.txtar: input.rs, want.rs). Each case checks
// ExpandItems against want.rs, and want.rs against what rustc itself expands
// (`rustc -Zunpretty=expanded`), where rustc is installed.

func loadGolden(t *testing.T) map[string]map[string]string {
	files, err := filepath.Glob("testdata/golden/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatal("no golden cases")
	}
	out := map[string]map[string]string{}
	for _, f := range files {
		a, err := txtar.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, af := range a.Files {
			m[af.Name] = string(af.Data)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".txtar")] = m
	}
	return out
}

func mustLex(t *testing.T, src string) []Token {
	t.Helper()
	toks, err := Lex(src, 1)
	if err != nil {
		t.Fatal(err)
	}
	return toks
}

// canon is tokens as comparable text: macro_rules! items dropped, $crate as
// crate, string literals decoded, one token per line.
func canon(toks []Token) string {
	var b strings.Builder
	var walk func(toks []Token)
	walk = func(toks []Token) {
		for i := 0; i < len(toks); i++ {
			t := toks[i]
			if isMacroRules(toks, i) {
				i += 3
				if i+1 < len(toks) && toks[i+1].isPunct(";") {
					i++
				}
				continue
			}
			switch {
			case t.Kind == Group && t.Delim == 0:
				walk(t.Kids)
				continue
			case t.Kind == Group:
				b.WriteByte(t.Delim)
				b.WriteByte('\n')
				walk(trailingComma(t))
				b.WriteByte(closerOf(t.Delim))
			case t.Text == "$crate":
				b.WriteString("crate")
			case t.Kind == Literal && (strings.HasPrefix(t.Text, `"`) || strings.HasPrefix(t.Text, `r`)):
				b.WriteString(strconv.Quote(literalValue(t.Text)))
			case t.isPunct(",") && i+1 < len(toks) && toks[i+1].isPunct(">"):
				continue // rustc prints <A, B,> as <A, B>
			case t.isPunct(";") && strings.HasSuffix(b.String(), "\n;\n"):
				continue // and a stmt fragment with its own `;`
			default:
				b.WriteString(t.Text)
			}
			b.WriteByte('\n')
		}
	}
	walk(toks)
	return b.String()
}

// trailingComma is a group's tokens without a trailing comma, which rustc's
// printer adds or drops at will, except in a one-element tuple `(T,)`.
func trailingComma(g Token) []Token {
	k := g.Kids
	if len(k) == 0 || !k[len(k)-1].isPunct(",") {
		return k
	}
	if g.Delim == '(' {
		commas := 0
		for _, t := range k {
			if t.isPunct(",") {
				commas++
			}
		}
		if commas == 1 {
			return k
		}
	}
	return k[:len(k)-1]
}

func literalValue(s string) string {
	if strings.HasPrefix(s, "r") {
		s = strings.TrimLeft(s[1:], "#")
		s = strings.TrimRight(s, "#")
		return s[1 : len(s)-1]
	}
	if v, err := strconv.Unquote(s); err == nil {
		return v
	}
	return s
}

func TestGolden(t *testing.T) {
	for name, files := range loadGolden(t) {
		t.Run(name, func(t *testing.T) {
			table := NewTable()
			toks := mustLex(t, files["input.rs"])
			if errs := table.ScanFile("input.rs", toks); len(errs) > 0 {
				t.Fatal(errs)
			}
			x := &Expander{Table: table}
			got, err := x.ExpandItems(toks, "input.rs")
			if err != nil {
				t.Fatal(err)
			}
			want := mustLex(t, files["want.rs"])
			if g, w := canon(got), canon(want); g != w {
				t.Errorf("expansion differs from want.rs\n got: %s\nwant: %s", oneLine(g), oneLine(w))
			}
			// The rendered text lexes back to the same tokens.
			again := mustLex(t, Render(got))
			if g, w := canon(again), canon(got); g != w {
				t.Errorf("Render does not round-trip\n got: %s\nwant: %s", oneLine(g), oneLine(w))
			}
		})
	}
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }

// TestGoldenAgainstRustc checks each want.rs against rustc's own expansion.
// rustc evaluates #[cfg] and #[cfg_attr] and expands derives, which
// ExpandItems leaves to the extractor, so both sides are brought to the same
// form first: cfg'd items and attributes evaluated with no features on, and
// derives dropped (their #[automatically_derived] impls on rustc's side).
func TestGoldenAgainstRustc(t *testing.T) {
	rustc, err := exec.LookPath("rustc")
	if err != nil {
		if os.Getenv("DOCTOWN_REQUIRE_ALL") == "1" {
			t.Fatal("rustc not found and DOCTOWN_REQUIRE_ALL=1")
		}
		t.Skip("rustc not installed")
	}
	for name, files := range loadGolden(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			src := filepath.Join(dir, "lib.rs")
			if err := os.WriteFile(src, []byte(files["input.rs"]), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.CommandContext(t.Context(), rustc, "-Zunpretty=expanded", "--edition", "2021", "--crate-type", "lib", "-A", "warnings", src)
			cmd.Env = append(os.Environ(), "RUSTC_BOOTSTRAP=1")
			out, err := cmd.Output()
			if err != nil {
				var stderr string
				if ee, ok := err.(*exec.ExitError); ok {
					stderr = string(ee.Stderr)
				}
				t.Fatalf("rustc: %v\n%s", err, stderr)
			}
			got := stripRustc(mustLex(t, string(out)))
			want := evalCfg(mustLex(t, files["want.rs"]))
			if g, w := canon(got), canon(want); g != w {
				t.Errorf("rustc's expansion differs from want.rs\nrustc: %s\n want: %s", oneLine(g), oneLine(w))
			}
		})
	}
}

// stripRustc drops the prelude rustc adds and derived impls.
func stripRustc(toks []Token) []Token {
	var out []Token
	for len(toks) > 2 && toks[0].isPunct("#") && toks[1].isPunct("!") {
		toks = toks[3:] // #![feature(prelude_import)]
	}
	for i := 0; i < len(toks); {
		n, ok := parseFrag("item", toks, i)
		if !ok {
			return append(out, toks[i:]...)
		}
		item := toks[i : i+n]
		i += n
		if hasAttr(item, "prelude_import") || hasAttr(item, "automatically_derived") ||
			n >= 3 && item[n-3].isIdent("crate") && item[n-2].isIdent("std") {
			continue
		}
		out = append(out, item...)
	}
	return out
}

func hasAttr(item []Token, name string) bool {
	for j := 0; j+1 < len(item) && item[j].isPunct("#"); j += 2 {
		if k := item[j+1].Kids; len(k) > 0 && k[0].isIdent(name) {
			return true
		}
	}
	return false
}

// evalCfg applies #[cfg] and #[cfg_attr] to items with no feature enabled
// and no cfg set, and drops #[derive] attributes.
func evalCfg(toks []Token) []Token {
	var out []Token
	for i := 0; i < len(toks); {
		n, ok := parseFrag("item", toks, i)
		if !ok {
			return append(out, toks[i:]...)
		}
		item := toks[i : i+n]
		i += n
		var kept []Token
		drop := false
		j := 0
		for ; j+1 < len(item) && item[j].isPunct("#") && item[j+1].Kind == Group; j += 2 {
			k := item[j+1].Kids
			switch {
			case len(k) == 2 && k[0].isIdent("cfg"):
				drop = drop || !cfgTrue(k[1].Kids)
			case len(k) == 2 && k[0].isIdent("cfg_attr"):
				if args := k[1].Kids; len(args) > 0 && cfgTrue(args[:1]) {
					kept = append(kept, item[j], Token{Kind: Group, Delim: '[', Kids: args[2:]})
				}
			case len(k) > 0 && k[0].isIdent("derive"):
			default:
				kept = append(kept, item[j], item[j+1])
			}
		}
		if !drop {
			out = append(append(out, kept...), item[j:]...)
		}
	}
	return out
}

// cfgTrue evaluates a cfg predicate with nothing set: feature = "…" and
// names are false; not, all and any as usual.
func cfgTrue(p []Token) bool {
	if len(p) == 0 {
		return false
	}
	switch {
	case p[0].isIdent("not") && len(p) > 1:
		return !cfgTrue(p[1].Kids)
	case (p[0].isIdent("all") || p[0].isIdent("any")) && len(p) > 1:
		all := p[0].isIdent("all")
		var arg []Token
		for _, t := range append(p[1].Kids, Token{Kind: Punct, Text: ","}) {
			if !t.isPunct(",") {
				arg = append(arg, t)
				continue
			}
			if len(arg) > 0 {
				if v := cfgTrue(arg); v != all {
					return v
				}
			}
			arg = nil
		}
		return all
	}
	return false
}

// A fragment passed on to another macro and followed by more of an
// expression is matched with it as one expression (winapi's
// DEFINE_BLUETOOTH_UUID128 → DEFINE_GUID: `$shortId as u32`).
func TestFragmentThenCast(t *testing.T) {
	src := `macro_rules! guid { ($name:ident, $l:expr, $w:expr) => { pub const $name: (u32, u16) = ($l, $w); }; }
macro_rules! short { ($name:ident, $id:expr) => { guid!{$name, $id as u32, 0x1000} }; }
short!{SERIAL, 0x1101}
`
	toks, err := Lex(src, 1)
	if err != nil {
		t.Fatal(err)
	}
	table := NewTable()
	table.ScanFile("lib.rs", toks)
	out, err := (&Expander{Table: table}).ExpandItems(toks, "lib.rs")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(strings.Fields(Render(out)), " "); !strings.Contains(got, "pub const SERIAL: ( u32, u16) = ( 0x1101 as u32, 0x1000);") {
		t.Errorf("expansion:\n%s", got)
	}
}
