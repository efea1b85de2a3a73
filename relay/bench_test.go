package relay

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	rtmetrics "runtime/metrics"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doctown/doctown/relay/config"
	"github.com/doctown/doctown/relay/dispatch"
	"github.com/doctown/doctown/relay/jobs"
	"github.com/doctown/doctown/relay/secret"
	"github.com/doctown/doctown/relay/store"
)

// holdBuild never finishes a build: benchmarks measure the relay, not builds.
func holdBuild(ctx context.Context, _ dispatch.BuildRequest) (string, error) {
	<-ctx.Done()
	return "", ctx.Err()
}

// BenchmarkWebhookAck sends signed push webhooks (each a new commit, so each
// records a delivery, a job row and a River job) at a steady rate from another
// goroutine, open loop, and reports the acknowledged rate and the p50/p99 time
// to the 202. The "max" case sends with 8 concurrent clients back to back.
func BenchmarkWebhookAck(b *testing.B) {
	for _, rate := range []int{100, 250, 0} {
		name := fmt.Sprintf("rate=%d/s", rate)
		if rate == 0 {
			name = "max-8-clients"
		}
		b.Run(name, func(b *testing.B) {
			e := newEnv(b)
			r := startRelay(b, e, relayOpts{deps: Deps{Build: holdBuild}})
			hooks := make([]webhook, b.N)
			for i := range hooks {
				sha := secret.Hex(20)
				hooks[i] = signedHook("push", pushPayload("acme/alpha", "refs/heads/main", sha))
			}
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			lat := make([]time.Duration, b.N)
			var failed atomic.Int64
			send := func(i int) {
				t0 := time.Now()
				code, _ := sendTo(b, client, r.URL, hooks[i])
				lat[i] = time.Since(t0)
				if code != http.StatusAccepted {
					failed.Add(1)
				}
			}
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			if rate > 0 {
				tick := time.NewTicker(time.Second / time.Duration(rate))
				for i := range b.N {
					<-tick.C
					wg.Add(1)
					go func() { defer wg.Done(); send(i) }()
				}
				tick.Stop()
			} else {
				var next atomic.Int64
				for range 8 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							i := int(next.Add(1)) - 1
							if i >= b.N {
								return
							}
							send(i)
						}
					}()
				}
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if n := failed.Load(); n > 0 {
				b.Fatalf("%d of %d webhooks not acknowledged with 202", n, b.N)
			}
			slices.Sort(lat)
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "acks/s")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds())/1000, "p99-ms")
			if got := jobCount(b, r.Server); got != b.N {
				b.Fatalf("%d jobs recorded for %d webhooks", got, b.N)
			}
		})
	}
}

// bigDocpack writes a valid docpack of about size bytes: a small docpack plus
// incompressible extra entries (readers ignore unknown entries).
func bigDocpack(b *testing.B, path, repo, sha string, size int64) {
	small := testDocpack(b, repo, sha)
	zr, err := zip.NewReader(bytes.NewReader(small), int64(len(small)))
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	for _, e := range zr.File {
		if err := zw.Copy(e); err != nil {
			b.Fatal(err)
		}
	}
	chunk := int64(40 << 20)
	for i := 0; int64(i)*chunk < size; i++ {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("extra/blob-%d.bin", i), Method: zip.Store})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.CopyN(w, rand.Reader, min(chunk, size-int64(i)*chunk)); err != nil {
			b.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkUpload200MB streams a 200 MB docpack to /api/docpack/upload (fs
// storage) and samples the heap while it is received, validated and stored:
// peak-heap-MB is the largest heap in use seen (runtime/metrics, every 2ms),
// above the baseline before the upload.
func BenchmarkUpload200MB(b *testing.B) {
	const size = 200 << 20
	e := newEnv(b)
	dir := b.TempDir()
	path := filepath.Join(dir, "big.docpack")
	bigDocpack(b, path, "acme/alpha", e.shas["acme/alpha"], size)
	fi, _ := os.Stat(path)

	var peak, base uint64
	for i := range b.N {
		b.StopTimer()
		st, err := store.New(context.Background(), store.Config{Kind: "fs", Dir: filepath.Join(dir, fmt.Sprintf("store-%d", i))})
		if err != nil {
			b.Fatal(err)
		}
		r := startRelay(b, e, relayOpts{deps: Deps{Build: holdBuild, Storage: st}, cfg: func(c *config.Config) { c.MaxUpload = 256 << 20 }})
		code, body := r.send(b, signedHook("push", pushPayload("acme/alpha", "refs/heads/main", e.shas["acme/alpha"])))
		var ans webhookAnswer
		json.Unmarshal([]byte(body), &ans)
		if code != http.StatusAccepted || len(ans.Jobs) != 1 {
			b.Fatalf("push: %d %s", code, body)
		}
		id := ans.Jobs[0].JobID
		waitFor(b, "job running", 30*time.Second, func() bool {
			j, err := r.Job(context.Background(), id)
			return err == nil && j.State == jobs.StateRunning
		})
		tok := r.tokens.Sign(id, time.Now().Add(time.Hour))

		runtime.GC()
		base = heapInUse()
		stop := make(chan struct{})
		var sampled sync.WaitGroup
		sampled.Add(1)
		var localPeak uint64
		go func() {
			defer sampled.Done()
			t := time.NewTicker(2 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					localPeak = max(localPeak, heapInUse())
				}
			}
		}()
		b.StartTimer()
		code, body = streamUpload(b, r.URL, tok, id, path)
		b.StopTimer()
		close(stop)
		sampled.Wait()
		if code != http.StatusCreated {
			b.Fatalf("upload: %d %s", code, body)
		}
		if _, n, err := st.Get(context.Background(), store.Key("acme", "alpha", e.shas["acme/alpha"])); err != nil || n != fi.Size() {
			b.Fatalf("stored %d bytes (%v), want %d", n, err, fi.Size())
		}
		peak = max(peak, localPeak-min(localPeak, base))
		r.stop(b)
	}
	b.SetBytes(fi.Size())
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

// streamUpload sends the file through a pipe, so the client holds no copy.
func streamUpload(b *testing.B, base, token, jobID, path string) (int, string) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := func() error {
			if err := mw.WriteField("job_id", jobID); err != nil {
				return err
			}
			w, err := mw.CreateFormFile("file", "big.docpack")
			if err != nil {
				return err
			}
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			if _, err := io.Copy(w, f); err != nil {
				return err
			}
			return mw.Close()
		}()
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/docpack/upload", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil && !errors.Is(err, io.ErrClosedPipe) {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

var heapSample = []rtmetrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}

func heapInUse() uint64 {
	rtmetrics.Read(heapSample)
	return heapSample[0].Value.Uint64()
}
