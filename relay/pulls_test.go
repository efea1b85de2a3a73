package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/apidiff"
	"github.com/doctown/doctown/internal/fakegithub"
	"github.com/doctown/doctown/relay/catalog"
	"github.com/doctown/doctown/relay/commons"
	"github.com/doctown/doctown/relay/commons/api"
	"github.com/doctown/doctown/relay/config"
	"github.com/doctown/doctown/relay/dispatch"
	"github.com/doctown/doctown/relay/jobs"
)

// withLib is crateFiles(name) with src/lib.rs replaced.
func withLib(name, lib string) map[string][]byte {
	f := crateFiles(name)
	f["src/lib.rs"] = []byte(lib)
	return f
}

const (
	libV1 = "//! alpha.\n\n/// Adds two numbers.\npub fn add(a: i32, b: i32) -> i32 { a + b }\n\n/// A point.\npub struct Point { pub x: f64, pub y: f64 }\n"
	// libV2 removes add (major) and adds scale.
	libV2 = "//! alpha.\n\n/// Scales a value.\npub fn scale(v: f64) -> f64 { v * 2.0 }\n\n/// A point.\npub struct Point { pub x: f64, pub y: f64 }\n"
	// libPR adds a method on top of libV2 (minor).
	libPR = libV2 + "\nimpl Point {\n    /// The origin.\n    pub fn origin() -> Point { Point { x: 0.0, y: 0.0 } }\n}\n"
)

// rawHook is a signed delivery of an exact payload.
func rawHook(event string, payload []byte) webhook {
	return signedHook(event, json.RawMessage(payload))
}

func catalogEntry(t *testing.T, s *Server, owner, repo, sha string) commons.Entry {
	t.Helper()
	e, ok, err := catalog.Lookup(context.Background(), s.q.DB(), owner, repo, sha)
	if err != nil || !ok {
		t.Fatalf("catalog entry %s/%s@%s: %v, %v", owner, repo, sha, ok, err)
	}
	return e
}

func waitJob(t *testing.T, s *Server, sha, state string) *jobs.Job {
	t.Helper()
	var found *jobs.Job
	waitFor(t, "job of "+sha[:7]+" "+state, 2*time.Minute, func() bool {
		for _, j := range allJobs(t, s) {
			if j.SHA == sha && j.State == state {
				found = j
				return true
			}
			if j.SHA == sha && j.State == jobs.StateFailed && state != jobs.StateFailed {
				t.Fatalf("job %s failed: %s", j.ID, j.Error)
			}
		}
		return false
	})
	return found
}

// checkRunOf is the one check run on sha.
func checkRunOf(t *testing.T, gh *fakegithub.Server, sha string) fakegithub.CheckRun {
	t.Helper()
	var out []fakegithub.CheckRun
	for _, cr := range gh.CheckRuns("acme", "alpha") {
		if cr.HeadSHA == sha {
			out = append(out, cr)
		}
	}
	if len(out) != 1 {
		t.Fatalf("%d check runs on %s, want 1: %+v", len(out), sha[:7], out)
	}
	return out[0]
}

// TestEndToEndPullRequests: two pushes and a pull request from a fork, with
// check runs on. Every docpack is stored with its API change summary in the
// catalog; latest moves with the pushes only; the preview is browsable at
// the pull request's URL and expires after the pull request closes; each
// commit has a doctown check run that went in_progress → completed with the
// symbol count, verdict and diff, and a failed build reports its (redacted)
// error there.
func TestEndToEndPullRequests(t *testing.T) {
	forEachQueue(t, func(t *testing.T, newDatabase func(t *testing.T) string) { testPullRequests(t, newDatabase(t)) })
}

