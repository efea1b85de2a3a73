package docpack

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strconv"
)

// NewID derives a symbol id as DOCPACK_SPEC.md describes: the first 8 bytes of
// SHA-256 over "crate\x00path\x00kind", in lowercase hex. occurrence
// disambiguates items that share crate, path and kind (two inherent impl blocks
// of one type): the first in source order is 1 and hashes as above, the n-th
// (n > 1) appends "\x00n". The same source gives the same ids on every build.
func NewID(crate, path string, kind Kind, occurrence int) string {
	key := crate + "\x00" + path + "\x00" + string(kind)
	if occurrence > 1 {
		key += "\x00" + strconv.Itoa(occurrence)
	}
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:8])
}

// idPattern is what a symbol id may look like: it becomes a file name.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)

// ValidID reports whether id can be a symbol id: 1 to 128 characters from
// [A-Za-z0-9_.-], not starting with "." or "-".
func ValidID(id string) bool { return idPattern.MatchString(id) }
