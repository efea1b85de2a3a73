package docpack

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// NewID derives a symbol id as DOCPACK_SPEC.md describes: the first 8 bytes of
// SHA-256 over "crate\x00path\x00kind", in lowercase hex. occurrence
// disambiguates items that share crate, path and kind (two inherent impl blocks
// of one type): the first in source order is 1 and hashes as above, the n-th
// (n > 1) appends "\x00n". The same source gives the same ids on every build.
func NewID(crate, path string, kind Kind, occurrence int) string {
	// The key is put together in a buffer on the stack (for all but very
	// long paths) and the id is the one allocation: winapi makes 145,000.
	var buf [256]byte
	key := append(buf[:0], crate...)
	key = append(append(key, 0), path...)
	key = append(append(key, 0), kind...)
	if occurrence > 1 {
		key = strconv.AppendInt(append(key, 0), int64(occurrence), 10)
	}
	h := sha256.Sum256(key)
	var id [16]byte
	hex.Encode(id[:], h[:8])
	return string(id[:])
}

// ValidID reports whether id can be a symbol id (it becomes a file name): 1
// to 128 characters from [A-Za-z0-9_.-], not starting with "." or "-" — the
// schemas' pattern ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$, matched by a loop
// since the validator checks every symbol's and doc's id.
func ValidID(id string) bool {
	if id == "" || len(id) > 128 || id[0] == '.' || id[0] == '-' {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '.', c == '-':
		default:
			return false
		}
	}
	return true
}