func testPullRequests(t *testing.T, databaseURL string) {
	e := newEnv(t)
	e.gh.SetAppPermission("checks", "write")
	var offset atomic.Int64 // the relay's clock runs ahead by this much
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	const leaked = "ghs_0123456789abcdefABCDEF0123"
	var failSHA atomic.Value
	failSHA.Store("")
	bc := newBuildCounter(dispatch.PipelineBuild(nil, nil, "test"))
	bc.before = func(_ context.Context, req dispatch.BuildRequest) error {
		if req.SHA == failSHA.Load().(string) {
			return errors.New("fetch failed with token " + leaked + ": 500 from upstream")
		}
		return nil
	}
	r := startRelay(t, e, relayOpts{
		databaseURL: databaseURL,
		deps:        Deps{Build: bc.Build, Now: now},
		cfg:         func(c *config.Config) { c.Checks = true; c.MaxAttempts = 1; c.PreviewTTL = time.Hour },
	})
	s := r.Server

	// Push 1: the branch's first docpack.
	push1 := e.gh.AddCommit("acme", "alpha", "main", withLib("alpha", libV1))
	if code, body := r.send(t, signedHook("push", pushPayload("acme/alpha", "refs/heads/main", push1))); code != http.StatusAccepted {
		t.Fatalf("push 1: %d %s", code, body)
	}
	waitJob(t, s, push1, jobs.StateDone)
	// Push 2: add removed, scale added: major against push 1.
	push2 := e.gh.AddCommit("acme", "alpha", "main", withLib("alpha", libV2))
	if code, body := r.send(t, signedHook("push", pushPayload("acme/alpha", "refs/heads/main", push2))); code != http.StatusAccepted {
		t.Fatalf("push 2: %d %s", code, body)
	}
	waitJob(t, s, push2, jobs.StateDone)

	// A pull request from a fork the App cannot read: its head is fetched
	// through the base repository.
	e.gh.AddRepo("mallory", "alpha", withLib("alpha", libV2))
	e.gh.Update("mallory", "alpha", func(r *fakegithub.Repo) { r.Private = true })
	head := e.gh.AddCommit("mallory", "alpha", "feature", withLib("alpha", libPR))
	n := e.gh.OpenPull("acme/alpha", "mallory/alpha", "feature")
	code, body := r.send(t, rawHook("pull_request", e.gh.PullRequestEvent("opened", "acme/alpha", n, testInst, nil)))
	if code != http.StatusAccepted || !strings.Contains(body, head) {
		t.Fatalf("pull_request opened: %d %s", code, body)
	}
	if j := waitJob(t, s, head, jobs.StateDone); j.Pull != n || j.Ref != "refs/pull/1/head" {
		t.Errorf("preview job %+v: want pull %d at refs/pull/1/head", j, n)
	}

	// Latest moved with the pushes only.
	latest, err := s.Catalog().Latest(context.Background(), "acme", "alpha")
	if err != nil || latest.SHA != push2 {
		t.Fatalf("latest = %s, %v; want push 2 %s", latest.SHA, err, push2)
	}
	// The summaries in the catalog.
	if c := catalogEntry(t, s, "acme", "alpha", push1).Changes; c == nil || c.Base != "" {
		t.Errorf("push 1 changes %+v: want computed, with no base", c)
	}
	c2 := catalogEntry(t, s, "acme", "alpha", push2).Changes
	if c2 == nil || c2.Base != push1 || c2.Verdict != apidiff.Major || c2.Counts != (apidiff.Counts{Added: 1, Removed: 1}) {
		t.Errorf("push 2 changes %+v: want major against push 1, 1 added 1 removed", c2)
	}
	pe := catalogEntry(t, s, "acme", "alpha", head)
	if pe.Pull != n || pe.Changes == nil || pe.Changes.Base != push2 || pe.Changes.Verdict != apidiff.Minor || pe.Changes.Counts.Added == 0 {
		t.Errorf("preview entry %+v changes %+v: want pull %d, minor against push 2", pe, pe.Changes, n)
	}

	// The preview is browsable at the pull request's URL, not listed by default.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(r.URL + api.PullPagePath("acme", "alpha", n))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != api.PagePath("acme", "alpha", head) {
		t.Fatalf("GET /pr/acme/alpha/1: %d → %q", resp.StatusCode, loc)
	}
	page := getBody(t, r.URL+api.PagePath("acme", "alpha", head))
	for _, want := range []string{"pull request #1", "Changes in this commit", "minor", "impl Point"} {
		if !strings.Contains(page, want) {
			t.Errorf("preview page lacks %q", want)
		}
	}
	pack := getBody(t, r.URL+"/api/docpacks/acme/alpha?pull=1")
	p, err := docpack.Read(strings.NewReader(pack), int64(len(pack)))
	if err != nil || p.Manifest.Repository.CommitSHA != head || p.Manifest.Repository.Ref != "refs/pull/1/head" {
		t.Fatalf("?pull=1 download: %v %+v", err, p)
	}
	var list api.List
	getJSON(t, r.URL+"/api/docpacks?owner=acme&repo=alpha", &list)
	if len(list.Docpacks) != 2 {
		t.Errorf("listing has %d docpacks, want the 2 pushes (previews left out)", len(list.Docpacks))
	}
	getJSON(t, r.URL+"/api/docpacks?owner=acme&repo=alpha&previews=1", &list)
	if len(list.Docpacks) != 3 || list.Docpacks[0].Pull != n || list.Docpacks[0].Changes == nil || list.Docpacks[0].Changes.Verdict != apidiff.Minor {
		t.Errorf("listing with previews: %+v", list.Docpacks)
	}
	for _, d := range list.Docpacks {
		if d.SHA == push2 && (d.Changes == nil || d.Changes.Summary != "major: 1 removed, 1 added") {
			t.Errorf("push 2 listed with changes %+v", d.Changes)
		}
	}
	var ch api.Changes
	if code := getJSON(t, r.URL+api.ChangesPath("acme", "alpha", push2), &ch); code != http.StatusOK || ch.Base != push1 || ch.Verdict != apidiff.Major {
		t.Errorf("changes of push 2: %d base %s verdict %s", code, ch.Base, ch.Verdict)
	}
	getJSON(t, r.URL+api.ChangesPath("acme", "alpha", head), &ch)
	if ch.Base != push2 || ch.Pull != n || ch.Verdict != apidiff.Minor {
		t.Errorf("changes of the preview: base %s pull %d verdict %s", ch.Base, ch.Pull, ch.Verdict)
	}

	// Check runs: in_progress when the job started, then completed.
	for _, tt := range []struct {
		sha, conclusion string
		summary         []string
	}{
		{push1, "success", []string{"no earlier docpack"}},
		{push2, "neutral", []string{"**Semver verdict: major**", "`alpha::add`", "compared with the previous push of main"}},
		{head, "success", []string{"**Semver verdict: minor**", "compared with the base branch main", "/s/"}},
	} {
		cr := checkRunOf(t, e.gh, tt.sha)
		if cr.Name != "doctown" || strings.Join(cr.Statuses, ",") != "in_progress,completed" || cr.Conclusion != tt.conclusion {
			t.Errorf("check run on %s: %s %v %s, want in_progress then %s", tt.sha[:7], cr.Name, cr.Statuses, cr.Conclusion, tt.conclusion)
		}
		if cr.DetailsURL != r.URL+api.PagePath("acme", "alpha", tt.sha) || !strings.Contains(cr.Title, "public symbols") {
			t.Errorf("check run on %s: details %q title %q", tt.sha[:7], cr.DetailsURL, cr.Title)
		}
		for _, want := range tt.summary {
			if !strings.Contains(cr.Summary, want) {
				t.Errorf("check run on %s: summary lacks %q:\n%s", tt.sha[:7], want, cr.Summary)
			}
		}
	}
	// Tokens: the builds' read contents only, the check runs' write checks only.
	for _, tr := range e.gh.TokenRequests() {
		ok := len(tr.Repositories) == 1 && len(tr.Permissions) == 1 && (tr.Permissions["contents"] == "read" || tr.Permissions["checks"] == "write")
		if !ok {
			t.Errorf("installation token request %+v: want one repository and one permission", tr)
		}
	}

	// A failed build completes its check run as a failure, with its error
	// redacted.
	push3 := e.gh.AddCommit("acme", "alpha", "main", withLib("alpha", libV2+"\npub fn broken() {}\n"))
	failSHA.Store(push3)
	r.send(t, signedHook("push", pushPayload("acme/alpha", "refs/heads/main", push3)))
	waitJob(t, s, push3, jobs.StateFailed)
	cr := checkRunOf(t, e.gh, push3)
	if cr.Conclusion != "failure" || !strings.Contains(cr.Summary, "500 from upstream") || strings.Contains(cr.Summary, leaked) {
		t.Errorf("failed build's check run: %s\n%s", cr.Conclusion, cr.Summary)
	}

	// A push of the pull request's head (merged as it was) makes it the
	// branch's: latest moves to it, and it no longer expires.
	// (Covered below for a second pull request; here the first one closes.)
	code, body = r.send(t, rawHook("pull_request", e.gh.PullRequestEvent("closed", "acme/alpha", n, testInst, nil)))
	if code != http.StatusAccepted {
		t.Fatalf("pull_request closed: %d %s", code, body)
	}
	if k, err := s.expirePreviews(context.Background()); err != nil || k != 0 {
		t.Fatalf("expired %d previews right after closing (TTL 1h), %v", k, err)
	}
	offset.Store(int64(2 * time.Hour))
	if k, err := s.expirePreviews(context.Background()); err != nil || k != 1 {
		t.Fatalf("expired %d previews two hours after closing, want 1, %v", k, err)
	}
	if _, ok, _ := catalog.Lookup(context.Background(), s.q.DB(), "acme", "alpha", head); ok {
		t.Error("the expired preview is still in the catalog")
	}
	if _, _, err := e.store.Get(context.Background(), pe.Key); err == nil {
		t.Error("the expired preview's object is still stored")
	}
	if code := getStatus(t, r.URL+api.PullPagePath("acme", "alpha", n)); code != http.StatusNotFound {
		t.Errorf("GET the expired preview: %d, want 404", code)
	}
	if l, err := s.Catalog().Latest(context.Background(), "acme", "alpha"); err != nil || l.SHA != push2 {
		t.Errorf("latest after the expiry = %s, %v", l.SHA, err)
	}
}

