// Package queue is the relay's database: River's durable job queue on SQLite
// (one relay, one file) or PostgreSQL (several relays), and the relay's own
// tables in the same database, so a webhook's delivery row, its job rows and
// its River jobs commit in one transaction. Queries are written once with "?"
// placeholders for both.
package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// Queue is River on one of its two databases, plus the relay's own tables.
type Queue interface {
	// DB runs the relay's SQL outside a transaction.
	DB() Querier
	// InTx runs fn in one transaction, committed when fn returns nil.
	InTx(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error
	// InTxShared is InTx with a group commit (SQLite): see batch.go.
	InTxShared(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error
	Start(ctx context.Context) error
	// Stop waits for running jobs; StopAndCancel cancels them (River retries them later).
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	// Dialect is "sqlite" or "postgres".
	Dialect() string
	// Check reports whether the database is the one opened (SQLite: the file
	// at its path is still the file open) and takes a write.
	Check(ctx context.Context) error
	// SameFile is Check's first half alone (no write), cheap enough for
	// every webhook.
	SameFile() error
	// Close stops the group commits and closes the database.
	Close() error
}

// Tx is a transaction that can also insert, complete and cancel River jobs:
// each commits or rolls back with the relay's own rows.
type Tx interface {
	Querier
	// InsertThen inserts a River job and then calls then (when not nil) with
	// its id, in the same transaction. In a shared transaction (InTxShared)
	// the inserts of every request in it are made together, after all of
	// their own writes, with one River InsertManyTx (River's insert was two
	// fifths of a webhook's time on the connection), and a failure there
	// fails the whole shared transaction.
	InsertThen(ctx context.Context, args river.JobArgs, opts *river.InsertOpts, then func(ctx context.Context, riverID int64) error) error
	// Complete marks a running River job completed (River's JobCompleteTx);
	// ctx must be the River worker's.
	Complete(ctx context.Context, job *rivertype.JobRow) error
	// Cancel cancels a River job (River's JobCancelTx).
	Cancel(ctx context.Context, riverID int64) error
}

// Options tune River; zero values are River's defaults.
type Options struct {
	// Workers bounds the default queue's jobs in flight; Queues adds other
	// queues with their own bounds.
	Workers      int
	Queues       map[string]int
	JobTimeout   time.Duration
	MaxAttempts  int
	PollInterval time.Duration
	RetryPolicy  river.ClientRetryPolicy
	Logger       *slog.Logger
}

type riverQueue[TTx any] struct {
	client  *river.Client[TTx]
	q       Querier
	name    string
	beginTx func(ctx context.Context) (TTx, Querier, func(context.Context) error, func(context.Context) error, error)
	closeDB func() error
	// sameFile reports whether the database file is still the one opened; nil
	// for PostgreSQL.
	fileCheck func() error
	// batch runs InTxShared's group commits; nil for PostgreSQL.
	batch *batcher
}

type riverTx[TTx any] struct {
	Querier
	tx     TTx
	client *river.Client[TTx]
	// later collects InsertThen's inserts in a shared transaction; nil
	// inserts at once.
	later *[]laterInsert
}

// laterInsert is an insert InsertThen left to the end of a shared transaction.
type laterInsert struct {
	params river.InsertManyParams
	then   func(ctx context.Context, riverID int64) error
}

func (t riverTx[TTx]) InsertThen(ctx context.Context, args river.JobArgs, opts *river.InsertOpts, then func(ctx context.Context, riverID int64) error) error {
	if t.later != nil {
		*t.later = append(*t.later, laterInsert{params: river.InsertManyParams{Args: args, InsertOpts: opts}, then: then})
		return nil
	}
	id, _, err := t.insert(ctx, args, opts)
	if err != nil || then == nil {
		return err
	}
	return then(ctx, id)
}

// insertLater makes the inserts a shared transaction's requests left to its
// end, in one InsertManyTx, then calls each one's then.
func (t riverTx[TTx]) insertLater(ctx context.Context, later []laterInsert) error {
	if len(later) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(later))
	for i, l := range later {
		params[i] = l.params
	}
	ids := make([]int64, len(later))
	res, err := t.client.InsertManyTx(ctx, t.tx, params)
	switch {
	case err == nil && len(res) == len(later):
		for i, r := range res {
			ids[i] = r.Job.ID
		}
	default:
		// SQLite's River driver refuses, before writing anything, a batch
		// that holds one unique job twice (two lookups of one repository):
		// then one by one, as InTx inserts, each a duplicate of the first.
		for i, l := range later {
			if ids[i], _, err = t.insert(ctx, l.params.Args, l.params.InsertOpts); err != nil {
				return err
			}
		}
	}
	for i, l := range later {
		if l.then == nil {
			continue
		}
		if err := l.then(ctx, ids[i]); err != nil {
			return err
		}
	}
	return nil
}

func (t riverTx[TTx]) insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (int64, bool, error) {
	res, err := t.client.InsertTx(ctx, t.tx, args, opts)
	if err != nil {
		return 0, false, fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	return res.Job.ID, res.UniqueSkippedAsDuplicate, nil
}

// anyArgs stands for any job's arguments where only the row matters
// (JobCompleteTx decodes the arguments it returns).
type anyArgs struct{}

func (anyArgs) Kind() string                { return "" }
func (*anyArgs) UnmarshalJSON([]byte) error { return nil }

func (t riverTx[TTx]) Complete(ctx context.Context, job *rivertype.JobRow) error {
	if _, err := river.JobCompleteTx[riverdriver.Driver[TTx]](ctx, t.tx, &river.Job[anyArgs]{JobRow: job}); err != nil {
		return fmt.Errorf("complete river job %d: %w", job.ID, err)
	}
	return nil
}

func (t riverTx[TTx]) Cancel(ctx context.Context, riverID int64) error {
	if _, err := t.client.JobCancelTx(ctx, t.tx, riverID); err != nil && !errors.Is(err, rivertype.ErrNotFound) {
		return fmt.Errorf("cancel river job %d: %w", riverID, err)
	}
	return nil
}

func (r *riverQueue[TTx]) DB() Querier     { return r.q }
func (r *riverQueue[TTx]) Dialect() string { return r.name }
func (r *riverQueue[TTx]) Close() error {
	r.stopBatcher()
	return r.closeDB()
}

func (r *riverQueue[TTx]) SameFile() error {
	if r.fileCheck == nil {
		return nil
	}
	return r.fileCheck()
}

func (r *riverQueue[TTx]) Check(ctx context.Context) error {
	if err := r.SameFile(); err != nil {
		return err
	}
	if _, err := r.q.Exec(ctx, `INSERT INTO doctown_health (id, checked_at) VALUES (1, ?)
		ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`, time.Now().UnixMilli()); err != nil {
		return fmt.Errorf("database write: %w", err)
	}
	return nil
}
func (r *riverQueue[TTx]) Start(ctx context.Context) error {
	return r.client.Start(ctx)
}
func (r *riverQueue[TTx]) Stop(ctx context.Context) error { return r.client.Stop(ctx) }
func (r *riverQueue[TTx]) StopAndCancel(ctx context.Context) error {
	return r.client.StopAndCancel(ctx)
}
func (r *riverQueue[TTx]) InTx(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error {
	tx, q, commit, rollback, err := r.beginTx(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(ctx, riverTx[TTx]{Querier: q, tx: tx, client: r.client}); err != nil {
		if rerr := rollback(context.WithoutCancel(ctx)); rerr != nil {
			err = errors.Join(err, fmt.Errorf("rollback: %w", rerr))
		}
		return err
	}
	if err := commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func riverConfig(o Options, workers *river.Workers) *river.Config {
	queues := map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: o.Workers}}
	for name, n := range o.Queues {
		queues[name] = river.QueueConfig{MaxWorkers: n}
	}
	cfg := &river.Config{
		Queues:      queues,
		Workers:     workers,
		JobTimeout:  o.JobTimeout,
		MaxAttempts: o.MaxAttempts,
		// A job still "running" this long after its timeout belonged to a relay
		// that died; River gives it to another.
		RescueStuckJobsAfter: o.JobTimeout + 5*time.Minute,
		FetchPollInterval:    o.PollInterval,
		RetryPolicy:          o.RetryPolicy,
		Logger:               o.Logger,
	}
	if o.PollInterval > 0 && o.PollInterval < river.FetchCooldownDefault {
		cfg.FetchCooldown = o.PollInterval
	}
	return cfg
}

// OpenSQLite opens River and the relay's tables in dataDir/relay.db.
func OpenSQLite(ctx context.Context, dataDir string, o Options, workers *river.Workers) (Queue, error) {
	db, err := openSQLite(ctx, dataDir)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dataDir, "relay.db")
	opened, err := os.Stat(path)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open sqlite: %w", err), db.Close())
	}
	driver := riversqlite.New(db)
	if err := migrate(ctx, driver); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	q := sqlQuerier{db}
	for _, stmt := range schema {
		if _, err := q.Exec(ctx, stmt); err != nil {
			return nil, errors.Join(fmt.Errorf("relay schema: %w", err), db.Close())
		}
	}
	if err := migrateColumns(ctx, q); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	client, err := river.NewClient(driver, riverConfig(o, workers))
	if err != nil {
		return nil, errors.Join(fmt.Errorf("river: %w", err), db.Close())
	}
	rq := &riverQueue[*sql.Tx]{
		client: client,
		q:      q,
		name:   "sqlite",
		beginTx: func(ctx context.Context) (*sql.Tx, Querier, func(context.Context) error, func(context.Context) error, error) {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return nil, nil, nil, nil, err
			}
			return tx, sqlQuerier{tx}, func(context.Context) error { return tx.Commit() }, func(context.Context) error { return tx.Rollback() }, nil
		},
		closeDB: db.Close,
		fileCheck: func() error {
			cur, err := os.Stat(path)
			if err != nil {
				return fmt.Errorf("database file %s: %w", path, err)
			}
			if !os.SameFile(opened, cur) {
				return fmt.Errorf("database file %s was replaced since the relay opened it", path)
			}
			return nil
		},
	}
	rq.startBatcher()
	return rq, nil
}

