package relay

import (
	"context"
	"fmt"
	"time"
)

// Heartbeats. A relay stamps the jobs it is running nine times per lapse; a
// job dispatched or running whose stamp is older than cfg.HeartbeatLapse
// belongs to a relay that died (kill -9, a lost machine), and any relay on the
// database gives it back to the queue — within a minute or two, not after the
// job timeout plus River's rescue delay.

// beat stamps this relay's live jobs.
func (s *Server) beat(ctx context.Context) error {
	_, err := s.q.db().exec(ctx, `UPDATE doctown_jobs SET heartbeat_at = ? WHERE worker = ? AND state IN (?, ?)`,
		millis(s.now()), s.instance, StateDispatched, StateRunning)
	if err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	return nil
}

// rescueLapsed puts the jobs whose heartbeat lapsed back in the queue: the
// relay's row to queued, River's row (still "running" for the dead client)
// to available now. It returns how many it rescued.
func (s *Server) rescueLapsed(ctx context.Context) (int, error) {
	cutoff := millis(s.now().Add(-s.cfg.HeartbeatLapse))
	r, err := s.q.db().query(ctx, `SELECT id, river_job_id FROM doctown_jobs
		WHERE state IN (?, ?) AND worker <> ? AND heartbeat_at > 0 AND heartbeat_at < ?`,
		StateDispatched, StateRunning, s.instance, cutoff)
	if err != nil {
		return 0, fmt.Errorf("rescue: %w", err)
	}
	type lapsed struct {
		id    string
		river int64
	}
	var jobs []lapsed
	for r.Next() {
		var l lapsed
		if err := r.Scan(&l.id, &l.river); err != nil {
			r.Close()
			return 0, fmt.Errorf("rescue: %w", err)
		}
		jobs = append(jobs, l)
	}
	r.Close()
	n := 0
	for _, j := range jobs {
		err := s.q.inTx(ctx, func(ctx context.Context, tx queueTx) error {
			changed, err := tx.exec(ctx, `UPDATE doctown_jobs SET state = ?, error = ?, worker = '', heartbeat_at = 0, updated_at = ?
				WHERE id = ? AND state IN (?, ?) AND heartbeat_at < ?`,
				StateQueued, "the relay running this attempt stopped (no heartbeat): queued again", millis(s.now()),
				j.id, StateDispatched, StateRunning, cutoff)
			if err != nil || changed == 0 {
				return err
			}
			now := "now()"
			if s.q.dialect() == "sqlite" {
				now = "datetime('now', 'subsec')"
			}
			_, err = tx.exec(ctx, `UPDATE river_job SET state = 'available', scheduled_at = `+now+` WHERE id = ? AND state = 'running'`, j.river)
			if err == nil {
				n++
			}
			return err
		})
		if err != nil {
			return n, fmt.Errorf("rescue %s: %w", j.id, err)
		}
		s.log.Warn("job rescued from a relay that stopped heartbeating", "job_id", j.id)
	}
	return n, nil
}

// heartbeatLoop beats and rescues until ctx is done.
func (s *Server) heartbeatLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.HeartbeatLapse / 9)
	defer t.Stop()
	for {
		if err := s.beat(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("heartbeat", "err", err)
		}
		if _, err := s.rescueLapsed(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("rescue", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
