package queue

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/riverqueue/river"
)

type noopArgs struct{}

func (noopArgs) Kind() string { return "noop" }

func openTestQueue(t *testing.T) Queue {
	t.Helper()
	workers := river.NewWorkers()
	river.AddWorker(workers, river.WorkFunc(func(context.Context, *river.Job[noopArgs]) error { return nil }))
	q, err := OpenSQLite(t.Context(), t.TempDir(), Options{Workers: 1}, workers)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := q.Close(); err != nil {
			t.Error(err)
		}
	})
	return q
}

func count(t *testing.T, q Queue, where string) int64 {
	t.Helper()
	var n int64
	if err := QueryRow(context.Background(), q.DB(), `SELECT COUNT(*) FROM doctown_deliveries WHERE `+where, nil, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestInTxSharedIsolatesFailures: transactions sent together share commits,
// but one that fails leaves none of its writes, and the others all commit.
func TestInTxSharedIsolatesFailures(t *testing.T) {
	q := openTestQueue(t)
	errBad := errors.New("bad request")
	const n = 60
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = q.InTxShared(context.Background(), func(ctx context.Context, tx Tx) error {
				if _, err := tx.Exec(ctx, `INSERT INTO doctown_deliveries (id, event, received_at) VALUES (?, 'push', 1)`, fmt.Sprintf("d%02d", i)); err != nil {
					return err
				}
				if i%5 == 0 {
					return errBad
				}
				_, err := tx.Exec(ctx, `INSERT INTO doctown_deliveries (id, event, received_at) VALUES (?, 'push', 2)`, fmt.Sprintf("e%02d", i))
				return err
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if (i%5 == 0) != errors.Is(err, errBad) || i%5 != 0 && err != nil {
			t.Errorf("transaction %d: %v", i, err)
		}
	}
	if got, want := count(t, q, "1 = 1"), int64(2*(n-n/5)); got != want {
		t.Errorf("%d rows, want %d", got, want)
	}
	if got := count(t, q, "id IN ('d00', 'd05', 'd55')"); got != 0 {
		t.Errorf("%d rows of failed transactions committed", got)
	}
	// A cancelled request is not run.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	if err := q.InTxShared(ctx, func(context.Context, Tx) error { ran = true; return nil }); !errors.Is(err, context.Canceled) || ran {
		t.Errorf("cancelled: err %v, ran %v", err, ran)
	}
}

// TestStatementCacheNested: a query run again while the rows of the same
// text are still open (same connection, in a transaction) gets its own
// statement; both read correctly.
func TestStatementCacheNested(t *testing.T) {
	q := openTestQueue(t)
	for i := range 5 {
		if _, err := q.DB().Exec(context.Background(), `INSERT INTO doctown_deliveries (id, event, received_at) VALUES (?, 'push', ?)`, fmt.Sprintf("d%d", i), i); err != nil {
			t.Fatal(err)
		}
	}
	const sel = `SELECT id, received_at FROM doctown_deliveries WHERE received_at >= ? ORDER BY id`
	err := q.InTx(context.Background(), func(ctx context.Context, tx Tx) error {
		outer, err := tx.Query(ctx, sel, 0)
		if err != nil {
			return err
		}
		defer outer.Close()
		n := 0
		for outer.Next() {
			var id string
			var at int64
			if err := outer.Scan(&id, &at); err != nil {
				return err
			}
			var inner int64
			if err := QueryRow(ctx, tx, `SELECT COUNT(*) FROM (`+sel+`)`, []any{at}, &inner); err != nil {
				return err
			}
			var first string
			var firstAt int64
			if err := QueryRow(ctx, tx, sel, []any{at}, &first, &firstAt); err != nil {
				return err
			}
			if first != id || inner != int64(5-n) {
				return fmt.Errorf("row %d: %s/%d, inner first %s count %d", n, id, at, first, inner)
			}
			n++
		}
		if n != 5 {
			return fmt.Errorf("%d rows", n)
		}
		return outer.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
}
