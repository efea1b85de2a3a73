// Package backoff is the retry timing shared by doctown's HTTP clients (the
// model client, the relay upload, the RunPod worker and dispatcher): jittered
// exponential waits, Retry-After headers, and sleeps that end with a context.
package backoff

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxWait caps Jittered.
const MaxWait = 30 * time.Second

// Jittered is the wait before retry n (0 for the first retry): a random
// duration in [d/2, d], where d doubles from base with each retry, capped at
// MaxWait.
func Jittered(base time.Duration, n int) time.Duration {
	d := base << min(max(n, 0), 16)
	if d > MaxWait || d <= 0 {
		d = MaxWait
	}
	return d/2 + rand.N(d/2+1)
}

// RetryAfter reads a Retry-After header value, seconds or an HTTP date, as a
// wait in [0, limit]. An empty or unreadable value is 0.
func RetryAfter(v string, limit time.Duration) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		d = time.Duration(secs * float64(time.Second))
	} else if t, err := http.ParseTime(v); err == nil {
		d = time.Until(t)
	}
	return min(max(d, 0), limit)
}

// Sleep waits d, or less if ctx ends first; it reports whether the whole wait
// passed.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
