package relay

import (
	"context"
	"database/sql"
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
)

// BuildArgs are the River arguments of a build job. River keeps one job per
// (owner, repo, sha) alive at a time; the relay's own table is unique on the
// same three columns.
type BuildArgs struct {
	JobID          string `json:"job_id"`
	Owner          string `json:"owner" river:"unique"`
	Repo           string `json:"repo" river:"unique"`
	SHA            string `json:"sha" river:"unique"`
	Ref            string `json:"ref"`
	InstallationID int64  `json:"installation_id"`
	Private        bool   `json:"private,omitempty"`
}

// Kind names the job kind in River's table.
func (BuildArgs) Kind() string { return "doctown_build" }

// InsertOpts makes build jobs unique by their tagged fields.
func (BuildArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// ResolveArgs are a job that looks up a repository's default branch and head
// commit (the installation payloads do not carry them) and then enqueues its build.
type ResolveArgs struct {
	Owner          string `json:"owner" river:"unique"`
	Repo           string `json:"repo" river:"unique"`
	InstallationID int64  `json:"installation_id" river:"unique"`
	DeliveryID     string `json:"delivery_id"`
	Private        bool   `json:"private,omitempty"`
}

// Kind names the job kind in River's table.
func (ResolveArgs) Kind() string { return "doctown_resolve" }

// InsertOpts runs lookups on their own queue, unique while pending.
func (ResolveArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: resolveQueue, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

const resolveQueue = "resolve"

// queue is River on one of its two databases, plus the relay's own tables in the
// same database, so a webhook's delivery row, job rows and River jobs commit
// together.
type queue interface {
	// db runs the relay's SQL outside a transaction.
	db() querier
	// inTx runs fn in one transaction, committed when fn returns nil.
	inTx(ctx context.Context, fn func(ctx context.Context, tx queueTx) error) error
	start(ctx context.Context) error
	// stop waits for running jobs; stopAndCancel cancels them (River retries them later).
	stop(ctx context.Context) error
	stopAndCancel(ctx context.Context) error
	cancel(ctx context.Context, riverID int64) error
	dialect() string
	// check reports whether the database is the one opened (SQLite: the file
	// at its path is still the file open) and takes a write.
	check(ctx context.Context) error
	// sameFile is check's first half alone (no write), cheap enough for
	// every webhook.
	sameFile() error
	close()
}

// queueTx is a transaction that can also insert River jobs.
type queueTx interface {
	querier
	insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (id int64, duplicate bool, err error)
}

// queueOptions tune River; zero values are River's defaults.
type queueOptions struct {
	Workers      int
	JobTimeout   time.Duration
	MaxAttempts  int
	PollInterval time.Duration
	RetryPolicy  river.ClientRetryPolicy
	Logger       *slog.Logger
}

type riverQueue[TTx any] struct {
	client  *river.Client[TTx]
	q       querier
	name    string
	beginTx func(ctx context.Context) (TTx, querier, func(context.Context) error, func(context.Context) error, error)
	closeDB func()
	// sameFile reports whether the database file is still the one opened; nil
	// for PostgreSQL.
	fileCheck func() error
}

type riverTx[TTx any] struct {
	querier
	tx     TTx
	client *river.Client[TTx]
}

func (t riverTx[TTx]) insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (int64, bool, error) {
	res, err := t.client.InsertTx(ctx, t.tx, args, opts)
	if err != nil {
		return 0, false, fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	return res.Job.ID, res.UniqueSkippedAsDuplicate, nil
}

func (r *riverQueue[TTx]) db() querier     { return r.q }
func (r *riverQueue[TTx]) dialect() string { return r.name }
func (r *riverQueue[TTx]) close()          { r.closeDB() }

func (r *riverQueue[TTx]) sameFile() error {
	if r.fileCheck == nil {
		return nil
	}
	return r.fileCheck()
}

func (r *riverQueue[TTx]) check(ctx context.Context) error {
	if err := r.sameFile(); err != nil {
		return err
	}
	if _, err := r.q.exec(ctx, `INSERT INTO doctown_health (id, checked_at) VALUES (1, ?)
		ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`, time.Now().UnixMilli()); err != nil {
		return fmt.Errorf("database write: %w", err)
	}
	return nil
}
func (r *riverQueue[TTx]) start(ctx context.Context) error {
	return r.client.Start(ctx)
}
func (r *riverQueue[TTx]) stop(ctx context.Context) error { return r.client.Stop(ctx) }
func (r *riverQueue[TTx]) stopAndCancel(ctx context.Context) error {
	return r.client.StopAndCancel(ctx)
}
func (r *riverQueue[TTx]) cancel(ctx context.Context, id int64) error {
	_, err := r.client.JobCancel(ctx, id)
	return err
}

func (r *riverQueue[TTx]) inTx(ctx context.Context, fn func(ctx context.Context, tx queueTx) error) error {
	tx, q, commit, rollback, err := r.beginTx(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(ctx, riverTx[TTx]{querier: q, tx: tx, client: r.client}); err != nil {
		rollback(context.WithoutCancel(ctx))
		return err
	}
	if err := commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func riverConfig(o queueOptions, workers *river.Workers) *river.Config {
	cfg := &river.Config{
		Queues: map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: o.Workers},
			resolveQueue:       {MaxWorkers: 4},
		},
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

// newSQLiteQueue opens River and the relay's tables in dataDir/relay.db.
func newSQLiteQueue(ctx context.Context, dataDir string, o queueOptions, workers *river.Workers) (queue, error) {
	db, err := openSQLite(ctx, dataDir)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dataDir, "relay.db")
	opened, err := os.Stat(path)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	driver := riversqlite.New(db)
	if err := migrate(ctx, driver); err != nil {
		db.Close()
		return nil, err
	}
	q := sqlQuerier{db}
	for _, stmt := range schema {
		if _, err := q.exec(ctx, stmt); err != nil {
			db.Close()
			return nil, fmt.Errorf("relay schema: %w", err)
		}
	}
	if err := migrateColumns(ctx, q); err != nil {
		db.Close()
		return nil, err
	}
	client, err := river.NewClient(driver, riverConfig(o, workers))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("river: %w", err)
	}
	return &riverQueue[*sql.Tx]{
		client: client,
		q:      q,
		name:   "sqlite",
		beginTx: func(ctx context.Context) (*sql.Tx, querier, func(context.Context) error, func(context.Context) error, error) {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return nil, nil, nil, nil, err
			}
			return tx, sqlQuerier{tx}, func(context.Context) error { return tx.Commit() }, func(context.Context) error { return tx.Rollback() }, nil
		},
		closeDB: func() { db.Close() },
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
	}, nil
}

// newPostgresQueue connects River and the relay's tables to databaseURL. Several
// relays may share it: River hands each job to one of them.
func newPostgresQueue(ctx context.Context, databaseURL string, o queueOptions, workers *river.Workers) (queue, error) {
	pool, err := openPostgres(ctx, databaseURL)
	if err != nil {
		return nil, err
	}
	driver := riverpgxv5.New(pool)
	q := pgxQuerier{pool}
	// Relays starting together must not race on migrations: a session advisory
	// lock (River's migrations cannot run in one transaction on PostgreSQL: a
	// new enum value is used by a later step).
	err = func() error {
		conn, err := pool.Acquire(ctx)
		if err != nil {
			return err
		}
		defer conn.Release()
		if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(7405180001)"); err != nil {
			return err
		}
		defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(7405180001)")
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
		beginTx: func(ctx context.Context) (pgx.Tx, querier, func(context.Context) error, func(context.Context) error, error) {
			tx, err := pool.Begin(ctx)
			if err != nil {
				return nil, nil, nil, nil, err
			}
			return tx, pgxQuerier{tx}, tx.Commit, tx.Rollback, nil
		},
		closeDB: pool.Close,
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
