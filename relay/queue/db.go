package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"modernc.org/sqlite"
)

// Querier runs the relay's own SQL on either database, in or out of a
// transaction. Queries are written with "?" placeholders; the PostgreSQL side
// rewrites them to $n.
type Querier interface {
	// Exec runs a statement and returns the rows it changed.
	Exec(ctx context.Context, q string, args ...any) (int64, error)
	// Query runs a query.
	Query(ctx context.Context, q string, args ...any) (Rows, error)
}

// Rows is the part of *sql.Rows and pgx.Rows the relay uses.
type Rows interface {
	Next() bool
	Scan(dst ...any) error
	Err() error
	Close()
}

// QueryRow runs q and scans its first row into dst; ErrNoRows when there is none.
func QueryRow(ctx context.Context, db Querier, q string, args []any, dst ...any) error {
	r, err := db.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer r.Close()
	if !r.Next() {
		if err := r.Err(); err != nil {
			return err
		}
		return ErrNoRows
	}
	if err := r.Scan(dst...); err != nil {
		return err
	}
	return r.Err()
}

// ErrNoRows is QueryRow's answer when the query found nothing.
var ErrNoRows = errors.New("no rows")

// sqlQuerier is *sql.DB or *sql.Tx (SQLite).
type sqlQuerier struct {
	db interface {
		ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
		QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	}
}

