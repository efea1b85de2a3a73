// Package relay is doctown's GitHub App server: it takes push and installation
// webhooks, keeps one durable job per (repository, commit) on River (SQLite or
// PostgreSQL), runs each build in-process or on RunPod, receives and validates the
// docpack, stores it (a directory or an S3/R2 bucket) and lists it in the commons.
//
// This package is the HTTP server and the wiring: server.go builds the
// server and runs it, webhook.go, upload.go, jobs_api.go, auth.go and
// import.go are the handlers, worker.go the River workers, sweep.go and
// heartbeat.go the timers, http.go the plumbing. Each concern it wires has its own package:
// config (settings), queue (River and the database), jobs (a job's life, the
// one writer of its state), catalog (the stored docpacks), dispatch (where a
// build runs), githubapp (GitHub: tokens, lookups, signatures, access
// checks), store (docpack storage), commons (the web commons) and secret
// (redaction).
package relay

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/riverqueue/river"

	"github.com/doctown/doctown/pipeline"
	"github.com/doctown/doctown/pipeline/llm"
	"github.com/doctown/doctown/relay/catalog"
	"github.com/doctown/doctown/relay/commons"
	"github.com/doctown/doctown/relay/config"
	"github.com/doctown/doctown/relay/dispatch"
	"github.com/doctown/doctown/relay/githubapp"
	"github.com/doctown/doctown/relay/jobs"
	"github.com/doctown/doctown/relay/queue"
	"github.com/doctown/doctown/relay/secret"
	"github.com/doctown/doctown/relay/store"
)

// Deps are the relay's collaborators that tests (or an embedding program) swap;
// every zero field gets the production default from Config.
type Deps struct {
	Logger *slog.Logger
	// Storage holds docpacks; nil means store.New from the config.
	Storage store.Storage
	// Build runs a local build; nil means PipelineBuild.
	Build dispatch.BuildFunc
	// Dispatcher overrides DOCTOWN_DISPATCH.
	Dispatcher dispatch.Dispatcher
	// HTTPClient is used for GitHub and RunPod; nil means a default client.
	HTTPClient *http.Client
	// RetryPolicy and PollInterval tune River (tests make retries quick).
	RetryPolicy  river.ClientRetryPolicy
	PollInterval time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// ToolVersion is recorded in locally built docpacks.
	ToolVersion string
}

// Server is one relay process.
type Server struct {
	cfg     config.Config
	log     *slog.Logger
	q       queue.Queue
	store   store.Storage
	catalog *catalog.Catalog
	// commons serves the catalog's docpacks, and diffs them at ingest.
	commons *commons.Handler
	disp    dispatch.Dispatcher
	gh      *githubapp.App
	tokens  *UploadTokens
	metrics *metrics
	handler http.Handler
	tmpDir  string
	now     func() time.Time
	// webhookBodies bounds the webhook bytes in memory across requests.
	webhookBodies *githubapp.BodyBudget
	access        *githubapp.AccessChecker
	jobs          *jobs.Store
	// instance names this relay process in doctown_jobs.worker (heartbeats).
	instance   string
	sessions   *sessionSealer
	httpClient *http.Client
	draining   atomic.Bool

	closeOnce sync.Once
}

