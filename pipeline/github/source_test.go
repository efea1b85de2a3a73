package github_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doctown/doctown/internal/fakegithub"
	"github.com/doctown/doctown/pipeline"
	"github.com/doctown/doctown/pipeline/github"
)

var crate = map[string][]byte{
	"Cargo.toml":          []byte("[package]\nname = \"demo\"\nversion = \"0.1.0\"\n"),
	"Cargo.lock":          []byte("version = 3\n"),
	"README.md":           []byte("# demo\n"),
	"src/lib.rs":          []byte("//! Demo.\n\n/// Adds.\npub fn add(a: i32, b: i32) -> i32 { a + b }\n"),
	"src/nested/mod.rs":   []byte("pub struct S;\n"),
	"assets/logo.png":     []byte("\x89PNG not needed"),
	".github/ci.yml":      []byte("on: push\n"),
	"docs/guide/intro.md": []byte("not kept"),
}

const secret = "ghp_s3cr3tT0kenValue0123456789"

// events collects a build's events for assertions.
type events struct {
	mu   sync.Mutex
	list []pipeline.Event
}

func (e *events) observe(ev pipeline.Event) { e.mu.Lock(); e.list = append(e.list, ev); e.mu.Unlock() }

func (e *events) text(t *testing.T) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var b strings.Builder
	for _, ev := range e.list {
		j, err := pipeline.MarshalEvent(ev)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.String()
}

func newServer(t *testing.T) *fakegithub.Server {
	t.Helper()
	srv := fakegithub.New()
	t.Cleanup(srv.Close)
	return srv
}

func fetch(t *testing.T, srv *fakegithub.Server, target, token string, o github.Options) (*pipeline.Checkout, *events, error) {
	t.Helper()
	tg, ok := github.ParseTarget(target)
	if !ok {
		t.Fatalf("ParseTarget(%q) = false", target)
	}
	o.Token, o.APIURL, o.HTTPClient = token, srv.URL, srv.Client()
	src, err := github.NewSource(t.Context(), tg, o)
	if err != nil {
		t.Fatal(err)
	}
	ev := &events{}
	co, err := src.Fetch(t.Context(), ev.observe)
	if co != nil && co.Cleanup != nil {
		t.Cleanup(func() { co.Cleanup() })
	}
	return co, ev, err
}

func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func TestFetchRefs(t *testing.T) {
	srv := newServer(t)
	mainSHA := srv.AddRepo("acme", "demo", crate)
	files2 := map[string][]byte{"Cargo.toml": crate["Cargo.toml"], "src/lib.rs": []byte("pub fn two() {}\n")}
	devSHA := srv.AddCommit("acme", "demo", "feature/x", files2)
	srv.Update("acme", "demo", func(r *fakegithub.Repo) { r.Tags["v1.0.0"] = devSHA; r.Private = true })
	srv.AddToken(secret, "acme/demo")

	tests := []struct {
		target, sha, ref, branch string
		files                    []string
	}{
		{"acme/demo", mainSHA, "main", "main", []string{"Cargo.lock", "Cargo.toml", "README.md", "src/lib.rs", "src/nested/mod.rs"}},
		{"acme/demo@feature/x", devSHA, "feature/x", "", []string{"Cargo.toml", "src/lib.rs"}},
		{"acme/demo@refs/heads/feature/x", devSHA, "refs/heads/feature/x", "feature/x", []string{"Cargo.toml", "src/lib.rs"}},
		{"acme/demo@v1.0.0", devSHA, "v1.0.0", "", []string{"Cargo.toml", "src/lib.rs"}},
		{"acme/demo@" + mainSHA, mainSHA, mainSHA, "", nil},
		{"acme/demo@" + mainSHA[:7], mainSHA, mainSHA[:7], "", nil},
		{"https://github.com/acme/demo/tree/v1.0.0", devSHA, "v1.0.0", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			co, ev, err := fetch(t, srv, tt.target, secret, github.Options{})
			if err != nil {
				t.Fatal(err)
			}
			r := co.Repository
			if r.Name != "acme/demo" || r.CommitSHA != tt.sha || r.Ref != tt.ref || r.Branch != tt.branch || !strings.HasSuffix(r.URL, "/acme/demo") {
				t.Errorf("repository = %+v; want sha %s ref %q branch %q", r, tt.sha, tt.ref, tt.branch)
			}
			if tt.files != nil {
				if got := listFiles(t, co.Dir); strings.Join(got, ",") != strings.Join(tt.files, ",") {
					t.Errorf("files = %v, want %v", got, tt.files)
				}
			}
			if strings.Contains(ev.text(t), secret) {
				t.Error("an event carries the token")
			}
			if err := co.Cleanup(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(co.Dir); !os.IsNotExist(err) {
				t.Errorf("Cleanup left %s: %v", co.Dir, err)
			}
		})
	}
	var sawSHAAccept, sawRedirected bool
	for _, r := range srv.Requests() {
		sawSHAAccept = sawSHAAccept || strings.Contains(r.Accept, "sha")
		sawRedirected = sawRedirected || strings.HasPrefix(r.Path, "/_archive/")
	}
	if !sawSHAAccept || !sawRedirected {
		t.Errorf("expected a SHA-accept commit lookup and a followed archive redirect; requests: %+v", srv.Requests())
	}
}

