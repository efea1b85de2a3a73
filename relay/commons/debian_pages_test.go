package commons

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// getPage serves path, following the commons' own redirects (a /p/ path to its item).
func getPage(t *testing.T, h http.Handler, path string) string {
	t.Helper()
	for range 3 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code == http.StatusFound {
			path = rec.Header().Get("Location")
			continue
		}
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: status %d", path, rec.Code)
		}
		if rec.Body.Len() > 1<<20 {
			t.Errorf("%s is %d bytes, over 1 MB", path, rec.Body.Len())
		}
		return rec.Body.String()
	}
	t.Fatalf("%s: too many redirects", path)
	return ""
}

// rawLink is an intra-doc link left as written: "[`Uniform`]" renders as
// "[<code>Uniform</code>]"; or a relative rustdoc page address, dead here.
var rawLink = regexp.MustCompile(`\[<code>[^<]*</code>\]|\]\[[A-Za-z:_]+\]|href="(\.\./)*[a-z]+\.[A-Za-z_]+\.html`)

// TestDebianPages reads the pages of real crates as a Rust developer would
// on docs.rs: a type's methods and trait impls, a trait's implementors,
// re-exports, cfg badges, source links and resolved intra-doc links.
func TestDebianPages(t *testing.T) {
	h := serveDebian(t, serde, hashbrown, syn)
	count := func(body, s string) int { return strings.Count(body, s) }
	noRawLinks := func(t *testing.T, path, body string) {
		t.Helper()
		if m := rawLink.FindAllString(body, 3); m != nil {
			t.Errorf("%s shows intra-doc links unresolved: %q", path, m)
		}
	}

	t.Run("hashbrown::HashMap lists its methods and trait impls", func(t *testing.T) {
		path := hashbrown.page() + "/p/hashbrown::HashMap"
		body := getPage(t, h, path)
		for _, want := range []string{`<section class="group" id="implementations">`, `id="method.insert"`, `id="method.get"`,
			`id="trait-implementations"`, `href="https://github.com/rust-lang/hashbrown/blob/` + hashbrown.sha() + `/src/map.rs#L`} {
			if !strings.Contains(body, want) {
				t.Errorf("HashMap's page lacks %q", want)
			}
		}
		if n := count(body, `<details class="impl"`); n < 5 {
			t.Errorf("HashMap's page shows %d trait impls, want >= 5", n)
		}
		noRawLinks(t, path, body)
	})

	t.Run("syn::ItemFn shows its trait impls", func(t *testing.T) {
		body := getPage(t, h, syn.page()+"/p/syn::ItemFn")
		if n := count(body, `<details class="impl"`); n < 7 {
			t.Errorf("ItemFn's page shows %d trait impls, want >= 7", n)
		}
		for _, want := range []string{">Fields<", `id="structfield.sig"`, "impl Clone for ItemFn"} {
			if !strings.Contains(body, want) {
				t.Errorf("ItemFn's page lacks %q", want)
			}
		}
	})

	t.Run("serde::Serialize lists its implementors", func(t *testing.T) {
		path := serde.page() + "/p/serde::Serialize"
		body := getPage(t, h, path)
		rows := count(body, `<ul class="items implementors">`)
		n := strings.Count(body[strings.Index(body, `id="foreign-impls"`):], "<li>")
		if rows == 0 || n < 20 {
			t.Errorf("Serialize's page shows %d implementors, want >= 20", n)
		}
		for _, want := range []string{"impl Serialize for bool", "also</span> <code>serde::ser::Serialize</code>"} {
			if !strings.Contains(body, want) {
				t.Errorf("Serialize's page lacks %q", want)
			}
		}
		noRawLinks(t, path, body)
	})

	t.Run("a re-export is shown where it is re-exported", func(t *testing.T) {
		// serde::ser::Serialize is the trait whose path is serde::Serialize.
		body := getPage(t, h, serde.page()+"/p/serde::ser")
		if !strings.Contains(body, `id="reexports"`) || !strings.Contains(body, ">serde::Serialize</a>;</code>") {
			t.Errorf("serde::ser's page does not show its re-export of Serialize")
		}
		if getPage(t, h, serde.page()+"/p/serde::ser::Serialize") != getPage(t, h, serde.page()+"/p/serde::Serialize") {
			t.Errorf("serde::ser::Serialize is not the page of serde::Serialize")
		}
	})

	t.Run("the crate page is the crate root's, in rustdoc's order", func(t *testing.T) {
		body := getPage(t, h, serde.page())
		for _, want := range []string{`<span class="name">serde</span>`, "1.0.152", "Serde is a framework for"} {
			if !strings.Contains(body, want) {
				t.Errorf("serde's page lacks %q", want)
			}
		}
		// Modules, macros, traits: rustdoc's order.
		m, mac, tr := strings.Index(body, `id="modules"`), strings.Index(body, `id="macros"`), strings.Index(body, `id="traits"`)
		if m < 0 || mac < m || tr < mac {
			t.Errorf("serde's sections are out of rustdoc's order: modules %d, macros %d, traits %d", m, mac, tr)
		}
		noRawLinks(t, serde.page(), body)
	})

	t.Run("cfg badges and resolved links", func(t *testing.T) {
		// syn turns on doc_cfg for docs.rs (--cfg doc_cfg in its metadata):
		// its doc(cfg(…)) badges show; hashbrown 0.12 does not: docs.rs
		// shows no badge for its rayon module.
		body := getPage(t, h, syn.page()+"/p/syn")
		if !strings.Contains(body, `<span class="stab" title="Available on crate feature `+"`visit`"+` only">visit</span>`) {
			t.Errorf("syn does not badge its visit module")
		}
		body = getPage(t, h, syn.page()+"/p/syn::visit")
		if !strings.Contains(body, `<div class="stab portability">Available on crate feature <code>visit</code> only.</div>`) {
			t.Errorf("syn::visit lacks its availability")
		}
		body = getPage(t, h, hashbrown.page()+"/p/hashbrown::hash_map")
		if strings.Contains(body, `title="Available on crate feature `+"`rayon`"+` only"`) {
			t.Errorf("hashbrown::hash_map badges its rayon module; docs.rs shows none (no doc_cfg)")
		}
		// serde's Serializer doc links [`Serialize`] and std's names.
		body = getPage(t, h, serde.page()+"/p/serde::Serializer")
		if !strings.Contains(body, `href="https://doc.rust-lang.org/`) {
			t.Errorf("serde::Serializer links nothing on doc.rust-lang.org")
		}
		noRawLinks(t, "serde::Serializer", body)
	})
}
