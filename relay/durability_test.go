package relay

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doctown/doctown/relay/config"
	"github.com/doctown/doctown/relay/dispatch"
	"github.com/doctown/doctown/relay/jobs"
)

// TestRestartLosesNothing stops a relay while one build runs and two wait in the
// queue; a new relay on the same data dir finishes all three, each built once.
func TestRestartLosesNothing(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	bc := newBuildCounter(dispatch.PipelineBuild(nil, nil, "test"))
	started := make(chan string, 10)
	var hold atomic.Bool
	hold.Store(true)
	bc.before = func(ctx context.Context, req dispatch.BuildRequest) error {
		started <- req.Repo
		if hold.Load() {
			<-ctx.Done() // the first relay never finishes a build
			return ctx.Err()
		}
		return nil
	}
	one := startRelay(t, e, relayOpts{dataDir: dir, deps: Deps{Build: bc.Build}, cfg: func(c *config.Config) { c.Workers = 1 }})
	for _, repo := range []string{"alpha", "beta", "gamma"} {
		if code, body := one.send(t, signedHook("push", pushPayload("acme/"+repo, "refs/heads/main", e.shas["acme/"+repo]))); code != http.StatusAccepted {
			t.Fatalf("push %s: %d %s", repo, code, body)
		}
	}
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		t.Fatal("no build started")
	}
	// The worker records "running" once the dispatcher has signalled the start.
	states := map[string]int{}
	waitFor(t, "1 running and 2 queued", 10*time.Second, func() bool {
		states = map[string]int{}
		for _, j := range allJobs(t, one.Server) {
			states[j.State]++
		}
		return states[jobs.StateRunning] == 1 && states[jobs.StateQueued] == 2
	})
	one.stop(t)
	if len(bc.counts()) != 0 {
		t.Fatalf("builds finished before the stop: %v", bc.counts())
	}

	hold.Store(false)
	two := startRelay(t, e, relayOpts{dataDir: dir, deps: Deps{Build: bc.Build}})
	waitAllDone(t, two.Server, 3)
	counts := bc.counts()
	for _, repo := range []string{"alpha", "beta", "gamma"} {
		if n := counts["acme/"+repo+"@"+e.shas["acme/"+repo]]; n != 1 {
			t.Errorf("acme/%s built %d times, want 1", repo, n)
		}
	}
	for _, j := range allJobs(t, two.Server) {
		if j.Repo == "alpha" && j.Attempts < 2 {
			t.Errorf("the interrupted job has %d attempts recorded", j.Attempts)
		}
	}
	checkCommons(t, two.Server, two.URL, e)
}
