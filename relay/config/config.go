// Package config is every setting of the relay: defaults < environment <
// flags, then Validate, for the server and "relay import" alike.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/doctown/doctown/pipeline/llm"
	"github.com/doctown/doctown/pipeline/rust"
	"github.com/doctown/doctown/relay/secret"
)

// Defaults of the relay's settings.
const (
	DefaultAddr         = "127.0.0.1:8080"
	DefaultGitHubAPIURL = "https://api.github.com"
	DefaultGitHubURL    = "https://github.com"
	DefaultJobTimeout   = 30 * time.Minute
	DefaultMaxUpload    = 512 << 20
	DefaultMaxAttempts  = 5
	// MaxWebhookBody is GitHub's own cap on a delivery's payload.
	MaxWebhookBody = 25 << 20
	// DefaultWebhookMemory bounds the webhook bodies held in memory at once.
	DefaultWebhookMemory = 64 << 20
	// DefaultReadTimeout bounds reading a request (headers and body) except an
	// upload, which gets UploadReadTimeout.
	DefaultReadTimeout = 30 * time.Second
	// DefaultWriteTimeout bounds writing a response (a docpack download included).
	DefaultWriteTimeout = 10 * time.Minute
	// UploadReadTimeout bounds receiving one uploaded docpack.
	UploadReadTimeout = 15 * time.Minute
	// MinSecretLen is the shortest webhook or relay secret accepted.
	MinSecretLen = 16
)

// DOCTOWN_PRIVATE values.
const (
	PrivateServe = "serve"
	PrivateSkip  = "skip"
)

// Check-run conclusions for a major change (DOCTOWN_CHECKS_MAJOR).
const (
	ConclusionNeutral = "neutral"
	ConclusionFailure = "failure"
)

// DefaultPreviewTTL is how long a closed pull request's previews are kept.
const DefaultPreviewTTL = 7 * 24 * time.Hour

// Dispatch modes.
const (
	DispatchLocal  = "local"
	DispatchRunPod = "runpod"
)

// Config is every setting of the relay, from defaults < environment < flags.
// Secrets (the App key, the webhook secret, the relay secret, API keys) are never
// logged or printed; String would not show them either.
type Config struct {
	Addr      string
	DataDir   string
	PublicURL string

	GitHubAppID          int64
	GitHubAppPrivateKey  []byte
	GitHubPrivateKeyPath string
	WebhookSecret        string
	GitHubAPIURL         string
	// BuildTags builds pushes of tags as well as pushes to the default branch.
	BuildTags bool
	// Checks reports each build as a "doctown" check run on its commit. The
	// App then needs the checks: write permission; off by default, so the
	// App's default permissions stay contents read-only.
	Checks bool
	// ChecksMajor is the conclusion of a check run whose commit makes a
	// major (breaking) API change: ConclusionNeutral or ConclusionFailure.
	ChecksMajor string
	// PreviewTTL is how long a closed pull request's previews are kept
	// (0: kept for good).
	PreviewTTL time.Duration
	// Private is what happens to private repositories: PrivateServe builds
	// them and serves them only to readers GitHub says may read the
	// repository; PrivateSkip does not build them at all.
	Private string
	// GitHubURL is GitHub's web base URL (the OAuth pages); GitHubClientID
	// and GitHubClientSecret are the App's OAuth credentials for "Sign in
	// with GitHub". Without them only bearer tokens open private docpacks.
	GitHubURL          string
	GitHubClientID     string
	GitHubClientSecret string
	// AccessCacheTTL is how long GitHub's answer to "may this token read
	// this repository" is reused (never past the token's own expiry).
	AccessCacheTTL time.Duration
	// RedeliverInterval is how often the relay asks GitHub for deliveries
	// that never reached it and has them redelivered (0: never).
	RedeliverInterval time.Duration
	// HeartbeatLapse is how long a running job may go without its relay's
	// heartbeat (stamped nine times per lapse) before another relay queues it again.
	HeartbeatLapse time.Duration

	// Build is the build configuration every job is documented in, as
	// doctown build's flags give it (DOCTOWN_BUILD_FEATURES, …); the zero
	// value reads each crate's [package.metadata.docs.rs], as docs.rs does.
	Build rust.BuildConfig

	Dispatch       string
	RunPodEndpoint string
	RunPodAPIKey   string
	// RunPodPollInterval is the wait between /status requests.
	RunPodPollInterval time.Duration

	// Storage is "fs" or "s3"; Bucket* configure s3.
	Storage            string
	BucketEndpoint     string
	BucketName         string
	BucketAccessKeyID  string
	BucketSecret       string
	BucketRegion       string
	BucketUsePathStyle bool
	StorageDir         string // fs: root of the keys; default {DataDir}, so files land in {DataDir}/docpacks/…

	// DatabaseURL selects PostgreSQL; empty means SQLite in DataDir.
	DatabaseURL string

	// Workers bounds the builds (or RunPod jobs) in flight in this relay.
	Workers     int
	JobTimeout  time.Duration
	MaxAttempts int
	// MaxUpload caps an uploaded docpack, in bytes.
	MaxUpload int64
	// WebhookMemory bounds the webhook bodies held in memory by all requests
	// at once; past it a delivery is answered 503 (GitHub's redelivery, or the
	// relay's sweeper, sends it again).
	WebhookMemory int64
	// ReadTimeout and WriteTimeout bound reading a request and writing its
	// answer; ReadHeaderTimeout the headers alone; IdleTimeout a kept-alive
	// connection between requests.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	// ShutdownGrace is how long running builds may take to finish on shutdown;
	// after it they are cancelled and retried by the next relay.
	ShutdownGrace time.Duration

	// RelaySecret signs upload tokens. Empty means: read or create
	// {DataDir}/relay.secret.
	RelaySecret string

	// AdminToken authorizes operator endpoints (GET /api/jobs, the job list,
	// which names every repository the relay builds). Empty disables them.
	AdminToken string

	// LLM configures the generator of local builds. An empty key and base URL
	// means the extractive generator.
	LLM llm.Config

	// Dev generates a webhook secret when none is set.
	Dev bool
	// LogLevel is debug, info, warn or error.
	LogLevel string
}

