package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/relay/commons"
	"github.com/doctown/doctown/relay/store"
)

// Ingest errors, each mapped to an HTTP status by the upload handler.
var (
	// ErrInvalidDocpack: the upload is not a docpack the reader accepts.
	ErrInvalidDocpack = errors.New("invalid docpack")
	// ErrWrongCommit: the docpack documents another repository or commit than the job's.
	ErrWrongCommit = errors.New("docpack is not for this job's repository and commit")
	// ErrJobClosed: the job is not waiting for a docpack (already uploaded, done, failed or canceled).
	ErrJobClosed = errors.New("job is not accepting uploads")
)

// ingest validates the docpack at path for job, stores it, then records it in
// the catalog and marks the job uploaded. Nothing is stored unless the docpack
// is valid and for the job's commit; the catalog only names stored objects.
func (s *Server) ingest(ctx context.Context, job *Job, path string) error {
	log := s.log.With("job_id", job.ID, "repo", job.FullName(), "sha", job.SHA)
	cur, err := getJob(ctx, s.q.db(), job.ID)
	if err != nil {
		return err
	}
	if cur.State != StateDispatched && cur.State != StateRunning {
		return fmt.Errorf("%w (state %s)", ErrJobClosed, cur.State)
	}
	m, err := readManifest(path)
	if err != nil {
		log.Warn("upload refused", "err", err)
		return err
	}
	if !strings.EqualFold(m.Repository.CommitSHA, job.SHA) || !sameRepo(m.Repository, job) {
		log.Warn("upload refused", "manifest_repo", m.Repository.Name, "manifest_sha", m.Repository.CommitSHA)
		return fmt.Errorf("%w: manifest says %s@%s", ErrWrongCommit, m.Repository.Name, m.Repository.CommitSHA)
	}
	var moved bool
	e, err := s.publish(ctx, path, m, publishTarget{Owner: job.Owner, Repo: job.Repo, SHA: job.SHA, Ref: job.Ref, JobID: job.ID, PushedAt: job.CreatedAt},
		func(ctx context.Context, tx queueTx) (bool, error) {
			var err error
			moved, err = setState(ctx, tx, job.ID, StateUploaded, "", s.now(), StateDispatched, StateRunning)
			return moved, err
		})
	if err != nil {
		return err
	}
	if !moved {
		// Another upload for the same job won; the object it stored is the same commit's.
		return ErrJobClosed
	}
	s.metrics.transitions.WithLabelValues(StateUploaded).Inc()
	log.Info("docpack stored", "key", e.Key, "size", e.Size, "symbols", e.SymbolCount)
	return nil
}

// readManifest opens path with the docpack reader (every entry checked: paths,
// sizes, JSON shapes) and returns its manifest; errors wrap ErrInvalidDocpack.
func readManifest(path string) (docpack.Manifest, error) {
	p, err := docpack.Open(path, docpack.WithEagerDocs())
	if err != nil {
		return docpack.Manifest{}, fmt.Errorf("%w: %w", ErrInvalidDocpack, err)
	}
	m := p.Manifest
	p.Close()
	return m, nil
}

// publishTarget is where publish files a docpack: the commit it documents, the
// job that built it ("" for an import) and when that commit was pushed (the
// repository's latest pointer moves only forward in push time).
type publishTarget struct {
	Owner, Repo, SHA, Ref string
	JobID                 string
	PushedAt              time.Time
}

