package relay

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/doctown/doctown/relay/config"
	"github.com/doctown/doctown/relay/jobs"
	"github.com/doctown/doctown/relay/queue"
)

// TestHelperRelayProcess is not a test: TestDeadRelayJobRescued runs the test
// binary as a relay process with it, to kill it with SIGKILL.
func TestHelperRelayProcess(t *testing.T) {
	if os.Getenv("DOCTOWN_RELAY_CHILD") != "1" {
		t.Skip("a helper process")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	os.Exit(Main(ctx, nil))
}

// TestDeadRelayJobRescued: a relay killed with SIGKILL in the middle of a
// build leaves the job "running"; the next relay on the database notices the
// lapsed heartbeat and builds it, well before the job timeout. "between retry
// steps" is a relay killed after recording a failed attempt (the job queued
// again) but before River recorded the retry (its job still running): the two
// commits River cannot make one.
func TestDeadRelayJobRescued(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a relay process")
	}
	for _, tc := range []struct {
		name              string
		between, postgres bool
	}{{"while running", false, false}, {"between retry steps", true, false}, {"between retry steps on PostgreSQL", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			var dbURL string
			if tc.postgres {
				dbURL = testDatabaseURL(t)
			}
			e := newEnv(t)
			dataDir, id := killedRelay(t, e, dbURL)
			if tc.between {
				// What jobs.Store.AttemptFailed commits for an attempt River
				// will retry; River's completer never ran.
				open := func() (queue.Queue, error) {
					return queue.OpenSQLite(t.Context(), dataDir, queue.Options{Workers: 1}, river.NewWorkers())
				}
				if tc.postgres {
					open = func() (queue.Queue, error) {
						return queue.OpenPostgres(t.Context(), dbURL, queue.Options{Workers: 1}, river.NewWorkers())
					}
				}
				q, err := open()
				if err != nil {
					t.Fatal(err)
				}
				if _, err := q.DB().Exec(t.Context(), `UPDATE doctown_jobs SET state = ?, error = 'build: broken' WHERE id = ?`, jobs.StateQueued, id); err != nil {
					t.Fatal(err)
				}
				var riverState string
				if err := queue.QueryRow(t.Context(), q.DB(), `SELECT r.state FROM river_job r JOIN doctown_jobs d ON d.river_job_id = r.id WHERE d.id = ?`, []any{id}, &riverState); err != nil || riverState != "running" {
					t.Fatalf("river job %q %v, want running", riverState, err)
				}
				q.Close()
			}
			start := time.Now()
			r := startRelay(t, e, relayOpts{dataDir: dataDir, databaseURL: dbURL, deps: Deps{Build: fileBuild(t)}, cfg: func(c *config.Config) {
				c.HeartbeatLapse = 3 * time.Second
				c.Storage = "fs"
			}})
			waitFor(t, "the job rescued and done", 60*time.Second, func() bool {
				j, _ := r.Job(context.Background(), id)
				return j != nil && j.State == jobs.StateDone
			})
			if d := time.Since(start); d > 30*time.Second {
				t.Errorf("rescued after %v", d)
			}
		})
	}
}

// killedRelay runs a relay process on a data dir of its own, has it start
// building a push whose tarball download hangs, and kills it with SIGKILL:
// the job is left "running" for River and the relay alike, its heartbeat
// stopped. It returns the data dir and the job's id. A databaseURL puts the
// relay's queue on PostgreSQL.
func killedRelay(t *testing.T, e *env, databaseURL string) (dataDir, jobID string) {
	t.Helper()
	// The killed relay's builds hang on the tarball download.
	target, _ := url.Parse(e.gh.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	slow := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/tarball/") {
			select {
			case <-hang:
			case <-r.Context().Done():
			}
			return
		}
		proxy.ServeHTTP(w, r)
	})}
	sl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go slow.Serve(sl)
	t.Cleanup(func() { slow.Close() })

	dataDir = t.TempDir()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	_, pemKey := testAppKey(t)
	child := exec.Command(os.Args[0], "-test.run=^TestHelperRelayProcess$")
	child.Env = append(os.Environ(), "DOCTOWN_RELAY_CHILD=1", "RELAY_ADDR="+addr, "DOCTOWN_DATA_DIR="+dataDir,
		"GITHUB_WEBHOOK_SECRET="+testSecret, "GITHUB_APP_ID="+strconv.Itoa(testAppID), "GITHUB_APP_PRIVATE_KEY="+string(pemKey),
		"DOCTOWN_GITHUB_API_URL=http://"+sl.Addr().String(), "DOCTOWN_RELAY_SECRET=relay-test-secret", "DOCTOWN_HEARTBEAT_LAPSE=3s",
		"DOCTOWN_LOG_LEVEL=error", "DATABASE_URL="+databaseURL)
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { child.Process.Kill() })
	base := "http://" + addr
	waitFor(t, "the child relay", 30*time.Second, func() bool {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	})
	code, ans := sendTo(t, http.DefaultClient, base, signedHook("push", pushPayload("acme/alpha", "refs/heads/main", e.shas["acme/alpha"])))
	var wa webhookAnswer
	json.Unmarshal([]byte(ans), &wa)
	if code != http.StatusAccepted {
		t.Fatalf("push: %d %s", code, ans)
	}
	jobID = wa.Jobs[0].JobID
	var job jobs.Job
	waitFor(t, "the build running in the child", 30*time.Second, func() bool {
		return getJSON(t, base+"/api/jobs/"+jobID, &job) == http.StatusOK && job.State == jobs.StateRunning
	})
	child.Process.Signal(syscall.SIGKILL)
	child.Wait()
	return dataDir, jobID
}

// TestWorkerTimeouts: each job kind has its own timeout — a lookup does not
// get a build's.
func TestWorkerTimeouts(t *testing.T) {
	s := &Server{cfg: config.Default()}
	if got := (&buildWorker{s: s}).Timeout(nil); got != config.DefaultJobTimeout {
		t.Errorf("build timeout %v, want %v", got, config.DefaultJobTimeout)
	}
	if got := (&resolveWorker{s: s}).Timeout(nil); got != resolveTimeout || got >= config.DefaultJobTimeout {
		t.Errorf("lookup timeout %v", got)
	}
}
