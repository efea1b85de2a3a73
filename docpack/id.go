package docpack

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
)

// NewID derives a symbol id from the crate, the qualified path and the kind: the
// first 16 bytes of SHA-256 over "crate\x00path\x00kind", in lowercase hex. The
// same item gives the same id on every build. When two items share crate, path
// and kind (two inherent impl blocks of one type), the extractor makes the path
// unique first, e.g. by appending "#2" to the second in source order.
func NewID(crate, path string, kind Kind) string {
	h := sha256.New()
	h.Write([]byte(crate))
	h.Write([]byte{0})
	h.Write([]byte(path))
	h.Write([]byte{0})
	h.Write([]byte(kind))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// idPattern is what a symbol id may look like: it becomes a file name.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)

// ValidID reports whether id can be a symbol id: 1 to 128 characters from
// [A-Za-z0-9_.-], not starting with "." or "-".
func ValidID(id string) bool { return idPattern.MatchString(id) }
