package commons

import (
	"encoding/json"
	"net/http"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/relay/commons/api"
	"golang.org/x/net/html"
)

func TestAPIListShape(t *testing.T) {
	f := newFixture(t, Options{PublicURL: "https://docs.example/"})
	resp, body := f.get(t, "/api/docpacks?limit=2")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var raw struct {
		Docpacks []map[string]any `json:"docpacks"`
		Next     string           `json:"next"`
	}
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw.Docpacks) != 2 || raw.Next == "" {
		t.Fatalf("got %d docpacks, next %q; want 2 and a cursor", len(raw.Docpacks), raw.Next)
	}
	var keys []string
	for k := range raw.Docpacks[1] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := []string{"crates", "created_at", "generator", "model", "owner", "page_url", "ref", "repo", "sha", "size", "symbol_count", "url"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("fields %v, want %v", keys, want)
	}
	d := raw.Docpacks[1]
	if d["owner"] != "octo" || d["repo"] != "hello" || d["sha"] != shaNew || d["ref"] != "main" || d["symbol_count"] != float64(8) || d["generator"] != "extractive" {
		t.Errorf("second docpack = %v", d)
	}
	if d["url"] != "https://docs.example/api/docpacks/octo/hello/"+shaNew || d["page_url"] != "https://docs.example/r/octo/hello/"+shaNew {
		t.Errorf("urls = %v, %v", d["url"], d["page_url"])
	}
	if _, err := os.Stat(f.files[shaNew]); err != nil || d["size"] != float64(fileSize(t, f.files[shaNew])) {
		t.Errorf("size = %v, want the file's", d["size"])
	}
}

func fileSize(t *testing.T, path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func listSHAs(t *testing.T, f *fixture, query string) ([]string, string) {
	t.Helper()
	resp, body := f.get(t, "/api/docpacks"+query)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/docpacks%s: %d %s", query, resp.StatusCode, body)
	}
	var out api.List
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	var shas []string
	for _, d := range out.Docpacks {
		shas = append(shas, d.SHA)
	}
	return shas, out.Next
}

func TestAPIListFilters(t *testing.T) {
	f := newFixture(t, Options{})
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{shaHostile, shaNew, shaOther, shaOld, shaMissing}},
		{"?owner=octo", []string{shaNew, shaOld}},
		{"?owner=octo&repo=hello", []string{shaNew, shaOld}},
		{"?repo=widgets", []string{shaOther}},
		{"?q=WIDG", []string{shaOther}},
		{"?q=octo/he", []string{shaNew, shaOld}},
		{"?q=nothing-like-it", nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got, _ := listSHAs(t, f, tt.query)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAPIListPagination(t *testing.T) {
	f := newFixture(t, Options{})
	var all []string
	query := "?limit=2"
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		shas, next := listSHAs(t, f, query)
		all = append(all, shas...)
		if next == "" {
			break
		}
		query = "?limit=2&cursor=" + next
	}
	want := []string{shaHostile, shaNew, shaOther, shaOld, shaMissing}
	if !reflect.DeepEqual(all, want) {
		t.Errorf("pages gave %v, want %v", all, want)
	}
	for _, bad := range []string{"?limit=0", "?limit=-3", "?limit=ten"} {
		if resp, _ := f.get(t, "/api/docpacks"+bad); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", bad, resp.StatusCode)
		}
	}
}

func TestAPIDownload(t *testing.T) {
	f := newFixture(t, Options{})
	for _, tt := range []struct{ path, sha string }{
		{"/api/docpacks/octo/hello", shaNew},
		{"/api/docpacks/octo/hello/" + shaOld, shaOld},
		{"/api/docpacks/acme/widgets/" + shaOther, shaOther},
	} {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := f.get(t, tt.path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			want, err := os.ReadFile(f.files[tt.sha])
			if err != nil {
				t.Fatal(err)
			}
			if body != string(want) {
				t.Errorf("body is %d bytes and differs from the stored %d-byte file", len(body), len(want))
			}
			h := resp.Header
			if h.Get("Content-Type") != DocpackContentType {
				t.Errorf("Content-Type %q", h.Get("Content-Type"))
			}
			if cd := h.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".docpack") {
				t.Errorf("Content-Disposition %q", cd)
			}
			if h.Get("Content-Length") != itoa(len(want)) {
				t.Errorf("Content-Length %q, want %d", h.Get("Content-Length"), len(want))
			}
			if h.Get("ETag") != `"`+tt.sha+`"` {
				t.Errorf("ETag %q, want the sha", h.Get("ETag"))
			}
			// The downloaded bytes are a readable docpack of that commit.
			p, err := docpack.Read(strings.NewReader(body), int64(len(body)))
			if err != nil {
				t.Fatal(err)
			}
			if p.Manifest.Repository.CommitSHA != tt.sha {
				t.Errorf("downloaded docpack is for %s", p.Manifest.Repository.CommitSHA)
			}
		})
	}
	t.Run("if-none-match", func(t *testing.T) {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, f.srv.URL+"/api/docpacks/octo/hello", nil)
		req.Header.Set("If-None-Match", `"`+shaNew+`"`)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("status %d, want 304", resp.StatusCode)
		}
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestAPINotFound(t *testing.T) {
	f := newFixture(t, Options{})
	for _, path := range []string{
		"/api/docpacks/nobody/nothing",
		"/api/docpacks/octo/hello/" + strings.Repeat("9", 40),
		"/api/docpacks/ghost/gone",
		"/api/docpacks/ghost/gone/" + shaMissing,
	} {
		t.Run(path, func(t *testing.T) {
			resp, body := f.get(t, path)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("status %d, want 404", resp.StatusCode)
			}
			var e api.Error
			if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error == "" {
				t.Errorf("body %q is not a JSON error", body)
			}
			if resp.Header.Get("ETag") != "" {
				t.Errorf("a 404 carries ETag %q", resp.Header.Get("ETag"))
			}
		})
	}
}

