package backoff

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func TestJittered(t *testing.T) {
	for _, tc := range []struct {
		base   time.Duration
		n      int
		lo, hi time.Duration
	}{
		{time.Second, 0, 500 * time.Millisecond, time.Second},
		{time.Second, 2, 2 * time.Second, 4 * time.Second},
		{time.Second, 10, MaxWait / 2, MaxWait},
		{time.Second, 100, MaxWait / 2, MaxWait},
	} {
		for range 50 {
			if d := Jittered(tc.base, tc.n); d < tc.lo || d > tc.hi {
				t.Fatalf("Jittered(%v, %d) = %v, want in [%v, %v]", tc.base, tc.n, d, tc.lo, tc.hi)
			}
		}
	}
}

func TestRetryAfter(t *testing.T) {
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	for _, tc := range []struct {
		in     string
		lo, hi time.Duration
	}{
		{"", 0, 0},
		{"garbage", 0, 0},
		{"3", 3 * time.Second, 3 * time.Second},
		{" 1.5 ", 1500 * time.Millisecond, 1500 * time.Millisecond},
		{"-4", 0, 0},
		{"3600", time.Minute, time.Minute},
		{date, 58 * time.Second, time.Minute},
	} {
		if d := RetryAfter(tc.in, time.Minute); d < tc.lo || d > tc.hi {
			t.Errorf("RetryAfter(%q) = %v, want in [%v, %v]", tc.in, d, tc.lo, tc.hi)
		}
	}
}

func TestSleep(t *testing.T) {
	if !Sleep(t.Context(), time.Millisecond) {
		t.Error("a short sleep did not complete")
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if Sleep(ctx, time.Hour) {
		t.Error("a sleep with a cancelled context completed")
	}
}
