// Package worker runs doctown as a RunPod serverless worker: it takes jobs from
// RunPod's job-take webhook, heartbeats while it works, builds the requested
// repository with the GitHub source, uploads the docpack to the relay, reports
// the job's completion to the relay, and posts the build summary (or the error)
// back to RunPod.
package worker

import (
	"github.com/doctown/doctown/internal/backoff"

	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/doctown/doctown/pipeline"
	"github.com/doctown/doctown/pipeline/github"
	"github.com/doctown/doctown/pipeline/rust"
	"github.com/doctown/doctown/pipeline/upload"
)

// Input is a job's "input" object: the one definition of that wire format,
// which the relay's RunPod dispatcher sends and the worker reads.
type Input struct {
	// Repo is owner/repo (or a GitHub or git URL).
	Repo string `json:"repo"`
	// GitRef is a branch, tag or SHA; empty means the default branch.
	GitRef string `json:"git_ref,omitempty"`
	// Token reads the repository (an installation token). Optional for public repos.
	Token string `json:"token,omitempty"`
	// APIURL overrides the GitHub API URL (GitHub Enterprise).
	APIURL string `json:"api_url,omitempty"`
	// JobID and UploadToken identify the relay job; UploadURL is the relay
	// (default: DOCTOWN_RELAY_URL). Without them the docpack is built but not uploaded.
	JobID       string `json:"job_id,omitempty"`
	UploadToken string `json:"upload_token,omitempty"`
	UploadURL   string `json:"upload_url,omitempty"`
	// Build is the build configuration, as doctown build's flags give it
	// (features, all_features, no_default_features, target, cfgs); absent,
	// each crate's [package.metadata.docs.rs] decides, as on docs.rs.
	Build rust.BuildConfig `json:"build,omitzero"`
}

// Output is the build summary posted as the job's output.
type Output struct {
	JobID        string  `json:"job_id,omitempty"`
	Repo         string  `json:"repo"`
	Ref          string  `json:"ref,omitempty"`
	Commit       string  `json:"commit"`
	Symbols      int     `json:"symbols"`
	Docs         int     `json:"docs"`
	DocpackBytes int64   `json:"docpack_bytes"`
	ElapsedSec   float64 `json:"elapsed_sec"`
	Uploaded     bool    `json:"uploaded"`
}

// JobFunc runs one job.
type JobFunc func(ctx context.Context, in Input) (*Output, error)

// Config configures the worker. ConfigFromEnv fills it from RunPod's environment.
type Config struct {
	// GetJobURL, PingURL and PostOutputURL are RunPod's webhook URL templates
	// ($ID and $RUNPOD_POD_ID are replaced as RunPod's SDK does).
	GetJobURL     string
	PingURL       string
	PostOutputURL string
	// APIKey is sent as "Authorization: <key>" on the webhooks.
	APIKey string
	// PodID is this worker's id.
	PodID string
	// PingInterval is the heartbeat period; <=0 means 10s.
	PingInterval time.Duration
	// RelayURL is the default upload URL (DOCTOWN_RELAY_URL).
	RelayURL string
	// GitHubAPIURL is the default GitHub API URL (DOCTOWN_GITHUB_API_URL).
	GitHubAPIURL string
	// HTTPClient is used for the webhooks, GitHub and the relay; nil means a default.
	HTTPClient *http.Client
	// Logger receives the worker's log; nil discards it.
	Logger *slog.Logger
	// MaxJobs stops Run after that many jobs; 0 runs until ctx ends.
	MaxJobs int
	// Generator writes the docs; nil means the extractive generator.
	Generator pipeline.Generator
	// ToolVersion is recorded in the manifest.
	ToolVersion string
	// Job replaces the build (tests); nil means RunJob.
	Job JobFunc
}

