package queue

import (
	"context"
	"log/slog"
)

// riverLogHandler renames River's "job_id" attribute (its numeric row id) to
// "river_job_id", so that in the relay's log "job_id" always names the relay's
// own job (the id of GET /api/jobs/{id}) and grepping by it finds every line of
// one job, never a River job that happens to share the number.
type riverLogHandler struct{ next slog.Handler }

// NewRiverLogger is the logger River gets: log's handler, tagged
// component=river, with River's job ids renamed.
func NewRiverLogger(log *slog.Logger) *slog.Logger {
	return slog.New(riverLogHandler{next: log.With("component", "river").Handler()})
}

func (h riverLogHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h riverLogHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(renameRiverAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h riverLogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	renamed := make([]slog.Attr, len(as))
	for i, a := range as {
		renamed[i] = renameRiverAttr(a)
	}
	return riverLogHandler{next: h.next.WithAttrs(renamed)}
}

func (h riverLogHandler) WithGroup(name string) slog.Handler {
	return riverLogHandler{next: h.next.WithGroup(name)}
}

func renameRiverAttr(a slog.Attr) slog.Attr {
	if a.Key == "job_id" {
		a.Key = "river_job_id"
	}
	return a
}
