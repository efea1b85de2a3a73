package docpack

import (
	"errors"
	"fmt"
)

// Errors a Reader refuses an archive with. Each error returned by Open, Read and
// Pack.ReadDoc wraps exactly one of them, so callers test with errors.Is; the
// message says which entry and why.
var (
	// ErrNotDocpack: the bytes are not a readable ZIP archive.
	ErrNotDocpack = errors.New("not a docpack (not a readable zip archive)")
	// ErrUnsafePath: an entry name is absolute, has a drive letter, a backslash,
	// a colon, a NUL, or a "", "." or ".." element, so it could escape the root
	// when extracted.
	ErrUnsafePath = errors.New("entry path escapes the archive root")
	// ErrTooLarge: the archive has more entries, or unpacks to more bytes, than
	// the reader's Limits allow, or an entry decompresses to more bytes than its
	// header declares.
	ErrTooLarge = errors.New("docpack too large")
	// ErrDuplicateEntry: two entries have the same name.
	ErrDuplicateEntry = errors.New("duplicate entry")
	// ErrCorrupt: an entry's data is truncated, fails its CRC-32, or uses a
	// compression method other than store or deflate.
	ErrCorrupt = errors.New("corrupt entry")
	// ErrNoManifest: there is no manifest.json at the root.
	ErrNoManifest = errors.New("no manifest.json")
	// ErrBadManifest: manifest.json is not valid JSON of the manifest's shape, or
	// its version is not "MAJOR.MINOR".
	ErrBadManifest = errors.New("malformed manifest.json")
	// ErrVersion: the manifest's major format version is not one this package reads.
	ErrVersion = errors.New("unsupported docpack format version")
	// ErrBadSymbols: symbols.json is missing, is not a JSON array of symbols, or
	// repeats an id.
	ErrBadSymbols = errors.New("malformed symbols.json")
	// ErrUnknownDoc: a docs/{id}.json entry names an id that is not in symbols.json.
	ErrUnknownDoc = errors.New("doc for an unknown symbol id")
	// ErrBadDoc: a docs/{id}.json entry is not valid JSON of the doc's shape.
	ErrBadDoc = errors.New("malformed doc")
	// ErrNoDoc: Pack.ReadDoc was asked for a symbol that has no doc.
	ErrNoDoc = errors.New("no doc for symbol")
)

// EntryError is a refusal that concerns one archive entry.
type EntryError struct {
	// Entry is the entry's name as stored in the archive (quoted when printed,
	// since hostile names may hold anything).
	Entry string
	// Err wraps one of the package's sentinel errors.
	Err error
}

func (e *EntryError) Error() string { return fmt.Sprintf("%q: %v", e.Entry, e.Err) }
func (e *EntryError) Unwrap() error { return e.Err }

func entryErr(name string, sentinel error, format string, args ...any) error {
	if format == "" {
		return &EntryError{Entry: name, Err: sentinel}
	}
	return &EntryError{Entry: name, Err: fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))}
}