// ConfigFromEnv reads RunPod's and doctown's environment variables.
func ConfigFromEnv(getenv func(string) string) Config {
	c := Config{
		GetJobURL:     getenv("RUNPOD_WEBHOOK_GET_JOB"),
		PingURL:       getenv("RUNPOD_WEBHOOK_PING"),
		PostOutputURL: getenv("RUNPOD_WEBHOOK_POST_OUTPUT"),
		APIKey:        getenv("RUNPOD_AI_API_KEY"),
		PodID:         getenv("RUNPOD_POD_ID"),
		RelayURL:      getenv("DOCTOWN_RELAY_URL"),
		GitHubAPIURL:  getenv(github.EnvAPIURL),
	}
	if ms, err := strconv.Atoi(getenv("RUNPOD_PING_INTERVAL")); err == nil && ms > 0 {
		c.PingInterval = time.Duration(ms) * time.Millisecond
	}
	return c
}

// Validate checks the settings Run needs (RunJob needs none of them).
func (c Config) Validate() error {
	var missing []string
	for _, f := range []struct{ name, v string }{
		{"RUNPOD_WEBHOOK_GET_JOB", c.GetJobURL}, {"RUNPOD_WEBHOOK_POST_OUTPUT", c.PostOutputURL}, {"RUNPOD_POD_ID", c.PodID},
	} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("worker: not running on RunPod: %s not set (use --test-input to run one job locally)", strings.Join(missing, ", "))
	}
	return nil
}

func (c *Config) defaults() {
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 0}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 10 * time.Second
	}
}

// Run takes jobs until ctx ends (or MaxJobs are done). Failed jobs are reported
// to RunPod as {"error": …}; only a cancelled ctx stops the loop, with nil.
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	cfg.defaults()
	w := &worker{cfg: cfg}
	var pingWG sync.WaitGroup
	pingCtx, stopPing := context.WithCancel(ctx)
	pingWG.Add(1)
	go func() { defer pingWG.Done(); w.heartbeat(pingCtx) }()
	defer func() { stopPing(); pingWG.Wait() }()

	cfg.Logger.Info("worker started", "pod_id", cfg.PodID)
	failures := 0
	for done := 0; cfg.MaxJobs == 0 || done < cfg.MaxJobs; {
		id, raw, err := w.take(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			failures++
			wait := min(time.Duration(failures)*time.Second, 30*time.Second)
			cfg.Logger.Warn("job-take failed", "err", err, "retry_in", wait)
			if !backoff.Sleep(ctx, wait) {
				return nil
			}
			continue
		}
		failures = 0
		if id == "" {
			continue // no job: the endpoint long-polls, ask again
		}
		w.process(ctx, id, raw)
		done++
	}
	return nil
}

type worker struct {
	cfg Config
	mu  sync.Mutex
	job string // the job in progress, for heartbeats
}

func (w *worker) process(ctx context.Context, id string, raw json.RawMessage) {
	log := w.cfg.Logger.With("job_id", id)
	w.mu.Lock()
	w.job = id
	w.mu.Unlock()
	go w.ping(ctx) // tell RunPod at once that the job is being worked on
	defer func() { w.mu.Lock(); w.job = ""; w.mu.Unlock() }()

	var in Input
	var out *Output
	err := json.Unmarshal(raw, &in)
	if err != nil {
		err = fmt.Errorf("worker: job input: %w", err)
	} else {
		log = log.With("repo", in.Repo, "git_ref", in.GitRef, "relay_job_id", in.JobID)
		log.Info("job started")
		run := w.cfg.Job
		if run == nil {
			run = func(ctx context.Context, in Input) (*Output, error) { return RunJob(ctx, w.cfg, in) }
		}
		out, err = run(ctx, in)
	}
	var body any
	if err != nil {
		msg := redact(err.Error(), in)
		log.Error("job failed", "err", msg)
		body = map[string]string{"error": msg}
	} else {
		log.Info("job done", "commit", out.Commit, "symbols", out.Symbols, "elapsed_sec", out.ElapsedSec)
		body = map[string]any{"output": out}
	}
	// Post the result even when ctx is ending: RunPod must not wait for a timeout.
	postCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if err := w.post(postCtx, id, body); err != nil {
		log.Error("posting the job result failed", "err", err)
	}
}

