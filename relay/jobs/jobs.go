// Package jobs owns a job's life: one build of one commit, from queued to
// done or failed. Store is the only writer of a job's state (each transition
// with its guard, side columns and metric); River carries the work (BuildArgs,
// ResolveArgs), the relay's workers and handlers call Store, and dispatchers
// only return outcomes.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/doctown/doctown/relay/queue"
	"github.com/doctown/doctown/relay/secret"
)

// BuildArgs are the River arguments of a build job. River keeps one job per
// (owner, repo, sha) alive at a time; the relay's own table is unique on the
// same three columns.
type BuildArgs struct {
	JobID          string `json:"job_id"`
	Owner          string `json:"owner" river:"unique"`
	Repo           string `json:"repo" river:"unique"`
	SHA            string `json:"sha" river:"unique"`
	Ref            string `json:"ref"`
	InstallationID int64  `json:"installation_id"`
	Private        bool   `json:"private,omitempty"`
	// Pull is the pull request whose head this builds (0: a push).
	Pull int `json:"pull,omitempty"`
}

// Kind names the job kind in River's table.
func (BuildArgs) Kind() string { return "doctown_build" }

// InsertOpts makes build jobs unique by their tagged fields while live.
func (BuildArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: liveUnique}
}

// liveUnique makes a River job unique by its tagged arguments among the jobs
// not finished. River's default also counts completed jobs (until its
// cleaner deletes them, a day later): a failed build, whose River job the
// relay completes, could then not be queued again by a new push of its
// commit — the insert was skipped as a duplicate of the finished job and the
// relay's job stayed queued for good.
var liveUnique = river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
	rivertype.JobStateRunning, rivertype.JobStateScheduled,
}}

// ResolveArgs are a job that looks up a repository's default branch and head
// commit (the installation payloads do not carry them) and then enqueues its build.
type ResolveArgs struct {
	Owner          string `json:"owner" river:"unique"`
	Repo           string `json:"repo" river:"unique"`
	InstallationID int64  `json:"installation_id" river:"unique"`
	DeliveryID     string `json:"delivery_id"`
	Private        bool   `json:"private,omitempty"`
}

// Kind names the job kind in River's table.
func (ResolveArgs) Kind() string { return "doctown_resolve" }

// InsertOpts runs lookups on their own queue, unique while live (a
// repository added to the installation again after a lookup runs it again).
func (ResolveArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: ResolveQueue, UniqueOpts: liveUnique}
}

// ResolveQueue is the River queue of lookups, apart from the builds.
const ResolveQueue = "resolve"

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

// States lists every state (metrics report each, even at zero).
var States = []string{StateQueued, StateDispatched, StateRunning, StateUploaded, StateDone, StateFailed, StateCanceled}

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
	// Pull is the pull request whose head the job builds, as a preview that
	// never becomes the repository's latest (0: a pushed commit).
	Pull int `json:"pull,omitempty"`
	// CheckRunID is the GitHub check run reporting the job (0: none).
	CheckRunID int64 `json:"-"`
}

// FullName is "owner/repo".
func (j *Job) FullName() string { return j.Owner + "/" + j.Repo }

// ErrJobNotFound is returned for an unknown job id.
var ErrJobNotFound = errors.New("job not found")

const jobColumns = `id, owner, repo, sha, ref, installation_id, state, attempts, error, river_job_id, delivery_id, created_at, updated_at, dispatched_at, finished_at, pushed_at, private, pull, check_run_id`

func scanJob(r interface{ Scan(...any) error }) (*Job, error) {
	var j Job
	var created, updated, dispatched, finished, pushed, pull int64
	if err := r.Scan(&j.ID, &j.Owner, &j.Repo, &j.SHA, &j.Ref, &j.InstallationID, &j.State, &j.Attempts, &j.Error,
		&j.RiverJobID, &j.DeliveryID, &created, &updated, &dispatched, &finished, &pushed, &j.Private, &pull, &j.CheckRunID); err != nil {
		return nil, err
	}
	j.Pull = int(pull)
	j.CreatedAt, j.UpdatedAt = queue.FromMillis(created), queue.FromMillis(updated)
	j.PushedAt = j.CreatedAt
	if pushed != 0 {
		j.PushedAt = queue.FromMillis(pushed)
	}
	j.DispatchedAt, j.FinishedAt = queue.OptMillis(dispatched), queue.OptMillis(finished)
	j.Retrying = j.State == StateQueued && j.Attempts > 0 && j.Error != ""
	return &j, nil
}

