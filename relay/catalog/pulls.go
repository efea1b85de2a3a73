package catalog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/doctown/doctown/relay/commons"
	"github.com/doctown/doctown/relay/queue"
)

// Pull states.
const (
	PullOpen   = "open"
	PullClosed = "closed"
)

// PullRequest is what the relay keeps of a pull request: its newest head (the
// commit its preview shows) and its base, from the last pull_request event.
type PullRequest struct {
	Owner, Repo string
	Number      int
	HeadSHA     string
	// HeadRepo is "owner/name" of the repository the head comes from (a
	// fork, or the repository itself).
	HeadRepo         string
	BaseRef, BaseSHA string
	State            string
	ClosedAt         time.Time
}

// RecordPull stores an opened, reopened or synchronized pull request in tx:
// open, with its new head.
func RecordPull(ctx context.Context, tx queue.Querier, p PullRequest, now time.Time) error {
	if _, err := tx.Exec(ctx, `INSERT INTO doctown_pulls (owner, repo, number, head_sha, head_repo, base_ref, base_sha, state, closed_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)
		ON CONFLICT (owner, repo, number) DO UPDATE SET head_sha = excluded.head_sha, head_repo = excluded.head_repo,
			base_ref = excluded.base_ref, base_sha = excluded.base_sha, state = excluded.state, closed_at = 0, updated_at = excluded.updated_at`,
		p.Owner, p.Repo, int64(p.Number), p.HeadSHA, p.HeadRepo, p.BaseRef, p.BaseSHA, PullOpen, queue.Millis(now)); err != nil {
		return fmt.Errorf("record pull request: %w", err)
	}
	return nil
}

// ClosePull marks a pull request closed at now, in tx: its previews expire
// after the configured time. It reports whether the relay knew it.
func ClosePull(ctx context.Context, tx queue.Querier, owner, repo string, number int, now time.Time) (bool, error) {
	n, err := tx.Exec(ctx, `UPDATE doctown_pulls SET state = ?, closed_at = ?, updated_at = ? WHERE owner = ? AND repo = ? AND number = ?`,
		PullClosed, queue.Millis(now), queue.Millis(now), owner, repo, int64(number))
	if err != nil {
		return false, fmt.Errorf("close pull request: %w", err)
	}
	return n > 0, nil
}

// GetPull returns a pull request the relay knows; ok is false otherwise.
func GetPull(ctx context.Context, db queue.Querier, owner, repo string, number int) (p PullRequest, ok bool, err error) {
	var n, closed int64
	err = queue.QueryRow(ctx, db, `SELECT owner, repo, number, head_sha, head_repo, base_ref, base_sha, state, closed_at FROM doctown_pulls
		WHERE owner = ? AND repo = ? AND number = ?`, []any{owner, repo, int64(number)},
		&p.Owner, &p.Repo, &n, &p.HeadSHA, &p.HeadRepo, &p.BaseRef, &p.BaseSHA, &p.State, &closed)
	if errors.Is(err, queue.ErrNoRows) {
		return p, false, nil
	}
	if err != nil {
		return p, false, fmt.Errorf("pull request: %w", err)
	}
	p.Number = int(n)
	if closed != 0 {
		p.ClosedAt = queue.FromMillis(closed)
	}
	return p, true, nil
}

// rawEntry is one docpack row without the reader's access check: for the
// relay's own use (choosing a diff's base), never for an answer to a reader.
func rawEntry(ctx context.Context, db queue.Querier, where string, args ...any) (commons.Entry, bool, error) {
	r, err := db.Query(ctx, `SELECT `+entryColumns+` FROM doctown_docpacks d WHERE `+where, args...)
	if err != nil {
		return commons.Entry{}, false, fmt.Errorf("catalog: %w", err)
	}
	defer r.Close()
	if !r.Next() {
		return commons.Entry{}, false, r.Err()
	}
	e, _, err := scanEntry(r)
	if err != nil {
		return e, false, fmt.Errorf("catalog: %w", err)
	}
	return e, true, nil
}

// Lookup returns a commit's docpack row for the relay's own use, private or
// not (Get answers a reader, and hides what the reader may not see).
func Lookup(ctx context.Context, db queue.Querier, owner, repo, sha string) (commons.Entry, bool, error) {
	return rawEntry(ctx, db, `d.owner = ? AND d.repo = ? AND d.sha = ?`, owner, repo, sha)
}

// pushTime orders a repository's docpacks by push (rows stored before push
// times were kept fall back to their arrival).
const pushTime = `(CASE WHEN d.pushed_at = 0 THEN d.created_at ELSE d.pushed_at END)`

