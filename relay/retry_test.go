package relay

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/doctown/doctown/relay/config"
	"github.com/doctown/doctown/relay/dispatch"
	"github.com/doctown/doctown/relay/jobs"
)

// TestJobTimeoutAndRetries: a build that never ends is cut off by the job
// timeout, retried, and failed after the last attempt with its error recorded;
// a build that fails once then works ends done.
func TestJobTimeoutAndRetries(t *testing.T) {
	e := newEnv(t)
	var betaCalls atomic.Int64
	r := startRelay(t, e, relayOpts{
		deps: Deps{Build: func(ctx context.Context, req dispatch.BuildRequest) (string, error) {
			if req.Repo == "alpha" {
				<-ctx.Done() // hangs until the job timeout
				return "", ctx.Err()
			}
			if req.Repo == "beta" && betaCalls.Add(1) == 1 {
				return "", errors.New("flaky build")
			}
			return dispatch.PipelineBuild(nil, nil, "test")(ctx, req)
		}},
		// The timeout must leave beta's real build and ingest room on a loaded
		// machine under -race (300ms did not: "interrupted: begin: context deadline exceeded").
		cfg: func(c *config.Config) { c.JobTimeout = 3 * time.Second; c.MaxAttempts = 2; c.Workers = 1 },
	})
	for _, repo := range []string{"alpha", "beta"} {
		if code, body := r.send(t, signedHook("push", pushPayload("acme/"+repo, "refs/heads/main", e.shas["acme/"+repo]))); code != http.StatusAccepted {
			t.Fatalf("push: %d %s", code, body)
		}
	}
	waitFor(t, "both jobs final", time.Minute, func() bool {
		for _, j := range allJobs(t, r.Server) {
			if j.State != jobs.StateFailed && j.State != jobs.StateDone {
				return false
			}
		}
		return true
	})
	for _, j := range allJobs(t, r.Server) {
		switch j.Repo {
		case "alpha":
			if j.State != jobs.StateFailed || j.Attempts != 2 || !strings.Contains(j.Error, "deadline") || j.FinishedAt == nil {
				t.Errorf("alpha = %+v, want failed after 2 attempts with a deadline error", j)
			}
		case "beta":
			if j.State != jobs.StateDone {
				t.Errorf("beta = %+v, want done after a retry", j)
			}
		}
	}
	// "job_id" is the relay's job id on every line, River's own lines included
	// (they carry River's numeric id as river_job_id).
	checkJobIDLogs(t, r.logs.String(), true)
	// A failed commit pushed again is queued again.
	code, body := r.send(t, signedHook("push", pushPayload("acme/alpha", "refs/heads/main", e.shas["acme/alpha"])))
	if code != http.StatusAccepted || strings.Contains(body, `"duplicate":true`) {
		t.Errorf("re-push of a failed commit: %d %s", code, body)
	}
}

// hourRetry schedules every retry an hour away.
type hourRetry struct{}

func (hourRetry) NextRetry(*rivertype.JobRow) time.Time { return time.Now().Add(time.Hour) }

// TestRetryingJobState: between a failed attempt and the next, the API says
// the job is queued and retrying, with the attempt's error.
func TestRetryingJobState(t *testing.T) {
	e := newEnv(t)
	r := startRelay(t, e, relayOpts{
		deps: Deps{
			Build:       func(context.Context, dispatch.BuildRequest) (string, error) { return "", errors.New("flaky build") },
			RetryPolicy: hourRetry{},
		},
		cfg: func(c *config.Config) { c.MaxAttempts = 3 },
	})
	code, body := r.send(t, signedHook("push", pushPayload("acme/alpha", "refs/heads/main", e.shas["acme/alpha"])))
	if code != http.StatusAccepted {
		t.Fatalf("push: %d %s", code, body)
	}
	var id string
	waitFor(t, "the first attempt to fail", 30*time.Second, func() bool {
		list := allJobs(t, r.Server)
		if len(list) == 1 && list[0].State == jobs.StateQueued && list[0].Attempts == 1 {
			id = list[0].ID
			return true
		}
		return false
	})
	var raw map[string]any
	if code := getJSON(t, r.URL+"/api/jobs/"+id, &raw); code != http.StatusOK {
		t.Fatalf("GET /api/jobs/%s: %d", id, code)
	}
	if raw["state"] != jobs.StateQueued || raw["retrying"] != true || !strings.Contains(raw["error"].(string), "flaky build") {
		t.Errorf("job between attempts = %v, want queued, retrying, with the error", raw)
	}
}

// TestFailedCommitBuiltAgain: a commit whose build failed is built again when
// pushed again (its River job was completed with the failure: a unique insert
// counting completed jobs skipped the new one, and the job stayed queued).
func TestFailedCommitBuiltAgain(t *testing.T) {
	e := newEnv(t)
	var calls atomic.Int64
	r := startRelay(t, e, relayOpts{
		deps: Deps{Build: func(ctx context.Context, req dispatch.BuildRequest) (string, error) {
			if calls.Add(1) == 1 {
				return "", errors.New("broken build")
			}
			return dispatch.PipelineBuild(nil, nil, "test")(ctx, req)
		}},
		cfg: func(c *config.Config) { c.MaxAttempts = 1 },
	})
	push := signedHook("push", pushPayload("acme/alpha", "refs/heads/main", e.shas["acme/alpha"]))
	if code, body := r.send(t, push); code != http.StatusAccepted {
		t.Fatalf("push: %d %s", code, body)
	}
	waitFor(t, "the build to fail", time.Minute, func() bool {
		l := allJobs(t, r.Server)
		return len(l) == 1 && l[0].State == jobs.StateFailed
	})
	again := signedHook("push", pushPayload("acme/alpha", "refs/heads/main", e.shas["acme/alpha"]))
	if code, body := r.send(t, again); code != http.StatusAccepted {
		t.Fatalf("push again: %d %s", code, body)
	}
	waitFor(t, "the second build to finish", time.Minute, func() bool {
		l := allJobs(t, r.Server)
		return len(l) == 1 && l[0].State == jobs.StateDone
	})
	if n := calls.Load(); n != 2 {
		t.Errorf("%d builds, want 2", n)
	}
}
