package relay

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Job states, in the order a job normally passes through them.
const (
	StateQueued     = "queued"
	StateDispatched = "dispatched"
	StateRunning    = "running"
	StateUploaded   = "uploaded"
	StateDone       = "done"
	StateFailed     = "failed"
	StateCanceled   = "canceled"
)

// JobStates lists every state (metrics report each, even at zero).
var JobStates = []string{StateQueued, StateDispatched, StateRunning, StateUploaded, StateDone, StateFailed, StateCanceled}

// Job is one build of one commit, as the API reports it.
type Job struct {
	ID             string `json:"id"`
	Owner          string `json:"owner"`
	Repo           string `json:"repo"`
	SHA            string `json:"sha"`
	Ref            string `json:"ref,omitempty"`
	InstallationID int64  `json:"-"`
	// Private is GitHub's flag of the repository when the job was queued.
	Private bool   `json:"private,omitempty"`
	State   string `json:"state"`
	// Retrying is set on a queued job whose earlier attempt failed: Error is
	// that attempt's, and River runs the next one after its backoff.
	Retrying   bool      `json:"retrying,omitempty"`
	Attempts   int64     `json:"attempts"`
	Error      string    `json:"error,omitempty"`
	RiverJobID int64     `json:"-"`
	DeliveryID string    `json:"delivery_id,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	// PushedAt is when the commit was last pushed (a force-push back to it
	// included): the repository's latest docpack is that of the newest push.
	PushedAt     time.Time  `json:"pushed_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	DispatchedAt *time.Time `json:"dispatched_at,omitempty"`
	FinishedAt   *time.Time `json:"finished_at,omitempty"`
}

// FullName is "owner/repo".
func (j *Job) FullName() string { return j.Owner + "/" + j.Repo }

// ErrJobNotFound is returned for an unknown job id.
var ErrJobNotFound = errors.New("job not found")

func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func optMillis(ms int64) *time.Time {
	if ms == 0 {
		return nil
	}
	t := fromMillis(ms)
	return &t
}

const jobColumns = `id, owner, repo, sha, ref, installation_id, state, attempts, error, river_job_id, delivery_id, created_at, updated_at, dispatched_at, finished_at, pushed_at, private`

func scanJob(r interface{ Scan(...any) error }) (*Job, error) {
	var j Job
	var created, updated, dispatched, finished, pushed int64
	if err := r.Scan(&j.ID, &j.Owner, &j.Repo, &j.SHA, &j.Ref, &j.InstallationID, &j.State, &j.Attempts, &j.Error,
		&j.RiverJobID, &j.DeliveryID, &created, &updated, &dispatched, &finished, &pushed, &j.Private); err != nil {
		return nil, err
	}
	j.CreatedAt, j.UpdatedAt = fromMillis(created), fromMillis(updated)
	j.PushedAt = j.CreatedAt
	if pushed != 0 {
		j.PushedAt = fromMillis(pushed)
	}
	j.DispatchedAt, j.FinishedAt = optMillis(dispatched), optMillis(finished)
	j.Retrying = j.State == StateQueued && j.Attempts > 0 && j.Error != ""
	return &j, nil
}

