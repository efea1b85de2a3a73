package relay

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/riverqueue/river/rivertype"

	"github.com/doctown/doctown/internal/fakegithub"
	"github.com/doctown/doctown/relay/config"
	"github.com/doctown/doctown/relay/jobs"
	"github.com/doctown/doctown/relay/store"
)

const (
	testSecret = "webhook-test-secret"
	testAppID  = 4242
	testInst   = 77
)

// crateFiles is a small Rust crate named after the repository.
func crateFiles(name string) map[string][]byte {
	return map[string][]byte{
		"Cargo.toml": []byte("[package]\nname = \"" + name + "\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
		"src/lib.rs": []byte("//! The " + name + " crate.\n\n/// Adds two numbers.\npub fn add(a: i32, b: i32) -> i32 { a + b }\n\n/// A point.\npub struct Point { pub x: f64, pub y: f64 }\n"),
	}
}

var (
	keyOnce sync.Once
	appKey  *rsa.PrivateKey
)

func testAppKey(t testing.TB) (*rsa.PrivateKey, []byte) {
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		appKey = k
	})
	return appKey, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(appKey)})
}

// env is a fake GitHub with the App installed on acme/alpha and acme/beta, and
// an S3 bucket (gofakes3 over HTTP).
type env struct {
	gh    *fakegithub.Server
	shas  map[string]string // "owner/repo" → head SHA
	store store.Storage
}

func newEnv(t testing.TB) *env {
	t.Helper()
	gh := fakegithub.New()
	t.Cleanup(gh.Close)
	key, _ := testAppKey(t)
	gh.SetApp(testAppID, &key.PublicKey)
	e := &env{gh: gh, shas: map[string]string{}}
	for _, name := range []string{"alpha", "beta", "gamma"} {
		e.shas["acme/"+name] = gh.AddRepo("acme", name, crateFiles(name))
	}
	gh.AddInstallation(testInst, "acme", "acme/alpha", "acme/beta", "acme/gamma")
	e.store = newS3(t)
	return e
}

