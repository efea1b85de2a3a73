// Package secret keeps the relay's secrets out of text and makes new ones:
// Redact removes token-shaped parts of upstream messages before they are
// logged, stored or shown; Hex makes random ids and secrets.
package secret

import (
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"strings"
)

// tokenShaped matches what may be a credential inside text that came from
// elsewhere (an upstream error body, a builder's report): GitHub tokens, the
// relay's upload tokens, JWTs, bearer and basic credentials, key=value
// secrets, and any long run of token characters (a 40-hex commit SHA is
// shorter and stays readable).
var tokenShaped = regexp.MustCompile(`(?i)` +
	`\b(?:gh[pousr]_[a-z0-9_]{16,}|github_pat_[a-z0-9_]{16,})` +
	`|\bv1\.[a-z0-9]+\.[0-9]+\.[0-9a-f]{16,}` +
	`|\beyJ[a-z0-9_-]{8,}\.[a-z0-9_-]{8,}\.[a-z0-9_-]*` +
	`|\b(?:bearer|basic|token)\s+[^\s"',;]+` +
	`|\b(?:token|secret|password|api[_-]?key|authorization|upload_token)("?\s*[:=]\s*"?)(?:(?:bearer|basic|token)\s+)?[^\s"',;&]+` +
	`|[a-z0-9+/_=-]{41,}`)

// Redact replaces every token-shaped part of s with "[redacted]" and caps it
// at n bytes: what is left of an upstream message is safe to log, store and
// show in the job API.
func Redact(s string, n int) string {
	s = tokenShaped.ReplaceAllStringFunc(s, func(m string) string {
		if sub := tokenShaped.FindStringSubmatch(m); len(sub) > 1 && sub[1] != "" {
			// key=value: keep the key so the message still says what it was.
			i := strings.Index(m, sub[1])
			return m[:i+len(sub[1])] + "[redacted]"
		}
		return "[redacted]"
	})
	return Truncate(strings.ToValidUTF8(s, "?"), n)
}

// Truncate cuts s to n bytes, marking the cut with "…".
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Hex returns n random bytes from crypto/rand as hex.
func Hex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
