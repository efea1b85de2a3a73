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
	"github.com/doctown/doctown/relay/catalog"
	"github.com/doctown/doctown/relay/commons"
	"github.com/doctown/doctown/relay/config"
	"github.com/doctown/doctown/relay/jobs"
	"github.com/doctown/doctown/relay/queue"
	"github.com/doctown/doctown/relay/secret"
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
func (s *Server) ingest(ctx context.Context, job *jobs.Job, path string) error {
	log := s.log.With("job_id", job.ID, "repo", job.FullName(), "sha", job.SHA)
	cur, err := s.jobs.Get(ctx, job.ID)
	if err != nil {
		return err
	}
	if cur.State != jobs.StateDispatched && cur.State != jobs.StateRunning {
		return fmt.Errorf("%w (state %s)", ErrJobClosed, cur.State)
	}
	cp, err := checkDocpack(path)
	if err != nil {
		log.Warn("upload refused", "err", err)
		return err
	}
	defer cp.close()
	m, cards := cp.pack.Manifest, commons.Cards(cp.pack)
	if !strings.EqualFold(m.Repository.CommitSHA, job.SHA) || !sameRepo(m.Repository, job) {
		log.Warn("upload refused", "manifest_repo", m.Repository.Name, "manifest_sha", m.Repository.CommitSHA)
		return fmt.Errorf("%w: manifest says %s@%s", ErrWrongCommit, m.Repository.Name, m.Repository.CommitSHA)
	}
	e, err := s.publish(ctx, path, m, cards, publishTarget{Owner: cur.Owner, Repo: cur.Repo, SHA: cur.SHA, Ref: cur.Ref, JobID: cur.ID, PushedAt: cur.PushedAt, Private: cur.Private, Pull: cur.Pull},
		func(ctx context.Context, tx queue.Tx) (bool, error) {
			return s.jobs.ClaimUpload(ctx, tx, job.ID)
		},
		func(ctx context.Context, cause error) {
			// The claim stands for nothing stored: give the job back to its attempt.
			if err := s.jobs.ReleaseUpload(ctx, job.ID, cause); err != nil {
				log.Error("release claim", "err", err)
			}
		})
	if err != nil {
		return err
	}
	cp.adopt(s.commons, e.Key)
	log.Info("docpack stored", "key", e.Key, "size", e.Size, "symbols", e.SymbolCount)
	return nil
}

// checkDocpack checks the docpack at path as `doctown validate` does (every
// entry, schema, ids and counts; every entry, the ones readers ignore too,
// inflates to exactly the size its header declares: a docpack is served to
// browsers and tools that trust the headers) and returns what that one
// reading (docpack.Check) made: the manifest, the crates' cards for the
// commons home (commons.Cards), and the pack itself, which the commons adopts
// once it is stored (see adopt). Errors wrap ErrInvalidDocpack and never
// name path (a temporary file of this server).
func checkDocpack(path string) (*checkedPack, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open docpack: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open docpack: %w", err)
	}
	p, problems := docpack.Check(f, fi.Size())
	if p == nil {
		f.Close()
		var msgs []string
		for _, p := range problems {
			if p.Severity == docpack.SeverityError && len(msgs) < 3 {
				msgs = append(msgs, p.String())
			}
		}
		return nil, fmt.Errorf("%w: %s", ErrInvalidDocpack, strings.Join(msgs, "; "))
	}
	return &checkedPack{pack: p, file: f}, nil
}

// checkedPack is an upload read by checkDocpack, with the open file its
// docs are read from.
type checkedPack struct {
	pack *docpack.Pack
	file *os.File
}

// adopt hands the pack to the commons' cache as the docpack stored under key,
// so that nothing decodes it a second time (the job's API diff, its first
// page views).
func (c *checkedPack) adopt(h *commons.Handler, key string) {
	h.Adopt(key, c.pack, c.file)
	c.file = nil
}

// close closes the file unless the commons adopted it.
func (c *checkedPack) close() {
	if c.file != nil {
		c.file.Close()
	}
}

// publishTarget is where publish files a docpack: the commit it documents, the
// job that built it ("" for an import) and when that commit was pushed (the
// repository's latest pointer moves only forward in push time).
type publishTarget struct {
	Owner, Repo, SHA, Ref string
	JobID                 string
	PushedAt              time.Time
	Private               bool
	// Pull is the pull request a preview shows (0: a pushed commit).
	Pull int
}

