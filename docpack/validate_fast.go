package docpack

import (
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// The validator's fast path. Checking each of winapi's 145,302 symbols and
// docs against its JSON Schema through generic JSON took 7.8 s of CPU; what
// the writer produces is read instead by the strict scanners here, which
// accept a subset of what the schemas accept, and decoded in the same pass.
// Anything outside that subset (a null where the schema wants a type, an
// unknown or repeated key, a value the schema refuses) is checked by the
// schemas as before, so every problem is still found and worded by them.
// FuzzStrictSymbols and FuzzStrictDoc check the subset against the schemas.

// symbolKeyBit is a symbol key's bit in a strict scan's set of the keys it
// has seen, 0 for a key symbols.schema.json does not list.
func symbolKeyBit(key string) uint32 {
	switch key {
	case "id":
		return 1 << 0
	case "name":
		return 1 << 1
	case "path":
		return 1 << 2
	case "crate":
		return 1 << 3
	case "symbol_type":
		return 1 << 4
	case "visibility":
		return 1 << 5
	case "signature":
		return 1 << 6
	case "file":
		return 1 << 7
	case "line":
		return 1 << 8
	case "parameters":
		return 1 << 9
	case "return_type":
		return 1 << 10
	case "generics":
		return 1 << 11
	case "end_line":
		return 1 << 12
	case "doc_comments":
		return 1 << 13
	case "attributes":
		return 1 << 14
	case "parent":
		return 1 << 15
	case "dependencies":
		return 1 << 16
	case "source_hash":
		return 1 << 17
	case "has_default":
		return 1 << 18
	case "private_fields":
		return 1 << 19
	case "public_paths":
		return 1 << 20
	case "cfg":
		return 1 << 21
	case "inlined_from":
		return 1 << 22
	case "doc_cfg":
		return 1 << 23
	}
	return 0
}

// requiredSymbolKeys are the keys symbols.schema.json requires: id, name,
// path, crate, symbol_type, visibility, signature, file and line.
const requiredSymbolKeys = 1<<9 - 1

// schemaValidSymbol reports whether s, scanned strictly with the keys seen,
// is what symbols.schema.json accepts: the types were the scan's to check,
// the values are checked here.
func schemaValidSymbol(s *Symbol, seen uint32) bool {
	return seen&requiredSymbolKeys == requiredSymbolKeys &&
		ValidID(s.ID) && s.Path != "" && s.Crate != "" && validKind(s.SymbolType) &&
		validVisibility(s.Visibility) && s.Line >= 0 && s.EndLine >= 0 && validSourceHash(s.SourceHash)
}

func validKind(k Kind) bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// validVisibility is the schema's visibility pattern,
// ^(pub|pub\(crate\)|pub\(super\)|pub\(self\)|pub\(in [^)]+\)|private)$.
func validVisibility(v string) bool {
	switch v {
	case "pub", "pub(crate)", "pub(super)", "pub(self)", "private":
		return true
	}
	in, ok := strings.CutPrefix(v, "pub(in ")
	if !ok {
		return false
	}
	in, ok = strings.CutSuffix(in, ")")
	return ok && in != "" && !strings.Contains(in, ")")
}

// validSourceHash is the schema's ^([0-9a-f]{64})?$.
func validSourceHash(h string) bool {
	if h == "" {
		return true
	}
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// strictDocs reads the docs on all cores and reports, by a.docIDs's index,
// which are fine as they are: each entry within its limits, of its declared
// size and CRC-32, and scanned strictly. The validator checks the others
// one by one, in order, for what is wrong with them.
func (a *archive) strictDocs() []bool {
	fine := make([]bool, len(a.docIDs))
	var next atomic.Int64
	var wg sync.WaitGroup
	const batch = 256
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				lo := int(next.Add(batch)) - batch
				if lo >= len(fine) {
					return
				}
				for i := lo; i < min(lo+batch, len(fine)); i++ {
					id := a.docIDs[i]
					raw, err := a.readEntry(a.docs[id])
					fine[i] = err == nil && strictDoc(raw, id)
				}
			}
		})
	}
	wg.Wait()
	return fine
}

// strictDoc reports whether a doc entry's bytes are a JSON object that
// doc.schema.json accepts, written for symbol id: one object, nothing after
// it, only the schema's keys, once each, with values of the schema's types.
func strictDoc(b []byte, id string) bool {
	if len(b) == 0 {
		return false
	}
	d := &symScanner{s: unsafe.String(&b[0], len(b)), strict: true}
	d.ws()
	ok, err := d.doc(id)
	return err == nil && ok && d.end()
}

// docKeyBits are doc.schema.json's keys; the first three are required.
var docKeyBits = map[string]uint16{"symbol_id": 1, "summary": 2, "source": 4, "description": 8,
	"parameters": 16, "returns": 32, "errors": 64, "panics": 128, "safety": 256, "examples": 512,
	"links": 1024, "inherited_from": 2048}

func (d *symScanner) doc(id string) (bool, error) {
	var seen uint16
	var symbolID, source string
	err := d.object(func(key string) error {
		bit := docKeyBits[key]
		if bit == 0 || seen&bit != 0 {
			return errGiveUp
		}
		seen |= bit
		var v string
		switch key {
		case "symbol_id":
			return d.strField(&symbolID)
		case "source":
			return d.strField(&source)
		case "parameters":
			if d.lit("null") {
				return nil
			}
			return d.array(func() error {
				names, descs := 0, 0
				err := d.object(func(key string) error {
					switch key {
					case "name":
						names++
					case "description":
						descs++
					default:
						return errGiveUp
					}
					return d.strField(&v)
				})
				if err == nil && (names != 1 || descs != 1) {
					return errGiveUp // both required, once each
				}
				return err
			})
		case "examples":
			if d.lit("null") {
				return nil
			}
			return d.array(func() error { return d.strField(&v) })
		case "links":
			if d.lit("null") {
				return nil
			}
			var keys []string
			return d.object(func(key string) error {
				if slices.Contains(keys, key) {
					return errGiveUp // a repeated key: the last value would win
				}
				keys = append(keys, key)
				return d.strField(&v)
			})
		}
		return d.strField(&v)
	})
	if err != nil {
		return false, err
	}
	switch source {
	case DocFromComments, DocFromInherited, DocFromSignature, DocFromLLM:
	default:
		return false, nil
	}
	return seen&7 == 7 && symbolID == id && ValidID(symbolID), nil
}
