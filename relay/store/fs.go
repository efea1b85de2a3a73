package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// FSStorage keeps objects as files under a directory. A Put writes a temporary
// file next to the target, syncs it and renames it into place.
type FSStorage struct {
	dir string
}

var _ Storage = (*FSStorage)(nil)

// NewFS returns storage rooted at dir, creating it if needed.
func NewFS(dir string) (*FSStorage, error) {
	if dir == "" {
		return nil, errors.New("fs storage: no directory")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("fs storage: %w", err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("fs storage: %w", err)
	}
	return &FSStorage{dir: abs}, nil
}

// Dir is the storage's root directory.
func (s *FSStorage) Dir() string { return s.dir }

// path maps a validated key to a file under the root.
func (s *FSStorage) path(key string) (string, error) {
	if err := ValidateKey(key); err != nil {
		return "", err
	}
	return filepath.Join(s.dir, filepath.FromSlash(key)), nil
}

// Put implements Storage.
func (s *FSStorage) Put(ctx context.Context, key string, r io.Reader, size int64) (err error) {
	p, err := s.path(key)
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	// "~" cannot occur in a key, so a temporary file never shadows an object.
	tmp, err := os.CreateTemp(dir, "~put-*")
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = io.Copy(tmp, &sizedReader{r: ctxReader{ctx, r}, size: size}); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	if err = os.Rename(tmp.Name(), p); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	// Make the rename itself durable.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Get implements Storage.
func (s *FSStorage) Get(ctx context.Context, key string) (io.ReadCloser, int64, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, 0, fmt.Errorf("get %s: %w", key, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, fmt.Errorf("get %s: %w", key, err)
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, fmt.Errorf("get %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("get %s: %w", key, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("get %s: %w", key, err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("get %s: %w", key, ErrNotFound)
	}
	return f, st.Size(), nil
}

// Delete implements Storage.
func (s *FSStorage) Delete(ctx context.Context, key string) error {
	p, err := s.path(key)
	if err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	st, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("delete %s: %w", key, ErrNotFound)
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	return nil
}

// Rename implements Storage: a rename(2) within the root, made durable.
func (s *FSStorage) Rename(ctx context.Context, from, to string) error {
	src, err := s.path(from)
	if err != nil {
		return fmt.Errorf("rename %s: %w", from, err)
	}
	dst, err := s.path(to)
	if err != nil {
		return fmt.Errorf("rename to %s: %w", to, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("rename %s: %w", from, err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("rename %s: %w", from, err)
	}
	if err := os.Rename(src, dst); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("rename %s: %w", from, ErrNotFound)
		}
		return fmt.Errorf("rename %s: %w", from, err)
	}
	if d, derr := os.Open(filepath.Dir(dst)); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// RemoveStale implements Storage: files under prefix, and "~put-*" temporary
// files anywhere under the root, modified before before.
func (s *FSStorage) RemoveStale(ctx context.Context, prefix string, before time.Time) (int, error) {
	n := 0
	prefix = filepath.FromSlash(strings.TrimSuffix(prefix, "/"))
	err := filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, _ := filepath.Rel(s.dir, p)
		stale := strings.HasPrefix(d.Name(), "~put-") ||
			(prefix != "" && strings.HasPrefix(rel, prefix+string(filepath.Separator)))
		if !stale {
			return nil
		}
		info, err := d.Info()
		if err != nil || !info.ModTime().Before(before) {
			return nil
		}
		if os.Remove(p) == nil {
			n++
		}
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("remove stale: %w", err)
	}
	return n, nil
}
