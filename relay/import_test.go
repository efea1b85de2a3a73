package relay

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/internal/fakegithub"
	"github.com/doctown/doctown/relay/commons"
	"github.com/doctown/doctown/relay/config"
	"github.com/doctown/doctown/relay/queue"
	"github.com/doctown/doctown/relay/store"
)

// runMain runs the relay command with env as the whole environment.
func runMain(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := MainIO(t.Context(), args, func(k string) string { return env[k] }, &out, &errOut)
	return code, out.String(), errOut.String()
}

// storedFiles lists the files under dir.
func storedFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// TestImportWhileRelayRuns: "relay import" on the data dir (SQLite, fs
// storage) of a running relay; the relay then lists the docpack and serves it.
func TestImportWhileRelayRuns(t *testing.T) {
	e := newEnv(t)
	dataDir := t.TempDir()
	fsStore, err := store.New(t.Context(), store.Config{Kind: "fs", Dir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	r := startRelay(t, e, relayOpts{dataDir: dataDir, deps: Deps{Storage: fsStore}})
	sha := e.shas["acme/alpha"]
	pack := testDocpack(t, "acme/alpha", sha)
	file := filepath.Join(t.TempDir(), "alpha.docpack")
	if err := os.WriteFile(file, pack, 0o644); err != nil {
		t.Fatal(err)
	}
	// The relay writes to the same SQLite file meanwhile (each delivery is
	// recorded, even one it ignores).
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-stop:
				return
			default:
			}
			h := signedHook("push", pushPayload("acme/beta", "refs/heads/other", e.shas["acme/beta"]))
			req, _ := http.NewRequest(http.MethodPost, r.URL+"/webhook", bytes.NewReader(h.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-GitHub-Event", h.event)
			req.Header.Set("X-GitHub-Delivery", h.delivery)
			req.Header.Set("X-Hub-Signature-256", h.sig256)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		}
	}()
	// No App: GitHub is asked anonymously whether acme/alpha is private.
	code, out, errOut := runMain(t, map[string]string{"DOCTOWN_DATA_DIR": dataDir, "DOCTOWN_GITHUB_API_URL": e.gh.URL}, "import", file)
	close(stop)
	<-stopped
	if code != 0 {
		t.Fatalf("import: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	if !strings.Contains(out, "imported acme/alpha@"+sha) {
		t.Errorf("import said %q", out)
	}
	if !strings.Contains(metricsText(t, r.URL), `doctown_relay_webhooks_total{event="push",result="ignored"}`) {
		t.Error("no delivery reached the relay during the import")
	}

	var listed struct {
		Docpacks []struct {
			Owner string `json:"owner"`
			Repo  string `json:"repo"`
			SHA   string `json:"sha"`
		} `json:"docpacks"`
	}
	if code := getJSON(t, r.URL+"/api/docpacks", &listed); code != http.StatusOK {
		t.Fatalf("GET /api/docpacks: %d", code)
	}
	if len(listed.Docpacks) != 1 || listed.Docpacks[0].Owner != "acme" || listed.Docpacks[0].Repo != "alpha" || listed.Docpacks[0].SHA != sha {
		t.Errorf("/api/docpacks = %+v, want acme/alpha@%s", listed.Docpacks, sha)
	}
	// The catalog keeps the docpack's crates for the commons home.
	if resp, err := http.Get(r.URL + "/"); err != nil {
		t.Fatal(err)
	} else {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), `<span class="crate">x</span>`) {
			t.Errorf("the commons home does not list the imported docpack's crate x")
		}
	}
	for _, path := range []string{"/api/docpacks/acme/alpha", "/api/docpacks/acme/alpha/" + sha} {
		resp, err := http.Get(r.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.Equal(b, pack) {
			t.Errorf("GET %s: %d, %d bytes, want the imported %d", path, resp.StatusCode, len(b), len(pack))
		}
	}
	if _, err := os.Stat(filepath.Join(dataDir, filepath.FromSlash(store.Key("acme", "alpha", sha)))); err != nil {
		t.Errorf("not in the fs storage under its key: %v", err)
	}
	// An import is compared with the branch's previous docpack as a build is.
	if c := catalogEntry(t, r.Server, "acme", "alpha", sha).Changes; c == nil || c.Base != "" {
		t.Errorf("first import's changes %+v: want computed, with no base", c)
	}
	next := strings.Repeat("ab", 20)
	file2 := filepath.Join(t.TempDir(), "alpha2.docpack")
	if err := os.WriteFile(file2, testDocpack(t, "acme/alpha", next), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runMain(t, map[string]string{"DOCTOWN_DATA_DIR": dataDir}, "import", "--visibility", "public", file2); code != 0 {
		t.Fatalf("second import: exit %d\n%s\n%s", code, out, errOut)
	}
	if c := catalogEntry(t, r.Server, "acme", "alpha", next).Changes; c == nil || c.Base != sha || c.Verdict.String() != "none" {
		t.Errorf("second import's changes %+v: want none against %s", c, sha)
	}
}

// TestImportRefusals: what import refuses, with its exit code; nothing is
// stored or listed then. Flags fill what the manifest lacks.
func TestImportRefusals(t *testing.T) {
	sha := strings.Repeat("ab", 20)
	valid := testDocpack(t, "acme/alpha", sha)
	slip := rewriteZip(t, valid, func(zw *zip.Writer) {
		w, _ := zw.Create("../../etc/evil")
		w.Write([]byte("x"))
	})
	for _, tc := range []struct {
		name    string
		file    []byte
		args    []string
		code    int
		wantErr string
		wantKey string // stored and listed under this key when code is 0
	}{
		{"not a docpack", []byte("hello"), nil, 1, "invalid docpack", ""},
		{"zip slip", slip, nil, 1, "escapes", ""},
		{"no repository in manifest", testDocpack(t, "alpha", sha), nil, 2, "--owner and --repo", ""},
		{"no commit in manifest", testDocpack(t, "acme/alpha", ""), nil, 2, "--sha", ""},
		{"not a sha", valid, []string{"--sha", "main"}, 2, "not a 40-hex-digit", ""},
		{"bad owner", valid, []string{"--owner", "../x"}, 2, "not a GitHub repository name", ""},
		{"flags fill the manifest's gaps", testDocpack(t, "alpha", ""), []string{"--owner", "acme", "--repo", "alpha", "--sha", strings.ToUpper(sha), "--visibility", "public"}, 0, "", store.Key("acme", "alpha", sha)},
		// A local build names its crate and records the checkout's GitHub remote.
		{"repository from the manifest's GitHub URL", testDocpackRepo(t, docpack.Repository{Name: "semver", URL: "https://github.com/dtolnay/semver", CommitSHA: sha}),
			[]string{"--visibility", "public"}, 0, "", store.Key("dtolnay", "semver", sha)},
		{"a URL elsewhere is not a GitHub repository", testDocpackRepo(t, docpack.Repository{Name: "semver", URL: "https://git.example.org/dtolnay/semver", CommitSHA: sha}),
			nil, 2, "--owner and --repo", ""},
		{"not a visibility", valid, []string{"--visibility", "secret"}, 2, "not auto, public or private", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dataDir := t.TempDir()
			file := filepath.Join(t.TempDir(), "x.docpack")
			if err := os.WriteFile(file, tc.file, 0o644); err != nil {
				t.Fatal(err)
			}
			code, _, errOut := runMain(t, map[string]string{"DOCTOWN_DATA_DIR": dataDir}, append([]string{"import", file}, tc.args...)...)
			if code != tc.code || !strings.Contains(errOut, tc.wantErr) {
				t.Fatalf("exit %d, want %d with %q; stderr %s", code, tc.code, tc.wantErr, errOut)
			}
			files := storedFiles(t, filepath.Join(dataDir, "docpacks"))
			cfg := config.Default()
			cfg.DataDir, cfg.WebhookSecret = dataDir, testSecret
			s, err := NewServer(t.Context(), cfg, Deps{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			entries, _, err := s.Catalog().List(context.Background(), commons.ListQuery{})
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantKey == "" {
				if len(files) != 0 || len(entries) != 0 {
					t.Errorf("refused import left files %v and catalog entries %+v", files, entries)
				}
				return
			}
			if len(entries) != 1 || entries[0].Key != tc.wantKey || len(files) != 1 {
				t.Errorf("catalog %+v, files %v, want one entry under %s", entries, files, tc.wantKey)
			}
		})
	}
}

// TestImportVisibility: an imported docpack is private when its repository
// is — as GitHub tells the App, or as --visibility says — and then neither
// listed nor served anonymously; when GitHub cannot tell (no App, and the
// repository looks missing), import refuses, storing nothing.
func TestImportVisibility(t *testing.T) {
	e := newEnv(t)
	sha := e.gh.AddRepo("acme", "secret", crateFiles("secret"))
	e.gh.Update("acme", "secret", func(r *fakegithub.Repo) { r.Private = true })
	e.gh.AddInstallation(testInst, "acme", "acme/alpha", "acme/beta", "acme/gamma", "acme/secret")
	_, pemKey := testAppKey(t)
	file := filepath.Join(t.TempDir(), "secret.docpack")
	if err := os.WriteFile(file, testDocpack(t, "acme/secret", sha), 0o644); err != nil {
		t.Fatal(err)
	}
	anonymous := func(dataDir string) map[string]string {
		return map[string]string{"DOCTOWN_DATA_DIR": dataDir, "DOCTOWN_GITHUB_API_URL": e.gh.URL}
	}
	withApp := func(dataDir string) map[string]string {
		env := anonymous(dataDir)
		env["GITHUB_APP_ID"] = strconv.Itoa(testAppID)
		env["GITHUB_APP_PRIVATE_KEY"] = string(pemKey)
		return env
	}
	for _, tc := range []struct {
		name        string
		env         func(string) map[string]string
		args        []string
		code        int
		wantErr     string
		wantPrivate bool
	}{
		{"the App says private", withApp, nil, 0, "", true},
		{"anonymous cannot tell", anonymous, nil, 2, "--visibility public or private", false},
		{"the flag says private", anonymous, []string{"--visibility", "private"}, 0, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dataDir := t.TempDir()
			code, out, errOut := runMain(t, tc.env(dataDir), append([]string{"import", file}, tc.args...)...)
			if code != tc.code || !strings.Contains(errOut, tc.wantErr) {
				t.Fatalf("exit %d, want %d with %q; stdout %s stderr %s", code, tc.code, tc.wantErr, out, errOut)
			}
			fsStore, err := store.New(t.Context(), store.Config{Kind: "fs", Dir: dataDir})
			if err != nil {
				t.Fatal(err)
			}
			r := startRelay(t, e, relayOpts{dataDir: dataDir, deps: Deps{Storage: fsStore}})
			entries, _, err := r.Catalog().List(context.Background(), commons.ListQuery{})
			if err != nil {
				t.Fatal(err)
			}
			if code != 0 {
				if files := storedFiles(t, filepath.Join(dataDir, "docpacks")); len(entries) != 0 || len(files) != 0 {
					t.Errorf("refused import left %v and %+v", files, entries)
				}
				return
			}
			var private bool
			if err := queue.QueryRow(context.Background(), r.q.DB(), `SELECT private FROM doctown_docpacks WHERE owner = 'acme' AND repo = 'secret'`, nil, &private); err != nil {
				t.Fatal(err)
			}
			if private != tc.wantPrivate {
				t.Errorf("private = %v, want %v", private, tc.wantPrivate)
			}
			if len(entries) != 0 {
				t.Errorf("an anonymous listing shows %+v", entries)
			}
			if code := getWith(t, http.DefaultClient, r.URL+"/api/docpacks/acme/secret", ""); code != http.StatusNotFound {
				t.Errorf("anonymous GET: %d, want 404", code)
			}
		})
	}
}
