package relay

import (
	"context"
	"time"
)

// heartbeatLoop stamps this relay's live jobs and rescues those of relays
// that stopped stamping theirs (jobs.Store.Beat, RescueLapsed), nine times per
// lapse, until ctx is done.
func (s *Server) heartbeatLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.HeartbeatLapse / 9)
	defer t.Stop()
	for {
		if err := s.jobs.Beat(ctx, s.instance); err != nil && ctx.Err() == nil {
			s.log.Warn("heartbeat", "err", err)
		}
		rescued, err := s.jobs.RescueLapsed(ctx, s.instance, s.cfg.HeartbeatLapse)
		if err != nil && ctx.Err() == nil {
			s.log.Warn("rescue", "err", err)
		}
		for _, j := range rescued {
			s.log.Warn("job rescued from a relay that stopped heartbeating", "job_id", j.ID)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