// newS3 is the storage colleague's s3 Storage on gofakes3 over real HTTP.
func newS3(t testing.TB) store.Storage {
	backend := s3mem.New()
	ts := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(ts.Close)
	if err := backend.CreateBucket("docpacks"); err != nil {
		t.Fatal(err)
	}
	st, err := store.New(context.Background(), store.Config{
		Kind: "s3", Endpoint: ts.URL, Bucket: "docpacks", AccessKeyID: "test", Secret: "test-secret", Region: "auto", UsePathStyle: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// fastRetry retries failed jobs after 200ms.
type fastRetry struct{}

func (fastRetry) NextRetry(*rivertype.JobRow) time.Time {
	return time.Now().Add(200 * time.Millisecond)
}

// relayOpts tune a test relay.
type relayOpts struct {
	// addr is the address to listen on ("": a free loopback port).
	addr        string
	dataDir     string
	databaseURL string
	deps        Deps
	cfg         func(*config.Config)
}

// testRelay is a relay serving on loopback.
type testRelay struct {
	*Server
	URL    string
	cfg    config.Config
	cancel context.CancelFunc
	done   chan error
	logs   *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startRelay(t testing.TB, e *env, o relayOpts) *testRelay {
	t.Helper()
	_, pemKey := testAppKey(t)
	addr := o.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Addr = ln.Addr().String()
	cfg.PublicURL = "http://" + ln.Addr().String()
	cfg.DataDir = o.dataDir
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	cfg.DatabaseURL = o.databaseURL
	cfg.WebhookSecret = testSecret
	cfg.GitHubAppID = testAppID
	cfg.GitHubAppPrivateKey = pemKey
	cfg.GitHubAPIURL = e.gh.URL
	cfg.Workers = 2
	cfg.JobTimeout = 2 * time.Minute
	cfg.MaxAttempts = 3
	cfg.ShutdownGrace = 0
	cfg.RelaySecret = "relay-test-secret"
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	deps := o.deps
	logs := &syncBuffer{}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if deps.Storage == nil {
		deps.Storage = e.store
	}
	if deps.RetryPolicy == nil {
		deps.RetryPolicy = fastRetry{}
	}
	if deps.PollInterval == 0 {
		deps.PollInterval = 50 * time.Millisecond
	}
	ctx, cancel := context.WithCancel(context.Background())
	s, err := NewServer(ctx, cfg, deps)
	if err != nil {
		cancel()
		ln.Close()
		t.Fatal(err)
	}
	r := &testRelay{Server: s, URL: cfg.PublicURL, cfg: cfg, cancel: cancel, done: make(chan error, 1), logs: logs}
	go func() { r.done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		r.stop(t)
		if t.Failed() && os.Getenv("RELAY_TEST_LOGS") != "" {
			t.Logf("relay log:\n%s", logs.String())
		}
	})
	return r
}

// stop cancels the relay and waits for it to finish shutting down.
func (r *testRelay) stop(t testing.TB) {
	r.cancel()
	select {
	case err, ok := <-r.done:
		if ok && err != nil {
			t.Errorf("relay: %v", err)
		}
		if ok {
			close(r.done)
		}
	case <-time.After(time.Minute):
		t.Error("relay did not stop within a minute")
	}
}

// sign returns the X-Hub-Signature-256 value of body.
func sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

var deliverySeq struct {
	sync.Mutex
	n int
}

func newDelivery() string {
	deliverySeq.Lock()
	defer deliverySeq.Unlock()
	deliverySeq.n++
	return fmt.Sprintf("d-%d-%d", time.Now().UnixNano(), deliverySeq.n)
}

// webhook is one delivery to send.
type webhook struct {
	event, delivery string
	body            []byte
	sig256, sig1    string
}

func signedHook(event string, payload any) webhook {
	b, err := json.Marshal(payload)
	if err != nil {
		panic(err)
	}
	return webhook{event: event, delivery: newDelivery(), body: b, sig256: sign(testSecret, b)}
}

func (r *testRelay) send(t testing.TB, h webhook) (int, string) {
	t.Helper()
	return sendTo(t, http.DefaultClient, r.URL, h)
}

func sendTo(t testing.TB, c *http.Client, base string, h webhook) (int, string) {
	req, err := http.NewRequest(http.MethodPost, base+"/webhook", bytes.NewReader(h.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", h.event)
	req.Header.Set("X-GitHub-Delivery", h.delivery)
	if h.sig256 != "" {
		req.Header.Set("X-Hub-Signature-256", h.sig256)
	}
	if h.sig1 != "" {
		req.Header.Set("X-Hub-Signature", h.sig1)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func repoJSON(full string) map[string]any {
	owner, name, _ := strings.Cut(full, "/")
	return map[string]any{
		"id": 1, "name": name, "full_name": full, "private": false, "default_branch": "main",
		"owner": map[string]any{"login": owner, "name": owner},
	}
}

func pushPayload(full, ref, after string) map[string]any {
	return map[string]any{
		"ref": ref, "before": "0000000000000000000000000000000000000000", "after": after,
		"created": false, "deleted": after == zeroSHA, "forced": false,
		"repository":   repoJSON(full),
		"installation": map[string]any{"id": testInst},
		"sender":       map[string]any{"login": "octocat"},
	}
}

func reposAddedPayload(full ...string) map[string]any {
	var repos []map[string]any
	for _, f := range full {
		_, name, _ := strings.Cut(f, "/")
		repos = append(repos, map[string]any{"id": 1, "name": name, "full_name": f, "private": false})
	}
	return map[string]any{
		"action": "added", "installation": map[string]any{"id": testInst, "account": map[string]any{"login": "acme"}},
		"repository_selection": "selected", "repositories_added": repos, "repositories_removed": []any{},
		"sender": map[string]any{"login": "octocat"},
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// jobCount is the number of jobs in every state.
func jobCount(t testing.TB, s *Server) int {
	t.Helper()
	counts, err := s.jobs.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range counts {
		n += int(c)
	}
	return n
}

// allJobs returns every job row (up to jobs.MaxList), oldest first.
func allJobs(t testing.TB, s *Server) []*jobs.Job {
	t.Helper()
	out, err := s.jobs.List(context.Background(), jobs.Filter{Limit: jobs.MaxList})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortStableFunc(out, func(a, b *jobs.Job) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out
}

func getJSON(t testing.TB, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil && resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}

// forEachQueue runs fn on SQLite and on PostgreSQL; the PostgreSQL run skips
// without DOCTOWN_TEST_DATABASE_URL (see .ci/postgres.sh) unless
// DOCTOWN_REQUIRE_ALL=1. newDatabase returns a DATABASE_URL for a fresh
// database ("" for SQLite, where a fresh data dir is the fresh database).
func forEachQueue(t *testing.T, fn func(t *testing.T, newDatabase func(t *testing.T) string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, func(*testing.T) string { return "" }) })
	t.Run("postgres", func(t *testing.T) {
		testPostgresServer(t)
		fn(t, testDatabaseURL)
	})
}

// checkJobIDLogs asserts that every "job_id" in the relay's JSON log is the
// relay's own (a hex string, never River's number) and, when wantRiver, that
// River's lines carry river_job_id.
func checkJobIDLogs(t *testing.T, logs string, wantRiver bool) {
	t.Helper()
	riverIDs := 0
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			continue
		}
		if v, ok := line["job_id"]; ok {
			if s, isStr := v.(string); !isStr || len(s) != 16 {
				t.Errorf("job_id %v (%T) is not a relay job id: %s", v, v, sc.Text())
			}
		}
		if _, ok := line["river_job_id"]; ok {
			riverIDs++
		}
	}
	if wantRiver && riverIDs == 0 {
		t.Error("no log line carries river_job_id")
	}
}