// TestChecksNotGranted: with check runs on but the App never granted
// checks: write, builds still succeed and the relay says why in its log.
func TestChecksNotGranted(t *testing.T) {
	e := newEnv(t)
	r := startRelay(t, e, relayOpts{cfg: func(c *config.Config) { c.Checks = true }})
	sha := e.shas["acme/gamma"]
	r.send(t, signedHook("push", pushPayload("acme/gamma", "refs/heads/main", sha)))
	waitJob(t, r.Server, sha, jobs.StateDone)
	if runs := e.gh.CheckRuns("acme", "gamma"); len(runs) != 0 {
		t.Errorf("check runs written without the permission: %+v", runs)
	}
	if logs := r.logs.String(); !strings.Contains(logs, "the App was not granted checks: write") || strings.Contains(logs, "ghs_") {
		t.Errorf("the log does not say why (or shows a token):\n%s", logs)
	}
	m := getBody(t, r.URL+"/metrics")
	if !strings.Contains(m, `doctown_relay_check_runs_total{op="create",result="error"} 2`) {
		t.Errorf("metrics do not count the failed check-run writes (start and completion):\n%s", grepLines(m, "check_runs"))
	}
}

// TestPullHeadPushed: a pull request's head that is then pushed to the
// default branch as it is (a fast-forward merge) becomes the branch's
// docpack: latest moves to it and the sweeper keeps it after the pull
// request closes.
func TestPullHeadPushed(t *testing.T) {
	e := newEnv(t)
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	r := startRelay(t, e, relayOpts{deps: Deps{Now: now}, cfg: func(c *config.Config) { c.PreviewTTL = time.Minute }})
	s := r.Server
	base := e.shas["acme/beta"]
	r.send(t, signedHook("push", pushPayload("acme/beta", "refs/heads/main", base)))
	waitJob(t, s, base, jobs.StateDone)
	head := e.gh.AddCommit("acme", "beta", "topic", withLib("beta", libPR))
	n := e.gh.OpenPull("acme/beta", "acme/beta", "topic")
	r.send(t, rawHook("pull_request", e.gh.PullRequestEvent("opened", "acme/beta", n, testInst, nil)))
	waitJob(t, s, head, jobs.StateDone)
	if l, _ := s.Catalog().Latest(context.Background(), "acme", "beta"); l.SHA != base {
		t.Fatalf("latest moved to the preview: %s", l.SHA)
	}
	// A second opened event (a redelivery under a new id) builds nothing new.
	if code, body := r.send(t, rawHook("pull_request", e.gh.PullRequestEvent("reopened", "acme/beta", n, testInst, nil))); code != http.StatusAccepted || !strings.Contains(body, `"duplicate":true`) {
		t.Errorf("reopened: %d %s", code, body)
	}
	r.send(t, signedHook("push", pushPayload("acme/beta", "refs/heads/main", head)))
	waitFor(t, "latest to follow the push of the head", time.Minute, func() bool {
		l, _ := s.Catalog().Latest(context.Background(), "acme", "beta")
		return l.SHA == head
	})
	if ent := catalogEntry(t, s, "acme", "beta", head); ent.Pull != 0 || ent.Ref != "refs/heads/main" {
		t.Errorf("the pushed head is still a preview: pull %d ref %s", ent.Pull, ent.Ref)
	}
	r.send(t, rawHook("pull_request", e.gh.PullRequestEvent("closed", "acme/beta", n, testInst, nil)))
	offset.Store(int64(time.Hour))
	if k, err := s.expirePreviews(context.Background()); err != nil || k != 0 {
		t.Errorf("expired %d docpacks, want none (the head is the branch's now), %v", k, err)
	}
}

