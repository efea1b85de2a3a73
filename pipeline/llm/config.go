// Package llm is the OpenAI-compatible generator: it documents a crate's symbols
// through any chat-completions endpoint (OpenAI, Ollama, vLLM, llama.cpp's server,
// a proxy). Symbols are packed into batches under a token budget counted with a
// real BPE tokenizer, sent with bounded concurrency and polite retries, and every
// answer is checked: each symbol gets exactly one doc, references are resolved
// against the crate, and what a model could not document gets the extractive doc.
// Docs are cached on disk by source hash, model and prompt version, so a rebuild
// only pays for code that changed; a dry run plans the work without a request,
// and a cost ceiling refuses work before anything is sent.
package llm

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Defaults.
const (
	DefaultModel          = "gpt-4o-mini"
	DefaultConcurrency    = 8
	DefaultMaxBatchTokens = 16000
	DefaultRequestTimeout = 2 * time.Minute
	DefaultMaxRetries     = 4
	// MinBatchTokens is the smallest budget that leaves room for the system
	// prompt, one item and its answer.
	MinBatchTokens = 2000
)

// Config configures the generator. Build it with ConfigFromEnv, override it with
// flags (RegisterFlags), then call Validate (New does).
type Config struct {
	// APIKey is the bearer token. It is never logged, printed or put in errors.
	APIKey string
	// BaseURL is the API's base URL, e.g. "http://localhost:11434/v1" for Ollama.
	// Empty means the OpenAI API.
	BaseURL string
	// Model is the model name sent with each request.
	Model string
	// Concurrency bounds the requests in flight.
	Concurrency int
	// MaxBatchTokens is a batch's token budget: system prompt, items and the
	// tokens reserved for the answer.
	MaxBatchTokens int
	// MaxCost, in US dollars, refuses a run whose estimate exceeds it (0: no limit).
	MaxCost float64
	// RequestTimeout bounds one request (retries get a fresh timeout).
	RequestTimeout time.Duration
	// MaxRetries is how often a request is retried after a 429, a 5xx or a timeout.
	MaxRetries int
	// RetryBaseDelay is the first backoff step; later steps double, with jitter.
	RetryBaseDelay time.Duration
	// CacheDir holds cached docs. Empty means DefaultCacheDir().
	CacheDir string
	// NoCache disables the on-disk cache (a Reuse docpack still seeds an in-memory one).
	NoCache bool
	// Reuse is the path of an earlier docpack whose generated docs seed the cache.
	Reuse string
	// DryRun makes Generate plan the work and return a *DryRunError holding the
	// plan instead of sending anything.
	DryRun bool
	// Price overrides the price table for Model when set.
	Price Price
}

