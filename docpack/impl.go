package docpack

import "strings"

// SplitImpl splits an impl block's header, as in an impl symbol's name or
// signature, into the trait it implements ("" for an inherent impl) and its
// self type: "unsafe impl<T: Send> Send for Foo<T>" gives ("Send", "Foo<T>").
func SplitImpl(header string) (trait, self string) {
	h := strings.TrimSpace(header)
	h = strings.TrimSpace(strings.TrimPrefix(h, "unsafe "))
	h = strings.TrimSpace(strings.TrimPrefix(h, "impl"))
	h = skipGenerics(h)
	if t, s, ok := strings.Cut(h, " for "); ok {
		return strings.TrimSpace(t), strings.TrimSpace(s)
	}
	return "", h
}

// skipGenerics drops a leading "<…>" (nested brackets included; the ">" of
// "->" is not a bracket).
func skipGenerics(s string) string {
	if !strings.HasPrefix(s, "<") {
		return s
	}
	depth := 0
	for i, r := range s {
		switch r {
		case '<':
			depth++
		case '>':
			if i > 0 && s[i-1] == '-' {
				continue
			}
			depth--
			if depth == 0 {
				return strings.TrimSpace(s[i+1:])
			}
		}
	}
	return s
}
