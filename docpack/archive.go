package docpack

import (
	"archive/zip"
	"compress/flate"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"sync"
)

// Entry names with a meaning in format version 1.
const (
	ManifestName = "manifest.json"
	SymbolsName  = "symbols.json"
	DocsDir      = "docs/"
)

// DocName is the entry name of the doc of the symbol with id.
func DocName(id string) string { return DocsDir + id + ".json" }

// Limits bound what a reader will unpack. A zero field takes its default.
type Limits struct {
	// MaxUnpackedBytes bounds the sum of all entries' sizes (default 512 MiB).
	MaxUnpackedBytes int64
	// MaxEntries bounds the number of entries, directories included (default 200,000).
	MaxEntries int
	// MaxEntryBytes bounds the size of one entry other than symbols.json
	// (default 64 MiB): the manifest and each doc are read whole.
	MaxEntryBytes int64
	// MaxSymbolsBytes bounds the size of symbols.json (default 256 MiB:
	// winapi with every feature writes 83 MiB). It is decoded as it is
	// decompressed, a run of lines at a time, and never held whole, so what
	// it costs is the symbols it decodes to.
	MaxSymbolsBytes int64
}

// Default limits.
const (
	DefaultMaxUnpackedBytes = 512 << 20
	DefaultMaxEntries       = 200_000
	DefaultMaxEntryBytes    = 64 << 20
	DefaultMaxSymbolsBytes  = 256 << 20
)

// DefaultLimits returns the limits a reader uses unless told otherwise.
func DefaultLimits() Limits {
	return Limits{MaxUnpackedBytes: DefaultMaxUnpackedBytes, MaxEntries: DefaultMaxEntries,
		MaxEntryBytes: DefaultMaxEntryBytes, MaxSymbolsBytes: DefaultMaxSymbolsBytes}
}

// EntryLimit is the most bytes the entry named name may unpack to.
func (l Limits) EntryLimit(name string) int64 {
	l = l.withDefaults()
	if name == SymbolsName {
		return l.MaxSymbolsBytes
	}
	return l.MaxEntryBytes
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxSymbolsBytes <= 0 && l.MaxEntryBytes > 0 {
		// A caller that tightened the entry limit keeps symbols.json as tight.
		l.MaxSymbolsBytes = l.MaxEntryBytes
	}
	if l.MaxUnpackedBytes <= 0 {
		l.MaxUnpackedBytes = d.MaxUnpackedBytes
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = d.MaxEntries
	}
	if l.MaxEntryBytes <= 0 {
		l.MaxEntryBytes = d.MaxEntryBytes
	}
	if l.MaxSymbolsBytes <= 0 {
		l.MaxSymbolsBytes = d.MaxSymbolsBytes
	}
	return l
}

// Option configures Open, Read and Validate.
type Option func(*options)

type options struct {
	limits    Limits
	eagerDocs bool
}

// WithLimits replaces the default Limits; zero fields keep their defaults.
func WithLimits(l Limits) Option { return func(o *options) { o.limits = l } }

// WithEagerDocs makes Open and Read decompress and decode every doc before
// returning, so a damaged doc is refused up front instead of making Pack.Doc
// report false later. It costs time proportional to the number of docs.
func WithEagerDocs() Option { return func(o *options) { o.eagerDocs = true } }

func buildOptions(opts []Option) options {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	o.limits = o.limits.withDefaults()
	return o
}

// archive is a ZIP whose entry names and declared sizes have been checked.
type archive struct {
	zr       *zip.Reader
	size     int64
	lim      Limits
	manifest *zip.File
	symbols  *zip.File
	// docs maps a symbol id to its docs/{id}.json entry; docIDs keeps archive order.
	docs   map[string]*zip.File
	docIDs []string
	extra  []*zip.File // entries of no meaning to a reader
}