// NewServer opens the database (running River's and the relay's migrations),
// the storage and the dispatcher. Close it, or let Run close it.
func NewServer(ctx context.Context, cfg config.Config, deps Deps) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.RelaySecret == "" {
		if err := cfg.Load(); err != nil {
			return nil, err
		}
	}
	s := &Server{cfg: cfg, log: deps.Logger, now: deps.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.tokens = NewUploadTokens(cfg.RelaySecret)
	s.webhookBodies = githubapp.NewBodyBudget(cfg.WebhookMemory)
	s.instance = secret.Hex(8)
	s.tmpDir = filepath.Join(cfg.DataDir, "tmp")
	if err := os.MkdirAll(s.tmpDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	if n := clearDir(s.tmpDir); n > 0 {
		// Build directories, checkouts, partial uploads and cached pages of a
		// relay that was killed: nothing else uses this data dir's tmp.
		s.log.Info("removed what a previous relay left", "dir", s.tmpDir, "entries", n)
	}
	client := deps.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Minute}
	}
	gh, err := githubapp.New(cfg.GitHubAppID, cfg.GitHubAppPrivateKey, cfg.GitHubAPIURL, client.Transport)
	if err != nil {
		return nil, err
	}
	s.gh = gh
	s.httpClient = client
	s.access = githubapp.NewAccessChecker(cfg.GitHubAPIURL, client, cfg.AccessCacheTTL, s.now, s.log)
	s.sessions = newSessionSealer(cfg.RelaySecret)

	s.store = deps.Storage
	if s.store == nil {
		dir := cfg.StorageDir
		if dir == "" {
			// Keys start with "docpacks/": the files land in {data dir}/docpacks/….
			dir = cfg.DataDir
		}
		st, err := store.New(ctx, store.Config{
			Kind: cfg.Storage, Dir: dir, Endpoint: cfg.BucketEndpoint, Bucket: cfg.BucketName,
			AccessKeyID: cfg.BucketAccessKeyID, Secret: cfg.BucketSecret, Region: cfg.BucketRegion, UsePathStyle: cfg.BucketUsePathStyle,
		})
		if err != nil {
			return nil, fmt.Errorf("storage: %w", err)
		}
		s.store = st
	}

	s.disp = deps.Dispatcher
	if s.disp == nil {
		switch cfg.Dispatch {
		case config.DispatchRunPod:
			s.disp = &dispatch.RunPodDispatcher{
				Endpoint: cfg.RunPodEndpoint, APIKey: cfg.RunPodAPIKey, Client: client,
				PollInterval: cfg.RunPodPollInterval, ExecutionTimeout: cfg.JobTimeout, TTL: cfg.JobTimeout + time.Hour,
				Logger: s.log,
			}
		default:
			build := deps.Build
			if build == nil {
				build = dispatch.PipelineBuild(generatorFactory(cfg), client, deps.ToolVersion)
			}
			s.disp = &dispatch.LocalDispatcher{Build: build, TempDir: s.tmpDir}
		}
	}

	workers := river.NewWorkers()
	river.AddWorker(workers, &buildWorker{s: s})
	river.AddWorker(workers, &resolveWorker{s: s})
	qo := queue.Options{
		Workers: cfg.Workers, Queues: map[string]int{jobs.ResolveQueue: 4}, JobTimeout: cfg.JobTimeout, MaxAttempts: cfg.MaxAttempts,
		PollInterval: deps.PollInterval, RetryPolicy: deps.RetryPolicy, Logger: queue.NewRiverLogger(s.log),
	}
	if cfg.DatabaseURL != "" {
		s.q, err = queue.OpenPostgres(ctx, cfg.DatabaseURL, qo, workers)
	} else {
		s.q, err = queue.OpenSQLite(ctx, cfg.DataDir, qo, workers)
	}
	if err != nil {
		return nil, err
	}
	s.catalog = catalog.New(s.q.DB(), readerAccess{s})
	s.commons = commons.New(s.catalog, s.store, commons.Options{PublicURL: s.cfg.PublicURL, Logger: s.log.With("component", "commons"), TempDir: s.tmpDir})
	s.metrics = newMetrics()
	s.jobs = jobs.NewStore(s.q, s.now, s.metrics.transitions)
	s.metrics.reg.MustRegister(jobsCollector{jobs: s.jobs})
	s.removeStale(ctx)
	s.handler = s.routes()
	return s, nil
}

// Close releases the database. Run calls it on its way out.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.commons.Close()
		if err := s.q.Close(); err != nil {
			s.log.Error("close database", "err", err)
		}
	})
}