// tarGz writes entries as a gzipped tar.
func tarGz(t *testing.T, entries ...*tar.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, h := range entries {
		body := []byte("pub fn x() {}\n")
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write(body)
		}
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func reg(name string) *tar.Header { return &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644} }

func TestFetchBadInput(t *testing.T) {
	good := fakegithub.Tarball("acme-demo-abcdef0", "x", crate)
	big := map[string][]byte{"Cargo.toml": crate["Cargo.toml"], "src/lib.rs": bytes.Repeat([]byte("// padding\n"), 20000)}
	many := map[string][]byte{}
	for i := range 50 {
		many["src/m"+string(rune('a'+i%26))+string(rune('a'+i/26))+".rs"] = []byte("pub fn f() {}\n")
	}
	tests := []struct {
		name    string
		setup   func(*fakegithub.Server)
		target  string
		token   string
		opts    github.Options
		kind    error
		message string
	}{
		{name: "unknown repo", target: "acme/nope", token: secret, kind: github.ErrNotFound, message: "repository acme/nope not found"},
		{name: "unknown ref", target: "acme/demo@no-such-branch", token: secret, kind: github.ErrNotFound, message: `ref "no-such-branch" in acme/demo not found`},
		{name: "private repo without token", target: "acme/private", kind: github.ErrNotFound, message: "no token was given"},
		{name: "token without access", target: "acme/private", token: "ghp_otherRepoOnlyToken", kind: github.ErrNotFound, message: "token cannot see it"},
		{name: "unknown token", target: "acme/demo", token: "ghp_neverIssued", kind: github.ErrAuth, message: "invalid or expired"},
		{name: "expired token", target: "acme/demo", token: "ghp_expiredTokenValue", kind: github.ErrAuth, message: "invalid or expired"},
		{name: "rate limited", target: "acme/demo", token: secret, setup: func(s *fakegithub.Server) { s.SetRateLimit(time.Now().Add(30 * time.Minute)) }, kind: github.ErrRateLimited, message: "rate limit exceeded; it resets at"},
		{name: "truncated tarball", target: "acme/demo", token: secret, setup: func(s *fakegithub.Server) {
			s.Update("acme", "demo", func(r *fakegithub.Repo) { r.Archive = good[:len(good)/2] })
		}, kind: github.ErrArchive, message: "truncated"},
		{name: "not gzip", target: "acme/demo", token: secret, setup: func(s *fakegithub.Server) {
			s.Update("acme", "demo", func(r *fakegithub.Repo) { r.Archive = []byte("<html>oops</html>") })
		}, kind: github.ErrArchive, message: "not a gzip stream"},
		{name: "too large unpacked", target: "acme/big", token: secret, opts: github.Options{MaxBytes: 100 << 10}, setup: func(s *fakegithub.Server) {
			s.AddRepo("acme", "big", big)
		}, kind: github.ErrArchive, message: "larger than"},
		{name: "too many entries", target: "acme/many", token: secret, opts: github.Options{MaxFiles: 20}, setup: func(s *fakegithub.Server) {
			s.AddRepo("acme", "many", many)
		}, kind: github.ErrArchive, message: "more than 20 entries"},
		{name: "absolute path", target: "acme/demo", token: secret, setup: func(s *fakegithub.Server) {
			s.Update("acme", "demo", func(r *fakegithub.Repo) { r.Archive = tarGz(t, reg("acme-demo-1/Cargo.toml"), reg("/etc/evil.rs")) })
		}, kind: github.ErrArchive, message: "absolute path"},
		{name: "dot dot", target: "acme/demo", token: secret, setup: func(s *fakegithub.Server) {
			s.Update("acme", "demo", func(r *fakegithub.Repo) {
				r.Archive = tarGz(t, reg("acme-demo-1/Cargo.toml"), reg("acme-demo-1/../../evil.rs"))
			})
		}, kind: github.ErrArchive, message: `".." in path`},
		{name: "second top-level dir", target: "acme/demo", token: secret, setup: func(s *fakegithub.Server) {
			s.Update("acme", "demo", func(r *fakegithub.Repo) { r.Archive = tarGz(t, reg("acme-demo-1/Cargo.toml"), reg("other/evil.rs")) })
		}, kind: github.ErrArchive, message: "outside the top-level directory"},
		{name: "empty archive", target: "acme/demo", token: secret, setup: func(s *fakegithub.Server) {
			s.Update("acme", "demo", func(r *fakegithub.Repo) { r.Archive = tarGz(t) })
		}, kind: github.ErrArchive, message: "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			srv.AddRepo("acme", "demo", crate)
			srv.AddRepo("acme", "private", crate)
			srv.Update("acme", "private", func(r *fakegithub.Repo) { r.Private = true })
			srv.AddToken(secret)
			srv.AddToken("ghp_otherRepoOnlyToken", "acme/demo")
			srv.AddToken("ghp_expiredTokenValue")
			srv.ExpireToken("ghp_expiredTokenValue")
			if tt.setup != nil {
				tt.setup(srv)
			}
			before, _ := filepath.Glob(filepath.Join(os.TempDir(), "doctown-github-*"))
			co, ev, err := fetch(t, srv, tt.target, tt.token, tt.opts)
			if err == nil {
				t.Fatalf("Fetch succeeded: %+v", co)
			}
			if !errors.Is(err, tt.kind) {
				t.Errorf("error %q (%T) is not %v", err, err, tt.kind)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not say %q", err, tt.message)
			}
			if tt.token != "" && strings.Contains(err.Error()+ev.text(t), tt.token) {
				t.Errorf("token leaked: %v", err)
			}
			if strings.Contains(err.Error(), "/_archive/") {
				t.Errorf("error shows the signed archive URL: %v", err)
			}
			after, _ := filepath.Glob(filepath.Join(os.TempDir(), "doctown-github-*"))
			if len(after) > len(before) {
				t.Errorf("temp dirs left behind: %v", after)
			}
			var ge *github.Error
			if errors.Is(err, github.ErrRateLimited) && (!errors.As(err, &ge) || ge.Reset.IsZero()) {
				t.Errorf("rate limit error has no reset time: %#v", err)
			}
		})
	}
}