// Default returns the defaults.
func Default() Config {
	return Config{
		Addr:               DefaultAddr,
		DataDir:            defaultDataDir(),
		GitHubAPIURL:       DefaultGitHubAPIURL,
		Dispatch:           DispatchLocal,
		Private:            PrivateServe,
		GitHubURL:          DefaultGitHubURL,
		AccessCacheTTL:     5 * time.Minute,
		RedeliverInterval:  10 * time.Minute,
		ChecksMajor:        ConclusionNeutral,
		PreviewTTL:         DefaultPreviewTTL,
		HeartbeatLapse:     90 * time.Second,
		RunPodPollInterval: 2 * time.Second,
		Storage:            "fs",
		BucketRegion:       "auto",
		BucketUsePathStyle: true,
		Workers:            2,
		JobTimeout:         DefaultJobTimeout,
		MaxAttempts:        DefaultMaxAttempts,
		MaxUpload:          DefaultMaxUpload,
		WebhookMemory:      DefaultWebhookMemory,
		ReadHeaderTimeout:  10 * time.Second,
		ReadTimeout:        DefaultReadTimeout,
		WriteTimeout:       DefaultWriteTimeout,
		IdleTimeout:        2 * time.Minute,
		ShutdownGrace:      30 * time.Second,
		LogLevel:           "info",
	}
}

func defaultDataDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "doctown-relay")
	}
	return "doctown-relay"
}

