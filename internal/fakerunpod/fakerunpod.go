// Package fakerunpod is an in-process RunPod serverless endpoint for tests. The
// API side (/run, /status, /cancel, /health, Bearer auth, optional 429s) is what
// the relay's runpod dispatcher talks to; the worker side (job-take, ping,
// job-done webhooks) is what `doctown worker runpod` polls. Jobs are run either by
// such a worker or, when Options.Runner is set, by a Go func in-process.
package fakerunpod

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Job states, as RunPod names them.
const (
	StatusInQueue    = "IN_QUEUE"
	StatusInProgress = "IN_PROGRESS"
	StatusCompleted  = "COMPLETED"
	StatusFailed     = "FAILED"
	StatusCancelled  = "CANCELLED"
)

// Runner runs one job in-process: input is the job's "input" object. A returned
// error becomes the job's "error".
type Runner func(ctx context.Context, id string, input json.RawMessage) (output any, err error)

// Options configure a Server.
type Options struct {
	// Endpoint is the endpoint id in the URLs; default "doctown".
	Endpoint string
	// APIKey is the API key for /run, /status, /cancel (Authorization: Bearer …)
	// and the worker webhooks (Authorization: …). Empty accepts anything.
	APIKey string
	// Runner, when set, runs jobs in-process instead of waiting for a worker.
	Runner Runner
	// TakeWait is how long job-take holds a request open when the queue is empty
	// before answering 204; default 200ms.
	TakeWait time.Duration
}

// Job is a snapshot of one job.
type Job struct {
	ID       string          `json:"id"`
	Status   string          `json:"status"`
	Input    json.RawMessage `json:"input"`
	Output   json.RawMessage `json:"output,omitempty"`
	Error    string          `json:"error,omitempty"`
	WorkerID string          `json:"worker_id,omitempty"`
}

// Ping is one heartbeat a worker sent.
type Ping struct {
	WorkerID string
	JobIDs   []string
	At       time.Time
}

// Server is a fake RunPod endpoint.
type Server struct {
	// URL is the server's base URL; the API is at URL + "/v2/" + endpoint.
	URL string

	opts Options
	srv  *httptest.Server

	mu       sync.Mutex
	jobs     map[string]*job
	queue    []string
	notify   chan struct{} // closed and replaced when the queue or a job changes
	pings    []Ping
	throttle int
	requests map[string]int
}

type job struct {
	Job
	cancel context.CancelFunc
}

// New starts a server; stop it with Close.
func New(o Options) *Server {
	if o.Endpoint == "" {
		o.Endpoint = "doctown"
	}
	if o.TakeWait <= 0 {
		o.TakeWait = 200 * time.Millisecond
	}
	s := &Server{opts: o, jobs: map[string]*job{}, notify: make(chan struct{}), requests: map[string]int{}}
	s.srv = httptest.NewServer(s.routes())
	s.URL = s.srv.URL
	return s
}

// Close shuts the server down and cancels in-process jobs.
func (s *Server) Close() {
	s.mu.Lock()
	for _, j := range s.jobs {
		if j.cancel != nil {
			j.cancel()
		}
	}
	s.mu.Unlock()
	s.srv.Close()
}

// EndpointURL is the API base for the dispatcher: URL/v2/{endpoint}.
func (s *Server) EndpointURL() string { return s.URL + "/v2/" + s.opts.Endpoint }

// WorkerEnv returns the environment RunPod gives a worker: the webhook URL
// templates (with RunPod's $ID and $RUNPOD_POD_ID placeholders), the pod id and
// the key.
func (s *Server) WorkerEnv(podID string) map[string]string {
	base := s.EndpointURL()
	return map[string]string{
		"RUNPOD_WEBHOOK_GET_JOB":     base + "/job-take/$ID?gpu=cpu",
		"RUNPOD_WEBHOOK_PING":        base + "/ping/$RUNPOD_POD_ID?gpu=cpu",
		"RUNPOD_WEBHOOK_POST_OUTPUT": base + "/job-done/$RUNPOD_POD_ID/$ID?gpu=cpu",
		"RUNPOD_POD_ID":              podID,
		"RUNPOD_AI_API_KEY":          s.opts.APIKey,
		"RUNPOD_PING_INTERVAL":       "50",
	}
}

