package cli

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/doctown/doctown/pipeline"
)

// chanWriter hands every write to the test.
type chanWriter chan string

func (w chanWriter) Write(p []byte) (int, error) {
	w <- string(p)
	return len(p), nil
}

// TestProgressLineNotStale checks the terminal status line shows the last
// count of a burst of reports, and that its clock moves while no report
// comes: a report throttled within 50ms of the previous one used to be
// dropped, leaving the line frozen on an older count until the next event.
func TestProgressLineNotStale(t *testing.T) {
	w := make(chanWriter, 64)
	r := newProgressRenderer(w, progressLine, false)
	defer r.Finish()
	r.Observe(pipeline.StageStarted{Stage: pipeline.StageGenerate, Total: 3})
	r.Observe(pipeline.Progress{Stage: pipeline.StageGenerate, Done: 1, Total: 3, Unit: "symbols"})
	r.Observe(pipeline.Progress{Stage: pipeline.StageGenerate, Done: 2, Total: 3, Unit: "symbols"})
	deadline := time.After(10 * time.Second)
	var out strings.Builder
	for !strings.Contains(out.String(), "2/3 symbols") {
		select {
		case s := <-w:
			out.WriteString(s)
		case <-deadline:
			t.Fatalf("the line never showed the last count:\n%q", out.String())
		}
	}
	clock := regexp.MustCompile(`  [1-9](\.[0-9]+)?s`)
	// No more reports: the line is redrawn with the time spent (1s, 2s, …).
	for !clock.MatchString(out.String()) {
		select {
		case s := <-w:
			out.WriteString(s)
		case <-deadline:
			t.Fatalf("the line's clock never moved:\n%q", out.String())
		}
	}
}
