// Package catalog is the commons' index of stored docpacks, kept in the
// relay's database next to the jobs: one row per stored docpack and each
// repository's latest pointer (the newest push's docpack). A row is written
// only after its object is stored; private rows are visible only to readers
// the access check lets in.
package catalog

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/doctown/doctown/docpack/apidiff"
	"github.com/doctown/doctown/relay/commons"
	"github.com/doctown/doctown/relay/queue"
)

// Catalog is the commons' index of stored docpacks, kept in the relay's
// database next to the jobs. A row is written only after its object is stored.
type Catalog struct {
	db queue.Querier
	// access decides who may see a private repository's docpacks (nil:
	// nobody). A private entry is invisible otherwise: not listed, and
	// ErrNotFound from Latest and Get.
	access Access
}

var _ commons.Catalog = (*Catalog)(nil)

// Access is the reader of a request, as the catalog asks about it.
type Access interface {
	// Anonymous reports that the request proves nothing: it can read no
	// private repository, so listings filter those rows in the query.
	Anonymous(ctx context.Context) bool
	// CanRead reports whether the request's reader may read owner/repo.
	CanRead(ctx context.Context, owner, repo string) bool
}

// New is the catalog in db; access decides, per request, who may see a
// private repository's docpacks (nil: nobody).
func New(db queue.Querier, access Access) *Catalog {
	return &Catalog{db: db, access: access}
}

const entryColumns = `d.owner, d.repo, d.sha, d.ref, d.object_key, d.size, d.symbol_count, d.generator, d.model, d.created_at, d.private,
	d.pull, d.changes_base, d.changes_verdict, d.changes_added, d.changes_removed, d.changes_moved, d.changes_changed, d.crates`

// scanEntry reads one row of entryColumns; private is the repository's flag.
func scanEntry(r interface{ Scan(...any) error }) (e commons.Entry, private bool, err error) {
	var symbols, created, pull, added, removed, moved, changed int64
	var base, verdict, crates string
	if err := r.Scan(&e.Owner, &e.Repo, &e.SHA, &e.Ref, &e.Key, &e.Size, &symbols, &e.Generator, &e.Model, &created, &private,
		&pull, &base, &verdict, &added, &removed, &moved, &changed, &crates); err != nil {
		return e, false, err
	}
	if crates != "" {
		// Written by Add from commons.Cards; a row that does not decode lists no crates.
		_ = json.Unmarshal([]byte(crates), &e.Crates)
	}
	e.SymbolCount, e.Pull = int(symbols), int(pull)
	e.CreatedAt = queue.FromMillis(created)
	if v, ok := apidiff.ParseSeverity(verdict); ok {
		e.Changes = &commons.ChangeSummary{Base: base, Verdict: v,
			Counts: apidiff.Counts{Added: int(added), Removed: int(removed), Moved: int(moved), Changed: int(changed)}}
	}
	return e, private, nil
}

// visible reports whether the request may see an entry.
func (c *Catalog) visible(ctx context.Context, e commons.Entry, private bool) bool {
	return !private || (c.access != nil && c.access.CanRead(ctx, e.Owner, e.Repo))
}

// anonymous reports whether the request may see no private entry at all.
func (c *Catalog) anonymous(ctx context.Context) bool {
	return c.access == nil || c.access.Anonymous(ctx)
}

// maxListLimit bounds one page of List.
const maxListLimit = 200

// maxListScan bounds the rows one List reads for a reader with a token,
// whose private rows are checked one repository at a time: past it the page
// ends early, with a cursor that continues after the last row read.
const maxListScan = 4000