func TestWebList(t *testing.T) {
	f := newFixture(t, Options{})
	resp, body := f.get(t, "/")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{`href="/r/octo/hello/` + shaNew + `"`, "widgets", "2222222", "trunk", `href="/static/style.css"`, `name="q"`,
		// Each docpack's crates with version and summary, links as text.
		`<span class="crate">hello</span> <span class="muted">0.3.1</span> <span class="summary">— Says hello over the <code>net</code> with a <code>Client</code>.</span>`} {
		if !strings.Contains(body, want) {
			t.Errorf("listing lacks %q", want)
		}
	}
	_, body = f.get(t, "/?q=widg")
	if !strings.Contains(body, "acme/") || strings.Contains(body, "/r/octo/hello") {
		t.Errorf("?q=widg does not filter to acme/widgets")
	}
	_, body = f.get(t, "/?q=zzz")
	if !strings.Contains(body, "No repository matches") {
		t.Errorf("an empty search says nothing")
	}
	if resp, _ := f.get(t, "/static/style.css"); resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp, _ := f.get(t, "/static/"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("/static/ lists a directory: %d", resp.StatusCode)
	}
	if resp, _ := f.get(t, "/no/such/page"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown path: %d", resp.StatusCode)
	}
}

func TestWebPack(t *testing.T) {
	f := newFixture(t, Options{})
	resp, _ := f.get(t, "/r/octo/hello")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/r/octo/hello/"+shaNew {
		t.Errorf("latest: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := f.get(t, "/r/octo/hello/"+shaNew)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	// The crate root's items, as docs.rs shows a crate.
	for _, want := range []string{"<h2>Crates</h2>", "0.3.1", "<h2>Modules</h2>", ">net</a>", `<section class="group" id="modules">`,
		`id="functions"`, ">greet</a>", "Returns a friendly greeting", `id="traits"`, ">Shape</a>", `id="enums"`, ">Error</a>",
		`action="/r/octo/hello/` + shaNew + `"`, `href="/r/octo/hello/` + shaNew + `/all"`} {
		if !strings.Contains(body, want) {
			t.Errorf("docpack page lacks %q", want)
		}
	}
	if strings.Contains(body, "timeout") || strings.Contains(body, ">Client</a>") {
		t.Errorf("the crate root's page lists items of net")
	}
	// Every item by kind.
	_, body = f.get(t, "/r/octo/hello/"+shaNew+"/all")
	for _, want := range []string{`id="structs"`, ">hello::net::Client</a>", "A network client.", ">hello::greet</a>", `id="traits"`, `id="enums"`} {
		if !strings.Contains(body, want) {
			t.Errorf("all items lack %q", want)
		}
	}
	if strings.Contains(body, "hello::net::Client::timeout") {
		t.Errorf("fields belong on their struct's page, not the list of all items")
	}
	for _, bad := range []string{"?page=0", "?page=x", "?page=-1"} {
		if resp, _ := f.get(t, "/r/octo/hello/"+shaNew+bad); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", bad, resp.StatusCode)
		}
	}
	if resp, _ := f.get(t, "/r/octo/hello/"+shaNew+"?page=2"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("page 2 of a one-page listing: status %d, want 404", resp.StatusCode)
	}
	for _, tt := range []struct {
		q         string
		want, not []string
	}{
		{"greet", []string{"hello::greet"}, []string{"hello::net::Client<"}},
		{"CONNECT", []string{"hello::net::Client::connect"}, []string{"hello::greet"}},
		{"net::", []string{"hello::net::Client", "hello::net::Client::timeout"}, []string{"hello::greet"}},
		{"nothing-here", []string{"No symbol matches"}, nil},
	} {
		_, body := f.get(t, "/r/octo/hello/"+shaNew+"?q="+tt.q)
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("search %q lacks %q", tt.q, w)
			}
		}
		for _, n := range tt.not {
			if strings.Contains(body, n) {
				t.Errorf("search %q shows %q", tt.q, n)
			}
		}
	}
	for _, path := range []string{"/r/octo/nothing", "/r/octo/hello/" + strings.Repeat("9", 40), "/r/ghost/gone/" + shaMissing, "/r/octo/hello/" + shaNew + "/s/0000000000000000"} {
		if resp, _ := f.get(t, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, resp.StatusCode)
		}
	}
}

