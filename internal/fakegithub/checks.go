package fakegithub

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxCheckOutput is GitHub's limit on a check run's output summary and text,
// in characters.
const MaxCheckOutput = 65535

// CheckRun is one check run as the Checks API keeps it.
type CheckRun struct {
	ID         int64
	Repo       string // "owner/name"
	Name       string
	HeadSHA    string
	Status     string
	Conclusion string
	DetailsURL string
	ExternalID string
	Title      string
	Summary    string
	Text       string
	// Statuses is every status the run was given, in order (created, then
	// each update that named one).
	Statuses    []string
	StartedAt   time.Time
	CompletedAt time.Time
}

var (
	checkStatuses    = []string{"queued", "in_progress", "completed", "waiting", "requested", "pending"}
	checkConclusions = []string{"action_required", "cancelled", "failure", "neutral", "success", "skipped", "stale", "timed_out"}
)

// checkRunRequest is the body of a create or update.
type checkRunRequest struct {
	Name        *string    `json:"name"`
	HeadSHA     *string    `json:"head_sha"`
	DetailsURL  *string    `json:"details_url"`
	ExternalID  *string    `json:"external_id"`
	Status      *string    `json:"status"`
	Conclusion  *string    `json:"conclusion"`
	StartedAt   *time.Time `json:"started_at"`
	CompletedAt *time.Time `json:"completed_at"`
	Output      *struct {
		Title   *string `json:"title"`
		Summary *string `json:"summary"`
		Text    *string `json:"text"`
	} `json:"output"`
}

// CheckRuns returns the check runs of owner/name, oldest first.
func (s *Server) CheckRuns(owner, name string) []CheckRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []CheckRun
	for _, cr := range s.checkRuns {
		if strings.EqualFold(cr.Repo, owner+"/"+name) {
			c := *cr
			c.Statuses = slices.Clone(cr.Statuses)
			out = append(out, c)
		}
	}
	return out
}

// checksCaller answers 403 unless c is an installation token with checks:
// write on the repository, as GitHub only lets Apps write check runs.
func (s *Server) checksCaller(w http.ResponseWriter, r *http.Request, c caller, write bool) *Repo {
	if c.tok == nil || c.tok.installation == 0 {
		if write {
			writeError(w, http.StatusForbidden, "You must authenticate via a GitHub App.")
			return nil
		}
	}
	rp := s.repo(w, r, c)
	if rp == nil {
		return nil
	}
	if c.tok == nil || c.tok.installation == 0 {
		return rp
	}
	s.mu.Lock()
	level := c.tok.perms["checks"]
	inRepo := c.tok.repos == nil || c.tok.repos[key(rp.Owner, rp.Name)]
	s.mu.Unlock()
	if !inRepo || level == "" || (write && level != "write") {
		writeError(w, http.StatusForbidden, "Resource not accessible by integration")
		return nil
	}
	return rp
}

func invalid(w http.ResponseWriter, msg string) {
	writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n"+msg)
}

func decodeCheckRun(w http.ResponseWriter, r *http.Request) (checkRunRequest, bool) {
	var req checkRunRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 4<<20))
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return req, false
	}
	return req, true
}