// openArchive opens the ZIP and checks every entry's name and declared size
// against lim. It returns every problem it finds in entry order; stop is true
// when a limit was exceeded and the archive must not be read further (the
// archive is then nil).
func openArchive(r io.ReaderAt, size int64, lim Limits) (a *archive, problems []error, stop bool) {
	if r == nil || size < 0 {
		return nil, []error{ErrNotDocpack}, true
	}
	zr, err := zip.NewReader(r, size)
	// Since Go 1.20 the reader may return a usable archive together with
	// zip.ErrInsecurePath (when GODEBUG zipinsecurepath=0); names are checked below.
	if err != nil && !(errors.Is(err, zip.ErrInsecurePath) && zr != nil) {
		return nil, []error{fmt.Errorf("%w: %v", ErrNotDocpack, err)}, true
	}
	if n := len(zr.File); n > lim.MaxEntries {
		return nil, []error{fmt.Errorf("%w: %d entries, the limit is %d", ErrTooLarge, n, lim.MaxEntries)}, true
	}
	a = &archive{zr: zr, size: size, lim: lim, docs: make(map[string]*zip.File, len(zr.File))}
	seen := make(map[string]struct{})
	var total uint64
	for _, f := range zr.File {
		name := f.Name
		if err := checkName(name); err != nil {
			problems = append(problems, entryErr(name, ErrUnsafePath, "%s", err))
			continue
		}
		// A doc's name is its id's: a.docs finds duplicates among the many
		// docs, seen among the few other entries.
		id, isDoc := docID(name)
		dup := false
		if isDoc {
			_, dup = a.docs[id]
		} else {
			_, dup = seen[name]
		}
		if dup {
			problems = append(problems, entryErr(name, ErrDuplicateEntry, "the name appears more than once"))
			continue
		}
		if !isDoc {
			seen[name] = struct{}{}
		}
		if limit := lim.EntryLimit(name); f.UncompressedSize64 > uint64(limit) {
			problems = append(problems, entryErr(name, ErrTooLarge, "declares %d bytes unpacked, the limit for this entry is %d", f.UncompressedSize64, limit))
			return nil, problems, true
		}
		total += f.UncompressedSize64
		if total > uint64(lim.MaxUnpackedBytes) {
			return nil, append(problems, fmt.Errorf("%w: entries declare more than %d bytes unpacked", ErrTooLarge, lim.MaxUnpackedBytes)), true
		}
		switch {
		case strings.HasSuffix(name, "/"):
			// A directory entry: allowed, carries nothing.
		case name == ManifestName:
			a.manifest = f
		case name == SymbolsName:
			a.symbols = f
		case isDoc:
			a.docs[id] = f
			a.docIDs = append(a.docIDs, id)
		default:
			// Anything else is an unknown extra entry: allowed and ignored
			// (the validator checks that it inflates as declared).
			a.extra = append(a.extra, f)
		}
	}
	return a, problems, false
}

// docID returns the symbol id of a "docs/{id}.json" entry name.
func docID(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, DocsDir)
	if !ok {
		return "", false
	}
	id, ok := strings.CutSuffix(rest, ".json")
	if !ok || id == "" || strings.Contains(id, "/") {
		return "", false
	}
	return id, true
}

// checkName reports why an entry name is unsafe to extract, or nil. Safe names
// are relative, use "/" only, and have no empty, "." or ".." element; a
// directory entry may end in "/".
func checkName(name string) error {
	switch {
	case name == "":
		return errors.New("empty name")
	case strings.ContainsRune(name, 0):
		return errors.New("NUL in name")
	case strings.ContainsRune(name, '\\'):
		return errors.New("backslash in name")
	case strings.HasPrefix(name, "/"):
		return errors.New("absolute path")
	case len(name) >= 2 && name[1] == ':' && isLetter(name[0]):
		return errors.New("drive letter")
	case strings.ContainsRune(name, ':'):
		return errors.New("colon in name")
	}
	for elem := range strings.SplitSeq(strings.TrimSuffix(name, "/"), "/") {
		switch elem {
		case "":
			return errors.New("empty path element")
		case ".", "..":
			return fmt.Errorf("%q path element", elem)
		}
	}
	return nil
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

var flatePool sync.Pool

// readEntry returns an entry's bytes. It never trusts the header: it reads at
// most the declared size plus one byte, refuses an entry that yields more
// (ErrTooLarge) or less (ErrCorrupt), and checks the CRC-32.
func (a *archive) readEntry(f *zip.File) ([]byte, error) {
	src, done, err := a.openEntry(f)
	if err != nil {
		return nil, err
	}
	defer done()
	declared := f.UncompressedSize64
	// One allocation of the size the data can really reach. make, unlike
	// bytes.Buffer's growth, does not clear memory that is fresh from the
	// operating system, so the pages are touched once, by the decompressor.
	buf := make([]byte, 0, a.sizeHint(f)+1)
	lr := io.LimitReader(src, int64(declared)+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, entryErr(f.Name, ErrCorrupt, "%v", err)
		}
	}
	if err := checkEntry(f, uint64(len(buf)), crc32.ChecksumIEEE(buf)); err != nil {
		return nil, err
	}
	return buf, nil
}

