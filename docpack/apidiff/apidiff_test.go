package apidiff

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/tui/packtest"
)

func sym(id, path string, kind docpack.Kind, parent, sig string, attrs ...string) docpack.Symbol {
	name := path[strings.LastIndex(path, ":")+1:]
	return docpack.Symbol{ID: id, Name: name, Path: path, Crate: "c", SymbolType: kind, Visibility: "pub",
		Signature: sig, Parent: parent, Attributes: attrs, SourceHash: fmt.Sprintf("%064x", len(id)*7919+len(path)) + ""}
}

func base() []docpack.Symbol {
	return []docpack.Symbol{
		sym("root", "c", docpack.KindModule, "", "mod c"),
		sym("m", "c::m", docpack.KindModule, "root", "pub mod m"),
		sym("S", "c::m::S", docpack.KindStruct, "m", "pub struct S"),
		sym("S.a", "c::m::S::a", docpack.KindField, "S", "a: u8"),
		sym("E", "c::m::E", docpack.KindEnum, "m", "pub enum E"),
		sym("E.A", "c::m::E::A", docpack.KindVariant, "E", "A"),
		sym("N", "c::m::N", docpack.KindEnum, "m", "pub enum N", "#[non_exhaustive]"),
		sym("T", "c::m::T", docpack.KindTrait, "m", "pub trait T"),
		sym("f", "c::m::f", docpack.KindFunction, "m", "pub fn f(x: u8)"),
	}
}

func edit(syms []docpack.Symbol, fn func(map[string]*docpack.Symbol) []docpack.Symbol) []docpack.Symbol {
	out := slices.Clone(syms)
	by := map[string]*docpack.Symbol{}
	for i := range out {
		by[out[i].ID] = &out[i]
	}
	return append(out, fn(by)...)
}

func without(syms []docpack.Symbol, id string) []docpack.Symbol {
	return slices.DeleteFunc(slices.Clone(syms), func(s docpack.Symbol) bool { return s.ID == id })
}

