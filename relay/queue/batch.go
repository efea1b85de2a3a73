package queue

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// Group commit. On SQLite every transaction goes through the one connection
// and each commit waits for an fsync (synchronous=FULL: an acknowledged
// webhook survives a power cut). Under a burst of webhooks the fsyncs, not
// the work, fill the connection. InTxShared runs the transactions that
// arrive while one is committing together, in one transaction with one
// commit, each in its own savepoint, so a failing one rolls back only its
// own writes; every caller still returns only after the commit that holds
// its writes. River inserts the transactions ask for (Tx.InsertThen) are
// made at the end, all in one statement.

// maxBatch bounds the transactions one group commit takes.
const maxBatch = 64

// batchTimeout bounds one shared transaction.
const batchTimeout = 30 * time.Second

type batchReq struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx Tx) error
	done chan error
}

// batcher is the goroutine that runs shared transactions.
type batcher struct {
	reqs chan *batchReq
	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

// InTxShared is InTx for many small transactions at once (webhooks): fn's
// writes commit in a transaction shared with the others waiting, inside a
// savepoint of their own; it returns fn's error, or the commit's. fn's
// statements do not stop when ctx is cancelled (on SQLite an interrupted
// write would roll back the whole shared transaction); a request already
// cancelled before its turn is not run. Without a batcher (PostgreSQL, whose
// connections commit in parallel) it is InTx.
func (r *riverQueue[TTx]) InTxShared(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error {
	if r.batch == nil {
		return r.InTx(ctx, fn)
	}
	req := &batchReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case r.batch.reqs <- req:
	case <-r.batch.stop:
		return errors.New("queue closed")
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once taken, the request is answered: its writes may commit even if
	// the caller has gone.
	return <-req.done
}

func (r *riverQueue[TTx]) startBatcher() {
	r.batch = &batcher{reqs: make(chan *batchReq), stop: make(chan struct{})}
	r.batch.wg.Add(1)
	go func() {
		defer r.batch.wg.Done()
		for {
			var first *batchReq
			select {
			case first = <-r.batch.reqs:
			case <-r.batch.stop:
				return
			}
			batch := []*batchReq{first}
		more:
			for len(batch) < maxBatch {
				select {
				case req := <-r.batch.reqs:
					batch = append(batch, req)
				default:
					break more
				}
			}
			r.runBatch(batch)
		}
	}()
}

func (r *riverQueue[TTx]) stopBatcher() {
	if r.batch == nil {
		return
	}
	r.batch.once.Do(func() { close(r.batch.stop) })
	r.batch.wg.Wait()
}

// runBatch runs batch in one transaction, one savepoint per request, and
// answers each request once the transaction has committed.
func (r *riverQueue[TTx]) runBatch(batch []*batchReq) {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	tx, q, commit, rollback, err := r.beginTx(ctx)
	if err != nil {
		for _, b := range batch {
			b.done <- fmt.Errorf("begin: %w", err)
		}
		return
	}
	var kept []*batchReq
	var later []laterInsert
	for i, b := range batch {
		if err := b.ctx.Err(); err != nil {
			b.done <- err
			continue
		}
		sp := "doctown_batch_" + strconv.Itoa(i)
		if _, err := q.Exec(ctx, "SAVEPOINT "+sp); err != nil {
			b.done <- fmt.Errorf("savepoint: %w", err)
			continue
		}
		// The request's values (loggers, River's client) without its
		// cancellation: see InTxShared.
		bctx, bcancel := context.WithTimeout(context.WithoutCancel(b.ctx), batchTimeout)
		var mine []laterInsert
		ferr := b.fn(bctx, riverTx[TTx]{Querier: q, tx: tx, client: r.client, later: &mine})
		bcancel()
		if ferr != nil {
			if _, err := q.Exec(ctx, "ROLLBACK TO SAVEPOINT "+sp); err != nil {
				// The transaction is in an unknown state: give up on all of it.
				ferr = errors.Join(ferr, fmt.Errorf("rollback to savepoint: %w", err))
				b.done <- ferr
				r.failBatch(ctx, kept, rollback, ferr)
				for _, rest := range batch[i+1:] {
					rest.done <- ferr
				}
				return
			}
			b.done <- ferr
		} else {
			kept = append(kept, b)
			later = append(later, mine...)
		}
		if _, err := q.Exec(ctx, "RELEASE SAVEPOINT "+sp); err != nil {
			err = fmt.Errorf("release savepoint: %w", err)
			r.failBatch(ctx, kept, rollback, err)
			for _, rest := range batch[i+1:] {
				rest.done <- err
			}
			return
		}
	}
	if err := (riverTx[TTx]{Querier: q, tx: tx, client: r.client}).insertLater(ctx, later); err != nil {
		r.failBatch(ctx, kept, rollback, err)
		return
	}
	if err := commit(ctx); err != nil {
		err = fmt.Errorf("commit: %w", err)
		for _, b := range kept {
			b.done <- err
		}
		return
	}
	for _, b := range kept {
		b.done <- nil
	}
}

// failBatch rolls the shared transaction back and answers kept with err.
func (r *riverQueue[TTx]) failBatch(ctx context.Context, kept []*batchReq, rollback func(context.Context) error, err error) {
	if rerr := rollback(ctx); rerr != nil {
		err = errors.Join(err, fmt.Errorf("rollback: %w", rerr))
	}
	for _, b := range kept {
		b.done <- err
	}
}
