package rust

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/doctown/doctown/docpack"
)

// The accuracy test compares Extract with rustdoc's JSON output, the ground
// truth for "what is public" (the scoring is in accuracy_test.go).
//
// What is compared:
//   - rustdoc side: every item reachable from the crate root through modules,
//     re-exports (`use`, globs included), fields, variants, trait items and the
//     impls listed on types and traits. Left out: items whose span is null,
//     synthetic (auto trait) and blanket impls and their items,
//     `use`/extern crate/primitive/proc-macro items. Items are "generated" when
//     a macro or a derive made them: derived impls (#[automatically_derived])
//     and their items, items whose span starts at a macro call (where rustdoc
//     puts what a macro template made) or lies outside the crate (a macro of
//     another crate), and everything inside such an item. The rest are
//     "source": written in the crate's files.
//   - our side: the default Extract output (public, not hidden) for the
//     configuration rustdoc was run with (extraction evaluates #[cfg]).
//     Ours are generated when they carry #[doctown::from_macro(…)] (an item of
//     a re-parsed macro body) or #[automatically_derived].
//   - matching: by (file, line, kind, name), then by (path, kind), then impls
//     by (self type path, trait name). Impl blocks are included: both sides
//     put them on the `impl` line.
//   - doc agreement: on matched items, rustdoc's docs and ours compared after
//     collapsing whitespace.
const minScore = 0.97

type rdID string

func (r *rdID) UnmarshalJSON(b []byte) error {
	*r = rdID(strings.Trim(string(b), `"`))
	return nil
}

type rdItem struct {
	ID   rdID    `json:"id"`
	Name *string `json:"name"`
	Span *struct {
		Filename string `json:"filename"`
		Begin    [2]int `json:"begin"`
		End      [2]int `json:"end"`
	} `json:"span"`
	Docs  *string                    `json:"docs"`
	Links map[string]rdID            `json:"links"`
	Attrs json.RawMessage            `json:"attrs"`
	Inner map[string]json.RawMessage `json:"inner"`
}

// rdPath is an entry of rustdoc's "paths" table: the full path of an item of
// this crate or another one (what intra-doc links resolve to).
type rdPath struct {
	Crate int      `json:"crate_id"`
	Path  []string `json:"path"`
	Kind  string   `json:"kind"`
}

type rdDoc struct {
	Root  rdID             `json:"root"`
	Index map[rdID]*rdItem `json:"index"`
	Paths map[rdID]rdPath  `json:"paths"`
	// External names the crates of the paths table's crate_ids.
	External map[string]rdExternal `json:"external_crates"`
}

// linkTargets resolves an item's intra-doc links (rustdoc's "links" map:
// the link text as written → item id) to full paths ("std::vec::Vec",
// "serde::de::Deserialize"); links rustdoc could not place are left out.
// It is the hook for measuring doc-link agreement.
func (d *rdDoc) linkTargets(it *rdItem) map[string]string {
	out := map[string]string{}
	for text, id := range it.Links {
		if p, ok := d.Paths[id]; ok && len(p.Path) > 0 {
			out[text] = strings.Join(p.Path, "::")
		}
	}
	return out
}

type rdSym struct {
	file, name string
	path       string
	line, col  int
	kind       docpack.Kind
	docs       string
	generated  bool   // made by a macro or a derive (see the comment above)
	trait      string // impls: last segment of the implemented trait's path
	item       *rdItem
}