// validate applies GitHub's rules to a request on top of the run's current
// state (nil for a create) and returns the run as it would be.
func (s *Server) validateCheckRun(w http.ResponseWriter, rp *Repo, cur *CheckRun, req checkRunRequest) (CheckRun, bool) {
	var run CheckRun
	if cur != nil {
		run = *cur
		run.Statuses = slices.Clone(cur.Statuses)
		if req.HeadSHA != nil {
			invalid(w, `"head_sha" is not a permitted key.`)
			return run, false
		}
	} else {
		run.Status = "queued"
		if req.Name == nil || strings.TrimSpace(*req.Name) == "" {
			invalid(w, `"name" wasn't supplied.`)
			return run, false
		}
		if req.HeadSHA == nil || *req.HeadSHA == "" {
			invalid(w, `"head_sha" wasn't supplied.`)
			return run, false
		}
		sha, ok := s.resolve(rp, *req.HeadSHA)
		if !ok || sha != strings.ToLower(*req.HeadSHA) {
			invalid(w, "No commit found for SHA: "+*req.HeadSHA)
			return run, false
		}
		run.HeadSHA, run.Repo = sha, rp.Owner+"/"+rp.Name
	}
	if req.Name != nil {
		if strings.TrimSpace(*req.Name) == "" {
			invalid(w, `"name" is empty.`)
			return run, false
		}
		run.Name = *req.Name
	}
	if req.DetailsURL != nil {
		u, err := url.Parse(*req.DetailsURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			invalid(w, `"details_url" is not a valid URL.`)
			return run, false
		}
		run.DetailsURL = *req.DetailsURL
	}
	if req.ExternalID != nil {
		run.ExternalID = *req.ExternalID
	}
	status := ""
	if req.Status != nil {
		status = *req.Status
		if !slices.Contains(checkStatuses, status) {
			invalid(w, strconv.Quote(status)+" is not a member of "+strings.Join(checkStatuses, ", ")+".")
			return run, false
		}
	}
	if req.Conclusion != nil {
		if !slices.Contains(checkConclusions, *req.Conclusion) {
			invalid(w, strconv.Quote(*req.Conclusion)+" is not a member of "+strings.Join(checkConclusions, ", ")+".")
			return run, false
		}
		// A conclusion completes the run; with another status it is refused.
		if status != "" && status != "completed" {
			invalid(w, `"conclusion" can only be given with the status "completed".`)
			return run, false
		}
		status = "completed"
		run.Conclusion = *req.Conclusion
	}
	if (status == "completed" || req.CompletedAt != nil) && req.Conclusion == nil {
		invalid(w, `"conclusion" wasn't supplied: it is required with the status "completed" or a "completed_at".`)
		return run, false
	}
	if status != "" {
		run.Status = status
		run.Statuses = append(run.Statuses, status)
	} else if cur == nil {
		run.Statuses = append(run.Statuses, run.Status)
	}
	if run.Status != "completed" {
		run.Conclusion = ""
	}
	if o := req.Output; o != nil {
		if o.Title == nil || o.Summary == nil {
			invalid(w, `"output" needs both a "title" and a "summary".`)
			return run, false
		}
		for _, f := range []struct {
			name string
			v    *string
		}{{"summary", o.Summary}, {"text", o.Text}} {
			if f.v != nil {
				if n := utf8.RuneCountInString(*f.v); n > MaxCheckOutput {
					invalid(w, "Only "+strconv.Itoa(MaxCheckOutput)+" characters are allowed in the output's "+f.name+"; "+strconv.Itoa(n)+" were supplied.")
					return run, false
				}
			}
		}
		run.Title, run.Summary = *o.Title, *o.Summary
		if o.Text != nil {
			run.Text = *o.Text
		}
	}
	now := time.Now().UTC()
	if req.StartedAt != nil {
		run.StartedAt = *req.StartedAt
	} else if run.StartedAt.IsZero() {
		run.StartedAt = now
	}
	if run.Status == "completed" {
		if req.CompletedAt != nil {
			run.CompletedAt = *req.CompletedAt
		} else {
			run.CompletedAt = now
		}
	}
	return run, true
}

