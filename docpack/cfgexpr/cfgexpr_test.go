package cfgexpr

import "testing"

func TestParseString(t *testing.T) {
	for in, want := range map[string]string{
		`feature="full"`:                      `feature = "full"`,
		` all( unix ,feature = "a", ) `:       `all(unix, feature = "a")`,
		`not(any(target_os="linux",windows))`: `not(any(target_os = "linux", windows))`,
		`all()`:                               `all()`,
		`feature = r#"raw"#`:                  `feature = "raw"`,
		`target_os = "li\x6eux"`:              `target_os = "linux"`,
	} {
		e, err := Parse(in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		if got := e.String(); got != want {
			t.Errorf("Parse(%q).String() = %q, want %q", in, got, want)
		}
	}
}

func TestSentence(t *testing.T) {
	for pred, want := range map[string]string{
		`feature = "full"`:                     "Available on crate feature `full` only",
		`all(feature = "net", feature = "rt")`: "Available on crate features `net` and `rt` only",
		`any(feature = "net", feature = "rt")`: "Available on crate features `net` or `rt` only",
		`all(unix, feature = "net")`:           "Available on Unix and crate feature `net` only",
		// The forms below as rustdoc 1.95's HTML shows them (docs.rs's badges).
		`all(feature = "a", feature = "b", unix)`:       "Available on crate feature `a` and crate feature `b` and Unix only",
		`not(feature = "c")`:                            "Available on non-crate feature `c` only",
		`all(feature = "a", not(windows))`:              "Available on crate feature `a` and non-Windows only",
		`all(feature = "a", any(unix, windows))`:        "Available on crate feature `a` and (Unix or Windows) only",
		`any(unix, all(feature = "a", feature = "b"))`:  "Available on Unix, or crate features `a` and `b` only",
		`all(unix, target_os = "linux", feature = "a")`: "Available on Unix and Linux and crate feature `a` only",
		`not(windows)`:        "Available on non-Windows only",
		`target_os = "linux"`: "Available on Linux only",
		`any(target_os = "linux", target_os = "android")`: "Available on Linux or Android only",
		`tokio_unstable`: "Available on `tokio_unstable` only",
		`all(`:           "",
	} {
		if got := Sentence(pred); got != want {
			t.Errorf("Sentence(%q) = %q, want %q", pred, got, want)
		}
	}
}

func TestAllOf(t *testing.T) {
	a, _ := Parse(`feature = "a"`)
	b, _ := Parse(`all(unix, feature = "a")`)
	if got, want := AllOf(a, b).String(), `all(feature = "a", unix)`; got != want {
		t.Errorf("AllOf = %q, want %q", got, want)
	}
	if got := AllOf(a).String(); got != `feature = "a"` {
		t.Errorf("AllOf(one) = %q", got)
	}
}
