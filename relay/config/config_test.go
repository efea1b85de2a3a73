package config

import (
	"os"
	"path/filepath"
	"strings"
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
		"DOCTOWN_ADMIN_TOKEN": " adm ", "DOCTOWN_CHECKS": "true", "DOCTOWN_CHECKS_MAJOR": "failure", "DOCTOWN_PREVIEW_TTL": "48h",
		"DOCTOWN_BUILD_FEATURES": "net, rt", "DOCTOWN_BUILD_TARGET": "aarch64-apple-darwin", "DOCTOWN_BUILD_CFG": `tokio_unstable x="1"`,
		"DOCTOWN_BUILD_NO_DEFAULT_FEATURES": "true",
	}
	cfg := Default()
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
		cfg.GitHubAppID != 12 || !strings.Contains(string(cfg.GitHubAppPrivateKey), "\nx\n") || cfg.BucketRegion != "auto" || cfg.AdminToken != "adm" || cfg.WebhookSecret != "a-secret-of-enough-length" ||
		!cfg.Checks || cfg.ChecksMajor != ConclusionFailure || cfg.PreviewTTL != 48*time.Hour ||
		strings.Join(cfg.Build.Features, "|") != "net|rt" || cfg.Build.Target != "aarch64-apple-darwin" ||
		strings.Join(cfg.Build.Cfgs, "|") != `tokio_unstable|x="1"` || !cfg.Build.NoDefaultFeatures {
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
		{"checks without an App", func(c *Config) { c.Checks, c.PublicURL = true, "https://relay.example" }, "DOCTOWN_CHECKS needs a GitHub App"},
		{"checks without a public URL", func(c *Config) {
			c.Checks, c.GitHubAppID, c.GitHubAppPrivateKey = true, 3, []byte("k")
		}, "DOCTOWN_CHECKS needs DOCTOWN_PUBLIC_URL"},
		{"unknown major conclusion", func(c *Config) { c.ChecksMajor = "success" }, "DOCTOWN_CHECKS_MAJOR"},
		{"negative preview ttl", func(c *Config) { c.PreviewTTL = -time.Hour }, "DOCTOWN_PREVIEW_TTL"},
		{"unknown build target", func(c *Config) { c.Build.Target = "z80-unknown-none" }, `unknown target "z80-unknown-none"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
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
	cfg := Default()
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

func newFlagSet() *pflag.FlagSet { return pflag.NewFlagSet("relay", pflag.ContinueOnError) }

// TestChecksOffByDefault: check runs need a permission beyond the default
// contents read-only, so they are off unless the operator turns them on.
func TestChecksOffByDefault(t *testing.T) {
	c := Default()
	if c.Checks || c.ChecksMajor != ConclusionNeutral || c.PreviewTTL != DefaultPreviewTTL {
		t.Errorf("defaults: checks %v, major %q, preview ttl %s", c.Checks, c.ChecksMajor, c.PreviewTTL)
	}
}
