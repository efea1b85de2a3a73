package rust

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
)

// TestInOrder checks that inOrder hands every result to use once, in index
// order, whatever the workers, and stops when use says so.
func TestInOrder(t *testing.T) {
	for _, n := range []int{0, 1, 7, 500} {
		for _, workers := range []int{0, 1, 2, 5} {
			t.Run(fmt.Sprintf("n%d/w%d", n, workers), func(t *testing.T) {
				var got []int
				inOrder(t.Context(), n, workers, func(_ *sourceBuf, i int) int { return i * i }, func(i, v int) bool {
					if v != i*i {
						t.Fatalf("use(%d, %d): want %d", i, v, i*i)
					}
					got = append(got, i)
					return true
				})
				if len(got) != n {
					t.Fatalf("used %d results, want %d", len(got), n)
				}
				for i, g := range got {
					if g != i {
						t.Fatalf("result %d used at %d", g, i)
					}
				}
			})
		}
	}
	t.Run("stop", func(t *testing.T) {
		var worked atomic.Int64
		used := 0
		inOrder(t.Context(), 1000, 3, func(_ *sourceBuf, i int) int { worked.Add(1); return i }, func(i, v int) bool {
			used++
			return i < 9
		})
		if used != 10 {
			t.Errorf("used %d results, want 10", used)
		}
		if w := worked.Load(); w > 10+4*3+3 {
			t.Errorf("%d results made for 10 used", w)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		used := 0
		inOrder(ctx, 100, 2, func(_ *sourceBuf, i int) int { return i }, func(int, int) bool { used++; return true })
		if used != 0 {
			t.Errorf("used %d results after cancel", used)
		}
	})
}