// TestRules checks each rule of DOCPACK_SPEC.md §8 on its own.
func TestRules(t *testing.T) {
	b := base()
	tests := []struct {
		name    string
		new     []docpack.Symbol
		verdict Severity
		kind    Kind
		reason  string
	}{
		{"removed item", without(b, "f"), Major, Removed, "removed public item"},
		{"changed signature", edit(b, func(m map[string]*docpack.Symbol) []docpack.Symbol {
			m["f"].Signature = "pub fn f(x: u16)"
			return nil
		}), Major, Changed, "changed function signature"},
		{"spacing only is no change", edit(b, func(m map[string]*docpack.Symbol) []docpack.Symbol {
			m["f"].Signature = "pub fn f(x:  u8)"
			return nil
		}), None, "", ""},
		{"required trait item", edit(b, func(map[string]*docpack.Symbol) []docpack.Symbol {
			return []docpack.Symbol{sym("T.r", "c::m::T::r", docpack.KindTraitMethod, "T", "fn r(&self)")}
		}), Major, Added, "new required trait item without a default: implementors break"},
		{"provided trait item", edit(b, func(map[string]*docpack.Symbol) []docpack.Symbol {
			s := sym("T.r", "c::m::T::r", docpack.KindTraitMethod, "T", "fn r(&self)")
			s.HasDefault = true
			return []docpack.Symbol{s}
		}), Minor, Added, "new public item"},
		{"variant of exhaustive enum", edit(b, func(map[string]*docpack.Symbol) []docpack.Symbol {
			return []docpack.Symbol{sym("E.B", "c::m::E::B", docpack.KindVariant, "E", "B")}
		}), Major, Added, "new variant of an exhaustive enum: exhaustive matches break"},
		{"variant of non_exhaustive enum", edit(b, func(map[string]*docpack.Symbol) []docpack.Symbol {
			return []docpack.Symbol{sym("N.B", "c::m::N::B", docpack.KindVariant, "N", "B")}
		}), Minor, Added, "new variant of a #[non_exhaustive] enum"},
		{"private field", edit(b, func(m map[string]*docpack.Symbol) []docpack.Symbol {
			m["S"].PrivateFields = true
			return nil
		}), Major, Changed, "new private field: no longer constructible outside the crate"},
		{"narrowed cfg", edit(b, func(m map[string]*docpack.Symbol) []docpack.Symbol {
			m["f"].Attributes = []string{`#[cfg(feature = "x")]`}
			return nil
		}), Major, Changed, `narrowed cfg: cfg(feature = "x")`},
		{"new item", edit(b, func(map[string]*docpack.Symbol) []docpack.Symbol {
			return []docpack.Symbol{sym("g", "c::m::g", docpack.KindFunction, "m", "pub fn g()")}
		}), Minor, Added, "new public item"},
		{"deprecated", edit(b, func(m map[string]*docpack.Symbol) []docpack.Symbol {
			m["f"].Attributes = []string{`#[deprecated(note = "use g")]`}
			return nil
		}), Minor, Changed, "deprecated"},
		{"docs only", edit(b, func(m map[string]*docpack.Symbol) []docpack.Symbol {
			m["f"].DocComments = "Now documented."
			return nil
		}), Patch, Changed, "docs changed"},
		{"made private", edit(b, func(m map[string]*docpack.Symbol) []docpack.Symbol {
			m["f"].Visibility = "pub(crate)"
			return nil
		}), Major, Changed, "no longer public (pub(crate))"},
		{"moved", edit(without(b, "f"), func(map[string]*docpack.Symbol) []docpack.Symbol {
			s := b[len(b)-1]
			s.ID, s.Path, s.Parent = "f2", "c::f", "root"
			return []docpack.Symbol{s}
		}), Major, Moved, "moved: the old path no longer exists"},
		{"renamed function", edit(without(b, "f"), func(map[string]*docpack.Symbol) []docpack.Symbol {
			s := sym("g", "c::m::g", docpack.KindFunction, "m", "pub fn g(x: u8)")
			return []docpack.Symbol{s}
		}), Major, Moved, "renamed: the old name no longer exists"},
		{"renamed struct and its field", edit(without(without(b, "S"), "S.a"), func(map[string]*docpack.Symbol) []docpack.Symbol {
			return []docpack.Symbol{sym("R", "c::m::R", docpack.KindStruct, "m", "pub struct R"),
				sym("R.a", "c::m::R::a", docpack.KindField, "R", "a: u8")}
		}), Major, Moved, "renamed: the old name no longer exists"},
		{"a renamed function that changed shape is removed and added", edit(without(b, "f"), func(map[string]*docpack.Symbol) []docpack.Symbol {
			return []docpack.Symbol{sym("g", "c::m::g", docpack.KindFunction, "m", "pub fn g(x: u16)")}
		}), Major, "", ""},
		{"a bare item replaced by another is removed and added", edit(without(b, "T"), func(map[string]*docpack.Symbol) []docpack.Symbol {
			return []docpack.Symbol{sym("U", "c::m::U", docpack.KindTrait, "m", "pub trait U")}
		}), Major, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Diff(Input{Symbols: b}, Input{Symbols: tt.new})
			if tt.kind == "" && tt.verdict == Major {
				// Not a rename: one removal and one addition.
				if r.Counts.Removed != 1 || r.Counts.Added != 1 || r.Counts.Moved != 0 {
					t.Fatalf("counts %+v, want 1 removed and 1 added: %+v", r.Counts, r.Changes())
				}
				return
			}
			if r.Verdict != tt.verdict {
				t.Fatalf("verdict %s, want %s: %+v", r.Verdict, tt.verdict, r.Changes())
			}
			cs := r.Changes()
			if tt.verdict == None {
				if len(cs) != 0 {
					t.Fatalf("changes %+v, want none", cs)
				}
				return
			}
			if len(cs) != 1 || cs[0].Kind != tt.kind || cs[0].Reason != tt.reason {
				t.Fatalf("changes %+v, want one %s change: %q", cs, tt.kind, tt.reason)
			}
		})
	}
}

// randomPack builds a pack of modules, types and functions from rng.
func randomPack(rng *rand.Rand, n int) []docpack.Symbol {
	syms := []docpack.Symbol{sym("root", "c", docpack.KindModule, "", "mod c")}
	kinds := []docpack.Kind{docpack.KindFunction, docpack.KindStruct, docpack.KindEnum, docpack.KindTrait, docpack.KindConst}
	for i := 0; i < n; i++ {
		mod := fmt.Sprintf("c::m%d", i%5)
		mid := fmt.Sprintf("m%d", i%5)
		if i < 5 {
			syms = append(syms, sym(mid, mod, docpack.KindModule, "root", "pub mod "+mid))
		}
		k := kinds[rng.IntN(len(kinds))]
		name := fmt.Sprintf("item%d", i)
		s := sym(fmt.Sprintf("i%d", i), mod+"::"+name, k, mid, fmt.Sprintf("pub %s %s(%d)", k, name, rng.IntN(3)))
		s.SourceHash = fmt.Sprintf("%064x", i+1)
		if rng.IntN(4) == 0 {
			s.DocComments = "doc " + name
		}
		syms = append(syms, s)
		if k == docpack.KindEnum || k == docpack.KindTrait {
			ck := docpack.KindVariant
			if k == docpack.KindTrait {
				ck = docpack.KindTraitMethod
			}
			c := sym(s.ID+".c", s.Path+"::child", ck, s.ID, "child")
			c.SourceHash = fmt.Sprintf("%064x", 100000+i)
			syms = append(syms, c)
		}
	}
	return syms
}

