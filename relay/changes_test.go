package relay

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/doctown/doctown/docpack/apidiff"
	"github.com/doctown/doctown/relay/commons/api"
	"github.com/doctown/doctown/relay/config"
	"github.com/doctown/doctown/relay/jobs"
	"github.com/doctown/doctown/relay/store"
)

// TestTagComparedWithPreviousTag: with tags built, a release's docpack is
// compared with the previous tag's (each tag is a ref of its own), not with
// the branch, and its check run says so.
func TestTagComparedWithPreviousTag(t *testing.T) {
	e := newEnv(t)
	e.gh.SetAppPermission("checks", "write")
	r := startRelay(t, e, relayOpts{cfg: func(c *config.Config) { c.BuildTags, c.Checks = true, true }})
	v1 := e.gh.AddCommit("acme", "alpha", "main", withLib("alpha", libV1))
	main := e.gh.AddCommit("acme", "alpha", "main", withLib("alpha", libV1+"\npub fn between() {}\n"))
	v2 := e.gh.AddCommit("acme", "alpha", "main", withLib("alpha", libV2))
	for _, p := range []struct{ ref, sha string }{{"refs/tags/v1.0.0", v1}, {"refs/heads/main", main}, {"refs/tags/v2.0.0", v2}} {
		if code, body := r.send(t, signedHook("push", pushPayload("acme/alpha", p.ref, p.sha))); code != http.StatusAccepted {
			t.Fatalf("push %s: %d %s", p.ref, code, body)
		}
		waitJob(t, r.Server, p.sha, jobs.StateDone)
	}
	c := catalogEntry(t, r.Server, "acme", "alpha", v2).Changes
	if c == nil || c.Base != v1 || c.Verdict != apidiff.Major {
		t.Fatalf("v2.0.0's changes %+v: want major against v1.0.0 (%s)", c, v1)
	}
	if c := catalogEntry(t, r.Server, "acme", "alpha", main).Changes; c == nil || c.Base != "" {
		t.Errorf("main's first docpack is compared with %+v: a tag is not the branch's previous push", c)
	}
	if cr := checkRunOf(t, e.gh, v2).Summary; !strings.Contains(cr, "compared with the previous tag v1.0.0") {
		t.Errorf("v2.0.0's check run:\n%s", cr)
	}
	if page := getBody(t, r.URL+api.PagePath("acme", "alpha", v2)); !strings.Contains(page, "against the previous tag") {
		t.Error("the page does not say the base is the previous tag")
	}
}

// countingStore counts the reads of each key of a real store.
type countingStore struct {
	store.Storage
	mu    sync.Mutex
	reads map[string]int
}

func (c *countingStore) Get(ctx context.Context, key string) (io.ReadCloser, int64, error) {
	c.mu.Lock()
	c.reads[key]++
	c.mu.Unlock()
	return c.Storage.Get(ctx, key)
}

// TestIngestDiffReadsUploadOnce: the API diff recorded when a job finishes
// reads the uploaded docpack as the upload's check read it, not a second
// copy fetched from storage and decoded again; only the base, stored
// earlier, was adopted in its turn: nothing is read back.
func TestIngestDiffReadsUploadOnce(t *testing.T) {
	e := newEnv(t)
	fs, err := store.New(t.Context(), store.Config{Kind: "fs", Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	st := &countingStore{Storage: fs, reads: map[string]int{}}
	r := startRelay(t, e, relayOpts{deps: Deps{Storage: st}})
	v1 := e.gh.AddCommit("acme", "alpha", "main", withLib("alpha", libV1))
	v2 := e.gh.AddCommit("acme", "alpha", "main", withLib("alpha", libV2))
	for _, sha := range []string{v1, v2} {
		if code, body := r.send(t, signedHook("push", pushPayload("acme/alpha", "refs/heads/main", sha))); code != http.StatusAccepted {
			t.Fatalf("push %s: %d %s", sha, code, body)
		}
		waitJob(t, r.Server, sha, jobs.StateDone)
	}
	if c := catalogEntry(t, r.Server, "acme", "alpha", v2).Changes; c == nil || c.Base != v1 {
		t.Fatalf("v2's changes %+v: want a diff against %s", c, v1)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if n := st.reads[store.Key("acme", "alpha", v2)]; n != 0 {
		t.Errorf("the new docpack was read back from storage %d times after its upload was checked", n)
	}
	if n := st.reads[store.Key("acme", "alpha", v1)]; n != 0 {
		t.Errorf("the base was read back from storage %d times: it was adopted at its own upload", n)
	}
}
