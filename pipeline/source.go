package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/doctown/doctown/docpack"
)

// Source produces a directory holding the repository to document.
type Source interface {
	// Fetch makes the repository available on disk. It reports StageFetch progress.
	// The returned Checkout's Cleanup removes anything Fetch created.
	Fetch(ctx context.Context, emit Observer) (*Checkout, error)
}

// Checkout is a fetched repository.
type Checkout struct {
	// Dir is the repository root on disk.
	Dir string
	// Repository is recorded in the manifest. Name may be empty: the build then
	// uses the crate or workspace name.
	Repository docpack.Repository
	// Cleanup removes temporary files; nil when there is nothing to remove.
	Cleanup func() error
}

// LocalSource is a directory on this machine.
type LocalSource struct {
	Dir string
}

var _ Source = LocalSource{}

// Fetch checks that the directory exists and reads where its code lives
// (localRepository: the commit and web address source links need). Nothing
// is copied.
func (s LocalSource) Fetch(ctx context.Context, emit Observer) (*Checkout, error) {
	dir, err := filepath.Abs(s.Dir)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("source: %s is not a directory", s.Dir)
	}
	return &Checkout{Dir: dir, Repository: localRepository(ctx, dir)}, nil
}

// Uploader hands a finished docpack to its destination (the relay).
type Uploader interface {
	// Upload sends the docpack at path. It reports StageUpload progress in bytes.
	Upload(ctx context.Context, path string, m *docpack.Manifest, emit Observer) error
}