// mutate removes, moves, changes and adds items at random.
func mutate(rng *rand.Rand, syms []docpack.Symbol) []docpack.Symbol {
	var out []docpack.Symbol
	for _, s := range syms {
		if s.SymbolType == docpack.KindModule {
			out = append(out, s)
			continue
		}
		switch rng.IntN(12) {
		case 0: // removed
			continue
		case 1: // moved to another module
			if s.Parent != "" && strings.HasPrefix(s.Parent, "m") {
				s.ID, s.Path, s.Parent = s.ID+"mv", "c::m9::"+s.Name, "root"
			}
		case 2:
			s.Signature += " where T: Clone"
		case 3:
			s.DocComments = "rewritten"
		case 4:
			s.Attributes = append(s.Attributes, `#[cfg(unix)]`)
		case 5:
			s.Attributes = append(s.Attributes, "#[deprecated]")
		case 6:
			s.Visibility = "pub(crate)"
		case 7:
			s.PrivateFields = !s.PrivateFields
		case 8: // renamed in place
			if s.Parent != "" && strings.HasPrefix(s.Parent, "m") {
				old := s.Name
				s.Name += "rn"
				s.ID, s.Path = s.ID+"rn", s.Path+"rn"
				s.Signature = strings.Replace(s.Signature, old+"(", s.Name+"(", 1)
			}
		}
		out = append(out, s)
		if rng.IntN(10) == 0 {
			a := sym(s.ID+"new", s.Path+"_new", docpack.KindFunction, s.Parent, "pub fn x()")
			a.SourceHash = fmt.Sprintf("%064x", 500000+len(out))
			out = append(out, a)
		}
	}
	return out
}

// TestProperties: diff(a, a) is empty, and diff(b, a) is diff(a, b) mirrored.
func TestProperties(t *testing.T) {
	renames := 0
	for seed := uint64(0); seed < 300; seed++ {
		rng := rand.New(rand.NewPCG(seed, 1))
		a := randomPack(rng, 20+rng.IntN(60))
		b := mutate(rng, a)
		if r := Diff(Input{Symbols: a}, Input{Symbols: a}); !r.Empty() || r.Verdict != None {
			t.Fatalf("seed %d: diff(a, a) = %+v", seed, r.Changes())
		}
		ab, ba := Diff(Input{Symbols: a}, Input{Symbols: b}), Diff(Input{Symbols: b}, Input{Symbols: a})
		if got, want := mirror(ba.Changes()), keys(ab.Changes()); !slices.Equal(got, want) {
			t.Fatalf("seed %d: diff(b, a) does not mirror diff(a, b):\n ab %q\n ba mirrored %q", seed, want, got)
		}
		for _, c := range ab.Changes() {
			if strings.HasPrefix(c.Reason, "renamed") {
				renames++
			}
		}
		if ab.Counts.Added != ba.Counts.Removed || ab.Counts.Removed != ba.Counts.Added || ab.Counts.Changed != ba.Counts.Changed || ab.Counts.Moved != ba.Counts.Moved {
			t.Fatalf("seed %d: counts %+v vs %+v", seed, ab.Counts, ba.Counts)
		}
	}
	if renames == 0 {
		t.Fatal("no renames detected across the seeds: the mutations do not exercise them")
	}
}

func keys(cs []Change) []string {
	var out []string
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%s %s %s %s %v", c.Kind, c.OldPath, c.Path, c.Old+"→"+c.New, c.Aspects))
	}
	slices.Sort(out)
	return out
}

// mirror turns diff(b, a)'s changes into what diff(a, b) should say.
func mirror(cs []Change) []string {
	var out []Change
	for _, c := range cs {
		switch c.Kind {
		case Added:
			c.Kind, c.Old, c.New = Removed, c.New, ""
		case Removed:
			c.Kind, c.New, c.Old = Added, c.Old, ""
		case Moved:
			c.Path, c.OldPath = c.OldPath, c.Path
			c.Old, c.New = c.New, c.Old
		case Changed:
			c.Old, c.New = c.New, c.Old
		}
		out = append(out, c)
	}
	return keys(out)
}