func (s sqlQuerier) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := s.db.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (s sqlQuerier) Query(ctx context.Context, q string, args ...any) (Rows, error) {
	r, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{r}, nil
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { r.Rows.Close() }

// pgxQuerier is *pgxpool.Pool or pgx.Tx (PostgreSQL).
type pgxQuerier struct {
	db interface {
		Exec(ctx context.Context, q string, args ...any) (pgconn.CommandTag, error)
		Query(ctx context.Context, q string, args ...any) (pgx.Rows, error)
	}
}

func (p pgxQuerier) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := p.db.Exec(ctx, rebind(q), args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (p pgxQuerier) Query(ctx context.Context, q string, args ...any) (Rows, error) {
	r, err := p.db.Query(ctx, rebind(q), args...)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// rebind turns "?" placeholders into PostgreSQL's $1, $2, …. The relay's SQL has
// no "?" inside string literals.
func rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// schema is the relay's own tables, valid on SQLite and PostgreSQL. Times are
// Unix milliseconds; "no time" is 0.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS doctown_jobs (
		id TEXT PRIMARY KEY,
		owner TEXT NOT NULL,
		repo TEXT NOT NULL,
		sha TEXT NOT NULL,
		ref TEXT NOT NULL DEFAULT '',
		installation_id BIGINT NOT NULL DEFAULT 0,
		state TEXT NOT NULL,
		attempts BIGINT NOT NULL DEFAULT 0,
		error TEXT NOT NULL DEFAULT '',
		river_job_id BIGINT NOT NULL DEFAULT 0,
		delivery_id TEXT NOT NULL DEFAULT '',
		created_at BIGINT NOT NULL,
		updated_at BIGINT NOT NULL,
		dispatched_at BIGINT NOT NULL DEFAULT 0,
		finished_at BIGINT NOT NULL DEFAULT 0,
		pushed_at BIGINT NOT NULL DEFAULT 0,
		UNIQUE (owner, repo, sha)
	)`,
	`CREATE INDEX IF NOT EXISTS doctown_jobs_state ON doctown_jobs (state)`,
	`CREATE INDEX IF NOT EXISTS doctown_jobs_installation ON doctown_jobs (installation_id, state)`,
	`CREATE INDEX IF NOT EXISTS doctown_jobs_updated ON doctown_jobs (updated_at)`,
	`CREATE TABLE IF NOT EXISTS doctown_deliveries (
		id TEXT PRIMARY KEY,
		event TEXT NOT NULL,
		received_at BIGINT NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS doctown_docpacks (
		owner TEXT NOT NULL,
		repo TEXT NOT NULL,
		sha TEXT NOT NULL,
		ref TEXT NOT NULL DEFAULT '',
		object_key TEXT NOT NULL,
		size BIGINT NOT NULL,
		symbol_count BIGINT NOT NULL DEFAULT 0,
		generator TEXT NOT NULL DEFAULT '',
		model TEXT NOT NULL DEFAULT '',
		job_id TEXT NOT NULL DEFAULT '',
		created_at BIGINT NOT NULL,
		PRIMARY KEY (owner, repo, sha)
	)`,
	`CREATE INDEX IF NOT EXISTS doctown_docpacks_created ON doctown_docpacks (created_at)`,
	`CREATE TABLE IF NOT EXISTS doctown_health (
		id BIGINT PRIMARY KEY,
		checked_at BIGINT NOT NULL
	)`,
	`CREATE INDEX IF NOT EXISTS doctown_deliveries_received ON doctown_deliveries (received_at)`,
	`CREATE TABLE IF NOT EXISTS doctown_latest (
		owner TEXT NOT NULL,
		repo TEXT NOT NULL,
		sha TEXT NOT NULL,
		pushed_at BIGINT NOT NULL,
		PRIMARY KEY (owner, repo)
	)`,
	// One row per pull request the relay has seen: its newest head (the
	// preview), its base, and when it closed (previews expire after).
	`CREATE TABLE IF NOT EXISTS doctown_pulls (
		owner TEXT NOT NULL,
		repo TEXT NOT NULL,
		number BIGINT NOT NULL,
		head_sha TEXT NOT NULL,
		head_repo TEXT NOT NULL DEFAULT '',
		base_ref TEXT NOT NULL DEFAULT '',
		base_sha TEXT NOT NULL DEFAULT '',
		state TEXT NOT NULL,
		closed_at BIGINT NOT NULL DEFAULT 0,
		updated_at BIGINT NOT NULL,
		PRIMARY KEY (owner, repo, number)
	)`,
	`CREATE INDEX IF NOT EXISTS doctown_pulls_closed ON doctown_pulls (state, closed_at)`,
}

// columns are columns added to the relay's tables after their first release:
// table, column, definition. migrateColumns adds the missing ones.
var columns = [][3]string{
	{"doctown_jobs", "pushed_at", "BIGINT NOT NULL DEFAULT 0"},
	{"doctown_jobs", "private", "BOOLEAN NOT NULL DEFAULT FALSE"},
	{"doctown_docpacks", "private", "BOOLEAN NOT NULL DEFAULT FALSE"},
	{"doctown_jobs", "worker", "TEXT NOT NULL DEFAULT ''"},
	{"doctown_jobs", "heartbeat_at", "BIGINT NOT NULL DEFAULT 0"},
	// Pull-request previews and check runs (issue 14): the pull request a
	// job builds (0: a push) and the check run reporting it.
	{"doctown_jobs", "pull", "BIGINT NOT NULL DEFAULT 0"},
	{"doctown_jobs", "check_run_id", "BIGINT NOT NULL DEFAULT 0"},
	{"doctown_docpacks", "pull", "BIGINT NOT NULL DEFAULT 0"},
	{"doctown_docpacks", "pushed_at", "BIGINT NOT NULL DEFAULT 0"},
	// The API diff's summary against the base, stored at ingest: an empty
	// changes_verdict means it was not computed.
	{"doctown_docpacks", "changes_base", "TEXT NOT NULL DEFAULT ''"},
	// The crates' cards for the commons home (commons.Cards), JSON.
	{"doctown_docpacks", "crates", "TEXT NOT NULL DEFAULT ''"},
	{"doctown_docpacks", "changes_verdict", "TEXT NOT NULL DEFAULT ''"},
	{"doctown_docpacks", "changes_added", "BIGINT NOT NULL DEFAULT 0"},
	{"doctown_docpacks", "changes_removed", "BIGINT NOT NULL DEFAULT 0"},
	{"doctown_docpacks", "changes_moved", "BIGINT NOT NULL DEFAULT 0"},
	{"doctown_docpacks", "changes_changed", "BIGINT NOT NULL DEFAULT 0"},
}

// migrateColumns adds each of columns its table lacks (probed with a query
// that names it: the same on SQLite and PostgreSQL).
func migrateColumns(ctx context.Context, q Querier) error {
	for _, c := range columns {
		r, err := q.Query(ctx, `SELECT `+c[1]+` FROM `+c[0]+` WHERE 1 = 0`)
		if err == nil {
			r.Close()
			continue
		}
		if _, err := q.Exec(ctx, `ALTER TABLE `+c[0]+` ADD COLUMN `+c[1]+` `+c[2]); err != nil {
			return fmt.Errorf("relay schema: add %s.%s: %w", c[0], c[1], err)
		}
	}
	return nil
}

// openSQLite opens (creating) the relay's database file in dir. River wants a
// single connection on SQLite: every statement is serialised through it.
func openSQLite(ctx context.Context, dir string) (*sql.DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	path := filepath.Join(dir, "relay.db")
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(FULL)&_pragma=temp_store(MEMORY)&_pragma=foreign_keys(ON)&_txlock=immediate"
	db := sql.OpenDB(cachingConnector{dsn: dsn, drv: &sqlite.Driver{}})
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("open sqlite %s: %w", path, err), db.Close())
	}
	return db, nil
}

// openPostgres connects to DATABASE_URL.
func openPostgres(ctx context.Context, url string) (*pgxpool.Pool, error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	return pool, nil
}

// Millis is how the relay's tables store a time: Unix milliseconds.
func Millis(t time.Time) int64 { return t.UnixMilli() }

// FromMillis reads a time stored by Millis, in UTC.
func FromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// OptMillis reads a time that may be absent (0): nil then.
func OptMillis(ms int64) *time.Time {
	if ms == 0 {
		return nil
	}
	t := FromMillis(ms)
	return &t
}
