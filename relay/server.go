// Package relay is doctown's GitHub App server: it takes push and installation
// webhooks, keeps one durable job per (repository, commit) on River (SQLite or
// PostgreSQL), runs each build in-process or on RunPod, receives and validates the
// docpack, stores it (a directory or an S3/R2 bucket) and lists it in the commons.
//
// This package is the HTTP server and the wiring: routes and handlers, the
// River workers and the sweeps. Each concern it wires has its own package:
// config (settings), queue (River and the database), jobs (a job's life, the
// one writer of its state), catalog (the stored docpacks), dispatch (where a
// build runs), githubapp (GitHub: tokens, lookups, signatures, access
// checks), store (docpack storage), commons (the web commons) and secret
// (redaction).
package relay

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
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

func (s *Server) handleJob(w http.ResponseWriter, r *http.Request) {
	j, err := s.jobs.Get(r.Context(), r.PathValue("id"))
	if err == nil && j.Private && !s.isAdmin(r) && !(readerAccess{s}).CanRead(r.Context(), j.Owner, j.Repo) {
		// A private repository's job is the same 404 as an unknown id to
		// anyone who cannot read the repository: not its name, not its state.
		err = jobs.ErrJobNotFound
	}
	if errors.Is(err, jobs.ErrJobNotFound) {
		writeError(w, http.StatusNotFound, "no such job")
		return
	}
	if err != nil {
		s.log.Error("job lookup", "err", err)
		writeError(w, http.StatusInternalServerError, "job lookup failed")
		return
	}
	writeJSON(w, http.StatusOK, j)
}

// isAdmin reports whether the request carries DOCTOWN_ADMIN_TOKEN as its
// bearer token (never, when none is set).
func (s *Server) isAdmin(r *http.Request) bool {
	tok := bearer(r)
	return s.cfg.AdminToken != "" && tok != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.AdminToken)) == 1
}

