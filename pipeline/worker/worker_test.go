package worker_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/internal/fakegithub"
	"github.com/doctown/doctown/internal/fakerunpod"
	"github.com/doctown/doctown/pipeline"
	"github.com/doctown/doctown/pipeline/github"
	"github.com/doctown/doctown/pipeline/rust"
	"github.com/doctown/doctown/pipeline/worker"
)

const (
	ghToken     = "ghs_installationTokenSecret123"
	uploadToken = "upl_relayJobTokenSecret456"
	runpodKey   = "rp_key_789"
)

var crate = map[string][]byte{
	"Cargo.toml": []byte("[package]\nname = \"tiny\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
	"README.md":  []byte("# tiny\n"),
	"src/lib.rs": []byte("//! Tiny crate.\n\n/// Adds two numbers.\npub fn add(a: i32, b: i32) -> i32 { a + b }\n\n/// A point.\npub struct Point { pub x: f64, pub y: f64 }\n\nimpl Point {\n    /// The origin.\n    pub fn origin() -> Self { Point { x: 0.0, y: 0.0 } }\n}\n"),
}

// relay is an in-process stand-in for the relay's upload and complete endpoints.
type relay struct {
	mu       sync.Mutex
	uploads  map[string][]byte // job id → docpack bytes
	complete []map[string]string
	srv      *httptest.Server
}

func newRelay(t *testing.T) *relay {
	r := &relay{uploads: map[string][]byte{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/docpack/upload", func(w http.ResponseWriter, req *http.Request) {
		if req.Header.Get("Authorization") != "Bearer "+uploadToken {
			http.Error(w, `{"error":"bad upload token"}`, http.StatusUnauthorized)
			return
		}
		if err := req.ParseMultipartForm(1 << 20); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		f, _, err := req.FormFile("file")
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		b, _ := io.ReadAll(f)
		r.mu.Lock()
		r.uploads[req.FormValue("job_id")] = b
		r.mu.Unlock()
	})
	mux.HandleFunc("POST /api/docpack/complete", func(w http.ResponseWriter, req *http.Request) {
		var m map[string]string
		json.NewDecoder(req.Body).Decode(&m)
		r.mu.Lock()
		r.complete = append(r.complete, m)
		r.mu.Unlock()
	})
	r.srv = httptest.NewServer(mux)
	t.Cleanup(r.srv.Close)
	return r
}

// logBuffer collects the worker's log for the token check.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *logBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func newGitHub(t *testing.T) (*fakegithub.Server, string) {
	gh := fakegithub.New()
	t.Cleanup(gh.Close)
	sha := gh.AddRepo("acme", "tiny", crate)
	gh.Update("acme", "tiny", func(r *fakegithub.Repo) { r.Private = true; r.Tags["v0.1.0"] = sha })
	gh.AddToken(ghToken, "acme/tiny")
	return gh, sha
}

