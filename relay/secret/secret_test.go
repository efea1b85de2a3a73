package secret

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"token ghs_abcdefghijklmnopqrstuvwxyz012345 expired", "[redacted] expired"},
		{`{"upload_token":"v1.abc123.1700000000.` + strings.Repeat("ab", 32) + `"}`, `{"upload_token":"[redacted]"}`},
		{"Authorization: Bearer rp-key-1", "Authorization: [redacted]"},
		{"api_key=sekrit&x=1", "api_key=[redacted]&x=1"},
		{"commit " + strings.Repeat("a1", 20) + " not found", "commit " + strings.Repeat("a1", 20) + " not found"},
		{"blob " + strings.Repeat("Zx9", 20), "blob [redacted]"},
	} {
		if got := Redact(tc.in, 500); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