// FromEnv applies the environment over c. Values that do not parse are errors.
func (c *Config) FromEnv(getenv func(string) string) error {
	var errs []error
	str := func(key string, dst *string) {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			*dst = v
		}
	}
	str("RELAY_ADDR", &c.Addr)
	str("DOCTOWN_DATA_DIR", &c.DataDir)
	str("DOCTOWN_PUBLIC_URL", &c.PublicURL)
	if v := strings.TrimSpace(getenv("GITHUB_APP_ID")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("GITHUB_APP_ID: %q is not a number", v))
		}
		c.GitHubAppID = n
	}
	if v := getenv("GITHUB_APP_PRIVATE_KEY"); strings.TrimSpace(v) != "" {
		// Environments often flatten newlines to "\n".
		c.GitHubAppPrivateKey = []byte(strings.ReplaceAll(v, `\n`, "\n"))
	}
	str("GITHUB_APP_PRIVATE_KEY_PATH", &c.GitHubPrivateKeyPath)
	// Secrets are trimmed: a trailing newline from a file or a copy would make
	// every signature (or token) differ.
	if v := strings.TrimSpace(getenv("GITHUB_WEBHOOK_SECRET")); v != "" {
		c.WebhookSecret = v
	}
	str("DOCTOWN_GITHUB_API_URL", &c.GitHubAPIURL)
	str("DOCTOWN_GITHUB_URL", &c.GitHubURL)
	str("DOCTOWN_PRIVATE", &c.Private)
	str("GITHUB_CLIENT_ID", &c.GitHubClientID)
	if v := strings.TrimSpace(getenv("GITHUB_CLIENT_SECRET")); v != "" {
		c.GitHubClientSecret = v
	}
	boolean := func(key string, dst *bool) {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not a boolean", key, v))
			}
			*dst = b
		}
	}
	boolean("DOCTOWN_BUILD_TAGS", &c.BuildTags)
	list := func(key string, dst *[]string) {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			*dst = strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
		}
	}
	list("DOCTOWN_BUILD_FEATURES", &c.Build.Features)
	boolean("DOCTOWN_BUILD_ALL_FEATURES", &c.Build.AllFeatures)
	boolean("DOCTOWN_BUILD_NO_DEFAULT_FEATURES", &c.Build.NoDefaultFeatures)
	str("DOCTOWN_BUILD_TARGET", &c.Build.Target)
	list("DOCTOWN_BUILD_CFG", &c.Build.Cfgs)
	boolean("DOCTOWN_BUILD_IGNORE_DOCS_RS_METADATA", &c.Build.IgnoreDocsRS)
	boolean("DOCTOWN_CHECKS", &c.Checks)
	str("DOCTOWN_CHECKS_MAJOR", &c.ChecksMajor)
	str("DOCTOWN_DISPATCH", &c.Dispatch)
	str("RUNPOD_ENDPOINT", &c.RunPodEndpoint)
	if v := getenv("RUNPOD_API_KEY"); v != "" {
		c.RunPodAPIKey = strings.TrimSpace(v)
	}
	str("DOCTOWN_STORAGE", &c.Storage)
	str("BUCKET_ENDPOINT", &c.BucketEndpoint)
	str("BUCKET_NAME", &c.BucketName)
	str("BUCKET_ACCESS_KEY_ID", &c.BucketAccessKeyID)
	if v := getenv("BUCKET_SECRET"); v != "" {
		c.BucketSecret = strings.TrimSpace(v)
	}
	str("BUCKET_REGION", &c.BucketRegion)
	boolean("BUCKET_PATH_STYLE", &c.BucketUsePathStyle)
	str("DATABASE_URL", &c.DatabaseURL)
	integer := func(key string, dst *int) {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not a number", key, v))
			}
			*dst = n
		}
	}
	integer("DOCTOWN_WORKERS", &c.Workers)
	integer("DOCTOWN_MAX_ATTEMPTS", &c.MaxAttempts)
	duration := func(key string, dst *time.Duration) {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not a duration", key, v))
			}
			*dst = d
		}
	}
	duration("DOCTOWN_JOB_TIMEOUT", &c.JobTimeout)
	duration("DOCTOWN_SHUTDOWN_GRACE", &c.ShutdownGrace)
	duration("RUNPOD_POLL_INTERVAL", &c.RunPodPollInterval)
	duration("DOCTOWN_HTTP_READ_TIMEOUT", &c.ReadTimeout)
	duration("DOCTOWN_ACCESS_CACHE_TTL", &c.AccessCacheTTL)
	duration("DOCTOWN_REDELIVER_INTERVAL", &c.RedeliverInterval)
	duration("DOCTOWN_PREVIEW_TTL", &c.PreviewTTL)
	duration("DOCTOWN_HEARTBEAT_LAPSE", &c.HeartbeatLapse)
	duration("DOCTOWN_HTTP_WRITE_TIMEOUT", &c.WriteTimeout)
	if v := strings.TrimSpace(getenv("DOCTOWN_WEBHOOK_MEMORY")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("DOCTOWN_WEBHOOK_MEMORY: %q is not a number of bytes", v))
		}
		c.WebhookMemory = n
	}
	if v := strings.TrimSpace(getenv("DOCTOWN_MAX_UPLOAD")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("DOCTOWN_MAX_UPLOAD: %q is not a number of bytes", v))
		}
		c.MaxUpload = n
	}
	if v := strings.TrimSpace(getenv("DOCTOWN_RELAY_SECRET")); v != "" {
		c.RelaySecret = v
	}
	if v := getenv("DOCTOWN_ADMIN_TOKEN"); strings.TrimSpace(v) != "" {
		c.AdminToken = strings.TrimSpace(v)
	}
	str("DOCTOWN_LOG_LEVEL", &c.LogLevel)
	c.LLM = llm.ConfigFromEnv(getenv)
	return errors.Join(errs...)
}

