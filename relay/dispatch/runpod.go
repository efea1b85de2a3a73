package dispatch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/doctown/doctown/internal/backoff"
	"github.com/doctown/doctown/pipeline/worker"
	"github.com/doctown/doctown/relay/config"
	"github.com/doctown/doctown/relay/secret"
)

// RunPodDispatcher runs each build as a job on a RunPod serverless endpoint:
// POST {endpoint}/run, then GET {endpoint}/status/{id} until a final state. The
// worker fetches the code with the installation token and uploads the docpack to
// the relay with the job's upload token itself.
type RunPodDispatcher struct {
	// Endpoint is the endpoint's base URL (…/v2/{endpoint_id}).
	Endpoint string
	APIKey   string
	Client   *http.Client
	// PollInterval is the wait between status requests.
	PollInterval time.Duration
	// ExecutionTimeout bounds one run on RunPod; TTL bounds its whole life there.
	ExecutionTimeout time.Duration
	TTL              time.Duration
	Logger           *slog.Logger
}

var _ Dispatcher = (*RunPodDispatcher)(nil)

// Name is "runpod".
func (d *RunPodDispatcher) Name() string { return config.DispatchRunPod }

type runPodPolicy struct {
	ExecutionTimeout int64 `json:"executionTimeout,omitempty"` // milliseconds
	TTL              int64 `json:"ttl,omitempty"`              // milliseconds
}

type runPodStatus struct {
	ID     string          `json:"id"`
	Status string          `json:"status"`
	Error  string          `json:"error,omitempty"`
	Output json.RawMessage `json:"output,omitempty"`
}

// ErrRunPodFailed is a run that ended in FAILED, CANCELLED or TIMED_OUT.
var ErrRunPodFailed = errors.New("runpod job did not complete")

// Dispatch submits the run and waits for its end. Cancelling ctx cancels the run.
func (d *RunPodDispatcher) Dispatch(ctx context.Context, t *Task) (Outcome, error) {
	return Outcome{}, d.run(ctx, t)
}

// run submits the run and polls it to its end.
func (d *RunPodDispatcher) run(ctx context.Context, t *Task) error {
	j := t.Job
	body, err := json.Marshal(map[string]any{
		"input": worker.Input{
			Repo: j.FullName(), GitRef: j.SHA, Token: t.Token, APIURL: t.APIURL,
			JobID: j.ID, UploadToken: t.UploadToken, UploadURL: t.UploadURL, Build: t.Build,
		},
		"policy": runPodPolicy{ExecutionTimeout: d.ExecutionTimeout.Milliseconds(), TTL: d.TTL.Milliseconds()},
	})
	if err != nil {
		return err
	}
	var st runPodStatus
	if err := d.call(ctx, http.MethodPost, "/run", body, &st); err != nil {
		return fmt.Errorf("runpod run: %w", err)
	}
	if st.ID == "" {
		return errors.New("runpod run: answer has no job id")
	}
	log := d.logger().With("job_id", j.ID, "runpod_id", st.ID)
	log.Info("runpod job submitted", "status", st.Status)
	running := false
	for {
		switch st.Status {
		case "COMPLETED":
			return nil
		case "FAILED", "CANCELLED", "TIMED_OUT":
			msg := st.Error
			if msg == "" && len(st.Output) > 0 {
				msg = string(st.Output)
			}
			return fmt.Errorf("%w: %s %s", ErrRunPodFailed, st.Status, secret.Redact(msg, 300))
		case "IN_PROGRESS":
			if !running {
				running = true
				t.started()
			}
		}
		select {
		case <-ctx.Done():
			d.cancelRun(context.WithoutCancel(ctx), st.ID, log)
			return ctx.Err()
		case <-time.After(d.PollInterval):
		}
		id := st.ID
		if err := d.call(ctx, http.MethodGet, "/status/"+id, nil, &st); err != nil {
			if ctx.Err() != nil {
				d.cancelRun(context.WithoutCancel(ctx), id, log)
				return ctx.Err()
			}
			return fmt.Errorf("runpod status: %w", err)
		}
		if st.ID == "" {
			st.ID = id
		}
	}
}

func (d *RunPodDispatcher) cancelRun(ctx context.Context, id string, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := d.call(ctx, http.MethodPost, "/cancel/"+id, nil, nil); err != nil {
		log.Warn("runpod cancel failed", "err", err)
	}
}

func (d *RunPodDispatcher) logger() *slog.Logger {
	if d.Logger != nil {
		return d.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// call makes one API request, retrying 429 (after Retry-After) and 5xx answers
// a few times.
func (d *RunPodDispatcher) call(ctx context.Context, method, path string, body []byte, out any) error {
	client := d.Client
	if client == nil {
		client = http.DefaultClient
	}
	url := strings.TrimRight(d.Endpoint, "/") + path
	delay := 500 * time.Millisecond
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+d.APIKey)
		req.Header.Set("Accept", "application/json")
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			if ctx.Err() != nil || attempt >= 5 {
				return err
			}
			if !backoff.Sleep(ctx, delay) {
				return ctx.Err()
			}
			delay *= 2
			continue
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil {
			return err
		}
		switch {
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			if attempt >= 8 {
				return fmt.Errorf("%s %s: %s", method, path, resp.Status)
			}
			wait := delay
			if ra := backoff.RetryAfter(resp.Header.Get("Retry-After"), time.Minute); ra > 0 {
				wait = ra
			} else {
				delay *= 2
			}
			if !backoff.Sleep(ctx, wait) {
				return ctx.Err()
			}
			continue
		case resp.StatusCode >= 300:
			// Only the status and a short, redacted excerpt: an error body may
			// echo the request, and with it the tokens it carried.
			return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, secret.Redact(string(data), 120))
		}
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
		return nil
	}
}
