package relay

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doctown/doctown/relay/commons/api"
	"github.com/doctown/doctown/relay/config"
	"github.com/doctown/doctown/relay/dispatch"
	"github.com/doctown/doctown/relay/jobs"
	"github.com/doctown/doctown/relay/queue"
	"github.com/doctown/doctown/relay/secret"
	"github.com/doctown/doctown/relay/store"
)

// TestUpstreamBodiesRedacted: a RunPod endpoint whose error echoes the
// request (installation token, upload token) puts neither in the log, the
// database or the unauthenticated job API.
func TestUpstreamBodiesRedacted(t *testing.T) {
	e := newEnv(t)
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":"invalid input","request":` + string(b) + `,"headers":"Authorization: Bearer ` + testRunPodKey + `"}`))
	}))
	t.Cleanup(echo.Close)
	r := startRelay(t, e, relayOpts{
		deps: Deps{Dispatcher: &dispatch.RunPodDispatcher{Endpoint: echo.URL, APIKey: testRunPodKey, Client: echo.Client(), PollInterval: 10 * time.Millisecond}},
		cfg:  func(c *config.Config) { c.MaxAttempts = 1 },
	})
	code, ans := r.send(t, signedHook("push", pushPayload("acme/alpha", "refs/heads/main", e.shas["acme/alpha"])))
	var wa webhookAnswer
	json.Unmarshal([]byte(ans), &wa)
	if code != http.StatusAccepted {
		t.Fatalf("push: %d %s", code, ans)
	}
	id := wa.Jobs[0].JobID
	waitFor(t, "job failed", 30*time.Second, func() bool { j, _ := r.Job(context.Background(), id); return j != nil && j.State == jobs.StateFailed })
	resp, err := http.Get(r.URL + "/api/jobs/" + id)
	if err != nil {
		t.Fatal(err)
	}
	api, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var stored string
	if err := queue.QueryRow(context.Background(), r.q.DB(), `SELECT error FROM doctown_jobs WHERE id = ?`, []any{id}, &stored); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stored, "400 Bad Request") {
		t.Errorf("the stored error lost its status line: %q", stored)
	}
	for where, text := range map[string]string{"log": r.logs.String(), "database": stored, "job API": string(api)} {
		for _, tok := range []string{"ghs_", "v1." + id + ".", testRunPodKey} {
			if strings.Contains(text, tok) {
				t.Errorf("the %s holds %q: %s", where, tok, secret.Truncate(text, 600))
			}
		}
	}
}

// TestHealthzDatabaseDeleted: with relay.db deleted under it, the relay says
// so on /healthz and refuses webhooks instead of taking them into a file that
// no longer exists.
func TestHealthzDatabaseDeleted(t *testing.T) {
	e := newEnv(t)
	r := startRelay(t, e, relayOpts{deps: Deps{Build: holdBuild}})
	if got := healthStatus(t, r.URL); got != "ok" {
		t.Fatalf("health before: %q", got)
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(filepath.Join(r.cfg.DataDir, "relay.db"+suffix))
	}
	resp, err := http.Get(r.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/healthz after the database was deleted: %d, want 503", resp.StatusCode)
	}
	if code, ans := r.send(t, signedHook("push", pushPayload("acme/alpha", "refs/heads/main", e.shas["acme/alpha"]))); code != http.StatusServiceUnavailable {
		t.Errorf("webhook after the database was deleted: %d %s, want 503", code, ans)
	}
}