// TestWorkerTwoJobs runs the real worker loop against the fake RunPod webhooks:
// a good job then a bad one, with heartbeats, outputs, errors and the relay's
// completion reports.
func TestWorkerTwoJobs(t *testing.T) {
	gh, sha := newGitHub(t)
	rl := newRelay(t)
	rp := fakerunpod.New(fakerunpod.Options{APIKey: runpodKey})
	defer rp.Close()

	good, _ := rp.Submit(worker.Input{Repo: "acme/tiny", GitRef: "v0.1.0", Token: ghToken, JobID: "job-1", UploadToken: uploadToken})
	bad, _ := rp.Submit(worker.Input{Repo: "acme/tiny", GitRef: "no-such-tag", Token: ghToken, JobID: "job-2", UploadToken: uploadToken})

	env := rp.WorkerEnv("pod-1")
	env["DOCTOWN_RELAY_URL"] = rl.srv.URL
	env[github.EnvAPIURL] = gh.URL
	cfg := worker.ConfigFromEnv(func(k string) string { return env[k] })
	logs := &logBuffer{}
	cfg.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.MaxJobs = 2
	cfg.ToolVersion = "test"

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := worker.Run(ctx, cfg); err != nil {
		t.Fatal(err)
	}

	j1, _ := rp.Job(good)
	if j1.Status != fakerunpod.StatusCompleted || j1.WorkerID != "pod-1" {
		t.Fatalf("job 1 = %+v", j1)
	}
	var out worker.Output
	if err := json.Unmarshal(j1.Output, &out); err != nil {
		t.Fatal(err)
	}
	if out.Repo != "acme/tiny" || out.Commit != sha || out.Ref != "v0.1.0" || out.Symbols == 0 || out.DocpackBytes == 0 || !out.Uploaded || out.JobID != "job-1" {
		t.Errorf("output = %+v", out)
	}
	j2, _ := rp.Job(bad)
	if j2.Status != fakerunpod.StatusFailed || !strings.Contains(j2.Error, `ref "no-such-tag" in acme/tiny not found`) || j2.Output != nil {
		t.Errorf("job 2 = %+v", j2)
	}

	// The relay got job 1's docpack and both completions.
	if b := rl.uploads["job-1"]; int64(len(b)) != out.DocpackBytes {
		t.Errorf("relay received %d bytes for job-1, output says %d", len(b), out.DocpackBytes)
	} else {
		checkDocpack(t, b, sha)
	}
	if _, ok := rl.uploads["job-2"]; ok {
		t.Error("a failed job uploaded a docpack")
	}
	wantComplete := []map[string]string{
		{"job_id": "job-1", "status": "success"},
		{"job_id": "job-2", "status": "failed", "error": j2.Error},
	}
	if len(rl.complete) != 2 || rl.complete[0]["status"] != "success" || rl.complete[1]["status"] != "failed" || rl.complete[1]["error"] != j2.Error || rl.complete[0]["job_id"] != "job-1" {
		t.Errorf("completions = %v, want %v", rl.complete, wantComplete)
	}

	// Heartbeats named each job while it ran.
	seen := map[string]bool{}
	for _, p := range rp.Pings() {
		if p.WorkerID != "pod-1" {
			t.Errorf("ping from %q", p.WorkerID)
		}
		for _, id := range p.JobIDs {
			seen[id] = true
		}
	}
	if !seen[good] || !seen[bad] {
		t.Errorf("heartbeats named %v; want both %s and %s", seen, good, bad)
	}

	// No secret anywhere: log, outputs, errors, relay reports, docpack.
	all := logs.String() + string(j1.Output) + j2.Error + string(rl.uploads["job-1"])
	for _, c := range rl.complete {
		all += c["error"]
	}
	for _, secret := range []string{ghToken, uploadToken, runpodKey} {
		if strings.Contains(all, secret) {
			t.Errorf("secret %q leaked", secret[:6])
		}
	}
}

