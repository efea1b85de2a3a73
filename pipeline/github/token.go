package github

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// Environment variables read by the GitHub source's callers.
const (
	EnvToken       = "DOCTOWN_GITHUB_TOKEN"
	EnvGitHubToken = "GITHUB_TOKEN"
	EnvAPIURL      = "DOCTOWN_GITHUB_API_URL"
)

// TokenFromEnv returns the GitHub token: the contents of tokenFile when given,
// else DOCTOWN_GITHUB_TOKEN, else GITHUB_TOKEN. No token is not an error (public
// repositories need none). The token is never part of an error message.
func TokenFromEnv(getenv func(string) string, tokenFile string) (string, error) {
	if tokenFile != "" {
		b, err := os.ReadFile(tokenFile)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return "", fmt.Errorf("token file %s: %w", tokenFile, err)
		}
		tok := strings.TrimSpace(string(b))
		if tok == "" {
			return "", fmt.Errorf("token file %s is empty", tokenFile)
		}
		if strings.ContainsAny(tok, " \t\r\n") {
			return "", fmt.Errorf("token file %s holds more than one line", tokenFile)
		}
		return tok, nil
	}
	for _, k := range []string{EnvToken, EnvGitHubToken} {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v, nil
		}
	}
	return "", nil
}