// SetThrottle makes the next n API requests answer 429.
func (s *Server) SetThrottle(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle = n
}

// Submit queues a job as /run does and returns its id.
func (s *Server) Submit(input any) (string, error) {
	raw, err := json.Marshal(input)
	if err != nil {
		return "", err
	}
	return s.submit(raw), nil
}

// Job returns a snapshot of job id.
func (s *Server) Job(id string) (Job, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		return Job{}, false
	}
	return j.Job, true
}

// Wait blocks until job id is finished (completed, failed or cancelled).
func (s *Server) Wait(ctx context.Context, id string) (Job, error) {
	for {
		s.mu.Lock()
		j, ok := s.jobs[id]
		ch := s.notify
		var snap Job
		if ok {
			snap = j.Job
		}
		s.mu.Unlock()
		if !ok {
			return Job{}, errors.New("fakerunpod: no job " + id)
		}
		if terminal(snap.Status) {
			return snap, nil
		}
		select {
		case <-ctx.Done():
			return snap, ctx.Err()
		case <-ch:
		}
	}
}

// Pings returns the heartbeats received so far.
func (s *Server) Pings() []Ping {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Ping(nil), s.pings...)
}

// Requests counts requests by route name ("run", "status", "cancel", "take", "ping", "done").
func (s *Server) Requests(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[route]
}

func terminal(status string) bool {
	return status == StatusCompleted || status == StatusFailed || status == StatusCancelled
}

// changed wakes waiters; call with s.mu held.
func (s *Server) changed() {
	close(s.notify)
	s.notify = make(chan struct{})
}

func newID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:4]) + "-" + hex.EncodeToString(b[4:]) + "-u1"
}

func (s *Server) submit(input json.RawMessage) string {
	id := newID()
	s.mu.Lock()
	j := &job{Job: Job{ID: id, Status: StatusInQueue, Input: input}}
	s.jobs[id] = j
	if s.opts.Runner == nil {
		s.queue = append(s.queue, id)
	} else {
		ctx, cancel := context.WithCancel(context.Background())
		j.cancel = cancel
		j.Status = StatusInProgress
		j.WorkerID = "in-process"
		go s.runInProcess(ctx, j)
	}
	s.changed()
	s.mu.Unlock()
	return id
}

func (s *Server) runInProcess(ctx context.Context, j *job) {
	out, err := s.opts.Runner(ctx, j.ID, j.Input)
	s.mu.Lock()
	defer s.mu.Unlock()
	if j.Status == StatusCancelled {
		return
	}
	if err != nil {
		j.Status, j.Error = StatusFailed, err.Error()
	} else {
		j.Status = StatusCompleted
		j.Output, _ = json.Marshal(out)
	}
	s.changed()
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	p := "/v2/" + s.opts.Endpoint
	mux.HandleFunc("POST "+p+"/run", s.api("run", s.run))
	mux.HandleFunc("GET "+p+"/status/{id}", s.api("status", s.status))
	mux.HandleFunc("POST "+p+"/status/{id}", s.api("status", s.status))
	mux.HandleFunc("POST "+p+"/cancel/{id}", s.api("cancel", s.cancel))
	mux.HandleFunc("GET "+p+"/health", s.api("health", s.health))
	mux.HandleFunc("GET "+p+"/job-take/{pod}", s.worker("take", s.take))
	mux.HandleFunc("GET "+p+"/ping/{pod}", s.worker("ping", s.ping))
	mux.HandleFunc("POST "+p+"/job-done/{pod}/{id}", s.worker("done", s.done))
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) count(route string) {
	s.mu.Lock()
	s.requests[route]++
	s.mu.Unlock()
}

func (s *Server) api(route string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.count(route)
		if k := s.opts.APIKey; k != "" && r.Header.Get("Authorization") != "Bearer "+k {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Unauthorized"})
			return
		}
		s.mu.Lock()
		throttled := s.throttle > 0
		if throttled {
			s.throttle--
		}
		s.mu.Unlock()
		if throttled {
			w.Header().Set("Retry-After", "1")
			writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": "Too Many Requests"})
			return
		}
		h(w, r)
	}
}