// TestPullRequestWebhookBounds: hostile or useless pull_request payloads are
// answered without a job, and unsigned ones are refused as any delivery.
func TestPullRequestWebhookBounds(t *testing.T) {
	e := newEnv(t)
	r := startRelay(t, e, relayOpts{})
	n := e.gh.OpenPull("acme/gamma", "acme/gamma", "main")
	good := func() map[string]any {
		var m map[string]any
		json.Unmarshal(e.gh.PullRequestEvent("opened", "acme/gamma", n, testInst, nil), &m)
		return m
	}
	pr := func(m map[string]any) map[string]any { return m["pull_request"].(map[string]any) }
	for _, tt := range []struct {
		name   string
		edit   func(m map[string]any)
		reason string
	}{
		{"labeled", func(m map[string]any) { m["action"] = "labeled" }, "pull_request action labeled"},
		{"bad head sha", func(m map[string]any) { pr(m)["head"].(map[string]any)["sha"] = "../../etc" }, "without a head commit"},
		{"no base ref", func(m map[string]any) { pr(m)["base"].(map[string]any)["ref"] = "" }, "without a valid base"},
		{"huge base ref", func(m map[string]any) { pr(m)["base"].(map[string]any)["ref"] = strings.Repeat("b", 300) }, "without a valid base"},
		{"bad repository name", func(m map[string]any) { m["repository"].(map[string]any)["full_name"] = "acme/../x" }, "not a GitHub repository name"},
		{"no number", func(m map[string]any) { m["number"] = 0; pr(m)["number"] = 0 }, "without a valid number"},
		{"negative number", func(m map[string]any) { m["number"] = -4; pr(m)["number"] = -4 }, "without a valid number"},
		{"closed unknown", func(m map[string]any) { m["action"] = "closed"; m["number"] = 9; pr(m)["number"] = 9 }, "never built"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := good()
			tt.edit(m)
			code, body := r.send(t, signedHook("pull_request", m))
			if code != http.StatusOK || !strings.Contains(body, tt.reason) {
				t.Errorf("%d %s, want 200 with %q", code, body, tt.reason)
			}
		})
	}
	h := signedHook("pull_request", good())
	h.sig256 = sign("wrong-secret-wrong-secret", h.body)
	if code, _ := r.send(t, h); code != http.StatusUnauthorized {
		t.Errorf("badly signed pull_request: %d, want 401", code)
	}
	if list := allJobs(t, r.Server); len(list) != 0 {
		t.Errorf("jobs queued: %+v", list)
	}
}

func getBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, bytes.TrimSpace(b))
	}
	return string(b)
}

func getStatus(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestFailedCheckText: a failed build's check run shows its error without
// tokens, URL paths and queries, or more than a paragraph.
func TestFailedCheckText(t *testing.T) {
	msg := "build: github: download archive from codeload.example: GET https://codeload.example/acme/a/legacy.tar.gz/abc?token=AAAAAAAAAAAAAAAAAAAAAA failed\n" +
		"with token ghs_0123456789abcdefABCDEF0123 and `backticks`" + strings.Repeat(" more", 300)
	run := failedCheck(msg)
	for _, bad := range []string{"ghs_", "legacy.tar.gz", "token=", "AAAAAAAA", "`backticks`"} {
		if strings.Contains(run.Summary, bad) {
			t.Errorf("summary shows %q:\n%s", bad, run.Summary)
		}
	}
	if !strings.Contains(run.Summary, "https://codeload.example failed with") || run.Conclusion != "failure" || len(run.Summary) > 800 {
		t.Errorf("summary (%d bytes):\n%s", len(run.Summary), run.Summary)
	}
}

// TestPullSynchronize: a push to the pull request's branch (synchronize)
// builds the new head; the pull request's URL shows it, the earlier head
// stays a preview of the same pull request, and both expire with it.
func TestPullSynchronize(t *testing.T) {
	e := newEnv(t)
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	r := startRelay(t, e, relayOpts{deps: Deps{Now: now}, cfg: func(c *config.Config) { c.PreviewTTL = time.Minute }})
	s := r.Server
	base := e.shas["acme/gamma"]
	r.send(t, signedHook("push", pushPayload("acme/gamma", "refs/heads/main", base)))
	waitJob(t, s, base, jobs.StateDone)
	e.gh.AddRepo("fork", "gamma", withLib("gamma", libV1))
	first := e.gh.AddCommit("fork", "gamma", "topic", withLib("gamma", libV1+"\npub fn one() {}\n"))
	n := e.gh.OpenPull("acme/gamma", "fork/gamma", "topic")
	r.send(t, rawHook("pull_request", e.gh.PullRequestEvent("opened", "acme/gamma", n, testInst, nil)))
	waitJob(t, s, first, jobs.StateDone)
	second := e.gh.AddCommit("fork", "gamma", "topic", withLib("gamma", libV1+"\npub fn one() {}\npub fn two() {}\n"))
	e.gh.SyncPull("acme/gamma", n)
	code, body := r.send(t, rawHook("pull_request", e.gh.PullRequestEvent("synchronize", "acme/gamma", n, testInst,
		map[string]any{"before": first, "after": second})))
	if code != http.StatusAccepted {
		t.Fatalf("synchronize: %d %s", code, body)
	}
	waitJob(t, s, second, jobs.StateDone)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(r.URL + api.PullPagePath("acme", "gamma", n))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != api.PagePath("acme", "gamma", second) {
		t.Errorf("the pull request's URL shows %q, want the new head", loc)
	}
	for _, sha := range []string{first, second} {
		if ent := catalogEntry(t, s, "acme", "gamma", sha); ent.Pull != n || ent.Changes == nil || ent.Changes.Base != base {
			t.Errorf("preview %s: pull %d changes %+v, want pull %d against main's %s", sha[:7], ent.Pull, ent.Changes, n, base[:7])
		}
	}
	if l, _ := s.Catalog().Latest(context.Background(), "acme", "gamma"); l.SHA != base {
		t.Errorf("latest = %s, want main's", l.SHA)
	}
	r.send(t, rawHook("pull_request", e.gh.PullRequestEvent("closed", "acme/gamma", n, testInst, nil)))
	offset.Store(int64(time.Hour))
	if k, err := s.expirePreviews(context.Background()); err != nil || k != 2 {
		t.Errorf("expired %d previews, want both heads, %v", k, err)
	}
	if _, ok, _ := catalog.Lookup(context.Background(), s.q.DB(), "acme", "gamma", base); !ok {
		t.Error("main's docpack was removed with the previews")
	}
	if _, ok, err := catalog.GetPull(context.Background(), s.q.DB(), "acme", "gamma", n); ok || err != nil {
		t.Errorf("the closed pull request without previews is still recorded (%v)", err)
	}
}

// TestPullClosedCancelsQueued: closing a pull request cancels its build
// still waiting in the queue.
func TestPullClosedCancelsQueued(t *testing.T) {
	e := newEnv(t)
	release := make(chan struct{})
	blocker := e.shas["acme/beta"]
	build := dispatch.PipelineBuild(nil, nil, "test")
	r := startRelay(t, e, relayOpts{
		deps: Deps{Build: func(ctx context.Context, req dispatch.BuildRequest) (string, error) {
			if req.SHA == blocker {
				select {
				case <-release:
				case <-ctx.Done():
				}
			}
			return build(ctx, req)
		}},
		cfg: func(c *config.Config) { c.Workers = 1 },
	})
	defer close(release)
	r.send(t, signedHook("push", pushPayload("acme/beta", "refs/heads/main", blocker)))
	waitJob(t, r.Server, blocker, jobs.StateRunning)
	head := e.gh.AddCommit("acme", "gamma", "topic", withLib("gamma", libPR))
	n := e.gh.OpenPull("acme/gamma", "acme/gamma", "topic")
	r.send(t, rawHook("pull_request", e.gh.PullRequestEvent("opened", "acme/gamma", n, testInst, nil)))
	queued := waitJob(t, r.Server, head, jobs.StateQueued)
	code, body := r.send(t, rawHook("pull_request", e.gh.PullRequestEvent("closed", "acme/gamma", n, testInst, nil)))
	if code != http.StatusAccepted || !strings.Contains(body, queued.ID) {
		t.Fatalf("closed: %d %s, want the queued job %s canceled", code, body, queued.ID)
	}
	if j, err := r.Server.jobs.Get(context.Background(), queued.ID); err != nil || j.State != jobs.StateCanceled || j.Error != "pull request closed" {
		t.Errorf("job after close: %+v, %v", j, err)
	}
}
