package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/internal/fakegithub"
	"github.com/doctown/doctown/pipeline/rust"
	"github.com/doctown/doctown/relay/commons"
	"github.com/doctown/doctown/relay/config"
	"github.com/doctown/doctown/relay/dispatch"
	"github.com/doctown/doctown/relay/jobs"
	"github.com/doctown/doctown/relay/store"
)

// buildCounter wraps the real pipeline build and counts the builds that
// produced a docpack, per repo@sha.
type buildCounter struct {
	mu     sync.Mutex
	done   map[string]int
	inner  dispatch.BuildFunc
	before func(ctx context.Context, req dispatch.BuildRequest) error
}

func newBuildCounter(inner dispatch.BuildFunc) *buildCounter {
	return &buildCounter{done: map[string]int{}, inner: inner}
}

func (b *buildCounter) Build(ctx context.Context, req dispatch.BuildRequest) (string, error) {
	if b.before != nil {
		if err := b.before(ctx, req); err != nil {
			return "", err
		}
	}
	p, err := b.inner(ctx, req)
	if err == nil {
		b.mu.Lock()
		b.done[req.Owner+"/"+req.Repo+"@"+req.SHA]++
		b.mu.Unlock()
	}
	return p, err
}

func (b *buildCounter) counts() map[string]int {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := map[string]int{}
	for k, v := range b.done {
		out[k] = v
	}
	return out
}

// sendBuildWebhooks sends a signed installation_repositories adding alpha and
// beta, and a signed push to gamma's default branch; both must be accepted.
func sendBuildWebhooks(t *testing.T, r *testRelay, e *env) {
	t.Helper()
	code, body := r.send(t, signedHook("installation_repositories", reposAddedPayload("acme/alpha", "acme/beta")))
	if code != http.StatusAccepted {
		t.Fatalf("installation_repositories: %d %s", code, body)
	}
	var ans webhookAnswer
	json.Unmarshal([]byte(body), &ans)
	if len(ans.Lookups) != 2 {
		t.Fatalf("installation_repositories queued %v, want both repositories", ans.Lookups)
	}
	code, body = r.send(t, signedHook("push", pushPayload("acme/gamma", "refs/heads/main", e.shas["acme/gamma"])))
	if code != http.StatusAccepted {
		t.Fatalf("push: %d %s", code, body)
	}
	json.Unmarshal([]byte(body), &ans)
	if len(ans.Jobs) != 1 || ans.Jobs[0].JobID == "" {
		t.Fatalf("push answer %s", body)
	}
	// The job is durably recorded when the 202 arrives.
	var j jobs.Job
	if code := getJSON(t, r.URL+"/api/jobs/"+ans.Jobs[0].JobID, &j); code != http.StatusOK || j.SHA != e.shas["acme/gamma"] {
		t.Fatalf("GET /api/jobs/%s: %d %+v", ans.Jobs[0].JobID, code, j)
	}
}

// checkCommons asserts the three docpacks are listed, downloadable and valid.
func checkCommons(t *testing.T, s *Server, base string, e *env) {
	t.Helper()
	entries, _, err := s.Catalog().List(context.Background(), commons.ListQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Fatalf("catalog has %d entries, want 3: %+v", len(entries), entries)
	}
	var listed struct {
		Docpacks []json.RawMessage `json:"docpacks"`
	}
	if code := getJSON(t, base+"/api/docpacks", &listed); code != http.StatusOK {
		t.Errorf("GET /api/docpacks: %d", code)
	}
	for _, full := range []string{"acme/alpha", "acme/beta", "acme/gamma"} {
		owner, repo, _ := strings.Cut(full, "/")
		sha := e.shas[full]
		ent, err := s.Catalog().Latest(context.Background(), owner, repo)
		if err != nil || ent.SHA != sha || ent.Key != store.Key(owner, repo, sha) {
			t.Errorf("latest %s = %+v, %v", full, ent, err)
		}
		for _, path := range []string{"/api/docpacks/" + full, "/api/docpacks/" + full + "/" + sha} {
			resp, err := http.Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s: %d", path, resp.StatusCode)
				continue
			}
			p, err := docpack.Read(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Errorf("GET %s: not a valid docpack: %v", path, err)
				continue
			}
			if p.Manifest.Repository.Name != full || p.Manifest.Repository.CommitSHA != sha || p.Manifest.SymbolCount == 0 {
				t.Errorf("GET %s: manifest %+v", path, p.Manifest.Repository)
			}
		}
	}
	if len(listed.Docpacks) != 3 {
		t.Errorf("/api/docpacks lists %d docpacks, want 3", len(listed.Docpacks))
	}
}