// handleJobList is the operators' view of the queue: GET /api/jobs?state=failed
// &repo=owner/name&limit=50, most recently changed first. It names private
// repositories and carries build errors, so it needs DOCTOWN_ADMIN_TOKEN as a
// bearer token and is off when none is set.
func (s *Server) handleJobList(w http.ResponseWriter, r *http.Request) {
	if s.cfg.AdminToken == "" {
		writeError(w, http.StatusForbidden, "job listing is disabled: set DOCTOWN_ADMIN_TOKEN")
		return
	}
	if !s.isAdmin(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="doctown-relay"`)
		writeError(w, http.StatusUnauthorized, "admin token required")
		return
	}
	q := r.URL.Query()
	f := jobs.Filter{State: q.Get("state")}
	if f.State != "" && !slices.Contains(jobs.States, f.State) {
		writeError(w, http.StatusBadRequest, "state must be one of "+strings.Join(jobs.States, ", "))
		return
	}
	if repo := q.Get("repo"); repo != "" {
		owner, name, ok := strings.Cut(repo, "/")
		if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
			writeError(w, http.StatusBadRequest, "repo must be owner/name")
			return
		}
		f.Owner, f.Repo = owner, name
	} else if owner := q.Get("owner"); owner != "" {
		f.Owner = owner
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > jobs.MaxList {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit must be 1 to %d", jobs.MaxList))
			return
		}
		f.Limit = n
	}
	list, err := s.jobs.List(r.Context(), f)
	if err != nil {
		s.log.Error("job list", "err", err)
		writeError(w, http.StatusInternalServerError, "job list failed")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"jobs": list})
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := s.q.Check(ctx); err != nil {
		s.log.Error("health check", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unavailable"})
		return
	}
	status := "ok"
	if s.draining.Load() {
		status = "draining"
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": status, "queue": s.q.Dialect(), "dispatch": s.disp.Name()})
}

// staleAfter is how old an incoming object or an unfinished fs write must be
// before the sweep removes it: older than any upload still being received.
const staleAfter = config.UploadReadTimeout + 5*time.Minute

// removeStale deletes incoming objects (uploads never accepted) and partial
// writes that a killed relay left in storage, and prunes deliveries older than
// GitHub's redelivery window. It runs at start-up and then every sweepEvery.
func (s *Server) removeStale(ctx context.Context) {
	n, err := s.store.RemoveStale(ctx, store.IncomingPrefix, s.now().Add(-staleAfter))
	if err != nil {
		s.log.Warn("sweep storage", "err", err)
	} else if n > 0 {
		s.log.Info("removed unfinished objects from storage", "objects", n)
	}
	if n, err := s.jobs.PruneDeliveries(ctx, s.now().Add(-jobs.DeliveryRetention)); err != nil {
		s.log.Warn("prune deliveries", "err", err)
	} else if n > 0 {
		s.log.Debug("pruned deliveries", "rows", n)
	}
	if n, err := s.expirePreviews(ctx); err != nil {
		s.log.Warn("expire previews", "err", err)
	} else if n > 0 {
		s.log.Info("expired pull-request previews", "docpacks", n)
	}
}

// maxExpirePerSweep bounds the previews one sweep removes.
const maxExpirePerSweep = 500

// expirePreviews removes the previews of pull requests closed longer than
// DOCTOWN_PREVIEW_TTL ago: the catalog row first (a reader never finds a row
// without its object), then the object. A commit that is also a pushed
// commit's docpack, or an open pull request's head, is kept.
func (s *Server) expirePreviews(ctx context.Context) (int, error) {
	if s.cfg.PreviewTTL <= 0 {
		return 0, nil
	}
	db := s.q.DB()
	expired, err := catalog.ExpiredPreviews(ctx, db, s.now().Add(-s.cfg.PreviewTTL), maxExpirePerSweep)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range expired {
		removed, err := catalog.RemovePreview(ctx, db, e)
		if err != nil {
			return n, err
		}
		if !removed {
			continue
		}
		n++
		s.metrics.previews.Inc()
		if err := s.store.Delete(ctx, e.Key); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.metrics.storageErrors.WithLabelValues("delete").Inc()
			s.log.Warn("expire preview: delete object", "key", e.Key, "err", err)
		}
	}
	if len(expired) < maxExpirePerSweep {
		if _, err := catalog.PrunePulls(ctx, db, s.now().Add(-s.cfg.PreviewTTL)); err != nil {
			return n, err
		}
	}
	return n, nil
}

const sweepEvery = 10 * time.Minute

// sweepLoop removes stale objects every sweepEvery and, with an App
// configured, asks GitHub for the deliveries this relay missed at once (a
// restart after an outage) and then every RedeliverInterval.
func (s *Server) sweepLoop(ctx context.Context) {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	var redeliver <-chan time.Time
	if s.gh.Configured() && s.cfg.RedeliverInterval > 0 {
		rt := time.NewTicker(s.cfg.RedeliverInterval)
		defer rt.Stop()
		redeliver = rt.C
		s.redeliverMissed(ctx)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.removeStale(ctx)
		case <-redeliver:
			s.redeliverMissed(ctx)
		}
	}
}

// redeliveryWindow is how far back GitHub lets an App redeliver (three days),
// with a margin.
const redeliveryWindow = 71 * time.Hour

// maxRedeliveries bounds the redeliveries one sweep asks for.
const maxRedeliveries = 100

// redeliverMissed lists the App's recent delivery attempts and asks GitHub
// to redeliver each delivery that never reached this relay: none of its
// attempts succeeded, the last one failed in a way a retry can fix (no
// connection, 408, 429, 5xx), and its id is not in the deliveries table.
// GitHub never retries a failed delivery by itself. It returns how many
// redeliveries it asked for.
func (s *Server) redeliverMissed(ctx context.Context) int {
	ds, err := s.gh.HookDeliveries(ctx, s.now().Add(-redeliveryWindow), 20)
	if err != nil {
		s.log.Warn("list failed deliveries", "err", secret.Redact(err.Error(), 300))
		if len(ds) == 0 {
			return 0
		}
	}
	type guidState struct {
		ok     bool
		latest githubapp.HookDelivery
	}
	byGUID := map[string]*guidState{}
	var order []string
	for _, d := range ds { // newest first
		g := byGUID[d.GUID]
		if g == nil {
			g = &guidState{latest: d}
			byGUID[d.GUID] = g
			order = append(order, d.GUID)
		}
		if d.StatusCode >= 200 && d.StatusCode < 300 {
			g.ok = true
		}
	}
	n := 0
	for _, guid := range order {
		g := byGUID[guid]
		c := g.latest.StatusCode
		retryable := c == 0 || c == http.StatusRequestTimeout || c == http.StatusTooManyRequests || c >= 500
		if g.ok || !retryable || guid == "" || n >= maxRedeliveries {
			continue
		}
		var seen int64
		err := queue.QueryRow(ctx, s.q.DB(), `SELECT COUNT(*) FROM doctown_deliveries WHERE id = ?`, []any{guid}, &seen)
		if err != nil || seen > 0 {
			continue
		}
		if err := s.gh.Redeliver(ctx, g.latest.ID); err != nil {
			s.log.Warn("redeliver", "delivery_id", guid, "err", secret.Redact(err.Error(), 300))
			continue
		}
		s.log.Info("asked GitHub to redeliver a missed delivery", "delivery_id", guid, "event", g.latest.Event, "last_status", c)
		n++
	}
	return n
}

// clearDir removes everything inside dir and returns how many entries it removed.
func clearDir(dir string) int {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range ents {
		if os.RemoveAll(filepath.Join(dir, e.Name())) == nil {
			n++
		}
	}
	return n
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

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// statusWriter records a response's status and size for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		level := slog.LevelInfo
		if r.URL.Path == "/healthz" || r.URL.Path == "/metrics" {
			level = slog.LevelDebug
		}
		attrs := []any{"method", r.Method, "path", r.URL.Path, "status", sw.status, "bytes", sw.bytes,
			"duration_ms", time.Since(start).Milliseconds(), "remote", r.RemoteAddr}
		if d := r.Header.Get("X-GitHub-Delivery"); d != "" {
			attrs = append(attrs, "delivery_id", d)
		}
		s.log.Log(r.Context(), level, "http request", attrs...)
	})
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic serving request", "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				writeError(w, http.StatusInternalServerError, "internal error")
			}
		}()
		next.ServeHTTP(w, r)
	})
}
