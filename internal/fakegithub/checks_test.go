package fakegithub_test

import (
	"archive/tar"
	"compress/gzip"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/bradleyfalzon/ghinstallation/v2"
	gh "github.com/google/go-github/v88/github"

	"github.com/doctown/doctown/internal/fakegithub"
)

// appClient is go-github on an installation token of installation 9 for repo,
// asking for perms.
func appClient(t *testing.T, srv *fakegithub.Server, repo string, perms *gh.InstallationPermissions) (*gh.Client, *ghinstallation.Transport) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	srv.SetApp(77, &key.PublicKey)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	itr, err := ghinstallation.New(http.DefaultTransport, 77, 9, pemKey)
	if err != nil {
		t.Fatal(err)
	}
	itr.BaseURL = strings.TrimSuffix(srv.URL, "/")
	itr.InstallationTokenOptions = &gh.InstallationTokenOptions{Repositories: []string{repo}, Permissions: perms}
	c, err := gh.NewClient(gh.WithHTTPClient(&http.Client{Transport: itr}), gh.WithURLs(&srv.URL, &srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	return c, itr
}

func status(err error) int {
	var ge *gh.ErrorResponse
	if errors.As(err, &ge) && ge.Response != nil {
		return ge.Response.StatusCode
	}
	return 0
}

// TestCheckRuns drives the Checks API through go-github as the relay does:
// create in_progress, complete, and GitHub's validation of each field.
func TestCheckRuns(t *testing.T) {
	srv := fakegithub.New()
	defer srv.Close()
	sha := srv.AddRepo("acme", "one", map[string][]byte{"a": []byte("a")})
	srv.AddInstallation(9, "acme", "acme/one")
	srv.SetAppPermission("checks", "write")
	c, _ := appClient(t, srv, "one", &gh.InstallationPermissions{Contents: gh.Ptr("read"), Checks: gh.Ptr("write")})
	ctx := t.Context()

	run, _, err := c.Checks.CreateCheckRun(ctx, "acme", "one", gh.CreateCheckRunOptions{
		Name: "doctown", HeadSHA: sha, Status: gh.Ptr("in_progress"), DetailsURL: gh.Ptr("https://docs.example/acme/one"),
	})
	if err != nil || run.GetID() == 0 || run.GetStatus() != "in_progress" || run.Conclusion != nil {
		t.Fatalf("create = %+v, %v", run, err)
	}
	done, _, err := c.Checks.UpdateCheckRun(ctx, "acme", "one", run.GetID(), gh.UpdateCheckRunOptions{
		Name: "doctown", Conclusion: gh.Ptr("neutral"),
		Output: &gh.CheckRunOutput{Title: gh.Ptr("major"), Summary: gh.Ptr("**Semver verdict: major**")},
	})
	if err != nil || done.GetStatus() != "completed" || done.GetConclusion() != "neutral" || done.GetOutput().GetSummary() != "**Semver verdict: major**" || done.CompletedAt == nil {
		t.Fatalf("update = %+v, %v", done, err)
	}
	list, _, err := c.Checks.ListCheckRunsForRef(ctx, "acme", "one", sha, nil)
	if err != nil || list.GetTotal() != 1 || list.CheckRuns[0].GetConclusion() != "neutral" {
		t.Fatalf("list = %+v, %v", list, err)
	}
	runs := srv.CheckRuns("acme", "one")
	if len(runs) != 1 || strings.Join(runs[0].Statuses, ",") != "in_progress,completed" {
		t.Fatalf("runs = %+v", runs)
	}

	long := strings.Repeat("é", fakegithub.MaxCheckOutput+1)
	fits := strings.Repeat("é", fakegithub.MaxCheckOutput) // 65535 characters, more bytes
	if _, _, err := c.Checks.CreateCheckRun(ctx, "acme", "one", gh.CreateCheckRunOptions{Name: "doctown", HeadSHA: sha,
		Conclusion: gh.Ptr("success"), Output: &gh.CheckRunOutput{Title: gh.Ptr("t"), Summary: &fits}}); err != nil {
		t.Errorf("a summary of exactly %d characters: %v", fakegithub.MaxCheckOutput, err)
	}
	for _, tt := range []struct {
		name string
		opts gh.CreateCheckRunOptions
	}{
		{"no name", gh.CreateCheckRunOptions{HeadSHA: sha}},
		{"no head_sha", gh.CreateCheckRunOptions{Name: "doctown"}},
		{"unknown head_sha", gh.CreateCheckRunOptions{Name: "doctown", HeadSHA: strings.Repeat("ab", 20)}},
		{"unknown status", gh.CreateCheckRunOptions{Name: "doctown", HeadSHA: sha, Status: gh.Ptr("running")}},
		{"completed without conclusion", gh.CreateCheckRunOptions{Name: "doctown", HeadSHA: sha, Status: gh.Ptr("completed")}},
		{"conclusion while in progress", gh.CreateCheckRunOptions{Name: "doctown", HeadSHA: sha, Status: gh.Ptr("in_progress"), Conclusion: gh.Ptr("success")}},
		{"unknown conclusion", gh.CreateCheckRunOptions{Name: "doctown", HeadSHA: sha, Conclusion: gh.Ptr("passed")}},
		{"summary too long", gh.CreateCheckRunOptions{Name: "doctown", HeadSHA: sha, Conclusion: gh.Ptr("success"),
			Output: &gh.CheckRunOutput{Title: gh.Ptr("t"), Summary: &long}}},
		{"output without title", gh.CreateCheckRunOptions{Name: "doctown", HeadSHA: sha, Output: &gh.CheckRunOutput{Summary: gh.Ptr("s")}}},
		{"relative details_url", gh.CreateCheckRunOptions{Name: "doctown", HeadSHA: sha, DetailsURL: gh.Ptr("/acme/one")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := c.Checks.CreateCheckRun(ctx, "acme", "one", tt.opts); status(err) != http.StatusUnprocessableEntity {
				t.Fatalf("err = %v, want 422", err)
			}
		})
	}
	if _, _, err := c.Checks.UpdateCheckRun(ctx, "acme", "one", run.GetID(), gh.UpdateCheckRunOptions{Name: "doctown", Status: gh.Ptr("completed")}); status(err) != http.StatusUnprocessableEntity {
		t.Errorf("update to completed without a conclusion: err = %v, want 422", err)
	}
	if _, _, err := c.Checks.UpdateCheckRun(ctx, "acme", "one", 999999, gh.UpdateCheckRunOptions{Name: "doctown"}); status(err) != http.StatusNotFound {
		t.Errorf("update of an unknown run: err = %v, want 404", err)
	}

	// A token without checks: write may not create runs.
	ro, _ := appClient(t, srv, "one", &gh.InstallationPermissions{Contents: gh.Ptr("read")})
	if _, _, err := ro.Checks.CreateCheckRun(ctx, "acme", "one", gh.CreateCheckRunOptions{Name: "doctown", HeadSHA: sha}); status(err) != http.StatusForbidden {
		t.Errorf("create without checks: write: err = %v, want 403", err)
	}
	// Nor may a token that is not an installation's.
	srv.AddToken("ghp_personal")
	pc, _ := gh.NewClient(gh.WithAuthToken("ghp_personal"), gh.WithURLs(&srv.URL, &srv.URL))
	if _, _, err := pc.Checks.CreateCheckRun(ctx, "acme", "one", gh.CreateCheckRunOptions{Name: "doctown", HeadSHA: sha}); status(err) != http.StatusForbidden {
		t.Errorf("create with a personal token: err = %v, want 403", err)
	}
	// An App not granted checks: write gets no token asking for it.
	srv.SetAppPermission("checks", "")
	_, itr := appClient(t, srv, "one", &gh.InstallationPermissions{Checks: gh.Ptr("write")})
	if _, err := itr.Token(ctx); err == nil || !strings.Contains(err.Error(), "422") {
		t.Errorf("token asking for an ungranted permission: err = %v, want 422", err)
	}
}

// TestPullFromFork: a pull request from a fork is readable through the base
// repository: its head by refs/pull/N/head and by SHA, with a token that
// cannot see the fork.
func TestPullFromFork(t *testing.T) {
	srv := fakegithub.New()
	defer srv.Close()
	srv.AddRepo("acme", "one", map[string][]byte{"lib.rs": []byte("base")})
	srv.AddRepo("mallory", "one", map[string][]byte{"lib.rs": []byte("base")})
	srv.Update("mallory", "one", func(r *fakegithub.Repo) { r.Private = true }) // unreadable to the base's token
	head := srv.AddCommit("mallory", "one", "feature", map[string][]byte{"lib.rs": []byte("fork change")})
	n := srv.OpenPull("acme/one", "mallory/one", "feature")
	srv.AddInstallation(9, "acme", "acme/one")
	c, _ := appClient(t, srv, "one", &gh.InstallationPermissions{Contents: gh.Ptr("read")})
	ctx := t.Context()

	pr, _, err := c.PullRequests.Get(ctx, "acme", "one", n)
	if err != nil || pr.GetHead().GetSHA() != head || pr.GetHead().GetRepo().GetFullName() != "mallory/one" || pr.GetBase().GetRef() != "main" {
		t.Fatalf("pull = %+v, %v", pr, err)
	}
	if _, _, err := c.Repositories.Get(ctx, "mallory", "one"); status(err) != http.StatusNotFound {
		t.Fatalf("the base's token reads the fork: %v", err)
	}
	for _, ref := range []string{"refs/pull/1/head", head} {
		sha, _, err := c.Repositories.GetCommitSHA1(ctx, "acme", "one", ref, "")
		if err != nil || sha != head {
			t.Fatalf("%s resolves to %q, %v", ref, sha, err)
		}
		link, _, err := c.Repositories.GetArchiveLink(ctx, "acme", "one", gh.Tarball, &gh.RepositoryContentGetOptions{Ref: ref}, 3)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Client().Get(link.String())
		if err != nil {
			t.Fatal(err)
		}
		got := tarFile(t, resp.Body, "lib.rs")
		resp.Body.Close()
		if got != "fork change" {
			t.Fatalf("%s tarball: lib.rs = %q", ref, got)
		}
	}
	// A push to the fork's branch moves the pull ref (synchronize).
	next := srv.AddCommit("mallory", "one", "feature", map[string][]byte{"lib.rs": []byte("second")})
	if got := srv.SyncPull("acme/one", n); got != next {
		t.Fatalf("SyncPull = %s, want %s", got, next)
	}
	if sha, _, err := c.Repositories.GetCommitSHA1(ctx, "acme", "one", "refs/pull/1/head", ""); err != nil || sha != next {
		t.Fatalf("after synchronize: %q, %v", sha, err)
	}
	if _, _, err := c.Repositories.GetCommitSHA1(ctx, "acme", "one", "refs/pull/2/head", ""); status(err) != http.StatusNotFound {
		t.Errorf("unknown pull ref: %v", err)
	}
	ev := string(srv.PullRequestEvent("synchronize", "acme/one", n, 9, nil))
	for _, want := range []string{`"action":"synchronize"`, `"number":1`, `"sha":"` + next + `"`, `"full_name":"mallory/one"`, `"installation":{"id":9}`} {
		if !strings.Contains(ev, want) {
			t.Errorf("payload lacks %s: %s", want, ev)
		}
	}
	parsed, err := gh.ParseWebHook("pull_request", []byte(ev))
	if e, ok := parsed.(*gh.PullRequestEvent); err != nil || !ok || e.GetPullRequest().GetHead().GetSHA() != next {
		t.Errorf("go-github parses the payload as %T, %v", parsed, err)
	}
}

func tarFile(t *testing.T, r io.Reader, name string) string {
	t.Helper()
	gz, err := gzip.NewReader(r)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("no %s in the archive: %v", name, err)
		}
		if strings.HasSuffix(h.Name, "/"+name) {
			b, _ := io.ReadAll(tr)
			return string(b)
		}
	}
}
