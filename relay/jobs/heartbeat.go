package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/doctown/doctown/relay/queue"
)

// Heartbeats. A relay stamps the jobs it is running nine times per lapse; a
// job dispatched or running whose stamp is older than the lapse belongs to a
// relay that died (kill -9, a lost machine), and any relay on the database
// gives it back to the queue — within a minute or two, not after the job
// timeout plus River's rescue delay.

// Beat stamps the live jobs of worker (a relay instance).
func (st *Store) Beat(ctx context.Context, worker string) error {
	_, err := st.q.DB().Exec(ctx, `UPDATE doctown_jobs SET heartbeat_at = ? WHERE worker = ? AND state IN (?, ?)`,
		queue.Millis(st.now()), worker, StateDispatched, StateRunning)
	if err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	return nil
}

// Lapsed is a job RescueLapsed gave back to the queue.
type Lapsed struct {
	ID         string
	RiverJobID int64
}

// RescueLapsed puts the jobs of other workers than self whose heartbeat is
// older than lapse back in the queue: the relay's row to queued, River's row
// (still "running" for the dead client) to available now. That includes a
// job already queued again whose River job is still running: its relay
// recorded a failed attempt (AttemptFailed, which River retries) and died
// before River's completer recorded the retry — the two commits River's API
// cannot make one, as it has no retry of a running job in a transaction
// (JobRetryTx leaves running jobs alone).
func (st *Store) RescueLapsed(ctx context.Context, self string, lapse time.Duration) ([]Lapsed, error) {
	cutoff := queue.Millis(st.now().Add(-lapse))
	r, err := st.q.DB().Query(ctx, `SELECT id, river_job_id FROM doctown_jobs d
		WHERE worker <> ? AND heartbeat_at > 0 AND heartbeat_at < ?
		AND (state IN (?, ?) OR (state = ? AND EXISTS (SELECT 1 FROM river_job r WHERE r.id = d.river_job_id AND r.state = 'running')))`,
		self, cutoff, StateDispatched, StateRunning, StateQueued)
	if err != nil {
		return nil, fmt.Errorf("rescue: %w", err)
	}
	var jobs []Lapsed
	for r.Next() {
		var l Lapsed
		if err := r.Scan(&l.ID, &l.RiverJobID); err != nil {
			r.Close()
			return nil, fmt.Errorf("rescue: %w", err)
		}
		jobs = append(jobs, l)
	}
	err = r.Err()
	r.Close()
	if err != nil {
		return nil, fmt.Errorf("rescue: %w", err)
	}
	now := "now()"
	if st.q.Dialect() == "sqlite" {
		now = "datetime('now', 'subsec')"
	}
	var rescued []Lapsed
	for _, j := range jobs {
		err := st.q.InTx(ctx, func(ctx context.Context, tx queue.Tx) error {
			moved, err := tx.Exec(ctx, `UPDATE doctown_jobs SET state = ?, error = ?, worker = '', heartbeat_at = 0, updated_at = ?
				WHERE id = ? AND state IN (?, ?) AND heartbeat_at < ?`,
				StateQueued, "the relay running this attempt stopped (no heartbeat): queued again", queue.Millis(st.now()),
				j.ID, StateDispatched, StateRunning, cutoff)
			if err != nil {
				return err
			}
			// Already queued (a failed attempt): its error stays.
			requeued, err := tx.Exec(ctx, `UPDATE doctown_jobs SET worker = '', heartbeat_at = 0, updated_at = ?
				WHERE id = ? AND state = ? AND heartbeat_at > 0 AND heartbeat_at < ?`,
				queue.Millis(st.now()), j.ID, StateQueued, cutoff)
			if err != nil || moved+requeued == 0 {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE river_job SET state = 'available', scheduled_at = `+now+` WHERE id = ? AND state = 'running'`, j.RiverJobID); err != nil {
				return err
			}
			rescued = append(rescued, j)
			if moved > 0 {
				st.transitions.WithLabelValues(StateQueued).Inc()
			}
			return nil
		})
		if err != nil {
			return rescued, fmt.Errorf("rescue %s: %w", j.ID, err)
		}
	}
	return rescued, nil
}