// Base chooses the docpack a newly stored one is compared with, and says
// what it is ("the previous push of main", "the base branch main"). For a
// push, it is the newest docpack of the same ref pushed before it (for a
// tag, of any tag: the previous release); for a
// pull request's preview, the docpack of the base commit the pull request
// named, else the newest of its base branch. ok is false when there is none
// (the first docpack of a branch, a base never built).
func Base(ctx context.Context, db queue.Querier, e commons.Entry, pushedAt time.Time, pull *PullRequest) (b commons.Entry, label string, ok bool, err error) {
	if pull != nil {
		label = "the base branch " + pull.BaseRef
		if pull.BaseSHA != "" {
			if b, ok, err = rawEntry(ctx, db, `d.owner = ? AND d.repo = ? AND d.sha = ?`, e.Owner, e.Repo, pull.BaseSHA); ok || err != nil {
				return b, label, ok, err
			}
		}
		b, ok, err = rawEntry(ctx, db, `d.owner = ? AND d.repo = ? AND d.ref = ? AND d.pull = 0 AND d.sha != ? ORDER BY `+pushTime+` DESC LIMIT 1`,
			e.Owner, e.Repo, "refs/heads/"+pull.BaseRef, e.SHA)
		return b, label, ok, err
	}
	if strings.HasPrefix(e.Ref, "refs/tags/") {
		// A release is compared with the release before it: the tag pushed last.
		b, ok, err = rawEntry(ctx, db, `d.owner = ? AND d.repo = ? AND d.ref LIKE 'refs/tags/%' AND d.pull = 0 AND d.sha != ? AND `+pushTime+` < ?
			ORDER BY `+pushTime+` DESC LIMIT 1`, e.Owner, e.Repo, e.SHA, queue.Millis(pushedAt))
		return b, "the previous tag " + strings.TrimPrefix(b.Ref, "refs/tags/"), ok, err
	}
	label = "the previous push of " + strings.TrimPrefix(e.Ref, "refs/heads/")
	b, ok, err = rawEntry(ctx, db, `d.owner = ? AND d.repo = ? AND d.ref = ? AND d.pull = 0 AND d.sha != ? AND `+pushTime+` < ?
		ORDER BY `+pushTime+` DESC LIMIT 1`, e.Owner, e.Repo, e.Ref, e.SHA, queue.Millis(pushedAt))
	return b, label, ok, err
}

// SetChanges stores the summary of a docpack's API diff against its base.
func SetChanges(ctx context.Context, db queue.Querier, owner, repo, sha string, c *commons.ChangeSummary) error {
	if _, err := db.Exec(ctx, `UPDATE doctown_docpacks SET changes_base = ?, changes_verdict = ?, changes_added = ?, changes_removed = ?,
		changes_moved = ?, changes_changed = ? WHERE owner = ? AND repo = ? AND sha = ?`,
		c.Base, c.Verdict.String(), int64(c.Counts.Added), int64(c.Counts.Removed), int64(c.Counts.Moved), int64(c.Counts.Changed),
		owner, repo, sha); err != nil {
		return fmt.Errorf("catalog changes: %w", err)
	}
	return nil
}

// ExpiredPreviews lists the previews of pull requests closed before before,
// except commits that are still the head of an open pull request.
func ExpiredPreviews(ctx context.Context, db queue.Querier, before time.Time, limit int) ([]commons.Entry, error) {
	r, err := db.Query(ctx, `SELECT `+entryColumns+` FROM doctown_docpacks d
		JOIN doctown_pulls p ON p.owner = d.owner AND p.repo = d.repo AND p.number = d.pull
		WHERE d.pull != 0 AND p.state = ? AND p.closed_at < ?
		AND NOT EXISTS (SELECT 1 FROM doctown_pulls o WHERE o.owner = d.owner AND o.repo = d.repo AND o.head_sha = d.sha AND o.state = ?)
		ORDER BY d.created_at LIMIT ?`, PullClosed, queue.Millis(before), PullOpen, limit)
	if err != nil {
		return nil, fmt.Errorf("expired previews: %w", err)
	}
	defer r.Close()
	var out []commons.Entry
	for r.Next() {
		e, _, err := scanEntry(r)
		if err != nil {
			return nil, fmt.Errorf("expired previews: %w", err)
		}
		out = append(out, e)
	}
	return out, r.Err()
}

// RemovePreview deletes a preview's row, and reports whether it did: a row
// that became a pushed commit's in the meantime stays. The caller deletes
// the object after (a reader never finds a row without its object).
func RemovePreview(ctx context.Context, db queue.Querier, e commons.Entry) (bool, error) {
	n, err := db.Exec(ctx, `DELETE FROM doctown_docpacks WHERE owner = ? AND repo = ? AND sha = ? AND pull != 0`, e.Owner, e.Repo, e.SHA)
	if err != nil {
		return false, fmt.Errorf("remove preview: %w", err)
	}
	return n > 0, nil
}

// PrunePulls forgets pull requests closed before before that have no
// preview left (ExpiredPreviews and RemovePreview removed them): the table
// does not grow with every pull request ever closed.
func PrunePulls(ctx context.Context, db queue.Querier, before time.Time) (int64, error) {
	n, err := db.Exec(ctx, `DELETE FROM doctown_pulls WHERE state = ? AND closed_at < ?
		AND NOT EXISTS (SELECT 1 FROM doctown_docpacks d WHERE d.owner = doctown_pulls.owner AND d.repo = doctown_pulls.repo AND d.pull = doctown_pulls.number)`,
		PullClosed, queue.Millis(before))
	if err != nil {
		return 0, fmt.Errorf("prune pull requests: %w", err)
	}
	return n, nil
}
