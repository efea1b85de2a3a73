package docpack

import "testing"

func TestShownExample(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"# use regex::Regex;\n# fn main() {\nlet re = Regex::new(\"a\");\n# }", "let re = Regex::new(\"a\");"},
		{"#[derive(Debug)]\nstruct S;\n#", "#[derive(Debug)]\nstruct S;"},
		{"    # hidden\n    shown\n##[attr] literal", "    shown\n#[attr] literal"},
		{"let s = \"# not hidden\";", "let s = \"# not hidden\";"},
	} {
		if got := ShownExample(tc.in); got != tc.want {
			t.Errorf("ShownExample(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