func (s *Server) worker(route string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.count(route)
		if k := s.opts.APIKey; k != "" && r.Header.Get("Authorization") != k {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		h(w, r)
	}
}

func (s *Server) run(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Input json.RawMessage `json:"input"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 10<<20)).Decode(&body); err != nil || len(body.Input) == 0 || body.Input[0] != '{' {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "request body must be {\"input\": {…}}"})
		return
	}
	id := s.submit(body.Input)
	writeJSON(w, http.StatusOK, map[string]string{"id": id, "status": StatusInQueue})
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	j, ok := s.Job(r.PathValue("id"))
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "job not found"})
		return
	}
	out := map[string]any{"id": j.ID, "status": j.Status}
	if j.Output != nil {
		out["output"] = j.Output
	}
	if j.Error != "" {
		out["error"] = j.Error
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) cancel(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	j, ok := s.jobs[id]
	if ok && !terminal(j.Status) {
		j.Status = StatusCancelled
		if j.cancel != nil {
			j.cancel()
		}
		for i, q := range s.queue {
			if q == id {
				s.queue = append(s.queue[:i], s.queue[i+1:]...)
				break
			}
		}
		s.changed()
	}
	var status string
	if ok {
		status = j.Status
	}
	s.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "job not found"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": id, "status": status})
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	counts := map[string]int{}
	for _, j := range s.jobs {
		counts[j.Status]++
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"jobs": map[string]int{
		"inQueue": counts[StatusInQueue], "inProgress": counts[StatusInProgress],
		"completed": counts[StatusCompleted], "failed": counts[StatusFailed],
	}})
}

// take hands the next queued job to a worker, holding the request open up to
// TakeWait when the queue is empty (204 then).
func (s *Server) take(w http.ResponseWriter, r *http.Request) {
	deadline := time.NewTimer(s.opts.TakeWait)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if len(s.queue) > 0 {
			id := s.queue[0]
			s.queue = s.queue[1:]
			j := s.jobs[id]
			j.Status, j.WorkerID = StatusInProgress, r.PathValue("pod")
			s.changed()
			body := map[string]any{"id": j.ID, "input": j.Input}
			s.mu.Unlock()
			writeJSON(w, http.StatusOK, body)
			return
		}
		ch := s.notify
		s.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			w.WriteHeader(http.StatusNoContent)
			return
		case <-r.Context().Done():
			return
		}
	}
}

func (s *Server) ping(w http.ResponseWriter, r *http.Request) {
	var ids []string
	if v := r.URL.Query().Get("job_id"); v != "" {
		ids = strings.Split(v, ",")
	}
	s.mu.Lock()
	s.pings = append(s.pings, Ping{WorkerID: r.PathValue("pod"), JobIDs: ids, At: time.Now()})
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// done records a worker's {"output": …} or {"error": "…"} for a job.
func (s *Server) done(w http.ResponseWriter, r *http.Request) {
	var body map[string]json.RawMessage
	if err := json.NewDecoder(io.LimitReader(r.Body, 10<<20)).Decode(&body); err != nil {
		http.Error(w, "body must be a JSON object", http.StatusBadRequest)
		return
	}
	out, hasOut := body["output"]
	errRaw, hasErr := body["error"]
	if hasOut == hasErr {
		http.Error(w, `body must hold exactly one of "output" and "error"`, http.StatusBadRequest)
		return
	}
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		http.Error(w, "job not found", http.StatusNotFound)
		return
	}
	if j.Status == StatusCancelled {
		w.WriteHeader(http.StatusOK)
		return
	}
	if j.Status != StatusInProgress || j.WorkerID != r.PathValue("pod") {
		http.Error(w, "job "+id+" is "+j.Status+" on worker "+strconv.Quote(j.WorkerID), http.StatusConflict)
		return
	}
	if hasOut {
		j.Status, j.Output = StatusCompleted, out
	} else {
		var msg string
		if json.Unmarshal(errRaw, &msg) != nil {
			msg = string(errRaw)
		}
		j.Status, j.Error = StatusFailed, msg
	}
	s.changed()
	w.WriteHeader(http.StatusOK)
}