// rustdocPublic walks a rustdoc JSON document from the root module. crateDir
// is where the spans' files are, to tell macro call sites.
func rustdocPublic(doc *rdDoc, crateDir string) []rdSym {
	seen := map[rdID]bool{}
	var out []rdSym
	files := map[string][]string{}
	var visit func(id rdID, ctx, prefix, alias string, gen bool)
	ids := func(raw json.RawMessage) []rdID {
		var v []*rdID
		_ = json.Unmarshal(raw, &v)
		var o []rdID
		for _, x := range v {
			if x != nil {
				o = append(o, *x)
			}
		}
		return o
	}
	visit = func(id rdID, ctx, prefix, alias string, gen bool) {
		it := doc.Index[id]
		if it == nil || seen[id] {
			return
		}
		seen[id] = true
		path := alias
		if path == "" && it.Name != nil {
			path = *it.Name
		}
		if prefix != "" {
			path = prefix + "::" + path
		}
		var kindName string
		var inner json.RawMessage
		for k, v := range it.Inner {
			kindName, inner = k, v
		}
		var f map[string]json.RawMessage
		_ = json.Unmarshal(inner, &f)
		var kind docpack.Kind
		var children []rdID
		var trait string
		switch kindName {
		case "module":
			kind = docpack.KindModule
			children = ids(f["items"])
		case "use":
			var u struct {
				ID     *rdID `json:"id"`
				IsGlob bool  `json:"is_glob"`
			}
			_ = json.Unmarshal(inner, &u)
			if u.ID == nil {
				return
			}
			if tgt := doc.Index[*u.ID]; u.IsGlob && tgt != nil {
				if m, ok := tgt.Inner["module"]; ok {
					var mm map[string]json.RawMessage
					_ = json.Unmarshal(m, &mm)
					for _, c := range ids(mm["items"]) {
						visit(c, "", prefix, "", gen)
					}
					return
				}
			}
			var un struct {
				Name string `json:"name"`
			}
			_ = json.Unmarshal(inner, &un)
			visit(*u.ID, ctx, prefix, un.Name, gen)
			return
		case "struct", "union":
			kind = docpack.KindStruct
			if kindName == "union" {
				kind = docpack.KindUnion
				children = ids(f["fields"])
			}
			var sk struct {
				Kind json.RawMessage `json:"kind"`
			}
			_ = json.Unmarshal(inner, &sk)
			var plain struct {
				Plain *struct {
					Fields json.RawMessage `json:"fields"`
				} `json:"plain"`
				Tuple json.RawMessage `json:"tuple"`
			}
			_ = json.Unmarshal(sk.Kind, &plain)
			if plain.Plain != nil {
				children = append(children, ids(plain.Plain.Fields)...)
			}
			children = append(children, ids(plain.Tuple)...)
			children = append(children, ids(f["impls"])...)
		case "enum":
			kind = docpack.KindEnum
			children = append(ids(f["variants"]), ids(f["impls"])...)
		case "variant":
			kind = docpack.KindVariant
			var vk struct {
				Kind json.RawMessage `json:"kind"`
			}
			_ = json.Unmarshal(inner, &vk)
			var k2 struct {
				Tuple  json.RawMessage `json:"tuple"`
				Struct *struct {
					Fields json.RawMessage `json:"fields"`
				} `json:"struct"`
			}
			_ = json.Unmarshal(vk.Kind, &k2)
			children = ids(k2.Tuple)
			if k2.Struct != nil {
				children = append(children, ids(k2.Struct.Fields)...)
			}
		case "struct_field":
			kind = docpack.KindField
		case "trait":
			kind = docpack.KindTrait
			children = append(ids(f["items"]), ids(f["implementations"])...)
		case "impl":
			var im struct {
				IsSynthetic bool            `json:"is_synthetic"`
				Blanket     json.RawMessage `json:"blanket_impl"`
				Trait       *struct {
					Path string `json:"path"`
				} `json:"trait"`
			}
			_ = json.Unmarshal(inner, &im)
			if im.IsSynthetic || (len(im.Blanket) > 0 && string(im.Blanket) != "null") {
				return
			}
			if bytes.Contains(it.Attrs, []byte("automatically_derived")) {
				gen = true
			}
			if im.Trait != nil {
				trait = im.Trait.Path[strings.LastIndex(im.Trait.Path, ":")+1:]
			}
			kind = docpack.KindImpl
			path = prefix
			children = ids(f["items"])
		case "function":
			kind = docpack.KindFunction
			switch ctx {
			case "trait":
				kind = docpack.KindTraitMethod
			case "impl":
				kind = docpack.KindMethod
			}
		case "constant":
			kind = docpack.KindConst
		case "assoc_const":
			kind = docpack.KindAssocConst
		case "assoc_type":
			kind = docpack.KindAssocType
		case "static":
			kind = docpack.KindStatic
		case "type_alias":
			kind = docpack.KindTypeAlias
			if ctx == "impl" {
				kind = docpack.KindAssocType
			}
		case "macro", "proc_macro":
			kind = docpack.KindMacro
		default:
			return
		}
		if it.Span != nil {
			s := rdSym{file: filepath.ToSlash(it.Span.Filename), line: it.Span.Begin[0], col: it.Span.Begin[1],
				kind: kind, path: path, trait: trait, item: it}
			if filepath.IsAbs(s.file) || strings.HasPrefix(s.file, "..") {
				s.file, gen = "", true // a macro of another crate made it
			} else if !gen && kind != docpack.KindMacro { // macro_rules! name { … } is a definition
				gen = isMacroCallSite(crateDir, files, s.file, s.line, s.col)
			}
			s.generated = gen
			if it.Name != nil && kind != docpack.KindImpl {
				s.name = *it.Name
			}
			if it.Docs != nil {
				s.docs = *it.Docs
			}
			out = append(out, s)
		}
		childCtx := ""
		switch kind {
		case docpack.KindTrait:
			childCtx = "trait"
		case docpack.KindImpl:
			childCtx = "impl"
		}
		for _, c := range children {
			visit(c, childCtx, path, "", gen)
		}
	}
	visit(doc.Root, "", "", "", false)
	return out
}

