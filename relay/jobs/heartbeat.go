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
// (still "running" for the dead client) to available now.
func (st *Store) RescueLapsed(ctx context.Context, self string, lapse time.Duration) ([]Lapsed, error) {
	cutoff := queue.Millis(st.now().Add(-lapse))
	r, err := st.q.DB().Query(ctx, `SELECT id, river_job_id FROM doctown_jobs
		WHERE state IN (?, ?) AND worker <> ? AND heartbeat_at > 0 AND heartbeat_at < ?`,
		StateDispatched, StateRunning, self, cutoff)
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
	var rescued []Lapsed
	for _, j := range jobs {
		err := st.q.InTx(ctx, func(ctx context.Context, tx queue.Tx) error {
			changed, err := tx.Exec(ctx, `UPDATE doctown_jobs SET state = ?, error = ?, worker = '', heartbeat_at = 0, updated_at = ?
				WHERE id = ? AND state IN (?, ?) AND heartbeat_at < ?`,
				StateQueued, "the relay running this attempt stopped (no heartbeat): queued again", queue.Millis(st.now()),
				j.ID, StateDispatched, StateRunning, cutoff)
			if err != nil || changed == 0 {
				return err
			}
			now := "now()"
			if st.q.Dialect() == "sqlite" {
				now = "datetime('now', 'subsec')"
			}
			_, err = tx.Exec(ctx, `UPDATE river_job SET state = 'available', scheduled_at = `+now+` WHERE id = ? AND state = 'running'`, j.RiverJobID)
			if err == nil {
				rescued = append(rescued, j)
				st.transitions.WithLabelValues(StateQueued).Inc()
			}
			return err
		})
		if err != nil {
			return rescued, fmt.Errorf("rescue %s: %w", j.ID, err)
		}
	}
	return rescued, nil
}
