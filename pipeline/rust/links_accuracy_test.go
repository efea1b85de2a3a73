package rust

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/index"
)

// minLinkAgreement is the share of rustdoc's resolved intra-doc links that
// index.ResolveLink must resolve to the same place (0.985 measured on the four
// crates; see the log). With tracing and rand, whose docs link to the items
// they re-export from tracing-core and rand_core: 0.927 of 867 before those
// items were inlined (tracing 97/153, rand 50/55), 0.997 after (tracing
// 152/153, rand 55/55).
const minLinkAgreement = 0.97

// TestLinkAgreement measures intra-doc link resolution against rustdoc: for
// each item of serde, hashbrown, regex-syntax, tokio, tracing and rand (whose
// docs link to the items they re-export from tracing-core and rand_core)
// whose rustdoc JSON has
// a `links` map (link destination as written → item), it resolves the same
// destination from our symbol at the same place with index.ResolveLink and
// counts agreement: the same item (same crate and name; rustdoc gives the
// defining path, we may give a re-export's), or for std/core/alloc and other
// crates a doc.rust-lang.org or docs.rs URL of that crate. It prints the share
// and the disagreements.
func TestLinkAgreement(t *testing.T) {
	want := map[string]bool{"serde": true, "hashbrown": true, "regex-syntax": true, "tokio": true, "tracing": true, "rand": true}
	var total, agree int
	eachRegistryCrate(t, func(rc regCrate) bool { return want[rc.name] }, func(t *testing.T, rc regCrate, doc *rdDoc) {
		n, a, bad := linkAgreement(t, rc.dir, doc)
		total += n
		agree += a
		t.Logf("%s: %d/%d links agree (%.3f)", rc.name, a, n, ratio(a, n))
		sort.Strings(bad)
		for _, b := range bad[:min(len(bad), 40)] {
			t.Log("  " + b)
		}
	})
	if total == 0 {
		t.Skip("no rustdoc links measured")
	}
	share := ratio(agree, total)
	t.Logf("intra-doc links: %d/%d agree with rustdoc (%.3f)", agree, total, share)
	if share < minLinkAgreement {
		t.Errorf("link agreement %.3f < %.2f", share, minLinkAgreement)
	}
}

// linkAgreement compares one crate's links; it returns the links rustdoc
// resolved, how many we resolve alike, and the disagreements.
func linkAgreement(t *testing.T, dir string, doc *rdDoc) (total, agree int, bad []string) {
	crates, err := Discover(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Extract(t.Context(), dir, crates[:1], Options{})
	if err != nil {
		t.Fatal(err)
	}
	x := index.New(nil, res.Symbols, nil)
	at := map[string]int{}
	for i, s := range res.Symbols {
		at[fmt.Sprintf("%s:%d:%s", s.File, s.Line, s.Name)] = i
	}
	for _, rs := range rustdocPublic(doc, dir) {
		if rs.item == nil || len(rs.item.Links) == 0 {
			continue
		}
		from, ok := at[fmt.Sprintf("%s:%d:%s", rs.file, rs.line, rs.name)]
		if !ok {
			continue // an item we do not extract: extraction's accuracy test counts it
		}
		for dest, target := range doc.linkTargets(rs.item) {
			total++
			got, ok := x.ResolveLink(dest, from)
			if ok && sameTarget(x, got, target) {
				agree++
				continue
			}
			ours := "nothing"
			switch {
			case ok && got.Symbol >= 0:
				ours = x.Symbols[got.Symbol].Path
			case ok:
				ours = got.URL
			}
			bad = append(bad, fmt.Sprintf("%s [%s]: rustdoc %s, ours %s", res.Symbols[from].Path, dest, target, ours))
		}
	}
	return total, agree, bad
}

// sameTarget reports whether our resolution names rustdoc's target path.
func sameTarget(x *index.Index, got index.LinkTarget, target string) bool {
	crate, _, _ := strings.Cut(target, "::")
	last := target[strings.LastIndex(target, ":")+1:]
	if got.Symbol >= 0 {
		s := x.Symbols[got.Symbol]
		if s.Path == target {
			return true
		}
		if f := s.InlinedFrom; f != nil {
			// An item of another crate inlined here: rustdoc names it there.
			return f.Path == target || f.Crate == crate && s.Name == last && s.SymbolType != docpack.KindImpl
		}
		sc, _, _ := strings.Cut(s.Path, "::")
		return sc == crate && s.Name == last && s.SymbolType != docpack.KindImpl
	}
	switch crate {
	case "std", "core", "alloc":
		return strings.HasPrefix(got.URL, "https://doc.rust-lang.org/")
	}
	return strings.Contains(got.URL, "/"+crate+"/")
}
