package commons

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/relay/commons/api"
)

// TestChanges: a docpack's changes are against the previous docpack of the
// same ref (not of another branch), served as JSON and on its page.
func TestChanges(t *testing.T) {
	f := newFixture(t, Options{})
	const (
		shaBase = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		shaDev  = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
		shaHead = "cccccccccccccccccccccccccccccccccccccccc"
	)
	now := time.Now()
	m, base, docs := helloPack("lib", shaBase)
	head := slices.DeleteFunc(slices.Clone(base), func(s docpack.Symbol) bool { return s.Name == "greet" })
	var errEnum docpack.Symbol
	for i := range head {
		switch head[i].Name {
		case "Client":
			head[i].DocComments = "A client, now documented."
		case "Error":
			errEnum = head[i]
		}
	}
	head = append(head, docpack.Symbol{ID: docpack.NewID("lib", "lib::Error::Timeout", docpack.KindVariant, 0), Name: "Timeout",
		Path: "lib::Error::Timeout", Crate: "lib", SymbolType: docpack.KindVariant, Visibility: "pub", Signature: "Timeout",
		File: "src/lib.rs", Line: 41, Parent: errEnum.ID})
	headDocs := map[string]docpack.Doc{}
	for _, s := range head {
		headDocs[s.ID] = docpack.Doc{SymbolID: s.ID, Summary: "x", Source: docpack.DocFromSignature}
	}
	hm := *m
	hm.SymbolCount, hm.DocCount = len(head), len(headDocs)
	f.add(t, "octo", "lib", shaHead, "refs/heads/main", now, &hm, head, headDocs)
	f.add(t, "octo", "lib", shaDev, "refs/heads/dev", now.Add(-time.Minute), &hm, head[:3], nil)
	f.add(t, "octo", "lib", shaBase, "refs/heads/main", now.Add(-time.Hour), m, base, docs)

	resp, body := f.get(t, "/api/docpacks/octo/lib/"+shaHead+"/changes")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var got api.Changes
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if got.Base != shaBase || got.Verdict.String() != "major" || got.Counts.Removed != 1 || got.Counts.Added != 1 || got.Counts.Changed != 1 {
		t.Fatalf("changes: base %s verdict %s counts %+v\n%s", got.Base, got.Verdict, got.Counts, body)
	}
	byPath := map[string]api.Change{}
	for _, m := range got.Modules {
		for _, c := range m.Changes {
			byPath[c.Path] = c
		}
	}
	if c := byPath["lib::greet"]; c.Kind != "removed" || !strings.HasSuffix(c.URL, "/r/octo/lib/"+shaBase+"/s/"+c.ID) {
		t.Errorf("greet: %+v (a removal links to the base's page)", c)
	}
	if c := byPath["lib::Error::Timeout"]; c.Reason != "new variant of an exhaustive enum: exhaustive matches break" || !strings.HasSuffix(c.URL, "/r/octo/lib/"+shaHead+"/s/"+c.ID) {
		t.Errorf("Timeout: %+v", c)
	}
	if !strings.Contains(got.Markdown, "**Semver verdict: major**") {
		t.Errorf("markdown: %s", got.Markdown)
	}

	_, body = f.get(t, "/api/docpacks/octo/lib/"+shaBase+"/changes")
	if !strings.Contains(body, `"summary": "first docpack of refs/heads/main: nothing to compare with"`) {
		t.Errorf("first docpack of a ref: %s", body)
	}
	if resp, _ := f.get(t, "/api/docpacks/octo/lib/"+shaMissing+"/changes"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown commit: status %d", resp.StatusCode)
	}

	resp, page := f.get(t, "/r/octo/lib/"+shaHead)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("page status %d", resp.StatusCode)
	}
	for _, want := range []string{"Changes in this commit", "major: 1 removed, 1 changed, 1 added",
		`href="/r/octo/lib/` + shaBase + `"`, ">lib::Error::Timeout</a>", "new variant of an exhaustive enum"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if _, page := f.get(t, "/r/octo/lib/"+shaBase); strings.Contains(page, "Changes in this commit") {
		t.Error("the first docpack of a ref shows changes")
	}
}

// TestStoredBase: an entry whose summary the relay stored is compared with
// the base it names — another ref's commit for a pull request's preview —
// not with the previous entry of its ref, and one stored without a base has
// none even when an older entry of its ref exists. The preview is found by
// its pull request number.
func TestStoredBase(t *testing.T) {
	f := newFixture(t, Options{})
	const (
		shaPreview = "dddddddddddddddddddddddddddddddddddddddd"
		shaFirst   = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
		shaOlder   = "ffffffffffffffffffffffffffffffffffffffff"
	)
	now := time.Now()
	m, syms, docs := helloPack("lib", shaOlder)
	fewer := slices.DeleteFunc(slices.Clone(syms), func(s docpack.Symbol) bool { return s.Name == "greet" })
	f.add(t, "octo", "lib", shaPreview, "refs/pull/7/head", now, m, fewer, nil)
	f.add(t, "octo", "lib", shaFirst, "refs/heads/main", now.Add(-time.Minute), m, syms, docs)
	f.add(t, "octo", "lib", shaOlder, "refs/heads/main", now.Add(-time.Hour), m, fewer, nil)
	for i := range f.cat.entries {
		switch e := &f.cat.entries[i]; e.SHA {
		case shaPreview:
			e.Pull, e.Changes = 7, &ChangeSummary{Base: shaFirst}
		case shaFirst:
			e.Changes = &ChangeSummary{}
		}
	}

	var got api.Changes
	_, body := f.get(t, api.ChangesPath("octo", "lib", shaPreview))
	if err := json.Unmarshal([]byte(body), &got); err != nil || got.Base != shaFirst || got.Pull != 7 || got.Counts.Removed != 1 {
		t.Errorf("preview changes: %v %s", err, body)
	}
	_, body = f.get(t, api.ChangesPath("octo", "lib", shaFirst))
	if err := json.Unmarshal([]byte(body), &got); err != nil || got.Base != "" || got.Counts.Total() != 0 {
		t.Errorf("a docpack stored without a base is compared with %q: %s", got.Base, body)
	}
	resp, body := f.get(t, "/api/docpacks/octo/lib?pull=7")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") != `"`+shaPreview+`"` {
		t.Errorf("?pull=7: %d %s %s", resp.StatusCode, resp.Header.Get("ETag"), body)
	}
	for _, path := range []string{"/api/docpacks/octo/lib?pull=8", "/api/docpacks/octo/lib?pull=x", "/pr/octo/lib/0"} {
		if resp, _ := f.get(t, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, resp.StatusCode)
		}
	}
	_, page := f.get(t, api.PagePath("octo", "lib", shaPreview))
	if !strings.Contains(page, `A preview of <a href="/pr/octo/lib/7">pull request #7</a>`) || !strings.Contains(page, "against the base branch") {
		t.Errorf("the preview's page lacks its notice or its base")
	}
}