// List returns a page of entries newest first. Owner and Repo filter exactly
// (case insensitive); Query matches "owner/repo" as a substring. Cursor
// continues an earlier page. Private entries the reader may not see are left
// out before the page is cut, so a page is full (Limit entries) whenever more
// entries follow: for an anonymous reader the query itself leaves them out;
// for one with a token, rows are read in batches and checked (one access
// check per repository) until the page is full.
func (c *Catalog) List(ctx context.Context, q commons.ListQuery) ([]commons.Entry, string, error) {
	limit := q.Limit
	if limit <= 0 || limit > maxListLimit {
		limit = 50
	}
	where := ` WHERE 1 = 1`
	if !q.Previews {
		where += ` AND d.pull = 0`
	}
	var args []any
	if q.Owner != "" {
		where += ` AND LOWER(d.owner) = ?`
		args = append(args, strings.ToLower(q.Owner))
	}
	if q.Repo != "" {
		where += ` AND LOWER(d.repo) = ?`
		args = append(args, strings.ToLower(q.Repo))
	}
	if s := strings.TrimSpace(q.Query); s != "" {
		where += ` AND LOWER(d.owner || '/' || d.repo) LIKE ? ESCAPE '\'`
		args = append(args, "%"+escapeLike(strings.ToLower(s))+"%")
	}
	anonymous := c.anonymous(ctx)
	if anonymous {
		where += ` AND d.private = FALSE`
	}
	var after *cursor
	if q.Cursor != "" {
		cur, err := decodeCursor(q.Cursor)
		if err != nil {
			return nil, "", err
		}
		after = &cur
	}
	batch := limit + 1
	if !anonymous {
		batch = max(batch, 100)
	}
	// readable caches the access answer per repository within this request.
	readable := map[string]bool{}
	var out []commons.Entry
	scanned := 0
	for {
		sql := `SELECT ` + entryColumns + ` FROM doctown_docpacks d` + where
		qargs := slices.Clip(args)
		if after != nil {
			sql += ` AND (d.created_at < ? OR (d.created_at = ? AND (d.owner || '/' || d.repo || '@' || d.sha) > ?))`
			qargs = append(qargs, after.created, after.created, after.id)
		}
		sql += ` ORDER BY d.created_at DESC, d.owner || '/' || d.repo || '@' || d.sha ASC LIMIT ?`
		qargs = append(qargs, batch)
		n, last, err := c.scanPage(ctx, sql, qargs, func(e commons.Entry, private bool) bool {
			if private {
				k := strings.ToLower(e.Owner + "/" + e.Repo)
				ok, seen := readable[k]
				if !seen {
					ok = c.visible(ctx, e, true)
					readable[k] = ok
				}
				if !ok {
					return true
				}
			}
			out = append(out, e)
			return len(out) <= limit
		})
		if err != nil {
			return nil, "", err
		}
		scanned += n
		switch {
		case len(out) > limit:
			out = out[:limit]
			l := out[len(out)-1]
			return out, encodeCursor(cursor{created: queue.Millis(l.CreatedAt), id: l.Owner + "/" + l.Repo + "@" + l.SHA}), nil
		case n < batch:
			return out, "", nil // no more rows
		case scanned >= maxListScan:
			return out, encodeCursor(last), nil
		}
		after = &last
	}
}

// scanPage runs one batch of List and hands each row to take until it
// returns false; it reports how many rows it read and the cursor of the last.
func (c *Catalog) scanPage(ctx context.Context, sql string, args []any, take func(commons.Entry, bool) bool) (int, cursor, error) {
	r, err := c.db.Query(ctx, sql, args...)
	if err != nil {
		return 0, cursor{}, fmt.Errorf("list docpacks: %w", err)
	}
	defer r.Close()
	n := 0
	var last cursor
	for r.Next() {
		e, private, err := scanEntry(r)
		if err != nil {
			return n, last, fmt.Errorf("list docpacks: %w", err)
		}
		n++
		last = cursor{created: queue.Millis(e.CreatedAt), id: e.Owner + "/" + e.Repo + "@" + e.SHA}
		if !take(e, private) {
			break
		}
	}
	if err := r.Err(); err != nil {
		return n, last, fmt.Errorf("list docpacks: %w", err)
	}
	return n, last, nil
}

// Latest returns the newest pushed commit's docpack of owner/repo.
func (c *Catalog) Latest(ctx context.Context, owner, repo string) (commons.Entry, error) {
	r, err := c.db.Query(ctx, `SELECT `+entryColumns+` FROM doctown_latest l
		JOIN doctown_docpacks d ON d.owner = l.owner AND d.repo = l.repo AND d.sha = l.sha
		WHERE LOWER(l.owner) = ? AND LOWER(l.repo) = ?`, strings.ToLower(owner), strings.ToLower(repo))
	return c.one(ctx, r, err)
}

// Get returns the docpack of one commit.
func (c *Catalog) Get(ctx context.Context, owner, repo, sha string) (commons.Entry, error) {
	r, err := c.db.Query(ctx, `SELECT `+entryColumns+` FROM doctown_docpacks d
		WHERE LOWER(d.owner) = ? AND LOWER(d.repo) = ? AND d.sha = ?`, strings.ToLower(owner), strings.ToLower(repo), strings.ToLower(sha))
	return c.one(ctx, r, err)
}

// Pull returns the preview of pull request number: its newest head's
// docpack, or else the newest docpack built for it (the head moved and the
// new one is not built yet).
func (c *Catalog) Pull(ctx context.Context, owner, repo string, number int) (commons.Entry, error) {
	r, err := c.db.Query(ctx, `SELECT `+entryColumns+` FROM doctown_pulls p
		JOIN doctown_docpacks d ON d.owner = p.owner AND d.repo = p.repo AND d.sha = p.head_sha
		WHERE LOWER(p.owner) = ? AND LOWER(p.repo) = ? AND p.number = ?`, strings.ToLower(owner), strings.ToLower(repo), number)
	e, err := c.one(ctx, r, err)
	if !errors.Is(err, commons.ErrNotFound) {
		return e, err
	}
	r, err = c.db.Query(ctx, `SELECT `+entryColumns+` FROM doctown_docpacks d
		WHERE LOWER(d.owner) = ? AND LOWER(d.repo) = ? AND d.pull = ? ORDER BY d.created_at DESC LIMIT 1`,
		strings.ToLower(owner), strings.ToLower(repo), number)
	return c.one(ctx, r, err)
}

