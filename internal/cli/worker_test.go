package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/doctown/doctown/internal/fakegithub"
)

func TestWorkerRunPodTestInput(t *testing.T) {
	gh := fakegithub.New()
	defer gh.Close()
	sha := gh.AddTxtar("acme", "tiny", []byte(`-- Cargo.toml --
[package]
name = "tiny"
version = "0.1.0"
edition = "2021"
-- src/lib.rs --
/// Adds.
pub fn add(a: i32, b: i32) -> i32 { a + b }
`))
	gh.AddToken("ghs_good_token_1")
	gh.AddToken("ghs_expired_token_2")
	gh.ExpireToken("ghs_expired_token_2")
	tests := []struct {
		name, input string
		code        int
		want        string
	}{
		{"wrapped input", `{"input": {"repo": "acme/tiny", "token": "ghs_good_token_1"}}`, ExitOK, `"commit": "` + sha + `"`},
		{"bare input", `{"repo": "acme/tiny", "git_ref": "main"}`, ExitOK, `"ref": "main"`},
		{"expired token", `{"input": {"repo": "acme/tiny", "token": "ghs_expired_token_2"}}`, ExitAuth, `"error": "github: repository acme/tiny: the token is invalid or expired`},
		{"unknown repo", `{"input": {"repo": "acme/nope"}}`, ExitFailure, `"error": "github: repository acme/nope not found`},
		{"unknown feature", `{"input": {"repo": "acme/tiny", "build": {"features": ["nosuch"]}}}`, ExitUsage, `"error": "the package 'tiny' does not contain this feature: nosuch"`},
		{"bad json", `{"input": `, ExitUsage, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			env := map[string]string{"DOCTOWN_GITHUB_API_URL": gh.URL}
			s := &IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(k string) string { return env[k] }}
			code := MainIO(t.Context(), []string{"worker", "runpod", "--test-input", tt.input}, s)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out.String(), errOut.String())
			}
			if !strings.Contains(out.String(), tt.want) {
				t.Errorf("stdout does not contain %s:\n%s", tt.want, out.String())
			}
			if tt.name != "bad json" && !json.Valid(out.Bytes()) {
				t.Errorf("stdout is not JSON: %s", out.String())
			}
			if strings.Contains(out.String()+errOut.String(), "ghs_") {
				t.Errorf("a token was printed:\n%s\n%s", out.String(), errOut.String())
			}
		})
	}
}
