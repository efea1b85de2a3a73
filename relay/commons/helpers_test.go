package commons

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/relay/store"
)

// sliceCatalog is a Catalog over a slice, newest entry first.
type sliceCatalog struct {
	entries []Entry
}

func (c *sliceCatalog) List(ctx context.Context, q ListQuery) ([]Entry, string, error) {
	start := 0
	if q.Cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(q.Cursor)
		if err != nil {
			return nil, "", err
		}
		if start, err = strconv.Atoi(string(b)); err != nil {
			return nil, "", err
		}
	}
	var out []Entry
	next := ""
	for i := start; i < len(c.entries); i++ {
		e := c.entries[i]
		if q.Owner != "" && !strings.EqualFold(e.Owner, q.Owner) ||
			q.Repo != "" && !strings.EqualFold(e.Repo, q.Repo) ||
			q.Query != "" && !strings.Contains(strings.ToLower(e.Owner+"/"+e.Repo), strings.ToLower(q.Query)) {
			continue
		}
		if q.Limit > 0 && len(out) == q.Limit {
			next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(i)))
			break
		}
		out = append(out, e)
	}
	return out, next, nil
}

func (c *sliceCatalog) Latest(ctx context.Context, owner, repo string) (Entry, error) {
	for _, e := range c.entries {
		if e.Owner == owner && e.Repo == repo {
			return e, nil
		}
	}
	return Entry{}, ErrNotFound
}

func (c *sliceCatalog) Pull(ctx context.Context, owner, repo string, number int) (Entry, error) {
	for _, e := range c.entries {
		if e.Owner == owner && e.Repo == repo && e.Pull == number {
			return e, nil
		}
	}
	return Entry{}, ErrNotFound
}

func (c *sliceCatalog) Get(ctx context.Context, owner, repo, sha string) (Entry, error) {
	for _, e := range c.entries {
		if e.Owner == owner && e.Repo == repo && e.SHA == sha {
			return e, nil
		}
	}
	return Entry{}, ErrNotFound
}

// fixture is a commons with docpacks in fs storage.
type fixture struct {
	srv   *httptest.Server
	cat   *sliceCatalog
	st    *store.FSStorage
	files map[string]string // sha -> docpack file written with docpack.WriteFile
}

const (
	shaOld     = "1111111111111111111111111111111111111111"
	shaNew     = "2222222222222222222222222222222222222222"
	shaOther   = "3333333333333333333333333333333333333333"
	shaHostile = "4444444444444444444444444444444444444444"
	shaMissing = "5555555555555555555555555555555555555555"
)

