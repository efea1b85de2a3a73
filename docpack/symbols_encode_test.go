package docpack

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// trickyStrings are texts whose JSON encoding has every special case:
// each ASCII control character, quotes and backslashes, HTML characters
// (left as they are), invalid UTF-8, U+2028/U+2029 and multi-byte runes.
func trickyStrings() []string {
	var ctl strings.Builder
	for c := 0; c < 0x80; c++ {
		ctl.WriteByte(byte(c))
	}
	return []string{"", "plain", ctl.String(), `a"b\c`, "<a href='x'>&amp;</a>", "\xff\xfe bad \xc3", "x\u2028y\u2029z",
		"é ü 日本 🦀", "trailing \\", "\x7f\u0085", strings.Repeat("long ", 200)}
}

// fill sets every field of the struct v points to from the strings, bools and
// numbers given, through reflection, so a field added to Symbol is exercised
// (and appendSymbol, which does not know it, fails the comparison).
func fill(v reflect.Value, str string, n int, on bool) {
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString(str)
		case reflect.Int:
			f.SetInt(int64(n))
		case reflect.Bool:
			f.SetBool(on)
		case reflect.Slice:
			switch {
			case !on && n%2 == 0:
				// nil: null, or left out when omitempty
			case n%3 == 0:
				f.Set(reflect.MakeSlice(f.Type(), 0, 0))
			default:
				s := reflect.MakeSlice(f.Type(), 2, 2)
				for j := 0; j < 2; j++ {
					if e := s.Index(j); e.Kind() == reflect.Struct {
						fill(e, str+"·"+string(rune('a'+j)), n, on)
					} else {
						e.SetString(str + string(rune('0'+j)))
					}
				}
				f.Set(s)
			}
		case reflect.Pointer:
			// nil (left out) for half the values, else a filled struct.
			if f.Type().Elem().Kind() == reflect.Struct && (on || n%2 != 0) {
				p := reflect.New(f.Type().Elem())
				fill(p.Elem(), str, n, on)
				f.Set(p)
			}
		default:
			panic("fill: no rule for a field of kind " + f.Kind().String())
		}
	}
}

func TestAppendSymbolMatchesJSON(t *testing.T) {
	var syms []Symbol
	for k, s := range trickyStrings() {
		for _, on := range []bool{false, true} {
			for _, n := range []int{0, 1, -3, 6, 12345678} {
				var sym Symbol
				fill(reflect.ValueOf(&sym).Elem(), s, n+k, on)
				syms = append(syms, sym)
			}
		}
	}
	syms = append(syms, sampleSymbols(300)...)
	matchesJSON(t, syms, appendSymbol)
}

// matchesJSON checks that appendTo writes each of vals as encoding/json's
// Encoder does with HTML escaping off, its newline aside.
func matchesJSON[T any](t *testing.T, vals []T, appendTo func([]byte, *T) []byte) {
	t.Helper()
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(false)
	for i := range vals {
		want.Reset()
		if err := enc.Encode(&vals[i]); err != nil {
			t.Fatal(err)
		}
		got := appendTo(nil, &vals[i])
		if w := bytes.TrimSuffix(want.Bytes(), []byte("\n")); !bytes.Equal(got, w) {
			t.Fatalf("value %d:\n got %s\nwant %s", i, got, w)
		}
	}
}

func TestAppendDocMatchesJSON(t *testing.T) {
	var docs []Doc
	for k, s := range trickyStrings() {
		for _, on := range []bool{false, true} {
			for _, n := range []int{0, 1, 6, 7} {
				var d Doc
				v := reflect.ValueOf(&d).Elem()
				for i := 0; i < v.NumField(); i++ {
					f := v.Field(i)
					switch f.Kind() {
					case reflect.Map:
						if on {
							f.Set(reflect.ValueOf(map[string]string{s + "b": s, "a" + s: "x", "[`Vec`]": s + "y"}))
						} else if n%2 == 1 {
							f.Set(reflect.ValueOf(map[string]string{}))
						}
					case reflect.String:
						if n != 6 || i%2 == 0 {
							f.SetString(s)
						}
					case reflect.Slice:
						if on || n%2 == 1 {
							tmp := reflect.New(reflect.StructOf([]reflect.StructField{{Name: "X", Type: f.Type()}})).Elem()
							fill(tmp, s, n+k+1, on)
							f.Set(tmp.Field(0))
						}
					default:
						t.Fatalf("no rule for Doc field %s", v.Type().Field(i).Name)
					}
				}
				docs = append(docs, d)
			}
		}
	}
	for _, d := range sampleDocs(sampleSymbols(200)) {
		docs = append(docs, d)
	}
	matchesJSON(t, docs, appendDoc)
}

// TestAppendJSONStringEveryOffset puts each byte that needs escaping, and
// multi-byte runes, at every offset of the eight-byte words appendJSONString
// skips, next to every other, in strings of every length up to 20 (the
// bytes after the last whole word are tested as a word overlapping it, or
// one at a time under eight), and compares with encoding/json.
func TestAppendJSONStringEveryOffset(t *testing.T) {
	var specials []string
	for c := 0; c < 0x20; c++ {
		specials = append(specials, string(rune(c)))
	}
	specials = append(specials, `"`, `\`, "\x7f", "\xff", "\xc3", "é", "\u2028", "\u2029", "🦀", "!", "#", "[", "]", "~")
	var vals []string
	for _, sp := range specials {
		for _, sp2 := range []string{"", `"`, "\n", "é"} {
			for n := 0; n <= 20; n++ {
				for pre := 0; pre <= n; pre++ {
					vals = append(vals, strings.Repeat("a", pre)+sp+sp2+strings.Repeat("Z", n-pre))
				}
			}
		}
	}
	matchesJSON(t, vals, func(b []byte, s *string) []byte { return appendJSONString(b, *s) })
}

// FuzzAppendJSONString holds appendJSONString to encoding/json on any text.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range trickyStrings() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		matchesJSON(t, []string{s}, func(b []byte, s *string) []byte { return appendJSONString(b, *s) })
	})
}
