// Package store keeps docpack files: a local directory or an S3-compatible bucket (Cloudflare R2, MinIO, versitygw, AWS).
package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

// Storage keeps objects by key. Keys are relative, "/"-separated paths whose
// segments use only ASCII letters, digits, '.', '_' and '-' (see ValidateKey);
// Key builds the ones the relay uses.
type Storage interface {
	// Put stores size bytes read from r under key; size is -1 when unknown. It is
	// atomic: a reader sees the previous object or the whole new one, never a part.
	Put(ctx context.Context, key string, r io.Reader, size int64) error
	// Get opens the object at key and returns its size. It returns an error
	// wrapping ErrNotFound when there is none. The caller closes the reader.
	Get(ctx context.Context, key string) (io.ReadCloser, int64, error)
	// Delete removes the object at key. Deleting a missing object is not an error.
	Delete(ctx context.Context, key string) error
	// Rename moves the object at from to key to, replacing what was there,
	// atomically for readers of to. from must exist.
	Rename(ctx context.Context, from, to string) error
	// RemoveStale deletes the objects under prefix last written before
	// before, and the pieces of writes that never finished (an fs Put's
	// temporary files) from before that time; it returns how many it removed.
	RemoveStale(ctx context.Context, prefix string, before time.Time) (int, error)
}

// IncomingPrefix holds objects written but not yet accepted: an upload is
// stored under an IncomingKey, then renamed to its Key once its job is claimed,
// so the bytes at a Key are always those of the accepted upload.
const IncomingPrefix = "incoming/"

// IncomingKey is a fresh temporary key for one upload of the named job.
func IncomingKey(name string) string {
	b := make([]byte, 8)
	rand.Read(b)
	if !validSegment(name) {
		name = "x"
	}
	return IncomingPrefix + name + "-" + hex.EncodeToString(b) + ".docpack"
}

var (
	// ErrNotFound is returned (wrapped) by Get for a key with no object.
	ErrNotFound = errors.New("object not found")
	// ErrInvalidKey is returned (wrapped) for a key ValidateKey refuses.
	ErrInvalidKey = errors.New("invalid storage key")
	// ErrSizeMismatch is returned (wrapped) by Put when the reader gives fewer or
	// more bytes than the size it was told; nothing is stored then.
	ErrSizeMismatch = errors.New("body size does not match the declared size")
)

// Storage kinds for Config.Kind.
const (
	KindFS = "fs"
	KindS3 = "s3"
)

// Config selects and configures a Storage.
type Config struct {
	// Kind is "fs" (the default) or "s3".
	Kind string
	// Dir is the root directory of "fs" storage.
	Dir string
	// Endpoint is the S3 API base URL, e.g. https://<account>.r2.cloudflarestorage.com;
	// empty means AWS itself.
	Endpoint string
	Bucket   string
	// AccessKeyID and Secret are the S3 credentials. When both are empty the
	// SDK's default chain (environment, shared files, instance role) is used.
	AccessKeyID string
	Secret      string
	// Region defaults to "auto" (what R2 expects).
	Region string
	// UsePathStyle addresses the bucket as a path (endpoint/bucket/key) rather
	// than a host name. Path-style is always used with a custom Endpoint (R2,
	// MinIO and versitygw all take it, and loopback has no per-bucket host
	// names), so the flag only matters for AWS without an Endpoint.
	UsePathStyle bool
}

// String describes the config without its secret.
func (c Config) String() string {
	switch c.Kind {
	case KindS3:
		endpoint := c.Endpoint
		if u, err := url.Parse(endpoint); err == nil {
			endpoint = u.Redacted()
		}
		return fmt.Sprintf("s3 bucket %q at %q (region %q)", c.Bucket, endpoint, c.region())
	default:
		return fmt.Sprintf("fs directory %q", c.Dir)
	}
}

func (c Config) region() string {
	if c.Region == "" {
		return "auto"
	}
	return c.Region
}

// Validate reports a config that New would refuse.
func (c Config) Validate() error {
	switch c.Kind {
	case "", KindFS:
		if c.Dir == "" {
			return errors.New("storage: fs needs a directory")
		}
	case KindS3:
		if c.Bucket == "" {
			return errors.New("storage: s3 needs a bucket name")
		}
		if (c.AccessKeyID == "") != (c.Secret == "") {
			return errors.New("storage: s3 needs both an access key id and a secret, or neither")
		}
	default:
		return fmt.Errorf("storage: unknown kind %q (want fs or s3)", c.Kind)
	}
	return nil
}

// New returns the Storage cfg describes.
func New(ctx context.Context, cfg Config) (Storage, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Kind == KindS3 {
		return NewS3(ctx, cfg)
	}
	return NewFS(cfg.Dir)
}

// KeyPrefix is the folder every docpack key starts with.
const KeyPrefix = "docpacks/"

// Key is the storage key of a commit's docpack:
// "docpacks/{owner}/{repo}/{sha}.docpack". It returns "" when a component is
// not a valid key segment (empty, ".", "..", a "/" or a character outside
// [A-Za-z0-9._-]); every Storage refuses "" as a key.
func Key(owner, repo, sha string) string {
	for _, part := range []string{owner, repo, sha} {
		if !validSegment(part) {
			return ""
		}
	}
	return KeyPrefix + owner + "/" + repo + "/" + sha + ".docpack"
}

// MaxKeyLen bounds a key's length in bytes (S3's own limit is 1024).
const MaxKeyLen = 1024

// ValidateKey checks that key is a relative "/"-separated path of segments made
// of ASCII letters, digits, '.', '_' and '-', none of them "." or "..". Such a
// key cannot escape an fs root, needs no escaping in a URL and means the same
// thing to every S3 implementation.
func ValidateKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty", ErrInvalidKey)
	}
	if len(key) > MaxKeyLen {
		return fmt.Errorf("%w: longer than %d bytes", ErrInvalidKey, MaxKeyLen)
	}
	for seg := range strings.SplitSeq(key, "/") {
		if !validSegment(seg) {
			return fmt.Errorf("%w: %q", ErrInvalidKey, key)
		}
	}
	return nil
}

func validSegment(s string) bool {
	if s == "" || s == "." || s == ".." {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// ctxReader stops a copy when its context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// sizedReader checks that r yields exactly size bytes (when size >= 0).
type sizedReader struct {
	r    io.Reader
	size int64
	n    int64
}

func (s *sizedReader) Read(p []byte) (int, error) {
	if s.size >= 0 && int64(len(p)) > s.size-s.n+1 {
		// Read at most one byte past the end, enough to notice a long body.
		p = p[:s.size-s.n+1]
	}
	n, err := s.r.Read(p)
	s.n += int64(n)
	if s.size >= 0 && s.n > s.size {
		return n, fmt.Errorf("%w: more than %d bytes", ErrSizeMismatch, s.size)
	}
	if err == io.EOF && s.size >= 0 && s.n != s.size {
		return n, fmt.Errorf("%w: got %d of %d bytes", ErrSizeMismatch, s.n, s.size)
	}
	return n, err
}
