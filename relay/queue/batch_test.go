package queue

import (
	"context"
	"database/sql"
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

type keyArgs struct {
	Key string `json:"key" river:"unique"`
}

func (keyArgs) Kind() string { return "noop_key" }

// TestInTxSharedInsertsTogether: the River inserts of transactions sent
// together are made at the end, each transaction's then called with its own
// job's id; a failing transaction's inserts are not made, and two
// transactions inserting one unique job get the same job.
func TestInTxSharedInsertsTogether(t *testing.T) {
	for _, dup := range []bool{false, true} {
		t.Run(fmt.Sprint("one job twice=", dup), func(t *testing.T) {
			workers := river.NewWorkers()
			river.AddWorker(workers, river.WorkFunc(func(context.Context, *river.Job[keyArgs]) error { return nil }))
			q, err := OpenSQLite(t.Context(), t.TempDir(), Options{Workers: 1}, workers)
			if err != nil {
				t.Fatal(err)
			}
			defer q.Close()
			errBad := errors.New("bad request")
			const n = 40
			ids := make([]int64, n)
			errs := make([]error, n)
			// One shared transaction of all n, as the batcher runs it.
			batch := make([]*batchReq, n)
			for i := range n {
				key := fmt.Sprintf("k%02d", i)
				if dup && i == n-1 {
					key = "k00" // the same unique job as transaction 0's
				}
				batch[i] = &batchReq{ctx: context.Background(), done: make(chan error, 1), fn: func(ctx context.Context, tx Tx) error {
					if err := tx.InsertThen(ctx, keyArgs{Key: key}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}, func(ctx context.Context, id int64) error {
						ids[i] = id
						_, err := tx.Exec(ctx, `INSERT INTO doctown_deliveries (id, event, received_at) VALUES (?, ?, 1)`, fmt.Sprintf("d%02d", i), key)
						return err
					}); err != nil {
						return err
					}
					if ids[i] != 0 {
						return errors.New("inserted before the end of the shared transaction")
					}
					if i%7 == 3 {
						return errBad
					}
					return nil
				}}
			}
			q.(*riverQueue[*sql.Tx]).runBatch(batch)
			for i := range n {
				errs[i] = <-batch[i].done
			}
			failed := 0
			for i, err := range errs {
				if (i%7 == 3) != errors.Is(err, errBad) || i%7 != 3 && err != nil {
					t.Errorf("transaction %d: %v", i, err)
				}
				if i%7 == 3 {
					failed++
					if ids[i] != 0 {
						t.Errorf("transaction %d failed but its insert was made", i)
					}
				}
			}
			// Each kept transaction's id is the River job of its own key.
			for i := range n {
				if i%7 == 3 {
					continue
				}
				var key string
				if err := QueryRow(context.Background(), q.DB(), `SELECT json_extract(json(args), '$.key') FROM river_job WHERE id = ?`, []any{ids[i]}, &key); err != nil {
					t.Fatalf("transaction %d: river job %d: %v", i, ids[i], err)
				}
				want := fmt.Sprintf("k%02d", i)
				if dup && i == n-1 {
					want = "k00"
				}
				if key != want {
					t.Errorf("transaction %d got the job of %s, want %s", i, key, want)
				}
			}
			if dup && ids[n-1] != ids[0] {
				t.Errorf("one unique job inserted twice: ids %d and %d", ids[0], ids[n-1])
			}
			var jobs int64
			if err := QueryRow(context.Background(), q.DB(), `SELECT COUNT(*) FROM river_job`, nil, &jobs); err != nil {
				t.Fatal(err)
			}
			want := int64(n - failed)
			if dup {
				want--
			}
			if jobs != want {
				t.Errorf("%d River jobs, want %d", jobs, want)
			}
		})
	}
}