func TestFetchSkipsLinks(t *testing.T) {
	srv := newServer(t)
	srv.AddRepo("acme", "demo", crate)
	outside := t.TempDir()
	srv.Update("acme", "demo", func(r *fakegithub.Repo) {
		r.Archive = tarGz(t,
			&tar.Header{Typeflag: tar.TypeDir, Name: "acme-demo-1/", Mode: 0o755},
			reg("acme-demo-1/Cargo.toml"),
			&tar.Header{Typeflag: tar.TypeSymlink, Name: "acme-demo-1/src", Linkname: outside},
			reg("acme-demo-1/src/lib.rs"), // would land in outside if src were a link
			&tar.Header{Typeflag: tar.TypeSymlink, Name: "acme-demo-1/escape.rs", Linkname: "../../../etc/passwd"},
			&tar.Header{Typeflag: tar.TypeLink, Name: "acme-demo-1/hard.rs", Linkname: "/etc/passwd"},
		)
	})
	co, ev, err := fetch(t, srv, "acme/demo", "", github.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := listFiles(t, co.Dir); strings.Join(got, ",") != "Cargo.toml,src/lib.rs" {
		t.Errorf("files = %v", got)
	}
	if fi, err := os.Lstat(filepath.Join(co.Dir, "src")); err != nil || !fi.IsDir() {
		t.Errorf("src is not a plain directory: %v %v", fi, err)
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Errorf("files written outside the checkout: %v", ents)
	}
	if !strings.Contains(ev.text(t), "skipped 3 symbolic or hard links") {
		t.Errorf("no warning about skipped links:\n%s", ev.text(t))
	}
}

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in   string
		want github.Target
		ok   bool
	}{
		{"acme/demo", github.Target{Owner: "acme", Repo: "demo"}, true},
		{"acme/demo@v1.2.3", github.Target{Owner: "acme", Repo: "demo", Ref: "v1.2.3"}, true},
		{"acme/demo.rs@feature/x", github.Target{Owner: "acme", Repo: "demo.rs", Ref: "feature/x"}, true},
		{"https://github.com/acme/demo", github.Target{Owner: "acme", Repo: "demo"}, true},
		{"https://github.com/acme/demo.git", github.Target{Owner: "acme", Repo: "demo"}, true},
		{"https://github.com/acme/demo/tree/release/1.x", github.Target{Owner: "acme", Repo: "demo", Ref: "release/1.x"}, true},
		{"https://github.com/acme/demo/blob/main/x.rs", github.Target{}, false},
		{"https://git.example.org/acme/demo.git", github.Target{GitURL: "https://git.example.org/acme/demo.git"}, true},
		{"https://git.example.org/acme/demo.git#v2", github.Target{GitURL: "https://git.example.org/acme/demo.git", Ref: "v2"}, true},
		{"file:///srv/git/demo.git", github.Target{GitURL: "file:///srv/git/demo.git"}, true},
		{"git@example.org:acme/demo.git", github.Target{GitURL: "git@example.org:acme/demo.git"}, true},
		{"./acme/demo", github.Target{}, false},
		{"/abs/path", github.Target{}, false},
		{"demo", github.Target{}, false},
		{"a/b/c", github.Target{}, false},
		{"acme/demo@", github.Target{}, false},
		{"acme/..", github.Target{}, false},
		{"-x/demo", github.Target{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := github.ParseTarget(tt.in)
			if ok != tt.ok || got != tt.want {
				t.Errorf("ParseTarget(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestTokenFromEnv(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "tok")
	os.WriteFile(file, []byte(secret+"\n"), 0o600)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		name    string
		env     map[string]string
		file    string
		want    string
		wantErr string
	}{
		{"none", nil, "", "", ""},
		{"GITHUB_TOKEN", map[string]string{"GITHUB_TOKEN": "a"}, "", "a", ""},
		{"doctown wins", map[string]string{"GITHUB_TOKEN": "a", "DOCTOWN_GITHUB_TOKEN": "b"}, "", "b", ""},
		{"file wins", map[string]string{"GITHUB_TOKEN": "a"}, file, secret, ""},
		{"empty file", nil, empty, "", "is empty"},
		{"missing file", nil, filepath.Join(dir, "nope"), "", "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := github.TokenFromEnv(env(tt.env), tt.file)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
