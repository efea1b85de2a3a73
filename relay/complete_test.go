package relay

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/doctown/doctown/relay/config"
	"github.com/doctown/doctown/relay/jobs"
	"github.com/doctown/doctown/relay/queue"
)

// completionFault makes the database refuse River's completion of build
// jobs (a trigger on river_job): the fault between "the relay's job is done"
// and "River's job is completed". The returned func removes it.
func completionFault(t *testing.T, r *testRelay) (remove func()) {
	t.Helper()
	ctx := context.Background()
	db := r.q.DB()
	var stmts, drop []string
	if r.q.Dialect() == "sqlite" {
		stmts = []string{`CREATE TRIGGER doctown_test_fail_complete BEFORE UPDATE OF state ON river_job
			WHEN NEW.state = 'completed' AND NEW.kind = 'doctown_build'
			BEGIN SELECT RAISE(ABORT, 'injected fault: completion refused'); END`}
		drop = []string{`DROP TRIGGER doctown_test_fail_complete`}
	} else {
		stmts = []string{
			`CREATE FUNCTION doctown_test_fail_complete() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN RAISE EXCEPTION 'injected fault: completion refused'; END $$`,
			`CREATE TRIGGER doctown_test_fail_complete BEFORE UPDATE ON river_job FOR EACH ROW
			WHEN (NEW.state = 'completed' AND NEW.kind = 'doctown_build') EXECUTE FUNCTION doctown_test_fail_complete()`,
		}
		drop = []string{`DROP TRIGGER doctown_test_fail_complete ON river_job`, `DROP FUNCTION doctown_test_fail_complete()`}
	}
	for _, q := range stmts {
		if _, err := db.Exec(ctx, q); err != nil {
			t.Fatalf("install the fault: %v", err)
		}
	}
	return func() {
		for _, q := range drop {
			if _, err := db.Exec(ctx, q); err != nil {
				t.Fatalf("remove the fault: %v", err)
			}
		}
	}
}

// bothStates reads the relay's state of a job and River's state and attempt
// of its River job in one statement (one snapshot).
func bothStates(t *testing.T, r *testRelay, id string) (relay, river string, attempt int64) {
	t.Helper()
	if err := queue.QueryRow(context.Background(), r.q.DB(), `SELECT j.state, CAST(r.state AS TEXT), r.attempt FROM doctown_jobs j
		JOIN river_job r ON r.id = j.river_job_id WHERE j.id = ?`, []any{id}, &relay, &river, &attempt); err != nil {
		t.Fatalf("job %s: %v", id, err)
	}
	return relay, river, attempt
}

// TestDoneCommitsWithRiverCompletion: the relay's job is done exactly when
// River's job is completed. While the database refuses River's completion,
// the job's docpack is stored (uploaded) but the job never reads done, and
// River retries it; once the fault is gone the next attempt ends both. At no
// sample do the two disagree.
func TestDoneCommitsWithRiverCompletion(t *testing.T) {
	forEachQueue(t, func(t *testing.T, newDatabase func(t *testing.T) string) {
		e := newEnv(t)
		r := startRelay(t, e, relayOpts{databaseURL: newDatabase(t), deps: Deps{Build: fileBuild(t)},
			cfg: func(c *config.Config) { c.MaxAttempts = 25 }})
		remove := completionFault(t, r)
		code, body := r.send(t, signedHook("push", pushPayload("acme/alpha", "refs/heads/main", e.shas["acme/alpha"])))
		if code != http.StatusAccepted {
			t.Fatalf("push: %d %s", code, body)
		}
		id := allJobs(t, r.Server)[0].ID
		check := func() (string, string, int64) {
			rs, rv, n := bothStates(t, r, id)
			if (rs == jobs.StateDone) != (rv == "completed") {
				t.Fatalf("diverged: the relay's job is %s, River's is %s (attempt %d)", rs, rv, n)
			}
			return rs, rv, n
		}
		waitFor(t, "a second attempt after the refused completion", time.Minute, func() bool {
			rs, _, n := check()
			return n >= 2 && rs == jobs.StateUploaded
		})
		remove()
		waitFor(t, "job done", time.Minute, func() bool {
			rs, _, _ := check()
			return rs == jobs.StateDone
		})
		if _, rv, _ := check(); rv != "completed" {
			t.Fatalf("River's job is %s", rv)
		}
		if !strings.Contains(r.logs.String(), "injected fault") {
			t.Error("the refused completion is not in the log")
		}
	})
}

// TestLastFailureCompletesRiverJob: a job's last failed attempt fails the
// job and completes River's job in one transaction, so River never runs a
// job the relay reports failed; when River's side is refused, the job still
// reads failed.
func TestLastFailureCompletesRiverJob(t *testing.T) {
	forEachQueue(t, func(t *testing.T, newDatabase func(t *testing.T) string) {
		e := newEnv(t)
		r := startRelay(t, e, relayOpts{databaseURL: newDatabase(t),
			cfg: func(c *config.Config) { c.MaxAttempts = 2 }})
		for _, repo := range []string{"alpha", "beta"} {
			// No Cargo.toml: every attempt fails.
			e.shas["acme/"+repo] = e.gh.AddCommit("acme", repo, "main", map[string][]byte{"README.md": []byte("not a crate\n")})
		}
		send := func(repo string) string {
			code, body := r.send(t, signedHook("push", pushPayload("acme/"+repo, "refs/heads/main", e.shas["acme/"+repo])))
			if code != http.StatusAccepted {
				t.Fatalf("push: %d %s", code, body)
			}
			for _, j := range allJobs(t, r.Server) {
				if j.Repo == repo {
					return j.ID
				}
			}
			t.Fatal("no job")
			return ""
		}
		alpha := send("alpha")
		waitFor(t, "alpha failed", time.Minute, func() bool { rs, _, _ := bothStates(t, r, alpha); return rs == jobs.StateFailed })
		waitFor(t, "alpha's River job finalized", 10*time.Second, func() bool { _, rv, _ := bothStates(t, r, alpha); return rv != "running" })
		if _, rv, n := bothStates(t, r, alpha); rv != "completed" || n != 2 {
			t.Fatalf("alpha's River job is %s after %d attempts, want completed after 2", rv, n)
		}
		completionFault(t, r)
		beta := send("beta")
		waitFor(t, "beta failed", time.Minute, func() bool { rs, _, _ := bothStates(t, r, beta); return rs == jobs.StateFailed })
		waitFor(t, "beta's River job finalized", 10*time.Second, func() bool { _, rv, _ := bothStates(t, r, beta); return rv != "running" })
		if _, rv, _ := bothStates(t, r, beta); rv != "discarded" {
			t.Fatalf("beta's River job is %s, want discarded (its completion was refused)", rv)
		}
	})
}
