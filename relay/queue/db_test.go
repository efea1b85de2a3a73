package queue

import (
	"context"
	"testing"
)

// TestSQLiteDurableCommits: the relay's SQLite connection runs in WAL mode
// with synchronous=FULL, so a commit (a webhook's 202) has reached the disk
// when it returns; with NORMAL a power cut may lose the last commits.
func TestSQLiteDurableCommits(t *testing.T) {
	q := openTestQueue(t)
	var mode string
	var sync int64
	if err := QueryRow(context.Background(), q.DB(), `PRAGMA journal_mode`, nil, &mode); err != nil {
		t.Fatal(err)
	}
	if err := QueryRow(context.Background(), q.DB(), `PRAGMA synchronous`, nil, &sync); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" || sync != 2 {
		t.Errorf("journal_mode %s, synchronous %d: want wal, 2 (FULL)", mode, sync)
	}
}