// helloPack is a small crate: modules, a struct with a field and a method, a
// function with a documented doc, a trait and an enum.
func helloPack(crate, sha string) (*docpack.Manifest, []docpack.Symbol, map[string]docpack.Doc) {
	id := func(path string, k docpack.Kind) string { return docpack.NewID(crate, path, k, 0) }
	root := id(crate, docpack.KindModule)
	net := id(crate+"::net", docpack.KindModule)
	client := id(crate+"::net::Client", docpack.KindStruct)
	syms := []docpack.Symbol{
		{ID: root, Name: crate, Path: crate, Crate: crate, SymbolType: docpack.KindModule, Visibility: "pub", File: "src/lib.rs", Line: 1},
		{ID: net, Name: "net", Path: crate + "::net", Crate: crate, SymbolType: docpack.KindModule, Visibility: "pub", File: "src/net.rs", Line: 1, Parent: root},
		{ID: client, Name: "Client", Path: crate + "::net::Client", Crate: crate, SymbolType: docpack.KindStruct, Visibility: "pub",
			Signature: "pub struct Client", File: "src/net.rs", Line: 10, Parent: net, Attributes: []string{"#[derive(Debug, Clone)]"}},
		{ID: id(crate+"::net::Client::timeout", docpack.KindField), Name: "timeout", Path: crate + "::net::Client::timeout", Crate: crate,
			SymbolType: docpack.KindField, Visibility: "pub", Signature: "pub timeout: Duration", File: "src/net.rs", Line: 11, Parent: client, Dependencies: []string{"Duration"}},
		{ID: id(crate+"::net::Client::connect", docpack.KindMethod), Name: "connect", Path: crate + "::net::Client::connect", Crate: crate,
			SymbolType: docpack.KindMethod, Visibility: "pub", Signature: "pub fn connect(addr: &str) -> Result<Client, Error>",
			Parameters: []docpack.Parameter{{Name: "addr", ParamType: "&str"}}, ReturnType: "Result<Client, Error>",
			File: "src/net.rs", Line: 20, Parent: client, Dependencies: []string{"Client", "Error"}},
		{ID: id(crate+"::greet", docpack.KindFunction), Name: "greet", Path: crate + "::greet", Crate: crate, SymbolType: docpack.KindFunction,
			Visibility: "pub", Signature: "pub fn greet(name: &str) -> String", File: "src/lib.rs", Line: 5, Parent: root,
			DocComments: "Greets someone by *name*."},
		{ID: id(crate+"::Shape", docpack.KindTrait), Name: "Shape", Path: crate + "::Shape", Crate: crate, SymbolType: docpack.KindTrait,
			Visibility: "pub", Signature: "pub trait Shape", File: "src/lib.rs", Line: 30, Parent: root},
		{ID: id(crate+"::Error", docpack.KindEnum), Name: "Error", Path: crate + "::Error", Crate: crate, SymbolType: docpack.KindEnum,
			Visibility: "pub", Signature: "pub enum Error", File: "src/lib.rs", Line: 40, Parent: root},
	}
	docs := map[string]docpack.Doc{
		root:       {SymbolID: root, Summary: "Says hello over the [`net`] with a [`Client`](net::Client).", Source: docpack.DocFromComments},
		syms[2].ID: {SymbolID: syms[2].ID, Summary: "A network client.", Description: "Keeps one connection open.", Source: docpack.DocFromComments},
		syms[4].ID: {SymbolID: syms[4].ID, Summary: "Opens a connection to `addr`.",
			Description: "Resolves the address and connects with the client's **timeout**.",
			Parameters:  []docpack.ParamDoc{{Name: "addr", Description: "host and port"}},
			Returns:     "The connected client.", Errors: "Fails when the host is unreachable.",
			Panics: "Never.", Examples: []string{"let c = Client::connect(\"example.org:80\")?;"}, Source: docpack.DocFromLLM},
		syms[5].ID: {SymbolID: syms[5].ID, Summary: "Returns a friendly greeting for the given name.", Description: "Says hello in _plain_ English.", Source: docpack.DocFromComments},
	}
	m := &docpack.Manifest{
		Version:     docpack.FormatVersion,
		GeneratedAt: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC),
		Repository:  docpack.Repository{Name: crate, CommitSHA: sha, Ref: "refs/heads/main"},
		Crates:      []docpack.Crate{{Name: crate, Version: "0.3.1", Root: "src/lib.rs"}},
		SymbolCount: len(syms), DocCount: len(docs),
		Generator: docpack.GeneratorInfo{Name: "extractive"},
		Tool:      docpack.Tool{Name: "doctown", Version: "test"},
	}
	return m, syms, docs
}

