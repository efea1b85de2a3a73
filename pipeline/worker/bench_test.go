package worker_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/doctown/doctown/internal/debcrate"
	"github.com/doctown/doctown/internal/fakegithub"
	"github.com/doctown/doctown/pipeline/worker"
)

// discardRelay accepts uploads and completions, reading every byte.
func discardRelay() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	}))
}

// BenchmarkJob measures one worker job from start to uploaded docpack: resolve
// the ref, download and extract the tarball of a real crate from the fake GitHub,
// parse, extract, write the docpack (extractive docs), upload it to a relay
// stand-in, report completion.
func BenchmarkJob(b *testing.B) {
	for _, name := range []string{"memchr", "regex"} {
		b.Run(name, func(b *testing.B) {
			dir := debcrate.Dir(b, name+"-[0-9]*")
			gh := fakegithub.New()
			defer gh.Close()
			if _, err := gh.AddDir("debian", name, dir); err != nil {
				b.Fatal(err)
			}
			rl := discardRelay()
			defer rl.Close()
			cfg := worker.Config{GitHubAPIURL: gh.URL}
			in := worker.Input{Repo: "debian/" + name, JobID: "bench", UploadToken: "t", UploadURL: rl.URL}
			var out *worker.Output
			for b.Loop() {
				var err error
				out, err = worker.RunJob(b.Context(), cfg, in)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(out.Symbols), "symbols")
			b.ReportMetric(float64(out.DocpackBytes), "docpack_bytes")
		})
	}
}

// TestServeFakesForMeasurement starts a fake GitHub holding Debian's regex crate
// and a relay stand-in, writes their URLs as JSON to $DOCTOWN_FAKES_FILE, and
// serves until $DOCTOWN_FAKES_FILE.stop exists. .ci/worker-memory.sh uses it to run
// the built binary under /usr/bin/time -v. Skipped unless the variable is set.
func TestServeFakesForMeasurement(t *testing.T) {
	file := os.Getenv("DOCTOWN_FAKES_FILE")
	if file == "" {
		t.Skip("DOCTOWN_FAKES_FILE not set")
	}
	dir := debcrate.Dir(t, "regex-[0-9]*")
	gh := fakegithub.New()
	defer gh.Close()
	if _, err := gh.AddDir("debian", "regex", dir); err != nil {
		t.Fatal(err)
	}
	rl := discardRelay()
	defer rl.Close()
	b, _ := json.Marshal(map[string]string{"github": gh.URL, "relay": rl.URL})
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Minute)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(file + ".stop"); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}
