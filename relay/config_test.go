package relay

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestMainRefusesWithoutSecret(t *testing.T) {
	var out, errOut bytes.Buffer
	env := map[string]string{"DOCTOWN_DATA_DIR": t.TempDir()}
	code := MainIO(t.Context(), []string{"--addr", "127.0.0.1:0"}, func(k string) string { return env[k] }, &out, &errOut)
	if code != 2 || !strings.Contains(errOut.String(), "GITHUB_WEBHOOK_SECRET") {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
}

// cancelOnWrite is a log sink that cancels a context once a line containing
// marker is written: the test stops the relay as soon as it is serving.
type cancelOnWrite struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	marker string
	cancel context.CancelFunc
}

func (c *cancelOnWrite) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf.Write(p)
	if strings.Contains(c.buf.String(), c.marker) {
		c.cancel()
	}
	return len(p), nil
}

func (c *cancelOnWrite) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

func TestMainDevGeneratesSecret(t *testing.T) {
	var out bytes.Buffer
	env := map[string]string{"DOCTOWN_DATA_DIR": t.TempDir()}
	// Stopped once it listens (not after a fixed time: under -race on a busy
	// machine the migrations alone can take seconds).
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	errOut := &cancelOnWrite{marker: `"msg":"relay listening"`, cancel: cancel}
	code := MainIO(ctx, []string{"--dev", "--addr", "127.0.0.1:0"}, func(k string) string { return env[k] }, &out, errOut)
	if !strings.Contains(errOut.String(), "relay listening") {
		t.Fatalf("the relay never listened: exit %d, stderr %q", code, errOut.String())
	}
	if code != 0 || strings.Count(errOut.String(), "generated webhook secret") != 1 {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	// No App configured: said once for people and once in the JSON log.
	if !strings.Contains(errOut.String(), "relay: --dev: no GitHub App configured") ||
		!strings.Contains(errOut.String(), `"level":"WARN","msg":"GitHub App not configured`) {
		t.Errorf("no warning about the missing GitHub App: stderr %q", errOut.String())
	}
}

func TestUploadTokens(t *testing.T) {
	now := time.Unix(1700000000, 0)
	u := NewUploadTokens("secret")
	u.now = func() time.Time { return now }
	tok := u.Sign("abc", now.Add(time.Minute))
	if id, err := u.Verify(tok); err != nil || id != "abc" {
		t.Fatalf("Verify = %q, %v", id, err)
	}
	for _, tc := range []struct {
		name, tok string
		want      error
	}{
		{"empty", "", ErrTokenMissing},
		{"other secret", NewUploadTokens("other").Sign("abc", now.Add(time.Minute)), ErrTokenInvalid},
		{"job changed", strings.Replace(tok, ".abc.", ".abd.", 1), ErrTokenInvalid},
		{"expiry changed", strings.Replace(tok, ".1700000060.", ".1800000060.", 1), ErrTokenInvalid},
		{"expired", u.Sign("abc", now), ErrTokenExpired},
		{"malformed", "v1.abc", ErrTokenInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := u.Verify(tc.tok); !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestRelayBinaryLinksNoTUI: the relay's binary carries neither doctown's
// TUI nor the terminal libraries (Bubble Tea, glamour, lipgloss): version
// and exit codes come from a leaf package.
func TestRelayBinaryLinksNoTUI(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "github.com/doctown/doctown/cmd/relay").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, "github.com/doctown/doctown/tui") || strings.HasPrefix(p, "charm.land/") {
			t.Errorf("cmd/relay links %s", p)
		}
	}
}