func getJob(ctx context.Context, db querier, id string) (*Job, error) {
	r, err := db.query(ctx, `SELECT `+jobColumns+` FROM doctown_jobs WHERE id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("get job: %w", err)
	}
	defer r.Close()
	if !r.Next() {
		if err := r.Err(); err != nil {
			return nil, fmt.Errorf("get job: %w", err)
		}
		return nil, ErrJobNotFound
	}
	j, err := scanJob(r)
	if err != nil {
		return nil, fmt.Errorf("get job: %w", err)
	}
	return j, nil
}

// JobFilter selects jobs for a listing; zero fields select everything.
type JobFilter struct {
	State       string
	Owner, Repo string
	// Limit bounds the answer: 1 to maxJobList, default 50.
	Limit int
}

const maxJobList = 500

// listJobs returns the jobs f selects, most recently changed first.
func listJobs(ctx context.Context, db querier, f JobFilter) ([]*Job, error) {
	q := `SELECT ` + jobColumns + ` FROM doctown_jobs WHERE 1 = 1`
	var args []any
	if f.State != "" {
		q += ` AND state = ?`
		args = append(args, f.State)
	}
	if f.Owner != "" {
		q += ` AND LOWER(owner) = ?`
		args = append(args, strings.ToLower(f.Owner))
	}
	if f.Repo != "" {
		q += ` AND LOWER(repo) = ?`
		args = append(args, strings.ToLower(f.Repo))
	}
	limit := f.Limit
	if limit <= 0 || limit > maxJobList {
		limit = 50
	}
	q += ` ORDER BY updated_at DESC, id ASC LIMIT ?`
	args = append(args, limit)
	r, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	defer r.Close()
	out := []*Job{}
	for r.Next() {
		j, err := scanJob(r)
		if err != nil {
			return nil, fmt.Errorf("list jobs: %w", err)
		}
		out = append(out, j)
	}
	return out, r.Err()
}

// jobRequest is what a webhook (or a lookup) asks to build.
type jobRequest struct {
	Owner, Repo, SHA, Ref string
	InstallationID        int64
	DeliveryID            string
	Private               bool
}

// enqueueResult says what enqueue did.
type enqueueResult struct {
	JobID string `json:"job_id"`
	Repo  string `json:"repo"`
	SHA   string `json:"sha"`
	// Duplicate is set when the commit already had a job (queued, running or done).
	Duplicate bool `json:"duplicate,omitempty"`
}

// enqueueBuild records a job row and its River job in tx. A commit that already
// has a live or finished job gets no second one; a failed or canceled one is
// queued again.
func enqueueBuild(ctx context.Context, tx queueTx, req jobRequest, now time.Time) (enqueueResult, error) {
	res := enqueueResult{Repo: req.Owner + "/" + req.Repo, SHA: req.SHA}
	id := randomHex(8)
	n, err := tx.exec(ctx, `INSERT INTO doctown_jobs (id, owner, repo, sha, ref, installation_id, state, delivery_id, created_at, updated_at, pushed_at, private)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (owner, repo, sha) DO NOTHING`,
		id, req.Owner, req.Repo, req.SHA, req.Ref, req.InstallationID, StateQueued, req.DeliveryID, millis(now), millis(now), millis(now), req.Private)
	if err != nil {
		return res, fmt.Errorf("record job: %w", err)
	}
	if n == 0 {
		var state string
		if err := queryRow(ctx, tx, `SELECT id, state FROM doctown_jobs WHERE owner = ? AND repo = ? AND sha = ?`,
			[]any{req.Owner, req.Repo, req.SHA}, &id, &state); err != nil {
			return res, fmt.Errorf("record job: %w", err)
		}
		res.JobID = id
		if state != StateFailed && state != StateCanceled {
			res.Duplicate = true
			return res, repush(ctx, tx, id, req, now)
		}
		if _, err := tx.exec(ctx, `UPDATE doctown_jobs SET state = ?, error = '', installation_id = ?, delivery_id = ?, updated_at = ?, finished_at = 0, pushed_at = ?, private = ? WHERE id = ?`,
			StateQueued, req.InstallationID, req.DeliveryID, millis(now), millis(now), req.Private, id); err != nil {
			return res, fmt.Errorf("requeue job: %w", err)
		}
	}
	res.JobID = id
	riverID, _, err := tx.insert(ctx, BuildArgs{JobID: id, Owner: req.Owner, Repo: req.Repo, SHA: req.SHA, Ref: req.Ref, InstallationID: req.InstallationID}, nil)
	if err != nil {
		return res, err
	}
	if _, err := tx.exec(ctx, `UPDATE doctown_jobs SET river_job_id = ? WHERE id = ?`, riverID, id); err != nil {
		return res, fmt.Errorf("record job: %w", err)
	}
	return res, nil
}

// repush records a new push of a commit that already has a job (a force-push
// back to it): the job's push time moves to now, and when its docpack is
// stored the repository's latest pointer moves back to it — latest follows the
// newest push, whether or not its commit was built before.
func repush(ctx context.Context, tx querier, jobID string, req jobRequest, now time.Time) error {
	// A repository made private since stays private from this push on.
	if _, err := tx.exec(ctx, `UPDATE doctown_jobs SET pushed_at = ?, private = ? WHERE id = ? AND pushed_at < ?`, millis(now), req.Private, jobID, millis(now)); err != nil {
		return fmt.Errorf("record push: %w", err)
	}
	if _, err := tx.exec(ctx, `UPDATE doctown_docpacks SET private = ? WHERE owner = ? AND repo = ?`, req.Private, req.Owner, req.Repo); err != nil {
		return fmt.Errorf("record push: %w", err)
	}
	if _, err := tx.exec(ctx, `INSERT INTO doctown_latest (owner, repo, sha, pushed_at)
		SELECT owner, repo, sha, ? FROM doctown_docpacks WHERE owner = ? AND repo = ? AND sha = ?
		ON CONFLICT (owner, repo) DO UPDATE SET sha = excluded.sha, pushed_at = excluded.pushed_at
		WHERE doctown_latest.pushed_at <= excluded.pushed_at`,
		millis(now), req.Owner, req.Repo, req.SHA); err != nil {
		return fmt.Errorf("record push: %w", err)
	}
	return nil
}

// recordDelivery stores a delivery id; false when it was seen before.
func recordDelivery(ctx context.Context, tx querier, id, event string, now time.Time) (bool, error) {
	n, err := tx.exec(ctx, `INSERT INTO doctown_deliveries (id, event, received_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		id, event, millis(now))
	if err != nil {
		return false, fmt.Errorf("record delivery: %w", err)
	}
	return n == 1, nil
}

// deliveryRetention is how long a delivery id is remembered: GitHub redelivers
// deliveries of the past three days, so an older id cannot come back.
const deliveryRetention = 4 * 24 * time.Hour

// pruneDeliveries forgets the deliveries received before before.
func pruneDeliveries(ctx context.Context, db querier, before time.Time) (int64, error) {
	n, err := db.exec(ctx, `DELETE FROM doctown_deliveries WHERE received_at < ?`, millis(before))
	if err != nil {
		return 0, fmt.Errorf("prune deliveries: %w", err)
	}
	return n, nil
}

// JobStore makes every state change of a job after it is queued: the one
// writer of doctown_jobs.state, so each transition's guard (the states it may
// come from), its side columns and its metric live in one place. Workers,
// handlers and sweepers call it; none writes the state themselves.
type JobStore struct {
	db          func() querier
	now         func() time.Time
	transitions interface {
		WithLabelValues(...string) prometheus.Counter
	}
}

// Get returns one job.
func (st *JobStore) Get(ctx context.Context, id string) (*Job, error) {
	return getJob(ctx, st.db(), id)
}

// move is setState plus the transition metric.
func (st *JobStore) move(ctx context.Context, q querier, id, to, errText string, from ...string) (bool, error) {
	if q == nil {
		q = st.db()
	}
	ok, err := setState(ctx, q, id, to, errText, st.now(), from...)
	if ok {
		st.transitions.WithLabelValues(to).Inc()
	}
	return ok, err
}

// Dispatched starts an attempt on worker (this relay's instance): attempts
// counts it, and its heartbeat starts now.
func (st *JobStore) Dispatched(ctx context.Context, id, worker string) error {
	if _, err := st.move(ctx, nil, id, StateDispatched, ""); err != nil {
		return err
	}
	if _, err := st.db().exec(ctx, `UPDATE doctown_jobs SET worker = ?, heartbeat_at = ? WHERE id = ?`, worker, millis(st.now()), id); err != nil {
		return fmt.Errorf("job %s: heartbeat: %w", id, err)
	}
	return nil
}

// Running records that the build really started.
func (st *JobStore) Running(ctx context.Context, id string) error {
	_, err := st.move(ctx, nil, id, StateRunning, "", StateDispatched)
	return err
}

// ClaimUpload takes the job for one upload, in tx: false when it is not
// waiting for one (another upload won, or it ended).
func (st *JobStore) ClaimUpload(ctx context.Context, tx querier, id string) (bool, error) {
	return st.move(ctx, tx, id, StateUploaded, "", StateDispatched, StateRunning)
}

// ReleaseUpload gives a claimed job back to its attempt when its docpack
// could not be stored after all.
func (st *JobStore) ReleaseUpload(ctx context.Context, id string, cause error) error {
	_, err := st.move(ctx, nil, id, StateRunning, truncate(cause.Error(), 500), StateUploaded)
	return err
}

// Done ends a job whose docpack is stored.
func (st *JobStore) Done(ctx context.Context, id string) (bool, error) {
	return st.move(ctx, nil, id, StateDone, "", StateUploaded)
}

// AttemptFailed records a failed attempt (msg already redacted): queued
// again, or failed when it was the last.
func (st *JobStore) AttemptFailed(ctx context.Context, id string, final bool, msg string) error {
	to := StateQueued
	if final {
		to = StateFailed
	}
	_, err := st.move(ctx, nil, id, to, msg, StateDispatched, StateRunning)
	return err
}

// Cancel cancels a queued job in tx.
func (st *JobStore) Cancel(ctx context.Context, tx querier, id, reason string) (bool, error) {
	return st.move(ctx, tx, id, StateCanceled, reason, StateQueued)
}

// BuilderFailed records a builder's own failure report on a live attempt;
// the state stays, the dispatcher decides about the attempt.
func (st *JobStore) BuilderFailed(ctx context.Context, id, msg string) error {
	_, err := st.db().exec(ctx, `UPDATE doctown_jobs SET error = ?, updated_at = ? WHERE id = ? AND state IN (?, ?)`,
		msg, millis(st.now()), id, StateDispatched, StateRunning)
	return err
}

// setState moves a job to state, only from one of the states in from (any when
// from is empty). It reports whether the row changed.
func setState(ctx context.Context, db querier, id, state, errText string, now time.Time, from ...string) (bool, error) {
	q := `UPDATE doctown_jobs SET state = ?, error = ?, updated_at = ?`
	args := []any{state, errText, millis(now)}
	switch state {
	case StateDispatched:
		q += `, dispatched_at = ?, attempts = attempts + 1`
		args = append(args, millis(now))
	case StateDone, StateFailed, StateCanceled:
		q += `, finished_at = ?`
		args = append(args, millis(now))
	}
	q += ` WHERE id = ?`
	args = append(args, id)
	if len(from) > 0 {
		q += ` AND state IN (?` + repeat(",?", len(from)-1) + `)`
		for _, f := range from {
			args = append(args, f)
		}
	}
	n, err := db.exec(ctx, q, args...)
	if err != nil {
		return false, fmt.Errorf("job %s: set state %s: %w", id, state, err)
	}
	return n > 0, nil
}

func repeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}

// pendingJobs lists the jobs not yet dispatched for an installation, optionally
// only of the given repositories ("owner/repo").
func pendingJobs(ctx context.Context, db querier, installationID int64, repos []string) ([]*Job, error) {
	q := `SELECT ` + jobColumns + ` FROM doctown_jobs WHERE state = ?`
	args := []any{StateQueued}
	if installationID != 0 {
		q += ` AND installation_id = ?`
		args = append(args, installationID)
	}
	r, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("pending jobs: %w", err)
	}
	defer r.Close()
	want := map[string]bool{}
	for _, n := range repos {
		want[n] = true
	}
	var out []*Job
	for r.Next() {
		j, err := scanJob(r)
		if err != nil {
			return nil, fmt.Errorf("pending jobs: %w", err)
		}
		if len(repos) == 0 || want[j.FullName()] {
			out = append(out, j)
		}
	}
	return out, r.Err()
}

// countJobs counts jobs by state.
func countJobs(ctx context.Context, db querier) (map[string]int64, error) {
	r, err := db.query(ctx, `SELECT state, COUNT(*) FROM doctown_jobs GROUP BY state`)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	out := map[string]int64{}
	for r.Next() {
		var s string
		var n int64
		if err := r.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, r.Err()
}