// expandFeatures resolves features (plus "default" when the crate has it)
// through the [features] table of a Cargo.toml.
func expandFeatures(manifestPath string, features []string) []string {
	data, _ := os.ReadFile(manifestPath)
	table := map[string][]string{}
	lines := strings.Split(string(data), "\n")
	in := false
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if strings.HasPrefix(l, "[") {
			in = l == "[features]"
			continue
		}
		eq := strings.IndexByte(l, '=')
		if !in || eq < 0 {
			continue
		}
		val := strings.TrimSpace(l[eq+1:])
		for !arrayClosed(val) && i+1 < len(lines) {
			i++
			val += lines[i]
		}
		table[strings.Trim(strings.TrimSpace(l[:eq]), `"`)] = tomlStrings(val)
	}
	on := map[string]bool{}
	var add func(f string)
	add = func(f string) {
		if on[f] {
			return
		}
		on[f] = true
		for _, g := range table[f] {
			if !strings.Contains(g, "/") && !strings.HasPrefix(g, "dep:") {
				add(g)
			}
		}
	}
	if _, ok := table["default"]; ok {
		add("default") // cargo refuses --features default where there is none
	}
	for _, f := range features {
		add(f)
	}
	return sortedKeys(on)
}

func requireTools(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("DOCTOWN_REQUIRE_ALL") == "1" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// cachedRustdoc runs fn unless a cached result for key exists under
// os.TempDir (a convenience for the developer loop; CI starts fresh).
func cachedRustdoc(t *testing.T, key string, fn func(out string) string) *rdDoc {
	t.Helper()
	h := sha256.Sum256([]byte(key))
	cache := filepath.Join(os.TempDir(), "doctown-rustdoc", hex.EncodeToString(h[:8])+".json")
	data, err := os.ReadFile(cache)
	if err != nil {
		out := t.TempDir()
		jsonPath := fn(out)
		data, err = os.ReadFile(jsonPath)
		if err != nil {
			t.Fatal(err)
		}
		_ = os.MkdirAll(filepath.Dir(cache), 0o755)
		_ = os.WriteFile(cache, data, 0o644)
	}
	var doc rdDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("rustdoc json: %v", err)
	}
	return &doc
}

func run(t *testing.T, dir string, env []string, name string, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		lines := strings.Split(string(out), "\n")
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, strings.Join(lines[max(0, len(lines)-30):], "\n"), debianHint(string(out)))
	}
}

// missingCrateRe matches cargo's two ways of saying a crate is not in the
// registry ("searched package name" when it has a similar name to suggest).
var missingCrateRe = regexp.MustCompile("no matching package named `([^`]+)` found|searched package name: `([^`]+)`")