// TestStartupRemovesLeftovers: what a relay killed with -9 leaves — build
// directories, extracted checkouts, partial uploads in the data dir, incoming
// objects and partial "~put-*" files in storage — is gone after the next
// start; stored docpacks are not touched, and old deliveries are pruned.
func TestStartupRemovesLeftovers(t *testing.T) {
	e := newEnv(t)
	dataDir := t.TempDir()
	fs, err := store.NewFS(filepath.Join(dataDir, "store"))
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * staleAfter)
	write := func(p string, age time.Time) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("left over"), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, age, age)
	}
	key := store.Key("acme", "alpha", e.shas["acme/alpha"])
	if err := fs.Put(context.Background(), key, strings.NewReader("kept"), 4); err != nil {
		t.Fatal(err)
	}
	leftovers := []string{
		filepath.Join(dataDir, "tmp", "doctown-build-123", "doctown-github-9", "src", "lib.rs"),
		filepath.Join(dataDir, "tmp", "upload-77.docpack"),
		filepath.Join(fs.Dir(), "incoming", "job-1-abc.docpack"),
		filepath.Join(fs.Dir(), "docpacks", "acme", "alpha", "~put-4242"),
	}
	for _, p := range leftovers {
		write(p, old)
	}
	recent := filepath.Join(fs.Dir(), "incoming", "job-2-def.docpack") // an upload still arriving
	write(recent, time.Now())

	r := startRelay(t, e, relayOpts{dataDir: dataDir, deps: Deps{Build: holdBuild, Storage: fs}})
	for _, p := range leftovers {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("left over after start-up: %s", p)
		}
	}
	if _, err := os.Stat(recent); err != nil {
		t.Errorf("an incoming object of the last minutes was removed: %v", err)
	}
	if rc, _, err := fs.Get(context.Background(), key); err != nil {
		t.Errorf("a stored docpack was removed: %v", err)
	} else {
		rc.Close()
	}

	// Deliveries past GitHub's redelivery window are forgotten by the sweep.
	db := r.q.DB()
	if _, err := db.Exec(context.Background(), `INSERT INTO doctown_deliveries (id, event, received_at) VALUES ('ancient', 'push', ?), ('fresh', 'push', ?)`,
		queue.Millis(time.Now().Add(-jobs.DeliveryRetention-time.Hour)), queue.Millis(time.Now())); err != nil {
		t.Fatal(err)
	}
	r.removeStale(context.Background())
	var n int64
	queue.QueryRow(context.Background(), db, `SELECT COUNT(*) FROM doctown_deliveries WHERE id IN ('ancient', 'fresh')`, nil, &n)
	if n != 1 {
		t.Errorf("%d of the two deliveries left, want only the fresh one", n)
	}
}

func TestSecretRules(t *testing.T) {
	cfg := config.Default()
	cfg.WebhookSecret = "short\n"
	err := cfg.Validate()
	if err == nil || !strings.Contains(err.Error(), "at least 16") {
		t.Errorf("a 5-character secret: %v", err)
	}
	cfg.WebhookSecret = testSecret + "\n"
	cfg.RelaySecret = "tiny"
	err = cfg.Validate()
	if err == nil || !strings.Contains(err.Error(), "DOCTOWN_RELAY_SECRET") || strings.Contains(err.Error(), "GITHUB_WEBHOOK_SECRET") {
		t.Errorf("a trimmed webhook secret and a short relay secret: %v", err)
	}
	if cfg.WebhookSecret != testSecret {
		t.Errorf("secret not trimmed: %q", cfg.WebhookSecret)
	}
}

// TestPageCacheInDataDir: the commons' cache of docpacks read for pages
// (an upload or a local build adopted, or a stored copy fetched again) lives
// in the data dir's tmp (cleared at start-up), not in the system's temporary
// directory, which it could fill (its files are unlinked once open: this
// looks at the process's open files), and a stopped relay closes them.
func TestPageCacheInDataDir(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("needs /proc")
	}
	e := newEnv(t)
	dataDir := t.TempDir()
	first := startRelay(t, e, relayOpts{dataDir: dataDir, deps: Deps{Build: dispatch.PipelineBuild(nil, nil, "test")}})
	sha := e.shas["acme/alpha"]
	if code, body := first.send(t, signedHook("push", pushPayload("acme/alpha", "refs/heads/main", sha))); code != http.StatusAccepted {
		t.Fatalf("push: %d %s", code, body)
	}
	waitAllDone(t, first.Server, 1)
	if openDocpacks(t, filepath.Join(dataDir, "tmp")) == 0 {
		t.Error("the built docpack is not cached for its pages")
	}
	first.stop(t)
	if n := openDocpacks(t, filepath.Join(dataDir, "tmp")); n != 0 {
		t.Errorf("%d cached docpacks still open after the relay stopped", n)
	}
	// A relay that did not build it reads the stored copy for the page.
	r := startRelay(t, e, relayOpts{dataDir: dataDir, deps: Deps{Build: holdBuild}})
	getBody(t, r.URL+api.PagePath("acme", "alpha", sha))
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	inDataDir := 0
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err != nil || !strings.HasSuffix(strings.TrimSuffix(target, " (deleted)"), ".docpack") {
			continue
		}
		// (Relays of other tests in this process may hold their own.)
		switch {
		case strings.HasPrefix(target, filepath.Join(r.cfg.DataDir, "tmp")+string(filepath.Separator)):
			inDataDir++
		case filepath.Dir(target) == filepath.Clean(os.TempDir()):
			t.Errorf("a cached docpack in the system's temporary directory: %s", target)
		}
	}
	if inDataDir == 0 {
		t.Error("no cached docpack open in the data dir's tmp after a page was served")
	}
}

// openDocpacks counts the files under dir ending in .docpack that this
// process holds open.
func openDocpacks(t *testing.T, dir string) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && strings.HasPrefix(target, dir+string(filepath.Separator)) && strings.HasSuffix(strings.TrimSuffix(target, " (deleted)"), ".docpack") {
			n++
		}
	}
	return n
}
