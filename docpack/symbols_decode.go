package docpack

import (
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// decodeSymbols decodes symbols.json. It is on the path to the TUI's first
// frame, and encoding/json spends most of a 50,000-symbol pack's open time in
// reflection, so a decoder specialised to Symbol runs first. It is exact or it
// gives up: whenever it meets anything it does not handle exactly as
// encoding/json would (a syntax or type error, a key that differs from a field
// name only by case, deep nesting), the input is decoded again by encoding/json,
// whose result and error messages are the reference. FuzzDecodeSymbols checks
// that the two agree.
func decodeSymbols(b []byte) ([]Symbol, error) {
	if syms, ok := fastDecodeSymbols(b); ok {
		return syms, nil
	}
	var syms []Symbol
	if err := json.Unmarshal(b, &syms); err != nil {
		return nil, err
	}
	if syms == nil {
		return nil, errors.New("symbols.json is null, not an array")
	}
	return syms, nil
}

var errGiveUp = errors.New("give up")

// maxDepth matches encoding/json's nesting limit.
const maxDepth = 10000

type symScanner struct {
	s     string
	i     int
	depth int
	// strict also gives up on whatever symbols.schema.json would not accept
	// as it is: the validator's fast path (validate_fast.go).
	strict bool
}

// fastDecodeSymbols decodes b without copying strings out of it: the result's
// strings share b's memory, so b must never be modified afterwards.
func fastDecodeSymbols(b []byte) (syms []Symbol, ok bool) {
	if len(b) == 0 {
		return nil, false
	}
	// Depth 1 for the array, as encoding/json counts it.
	d := &symScanner{s: unsafe.String(&b[0], len(b)), depth: 1}
	d.ws()
	if !d.eat('[') {
		return nil, false
	}
	syms = make([]Symbol, 0, len(b)/700+1)
	d.ws()
	if d.eat(']') {
		return syms, d.end()
	}
	for {
		d.ws()
		var s Symbol
		if d.lit("null") {
		} else if err := d.symbol(&s); err != nil {
			return nil, false
		}
		syms = append(syms, s)
		d.ws()
		if d.eat(',') {
			continue
		}
		if d.eat(']') {
			return syms, d.end()
		}
		return nil, false
	}
}

func (d *symScanner) end() bool {
	d.ws()
	return d.i == len(d.s)
}

func (d *symScanner) ws() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *symScanner) eat(c byte) bool {
	if d.i < len(d.s) && d.s[d.i] == c {
		d.i++
		return true
	}
	return false
}

func (d *symScanner) lit(l string) bool {
	if strings.HasPrefix(d.s[d.i:], l) {
		d.i += len(l)
		return true
	}
	return false
}

var symbolKeys = []string{"id", "name", "path", "crate", "symbol_type", "visibility", "signature",
	"parameters", "return_type", "generics", "file", "line", "end_line", "doc_comments",
	"attributes", "parent", "dependencies", "source_hash", "has_default", "private_fields", "public_paths", "cfg", "param_type", "inlined_from", "doc_cfg"}

// object walks an object's members, calling member for each key with the
// scanner positioned at the value.
func (d *symScanner) object(member func(key string) error) error {
	if !d.eat('{') {
		return errGiveUp
	}
	d.depth++
	if d.depth > maxDepth {
		return errGiveUp
	}
	d.ws()
	if d.eat('}') {
		d.depth--
		return nil
	}
	for {
		d.ws()
		key, err := d.str()
		if err != nil {
			return err
		}
		d.ws()
		if !d.eat(':') {
			return errGiveUp
		}
		d.ws()
		if err := member(key); err != nil {
			return err
		}
		d.ws()
		if d.eat(',') {
			continue
		}
		if d.eat('}') {
			d.depth--
			return nil
		}
		return errGiveUp
	}
}

// unknown skips the value of a key no field claims, unless encoding/json's
// case-insensitive matching would claim it. A strict scan gives up on it.
func (d *symScanner) unknown(key string) error {
	if d.strict {
		return errGiveUp
	}
	for _, k := range symbolKeys {
		if strings.EqualFold(k, key) {
			return errGiveUp
		}
	}
	return d.skip()
}