// RegisterFlags binds the flags that override the environment.
func (c *Config) RegisterFlags(f *pflag.FlagSet) {
	f.StringVar(&c.Addr, "addr", c.Addr, "listen `address` (RELAY_ADDR)")
	f.StringVar(&c.DataDir, "data-dir", c.DataDir, "`directory` for the SQLite queue, docpacks (fs storage) and the relay secret (DOCTOWN_DATA_DIR)")
	f.StringVar(&c.PublicURL, "public-url", c.PublicURL, "`URL` builders use to reach this relay (DOCTOWN_PUBLIC_URL)")
	f.Int64Var(&c.GitHubAppID, "github-app-id", c.GitHubAppID, "GitHub App `id` (GITHUB_APP_ID)")
	f.StringVar(&c.GitHubPrivateKeyPath, "github-app-private-key-path", c.GitHubPrivateKeyPath, "`file` holding the App's PEM private key (GITHUB_APP_PRIVATE_KEY_PATH)")
	f.StringVar(&c.GitHubAPIURL, "github-api-url", c.GitHubAPIURL, "GitHub REST API base `URL` (DOCTOWN_GITHUB_API_URL)")
	f.BoolVar(&c.BuildTags, "build-tags", c.BuildTags, "also build pushed tags (DOCTOWN_BUILD_TAGS)")
	f.BoolVar(&c.Checks, "checks", c.Checks, "report each build as a \"doctown\" check run on its commit; the App needs checks: write (DOCTOWN_CHECKS)")
	f.StringVar(&c.ChecksMajor, "checks-major", c.ChecksMajor, "check-run conclusion of a breaking (major) API change: neutral or failure (DOCTOWN_CHECKS_MAJOR)")
	f.DurationVar(&c.PreviewTTL, "preview-ttl", c.PreviewTTL, "how long a closed pull request's previews are kept; 0 keeps them (DOCTOWN_PREVIEW_TTL)")
	f.StringVar(&c.Private, "private", c.Private, "private repositories: serve (to readers with access on GitHub) or skip (never built) (DOCTOWN_PRIVATE)")
	f.StringVar(&c.Dispatch, "dispatch", c.Dispatch, "where builds run: local or runpod (DOCTOWN_DISPATCH)")
	f.StringVar(&c.RunPodEndpoint, "runpod-endpoint", c.RunPodEndpoint, "RunPod endpoint base `URL` (RUNPOD_ENDPOINT)")
	f.StringVar(&c.Storage, "storage", c.Storage, "docpack storage: fs or s3 (DOCTOWN_STORAGE)")
	f.StringVar(&c.BucketEndpoint, "bucket-endpoint", c.BucketEndpoint, "S3/R2 endpoint `URL` (BUCKET_ENDPOINT)")
	f.StringVar(&c.BucketName, "bucket-name", c.BucketName, "bucket `name` (BUCKET_NAME)")
	f.StringVar(&c.BucketRegion, "bucket-region", c.BucketRegion, "bucket `region` (BUCKET_REGION)")
	f.IntVar(&c.Workers, "workers", c.Workers, "builds in flight in this relay (DOCTOWN_WORKERS)")
	f.DurationVar(&c.JobTimeout, "job-timeout", c.JobTimeout, "time one build attempt may take (DOCTOWN_JOB_TIMEOUT)")
	f.IntVar(&c.MaxAttempts, "max-attempts", c.MaxAttempts, "attempts per job before it fails (DOCTOWN_MAX_ATTEMPTS)")
	f.Int64Var(&c.MaxUpload, "max-upload", c.MaxUpload, "largest accepted docpack in `bytes` (DOCTOWN_MAX_UPLOAD)")
	f.DurationVar(&c.ShutdownGrace, "shutdown-grace", c.ShutdownGrace, "time running builds get to finish on shutdown (DOCTOWN_SHUTDOWN_GRACE)")
	f.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (DOCTOWN_LOG_LEVEL)")
	f.BoolVar(&c.Dev, "dev", c.Dev, "development mode: generate a webhook secret when none is set and print it once")
}

