package relay

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/doctown/doctown/internal/fakegithub"
	"github.com/doctown/doctown/relay/config"
)

func privatePush(full, sha string) map[string]any {
	p := pushPayload(full, "refs/heads/main", sha)
	p["repository"].(map[string]any)["private"] = true
	return p
}

// getWith GETs url with a bearer token (none when "") through c.
func getWith(t *testing.T, c *http.Client, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func listed(t *testing.T, c *http.Client, base, token string) []string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/api/docpacks", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var l struct {
		Docpacks []struct{ Owner, Repo string } `json:"docpacks"`
	}
	json.NewDecoder(resp.Body).Decode(&l)
	var out []string
	for _, d := range l.Docpacks {
		out = append(out, d.Owner+"/"+d.Repo)
	}
	return out
}

func repoChecks(gh *fakegithub.Server, path string) int {
	n := 0
	for _, r := range gh.Requests() {
		if r.Path == path && r.Auth == "token" {
			n++
		}
	}
	return n
}

// TestPrivateRepositories: a private repository's docpack is neither listed
// nor served without proof of access (404, like a repository never built);
// a GitHub user token that may read it — as a bearer token or through "Sign
// in with GitHub" — opens it; a token that may not gets 404 too. GitHub's
// answer is cached. With DOCTOWN_PRIVATE=skip, private pushes build nothing.
func TestPrivateRepositories(t *testing.T) {
	e := newEnv(t)
	sha := e.gh.AddRepo("acme", "secret", crateFiles("secret"))
	e.gh.Update("acme", "secret", func(r *fakegithub.Repo) { r.Private = true })
	e.gh.AddInstallation(testInst, "acme", "acme/alpha", "acme/beta", "acme/gamma", "acme/secret")
	e.gh.AddToken("ghu_reader0123456789", "acme/secret")
	e.gh.AddToken("ghu_outsider01234567", "acme/alpha")
	e.gh.SetOAuthApp("Iv1.test", "oauth-client-secret")
	e.gh.SignInAs("ghu_reader0123456789", time.Hour)
	r := startRelay(t, e, relayOpts{deps: Deps{Build: fileBuild(t)}, cfg: func(c *config.Config) {
		c.GitHubURL = e.gh.URL
		c.GitHubClientID, c.GitHubClientSecret = "Iv1.test", "oauth-client-secret"
		c.AdminToken = testAdminToken
	}})
	for _, p := range []map[string]any{privatePush("acme/secret", sha), pushPayload("acme/alpha", "refs/heads/main", e.shas["acme/alpha"])} {
		if code, ans := r.send(t, signedHook("push", p)); code != http.StatusAccepted {
			t.Fatalf("push: %d %s", code, ans)
		}
	}
	waitAllDone(t, r.Server, 2)
	c := http.DefaultClient
	urls := []string{r.URL + "/api/docpacks/acme/secret", r.URL + "/api/docpacks/acme/secret/" + sha, r.URL + "/r/acme/secret", r.URL + "/r/acme/secret/" + sha,
		r.URL + "/r/acme/secret/" + sha + "/llms.txt", r.URL + "/r/acme/secret/" + sha + "/llms-full.txt"}
	for _, u := range urls {
		if code := getWith(t, c, u, ""); code != http.StatusNotFound {
			t.Errorf("anonymous GET %s: %d, want 404", u, code)
		}
		if code := getWith(t, c, u, "ghu_outsider01234567"); code != http.StatusNotFound {
			t.Errorf("GET %s with a token without access: %d, want 404", u, code)
		}
		if code := getWith(t, c, u, "ghu_reader0123456789"); code != http.StatusOK {
			t.Errorf("GET %s with a token with access: %d, want 200", u, code)
		}
	}
	// The job API: a private repository's job is 404 to anyone who cannot
	// read the repository (its name and state are not told), like an unknown id.
	var secretJob string
	for _, j := range allJobs(t, r.Server) {
		if j.Repo == "secret" {
			secretJob = j.ID
		}
	}
	for token, want := range map[string]int{"": http.StatusNotFound, "ghu_outsider01234567": http.StatusNotFound,
		"ghu_reader0123456789": http.StatusOK, testAdminToken: http.StatusOK} {
		req, _ := http.NewRequest(http.MethodGet, r.URL+"/api/jobs/"+secretJob, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want || want == http.StatusNotFound && strings.Contains(string(b), "secret") {
			t.Errorf("GET /api/jobs/{secret's job} with %q: %d %s, want %d", token, resp.StatusCode, b, want)
		}
	}
	if got := strings.Join(listed(t, c, r.URL, ""), ","); got != "acme/alpha" {
		t.Errorf("anonymous listing: %s", got)
	}
	if got := strings.Join(listed(t, c, r.URL, "ghu_reader0123456789"), ","); !strings.Contains(got, "acme/secret") {
		t.Errorf("listing with access: %s", got)
	}
	// Cached: more reads with the same token ask GitHub no more.
	before := repoChecks(e.gh, "/repos/acme/secret")
	for range 3 {
		getWith(t, c, urls[0], "ghu_reader0123456789")
	}
	if after := repoChecks(e.gh, "/repos/acme/secret"); after != before {
		t.Errorf("GitHub asked %d more times for a cached answer", after-before)
	}
	// Sign in with GitHub: the session cookie opens it in the browser.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	if code := getWith(t, browser, r.URL+"/auth/login?next=/r/acme/secret", ""); code != http.StatusOK {
		t.Fatalf("sign-in flow ended with %d", code)
	}
	if code := getWith(t, browser, urls[0], ""); code != http.StatusOK {
		t.Errorf("GET with the session cookie: %d, want 200", code)
	}
	// A forged state is refused.
	if code := getWith(t, c, r.URL+"/auth/callback?code=x&state=y", ""); code != http.StatusBadRequest {
		t.Errorf("callback without its state cookie: %d, want 400", code)
	}
	if strings.Contains(r.logs.String(), "ghu_reader") {
		t.Error("a user token appears in the log")
	}
}

