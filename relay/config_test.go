package relay

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestConfigEnvAndFlags(t *testing.T) {
	env := map[string]string{
		"RELAY_ADDR": "0.0.0.0:9000", "DOCTOWN_DATA_DIR": "/var/lib/doctown", "DOCTOWN_PUBLIC_URL": "https://relay.example",
		"GITHUB_APP_ID": "12", "GITHUB_APP_PRIVATE_KEY": `-----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY-----`,
		"GITHUB_WEBHOOK_SECRET": "  a-secret-of-enough-length\n", "DOCTOWN_DISPATCH": "runpod", "RUNPOD_ENDPOINT": "https://rp.example/v2/abc",
		"RUNPOD_API_KEY": "k", "DOCTOWN_STORAGE": "s3", "BUCKET_ENDPOINT": "https://r2.example", "BUCKET_NAME": "docpacks",
		"DOCTOWN_JOB_TIMEOUT": "10m", "DOCTOWN_WORKERS": "4", "DOCTOWN_BUILD_TAGS": "true",
		"DOCTOWN_ADMIN_TOKEN": " adm ",
	}
	cfg := DefaultConfig()
	if err := cfg.FromEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	fs := newFlagSet()
	cfg.RegisterFlags(fs)
	if err := fs.Parse([]string{"--workers", "8", "--addr", "127.0.0.1:1"}); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Workers != 8 || cfg.Addr != "127.0.0.1:1" || cfg.JobTimeout != 10*time.Minute || !cfg.BuildTags ||
		cfg.GitHubAppID != 12 || !strings.Contains(string(cfg.GitHubAppPrivateKey), "\nx\n") || cfg.BucketRegion != "auto" || cfg.AdminToken != "adm" || cfg.WebhookSecret != "a-secret-of-enough-length" {
		t.Errorf("config = %+v", cfg)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"no webhook secret", func(c *Config) { c.WebhookSecret = "" }, "GITHUB_WEBHOOK_SECRET"},
		{"runpod without endpoint", func(c *Config) { c.Dispatch = DispatchRunPod }, "RUNPOD_ENDPOINT"},
		{"unknown dispatch", func(c *Config) { c.Dispatch = "lambda" }, "DOCTOWN_DISPATCH"},
		{"s3 without bucket", func(c *Config) { c.Storage = "s3" }, "BUCKET_NAME"},
		{"app id without key", func(c *Config) { c.GitHubAppID = 3 }, "GITHUB_APP_PRIVATE_KEY"},
		{"zero workers", func(c *Config) { c.Workers = 0 }, "DOCTOWN_WORKERS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			c.WebhookSecret = "s"
			tc.mod(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate = %v, want an error naming %s", err, tc.want)
			}
		})
	}
}

func TestEnvErrors(t *testing.T) {
	cfg := DefaultConfig()
	err := cfg.FromEnv(func(k string) string {
		return map[string]string{"DOCTOWN_JOB_TIMEOUT": "soon", "GITHUB_APP_ID": "x"}[k]
	})
	if err == nil || !strings.Contains(err.Error(), "DOCTOWN_JOB_TIMEOUT") || !strings.Contains(err.Error(), "GITHUB_APP_ID") {
		t.Fatalf("FromEnv = %v", err)
	}
}

func TestRelaySecretPersisted(t *testing.T) {
	dir := t.TempDir()
	a, b := Config{DataDir: dir}, Config{DataDir: dir}
	if err := a.Load(); err != nil {
		t.Fatal(err)
	}
	if err := b.Load(); err != nil {
		t.Fatal(err)
	}
	if a.RelaySecret == "" || a.RelaySecret != b.RelaySecret {
		t.Fatalf("secrets %q %q", a.RelaySecret, b.RelaySecret)
	}
	fi, err := os.Stat(filepath.Join(dir, "relay.secret"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("relay.secret: %v %v", fi, err)
	}
}

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

func newFlagSet() *pflag.FlagSet { return pflag.NewFlagSet("relay", pflag.ContinueOnError) }