// debianHint names the Debian packages that ship the crates cargo could not
// find in the registry directory (Debian spells librust-<crate>-dev with - for _).
func debianHint(out string) string {
	var pkgs []string
	for _, m := range missingCrateRe.FindAllStringSubmatch(out, -1) {
		pkgs = append(pkgs, "librust-"+strings.ReplaceAll(strings.ToLower(m[1]+m[2]), "_", "-")+"-dev")
	}
	if len(pkgs) == 0 {
		return ""
	}
	slices.Sort(pkgs)
	return "\nmissing from " + registryDir + ": apt-get install " + strings.Join(slices.Compact(pkgs), " ") + " (and add it to .ci/run)"
}

func TestAccuracyFixture(t *testing.T) {
	if _, err := exec.LookPath("rustdoc"); err != nil {
		requireTools(t, "rustdoc not installed")
	}
	ar, err := txtar.ParseFile("testdata/accuracy.txtar")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeTxtar(t, dir, ar)
	doc := cachedRustdoc(t, "fixture\x00"+string(txtar.Format(ar)), func(out string) string {
		run(t, dir, []string{"RUSTC_BOOTSTRAP=1"}, "rustdoc", "-Z", "unstable-options", "--output-format", "json",
			"--edition", "2021", "--crate-type", "lib", "--crate-name", "fixture", "src/lib.rs", "-o", out)
		return filepath.Join(out, "fixture.json")
	})
	compareWithRustdoc(t, dir, doc, nil)
}

// registryCrate finds the source of a Debian librust-*-dev package.
func registryCrate(t *testing.T, name string) string {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(registryDir, name+"-[0-9]*"))
	slices.Sort(matches)
	if len(matches) == 0 {
		requireTools(t, "Debian package librust-"+name+"-dev not installed")
	}
	return matches[len(matches)-1]
}

const registryDir = "/usr/share/cargo/registry"

// stripDevDeps removes dev-dependency tables, which Debian does not ship.
func stripDevDeps(t *testing.T, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	skip := false
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "[") {
			skip = strings.Contains(l, "dev-dependencies")
		}
		if !skip {
			out = append(out, l)
		}
	}
	if err := os.WriteFile(path, []byte(strings.Join(out, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeTxtar(t *testing.T, dir string, ar *txtar.Archive) {
	t.Helper()
	for _, f := range ar.Files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

var macroCallRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_:]*!\s*[\(\[\{]?`)

// isMacroCallSite reports whether a rustdoc span starts at a macro call, which
// is where rustdoc puts items that a macro template generated. files caches
// the lines of the files read so far.
func isMacroCallSite(dir string, files map[string][]string, file string, line, col int) bool {
	lines, ok := files[file]
	if !ok {
		data, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(file)))
		lines = strings.Split(string(data), "\n")
		files[file] = lines
	}
	if line < 1 || line > len(lines) {
		return false
	}
	l := lines[line-1]
	if c := col - 1; c >= 0 && c < len(l) {
		l = l[c:]
	}
	return macroCallRe.MatchString(strings.TrimSpace(l))
}

// TestDebianHint runs cargo against the registry with a dependency Debian does
// not ship and checks the failure names the package to install.
func TestDebianHint(t *testing.T) {
	if _, err := exec.LookPath("cargo"); err != nil {
		requireTools(t, "cargo not installed")
	}
	// cargo suggests a similar name for the second ("searched package name").
	for _, dep := range []string{"no_such_crate", "itoaa"} {
		dir := t.TempDir()
		writeTxtar(t, dir, txtar.Parse([]byte(`-- Cargo.toml --
[package]
name = "hint"
version = "0.1.0"
edition = "2021"
[dependencies]
`+dep+` = "1"
-- src/lib.rs --
-- .cargo/config.toml --
[source.crates-io]
replace-with = "debian"
[source.debian]
directory = "`+registryDir+`"
`)))
		cmd := exec.CommandContext(t.Context(), "cargo", "metadata", "--offline", "--format-version", "1")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "CARGO_TARGET_DIR="+t.TempDir())
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Fatalf("cargo resolved %s, a crate that does not exist:\n%s", dep, out)
		}
		want := "apt-get install librust-" + strings.ReplaceAll(dep, "_", "-") + "-dev "
		if got := debianHint(string(out)); !strings.Contains(got, want) {
			t.Errorf("hint = %q, want %q\ncargo said:\n%s", got, want, out)
		}
	}
}
