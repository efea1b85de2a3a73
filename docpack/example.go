package docpack

import "strings"

// ShownExample returns a Rust example as rustdoc shows it: lines that are "#"
// or start with "# " are hidden (they set up the doctest, such as "# fn main() {"),
// and a leading "##" stands for a literal "#". Docs keep examples whole, so they
// still compile as doctests; readers call this before display.
func ShownExample(code string) string {
	lines := strings.Split(code, "\n")
	out := lines[:0]
	for _, ln := range lines {
		t := strings.TrimLeft(ln, " \t")
		switch {
		case t == "#" || strings.HasPrefix(t, "# "):
			continue
		case strings.HasPrefix(t, "##"):
			ln = ln[:len(ln)-len(t)] + t[1:]
		}
		out = append(out, ln)
	}
	return strings.Join(out, "\n")
}