func getJob(ctx context.Context, db queue.Querier, id string) (*Job, error) {
	r, err := db.Query(ctx, `SELECT `+jobColumns+` FROM doctown_jobs WHERE id = ?`, id)
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

// Filter selects jobs for a listing; zero fields select everything.
type Filter struct {
	State       string
	Owner, Repo string
	// Limit bounds the answer: 1 to MaxList, default 50.
	Limit int
}

// MaxList is the most jobs one List returns.
const MaxList = 500

// List returns the jobs f selects, most recently changed first.
func (st *Store) List(ctx context.Context, f Filter) ([]*Job, error) {
	db := st.q.DB()
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
	if limit <= 0 || limit > MaxList {
		limit = 50
	}
	q += ` ORDER BY updated_at DESC, id ASC LIMIT ?`
	args = append(args, limit)
	r, err := db.Query(ctx, q, args...)
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

// Request is what a webhook (or a lookup) asks to build.
type Request struct {
	Owner, Repo, SHA, Ref string
	InstallationID        int64
	DeliveryID            string
	Private               bool
	// Pull is the pull request whose head SHA is (0: a push).
	Pull int
}

// Enqueued says what Enqueue did.
type Enqueued struct {
	JobID string `json:"job_id"`
	Repo  string `json:"repo"`
	SHA   string `json:"sha"`
	// Duplicate is set when the commit already had a job (queued, running or done).
	Duplicate bool `json:"duplicate,omitempty"`
	// PushedAt is the push time recorded (the repository's latest pointer
	// follows the newest push).
	PushedAt time.Time `json:"-"`
}

// Enqueue records a job row and its River job in tx. A commit that already
// has a live or finished job gets no second one (Duplicate: a push moves its
// push time to now, and a job queued for a pull request's head becomes the
// push's); a failed or canceled one is queued again. A pull request's head
// that already has a job is only a Duplicate: its preview is that docpack.
func (st *Store) Enqueue(ctx context.Context, tx queue.Tx, req Request) (Enqueued, error) {
	now := st.now()
	res := Enqueued{Repo: req.Owner + "/" + req.Repo, SHA: req.SHA, PushedAt: now}
	id := secret.Hex(8)
	n, err := tx.Exec(ctx, `INSERT INTO doctown_jobs (id, owner, repo, sha, ref, installation_id, state, delivery_id, created_at, updated_at, pushed_at, private, pull)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (owner, repo, sha) DO NOTHING`,
		id, req.Owner, req.Repo, req.SHA, req.Ref, req.InstallationID, StateQueued, req.DeliveryID, queue.Millis(now), queue.Millis(now), queue.Millis(now), req.Private, int64(req.Pull))
	if err != nil {
		return res, fmt.Errorf("record job: %w", err)
	}
	if n == 0 {
		var state string
		var pull int64
		if err := queue.QueryRow(ctx, tx, `SELECT id, state, pull FROM doctown_jobs WHERE owner = ? AND repo = ? AND sha = ?`,
			[]any{req.Owner, req.Repo, req.SHA}, &id, &state, &pull); err != nil {
			return res, fmt.Errorf("record job: %w", err)
		}
		res.JobID = id
		if state != StateFailed && state != StateCanceled {
			res.Duplicate = true
			if req.Pull != 0 {
				return res, nil
			}
			return res, repush(ctx, tx, id, req, now)
		}
		if req.Pull != 0 && pull == 0 {
			// A failed push build stays the push's when a pull request names it.
			req.Pull, req.Ref = 0, ""
		}
		if _, err := tx.Exec(ctx, `UPDATE doctown_jobs SET state = ?, error = '', installation_id = ?, delivery_id = ?, updated_at = ?, finished_at = 0, pushed_at = ?, private = ?,
			pull = ?, ref = CASE WHEN ? = '' THEN ref ELSE ? END WHERE id = ?`,
			StateQueued, req.InstallationID, req.DeliveryID, queue.Millis(now), queue.Millis(now), req.Private, int64(req.Pull), req.Ref, req.Ref, id); err != nil {
			return res, fmt.Errorf("requeue job: %w", err)
		}
		if err := queue.QueryRow(ctx, tx, `SELECT ref, pull FROM doctown_jobs WHERE id = ?`, []any{id}, &req.Ref, &pull); err != nil {
			return res, fmt.Errorf("requeue job: %w", err)
		}
		req.Pull = int(pull)
	}
	res.JobID = id
	// In a webhook's shared transaction River's insert comes after every
	// request's own writes (queue.Tx.InsertThen); the job row learns its
	// River job then.
	err = tx.InsertThen(ctx, BuildArgs{JobID: id, Owner: req.Owner, Repo: req.Repo, SHA: req.SHA, Ref: req.Ref, InstallationID: req.InstallationID, Pull: req.Pull}, nil,
		func(ctx context.Context, riverID int64) error {
			if _, err := tx.Exec(ctx, `UPDATE doctown_jobs SET river_job_id = ? WHERE id = ?`, riverID, id); err != nil {
				return fmt.Errorf("record job: %w", err)
			}
			return nil
		})
	return res, err
}

// repush records a new push of a commit that already has a job (a force-push
// back to it): the job's push time moves to now. The catalog moves the
// repository's latest pointer (catalog.Repushed) in the same transaction.
func repush(ctx context.Context, tx queue.Querier, jobID string, req Request, now time.Time) error {
	// A repository made private since stays private from this push on.
	if _, err := tx.Exec(ctx, `UPDATE doctown_jobs SET pushed_at = ?, private = ? WHERE id = ? AND pushed_at < ?`, queue.Millis(now), req.Private, jobID, queue.Millis(now)); err != nil {
		return fmt.Errorf("record push: %w", err)
	}
	// A pull request's head pushed as it is: the job is the push's now, so
	// its docpack (when it arrives) moves latest.
	if _, err := tx.Exec(ctx, `UPDATE doctown_jobs SET pull = 0, ref = ? WHERE id = ? AND pull != 0`, req.Ref, jobID); err != nil {
		return fmt.Errorf("record push: %w", err)
	}
	return nil
}

// SetCheckRun records the check run that reports a job.
func (st *Store) SetCheckRun(ctx context.Context, id string, checkRunID int64) error {
	if _, err := st.q.DB().Exec(ctx, `UPDATE doctown_jobs SET check_run_id = ? WHERE id = ?`, checkRunID, id); err != nil {
		return fmt.Errorf("job %s: check run: %w", id, err)
	}
	return nil
}

// RecordDelivery stores a delivery id in tx; false when it was seen before.
func (st *Store) RecordDelivery(ctx context.Context, tx queue.Querier, id, event string) (bool, error) {
	n, err := tx.Exec(ctx, `INSERT INTO doctown_deliveries (id, event, received_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		id, event, queue.Millis(st.now()))
	if err != nil {
		return false, fmt.Errorf("record delivery: %w", err)
	}
	return n == 1, nil
}

// DeliveryRetention is how long a delivery id is remembered: GitHub redelivers
// deliveries of the past three days, so an older id cannot come back.
const DeliveryRetention = 4 * 24 * time.Hour

// PruneDeliveries forgets the deliveries received before before.
func (st *Store) PruneDeliveries(ctx context.Context, before time.Time) (int64, error) {
	n, err := st.q.DB().Exec(ctx, `DELETE FROM doctown_deliveries WHERE received_at < ?`, queue.Millis(before))
	if err != nil {
		return 0, fmt.Errorf("prune deliveries: %w", err)
	}
	return n, nil
}

// DeliverySeen reports whether a delivery id was recorded.
func (st *Store) DeliverySeen(ctx context.Context, id string) (bool, error) {
	var seen int64
	if err := queue.QueryRow(ctx, st.q.DB(), `SELECT COUNT(*) FROM doctown_deliveries WHERE id = ?`, []any{id}, &seen); err != nil {
		return false, fmt.Errorf("delivery seen: %w", err)
	}
	return seen > 0, nil
}

// Store makes every state change of a job after it is queued: the one
// writer of doctown_jobs.state, so each transition's guard (the states it may
// come from), its side columns and its metric live in one place. Workers,
// handlers and sweepers call it; none writes the state themselves.
type Store struct {
	q           queue.Queue
	now         func() time.Time
	transitions Counter
}

// Counter counts transitions by the state entered (a Prometheus CounterVec).
type Counter interface {
	WithLabelValues(...string) prometheus.Counter
}

// NewStore keeps jobs in q's database; transitions counts each state change.
func NewStore(q queue.Queue, now func() time.Time, transitions Counter) *Store {
	return &Store{q: q, now: now, transitions: transitions}
}

// Get returns one job.
func (st *Store) Get(ctx context.Context, id string) (*Job, error) {
	return getJob(ctx, st.q.DB(), id)
}

// move is setState plus the transition metric.
func (st *Store) move(ctx context.Context, q queue.Querier, id, to, errText string, from ...string) (bool, error) {
	if q == nil {
		q = st.q.DB()
	}
	ok, err := setState(ctx, q, id, to, errText, st.now(), from...)
	if ok {
		st.transitions.WithLabelValues(to).Inc()
	}
	return ok, err
}

// Dispatched starts an attempt on worker (this relay's instance): attempts
// counts it, and its heartbeat starts now.
func (st *Store) Dispatched(ctx context.Context, id, worker string) error {
	if _, err := st.move(ctx, nil, id, StateDispatched, ""); err != nil {
		return err
	}
	if _, err := st.q.DB().Exec(ctx, `UPDATE doctown_jobs SET worker = ?, heartbeat_at = ? WHERE id = ?`, worker, queue.Millis(st.now()), id); err != nil {
		return fmt.Errorf("job %s: heartbeat: %w", id, err)
	}
	return nil
}

// Running records that the build really started.
func (st *Store) Running(ctx context.Context, id string) error {
	_, err := st.move(ctx, nil, id, StateRunning, "", StateDispatched)
	return err
}

// ClaimUpload takes the job for one upload, in tx: false when it is not
// waiting for one (another upload won, or it ended).
func (st *Store) ClaimUpload(ctx context.Context, tx queue.Querier, id string) (bool, error) {
	return st.move(ctx, tx, id, StateUploaded, "", StateDispatched, StateRunning)
}

// ReleaseUpload gives a claimed job back to its attempt when its docpack
// could not be stored after all.
func (st *Store) ReleaseUpload(ctx context.Context, id string, cause error) error {
	_, err := st.move(ctx, nil, id, StateRunning, secret.Truncate(cause.Error(), 500), StateUploaded)
	return err
}

// ErrNotUploaded: Done was asked to end a job that has no stored docpack
// (it was queued again, failed or canceled meanwhile); River's job is left
// to its retries.
var ErrNotUploaded = errors.New("job has no stored docpack")

// Done ends a job whose docpack is stored, and its River job (attempt, which
// must be running in this River worker's ctx), in one transaction: River's
// JobCompleteTx commits with the state change, so no crash or failure
// between the two can leave the job done for the relay and running for
// River, or the reverse. A job already done only completes River's job;
// false reports that.
func (st *Store) Done(ctx context.Context, id string, attempt *rivertype.JobRow) (bool, error) {
	var moved bool
	err := st.q.InTx(ctx, func(ctx context.Context, tx queue.Tx) error {
		var err error
		moved, err = setState(ctx, tx, id, StateDone, "", st.now(), StateUploaded)
		if err != nil {
			return err
		}
		if !moved {
			var state string
			if err := queue.QueryRow(ctx, tx, `SELECT state FROM doctown_jobs WHERE id = ?`, []any{id}, &state); err != nil {
				return fmt.Errorf("job %s: %w", id, err)
			}
			if state != StateDone {
				return fmt.Errorf("job %s is %s: %w", id, state, ErrNotUploaded)
			}
		}
		return tx.Complete(ctx, attempt)
	})
	if err != nil {
		return false, err
	}
	if moved {
		st.transitions.WithLabelValues(StateDone).Inc()
	}
	return moved, nil
}

// AttemptFailed records a failed attempt (msg already redacted). One that
// River will retry puts the job back to queued, and River's completer records
// the retry when the attempt returns its error: two commits, as River cannot
// retry a running job inside a transaction; a relay dying between them leaves
// the job queued with River's job running, which RescueLapsed gives back to
// the queue once the heartbeat (kept on the row) lapses. The last one (final) fails
// the job and completes its River job (attempt) in the same transaction —
// River's part, running attempts, is over, and the outcome is the relay's —
// so the two never disagree about whether the job is finished.
func (st *Store) AttemptFailed(ctx context.Context, id string, final bool, msg string, attempt *rivertype.JobRow) error {
	if !final {
		_, err := st.move(ctx, nil, id, StateQueued, msg, StateDispatched, StateRunning)
		return err
	}
	var moved bool
	err := st.q.InTx(ctx, func(ctx context.Context, tx queue.Tx) error {
		var err error
		moved, err = setState(ctx, tx, id, StateFailed, msg, st.now(), StateDispatched, StateRunning)
		if err != nil || !moved {
			return err
		}
		return tx.Complete(ctx, attempt)
	})
	if err != nil {
		// River's side failed: record the failure alone (River discards the
		// job when the attempt returns its error) rather than leave it live.
		if _, merr := st.move(ctx, nil, id, StateFailed, msg, StateDispatched, StateRunning); merr != nil {
			return errors.Join(err, merr)
		}
		return err
	}
	if moved {
		st.transitions.WithLabelValues(StateFailed).Inc()
	}
	return nil
}

// Cancel cancels a queued job and its River job in tx (River's JobCancelTx:
// both commit together, with whatever else tx records).
func (st *Store) Cancel(ctx context.Context, tx queue.Tx, j *Job, reason string) (bool, error) {
	ok, err := st.move(ctx, tx, j.ID, StateCanceled, reason, StateQueued)
	if err != nil || !ok || j.RiverJobID == 0 {
		return ok, err
	}
	return true, tx.Cancel(ctx, j.RiverJobID)
}

// BuilderFailed records a builder's own failure report on a live attempt;
// the state stays, the dispatcher decides about the attempt.
func (st *Store) BuilderFailed(ctx context.Context, id, msg string) error {
	_, err := st.q.DB().Exec(ctx, `UPDATE doctown_jobs SET error = ?, updated_at = ? WHERE id = ? AND state IN (?, ?)`,
		msg, queue.Millis(st.now()), id, StateDispatched, StateRunning)
	return err
}

// setState moves a job to state, only from one of the states in from (any when
// from is empty). It reports whether the row changed.
func setState(ctx context.Context, db queue.Querier, id, state, errText string, now time.Time, from ...string) (bool, error) {
	q := `UPDATE doctown_jobs SET state = ?, error = ?, updated_at = ?`
	args := []any{state, errText, queue.Millis(now)}
	switch state {
	case StateDispatched:
		q += `, dispatched_at = ?, attempts = attempts + 1`
		args = append(args, queue.Millis(now))
	case StateDone, StateFailed, StateCanceled:
		q += `, finished_at = ?`
		args = append(args, queue.Millis(now))
	}
	q += ` WHERE id = ?`
	args = append(args, id)
	if len(from) > 0 {
		q += ` AND state IN (?` + repeat(",?", len(from)-1) + `)`
		for _, f := range from {
			args = append(args, f)
		}
	}
	n, err := db.Exec(ctx, q, args...)
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

// Pending lists, in tx, the jobs not yet dispatched for an installation,
// optionally only of the given repositories ("owner/repo").
func (st *Store) Pending(ctx context.Context, db queue.Querier, installationID int64, repos []string) ([]*Job, error) {
	q := `SELECT ` + jobColumns + ` FROM doctown_jobs WHERE state = ?`
	args := []any{StateQueued}
	if installationID != 0 {
		q += ` AND installation_id = ?`
		args = append(args, installationID)
	}
	r, err := db.Query(ctx, q, args...)
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

// Count counts jobs by state.
func (st *Store) Count(ctx context.Context) (map[string]int64, error) {
	r, err := st.q.DB().Query(ctx, `SELECT state, COUNT(*) FROM doctown_jobs GROUP BY state`)
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