func checkDocpack(t *testing.T, b []byte, sha string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := zr.Open("manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var m docpack.Manifest
	if err := json.NewDecoder(f).Decode(&m); err != nil {
		t.Fatal(err)
	}
	r := m.Repository
	if r.Name != "acme/tiny" || r.CommitSHA != sha || r.Ref != "v0.1.0" || !strings.HasSuffix(r.URL, "/acme/tiny") {
		t.Errorf("manifest repository = %+v", r)
	}
}

// TestWorkerProtocol checks the wire shapes with a stub job: the webhook auth
// header, $ID expansion, 204 polling, and that a job whose input is not an
// object fails with an error output.
func TestWorkerProtocol(t *testing.T) {
	rp := fakerunpod.New(fakerunpod.Options{APIKey: runpodKey, TakeWait: 10 * time.Millisecond})
	defer rp.Close()
	env := rp.WorkerEnv("pod-9")
	cfg := worker.ConfigFromEnv(func(k string) string { return env[k] })
	cfg.MaxJobs = 2
	var got []worker.Input
	cfg.Job = func(ctx context.Context, in worker.Input) (*worker.Output, error) {
		got = append(got, in)
		time.Sleep(300 * time.Millisecond) // long enough for several heartbeats at 50ms
		return &worker.Output{Repo: in.Repo, Commit: "abc", Symbols: 3}, nil
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- worker.Run(ctx, cfg) }()
	// The worker polls the empty queue, gets 204s and asks again.
	for rp.Requests("take") < 2 {
		if ctx.Err() != nil {
			t.Fatal("the worker did not poll again after a 204")
		}
		time.Sleep(5 * time.Millisecond)
	}
	id1, _ := rp.Submit(map[string]any{"repo": "a/b", "git_ref": "main"})
	if _, err := rp.Wait(ctx, id1); err != nil {
		t.Fatal(err)
	}
	id2, _ := rp.Submit([]int{1, 2})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	j1, _ := rp.Job(id1)
	j2, _ := rp.Job(id2)
	if j1.Status != fakerunpod.StatusCompleted || string(j1.Output) != `{"repo":"a/b","commit":"abc","symbols":3,"docs":0,"docpack_bytes":0,"elapsed_sec":0,"uploaded":false}` {
		t.Errorf("job 1 = %+v %s", j1, j1.Output)
	}
	if j2.Status != fakerunpod.StatusFailed || !strings.Contains(j2.Error, "job input") {
		t.Errorf("job 2 = %+v", j2)
	}
	if len(got) != 1 || got[0].GitRef != "main" {
		t.Errorf("jobs run = %+v", got)
	}
	pings := 0
	for _, p := range rp.Pings() {
		if len(p.JobIDs) == 1 && p.JobIDs[0] == id1 {
			pings++
		}
	}
	if pings < 2 {
		t.Errorf("%d heartbeats during a 300ms job with a 50ms interval", pings)
	}
}

func TestWorkerWrongKey(t *testing.T) {
	rp := fakerunpod.New(fakerunpod.Options{APIKey: runpodKey})
	defer rp.Close()
	env := rp.WorkerEnv("pod-1")
	env["RUNPOD_AI_API_KEY"] = "wrong"
	cfg := worker.ConfigFromEnv(func(k string) string { return env[k] })
	logs := &logBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	ctx, cancel := context.WithTimeout(t.Context(), 1500*time.Millisecond)
	defer cancel()
	if err := worker.Run(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "401 Unauthorized") {
		t.Errorf("log does not show the refused job-take:\n%s", logs.String())
	}
}

func TestValidate(t *testing.T) {
	err := worker.Run(t.Context(), worker.Config{})
	if err == nil || !strings.Contains(err.Error(), "RUNPOD_WEBHOOK_GET_JOB") || !strings.Contains(err.Error(), "--test-input") {
		t.Fatalf("err = %v", err)
	}
}

// TestRunJobErrors: each bad input ends with a clear error and a failed
// completion at the relay, without secrets.
func TestRunJobErrors(t *testing.T) {
	gh, _ := newGitHub(t)
	gh.AddToken("ghs_expired_token_abc")
	gh.ExpireToken("ghs_expired_token_abc")
	tests := []struct {
		name string
		in   worker.Input
		kind error
		msg  string
	}{
		{"unknown repo", worker.Input{Repo: "acme/nope", Token: ghToken}, github.ErrNotFound, "repository acme/nope not found"},
		{"expired token", worker.Input{Repo: "acme/tiny", Token: "ghs_expired_token_abc"}, github.ErrAuth, "invalid or expired"},
		{"no repo", worker.Input{}, nil, "no repo"},
		{"bad repo", worker.Input{Repo: "not a repo"}, nil, "is not owner/repo"},
		{"unknown target", worker.Input{Repo: "acme/tiny", Token: ghToken, Build: rust.BuildConfig{Target: "z80-unknown-none"}}, nil, `unknown target "z80-unknown-none"`},
		{"bad cfg", worker.Input{Repo: "acme/tiny", Token: ghToken, Build: rust.BuildConfig{Cfgs: []string{"all(x)"}}}, nil, `cfg "all(x)"`},
		{"unknown feature", worker.Input{Repo: "acme/tiny", Token: ghToken, Build: rust.BuildConfig{Features: []string{"nosuch"}}}, nil, "the package 'tiny' does not contain this feature: nosuch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rl := newRelay(t)
			in := tt.in
			in.JobID, in.UploadToken, in.UploadURL = "j", uploadToken, rl.srv.URL
			_, err := worker.RunJob(t.Context(), worker.Config{GitHubAPIURL: gh.URL}, in)
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v, want %q", err, tt.msg)
			}
			if tt.kind != nil && !errors.Is(err, tt.kind) {
				t.Errorf("%v is not %v", err, tt.kind)
			}
			if len(rl.complete) != 1 || rl.complete[0]["status"] != "failed" || rl.complete[0]["error"] != err.Error() {
				t.Errorf("completions = %v", rl.complete)
			}
			if strings.Contains(err.Error(), in.Token) && in.Token != "" {
				t.Error("token in error")
			}
		})
	}
}

