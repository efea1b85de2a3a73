package queue

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestRiverLoggerRenamesJobID(t *testing.T) {
	var buf bytes.Buffer
	log := NewRiverLogger(slog.New(slog.NewJSONHandler(&buf, nil)))
	log.Warn("job errored", slog.Int64("job_id", 7), "kind", "doctown_build")
	log.With("job_id", int64(8)).Info("with attrs")
	log.WithGroup("g").Info("grouped", "job_id", int64(9))
	for _, tc := range []struct {
		line int
		want string
	}{
		{0, `"river_job_id":7`},
		{1, `"river_job_id":8`},
		{2, `"g":{"river_job_id":9}`},
	} {
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		if len(lines) != 3 {
			t.Fatalf("%d lines: %s", len(lines), buf.String())
		}
		l := lines[tc.line]
		if !strings.Contains(l, tc.want) || strings.Contains(l, `"job_id"`) || !strings.Contains(l, `"component":"river"`) {
			t.Errorf("line %d = %s, want %s, no job_id, component river", tc.line, l, tc.want)
		}
	}
}