// checkBuildTarget asserts the stored docpack of full was documented for
// target, from the relay's build configuration (DOCTOWN_BUILD_TARGET).
func checkBuildTarget(t *testing.T, base, full, target string) {
	t.Helper()
	resp, err := http.Get(base + "/api/docpacks/" + full)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	p, err := docpack.Read(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("GET %s: %v", full, err)
	}
	if len(p.Manifest.Crates) == 0 || p.Manifest.Crates[0].Build == nil {
		t.Fatalf("%s: no build configuration in the manifest: %+v", full, p.Manifest.Crates)
	}
	if cb := p.Manifest.Crates[0].Build; cb.Target != target || cb.From != "flags" {
		t.Errorf("%s built with %+v, want target %s from the relay's configuration", full, cb, target)
	}
}

func waitAllDone(t *testing.T, s *Server, n int) {
	t.Helper()
	waitFor(t, "all jobs done", 2*time.Minute, func() bool {
		list := allJobs(t, s)
		if len(list) < n {
			return false
		}
		for _, j := range list {
			if j.State == jobs.StateFailed {
				t.Fatalf("job %s failed: %s", j.ID, j.Error)
			}
			if j.State != jobs.StateDone {
				return false
			}
		}
		return true
	})
}

// TestEndToEndLocal: signed webhooks → River on SQLite → local pipeline builds
// against the fake GitHub (installation tokens, lookups, tarballs) → S3 on
// gofakes3 → the commons.
func TestEndToEndLocal(t *testing.T) {
	e := newEnv(t)
	bc := newBuildCounter(dispatch.PipelineBuild(nil, nil, "test"))
	r := startRelay(t, e, relayOpts{deps: Deps{Build: bc.Build}, cfg: func(c *config.Config) {
		c.Build = rust.BuildConfig{Target: "aarch64-apple-darwin"}
	}})
	sendBuildWebhooks(t, r, e)
	waitAllDone(t, r.Server, 3)
	checkCommons(t, r.Server, r.URL, e)
	checkBuildTarget(t, r.URL, "acme/gamma", "aarch64-apple-darwin")
	for k, n := range bc.counts() {
		if n != 1 {
			t.Errorf("%s built %d times", k, n)
		}
	}
	// Installation tokens were minted through the App (JWT) and never logged.
	var minted int
	for _, req := range e.gh.Requests() {
		if strings.HasSuffix(req.Path, "/access_tokens") && req.Auth == "jwt" {
			minted++
		}
	}
	if minted < 3 {
		t.Errorf("minted %d installation tokens, want one per build at least", minted)
	}
	// Each token was scoped to one repository with read-only contents.
	for _, tr := range e.gh.TokenRequests() {
		if len(tr.Repositories) != 1 || len(tr.Permissions) != 1 || tr.Permissions["contents"] != "read" {
			t.Errorf("installation token request %+v: want one repository and contents:read only", tr)
		}
	}
	if logs := r.logs.String(); strings.Contains(logs, "ghs_") || strings.Contains(logs, "v1."+allJobs(t, r.Server)[0].ID) {
		t.Error("a token appears in the relay's log")
	}
	// Metrics reflect the work.
	resp, err := http.Get(r.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`doctown_relay_jobs{state="done"} 3`,
		`doctown_relay_webhooks_total{event="push",result="accepted"} 1`,
		`doctown_relay_dispatch_seconds_count{dispatcher="local",result="ok"} 3`,
	} {
		if !strings.Contains(string(m), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	// A replay of the same push is a duplicate and builds nothing new.
	code, body := r.send(t, signedHook("push", pushPayload("acme/gamma", "refs/heads/main", e.shas["acme/gamma"])))
	if code != http.StatusAccepted || !strings.Contains(body, `"duplicate":true`) {
		t.Errorf("second push of the same commit: %d %s", code, body)
	}
	if os.Getenv("RELAY_TEST_LOGS") != "" {
		t.Log(r.logs.String())
	}
}

// installationCreatedPayload is GitHub's "installation" event with action
// "created": the installation, its account and the repositories it may read —
// id, name, full_name and private only (no default branch, no head commit).
func installationCreatedPayload(full ...string) map[string]any {
	var repos []map[string]any
	for i, f := range full {
		_, name, _ := strings.Cut(f, "/")
		repos = append(repos, map[string]any{"id": 5000 + i, "node_id": "R_" + name, "name": name, "full_name": f, "private": false})
	}
	return map[string]any{
		"action": "created",
		"installation": map[string]any{
			"id": testInst, "app_id": testAppID, "target_type": "Organization", "repository_selection": "selected",
			"account":     map[string]any{"login": "acme", "id": 900, "type": "Organization"},
			"permissions": map[string]any{"contents": "read", "metadata": "read"},
			"events":      []string{"push"},
		},
		"repositories": repos,
		"requester":    nil,
		"sender":       map[string]any{"login": "octocat", "id": 1, "type": "User"},
	}
}

// TestEndToEndInstallationCreated: one "installation created" event naming three
// repositories builds each at the head of its default branch, looked up through
// the App (gamma's default branch is "trunk", and "main" there is older).
func TestEndToEndInstallationCreated(t *testing.T) {
	e := newEnv(t)
	oldGamma := e.shas["acme/gamma"]
	files := crateFiles("gamma")
	files["src/lib.rs"] = append(files["src/lib.rs"], []byte("\n/// Subtracts.\npub fn sub(a: i32, b: i32) -> i32 { a - b }\n")...)
	e.shas["acme/gamma"] = e.gh.AddCommit("acme", "gamma", "trunk", files)
	e.gh.Update("acme", "gamma", func(r *fakegithub.Repo) { r.DefaultBranch = "trunk" })

	bc := newBuildCounter(dispatch.PipelineBuild(nil, nil, "test"))
	r := startRelay(t, e, relayOpts{deps: Deps{Build: bc.Build}})
	code, body := r.send(t, signedHook("installation", installationCreatedPayload("acme/alpha", "acme/beta", "acme/gamma")))
	if code != http.StatusAccepted {
		t.Fatalf("installation created: %d %s", code, body)
	}
	var ans webhookAnswer
	if err := json.Unmarshal([]byte(body), &ans); err != nil {
		t.Fatal(err)
	}
	if len(ans.Lookups) != 3 {
		t.Fatalf("installation created queued lookups %v, want all three repositories", ans.Lookups)
	}
	waitAllDone(t, r.Server, 3)
	checkCommons(t, r.Server, r.URL, e)

	list := allJobs(t, r.Server)
	if len(list) != 3 {
		t.Fatalf("%d jobs, want 3", len(list))
	}
	for _, j := range list {
		wantRef := "refs/heads/main"
		if j.Repo == "gamma" {
			wantRef = "refs/heads/trunk"
		}
		if j.SHA != e.shas[j.FullName()] || j.Ref != wantRef {
			t.Errorf("job %s: %s@%s (%s), want %s at %s", j.ID, j.FullName(), j.SHA, j.Ref, wantRef, e.shas[j.FullName()])
		}
	}
	counts := bc.counts()
	if len(counts) != 3 {
		t.Errorf("builds %v, want three commits", counts)
	}
	for full, sha := range e.shas {
		if n := counts[full+"@"+sha]; n != 1 {
			t.Errorf("%s@%s built %d times, want 1", full, sha, n)
		}
	}
	if n := counts["acme/gamma@"+oldGamma]; n != 0 {
		t.Errorf("gamma's old main commit was built %d times", n)
	}
}

// TestWithoutGitHubApp: a relay with no App says so at start, and a build that
// fails without one records why on the job.
func TestWithoutGitHubApp(t *testing.T) {
	e := newEnv(t)
	r := startRelay(t, e, relayOpts{
		deps: Deps{Build: func(ctx context.Context, req dispatch.BuildRequest) (string, error) {
			if req.Token != "" {
				t.Errorf("build got a token without an App")
			}
			return "", errors.New("download tarball: 404 Not Found")
		}},
		cfg: func(c *config.Config) { c.GitHubAppID = 0; c.GitHubAppPrivateKey = nil; c.MaxAttempts = 1 },
	})
	waitFor(t, "the startup warning about the missing App", 30*time.Second, func() bool {
		return strings.Contains(r.logs.String(), `"msg":"GitHub App not configured`)
	})
	code, body := r.send(t, signedHook("push", pushPayload("acme/alpha", "refs/heads/main", e.shas["acme/alpha"])))
	if code != http.StatusAccepted {
		t.Fatalf("push: %d %s", code, body)
	}
	waitFor(t, "job failed", time.Minute, func() bool {
		list := allJobs(t, r.Server)
		return len(list) == 1 && list[0].State == jobs.StateFailed
	})
	if j := allJobs(t, r.Server)[0]; !strings.Contains(j.Error, "404") || !strings.Contains(j.Error, "no GitHub App is configured") {
		t.Errorf("job error %q does not say the App is missing", j.Error)
	}
	// An installation event is taken (public repositories still build) and the
	// answer says what is missing.
	code, body = r.send(t, signedHook("installation_repositories", reposAddedPayload("acme/beta")))
	if code != http.StatusAccepted || !strings.Contains(body, "no GitHub App is configured") {
		t.Errorf("installation_repositories without an App: %d %s", code, body)
	}
}
