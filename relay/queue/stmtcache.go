package queue

import (
	"context"
	"database/sql/driver"
	"errors"
	"reflect"
	"sync"

	"modernc.org/sqlite"
)

// Statement cache. database/sql prepares a statement for every ExecContext
// and QueryContext on a connection that runs them directly, and SQLite's
// parser and planner were a fifth of a webhook's CPU time (River's job
// insert is a long statement). cachingConnector keeps each connection's
// prepared statements by their text and runs a repeat on the prepared one.

// maxCachedStmts bounds the statements kept per connection; past it the
// oldest is closed.
const maxCachedStmts = 128

// cachingConnector opens modernc's SQLite connections wrapped in a
// statement cache.
type cachingConnector struct {
	dsn string
	drv *sqlite.Driver
}

func (c cachingConnector) Connect(context.Context) (driver.Conn, error) {
	inner, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &cachingConn{inner: inner, stmts: map[string]*cachedStmt{}}, nil
}

func (c cachingConnector) Driver() driver.Driver { return c.drv }

type cachedStmt struct {
	st driver.Stmt
	// busy is set while rows of st are open: a query of the same text then
	// gets a statement of its own.
	busy bool
}

// cachingConn is one SQLite connection with its statement cache. database/sql
// uses a connection from one goroutine at a time, but rows may stay open
// while another statement runs in the same transaction: mu guards the cache.
type cachingConn struct {
	inner driver.Conn
	mu    sync.Mutex
	stmts map[string]*cachedStmt
	order []string
}

var (
	_ driver.Conn               = (*cachingConn)(nil)
	_ driver.ConnBeginTx        = (*cachingConn)(nil)
	_ driver.ConnPrepareContext = (*cachingConn)(nil)
	_ driver.ExecerContext      = (*cachingConn)(nil)
	_ driver.QueryerContext     = (*cachingConn)(nil)
	_ driver.SessionResetter    = (*cachingConn)(nil)
	_ driver.Validator          = (*cachingConn)(nil)
	_ driver.Pinger             = (*cachingConn)(nil)
)

func (c *cachingConn) Prepare(query string) (driver.Stmt, error) { return c.inner.Prepare(query) }

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.inner.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (c *cachingConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.inner.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *cachingConn) ResetSession(ctx context.Context) error {
	return c.inner.(driver.SessionResetter).ResetSession(ctx)
}

func (c *cachingConn) IsValid() bool { return c.inner.(driver.Validator).IsValid() }

func (c *cachingConn) Ping(ctx context.Context) error { return c.inner.(driver.Pinger).Ping(ctx) }

// Close closes the cached statements, then the connection.
func (c *cachingConn) Close() error {
	c.mu.Lock()
	var errs []error
	for _, s := range c.stmts {
		errs = append(errs, s.st.Close())
	}
	c.stmts, c.order = nil, nil
	c.mu.Unlock()
	return errors.Join(append(errs, c.inner.Close())...)
}

// take returns the cached statement of query, preparing it on first use;
// release (never nil) gives it back. A busy statement is not shared: the
// caller gets a fresh one that release closes.
func (c *cachingConn) take(ctx context.Context, query string) (driver.Stmt, func() error, error) {
	c.mu.Lock()
	if s, ok := c.stmts[query]; ok && !s.busy {
		s.busy = true
		c.mu.Unlock()
		return s.st, func() error { c.mu.Lock(); s.busy = false; c.mu.Unlock(); return nil }, nil
	}
	_, cached := c.stmts[query]
	c.mu.Unlock()
	st, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	if cached {
		return st, st.Close, nil
	}
	s := &cachedStmt{st: st, busy: true}
	var evict driver.Stmt
	c.mu.Lock()
	if c.stmts == nil { // closed meanwhile
		c.mu.Unlock()
		return st, st.Close, nil
	}
	c.stmts[query] = s
	c.order = append(c.order, query)
	if len(c.order) > maxCachedStmts {
		old := c.order[0]
		c.order = c.order[1:]
		if o := c.stmts[old]; o != nil && !o.busy {
			evict = o.st
			delete(c.stmts, old)
		} else {
			c.order = append(c.order, old) // in use: keep it, evict later
		}
	}
	c.mu.Unlock()
	var cerr error
	if evict != nil {
		cerr = evict.Close()
	}
	return st, func() error { c.mu.Lock(); s.busy = false; c.mu.Unlock(); return nil }, cerr
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	st, release, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	res, err := st.(driver.StmtExecContext).ExecContext(ctx, args)
	return res, errors.Join(err, release())
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	st, release, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := st.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, errors.Join(err, release())
	}
	return &releasingRows{Rows: rows, release: release}, nil
}

// releasingRows gives its statement back to the cache when closed.
type releasingRows struct {
	driver.Rows
	release func() error
	once    sync.Once
}

func (r *releasingRows) Close() error {
	err := r.Rows.Close()
	r.once.Do(func() { err = errors.Join(err, r.release()) })
	return err
}

// The column type methods of modernc's rows, passed through.

func (r *releasingRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *releasingRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *releasingRows) ColumnTypeNullable(i int) (bool, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *releasingRows) ColumnTypePrecisionScale(i int) (int64, int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}

func (r *releasingRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}
