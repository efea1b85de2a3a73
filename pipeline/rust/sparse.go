package rust

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/doctown/doctown/docpack"
)

// A crate whose public API comes out far smaller than what its sources
// declare `pub` gets a warning (libc's modules are declared inside cfg_if!,
// so a docpack of it once held only the crate root, with exit 0 and nothing
// said). The check is cheap: it only reads the .rs files under the crate's
// source directory that the module tree never reached.
const (
	sparseMinPub   = 20   // below this many pub items in the sources, no warning
	sparseFraction = 4    // warn when fewer than 1/sparseFraction of them are public
	sparseMaxFiles = 4000 // unreached files read at most
)

// pubItemRe matches a line that declares a `pub` item (not pub(crate)).
var pubItemRe = regexp.MustCompile(`(?m)^[ \t]*pub[ \t]+(?:unsafe[ \t]+|const[ \t]+|async[ \t]+|extern[ \t]+"[^"]*"[ \t]+)*(?:fn|struct|enum|union|trait|type|const|static|mod)[ \t]`)

// itemMacroRe matches an item-position macro call at the start of a line:
// cfg_if! {, cfg_if::cfg_if! {, bitflags! {.
var itemMacroRe = regexp.MustCompile(`(?m)^[ \t]*((?:[a-z_][a-z0-9_]*::)*[a-z_][a-z0-9_]*)![ \t]*[{(\[]`)

// sparseWarning reports a crate whose symbols are few compared with the
// `pub` items written in its sources, naming the likely cause.
func sparseWarning(root string, c Crate, outs []*fileOut, syms []docpack.Symbol, maxSize int64) (Warning, bool) {
	shown := 0
	for _, s := range syms {
		switch s.SymbolType {
		case docpack.KindImpl, docpack.KindMethod, docpack.KindField, docpack.KindVariant, docpack.KindTraitMethod,
			docpack.KindAssocType, docpack.KindAssocConst:
		default:
			shown++
		}
	}
	shown-- // the crate root
	parsed := map[string]bool{}
	written := 0 // pub items in the files of the module tree
	var rootRel string
	for _, o := range outs {
		if !o.parsed {
			continue
		}
		parsed[o.rel] = true
		if o.job.decl == nil {
			rootRel = o.rel
		}
		written += o.pubItems
	}
	if shown*sparseFraction >= written && shown >= sparseMinPub {
		// Already plenty: only unreached files could change the verdict when
		// what was reached is itself small.
		return Warning{}, false
	}
	srcDir := filepath.Dir(c.Root)
	unreached, unreachedPub := 0, 0
	var example string
	files := 0
	_ = filepath.WalkDir(srcDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if n := d.Name(); p != srcDir && (strings.HasPrefix(n, ".") || n == "target" || n == "tests" || n == "benches" || n == "examples") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".rs") || !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil || parsed[filepath.ToSlash(rel)] {
			return nil
		}
		if files++; files > sparseMaxFiles {
			return filepath.SkipAll
		}
		if info, err := d.Info(); err != nil || info.Size() > maxSize {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		if n := len(pubItemRe.FindAllIndex(data, -1)); n > 0 {
			unreached++
			unreachedPub += n
			if example == "" || filepath.ToSlash(rel) < example {
				example = filepath.ToSlash(rel)
			}
		}
		return nil
	})
	// Only files the module tree never reached say something is lost: pub
	// items of private modules that nothing re-exports are the crate's own
	// business (anyhow and aho-corasick declare four times what they export,
	// and rustdoc shows exactly what doctown does), so they alone never warn.
	total := written + unreachedPub
	if unreachedPub < sparseMinPub || shown*sparseFraction >= total {
		return Warning{}, false
	}
	msg := fmt.Sprintf("crate %s: only %d public items found, though its sources declare %d `pub` items", c.Name, max(shown, 0), total)
	var causes []string
	if unreached > 0 {
		msg += fmt.Sprintf(" (%d in %d files its module tree never reached, such as %s)", unreachedPub, unreached, example)
		if calls := itemMacroCalls(filepath.Join(root, filepath.FromSlash(rootRel))); len(calls) > 0 {
			causes = append(causes, "modules declared inside macro calls in the crate root ("+strings.Join(calls, ", ")+")")
		}
		causes = append(causes, "modules behind #[cfg_attr(…, path = …)] or #[path] that was not followed")
	}
	if written > shown*sparseFraction {
		causes = append(causes, "pub items in private modules that nothing re-exports, or #[doc(hidden)]")
	}
	msg += "; likely cause: " + strings.Join(causes, "; or ")
	return Warning{File: rootRel, Message: msg}, true
}

// itemMacroCalls names the item-position macro calls of a file (macro_rules!
// definitions left out), with their first line: "cfg_if! (line 12)".
func itemMacroCalls(path string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, m := range itemMacroRe.FindAllSubmatchIndex(data, -1) {
		name := string(data[m[2]:m[3]])
		if name == "macro_rules" || seen[name] {
			continue
		}
		seen[name] = true
		out = append(out, fmt.Sprintf("%s! (line %d)", name, 1+strings.Count(string(data[:m[0]]), "\n")+leadingNewlines(data[m[0]:m[2]])))
		if len(out) == 3 {
			break
		}
	}
	slices.Sort(out)
	return out
}

func leadingNewlines(b []byte) int { return strings.Count(string(b), "\n") }
