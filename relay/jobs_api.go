package relay

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/doctown/doctown/relay/jobs"
)

// The job API (GET /api/jobs/{id}, the operators' GET /api/jobs) and the
// health check.

func (s *Server) handleJob(w http.ResponseWriter, r *http.Request) {
	j, err := s.jobs.Get(r.Context(), r.PathValue("id"))
	if err == nil && j.Private && !s.isAdmin(r) && !(readerAccess{s}).CanRead(r.Context(), j.Owner, j.Repo) {
		// A private repository's job is the same 404 as an unknown id to
		// anyone who cannot read the repository: not its name, not its state.
		err = jobs.ErrJobNotFound
	}
	if errors.Is(err, jobs.ErrJobNotFound) {
		writeError(w, http.StatusNotFound, "no such job")
		return
	}
	if err != nil {
		s.log.Error("job lookup", "err", err)
		writeError(w, http.StatusInternalServerError, "job lookup failed")
		return
	}
	writeJSON(w, http.StatusOK, j)
}

// isAdmin reports whether the request carries DOCTOWN_ADMIN_TOKEN as its
// bearer token (never, when none is set).
func (s *Server) isAdmin(r *http.Request) bool {
	tok := bearer(r)
	return s.cfg.AdminToken != "" && tok != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.AdminToken)) == 1
}

// handleJobList is the operators' view of the queue: GET /api/jobs?state=failed
// &repo=owner/name&limit=50, most recently changed first. It names private
// repositories and carries build errors, so it needs DOCTOWN_ADMIN_TOKEN as a
// bearer token and is off when none is set.
func (s *Server) handleJobList(w http.ResponseWriter, r *http.Request) {
	if s.cfg.AdminToken == "" {
		writeError(w, http.StatusForbidden, "job listing is disabled: set DOCTOWN_ADMIN_TOKEN")
		return
	}
	if !s.isAdmin(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="doctown-relay"`)
		writeError(w, http.StatusUnauthorized, "admin token required")
		return
	}
	q := r.URL.Query()
	f := jobs.Filter{State: q.Get("state")}
	if f.State != "" && !slices.Contains(jobs.States, f.State) {
		writeError(w, http.StatusBadRequest, "state must be one of "+strings.Join(jobs.States, ", "))
		return
	}
	if repo := q.Get("repo"); repo != "" {
		owner, name, ok := strings.Cut(repo, "/")
		if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
			writeError(w, http.StatusBadRequest, "repo must be owner/name")
			return
		}
		f.Owner, f.Repo = owner, name
	} else if owner := q.Get("owner"); owner != "" {
		f.Owner = owner
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > jobs.MaxList {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit must be 1 to %d", jobs.MaxList))
			return
		}
		f.Limit = n
	}
	list, err := s.jobs.List(r.Context(), f)
	if err != nil {
		s.log.Error("job list", "err", err)
		writeError(w, http.StatusInternalServerError, "job list failed")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"jobs": list})
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := s.q.Check(ctx); err != nil {
		s.log.Error("health check", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unavailable"})
		return
	}
	status := "ok"
	if s.draining.Load() {
		status = "draining"
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": status, "queue": s.q.Dialect(), "dispatch": s.disp.Name()})
}