// OpenPostgres connects River and the relay's tables to databaseURL. Several
// relays may share it: River hands each job to one of them.
func OpenPostgres(ctx context.Context, databaseURL string, o Options, workers *river.Workers) (Queue, error) {
	pool, err := openPostgres(ctx, databaseURL)
	if err != nil {
		return nil, err
	}
	driver := riverpgxv5.New(pool)
	q := pgxQuerier{pool}
	// Relays starting together must not race on migrations: a session advisory
	// lock (River's migrations cannot run in one transaction on PostgreSQL: a
	// new enum value is used by a later step).
	err = func() (err error) {
		conn, err := pool.Acquire(ctx)
		if err != nil {
			return err
		}
		defer conn.Release()
		if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(7405180001)"); err != nil {
			return err
		}
		defer func() {
			if _, uerr := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(7405180001)"); uerr != nil {
				err = errors.Join(err, fmt.Errorf("migration lock: %w", uerr))
			}
		}()
		if err := migrate(ctx, driver); err != nil {
			return err
		}
		for _, stmt := range schema {
			if _, err := conn.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("relay schema: %w", err)
			}
		}
		return migrateColumns(ctx, pgxQuerier{conn})
	}()
	if err != nil {
		pool.Close()
		return nil, err
	}
	client, err := river.NewClient(driver, riverConfig(o, workers))
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("river: %w", err)
	}
	return &riverQueue[pgx.Tx]{
		client: client,
		q:      q,
		name:   "postgres",
		beginTx: func(ctx context.Context) (pgx.Tx, Querier, func(context.Context) error, func(context.Context) error, error) {
			tx, err := pool.Begin(ctx)
			if err != nil {
				return nil, nil, nil, nil, err
			}
			return tx, pgxQuerier{tx}, tx.Commit, tx.Rollback, nil
		},
		closeDB: func() error { pool.Close(); return nil },
	}, nil
}

func migrate[TTx any](ctx context.Context, driver riverdriver.Driver[TTx]) error {
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	return nil
}
