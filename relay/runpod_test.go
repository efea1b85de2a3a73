package relay

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/doctown/doctown/internal/fakerunpod"
	"github.com/doctown/doctown/pipeline/rust"
	"github.com/doctown/doctown/pipeline/worker"
	"github.com/doctown/doctown/relay/config"
)

const testRunPodKey = "rp-test-key"

// startRunPod starts the fake RunPod endpoint and n real `doctown worker runpod`
// loops taking its jobs: they fetch from the fake GitHub and upload to the relay.
func startRunPod(t *testing.T, e *env, n int) *fakerunpod.Server {
	t.Helper()
	rp := fakerunpod.New(fakerunpod.Options{APIKey: testRunPodKey})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, n)
	for i := range n {
		envs := rp.WorkerEnv("pod-" + string(rune('a'+i)))
		cfg := worker.ConfigFromEnv(func(k string) string { return envs[k] })
		cfg.GitHubAPIURL = e.gh.URL
		cfg.ToolVersion = "test"
		go func() {
			defer func() { done <- struct{}{} }()
			if err := worker.Run(ctx, cfg); err != nil {
				t.Errorf("worker: %v", err)
			}
		}()
	}
	t.Cleanup(func() {
		cancel()
		for range n {
			<-done
		}
		rp.Close()
	})
	return rp
}

// TestEndToEndRunPod is the end-to-end flow with builds dispatched to RunPod: the
// relay posts /run with the installation token and an upload token, the worker
// builds and uploads to the relay itself, the relay polls /status (through 429s).
func TestEndToEndRunPod(t *testing.T) {
	e := newEnv(t)
	rp := startRunPod(t, e, 2)
	rp.SetThrottle(3)
	r := startRelay(t, e, relayOpts{cfg: func(c *config.Config) {
		c.Dispatch = config.DispatchRunPod
		c.RunPodEndpoint = rp.EndpointURL()
		c.RunPodAPIKey = testRunPodKey
		c.RunPodPollInterval = 50 * time.Millisecond
		c.Build = rust.BuildConfig{Target: "x86_64-pc-windows-msvc"}
	}})
	sendBuildWebhooks(t, r, e)
	waitAllDone(t, r.Server, 3)
	checkCommons(t, r.Server, r.URL, e)
	// The configuration went in the RunPod request's input and the worker applied it.
	checkBuildTarget(t, r.URL, "acme/gamma", "x86_64-pc-windows-msvc")
	if n := rp.Requests("run"); n < 3 {
		t.Errorf("%d /run requests, want 3 or more", n)
	}
	if n := rp.Requests("status"); n == 0 {
		t.Error("the relay never polled /status")
	}
	resp, err := http.Get(r.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("healthz: %d", resp.StatusCode)
	}
}