func (d *symScanner) symbol(s *Symbol) error {
	var seen uint32
	err := d.object(func(key string) error {
		if d.strict {
			bit := symbolKeyBit(key)
			if bit == 0 || seen&bit != 0 {
				return errGiveUp // unknown, or a duplicate whose last value would win
			}
			seen |= bit
		}
		switch key {
		case "id":
			return d.strField(&s.ID)
		case "name":
			return d.strField(&s.Name)
		case "path":
			return d.strField(&s.Path)
		case "crate":
			return d.strField(&s.Crate)
		case "symbol_type":
			return d.strField((*string)(&s.SymbolType))
		case "visibility":
			return d.strField(&s.Visibility)
		case "signature":
			return d.strField(&s.Signature)
		case "return_type":
			return d.strField(&s.ReturnType)
		case "generics":
			return d.strField(&s.Generics)
		case "file":
			return d.strField(&s.File)
		case "doc_comments":
			return d.strField(&s.DocComments)
		case "parent":
			return d.strField(&s.Parent)
		case "source_hash":
			return d.strField(&s.SourceHash)
		case "line":
			return d.intField(&s.Line)
		case "end_line":
			return d.intField(&s.EndLine)
		case "attributes":
			return d.strsField(&s.Attributes)
		case "dependencies":
			return d.strsField(&s.Dependencies)
		case "parameters":
			return d.paramsField(&s.Parameters)
		case "has_default":
			return d.boolField(&s.HasDefault)
		case "private_fields":
			return d.boolField(&s.PrivateFields)
		case "public_paths":
			return d.strsField(&s.PublicPaths)
		case "cfg":
			return d.strField(&s.Cfg)
		case "inlined_from":
			return d.inlinedField(&s.InlinedFrom)
		case "doc_cfg":
			return d.strField(&s.DocCfg)
		}
		return d.unknown(key)
	})
	if err == nil && d.strict && !schemaValidSymbol(s, seen) {
		return errGiveUp
	}
	return err
}

// inlinedFromKeys are InlinedFrom's members, which encoding/json matches
// case-insensitively too.
var inlinedFromKeys = []string{"crate", "version", "path"}

func (d *symScanner) inlinedField(dst **InlinedFrom) error {
	if d.lit("null") {
		*dst = nil
		return d.notStrict()
	}
	if *dst == nil {
		*dst = &InlinedFrom{}
	}
	f := *dst
	crates, versions, paths := 0, 0, 0
	err := d.object(func(key string) error {
		switch key {
		case "crate":
			crates++
			return d.strField(&f.Crate)
		case "version":
			versions++
			return d.strField(&f.Version)
		case "path":
			paths++
			return d.strField(&f.Path)
		}
		if d.strict {
			return errGiveUp
		}
		for _, k := range inlinedFromKeys {
			if strings.EqualFold(k, key) {
				return errGiveUp
			}
		}
		return d.skip()
	})
	if err == nil && d.strict && (crates != 1 || versions > 1 || paths != 1 || f.Crate == "" || f.Path == "") {
		return errGiveUp // crate and path required and not empty, each key once
	}
	return err
}

// notStrict is what a null decoded as encoding/json decodes it returns: a
// strict scan gives up, since the schema's types do not admit null there.
func (d *symScanner) notStrict() error {
	if d.strict {
		return errGiveUp
	}
	return nil
}

func (d *symScanner) strField(dst *string) error {
	if d.lit("null") {
		return d.notStrict()
	}
	v, err := d.str()
	if err != nil {
		return err
	}
	*dst = v
	return nil
}

func (d *symScanner) boolField(dst *bool) error {
	switch {
	case d.lit("null"):
		return d.notStrict()
	case d.lit("true"):
		*dst = true
	case d.lit("false"):
		*dst = false
	default:
		return errGiveUp
	}
	return nil
}

func (d *symScanner) intField(dst *int) error {
	if d.lit("null") {
		return d.notStrict()
	}
	start := d.i
	neg := d.eat('-')
	if d.i >= len(d.s) || d.s[d.i] < '0' || d.s[d.i] > '9' {
		return errGiveUp
	}
	if d.s[d.i] == '0' {
		d.i++
	} else {
		for d.i < len(d.s) && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
			d.i++
		}
	}
	if d.i < len(d.s) && (d.s[d.i] == '.' || d.s[d.i] == 'e' || d.s[d.i] == 'E') {
		return errGiveUp // a fraction or exponent: encoding/json decides
	}
	digits := d.s[start:d.i]
	if neg {
		digits = digits[1:]
	}
	if len(digits) > 18 {
		return errGiveUp
	}
	n := 0
	for _, c := range []byte(digits) {
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	*dst = n
	return nil
}

func (d *symScanner) array(elem func() error) error {
	if !d.eat('[') {
		return errGiveUp
	}
	d.depth++
	if d.depth > maxDepth {
		return errGiveUp
	}
	d.ws()
	if d.eat(']') {
		d.depth--
		return nil
	}
	for {
		d.ws()
		if err := elem(); err != nil {
			return err
		}
		d.ws()
		if d.eat(',') {
			continue
		}
		if d.eat(']') {
			d.depth--
			return nil
		}
		return errGiveUp
	}
}