// expand replaces RunPod's placeholders in a webhook URL template.
func (w *worker) expand(tmpl, jobID string) string {
	s := strings.ReplaceAll(tmpl, "$RUNPOD_POD_ID", w.cfg.PodID)
	if jobID != "" {
		return strings.ReplaceAll(s, "$ID", jobID)
	}
	return strings.ReplaceAll(s, "$ID", w.cfg.PodID)
}

func withQuery(raw string, kv ...string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	q := u.Query()
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func (w *worker) request(ctx context.Context, method, u string, body []byte) (*http.Response, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", w.cfg.APIKey)
	req.Header.Set("User-Agent", "doctown-worker")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := w.cfg.HTTPClient.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return nil, fmt.Errorf("%s %s: %w", method, stripQuery(u), ue.Err)
		}
		return nil, err
	}
	return resp, nil
}

// take asks for a job. No job (204 or an empty body) gives an empty id.
func (w *worker) take(ctx context.Context) (string, json.RawMessage, error) {
	u, err := withQuery(w.expand(w.cfg.GetJobURL, ""), "job_in_progress", "0")
	if err != nil {
		return "", nil, fmt.Errorf("job-take URL: %w", err)
	}
	resp, err := w.request(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 10<<20))
	if err != nil {
		return "", nil, err
	}
	switch {
	case resp.StatusCode == http.StatusNoContent || (resp.StatusCode == http.StatusOK && len(bytes.TrimSpace(b)) == 0):
		return "", nil, nil
	case resp.StatusCode != http.StatusOK:
		return "", nil, fmt.Errorf("job-take: %s", resp.Status)
	}
	var job struct {
		ID    string          `json:"id"`
		Input json.RawMessage `json:"input"`
	}
	if err := json.Unmarshal(b, &job); err != nil || job.ID == "" {
		return "", nil, fmt.Errorf("job-take: unexpected answer %.200q", b)
	}
	return job.ID, job.Input, nil
}