func TestMarkdownTruncates(t *testing.T) {
	b := base()
	var syms []docpack.Symbol
	for i := 0; i < 2000; i++ {
		syms = append(syms, sym(fmt.Sprintf("g%d", i), fmt.Sprintf("c::m::g%d", i), docpack.KindFunction, "m", "pub fn g()"))
	}
	r := Diff(Input{Symbols: b}, Input{Symbols: append(slices.Clone(b), syms...)})
	full := r.Markdown(MarkdownOptions{})
	if !strings.Contains(full, "| + added | `c::m::g1999` | function | minor: new public item |") {
		t.Fatalf("full markdown lacks the last row:\n%s", full[len(full)-300:])
	}
	md := r.Markdown(MarkdownOptions{Limit: 4000, MoreURL: "https://x/changes"})
	if len(md) > 4000 || !strings.HasSuffix(md, "… truncated: [all changes](https://x/changes)\n") {
		t.Fatalf("truncated markdown: %d bytes, ends %q", len(md), md[max(0, len(md)-80):])
	}
}

// TestCheckRunOutput: the summary holds the count, the verdict and the diff,
// and a diff too long for a check run is cut within GitHub's limit (in
// characters, with multi-byte paths) and links the full changes page.
func TestCheckRunOutput(t *testing.T) {
	b := base()
	title, sum := CheckRunOutput(nil, CheckRunInput{Symbols: len(b)})
	if title != "9 public symbols documented" || !strings.Contains(sum, "no earlier docpack") {
		t.Errorf("without a base: %q, %q", title, sum)
	}
	small := Diff(Input{Symbols: b}, Input{Symbols: without(b, "f")})
	title, sum = CheckRunOutput(small, CheckRunInput{Symbols: 8, Base: "abc1234", BaseLabel: "the previous push of main",
		Markdown: MarkdownOptions{OldLink: func(c Change) string { return "https://x/old/" + c.ID }}})
	if title != "8 public symbols · major: 1 removed" {
		t.Errorf("title %q", title)
	}
	for _, want := range []string{"Documented **8 public symbols**, compared with the previous push of main (`abc1234`).",
		"**Semver verdict: major**", "[`c::m::f`](https://x/old/f)"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
	if _, sum := CheckRunOutput(Diff(Input{Symbols: b}, Input{Symbols: b}), CheckRunInput{Symbols: 9, Base: "abc1234"}); !strings.Contains(sum, "No public API changes.") {
		t.Errorf("empty diff: %q", sum)
	}
	var syms []docpack.Symbol
	for i := 0; i < 3000; i++ {
		syms = append(syms, sym(fmt.Sprintf("g%d", i), fmt.Sprintf("c::m::gé日本%d", i), docpack.KindFunction, "m", "pub fn g()"))
	}
	big := Diff(Input{Symbols: b}, Input{Symbols: append(slices.Clone(b), syms...)})
	if full := big.Markdown(MarkdownOptions{}); utf8.RuneCountInString(full) <= MaxCheckSummary {
		t.Fatalf("the big diff fits (%d characters): it tests nothing", utf8.RuneCountInString(full))
	}
	_, sum = CheckRunOutput(big, CheckRunInput{Symbols: 3009, Base: "abc1234", BaseLabel: "the base branch main",
		Markdown: MarkdownOptions{MoreURL: "https://x/changes", Link: func(c Change) string { return "https://x/" + c.ID }}})
	if n := utf8.RuneCountInString(sum); n > MaxCheckSummary || len(sum) > MaxCheckSummary {
		t.Fatalf("summary of %d characters, %d bytes: over %d", n, len(sum), MaxCheckSummary)
	}
	if !strings.HasSuffix(sum, "… truncated: [all changes](https://x/changes)\n") || !utf8.ValidString(sum) {
		t.Fatalf("truncated summary ends %q", sum[len(sum)-80:])
	}
}

// BenchmarkDiff50k diffs two 50,000-symbol docpacks, the second with about
// two items in three removed, moved, changed or added beside (mutate);
// BenchmarkIndex50k is the floor (indexing both sides by id).
func BenchmarkDiff50k(b *testing.B) {
	_, a, _ := packtest.Generated(50000)
	n := mutate(rand.New(rand.NewPCG(1, 2)), a)
	start := cpuTime()
	for b.Loop() {
		r := Diff(Input{Symbols: a}, Input{Symbols: n})
		if r.Empty() {
			b.Fatal("no changes")
		}
	}
	reportCPU(b, start)
}

// cpuTime is the process's user+system CPU time. On the shared development
// machine wall-clock ns/op swings with the other processes' load; CPU time
// per op (cpu-ms/op, GC included) is the steadier figure.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

func BenchmarkIndex50k(b *testing.B) {
	_, a, _ := packtest.Generated(50000)
	n := mutate(rand.New(rand.NewPCG(1, 2)), a)
	start := cpuTime()
	for b.Loop() {
		index(Input{Symbols: a})
		index(Input{Symbols: n})
	}
	reportCPU(b, start)
}
