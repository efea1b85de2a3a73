package relay

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/doctown/doctown/relay/catalog"
	"github.com/doctown/doctown/relay/config"
	"github.com/doctown/doctown/relay/githubapp"
	"github.com/doctown/doctown/relay/jobs"
	"github.com/doctown/doctown/relay/queue"
	"github.com/doctown/doctown/relay/secret"
	"github.com/doctown/doctown/relay/store"
)

// Sweeps: what runs on a timer rather than on a request — stale objects
// and partial writes a killed relay left, expired pull-request previews, old
// delivery ids, and the redelivery of deliveries that never arrived.

// staleAfter is how old an incoming object or an unfinished fs write must be
// before the sweep removes it: older than any upload still being received.
const staleAfter = config.UploadReadTimeout + 5*time.Minute

// removeStale deletes incoming objects (uploads never accepted) and partial
// writes that a killed relay left in storage, and prunes deliveries older than
// GitHub's redelivery window. It runs at start-up and then every sweepEvery.
func (s *Server) removeStale(ctx context.Context) {
	n, err := s.store.RemoveStale(ctx, store.IncomingPrefix, s.now().Add(-staleAfter))
	if err != nil {
		s.log.Warn("sweep storage", "err", err)
	} else if n > 0 {
		s.log.Info("removed unfinished objects from storage", "objects", n)
	}
	if n, err := s.jobs.PruneDeliveries(ctx, s.now().Add(-jobs.DeliveryRetention)); err != nil {
		s.log.Warn("prune deliveries", "err", err)
	} else if n > 0 {
		s.log.Debug("pruned deliveries", "rows", n)
	}
	if n, err := s.expirePreviews(ctx); err != nil {
		s.log.Warn("expire previews", "err", err)
	} else if n > 0 {
		s.log.Info("expired pull-request previews", "docpacks", n)
	}
}

// maxExpirePerSweep bounds the previews one sweep removes.
const maxExpirePerSweep = 500

// expirePreviews removes the previews of pull requests closed longer than
// DOCTOWN_PREVIEW_TTL ago: the catalog row first (a reader never finds a row
// without its object), then the object. A commit that is also a pushed
// commit's docpack, or an open pull request's head, is kept.
func (s *Server) expirePreviews(ctx context.Context) (int, error) {
	if s.cfg.PreviewTTL <= 0 {
		return 0, nil
	}
	db := s.q.DB()
	expired, err := catalog.ExpiredPreviews(ctx, db, s.now().Add(-s.cfg.PreviewTTL), maxExpirePerSweep)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range expired {
		removed, err := catalog.RemovePreview(ctx, db, e)
		if err != nil {
			return n, err
		}
		if !removed {
			continue
		}
		n++
		s.metrics.previews.Inc()
		if err := s.store.Delete(ctx, e.Key); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.metrics.storageErrors.WithLabelValues("delete").Inc()
			s.log.Warn("expire preview: delete object", "key", e.Key, "err", err)
		}
	}
	if len(expired) < maxExpirePerSweep {
		if _, err := catalog.PrunePulls(ctx, db, s.now().Add(-s.cfg.PreviewTTL)); err != nil {
			return n, err
		}
	}
	return n, nil
}

const sweepEvery = 10 * time.Minute

// sweepLoop removes stale objects every sweepEvery and, with an App
// configured, asks GitHub for the deliveries this relay missed at once (a
// restart after an outage) and then every RedeliverInterval.
func (s *Server) sweepLoop(ctx context.Context) {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	var redeliver <-chan time.Time
	if s.gh.Configured() && s.cfg.RedeliverInterval > 0 {
		rt := time.NewTicker(s.cfg.RedeliverInterval)
		defer rt.Stop()
		redeliver = rt.C
		s.redeliverMissed(ctx)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.removeStale(ctx)
		case <-redeliver:
			s.redeliverMissed(ctx)
		}
	}
}

// redeliveryWindow is how far back GitHub lets an App redeliver (three days),
// with a margin.
const redeliveryWindow = 71 * time.Hour

// maxRedeliveries bounds the redeliveries one sweep asks for.
const maxRedeliveries = 100

// redeliverMissed lists the App's recent delivery attempts and asks GitHub
// to redeliver each delivery that never reached this relay: none of its
// attempts succeeded, the last one failed in a way a retry can fix (no
// connection, 408, 429, 5xx), and its id is not in the deliveries table.
// GitHub never retries a failed delivery by itself. It returns how many
// redeliveries it asked for.
func (s *Server) redeliverMissed(ctx context.Context) int {
	ds, err := s.gh.HookDeliveries(ctx, s.now().Add(-redeliveryWindow), 20)
	if err != nil {
		s.log.Warn("list failed deliveries", "err", secret.Redact(err.Error(), 300))
		if len(ds) == 0 {
			return 0
		}
	}
	type guidState struct {
		ok     bool
		latest githubapp.HookDelivery
	}
	byGUID := map[string]*guidState{}
	var order []string
	for _, d := range ds { // newest first
		g := byGUID[d.GUID]
		if g == nil {
			g = &guidState{latest: d}
			byGUID[d.GUID] = g
			order = append(order, d.GUID)
		}
		if d.StatusCode >= 200 && d.StatusCode < 300 {
			g.ok = true
		}
	}
	n := 0
	for _, guid := range order {
		g := byGUID[guid]
		c := g.latest.StatusCode
		retryable := c == 0 || c == http.StatusRequestTimeout || c == http.StatusTooManyRequests || c >= 500
		if g.ok || !retryable || guid == "" || n >= maxRedeliveries {
			continue
		}
		var seen int64
		err := queue.QueryRow(ctx, s.q.DB(), `SELECT COUNT(*) FROM doctown_deliveries WHERE id = ?`, []any{guid}, &seen)
		if err != nil || seen > 0 {
			continue
		}
		if err := s.gh.Redeliver(ctx, g.latest.ID); err != nil {
			s.log.Warn("redeliver", "delivery_id", guid, "err", secret.Redact(err.Error(), 300))
			continue
		}
		s.log.Info("asked GitHub to redeliver a missed delivery", "delivery_id", guid, "event", g.latest.Event, "last_status", c)
		n++
	}
	return n
}

// clearDir removes everything inside dir and returns how many entries it removed.
func clearDir(dir string) int {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range ents {
		if os.RemoveAll(filepath.Join(dir, e.Name())) == nil {
			n++
		}
	}
	return n
}