// heartbeat pings every PingInterval until ctx ends, naming the job in progress.
func (w *worker) heartbeat(ctx context.Context) {
	if w.cfg.PingURL == "" {
		return
	}
	t := time.NewTicker(w.cfg.PingInterval)
	defer t.Stop()
	for {
		w.ping(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (w *worker) ping(ctx context.Context) {
	if w.cfg.PingURL == "" {
		return
	}
	w.mu.Lock()
	job := w.job
	w.mu.Unlock()
	u, err := withQuery(w.expand(w.cfg.PingURL, ""), "job_id", job, "runpod_version", "doctown-"+w.cfg.ToolVersion)
	if err != nil {
		return
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := w.request(pctx, http.MethodGet, u, nil)
	if err != nil {
		if ctx.Err() == nil {
			w.cfg.Logger.Debug("ping failed", "err", err)
		}
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// post sends {"output": …} or {"error": …} for job id, retrying a few times.
func (w *worker) post(ctx context.Context, id string, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	u, err := withQuery(w.expand(w.cfg.PostOutputURL, id), "isStream", "false")
	if err != nil {
		return err
	}
	var last error
	for attempt := range 4 {
		if attempt > 0 && !backoff.Sleep(ctx, time.Duration(attempt)*500*time.Millisecond+rand.N(250*time.Millisecond)) {
			return ctx.Err()
		}
		resp, err := w.request(ctx, http.MethodPost, u, b)
		if err != nil {
			last = err
			continue
		}
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		switch {
		case resp.StatusCode < 300:
			return nil
		case resp.StatusCode < 500:
			return fmt.Errorf("job-done: %s: %s", resp.Status, strings.TrimSpace(string(msg)))
		}
		last = fmt.Errorf("job-done: %s", resp.Status)
	}
	return last
}

func stripQuery(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i]
	}
	return u
}

// redact removes the job's secrets from text, whatever produced it.
func redact(text string, in Input) string {
	for _, s := range []string{in.Token, in.UploadToken} {
		if len(s) >= 4 {
			text = strings.ReplaceAll(text, s, "***")
		}
	}
	return text
}

// RunJob builds one job: fetch through the GitHub source, build, upload to the
// relay when the job names one, and report the outcome to the relay's
// /api/docpack/complete (failures too).
func RunJob(ctx context.Context, cfg Config, in Input) (*Output, error) {
	cfg.defaults()
	out, err := runJob(ctx, cfg, in)
	if err != nil {
		if msg := redact(err.Error(), in); msg != err.Error() {
			err = &redactedError{msg: msg, err: err}
		}
	}
	return out, err
}

// redactedError hides secrets from an error's text while keeping its kind for
// errors.Is (exit codes, job states).
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func runJob(ctx context.Context, cfg Config, in Input) (*Output, error) {
	relay := in.UploadURL
	if relay == "" {
		relay = cfg.RelayURL
	}
	var up *upload.Uploader
	if in.JobID != "" || in.UploadToken != "" {
		if relay == "" || in.JobID == "" || in.UploadToken == "" {
			return nil, errors.New("worker: uploading needs job_id, upload_token and upload_url (or DOCTOWN_RELAY_URL)")
		}
		up = upload.New(upload.Options{URL: relay, JobID: in.JobID, Token: in.UploadToken, HTTPClient: cfg.HTTPClient})
	}
	res, err := build(ctx, cfg, in, up)
	if up != nil {
		status, text := upload.StatusSuccess, ""
		if err != nil {
			status, text = upload.StatusFailed, redact(err.Error(), in)
		}
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		cerr := up.Complete(cctx, status, text)
		cancel()
		if err == nil && cerr != nil {
			return nil, fmt.Errorf("worker: report completion: %w", cerr)
		}
		if cerr != nil {
			cfg.Logger.Error("reporting the failure to the relay failed", "err", cerr)
		}
	}
	if err != nil {
		return nil, err
	}
	res.JobID = in.JobID
	res.Uploaded = up != nil
	return res, nil
}

func build(ctx context.Context, cfg Config, in Input, up *upload.Uploader) (*Output, error) {
	if strings.TrimSpace(in.Repo) == "" {
		return nil, errors.New("worker: job input has no repo")
	}
	if err := in.Build.Validate(); err != nil {
		return nil, fmt.Errorf("worker: job input: build: %w", err)
	}
	target, ok := github.ParseTarget(in.Repo)
	if !ok {
		return nil, fmt.Errorf("worker: repo %q is not owner/repo or a repository URL", in.Repo)
	}
	if in.GitRef != "" {
		target.Ref = in.GitRef
	}
	apiURL := in.APIURL
	if apiURL == "" {
		apiURL = cfg.GitHubAPIURL
	}
	src, err := github.NewSource(ctx, target, github.Options{Token: in.Token, APIURL: apiURL, HTTPClient: cfg.HTTPClient})
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "doctown-job-*")
	if err != nil {
		return nil, fmt.Errorf("worker: %w", err)
	}
	defer os.RemoveAll(dir)
	opts := pipeline.BuildOptions{Source: src, OutputDir: dir, Generator: cfg.Generator, ToolVersion: cfg.ToolVersion, Config: in.Build}
	if up != nil {
		opts.Uploader = up
	}
	log := cfg.Logger
	res, err := pipeline.Build(ctx, opts, func(e pipeline.Event) {
		switch e := e.(type) {
		case pipeline.StageDone:
			log.Info("stage done", "stage", e.Stage, "elapsed_sec", e.Elapsed.Seconds(), "skipped", e.Skipped, "err", e.Err)
		case pipeline.Warning:
			log.Warn("build warning", "stage", e.Stage, "msg", e.String())
		}
	})
	if err != nil {
		return nil, err
	}
	var size int64
	if fi, err := os.Stat(res.Output); err == nil {
		size = fi.Size()
	}
	m := res.Manifest
	return &Output{
		Repo: m.Repository.Name, Ref: m.Repository.Ref, Commit: m.Repository.CommitSHA,
		Symbols: m.SymbolCount, Docs: m.DocCount, DocpackBytes: size,
		ElapsedSec: res.Elapsed.Seconds(),
	}, nil
}
