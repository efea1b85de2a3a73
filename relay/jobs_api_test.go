package relay

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/doctown/doctown/relay/config"
	"github.com/doctown/doctown/relay/dispatch"
	"github.com/doctown/doctown/relay/jobs"
)

const testAdminToken = "admin-test-token"

// getAuth GETs url with a bearer token (none when empty) and decodes a 200 answer.
func getAuth(t testing.TB, url, token string, v any) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil && resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}

// TestJobsAPI: what an operator sees of a failed and a done job, one by one
// (GET /api/jobs/{id}) and listed (GET /api/jobs, behind the admin token).
func TestJobsAPI(t *testing.T) {
	forEachQueue(t, func(t *testing.T, newDatabase func(*testing.T) string) {
		e := newEnv(t)
		r := startRelay(t, e, relayOpts{
			databaseURL: newDatabase(t),
			deps: Deps{Build: func(ctx context.Context, req dispatch.BuildRequest) (string, error) {
				if req.Repo == "alpha" {
					return "", errors.New("cargo metadata: no Cargo.toml")
				}
				return dispatch.PipelineBuild(nil, nil, "test")(ctx, req)
			}},
			cfg: func(c *config.Config) { c.MaxAttempts = 1; c.Workers = 1; c.AdminToken = testAdminToken },
		})
		for _, repo := range []string{"alpha", "beta"} {
			if code, body := r.send(t, signedHook("push", pushPayload("acme/"+repo, "refs/heads/main", e.shas["acme/"+repo]))); code != http.StatusAccepted {
				t.Fatalf("push %s: %d %s", repo, code, body)
			}
		}
		waitFor(t, "both jobs final", time.Minute, func() bool {
			list := allJobs(t, r.Server)
			for _, j := range list {
				if j.State != jobs.StateFailed && j.State != jobs.StateDone {
					return false
				}
			}
			return len(list) == 2
		})
		ids := map[string]string{}
		for _, j := range allJobs(t, r.Server) {
			ids[j.Repo] = j.ID
		}

		t.Run("one job", func(t *testing.T) {
			var raw map[string]any
			if code := getJSON(t, r.URL+"/api/jobs/"+ids["alpha"], &raw); code != http.StatusOK {
				t.Fatalf("GET /api/jobs/{id}: %d", code)
			}
			for _, k := range []string{"id", "owner", "repo", "sha", "ref", "state", "attempts", "error", "delivery_id", "created_at", "updated_at", "dispatched_at", "finished_at"} {
				if _, ok := raw[k]; !ok {
					t.Errorf("job JSON lacks %q: %v", k, raw)
				}
			}
			if raw["state"] != jobs.StateFailed || raw["attempts"] != 1.0 || raw["sha"] != e.shas["acme/alpha"] || !strings.Contains(raw["error"].(string), "no Cargo.toml") {
				t.Errorf("failed job = %v", raw)
			}
			for _, k := range []string{"installation_id", "river_job_id", "token", "upload_token"} {
				if _, ok := raw[k]; ok {
					t.Errorf("job JSON shows %q", k)
				}
			}
			if code := getJSON(t, r.URL+"/api/jobs/nope", nil); code != http.StatusNotFound {
				t.Errorf("unknown job: %d", code)
			}
		})

		t.Run("list", func(t *testing.T) {
			for _, tc := range []struct {
				query string
				want  []string // repos, in order
			}{
				{"", []string{"beta", "alpha"}},
				{"?state=failed", []string{"alpha"}},
				{"?state=done", []string{"beta"}},
				{"?state=queued", []string{}},
				{"?repo=acme/beta", []string{"beta"}},
				{"?repo=ACME/Alpha&state=failed", []string{"alpha"}},
				{"?owner=acme&limit=1", []string{"beta"}},
			} {
				var got struct {
					Jobs []*jobs.Job `json:"jobs"`
				}
				if code := getAuth(t, r.URL+"/api/jobs"+tc.query, testAdminToken, &got); code != http.StatusOK {
					t.Errorf("GET /api/jobs%s: %d", tc.query, code)
					continue
				}
				repos := []string{}
				for _, j := range got.Jobs {
					repos = append(repos, j.Repo)
					if j.ID != ids[j.Repo] || j.SHA != e.shas[j.FullName()] {
						t.Errorf("GET /api/jobs%s: job %+v", tc.query, j)
					}
				}
				if strings.Join(repos, ",") != strings.Join(tc.want, ",") {
					t.Errorf("GET /api/jobs%s lists %v, want %v", tc.query, repos, tc.want)
				}
			}
		})

		t.Run("refused", func(t *testing.T) {
			for _, tc := range []struct {
				query, token string
				want         int
			}{
				{"", "", http.StatusUnauthorized},
				{"", "wrong", http.StatusUnauthorized},
				{"?state=bogus", testAdminToken, http.StatusBadRequest},
				{"?repo=acme", testAdminToken, http.StatusBadRequest},
				{"?limit=0", testAdminToken, http.StatusBadRequest},
				{"?limit=x", testAdminToken, http.StatusBadRequest},
			} {
				if code := getAuth(t, r.URL+"/api/jobs"+tc.query, tc.token, nil); code != tc.want {
					t.Errorf("GET /api/jobs%s with token %q: %d, want %d", tc.query, tc.token, code, tc.want)
				}
			}
			off := startRelay(t, e, relayOpts{})
			if code := getAuth(t, off.URL+"/api/jobs", testAdminToken, nil); code != http.StatusForbidden {
				t.Errorf("GET /api/jobs without DOCTOWN_ADMIN_TOKEN configured: %d, want 403", code)
			}
		})
	})
}
