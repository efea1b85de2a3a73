package pages_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/index"
	"github.com/doctown/doctown/internal/debcrate/debpack"
	"github.com/doctown/doctown/pipeline"
	"github.com/doctown/doctown/tui/common"
	"github.com/doctown/doctown/tui/pages"
)

// debianBrowser builds a docpack of a Debian crate and opens the browser on
// it at w×h without colour.
func debianBrowser(t *testing.T, glob string, w, h int) *pages.Browser {
	t.Helper()
	p, err := index.Open(debpack.Build(t, glob, pipeline.BuildOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	b := pages.NewBrowser(common.New(false, nil), p.Index)
	b.SetSize(w, h)
	return b
}

// goTo shows the symbol of a kind at a path, or fails.
func goTo(t *testing.T, b *pages.Browser, path string, kind docpack.Kind) int {
	t.Helper()
	x := b.X
	i, ok := x.ByPath(path)
	if !ok || x.Symbols[i].SymbolType != kind {
		i = -1
		for _, m := range x.Search(path, kind) {
			if x.Symbols[m.Symbol].Path == path {
				i = m.Symbol
				break
			}
		}
	}
	if i < 0 {
		t.Fatalf("no %s %s", kind, path)
	}
	b.GoTo(i, true)
	return i
}

// section returns the lines of the page's section with this title, up to
// the next blank line.
func section(page, title string) []string {
	lines := strings.Split(page, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != title {
			continue
		}
		var out []string
		for _, l := range lines[i+1:] {
			if strings.TrimSpace(l) == "" {
				break
			}
			out = append(out, l)
		}
		return out
	}
	return nil
}

// group is the labels of the page's links in a section.
func group(b *pages.Browser, name string) []string {
	var out []string
	for _, l := range b.Links() {
		if l.Group == name || strings.HasPrefix(l.Group, name+" (") {
			out = append(out, l.Label)
		}
	}
	return out
}

func containsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// frame is the browser's view without styles, trailing spaces cut.
func frame(b *pages.Browser) []byte {
	lines := strings.Split(ansi.Strip(b.View()), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return []byte(strings.Join(lines, "\n") + "\n")
}

// TestHashbrownPages reads hashbrown's pages as docs.rs shows them:
// HashMap's inherent methods and trait implementations, hash_map::Iter with
// only its own impls (hash_set::Iter's used to show there: impls were matched
// by bare name), a module's items grouped by kind, and the doc's links
// numbered and followable, with back.
func TestHashbrownPages(t *testing.T) {
	b := debianBrowser(t, "hashbrown-0.12*", 100, 30)
	hm := goTo(t, b, "hashbrown::HashMap", docpack.KindStruct)
	page := b.PageText()
	methods := group(b, "Implementations")
	for _, want := range []string{"pub fn insert(&mut self, k: K, v: V) -> Option<V>", "pub fn get<Q: ?Sized>(&self, k: &Q) -> Option<&V>", "pub fn new() -> Self"} {
		if !containsPrefix(methods, want) {
			t.Errorf("HashMap's Implementations lack %q:\n%s", want, strings.Join(methods, "\n"))
		}
	}
	traits := group(b, "Trait Implementations")
	if len(traits) < 5 {
		t.Errorf("HashMap has %d trait implementations, want ≥ 5:\n%s", len(traits), strings.Join(traits, "\n"))
	}
	for _, want := range []string{"impl<K: Clone, V: Clone, S: Clone, A: Allocator + Clone> Clone for", "impl<K, V, S, A> Debug for HashMap<K, V, S, A>"} {
		if !containsPrefix(traits, want) {
			t.Errorf("HashMap's Trait Implementations lack %q:\n%s", want, strings.Join(traits, "\n"))
		}
	}
	hmFrame := frame(b)

	// The docs' links: numbered in the text, listed with their targets.
	links := strings.Join(section(page, "Links"), "\n")
	if !strings.Contains(links, "[4] with_hasher → hashbrown::HashMap::with_hasher") || !strings.Contains(links, "[7] Eq → https://doc.rust-lang.org/std/cmp/\n    trait.Eq.html") {
		t.Errorf("HashMap's links:\n%s", links)
	}
	if !strings.Contains(page, "with_hasher[4]") {
		t.Errorf("no marker [4] after with_hasher in the text:\n%s", page)
	}
	// Follow [4] by its number (hashbrown's own definition, "#method.with_hasher"), then back with backspace; esc goes back too.
	b.Update(key("tab"))
	b.Update(key("4"))
	b.Update(key("enter")) // 4 of 90 links: a second digit could follow
	if c := b.Current(); b.X.Symbols[c].Path != "hashbrown::HashMap::with_hasher" {
		t.Fatalf("4 went to %s", b.X.Symbols[c].Path)
	}
	b.Update(key("backspace"))
	if b.Current() != hm {
		t.Fatalf("backspace went to %s", b.X.Symbols[b.Current()].Path)
	}
	b.Update(key("]"))
	b.Update(key("]"))
	b.Update(key("]"))
	b.Update(key("enter"))
	if c := b.Current(); b.X.Symbols[c].Path != "hashbrown::HashMap::with_hasher" {
		t.Fatalf("]]] enter went to %s", b.X.Symbols[c].Path)
	}
	b.Update(key("esc"))
	if b.Current() != hm {
		t.Fatalf("esc went to %s", b.X.Symbols[b.Current()].Path)
	}
	// An external link is not opened: its URL is shown.
	b.Update(key("7"))
	b.Update(key("enter"))
	if v := ansi.Strip(b.View()); b.Current() != hm || !strings.Contains(v, "[7] https://doc.rust-lang.org/std/cmp/trait.Eq.html") {
		t.Errorf("following an external link:\n%s", v)
	}

	// hash_map::Iter lists its own impls, not hash_set::Iter's.
	goTo(t, b, "hashbrown::hash_map::Iter", docpack.KindStruct)
	page = b.PageText()
	traits = group(b, "Trait Implementations")
	if len(traits) == 0 {
		t.Fatalf("hash_map::Iter has no trait implementations:\n%s", page)
	}
	for _, tr := range traits {
		if strings.Contains(tr, "Iter<'_, K") || strings.Contains(tr, "Iter<'a, K") || strings.HasPrefix(tr, " ") {
			continue
		}
		if !strings.Contains(tr, "Iter<") {
			continue
		}
		t.Errorf("hash_map::Iter shows an impl for another Iter: %s", tr)
	}

	// A module's items are grouped by kind, docs.rs's order.
	goTo(t, b, "hashbrown::hash_map", docpack.KindModule)
	page = b.PageText()
	for _, title := range []string{"Structs", "Enums", "Type aliases"} {
		if len(section(page, title)) == 0 {
			t.Errorf("hash_map's page has no %s:\n%s", title, page)
		}
	}
	if s, e := strings.Index(page, "\nStructs\n"), strings.Index(page, "\nEnums\n"); s < 0 || e < s {
		t.Errorf("Structs are not listed before Enums:\n%s", page)
	}
	// The golden file: HashMap's first frame at 100×30, then hash_map's page.
	golden.RequireEqual(t, []byte(fmt.Sprintf("%s\n--- hashbrown::hash_map\n%s\n", hmFrame, page)))
}

// TestSerdeTraitPage reads serde::Serialize: its required method, and ≥ 20
// implementors, each opening the implementing type when serde has it.
func TestSerdeTraitPage(t *testing.T) {
	b := debianBrowser(t, "serde-1.*", 100, 30)
	goTo(t, b, "serde::Serialize", docpack.KindTrait)
	page := b.PageText()
	if req := group(b, "Required Methods"); !containsPrefix(req, "fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error>") {
		t.Errorf("Serialize's required methods:\n%s", strings.Join(req, "\n"))
	}
	// serde's impls are all for std types: docs.rs heads them
	// "Implementations on Foreign Types" (serde defines no type that
	// implements Serialize).
	foreign, local := group(b, "Implementations on Foreign Types"), group(b, "Implementors")
	if !strings.Contains(page, fmt.Sprintf("Implementations on Foreign Types (%d)", len(foreign))) || len(foreign) < 20 {
		t.Errorf("Serialize has %d impls on foreign types, want ≥ 20:\n%s", len(foreign), page)
	}
	if len(local) != 0 {
		t.Errorf("Serialize lists %d implementors, but serde implements it for no type of its own: %v", len(local), local)
	}
	golden.RequireEqual(t, frame(b))
	goTo(t, b, "serde::Serializer", docpack.KindTrait)
	page = b.PageText()
	if len(group(b, "Required Methods")) < 20 || len(group(b, "Provided Methods")) < 3 || len(group(b, "Required Associated Types")) < 5 {
		t.Errorf("Serializer's required and provided items:\n%s", page)
	}
}

// TestBrowserOneModule checks enter on a module in the items list opens it
// (at 80 columns there is no module pane), backspace comes back, and the
// footer keeps "? help" and "q quit" at 80×24.
func TestBrowserOneModule(t *testing.T) {
	b := browser(t)
	b.SetSize(80, 24)
	if got := path(b); got != "geom::shapes" {
		t.Fatalf("first item %s", got)
	}
	b.Update(key("enter"))
	v := ansi.Strip(b.View())
	if !strings.Contains(v, "Items in shapes") || path(b) != "geom::shapes" || b.Focus() != pages.PaneItems {
		t.Errorf("enter on module shapes: focus %d, showing %s:\n%s", b.Focus(), path(b), v)
	}
	b.Update(key("down"))
	if got := path(b); !strings.HasPrefix(got, "geom::shapes::") {
		t.Errorf("the items of shapes show %s", got)
	}
	b.Update(key("backspace"))
	if got := path(b); got != "geom::shapes" {
		t.Errorf("back went to %s", got)
	}
	lines := strings.Split(ansi.Strip(b.View()), "\n")
	foot := lines[len(lines)-1]
	if !strings.Contains(foot, "? help") || !strings.Contains(foot, "q quit") {
		t.Errorf("footer at 80×24: %q", foot)
	}
}
