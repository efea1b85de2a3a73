package github

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// limits bound what an archive may hold.
type limits struct {
	maxBytes int64 // total uncompressed size of all entries
	maxFiles int   // number of entries
}

// extractStats says what extract did.
type extractStats struct {
	Entries, Kept, SkippedLinks int
	Bytes                       int64
}

// wanted reports whether the build needs the file at rel (slash path).
func wanted(rel string) bool {
	base := path.Base(rel)
	switch {
	case strings.HasSuffix(base, ".rs"), base == "Cargo.toml", base == "Cargo.lock":
		return true
	case strings.HasPrefix(strings.ToLower(base), "readme"):
		return true
	}
	return false
}

// extract streams a GitHub tarball (gzip+tar, one top-level directory) into dir,
// keeping only the files the build needs. Absolute paths and ".." refuse the whole
// archive; symlinks and hard links are skipped, never created.
func extract(ctx context.Context, r io.Reader, dir string, lim limits) (extractStats, error) {
	var st extractStats
	gz, err := gzip.NewReader(r)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return st, archiveErr("empty or truncated download")
		}
		return st, archiveErr("not a gzip stream: %v", err)
	}
	defer gz.Close()
	tr := tar.NewReader(gz)
	prefix := ""
	for {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return st, readErr(err)
		}
		if hdr.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		st.Entries++
		if st.Entries > lim.maxFiles {
			return st, archiveErr("more than %d entries", lim.maxFiles)
		}
		if hdr.Size > 0 {
			st.Bytes += hdr.Size
		}
		if st.Bytes > lim.maxBytes {
			return st, archiveErr("larger than the %d MiB limit unpacked", lim.maxBytes>>20)
		}
		name := hdr.Name
		if err := checkName(name); err != nil {
			return st, err
		}
		top, rel, _ := strings.Cut(strings.TrimPrefix(name, "./"), "/")
		if prefix == "" {
			prefix = top
		}
		if top != prefix {
			return st, archiveErr("entry %q is outside the top-level directory %q", name, prefix)
		}
		rel = strings.Trim(rel, "/")
		switch hdr.Typeflag {
		case tar.TypeSymlink, tar.TypeLink:
			st.SkippedLinks++
			continue
		case tar.TypeReg:
		default:
			continue // directories are made as needed; devices, fifos are ignored
		}
		if rel == "" || !wanted(rel) {
			continue
		}
		local := filepath.FromSlash(rel)
		if !filepath.IsLocal(local) {
			return st, archiveErr("entry %q escapes the checkout", name)
		}
		if err := writeFile(filepath.Join(dir, local), tr, hdr.Size); err != nil {
			return st, err
		}
		st.Kept++
	}
	// Read gzip to its end so a missing trailer (a cut download) is noticed.
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return st, readErr(err)
	}
	if prefix == "" {
		return st, archiveErr("the archive is empty")
	}
	return st, nil
}

// checkName refuses absolute paths and ".." anywhere in an entry name.
func checkName(name string) error {
	if name == "" {
		return archiveErr("entry with an empty name")
	}
	if strings.HasPrefix(name, "/") || strings.HasPrefix(name, `\`) || filepath.IsAbs(name) || (len(name) > 1 && name[1] == ':') {
		return archiveErr("hostile entry %q: absolute path", name)
	}
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' }) {
		if part == ".." {
			return archiveErr("hostile entry %q: \"..\" in path", name)
		}
	}
	return nil
}

func writeFile(dst string, r io.Reader, size int64) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("github: archive: %w", err)
	}
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("github: archive: %w", err)
	}
	n, err := io.Copy(f, io.LimitReader(r, size))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return readErr(err)
	}
	if n != size {
		return archiveErr("truncated: %s is short", filepath.Base(dst))
	}
	return nil
}

func readErr(err error) error {
	var ae *Error
	switch {
	case errors.As(err, &ae):
		return err
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return archiveErr("truncated download")
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader), errors.Is(err, tar.ErrHeader):
		return archiveErr("corrupt: %v", err)
	}
	return &Error{Kind: ErrArchive, Msg: "github: archive: " + err.Error()}
}