func (c *Catalog) one(ctx context.Context, r queue.Rows, err error) (commons.Entry, error) {
	if err != nil {
		return commons.Entry{}, fmt.Errorf("catalog: %w", err)
	}
	defer r.Close()
	if !r.Next() {
		if err := r.Err(); err != nil {
			return commons.Entry{}, fmt.Errorf("catalog: %w", err)
		}
		return commons.Entry{}, commons.ErrNotFound
	}
	e, private, err := scanEntry(r)
	if err != nil {
		return e, fmt.Errorf("catalog: %w", err)
	}
	r.Close()
	if !c.visible(ctx, e, private) {
		// The same answer as for a repository that was never built.
		return commons.Entry{}, commons.ErrNotFound
	}
	return e, nil
}

// Add records a stored docpack in tx and moves the repository's latest
// pointer to it unless a later push already has a docpack. A pull request's
// preview (e.Pull set) never moves it.
func Add(ctx context.Context, tx queue.Querier, e commons.Entry, jobID string, pushedAt time.Time, private bool) error {
	crates := ""
	if len(e.Crates) > 0 {
		b, err := json.Marshal(e.Crates)
		if err != nil {
			return fmt.Errorf("catalog: %w", err)
		}
		crates = string(b)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO doctown_docpacks (owner, repo, sha, ref, object_key, size, symbol_count, generator, model, job_id, created_at, private, pull, pushed_at, crates)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (owner, repo, sha) DO UPDATE SET ref = excluded.ref, object_key = excluded.object_key, size = excluded.size,
			symbol_count = excluded.symbol_count, generator = excluded.generator, model = excluded.model, job_id = excluded.job_id, created_at = excluded.created_at,
			private = excluded.private, pull = excluded.pull, pushed_at = excluded.pushed_at, crates = excluded.crates`,
		e.Owner, e.Repo, e.SHA, e.Ref, e.Key, e.Size, int64(e.SymbolCount), e.Generator, e.Model, jobID, queue.Millis(e.CreatedAt), private,
		int64(e.Pull), queue.Millis(pushedAt), crates); err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	if e.Pull != 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO doctown_latest (owner, repo, sha, pushed_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (owner, repo) DO UPDATE SET sha = excluded.sha, pushed_at = excluded.pushed_at
		WHERE doctown_latest.pushed_at <= excluded.pushed_at`,
		e.Owner, e.Repo, e.SHA, queue.Millis(pushedAt)); err != nil {
		return fmt.Errorf("catalog latest: %w", err)
	}
	return nil
}

// Repushed records, in tx, a new push of a commit that may already have a
// docpack (a force-push back to it, or a pull request's head merged as it
// was): the repository's rows take its current visibility, a preview of the
// commit becomes the pushed ref's docpack, and the latest pointer moves back
// to it — latest follows the newest push, whether or not its commit was
// built before.
func Repushed(ctx context.Context, tx queue.Querier, owner, repo, sha, ref string, private bool, pushedAt time.Time) error {
	if _, err := tx.Exec(ctx, `UPDATE doctown_docpacks SET private = ? WHERE owner = ? AND repo = ?`, private, owner, repo); err != nil {
		return fmt.Errorf("record push: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE doctown_docpacks SET pull = 0, ref = ?, pushed_at = ? WHERE owner = ? AND repo = ? AND sha = ? AND pull != 0`,
		ref, queue.Millis(pushedAt), owner, repo, sha); err != nil {
		return fmt.Errorf("record push: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO doctown_latest (owner, repo, sha, pushed_at)
		SELECT owner, repo, sha, ? FROM doctown_docpacks WHERE owner = ? AND repo = ? AND sha = ?
		ON CONFLICT (owner, repo) DO UPDATE SET sha = excluded.sha, pushed_at = excluded.pushed_at
		WHERE doctown_latest.pushed_at <= excluded.pushed_at`,
		queue.Millis(pushedAt), owner, repo, sha); err != nil {
		return fmt.Errorf("record push: %w", err)
	}
	return nil
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

type cursor struct {
	created int64
	id      string
}

// ErrBadCursor is a cursor List did not hand out.
var ErrBadCursor = commons.ErrBadCursor

func encodeCursor(c cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.created, 10) + "|" + c.id))
}

func decodeCursor(s string) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, ErrBadCursor
	}
	ms, id, ok := strings.Cut(string(b), "|")
	if !ok {
		return cursor{}, ErrBadCursor
	}
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		return cursor{}, ErrBadCursor
	}
	return cursor{created: n, id: id}, nil
}
