package docpack

import (
	"slices"
	"strconv"
	"unicode/utf8"
)

// appendSymbol appends s as encoding/json writes it (with HTML escaping off,
// as the writer's encoders have it), byte for byte: the writer encodes every
// symbol of symbols.json, 145,198 for winapi with every feature, and
// reflection made that a third of the package stage. TestAppendSymbolMatchesJSON
// holds it to encoding/json's output, field list included.
func appendSymbol(b []byte, s *Symbol) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, s.ID)
	b = append(b, `,"name":`...)
	b = appendJSONString(b, s.Name)
	b = append(b, `,"path":`...)
	b = appendJSONString(b, s.Path)
	b = append(b, `,"crate":`...)
	b = appendJSONString(b, s.Crate)
	b = append(b, `,"symbol_type":`...)
	b = appendJSONString(b, string(s.SymbolType))
	b = append(b, `,"visibility":`...)
	b = appendJSONString(b, s.Visibility)
	b = append(b, `,"signature":`...)
	b = appendJSONString(b, s.Signature)
	b = append(b, `,"parameters":`...)
	if s.Parameters == nil {
		b = append(b, "null"...)
	} else {
		b = appendPairs(b, len(s.Parameters), `{"name":`, `,"param_type":`, func(i int) (string, string) {
			return s.Parameters[i].Name, s.Parameters[i].ParamType
		})
	}
	if s.ReturnType != "" {
		b = append(b, `,"return_type":`...)
		b = appendJSONString(b, s.ReturnType)
	}
	if s.Generics != "" {
		b = append(b, `,"generics":`...)
		b = appendJSONString(b, s.Generics)
	}
	b = append(b, `,"file":`...)
	b = appendJSONString(b, s.File)
	b = append(b, `,"line":`...)
	b = strconv.AppendInt(b, int64(s.Line), 10)
	b = append(b, `,"end_line":`...)
	b = strconv.AppendInt(b, int64(s.EndLine), 10)
	b = append(b, `,"doc_comments":`...)
	b = appendJSONString(b, s.DocComments)
	b = append(b, `,"attributes":`...)
	b = appendJSONStrings(b, s.Attributes)
	if s.Parent != "" {
		b = append(b, `,"parent":`...)
		b = appendJSONString(b, s.Parent)
	}
	b = append(b, `,"dependencies":`...)
	b = appendJSONStrings(b, s.Dependencies)
	b = append(b, `,"source_hash":`...)
	b = appendJSONString(b, s.SourceHash)
	if s.HasDefault {
		b = append(b, `,"has_default":true`...)
	}
	if s.PrivateFields {
		b = append(b, `,"private_fields":true`...)
	}
	if s.Cfg != "" {
		b = append(b, `,"cfg":`...)
		b = appendJSONString(b, s.Cfg)
	}
	if s.DocCfg != "" {
		b = append(b, `,"doc_cfg":`...)
		b = appendJSONString(b, s.DocCfg)
	}
	if len(s.PublicPaths) > 0 {
		b = append(b, `,"public_paths":`...)
		b = appendJSONStrings(b, s.PublicPaths)
	}
	if f := s.InlinedFrom; f != nil {
		b = append(b, `,"inlined_from":{"crate":`...)
		b = appendJSONString(b, f.Crate)
		if f.Version != "" {
			b = append(b, `,"version":`...)
			b = appendJSONString(b, f.Version)
		}
		b = append(b, `,"path":`...)
		b = appendJSONString(b, f.Path)
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendPairs appends an array of n objects of two string members, whose
// keys open and mid write (`{"name":`, `,"param_type":`) and pair(i) gives.
func appendPairs(b []byte, n int, open, mid string, pair func(i int) (string, string)) []byte {
	b = append(b, '[')
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		k, v := pair(i)
		b = append(b, open...)
		b = appendJSONString(b, k)
		b = append(b, mid...)
		b = appendJSONString(b, v)
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendJSONStrings appends ss as a JSON array, null when it is nil.
func appendJSONStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string the way encoding/json does
// without HTML escaping: `"` and `\` and control characters escaped (\b, \f,
// \n, \r, \t by name, the rest as \u00XX), invalid UTF-8 as \ufffd, and
// U+2028 and U+2029 as \u2028 and \u2029. Nearly every string of a docpack
// needs none of it (symbols.json's 89 MB on winapi): those are found so by
// plainLen and copied whole.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	i := plainLen(s)
	if i == len(s) {
		b = append(b, s...)
		return append(b, '"')
	}
	start := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if plainByte[c] {
				i++
				i += plainLen(s[i:])
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			i += plainLen(s[i:])
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// plainByte is whether a byte is copied into a JSON string as it is: not a
// control character, '"', '\\' or past ASCII (a multi-byte character is
// checked on its own).
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// plainLen is the length of s's longest prefix of plainByte bytes, or a
// shorter one ending on a multiple of eight: eight bytes are tested at a
// time (plainWord), and the last eight of a string of eight or more as one
// word, overlapping the one before. Each word is a slice of s, with no
// bounds check: indexing s eight times for each was eight checks, and the
// loop's state kept on the stack (winapi's package stage, callgrind: 884 →
// 579 million instructions in appendJSONString and plainLen).
func plainLen(s string) int {
	t := s
	for len(t) >= 8 {
		if !plainWord(word(t[:8])) {
			return len(s) - len(t)
		}
		t = t[8:]
	}
	if len(t) == 0 {
		return len(s)
	}
	if len(s) >= 8 {
		if plainWord(word(s[len(s)-8:])) {
			return len(s)
		}
		return len(s) - len(t)
	}
	n := 0
	for n < len(s) && plainByte[s[n]] {
		n++
	}
	return n
}

// word is the eight bytes of t, the first the lowest.
func word(t string) uint64 {
	_ = t[7]
	return uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
		uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
}

// plainWord reports whether none of the eight bytes of w needs escaping in
// a JSON string: none is a control character, '"', '\\' or past ASCII. The
// tests are the classic bit tricks (a byte below n: (w-n)&^w&0x80; a byte
// equal to c: the same of w^c, n = 1), which can only err towards false, when
// a borrow reaches a byte above one that matched.
func plainWord(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q, bs := w^('"'*ones), w^('\\'*ones) // a zero byte where w has '"', '\\'
	ctl := (w - 0x20*ones) &^ w
	quote := (q - ones) &^ q
	slash := (bs - ones) &^ bs
	return (ctl|quote|slash|w)&highs == 0
}

// appendDoc appends d as encoding/json writes it (HTML escaping off, map keys
// sorted), byte for byte, for the same reason as appendSymbol: a doc entry
// per symbol. TestAppendDocMatchesJSON holds it to encoding/json's output.
func appendDoc(b []byte, d *Doc) []byte {
	b = append(b, `{"symbol_id":`...)
	b = appendJSONString(b, d.SymbolID)
	b = append(b, `,"summary":`...)
	b = appendJSONString(b, d.Summary)
	if d.Description != "" {
		b = append(b, `,"description":`...)
		b = appendJSONString(b, d.Description)
	}
	if len(d.Parameters) > 0 {
		b = append(b, `,"parameters":`...)
		b = appendPairs(b, len(d.Parameters), `{"name":`, `,"description":`, func(i int) (string, string) {
			return d.Parameters[i].Name, d.Parameters[i].Description
		})
	}
	for _, f := range [...]struct{ key, val string }{
		{`,"returns":`, d.Returns}, {`,"errors":`, d.Errors}, {`,"panics":`, d.Panics}, {`,"safety":`, d.Safety},
	} {
		if f.val != "" {
			b = append(b, f.key...)
			b = appendJSONString(b, f.val)
		}
	}
	if len(d.Examples) > 0 {
		b = append(b, `,"examples":`...)
		b = appendJSONStrings(b, d.Examples)
	}
	if len(d.Links) > 0 {
		keys := make([]string, 0, len(d.Links))
		for k := range d.Links {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, `,"links":{`...)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONString(b, d.Links[k])
		}
		b = append(b, '}')
	}
	b = append(b, `,"source":`...)
	b = appendJSONString(b, d.Source)
	if d.InheritedFrom != "" {
		b = append(b, `,"inherited_from":`...)
		b = appendJSONString(b, d.InheritedFrom)
	}
	return append(b, '}')
}