// drainEntry inflates an entry without keeping it and checks that it yields
// exactly its declared size and CRC-32, as readEntry does.
func (a *archive) drainEntry(f *zip.File) error {
	src, done, err := a.openEntry(f)
	if err != nil {
		return err
	}
	defer done()
	h := crc32.NewIEEE()
	n, err := io.Copy(h, io.LimitReader(src, int64(f.UncompressedSize64)+1))
	if err != nil {
		return entryErr(f.Name, ErrCorrupt, "%v", err)
	}
	return checkEntry(f, uint64(n), h.Sum32())
}

// openEntry checks an entry's declared size against the limits and returns a
// reader of its uncompressed bytes; call done when finished with it.
func (a *archive) openEntry(f *zip.File) (src io.Reader, done func(), err error) {
	if limit := a.lim.EntryLimit(f.Name); f.UncompressedSize64 > uint64(limit) {
		return nil, nil, entryErr(f.Name, ErrTooLarge, "declares %d bytes unpacked, the limit for this entry is %d", f.UncompressedSize64, limit)
	}
	raw, err := f.OpenRaw()
	if err != nil {
		return nil, nil, entryErr(f.Name, ErrCorrupt, "%v", err)
	}
	switch f.Method {
	case zip.Store:
		return raw, func() {}, nil
	case zip.Deflate:
		fr, _ := flatePool.Get().(io.ReadCloser)
		if fr == nil {
			fr = flate.NewReader(raw)
		} else if err := fr.(flate.Resetter).Reset(raw, nil); err != nil {
			return nil, nil, entryErr(f.Name, ErrCorrupt, "%v", err)
		}
		return fr, func() { flatePool.Put(fr) }, nil
	default:
		return nil, nil, entryErr(f.Name, ErrCorrupt, "unsupported compression method %d (only store and deflate)", f.Method)
	}
}

// sizeHint is how many bytes to allocate up front for an entry: its declared
// size, but only as far as the compressed bytes could really expand (deflate's
// ratio is at most 1032:1, and the compressed size is itself bounded by the
// archive), so a lying header cannot make the reader allocate more than the
// data can fill. Callers have checked the declared size against the limits.
func (a *archive) sizeHint(f *zip.File) int {
	compressed := min(f.CompressedSize64, uint64(a.size))
	bound := compressed
	if f.Method == zip.Deflate {
		bound = compressed*1032 + 1024
	}
	return int(min(f.UncompressedSize64, bound))
}

// checkEntry compares what an entry yielded, n bytes with CRC-32 sum, with its
// header: more bytes than declared is ErrTooLarge, fewer or a CRC mismatch is
// ErrCorrupt.
func checkEntry(f *zip.File, n uint64, sum uint32) error {
	declared := f.UncompressedSize64
	if n > declared {
		return entryErr(f.Name, ErrTooLarge, "decompresses to more than the %d bytes its header declares", declared)
	}
	if n < declared {
		return entryErr(f.Name, ErrCorrupt, "truncated: %d of %d declared bytes", n, declared)
	}
	if sum != f.CRC32 {
		return entryErr(f.Name, ErrCorrupt, "CRC-32 mismatch")
	}
	return nil
}