// hostilePack is a docpack whose every text field tries to inject markup.
func hostilePack(sha string) (*docpack.Manifest, []docpack.Symbol, map[string]docpack.Doc) {
	const evil = `<script>alert("x")</script>`
	id := docpack.NewID("evil", "evil::boom", docpack.KindFunction, 0)
	syms := []docpack.Symbol{{
		ID: id, Name: "boom" + evil, Path: "evil::boom" + evil, Crate: "evil", SymbolType: docpack.KindFunction,
		Visibility: "pub" + evil, Signature: "pub fn boom() </code></pre>" + evil + `<img src=x onerror=alert(1)>`,
		File: "src/lib.rs" + evil, Line: 1, Attributes: []string{"#[doc = \"" + evil + "\"]"}, Dependencies: []string{evil},
	}}
	docs := map[string]docpack.Doc{id: {
		SymbolID: id, Summary: "Summary " + evil,
		Description: "Raw html: <img src=x onerror=alert(1)> and a [link](javascript:alert(1)) and <iframe src=\"//evil\"></iframe>\n\n" + evil,
		Errors:      evil, Examples: []string{"</code></pre>" + evil}, Source: docpack.DocFromLLM,
	}}
	m := &docpack.Manifest{
		Version: docpack.FormatVersion, Repository: docpack.Repository{Name: "evil", CommitSHA: sha},
		Crates:      []docpack.Crate{{Name: "evil" + evil, Root: "src/lib.rs"}},
		SymbolCount: 1, DocCount: 1, Generator: docpack.GeneratorInfo{Name: "openai", Model: "m" + evil},
		Tool: docpack.Tool{Name: "doctown", Version: "test"},
	}
	return m, syms, docs
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	dir := t.TempDir()
	st, err := store.NewFS(filepath.Join(dir, "store"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{cat: &sliceCatalog{}, st: st, files: map[string]string{}}
	now := time.Now()
	add := func(owner, repo, sha, ref string, age time.Duration, m *docpack.Manifest, syms []docpack.Symbol, docs map[string]docpack.Doc) {
		f.add(t, owner, repo, sha, ref, now.Add(-age), m, syms, docs)
	}
	// Newest first.
	m, s, d := hostilePack(shaHostile)
	add("mallory", "evil", shaHostile, `<b>main</b><script>alert("ref")</script>`, time.Minute, m, s, d)
	m, s, d = helloPack("hello", shaNew)
	add("octo", "hello", shaNew, "main", time.Hour, m, s, d)
	m, s, d = helloPack("widgets", shaOther)
	add("acme", "widgets", shaOther, "trunk", 2*time.Hour, m, s, d)
	m, s, d = helloPack("hello", shaOld)
	add("octo", "hello", shaOld, "main", 48*time.Hour, m, s, d)
	// Catalogued but not in storage.
	f.cat.entries = append(f.cat.entries, Entry{Owner: "ghost", Repo: "gone", SHA: shaMissing, Key: store.Key("ghost", "gone", shaMissing), CreatedAt: now.Add(-100 * time.Hour)})

	mux := http.NewServeMux()
	New(f.cat, st, opts).Register(mux)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// add stores a docpack and appends its entry to the catalog (so entries
// must be added newest first).
func (f *fixture) add(t *testing.T, owner, repo, sha, ref string, created time.Time, m *docpack.Manifest, syms []docpack.Symbol, docs map[string]docpack.Doc) {
	t.Helper()
	path := filepath.Join(t.TempDir(), sha+".docpack")
	if err := docpack.WriteFile(path, m, syms, docs); err != nil {
		t.Fatal(err)
	}
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	fi, _ := file.Stat()
	key := store.Key(owner, repo, sha)
	if err := f.st.Put(t.Context(), key, file, fi.Size()); err != nil {
		t.Fatal(err)
	}
	f.files[sha] = path
	// The crates' cards, as the relay records them when it stores a docpack.
	p, err := docpack.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	cards := Cards(p)
	p.Close()
	f.cat.entries = append(f.cat.entries, Entry{
		Owner: owner, Repo: repo, SHA: sha, Ref: ref, Key: key, Size: fi.Size(), SymbolCount: len(syms),
		Generator: m.Generator.Name, Model: m.Generator.Model, CreatedAt: created, Crates: cards,
	})
}

func (f *fixture) get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, f.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var sb strings.Builder
	if _, err := io.Copy(&sb, resp.Body); err != nil {
		t.Fatal(err)
	}
	return resp, sb.String()
}