func (d *symScanner) strsField(dst *[]string) error {
	if d.lit("null") {
		*dst = nil
		return nil
	}
	out := make([]string, 0, 4)
	err := d.array(func() error {
		var v string
		if err := d.strField(&v); err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	if err != nil {
		return err
	}
	*dst = out
	return nil
}

func (d *symScanner) paramsField(dst *[]Parameter) error {
	if d.lit("null") {
		*dst = nil
		return nil
	}
	out := make([]Parameter, 0, 4)
	err := d.array(func() error {
		var p Parameter
		if d.lit("null") {
			out = append(out, p)
			return d.notStrict()
		}
		names, types := 0, 0
		err := d.object(func(key string) error {
			switch key {
			case "name":
				names++
				return d.strField(&p.Name)
			case "param_type":
				types++
				return d.strField(&p.ParamType)
			}
			return d.unknown(key)
		})
		out = append(out, p)
		if err == nil && d.strict && (names != 1 || types != 1) {
			return errGiveUp // both required, once each
		}
		return err
	})
	if err != nil {
		return err
	}
	*dst = out
	return nil
}

// str reads a JSON string. Without escapes or invalid UTF-8 the result is a
// substring of the input; otherwise it is built as encoding/json builds it
// (invalid bytes and lone surrogates become U+FFFD).
func (d *symScanner) str() (string, error) {
	if !d.eat('"') {
		return "", errGiveUp
	}
	start := d.i
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			v := d.s[start:d.i]
			d.i++
			return v, nil
		case c == '\\' || c < 0x20:
			return d.slowStr(start)
		case c < utf8.RuneSelf:
			d.i++
		default:
			r, size := utf8.DecodeRuneInString(d.s[d.i:])
			if r == utf8.RuneError && size == 1 {
				return d.slowStr(start)
			}
			d.i += size
		}
	}
	return "", errGiveUp
}

func (d *symScanner) slowStr(start int) (string, error) {
	var b strings.Builder
	b.WriteString(d.s[start:d.i])
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			d.i++
			return b.String(), nil
		case c < 0x20:
			return "", errGiveUp
		case c == '\\':
			if d.i+1 >= len(d.s) {
				return "", errGiveUp
			}
			e := d.s[d.i+1]
			d.i += 2
			switch e {
			case '"', '\\', '/':
				b.WriteByte(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				r, ok := d.hex4()
				if !ok {
					return "", errGiveUp
				}
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if strings.HasPrefix(d.s[d.i:], `\u`) {
						save := d.i
						d.i += 2
						var ok2 bool
						if r2, ok2 = d.hex4(); !ok2 {
							return "", errGiveUp
						}
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							b.WriteRune(dec)
							continue
						}
						d.i = save
					}
					r = utf8.RuneError
				}
				b.WriteRune(r)
			default:
				return "", errGiveUp
			}
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			d.i++
		default:
			r, size := utf8.DecodeRuneInString(d.s[d.i:])
			if r == utf8.RuneError && size == 1 {
				b.WriteRune(utf8.RuneError)
			} else {
				b.WriteString(d.s[d.i : d.i+size])
			}
			d.i += size
		}
	}
	return "", errGiveUp
}

func (d *symScanner) hex4() (rune, bool) {
	if d.i+4 > len(d.s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(d.s[d.i : d.i+4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r*16 + rune(c)
	}
	d.i += 4
	return r, true
}

// skip validates and skips any JSON value.
func (d *symScanner) skip() error {
	if d.i >= len(d.s) {
		return errGiveUp
	}
	switch c := d.s[d.i]; {
	case c == '"':
		_, err := d.str()
		return err
	case c == '{':
		return d.object(func(key string) error { return d.skip() })
	case c == '[':
		return d.array(d.skip)
	case c == 't':
		return d.must(d.lit("true"))
	case c == 'f':
		return d.must(d.lit("false"))
	case c == 'n':
		return d.must(d.lit("null"))
	case c == '-' || '0' <= c && c <= '9':
		return d.number()
	}
	return errGiveUp
}

func (d *symScanner) must(ok bool) error {
	if !ok {
		return errGiveUp
	}
	return nil
}

func (d *symScanner) digits() int {
	n := 0
	for d.i < len(d.s) && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
		d.i++
		n++
	}
	return n
}

func (d *symScanner) number() error {
	d.eat('-')
	if d.eat('0') {
	} else if d.digits() == 0 {
		return errGiveUp
	}
	if d.eat('.') && d.digits() == 0 {
		return errGiveUp
	}
	if d.eat('e') || d.eat('E') {
		if !d.eat('+') {
			d.eat('-')
		}
		if d.digits() == 0 {
			return errGiveUp
		}
	}
	return nil
}