// TestBuildEndToEnd: fake GitHub serving a small crate → pipeline.Build with the
// GitHub source → a docpack whose manifest names the repository, commit and ref,
// and no trace of the token in the docpack or the events.
func TestBuildEndToEnd(t *testing.T) {
	gh, sha := newGitHub(t)
	src, err := github.NewSource(t.Context(), github.Target{Owner: "acme", Repo: "tiny", Ref: "v0.1.0"}, github.Options{Token: ghToken, APIURL: gh.URL})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var events bytes.Buffer
	out := filepath.Join(t.TempDir(), "tiny.docpack")
	res, err := pipeline.Build(t.Context(), pipeline.BuildOptions{Source: src, Output: out}, func(e pipeline.Event) {
		b, _ := pipeline.MarshalEvent(e)
		mu.Lock()
		events.Write(b)
		events.WriteByte('\n')
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Manifest.Repository
	if r.Name != "acme/tiny" || r.CommitSHA != sha || r.Ref != "v0.1.0" || r.URL == "" {
		t.Errorf("repository = %+v", r)
	}
	if res.Manifest.SymbolCount < 3 {
		t.Errorf("symbols = %d", res.Manifest.SymbolCount)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	checkDocpack(t, b, sha)
	if bytes.Contains(b, []byte(ghToken)) || strings.Contains(events.String(), ghToken) {
		t.Error("token in the docpack or events")
	}
	// The docpack is compressed: check the unpacked entries too.
	zr, _ := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	for _, f := range zr.File {
		rc, _ := f.Open()
		body, _ := io.ReadAll(rc)
		rc.Close()
		if bytes.Contains(body, []byte(ghToken)) {
			t.Errorf("token in %s", f.Name)
		}
	}
}

// TestRunJobBuildConfig: a job input's "build" (as the relay's RunPod request
// writes it) decides the features and target the crate is documented with,
// and the manifest records it.
func TestRunJobBuildConfig(t *testing.T) {
	gh := fakegithub.New()
	t.Cleanup(gh.Close)
	gh.AddRepo("acme", "gated", map[string][]byte{
		"Cargo.toml": []byte("[package]\nname = \"gated\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[features]\nnet = []\n" +
			"[package.metadata.docs.rs]\nall-features = true\n"),
		"src/lib.rs": []byte("/// Always.\npub fn always() {}\n/// Net.\n#[cfg(feature = \"net\")]\npub fn net() {}\n" +
			"/// Windows.\n#[cfg(windows)]\npub fn win() {}\n/// Unix.\n#[cfg(unix)]\npub fn nix() {}\n"),
	})
	gh.AddToken(ghToken, "acme/gated")
	rl := newRelay(t)
	var in worker.Input
	raw := `{"repo":"acme/gated","token":"` + ghToken + `","job_id":"j1","upload_token":"` + uploadToken + `","upload_url":"` + rl.srv.URL +
		`","build":{"features":["net"],"target":"x86_64-pc-windows-msvc"}}`
	if err := json.Unmarshal([]byte(raw), &in); err != nil {
		t.Fatal(err)
	}
	if _, err := worker.RunJob(t.Context(), worker.Config{GitHubAPIURL: gh.URL}, in); err != nil {
		t.Fatal(err)
	}
	b := rl.uploads["j1"]
	pack, err := docpack.Read(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, s := range pack.Symbols {
		paths = append(paths, s.Path)
	}
	got := strings.Join(paths, " ")
	for _, want := range []string{"gated::always", "gated::net", "gated::win"} {
		if !strings.Contains(got, want) {
			t.Errorf("%s missing: %s", want, got)
		}
	}
	if strings.Contains(got, "gated::nix") {
		t.Errorf("a unix-only item in a Windows build: %s", got)
	}
	cb := pack.Manifest.Crates[0].Build
	if cb == nil || cb.From != "flags" || cb.Target != "x86_64-pc-windows-msvc" || strings.Join(cb.Features, ",") != "net" {
		t.Errorf("manifest build = %+v", cb)
	}
}
