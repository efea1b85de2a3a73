package relay

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/doctown/doctown/relay/secret"
)

// BenchmarkWebhookSustained is the relay's load check: signed push webhooks
// (each a new commit: a delivery row, a job row and a River job) at 300/s
// for 20 s, open loop, reporting p50/p99 time to the 202 and the process's
// peak RSS (relay and load generator together); "hostile" holds 50 slow
// connections open meanwhile, each trickling a body under a made-up
// signature. Every delivery must be acknowledged and be exactly one job. Run
// it with -benchtime=1x (each run is the whole 20 s):
//
//	go test -run '^$' -bench WebhookSustained -benchtime=1x ./relay
//
// The tail is the process's share of the CPU: "runq-wait-ms/s" is the time
// its threads spent ready to run but waiting for a CPU, per second of the
// run. On a shared machine sh relay/testdata/load.sh runs the benchmark in a
// session of its own at a higher priority (with the kernel's autogroups, a
// plain nice only ranks processes within one session).
func BenchmarkWebhookSustained(b *testing.B) {
	const rate, dur = 300, 20 * time.Second
	for _, hostile := range []int{0, 50} {
		b.Run(fmt.Sprintf("300/s-slow=%d", hostile), func(b *testing.B) {
			for range b.N {
				e := newEnv(b)
				r := startRelay(b, e, relayOpts{deps: Deps{Build: holdBuild}})
				stopSlow := slowConnections(b, strings.TrimPrefix(r.URL, "http://"), hostile)
				n := int(rate * dur / time.Second)
				hooks := make([]webhook, n)
				for i := range hooks {
					hooks[i] = signedHook("push", pushPayload("acme/alpha", "refs/heads/main", secret.Hex(20)))
				}
				client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}}
				lat := make([]time.Duration, n)
				var failed atomic.Int64
				var wg sync.WaitGroup
				var peak atomic.Int64
				done := make(chan struct{})
				go func() {
					t := time.NewTicker(200 * time.Millisecond)
					defer t.Stop()
					for {
						if v := rssBytes(); v > peak.Load() {
							peak.Store(v)
						}
						select {
						case <-done:
							return
						case <-t.C:
						}
					}
				}()
				cpu0, wait0 := cpuTime(), runQueueWait()
				start := time.Now()
				for i := range n {
					// Each delivery at its own time on the 300/s schedule (a
					// late one is sent at once: the rate holds on a busy machine).
					time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / rate)))
					wg.Add(1)
					go func() {
						defer wg.Done()
						t0 := time.Now()
						if code, _ := sendTo(b, client, r.URL, hooks[i]); code != http.StatusAccepted {
							failed.Add(1)
						}
						lat[i] = time.Since(t0)
					}()
				}
				sent := time.Since(start)
				wg.Wait()
				cpu, wait, elapsed := cpuTime()-cpu0, runQueueWait()-wait0, time.Since(start)
				close(done)
				open := stopSlow()
				if f := failed.Load(); f > 0 {
					b.Fatalf("%d of %d webhooks not acknowledged with 202", f, n)
				}
				if got := jobCount(b, r.Server); got != n {
					b.Fatalf("%d jobs for %d deliveries", got, n)
				}
				slices.Sort(lat)
				b.ReportMetric(float64(n)/sent.Seconds(), "sent/s")
				b.ReportMetric(float64(lat[n/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lat[n*99/100].Microseconds())/1000, "p99-ms")
				b.ReportMetric(float64(peak.Load())/(1<<20), "peak-rss-MB")
				b.ReportMetric(float64(open), "slow-still-open")
				// CPU time (relay and load generator, user+system) per
				// webhook: steadier than latency on a shared machine.
				b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu-µs/webhook")
				b.ReportMetric(float64(wait.Milliseconds())/elapsed.Seconds(), "runq-wait-ms/s")
			}
		})
	}
}

// slowConnections opens n connections that each announce a 1 MB webhook
// under a made-up signature and send one byte every 500 ms. stop closes them
// and reports how many the server had not closed yet.
func slowConnections(b *testing.B, addr string, n int) (stop func() int) {
	var conns []net.Conn
	quit := make(chan struct{})
	var wg sync.WaitGroup
	var closedByServer atomic.Int64
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-GitHub-Event: push\r\nX-GitHub-Delivery: %s\r\nX-Hub-Signature-256: sha256=%s\r\nContent-Length: %d\r\n\r\n",
			newDelivery(), strings.Repeat("0", 64), 1<<20)
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(500 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-quit:
					return
				case <-t.C:
					if _, err := c.Write([]byte("{")); err != nil {
						closedByServer.Add(1)
						return
					}
				}
			}
		}()
	}
	return func() int {
		close(quit)
		wg.Wait()
		for _, c := range conns {
			c.Close()
		}
		return n - int(closedByServer.Load())
	}
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// runQueueWait is the time this process's threads have spent runnable but
// not running (Linux's schedstat; 0 elsewhere). A thread that has exited no
// longer counts: the Go runtime keeps its threads.
func runQueueWait() time.Duration {
	paths, _ := filepath.Glob("/proc/self/task/*/schedstat")
	var sum time.Duration
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if f := strings.Fields(string(b)); len(f) >= 2 {
			ns, _ := strconv.ParseInt(f[1], 10, 64)
			sum += time.Duration(ns)
		}
	}
	return sum
}

// rssBytes is this process's resident set size (Linux; 0 elsewhere).
func rssBytes() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