func TestPrivateSkip(t *testing.T) {
	e := newEnv(t)
	r := startRelay(t, e, relayOpts{deps: Deps{Build: holdBuild}, cfg: func(c *config.Config) { c.Private = config.PrivateSkip }})
	code, ans := r.send(t, signedHook("push", privatePush("acme/alpha", e.shas["acme/alpha"])))
	if code != http.StatusOK || !strings.Contains(ans, "DOCTOWN_PRIVATE=skip") {
		t.Errorf("private push with skip: %d %s", code, ans)
	}
	if n := len(allJobs(t, r.Server)); n != 0 {
		t.Errorf("%d jobs", n)
	}
}

// pages lists /api/docpacks with ?limit=n as token sees it, following the
// cursors; it returns each page's "owner/repo@sha" entries.
func pages(t *testing.T, base, token string, n int) [][]string {
	t.Helper()
	var out [][]string
	cursor := ""
	for range 50 {
		req, _ := http.NewRequest(http.MethodGet, base+"/api/docpacks?limit="+strconv.Itoa(n)+"&cursor="+url.QueryEscape(cursor), nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var l struct {
			Docpacks []struct{ Owner, Repo, SHA string } `json:"docpacks"`
			Next     string                              `json:"next"`
		}
		err = json.NewDecoder(resp.Body).Decode(&l)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /api/docpacks: %d %v", resp.StatusCode, err)
		}
		var page []string
		for _, d := range l.Docpacks {
			page = append(page, d.Owner+"/"+d.Repo+"@"+d.SHA[:4])
		}
		out = append(out, page)
		if l.Next == "" {
			return out
		}
		cursor = l.Next
	}
	t.Fatal("more than 50 pages")
	return nil
}

// TestPrivateListingPages: private docpacks are left out before a page is
// cut, so every page but the last is full and none is empty, for an
// anonymous reader (filtered in the query), a token without access (checked
// row by row) and one with access (sees everything).
func TestPrivateListingPages(t *testing.T) {
	e := newEnv(t)
	e.gh.AddRepo("acme", "secret", crateFiles("secret"))
	e.gh.Update("acme", "secret", func(r *fakegithub.Repo) { r.Private = true })
	e.gh.AddToken("ghu_reader0123456789", "acme/secret")
	e.gh.AddToken("ghu_outsider01234567", "acme/alpha")
	r := startRelay(t, e, relayOpts{})
	dir := t.TempDir()
	var public, all int
	// Newest first, the catalog reads: 3 public, then 9 private, then 2 public.
	for i, private := range []bool{false, false, true, true, true, true, true, true, true, true, true, false, false, false} {
		repo, vis := "alpha", VisibilityPublic
		if private {
			repo, vis = "secret", VisibilityPrivate
		} else {
			public++
		}
		all++
		sha := fmt.Sprintf("%04x", i) + strings.Repeat("0", 36)
		file := filepath.Join(dir, sha+".docpack")
		if err := os.WriteFile(file, testDocpack(t, "acme/"+repo, sha), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Import(t.Context(), ImportOptions{Path: file, Visibility: vis}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // distinct created_at, in this order
	}
	for _, tc := range []struct {
		who, token string
		want       int
	}{
		{"anonymous", "", public},
		{"a token without access", "ghu_outsider01234567", public},
		{"a token with access", "ghu_reader0123456789", all},
	} {
		t.Run(tc.who, func(t *testing.T) {
			ps := pages(t, r.URL, tc.token, 2)
			seen := map[string]bool{}
			for i, p := range ps {
				if len(p) != 2 && i != len(ps)-1 || len(p) == 0 && len(ps) > 1 {
					t.Errorf("page %d of %d has %d entries: %v", i+1, len(ps), len(p), ps)
				}
				for _, x := range p {
					if seen[x] {
						t.Errorf("%s listed twice", x)
					}
					seen[x] = true
					if tc.want == public && strings.HasPrefix(x, "acme/secret") {
						t.Errorf("%s listed to %s", x, tc.who)
					}
				}
			}
			if len(seen) != tc.want {
				t.Errorf("%d entries listed, want %d: %v", len(seen), tc.want, ps)
			}
		})
	}
}
