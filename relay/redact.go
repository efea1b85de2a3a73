package relay

import (
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

// redact replaces every token-shaped part of s with "[redacted]" and caps it
// at n bytes: what is left of an upstream message is safe to log, store and
// show in the job API.
func redact(s string, n int) string {
	s = tokenShaped.ReplaceAllStringFunc(s, func(m string) string {
		if sub := tokenShaped.FindStringSubmatch(m); len(sub) > 1 && sub[1] != "" {
			// key=value: keep the key so the message still says what it was.
			i := strings.Index(m, sub[1])
			return m[:i+len(sub[1])] + "[redacted]"
		}
		return "[redacted]"
	})
	return truncate(strings.ToValidUTF8(s, "?"), n)
}
