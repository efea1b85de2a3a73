package relay

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
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
