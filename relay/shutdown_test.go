package relay

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doctown/doctown/internal/fakerunpod"
	"github.com/doctown/doctown/pipeline/worker"
	"github.com/doctown/doctown/relay/config"
	"github.com/doctown/doctown/relay/dispatch"
	"github.com/doctown/doctown/relay/jobs"
)

// healthStatus is /healthz's "status": "ok" or "draining".
func healthStatus(t testing.TB, base string) string {
	t.Helper()
	var h struct {
		Status string `json:"status"`
	}
	getJSON(t, base+"/healthz", &h)
	return h.Status
}

// TestShutdownGraceFinishesRunningBuild: with a grace period, a relay told to stop
// answers new webhooks 503 while a build it dispatched (to RunPod) runs on, the
// builder uploads the docpack over HTTP during the drain, and the job ends done
// on its first attempt; the refused webhook leaves no job behind.
func TestShutdownGraceFinishesRunningBuild(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	started := make(chan string, 4)
	release := make(chan struct{})
	rp := fakerunpod.New(fakerunpod.Options{APIKey: testRunPodKey, Runner: func(ctx context.Context, id string, raw json.RawMessage) (any, error) {
		var in worker.Input
		if err := json.Unmarshal(raw, &in); err != nil {
			return nil, err
		}
		started <- in.JobID
		select {
		case <-release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return nil, uploadTo(ctx, in.UploadURL+"/api/docpack/upload", in.UploadToken, in.JobID, testDocpack(t, in.Repo, in.GitRef))
	}})
	t.Cleanup(rp.Close)
	runpod := func(c *config.Config) {
		c.Dispatch = config.DispatchRunPod
		c.RunPodEndpoint = rp.EndpointURL()
		c.RunPodAPIKey = testRunPodKey
		c.RunPodPollInterval = 20 * time.Millisecond
		c.Workers = 1
	}
	r := startRelay(t, e, relayOpts{dataDir: dir, cfg: func(c *config.Config) { runpod(c); c.ShutdownGrace = 2 * time.Minute }})
	if code, body := r.send(t, signedHook("push", pushPayload("acme/alpha", "refs/heads/main", e.shas["acme/alpha"]))); code != http.StatusAccepted {
		t.Fatalf("push: %d %s", code, body)
	}
	var jobID string
	select {
	case jobID = <-started:
	case <-time.After(30 * time.Second):
		t.Fatal("the build never started")
	}

	r.cancel() // begin the shutdown; Serve drains
	waitFor(t, "the relay draining", 30*time.Second, func() bool { return healthStatus(t, r.URL) == "draining" })
	code, body := r.send(t, signedHook("push", pushPayload("acme/beta", "refs/heads/main", e.shas["acme/beta"])))
	if code != http.StatusServiceUnavailable {
		t.Errorf("webhook while draining: %d %s, want 503", code, body)
	}
	for _, j := range allJobs(t, r.Server) {
		if j.Repo == "beta" {
			t.Errorf("a webhook refused while draining recorded job %+v", j)
		}
	}
	select {
	case err := <-r.done:
		t.Fatalf("the relay stopped (%v) while a build was running inside the grace period", err)
	default:
	}
	close(release)
	r.stop(t)

	// A second relay on the same data dir reports the outcome (and must not
	// build anything: its RunPod endpoint does not exist).
	two := startRelay(t, e, relayOpts{dataDir: dir, cfg: func(c *config.Config) { runpod(c); c.RunPodEndpoint = "http://127.0.0.1:1/v2/none" }})
	j, err := two.Job(t.Context(), jobID)
	if err != nil {
		t.Fatal(err)
	}
	if j.State != jobs.StateDone || j.Attempts != 1 || j.Error != "" {
		t.Errorf("job after a graceful stop = %+v, want done on its first attempt", j)
	}
	ent, err := two.Catalog().Latest(t.Context(), "acme", "alpha")
	if err != nil || ent.SHA != e.shas["acme/alpha"] {
		t.Errorf("latest acme/alpha = %+v, %v", ent, err)
	}
	if n := rp.Requests("run"); n != 1 {
		t.Errorf("%d RunPod runs, want 1", n)
	}
}

// uploadTo posts a docpack as a remote builder does.
func uploadTo(ctx context.Context, url, token, jobID string, file []byte) error {
	ct, body := uploadBody(nil, jobID, file)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("upload: %d %s", resp.StatusCode, strings.TrimSpace(string(b)))
	}
	return nil
}

// TestShutdownCancelsAfterGrace: when the grace period is zero or runs out, the
// running build is cancelled and the next relay on the same data dir builds it.
// MaxAttempts is 1: an attempt cut short by a shutdown must not use up the job's
// attempts (else a restart would fail it).
func TestShutdownCancelsAfterGrace(t *testing.T) {
	forEachQueue(t, func(t *testing.T, newDatabase func(*testing.T) string) {
		for _, grace := range []time.Duration{0, 300 * time.Millisecond} {
			t.Run("grace="+grace.String(), func(t *testing.T) {
				e := newEnv(t)
				dir := t.TempDir()
				bc := newBuildCounter(dispatch.PipelineBuild(nil, nil, "test"))
				started := make(chan string, 4)
				var hold atomic.Bool
				hold.Store(true)
				bc.before = func(ctx context.Context, req dispatch.BuildRequest) error {
					if hold.Load() {
						started <- req.Repo
						<-ctx.Done() // outlives any grace period
						return ctx.Err()
					}
					return nil
				}
				opts := relayOpts{dataDir: dir, databaseURL: newDatabase(t), deps: Deps{Build: bc.Build}, cfg: func(c *config.Config) {
					c.ShutdownGrace = grace
					c.MaxAttempts = 1
				}}
				one := startRelay(t, e, opts)
				if code, body := one.send(t, signedHook("push", pushPayload("acme/alpha", "refs/heads/main", e.shas["acme/alpha"]))); code != http.StatusAccepted {
					t.Fatalf("push: %d %s", code, body)
				}
				select {
				case <-started:
				case <-time.After(30 * time.Second):
					t.Fatal("the build never started")
				}
				one.stop(t)
				if n := len(bc.counts()); n != 0 {
					t.Fatalf("%d builds finished on the stopped relay", n)
				}

				hold.Store(false)
				two := startRelay(t, e, opts)
				waitAllDone(t, two.Server, 1)
				list := allJobs(t, two.Server)
				if len(list) != 1 || list[0].Attempts != 2 {
					t.Errorf("jobs %+v, want one, dispatched twice", list)
				}
				if n := bc.counts()["acme/alpha@"+e.shas["acme/alpha"]]; n != 1 {
					t.Errorf("built %d times, want 1", n)
				}
			})
		}
	})
}