// publish is the one way a validated docpack enters the commons, for uploads,
// local builds and imports: it stores the file at path under store.Key(owner,
// repo, sha), then in one transaction runs before (nil: nothing; false: skip
// the catalog) and records the entry in the catalog, so the catalog only ever
// names stored objects.
func (s *Server) publish(ctx context.Context, path string, m docpack.Manifest, t publishTarget, before func(ctx context.Context, tx queueTx) (bool, error)) (commons.Entry, error) {
	key := store.Key(t.Owner, t.Repo, t.SHA)
	if key == "" {
		return commons.Entry{}, fmt.Errorf("%w: %s/%s@%s", store.ErrInvalidKey, t.Owner, t.Repo, t.SHA)
	}
	f, err := os.Open(path)
	if err != nil {
		return commons.Entry{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return commons.Entry{}, err
	}
	if err := s.store.Put(ctx, key, f, fi.Size()); err != nil {
		s.metrics.storageErrors.WithLabelValues("put").Inc()
		return commons.Entry{}, fmt.Errorf("store docpack: %w", err)
	}
	entry := commons.Entry{
		Owner: t.Owner, Repo: t.Repo, SHA: t.SHA, Ref: t.Ref, Key: key, Size: fi.Size(),
		SymbolCount: m.SymbolCount, Generator: m.Generator.Name, Model: m.Generator.Model, CreatedAt: s.now().UTC(),
	}
	err = s.q.inTx(ctx, func(ctx context.Context, tx queueTx) error {
		if before != nil {
			ok, err := before(ctx, tx)
			if err != nil || !ok {
				return err
			}
		}
		return addEntry(ctx, tx, entry, t.JobID, t.PushedAt)
	})
	if err != nil {
		return commons.Entry{}, err
	}
	return entry, nil
}

// sameRepo reports whether the manifest names the job's repository: "owner/repo"
// (GitHub's full name) or its URL's last two path elements.
func sameRepo(r docpack.Repository, job *Job) bool {
	want := strings.ToLower(job.FullName())
	if strings.ToLower(r.Name) == want {
		return true
	}
	if r.URL != "" {
		u := strings.ToLower(strings.TrimSuffix(strings.TrimSuffix(r.URL, "/"), ".git"))
		return strings.HasSuffix(u, "/"+want) && r.Name == ""
	}
	return false
}

// bearer returns the token of an "Authorization: Bearer …" header.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if t, ok := strings.CutPrefix(h, "Bearer "); ok {
		return strings.TrimSpace(t)
	}
	return ""
}

