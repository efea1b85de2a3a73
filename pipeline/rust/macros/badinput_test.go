package macros

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// hangBound is how long a hostile macro may take before the test calls it a
// hang. It is a wall-clock bound on a machine that may be loaded (CI runs
// test packages in parallel on two cores), so it is far above the second or
// two of CPU the expander's limits allow; what it catches is work that never
// ends (exponential matching, unbounded recursion), not slowness.
const hangBound = 60 * time.Second

// within runs f and fails the test if it does not return in d: a hostile
// macro must end in an error, never a hang.
func within(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("did not finish within %v", d)
	}
}

func expandSrc(t *testing.T, src string) ([]Token, error) {
	t.Helper()
	toks, err := Lex(src, 1)
	if err != nil {
		return nil, err
	}
	table := NewTable()
	table.ScanFile("lib.rs", toks)
	x := &Expander{Table: table}
	return x.ExpandItems(toks, "lib.rs")
}

func TestHostileMacros(t *testing.T) {
	cases := []struct {
		name, src string
		want      error
	}{
		{"infinite recursion", "macro_rules! forever { () => { forever!(); }; }\nforever!();", errDepth},
		{"mutual recursion", "macro_rules! ping { () => { pong!{} }; }\nmacro_rules! pong { () => { ping!{} }; }\nping!{}", errDepth},
		{"doubling", "macro_rules! boom { ($($t:tt)*) => { boom!($($t)* $($t)*); }; }\nboom!(x);", errTooBig},
		{"exponential backtracking", "macro_rules! amb { ($($a:tt)* $($b:tt)* $($c:tt)* ;) => {}; }\namb!(" + strings.Repeat("x ", 400) + ");", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			within(t, hangBound, func() {
				_, err := expandSrc(t, c.src)
				if c.want == nil {
					if err != nil && !errors.Is(err, errBudget) && !errors.Is(err, errTime) {
						t.Errorf("err = %v", err)
					}
					return
				}
				if !errors.Is(err, c.want) && !(c.want == errTooBig && errors.Is(err, errTime)) {
					t.Errorf("err = %v, want %v", err, c.want)
				}
				var me *Error
				if !errors.As(err, &me) || me.Macro == "" || !strings.Contains(err.Error(), me.Macro) {
					t.Errorf("error %v does not name the macro", err)
				}
			})
		})
	}
}

func TestHugeTokenTree(t *testing.T) {
	var b strings.Builder
	b.WriteString("macro_rules! eat { ($($t:tt)*) => { pub struct Ate; }; }\neat! {")
	for b.Len() < 10<<20 {
		b.WriteString(" pub fn f(x: u8) -> [u8; 4] { [x, x, x, x] }\n")
	}
	b.WriteString("}\npub struct After;\n")
	within(t, hangBound, func() {
		got, err := expandSrc(t, b.String())
		if !errors.Is(err, errTooBig) || !strings.Contains(err.Error(), "macro eat") {
			t.Errorf("err = %v, want the token limit naming eat", err)
		}
		if s := Render(got[len(got)-4:]); !strings.Contains(s, "struct After") {
			t.Errorf("the items after the call are lost: %.200s", s)
		}
	})
}

// TestLongTTMuncher is a muncher that takes one token per call: a thousand
// calls deep is over the recursion limit, and it must stop quickly.
func TestLongRest(t *testing.T) {
	src := "macro_rules! eat { () => {}; ($x:tt $($rest:tt)*) => { eat!($($rest)*); }; }\neat!(" + strings.Repeat("a ", 100) + ");"
	within(t, hangBound, func() {
		if _, err := expandSrc(t, src); err != nil {
			t.Errorf("100 tokens: %v", err)
		}
	})
	src = strings.Replace(src, strings.Repeat("a ", 100), strings.Repeat("a ", 5000), 1)
	within(t, hangBound, func() {
		if _, err := expandSrc(t, src); !errors.Is(err, errDepth) {
			t.Errorf("5000 tokens: err = %v, want the recursion limit", err)
		}
	})
}

func TestMismatchedDelimiters(t *testing.T) {
	for _, src := range []string{
		"m! { fn f() ) }",
		"m! ( [ )",
		"m! { struct A; ",
		"}",
		"macro_rules! m { ($x:ident) => { struct $x; ] }",
	} {
		within(t, hangBound, func() {
			_, err := Lex(src, 1)
			var le *LexError
			if !errors.As(err, &le) || le.Line != 1 {
				t.Errorf("Lex(%q) = %v, want a LexError on line 1", src, err)
			}
		})
	}
}

func TestNoRuleMatches(t *testing.T) {
	_, err := expandSrc(t, "macro_rules! only_u8 { (u8) => {}; }\nonly_u8!(u16);")
	if err == nil || !strings.Contains(err.Error(), "only_u8") || !strings.Contains(err.Error(), "no rule") {
		t.Errorf("err = %v", err)
	}
}

func TestBadDefinitions(t *testing.T) {
	for _, body := range []string{"", "($x) => {}", "($x:nope) => {}", "(a) {}", "($(a)) => {}", "() => { ${count(x)} }"} {
		toks, err := Lex(body, 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseDef("bad", toks); err == nil || !strings.Contains(err.Error(), "bad") {
			t.Errorf("ParseDef(%q) = %v, want an error naming the macro", body, err)
		}
	}
}