// Catalog is the commons' index of stored docpacks.
func (s *Server) Catalog() *catalog.Catalog { return s.catalog }

// Job returns one job's state.
func (s *Server) Job(ctx context.Context, id string) (*jobs.Job, error) { return s.jobs.Get(ctx, id) }

// Handler serves every route of the relay.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /webhook", s.handleWebhook)
	mux.HandleFunc("POST /api/docpack/upload", s.handleUpload)
	mux.HandleFunc("POST /api/docpack/complete", s.handleComplete)
	mux.HandleFunc("GET /api/jobs/{id}", s.handleJob)
	mux.HandleFunc("GET /api/jobs", s.handleJobList)
	mux.HandleFunc("GET /healthz", s.handleHealth)
	mux.HandleFunc("GET /auth/login", s.handleLogin)
	mux.HandleFunc("GET /auth/callback", s.handleCallback)
	mux.HandleFunc("POST /auth/logout", s.handleLogout)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
	s.commons.Register(mux)
	return s.recoverer(s.logRequests(s.withReader(mux)))
}

// Run listens on cfg.Addr and serves until ctx is done; see Serve.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		s.Close()
		return fmt.Errorf("listen: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve starts the job workers and serves HTTP on ln until ctx is done, then
// shuts down in order: webhooks answer 503, running builds get ShutdownGrace to
// finish (uploads are still accepted meanwhile), the rest are cancelled and left
// to River's retries, and the HTTP server and the database close.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	defer s.Close()
	base := context.WithoutCancel(ctx)
	if err := s.q.Start(base); err != nil {
		ln.Close()
		return fmt.Errorf("start queue: %w", err)
	}
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return base },
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if !s.gh.Configured() {
		s.log.Warn("GitHub App not configured: GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY (or _PATH) are unset; builds and repository lookups are anonymous (public repositories only, GitHub's anonymous rate limit of 60 requests an hour); private repositories fail with this reason",
			"github_app", false)
	}
	sweepCtx, stopSweep := context.WithCancel(base)
	defer stopSweep()
	go s.sweepLoop(sweepCtx)
	go s.heartbeatLoop(sweepCtx)
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	s.log.Info("relay listening", "addr", ln.Addr().String(), "queue", s.q.Dialect(), "dispatch", s.disp.Name(), "storage", s.cfg.Storage)

	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
		err = fmt.Errorf("serve: %w", err)
	}
	s.draining.Store(true)
	s.log.Info("relay stopping", "grace", s.cfg.ShutdownGrace.String())
	graceCtx, cancel := context.WithTimeout(base, s.cfg.ShutdownGrace)
	if stopErr := s.q.Stop(graceCtx); stopErr != nil {
		s.log.Warn("builds still running after the grace period: cancelling them, they will be retried")
		hard, cancelHard := context.WithTimeout(base, 30*time.Second)
		if err := s.q.StopAndCancel(hard); err != nil {
			s.log.Error("jobs still running after cancelling them", "err", err)
		}
		cancelHard()
	}
	cancel()
	shut, cancelShut := context.WithTimeout(base, 10*time.Second)
	defer cancelShut()
	if shutErr := srv.Shutdown(shut); shutErr != nil {
		s.log.Warn("connections still open after 10s: closing them", "err", shutErr)
		if cerr := srv.Close(); cerr != nil {
			s.log.Warn("close server", "err", cerr)
		}
	}
	s.log.Info("relay stopped")
	return err
}

// generatorFactory makes each local build's generator: the OpenAI-compatible one
// when an API key or base URL is set, else nil (extractive).
func generatorFactory(cfg config.Config) func() (pipeline.Generator, error) {
	if !llm.Enabled(cfg.LLM) {
		return nil
	}
	return func() (pipeline.Generator, error) {
		g, err := llm.New(cfg.LLM)
		if err != nil {
			return nil, err
		}
		return g, nil
	}
}