func TestWebSymbol(t *testing.T) {
	f := newFixture(t, Options{})
	id := docpack.NewID("hello", "hello::net::Client::connect", docpack.KindMethod, 0)
	resp, body := f.get(t, "/r/octo/hello/"+shaNew+"/s/"+id)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{
		`<pre class="sig"><code>pub fn connect(addr: &amp;str) -&gt; Result&lt;Client, Error&gt;</code></pre>`,
		"<p>Opens a connection to <code>addr</code>.</p>",
		"<strong>timeout</strong>",
		"<code>addr: &amp;str</code>", "host and port",
		"<h2>Returns</h2>", "<h2>Errors</h2>", "unreachable", "<h2>Panics</h2>", "<h2>Examples</h2>",
		"Client::connect(&#34;example.org:80&#34;)?;",
		"<code>src/net.rs:20</code>", "<code>pub</code>", "<dd>written by a model</dd>",
		">hello</a>::<a", ">net</a>::<a", ">Client</a>::</p>",
		"<h2>Refers to</h2>",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("symbol page lacks %q", want)
		}
	}
	clientURL := "/r/octo/hello/" + shaNew + "/s/" + docpack.NewID("hello", "hello::net::Client", docpack.KindStruct, 0)
	if !strings.Contains(body, `<a href="`+clientURL+`"><code>Client</code></a>`) {
		t.Errorf("dependency Client is not linked to its page")
	}
	_, body = f.get(t, clientURL)
	for _, want := range []string{`<section class="group" id="fields">`, `id="structfield.timeout"`, ">timeout</a>",
		`<section class="group" id="methods">`, `id="method.connect"`, `<div class="summary">Opens a connection to <code>addr</code>.</div>`, "#[derive(Debug, Clone)]"} {
		if !strings.Contains(body, want) {
			t.Errorf("struct page lacks %q", want)
		}
	}
	// A symbol without a doc entry shows its doc comments.
	greet := docpack.NewID("hello", "hello::greet", docpack.KindFunction, 0)
	_, body = f.get(t, "/r/octo/hello/"+shaNew+"/s/"+greet)
	if !strings.Contains(body, "Returns a friendly greeting") || !strings.Contains(body, "<em>plain</em>") {
		t.Errorf("greet page lacks its docs")
	}
}

func TestHostileContentIsEscaped(t *testing.T) {
	f := newFixture(t, Options{})
	id := docpack.NewID("evil", "evil::boom", docpack.KindFunction, 0)
	for _, path := range []string{"/", "/?q=%3Cscript%3Ealert(1)%3C/script%3E", "/r/mallory/evil/" + shaHostile,
		"/r/mallory/evil/" + shaHostile + "?q=boom", "/r/mallory/evil/" + shaHostile + "/s/" + id,
		"/r/mallory/evil/" + shaHostile + "?q=%3Cscript%3E"} {
		t.Run(path, func(t *testing.T) {
			resp, body := f.get(t, path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			for _, bad := range injected(body) {
				t.Errorf("page carries injected markup: %s", bad)
			}
			if !strings.Contains(body, "&lt;script&gt;") {
				t.Errorf("hostile text is not shown escaped")
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("CSP %q", csp)
			}
		})
	}
}

func TestPackCacheEvictionAndConcurrency(t *testing.T) {
	f := newFixture(t, Options{CacheSize: 1})
	paths := []string{"/r/octo/hello/" + shaNew, "/r/acme/widgets/" + shaOther, "/r/octo/hello/" + shaOld}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for i := range 24 {
		wg.Go(func() {
			p := paths[i%len(paths)] + "?q=connect"
			resp, body := f.get(t, p)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, "::net::Client::connect") {
				errs <- p
			}
		})
	}
	wg.Wait()
	close(errs)
	for p := range errs {
		t.Errorf("%s failed while the cache evicted packs", p)
	}
}

// injected lists the elements and attributes in page that no commons page
// has of its own and that hostile content would bring: script, img, iframe,
// b, event handler attributes and javascript: URLs.
func injected(page string) []string {
	var out []string
	z := html.NewTokenizer(strings.NewReader(page))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return out
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script", "img", "iframe", "b", "object", "embed":
				out = append(out, "<"+tok.Data+">")
			}
			for _, a := range tok.Attr {
				v := strings.ToLower(strings.TrimSpace(a.Val))
				if strings.HasPrefix(a.Key, "on") || strings.HasPrefix(v, "javascript:") {
					out = append(out, tok.Data+" "+a.Key+"="+a.Val)
				}
			}
		}
	}
}
