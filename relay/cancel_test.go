package relay

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doctown/doctown/relay/config"
	"github.com/doctown/doctown/relay/dispatch"
	"github.com/doctown/doctown/relay/jobs"
	"github.com/doctown/doctown/relay/queue"
)

// riverJob is one row of River's own table.
type riverJob struct {
	State   string
	Attempt int64
}

func riverJobRow(t testing.TB, s *Server, id int64) riverJob {
	t.Helper()
	var j riverJob
	if err := queue.QueryRow(context.Background(), s.q.DB(), `SELECT state, attempt FROM river_job WHERE id = ?`, []any{id}, &j.State, &j.Attempt); err != nil {
		t.Fatalf("river job %d: %v", id, err)
	}
	return j
}

func installationDeletedPayload(full ...string) map[string]any {
	p := installationCreatedPayload(full...)
	p["action"] = "deleted"
	return p
}

func reposRemovedPayload(full ...string) map[string]any {
	p := reposAddedPayload()
	var repos []map[string]any
	for i, f := range full {
		_, name, _ := strings.Cut(f, "/")
		repos = append(repos, map[string]any{"id": 6000 + i, "name": name, "full_name": f, "private": false})
	}
	p["action"] = "removed"
	p["repositories_added"] = []any{}
	p["repositories_removed"] = repos
	return p
}

// TestRemovalCancelsInRiver: while alpha builds, beta and gamma wait in the
// queue; an uninstall (or removing beta) cancels what waits, in the relay's
// table and in River's. The relay is stopped and a new one opened on the same
// data dir: it finishes what was not cancelled and never runs a cancelled River
// job (its attempt count stays 0, although River fetches oldest first and the
// interrupted alpha was rescheduled after them).
func TestRemovalCancelsInRiver(t *testing.T) {
	forEachQueue(t, func(t *testing.T, newDatabase func(*testing.T) string) {
		for _, tc := range []struct {
			name     string
			event    string
			payload  map[string]any
			canceled []string // repos
			built    []string
		}{
			{"installation deleted", "installation", installationDeletedPayload("acme/alpha", "acme/beta", "acme/gamma"), []string{"beta", "gamma"}, []string{"alpha"}},
			{"repositories removed", "installation_repositories", reposRemovedPayload("acme/beta"), []string{"beta"}, []string{"alpha", "gamma"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e := newEnv(t)
				dir := t.TempDir()
				bc := newBuildCounter(dispatch.PipelineBuild(nil, nil, "test"))
				started := make(chan string, 8)
				var hold atomic.Bool
				hold.Store(true)
				bc.before = func(ctx context.Context, req dispatch.BuildRequest) error {
					if hold.Load() {
						started <- req.Repo
						<-ctx.Done()
						return ctx.Err()
					}
					return nil
				}
				opts := relayOpts{dataDir: dir, databaseURL: newDatabase(t), deps: Deps{Build: bc.Build}, cfg: func(c *config.Config) { c.Workers = 1 }}
				one := startRelay(t, e, opts)
				push := func(r *testRelay, repo string) {
					t.Helper()
					if code, body := r.send(t, signedHook("push", pushPayload("acme/"+repo, "refs/heads/main", e.shas["acme/"+repo]))); code != http.StatusAccepted {
						t.Fatalf("push %s: %d %s", repo, code, body)
					}
				}
				push(one, "alpha")
				select {
				case repo := <-started:
					if repo != "alpha" {
						t.Fatalf("%s started first", repo)
					}
				case <-time.After(30 * time.Second):
					t.Fatal("no build started")
				}
				push(one, "beta")
				push(one, "gamma")

				code, body := one.send(t, signedHook(tc.event, tc.payload))
				if code != http.StatusAccepted {
					t.Fatalf("%s: %d %s", tc.event, code, body)
				}
				var ans webhookAnswer
				if err := json.Unmarshal([]byte(body), &ans); err != nil {
					t.Fatal(err)
				}
				if len(ans.Cancel) != len(tc.canceled) {
					t.Errorf("answer cancels %v, want the jobs of %v", ans.Cancel, tc.canceled)
				}
				riverIDs := map[string]int64{}
				for _, j := range allJobs(t, one.Server) {
					riverIDs[j.Repo] = j.RiverJobID
				}
				for _, repo := range tc.canceled {
					if rj := riverJobRow(t, one.Server, riverIDs[repo]); rj.State != "cancelled" || rj.Attempt != 0 {
						t.Errorf("%s in River after the %s: %+v, want cancelled, never attempted", repo, tc.event, rj)
					}
				}
				one.stop(t)

				hold.Store(false)
				two := startRelay(t, e, opts)
				waitFor(t, "the remaining jobs done", 2*time.Minute, func() bool {
					for _, j := range allJobs(t, two.Server) {
						if j.State != jobs.StateDone && j.State != jobs.StateCanceled {
							if j.State == jobs.StateFailed {
								t.Fatalf("job %s failed: %s", j.FullName(), j.Error)
							}
							return false
						}
					}
					return true
				})
				states := map[string]string{}
				for _, j := range allJobs(t, two.Server) {
					states[j.Repo] = j.State
				}
				for _, repo := range tc.canceled {
					if states[repo] != jobs.StateCanceled {
						t.Errorf("%s is %s on the new relay, want canceled", repo, states[repo])
					}
					if rj := riverJobRow(t, two.Server, riverIDs[repo]); rj.State != "cancelled" || rj.Attempt != 0 {
						t.Errorf("%s in River on the new relay: %+v, want cancelled, never attempted", repo, rj)
					}
				}
				counts := bc.counts()
				for _, repo := range tc.built {
					if states[repo] != jobs.StateDone || counts["acme/"+repo+"@"+e.shas["acme/"+repo]] != 1 {
						t.Errorf("%s: %s, built %d times; want done, built once", repo, states[repo], counts["acme/"+repo+"@"+e.shas["acme/"+repo]])
					}
				}
				if len(counts) != len(tc.built) {
					t.Errorf("builds %v, want only %v", counts, tc.built)
				}
			})
		}
	})
}
