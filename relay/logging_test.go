package relay

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func TestRiverLoggerRenamesJobID(t *testing.T) {
	var buf bytes.Buffer
	log := newRiverLogger(slog.New(slog.NewJSONHandler(&buf, nil)))
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

// checkJobIDLogs asserts that every "job_id" in the relay's JSON log is the
// relay's own (a hex string, never River's number) and, when wantRiver, that
// River's lines carry river_job_id.
func checkJobIDLogs(t *testing.T, logs string, wantRiver bool) {
	t.Helper()
	riverIDs := 0
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			continue
		}
		if v, ok := line["job_id"]; ok {
			if s, isStr := v.(string); !isStr || len(s) != 16 {
				t.Errorf("job_id %v (%T) is not a relay job id: %s", v, v, sc.Text())
			}
		}
		if _, ok := line["river_job_id"]; ok {
			riverIDs++
		}
	}
	if wantRiver && riverIDs == 0 {
		t.Error("no log line carries river_job_id")
	}
}