// ConfigFromEnv reads the environment: OPENAI_API_KEY, OPENAI_BASE_URL,
// DOCTOWN_MODEL, DOCTOWN_LLM_CONCURRENCY, DOCTOWN_LLM_MAX_BATCH_TOKENS,
// DOCTOWN_LLM_MAX_COST, DOCTOWN_LLM_TIMEOUT (a Go duration), DOCTOWN_LLM_RETRIES,
// DOCTOWN_LLM_CACHE_DIR, DOCTOWN_LLM_NO_CACHE, DOCTOWN_LLM_PRICE ("in/out" dollars
// per million tokens). Values that do not parse are kept as invalid settings for
// Validate to report, so a typo is never silently a default.
func ConfigFromEnv(getenv func(string) string) Config {
	c := Config{
		APIKey:         strings.TrimSpace(getenv("OPENAI_API_KEY")),
		BaseURL:        strings.TrimSpace(getenv("OPENAI_BASE_URL")),
		Model:          DefaultModel,
		Concurrency:    DefaultConcurrency,
		MaxBatchTokens: DefaultMaxBatchTokens,
		RequestTimeout: DefaultRequestTimeout,
		MaxRetries:     DefaultMaxRetries,
		RetryBaseDelay: 500 * time.Millisecond,
		CacheDir:       getenv("DOCTOWN_LLM_CACHE_DIR"),
	}
	if m := strings.TrimSpace(getenv("DOCTOWN_MODEL")); m != "" {
		c.Model = m
	}
	atoi := func(key string, dst *int) {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				n = -1
			}
			*dst = n
		}
	}
	atoi("DOCTOWN_LLM_CONCURRENCY", &c.Concurrency)
	atoi("DOCTOWN_LLM_MAX_BATCH_TOKENS", &c.MaxBatchTokens)
	atoi("DOCTOWN_LLM_RETRIES", &c.MaxRetries)
	if v := strings.TrimSpace(getenv("DOCTOWN_LLM_MAX_COST")); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			f = -1
		}
		c.MaxCost = f
	}
	if v := strings.TrimSpace(getenv("DOCTOWN_LLM_TIMEOUT")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			d = -1
		}
		c.RequestTimeout = d
	}
	if v := strings.TrimSpace(getenv("DOCTOWN_LLM_NO_CACHE")); v != "" {
		c.NoCache, _ = strconv.ParseBool(v)
	}
	if v := strings.TrimSpace(getenv("DOCTOWN_LLM_PRICE")); v != "" {
		p, err := ParsePrice(v)
		if err != nil {
			p = Price{InputPerMTok: -1}
		}
		c.Price = p
	}
	return c
}

// Enabled reports whether a model endpoint is configured: an API key or a base
// URL (local servers need no key). Without one, the extractive generator is the
// default.
func Enabled(c Config) bool { return c.APIKey != "" || c.BaseURL != "" }

// DefaultCacheDir is os.UserCacheDir()/doctown/llm.
func DefaultCacheDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("llm cache dir: %w", err)
	}
	return filepath.Join(dir, "doctown", "llm"), nil
}

// Validate checks the settings and fills unset ones with defaults.
func (c *Config) Validate() error {
	var errs []error
	if c.Model == "" {
		c.Model = DefaultModel
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.Concurrency < 1 || c.Concurrency > 1024 {
		errs = append(errs, fmt.Errorf("concurrency must be between 1 and 1024, got %d", c.Concurrency))
	}
	if c.MaxBatchTokens == 0 {
		c.MaxBatchTokens = DefaultMaxBatchTokens
	}
	if c.MaxBatchTokens < MinBatchTokens {
		errs = append(errs, fmt.Errorf("max batch tokens must be at least %d, got %d", MinBatchTokens, c.MaxBatchTokens))
	}
	if c.MaxCost < 0 {
		errs = append(errs, errors.New("max cost must be a non-negative number of dollars"))
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.RequestTimeout < 0 {
		errs = append(errs, errors.New("request timeout must be a positive duration"))
	}
	if c.MaxRetries < 0 {
		errs = append(errs, errors.New("max retries must not be negative"))
	}
	if c.RetryBaseDelay <= 0 {
		c.RetryBaseDelay = 500 * time.Millisecond
	}
	if c.Price.InputPerMTok < 0 || c.Price.OutputPerMTok < 0 {
		errs = append(errs, errors.New(`price must be "input/output" dollars per million tokens, e.g. "0.15/0.60"`))
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			// The URL itself is not echoed: it might carry a credential.
			errs = append(errs, errors.New("base URL must be an http or https URL"))
		}
	}
	if c.MaxCost > 0 {
		if _, ok := c.priceFor(); !ok {
			errs = append(errs, fmt.Errorf("max cost is set but no price is known for model %q: set a price (input/output dollars per million tokens)", c.Model))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("llm config: %w", err)
	}
	return nil
}

// priceFor is the override price when set, else the table's.
func (c *Config) priceFor() (Price, bool) {
	if c.Price.set() {
		return c.Price, true
	}
	return LookupPrice(c.Model)
}

// safeBaseURL is the base URL with any user info, query and fragment removed, for
// the manifest and plan output.
func safeBaseURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	u.User = nil
	u.RawQuery = ""
	u.Fragment = ""
	return u.String()
}