// Load fills the private key from its path when needed and generates (or reads)
// the relay secret. It writes only inside DataDir.
func (c *Config) Load() error {
	if len(c.GitHubAppPrivateKey) == 0 && c.GitHubPrivateKeyPath != "" {
		b, err := os.ReadFile(c.GitHubPrivateKeyPath)
		if err != nil {
			return fmt.Errorf("read GitHub App private key: %w", err)
		}
		c.GitHubAppPrivateKey = b
	}
	if c.RelaySecret == "" && c.DataDir != "" {
		s, err := loadOrCreateSecret(filepath.Join(c.DataDir, "relay.secret"))
		if err != nil {
			return err
		}
		c.RelaySecret = s
	}
	return nil
}

// loadOrCreateSecret reads a secret file, creating it with 32 random bytes first.
func loadOrCreateSecret(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("relay secret: %w", err)
	}
	s := secret.Hex(32)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		// Another relay on the same data dir won the race.
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("relay secret: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	if err != nil {
		return "", fmt.Errorf("relay secret: %w", err)
	}
	if _, err := f.WriteString(s + "\n"); err != nil {
		return "", fmt.Errorf("relay secret: %w", errors.Join(err, f.Close()))
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("relay secret: %w", err)
	}
	return s, nil
}

// Validate reports every problem with the settings at once.
func (c *Config) Validate() error {
	var errs []error
	c.WebhookSecret = strings.TrimSpace(c.WebhookSecret)
	c.RelaySecret = strings.TrimSpace(c.RelaySecret)
	if c.WebhookSecret == "" {
		errs = append(errs, errors.New("GITHUB_WEBHOOK_SECRET is not set: the relay refuses unsigned webhooks (use --dev to generate one)"))
	} else if len(c.WebhookSecret) < MinSecretLen {
		errs = append(errs, fmt.Errorf("GITHUB_WEBHOOK_SECRET is %d characters: use at least %d (e.g. openssl rand -hex 32), the same on the GitHub App", len(c.WebhookSecret), MinSecretLen))
	}
	if c.RelaySecret != "" && len(c.RelaySecret) < MinSecretLen {
		errs = append(errs, fmt.Errorf("DOCTOWN_RELAY_SECRET is %d characters: use at least %d, or leave it unset to have one generated in the data dir", len(c.RelaySecret), MinSecretLen))
	}
	if c.Addr == "" {
		errs = append(errs, errors.New("RELAY_ADDR is empty"))
	}
	if err := c.Build.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("DOCTOWN_BUILD_TARGET / DOCTOWN_BUILD_CFG: %w", err))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("DOCTOWN_DATA_DIR is empty"))
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("DOCTOWN_PUBLIC_URL: %q is not an http(s) URL", c.PublicURL))
		}
	}
	if u, err := url.Parse(c.GitHubAPIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("DOCTOWN_GITHUB_API_URL: %q is not an http(s) URL", c.GitHubAPIURL))
	}
	if c.GitHubAppID < 0 {
		errs = append(errs, errors.New("GITHUB_APP_ID must be positive"))
	}
	if (c.GitHubAppID == 0) != (len(c.GitHubAppPrivateKey) == 0 && c.GitHubPrivateKeyPath == "") {
		errs = append(errs, errors.New("GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY (or _PATH) go together"))
	}
	if c.Private != PrivateServe && c.Private != PrivateSkip {
		errs = append(errs, fmt.Errorf("DOCTOWN_PRIVATE: %q is neither serve nor skip", c.Private))
	}
	if (c.GitHubClientID == "") != (c.GitHubClientSecret == "") {
		errs = append(errs, errors.New("GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET go together (Sign in with GitHub)"))
	}
	if u, err := url.Parse(c.GitHubURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("DOCTOWN_GITHUB_URL: %q is not an http(s) URL", c.GitHubURL))
	}
	if c.HeartbeatLapse < 3*time.Second {
		errs = append(errs, errors.New("DOCTOWN_HEARTBEAT_LAPSE must be at least 3s"))
	}
	if c.Checks && c.GitHubAppID == 0 {
		errs = append(errs, errors.New("DOCTOWN_CHECKS needs a GitHub App (GITHUB_APP_ID and its key): only an App writes check runs"))
	}
	if c.Checks && c.PublicURL == "" {
		errs = append(errs, errors.New("DOCTOWN_CHECKS needs DOCTOWN_PUBLIC_URL: a check run links the commons page by its absolute URL"))
	}
	if c.ChecksMajor != ConclusionNeutral && c.ChecksMajor != ConclusionFailure {
		errs = append(errs, fmt.Errorf("DOCTOWN_CHECKS_MAJOR: %q is neither neutral nor failure", c.ChecksMajor))
	}
	if c.PreviewTTL < 0 {
		errs = append(errs, errors.New("DOCTOWN_PREVIEW_TTL must not be negative (0 keeps previews)"))
	}
	if c.RedeliverInterval < 0 {
		errs = append(errs, errors.New("DOCTOWN_REDELIVER_INTERVAL must not be negative (0 turns redelivery off)"))
	}
	if c.AccessCacheTTL <= 0 {
		errs = append(errs, errors.New("DOCTOWN_ACCESS_CACHE_TTL must be positive"))
	}
	switch c.Dispatch {
	case DispatchLocal:
	case DispatchRunPod:
		if c.RunPodEndpoint == "" {
			errs = append(errs, errors.New("DOCTOWN_DISPATCH=runpod needs RUNPOD_ENDPOINT"))
		} else if u, err := url.Parse(c.RunPodEndpoint); err != nil || u.Host == "" {
			errs = append(errs, fmt.Errorf("RUNPOD_ENDPOINT: %q is not a URL", c.RunPodEndpoint))
		}
		if c.RunPodAPIKey == "" {
			errs = append(errs, errors.New("DOCTOWN_DISPATCH=runpod needs RUNPOD_API_KEY"))
		}
		if c.PublicURL == "" {
			errs = append(errs, errors.New("DOCTOWN_DISPATCH=runpod needs DOCTOWN_PUBLIC_URL: workers upload there"))
		}
		if c.RunPodPollInterval <= 0 {
			errs = append(errs, errors.New("RUNPOD_POLL_INTERVAL must be positive"))
		}
	default:
		errs = append(errs, fmt.Errorf("DOCTOWN_DISPATCH: %q is neither local nor runpod", c.Dispatch))
	}
	switch c.Storage {
	case "fs":
	case "s3":
		if c.BucketName == "" {
			errs = append(errs, errors.New("DOCTOWN_STORAGE=s3 needs BUCKET_NAME"))
		}
		if c.BucketEndpoint == "" {
			errs = append(errs, errors.New("DOCTOWN_STORAGE=s3 needs BUCKET_ENDPOINT"))
		}
	default:
		errs = append(errs, fmt.Errorf("DOCTOWN_STORAGE: %q is neither fs nor s3", c.Storage))
	}
	if c.Workers < 1 {
		errs = append(errs, errors.New("DOCTOWN_WORKERS must be at least 1"))
	}
	if c.JobTimeout <= 0 {
		errs = append(errs, errors.New("DOCTOWN_JOB_TIMEOUT must be positive"))
	}
	if c.MaxAttempts < 1 {
		errs = append(errs, errors.New("DOCTOWN_MAX_ATTEMPTS must be at least 1"))
	}
	if c.MaxUpload < 1 {
		errs = append(errs, errors.New("DOCTOWN_MAX_UPLOAD must be positive"))
	}
	if c.WebhookMemory < MaxWebhookBody {
		errs = append(errs, fmt.Errorf("DOCTOWN_WEBHOOK_MEMORY must be at least %d bytes (one delivery of GitHub's largest size)", MaxWebhookBody))
	}
	if c.ReadTimeout <= 0 || c.WriteTimeout <= 0 {
		errs = append(errs, errors.New("DOCTOWN_HTTP_READ_TIMEOUT and DOCTOWN_HTTP_WRITE_TIMEOUT must be positive"))
	}
	if c.ShutdownGrace < 0 {
		errs = append(errs, errors.New("DOCTOWN_SHUTDOWN_GRACE must not be negative"))
	}
	if c.Dispatch == DispatchLocal && (c.LLM.APIKey != "" || c.LLM.BaseURL != "") {
		if err := c.LLM.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("LLM settings: %w", err))
		}
	}
	return errors.Join(errs...)
}

// UploadURL is the relay's base URL as builders see it: they POST to
// {UploadURL}/api/docpack/upload and /complete (pipeline/upload's convention).
func (c *Config) UploadURL() string {
	return strings.TrimRight(c.PublicURL, "/")
}