// authorizeJob checks the request's upload token and returns the job it names.
func (s *Server) authorizeJob(w http.ResponseWriter, r *http.Request) (string, bool) {
	jobID, err := s.tokens.Verify(bearer(r))
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="doctown-relay"`)
		writeError(w, http.StatusUnauthorized, err.Error())
		return "", false
	}
	return jobID, true
}

// handleUpload receives a docpack: multipart form with a job_id field and a
// file part, authorized by the job's upload token. The file is streamed to a
// temporary file (memory does not grow with it) and capped at MaxUpload.
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	status := s.upload(w, r)
	result := "ok"
	if status >= 300 {
		result = strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "_"))
	}
	s.metrics.upload.WithLabelValues(result).Observe(time.Since(start).Seconds())
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request) int {
	tokenJob, ok := s.authorizeJob(w, r)
	if !ok {
		return http.StatusUnauthorized
	}
	fail := func(status int, msg string) int {
		writeError(w, status, msg)
		return status
	}
	log := s.log.With("job_id", tokenJob)
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return fail(http.StatusBadRequest, "expected multipart/form-data")
	}
	var formJob, path string
	defer func() {
		if path != "" {
			os.Remove(path)
		}
	}()
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(readStatus(err), "read upload: "+err.Error())
		}
		switch part.FormName() {
		case "job_id":
			b, err := io.ReadAll(io.LimitReader(part, 256))
			if err != nil {
				return fail(readStatus(err), "read job_id")
			}
			formJob = strings.TrimSpace(string(b))
			if formJob != tokenJob {
				log.Warn("upload refused: token of another job", "form_job_id", formJob)
				return fail(http.StatusForbidden, "the upload token is not for this job")
			}
		case "file":
			if path != "" {
				return fail(http.StatusBadRequest, "more than one file")
			}
			f, err := os.CreateTemp(s.tmpDir, "upload-*.docpack")
			if err != nil {
				return fail(http.StatusInternalServerError, "temporary file")
			}
			path = f.Name()
			n, err := io.Copy(f, io.LimitReader(part, s.cfg.MaxUpload+1))
			cerr := f.Close()
			if err != nil {
				return fail(readStatus(err), "read upload")
			}
			if cerr != nil {
				return fail(http.StatusInternalServerError, "temporary file")
			}
			if n > s.cfg.MaxUpload {
				log.Warn("upload refused: too large", "limit", s.cfg.MaxUpload)
				return fail(http.StatusRequestEntityTooLarge, fmt.Sprintf("docpack larger than %d bytes", s.cfg.MaxUpload))
			}
		}
		part.Close()
	}
	if formJob == "" {
		return fail(http.StatusBadRequest, "missing job_id")
	}
	if path == "" {
		return fail(http.StatusBadRequest, "missing file")
	}
	job, err := getJob(r.Context(), s.q.db(), tokenJob)
	if errors.Is(err, ErrJobNotFound) {
		return fail(http.StatusNotFound, "no such job")
	}
	if err != nil {
		log.Error("upload", "err", err)
		return fail(http.StatusInternalServerError, "job lookup failed")
	}
	err = s.ingest(r.Context(), job, path)
	switch {
	case err == nil:
	case errors.Is(err, ErrInvalidDocpack), errors.Is(err, ErrWrongCommit):
		return fail(http.StatusUnprocessableEntity, err.Error())
	case errors.Is(err, ErrJobClosed):
		return fail(http.StatusConflict, err.Error())
	default:
		log.Error("upload failed", "err", err)
		return fail(http.StatusInternalServerError, "could not store the docpack")
	}
	writeJSON(w, http.StatusCreated, map[string]any{
		"job_id": job.ID, "key": store.Key(job.Owner, job.Repo, job.SHA), "state": StateUploaded,
	})
	return http.StatusCreated
}

// readStatus maps a body read error to a status: 413 past the body limit.
func readStatus(err error) int {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}

// completeRequest is what a builder reports at the end.
type completeRequest struct {
	JobID  string `json:"job_id"`
	Status string `json:"status"` // "success" or "failed"
	Error  string `json:"error,omitempty"`
}

// handleComplete takes a builder's final report. A failure is recorded on the
// job; the dispatcher decides about retries. Success without an upload is a conflict.
func (s *Server) handleComplete(w http.ResponseWriter, r *http.Request) {
	tokenJob, ok := s.authorizeJob(w, r)
	if !ok {
		return
	}
	var req completeRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "malformed JSON")
		return
	}
	if req.JobID != tokenJob {
		writeError(w, http.StatusForbidden, "the upload token is not for this job")
		return
	}
	job, err := getJob(r.Context(), s.q.db(), req.JobID)
	if errors.Is(err, ErrJobNotFound) {
		writeError(w, http.StatusNotFound, "no such job")
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, "job lookup failed")
		return
	}
	log := s.log.With("job_id", job.ID, "repo", job.FullName(), "sha", job.SHA)
	switch req.Status {
	case "success", "succeeded", "completed", "done":
		if job.State != StateUploaded && job.State != StateDone {
			writeError(w, http.StatusConflict, "no docpack was uploaded for this job")
			return
		}
	case "failed", "failure", "error":
		msg := truncate(req.Error, 2000)
		if msg == "" {
			msg = "builder reported a failure"
		}
		if _, err := s.q.db().exec(r.Context(), `UPDATE doctown_jobs SET error = ?, updated_at = ? WHERE id = ? AND state IN (?, ?)`,
			msg, millis(s.now()), job.ID, StateDispatched, StateRunning); err != nil {
			writeError(w, http.StatusInternalServerError, "could not record the failure")
			return
		}
		log.Warn("builder reported failure", "err", msg)
	default:
		writeError(w, http.StatusBadRequest, `status must be "success" or "failed"`)
		return
	}
	job, err = getJob(r.Context(), s.q.db(), req.JobID)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "job lookup failed")
		return
	}
	writeJSON(w, http.StatusOK, job)
}