func (s *Server) checkRunJSON(run *CheckRun) map[string]any {
	owner, name, _ := strings.Cut(run.Repo, "/")
	body := map[string]any{
		"id": run.ID, "node_id": "CR_" + strconv.FormatInt(run.ID, 10),
		"name": run.Name, "head_sha": run.HeadSHA, "external_id": run.ExternalID,
		"status": run.Status, "details_url": run.DetailsURL,
		"url":      s.URL + "repos/" + run.Repo + "/check-runs/" + strconv.FormatInt(run.ID, 10),
		"html_url": strings.TrimSuffix(s.srv.URL, "/") + "/" + owner + "/" + name + "/runs/" + strconv.FormatInt(run.ID, 10),
		"output": map[string]any{
			"title": run.Title, "summary": run.Summary, "text": run.Text, "annotations_count": 0,
		},
		"started_at": run.StartedAt.Format(time.RFC3339),
		"app":        map[string]any{"id": s.appID},
	}
	if run.Conclusion != "" {
		body["conclusion"] = run.Conclusion
	} else {
		body["conclusion"] = nil
	}
	if !run.CompletedAt.IsZero() {
		body["completed_at"] = run.CompletedAt.Format(time.RFC3339)
	}
	return body
}

// createCheckRun is POST /repos/{owner}/{repo}/check-runs.
func (s *Server) createCheckRun(w http.ResponseWriter, r *http.Request, c caller) {
	rp := s.checksCaller(w, r, c, true)
	if rp == nil {
		return
	}
	req, ok := decodeCheckRun(w, r)
	if !ok {
		return
	}
	run, ok := s.validateCheckRun(w, rp, nil, req)
	if !ok {
		return
	}
	s.mu.Lock()
	s.nextID++
	run.ID = s.nextID
	s.checkRuns = append(s.checkRuns, &run)
	body := s.checkRunJSON(&run)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, body)
}

// findCheckRun is the run named by the path in rp, or nil after a 404.
func (s *Server) findCheckRun(w http.ResponseWriter, r *http.Request, rp *Repo) *CheckRun {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, cr := range s.checkRuns {
		if cr.ID == id && strings.EqualFold(cr.Repo, rp.Owner+"/"+rp.Name) {
			return cr
		}
	}
	writeError(w, http.StatusNotFound, "Not Found")
	return nil
}

// updateCheckRun is PATCH /repos/{owner}/{repo}/check-runs/{id}.
func (s *Server) updateCheckRun(w http.ResponseWriter, r *http.Request, c caller) {
	rp := s.checksCaller(w, r, c, true)
	if rp == nil {
		return
	}
	cur := s.findCheckRun(w, r, rp)
	if cur == nil {
		return
	}
	req, ok := decodeCheckRun(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	snapshot := *cur
	s.mu.Unlock()
	run, ok := s.validateCheckRun(w, rp, &snapshot, req)
	if !ok {
		return
	}
	s.mu.Lock()
	*cur = run
	body := s.checkRunJSON(cur)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}

// getCheckRun is GET /repos/{owner}/{repo}/check-runs/{id}.
func (s *Server) getCheckRun(w http.ResponseWriter, r *http.Request, c caller) {
	rp := s.checksCaller(w, r, c, false)
	if rp == nil {
		return
	}
	cur := s.findCheckRun(w, r, rp)
	if cur == nil {
		return
	}
	s.mu.Lock()
	body := s.checkRunJSON(cur)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}

// listCheckRuns is GET /repos/{owner}/{repo}/commits/{ref}/check-runs.
func (s *Server) listCheckRuns(w http.ResponseWriter, r *http.Request, c caller) {
	rp := s.checksCaller(w, r, c, false)
	if rp == nil {
		return
	}
	sha, ok := s.resolve(rp, r.PathValue("ref"))
	if !ok {
		invalid(w, "No commit found for SHA: "+r.PathValue("ref"))
		return
	}
	name := r.URL.Query().Get("check_name")
	s.mu.Lock()
	runs := []map[string]any{}
	for _, cr := range s.checkRuns {
		if cr.HeadSHA == sha && strings.EqualFold(cr.Repo, rp.Owner+"/"+rp.Name) && (name == "" || cr.Name == name) {
			runs = append(runs, s.checkRunJSON(cr))
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"total_count": len(runs), "check_runs": runs})
}