// publish is the one way a validated docpack enters the commons, for uploads,
// local builds and imports. The file goes to a fresh incoming key first; claim
// (nil for an import) then takes the job in the database — false means another
// upload won, and ErrJobClosed is returned with nothing at the final key; only
// then is the object renamed to store.Key(owner, repo, sha) and recorded in
// the catalog. So the bytes at a key are the accepted upload's, and the
// catalog only ever names stored objects.
func (s *Server) publish(ctx context.Context, path string, m docpack.Manifest, cards []commons.CrateCard, t publishTarget, claim func(ctx context.Context, tx queue.Tx) (bool, error), unclaim func(ctx context.Context, cause error)) (commons.Entry, error) {
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
	name := t.JobID
	if name == "" {
		name = "import"
	}
	tmpKey := store.IncomingKey(name)
	if err := s.store.Put(ctx, tmpKey, f, fi.Size()); err != nil {
		s.metrics.storageErrors.WithLabelValues("put").Inc()
		return commons.Entry{}, fmt.Errorf("store docpack: %w", err)
	}
	renamed := false
	defer func() {
		if !renamed {
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if err := s.store.Delete(dctx, tmpKey); err != nil {
				s.log.Warn("remove incoming docpack", "key", tmpKey, "err", err)
			}
		}
	}()
	if claim != nil {
		won := false
		if err := s.q.InTx(ctx, func(ctx context.Context, tx queue.Tx) error {
			var err error
			won, err = claim(ctx, tx)
			return err
		}); err != nil {
			return commons.Entry{}, err
		}
		if !won {
			return commons.Entry{}, ErrJobClosed
		}
	}
	if err := s.store.Rename(ctx, tmpKey, key); err != nil {
		s.metrics.storageErrors.WithLabelValues("rename").Inc()
		err = fmt.Errorf("store docpack: %w", err)
		if unclaim != nil {
			unclaim(context.WithoutCancel(ctx), err)
		}
		return commons.Entry{}, err
	}
	renamed = true
	entry := commons.Entry{
		Owner: t.Owner, Repo: t.Repo, SHA: t.SHA, Ref: t.Ref, Key: key, Size: fi.Size(),
		SymbolCount: m.SymbolCount, Generator: m.Generator.Name, Model: m.Generator.Model, CreatedAt: s.now().UTC(),
		Crates: cards,
		Pull:   t.Pull,
	}
	// The job is claimed: record the entry even if the request went away.
	err = s.q.InTx(context.WithoutCancel(ctx), func(ctx context.Context, tx queue.Tx) error {
		return catalog.Add(ctx, tx, entry, t.JobID, t.PushedAt, t.Private)
	})
	if err != nil {
		return commons.Entry{}, err
	}
	return entry, nil
}

// sameRepo reports whether the manifest names the job's repository: "owner/repo"
// (GitHub's full name) or its URL's last two path elements.
func sameRepo(r docpack.Repository, job *jobs.Job) bool {
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
	// A docpack of hundreds of MB takes longer than the server's read timeout.
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Now().Add(config.UploadReadTimeout))
	rc.SetWriteDeadline(time.Now().Add(config.UploadReadTimeout + time.Minute))
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return fail(http.StatusBadRequest, "expected multipart/form-data")
	}
	var formJob, path string
	defer func() {
		if path != "" {
			if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
				log.Warn("remove uploaded file", "err", err)
			}
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
	job, err := s.jobs.Get(r.Context(), tokenJob)
	if errors.Is(err, jobs.ErrJobNotFound) {
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
		"job_id": job.ID, "key": store.Key(job.Owner, job.Repo, job.SHA), "state": jobs.StateUploaded,
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
	job, err := s.jobs.Get(r.Context(), req.JobID)
	if errors.Is(err, jobs.ErrJobNotFound) {
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
		if job.State != jobs.StateUploaded && job.State != jobs.StateDone {
			writeError(w, http.StatusConflict, "no docpack was uploaded for this job")
			return
		}
	case "failed", "failure", "error":
		msg := secret.Redact(req.Error, 2000)
		if msg == "" {
			msg = "builder reported a failure"
		}
		if err := s.jobs.BuilderFailed(r.Context(), job.ID, msg); err != nil {
			writeError(w, http.StatusInternalServerError, "could not record the failure")
			return
		}
		log.Warn("builder reported failure", "err", msg)
	default:
		writeError(w, http.StatusBadRequest, `status must be "success" or "failed"`)
		return
	}
	job, err = s.jobs.Get(r.Context(), req.JobID)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "job lookup failed")
		return
	}
	writeJSON(w, http.StatusOK, job)
}
