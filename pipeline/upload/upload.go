// Package upload hands a finished docpack to the relay: a streamed multipart
// POST to /api/docpack/upload with the job's upload token, retried on network
// errors and 5xx, and the job's completion report to /api/docpack/complete.
package upload

import (
	"github.com/doctown/doctown/internal/backoff"

	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/pipeline"
)

// Job completion statuses sent to /api/docpack/complete.
const (
	StatusSuccess = "success"
	StatusFailed  = "failed"
)

// ErrAuth is returned (wrapped in *HTTPError) when the relay refuses the upload
// token (401/403).
var ErrAuth = errors.New("upload token refused")

// HTTPError is the relay's answer to a request it refused.
type HTTPError struct {
	StatusCode int
	// Message is the relay's error text ({"error": "…"} or the plain body).
	Message string
	// Op names the request: "upload" or "complete".
	Op string
}

func (e *HTTPError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	return fmt.Sprintf("%s: relay answered %d: %s", e.Op, e.StatusCode, msg)
}

// Is makes 401/403 match ErrAuth.
func (e *HTTPError) Is(target error) bool {
	return target == ErrAuth && (e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden)
}

// Options configure an Uploader.
type Options struct {
	// URL is the relay's base URL (https://relay.example).
	URL string
	// JobID and Token identify the job and authorize the upload.
	JobID string
	Token string
	// HTTPClient sends the requests; nil means a default client.
	HTTPClient *http.Client
	// MaxAttempts bounds tries per request; <=0 means 5.
	MaxAttempts int
	// Backoff is the base delay between tries (doubled each try, jittered,
	// capped at 30s); <=0 means 1s.
	Backoff time.Duration
}

// Uploader implements pipeline.Uploader against the relay.
type Uploader struct {
	opts Options
}

var _ pipeline.Uploader = (*Uploader)(nil)

// New returns an Uploader.
func New(o Options) *Uploader {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 30 * time.Minute}
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	o.URL = strings.TrimSuffix(o.URL, "/")
	return &Uploader{opts: o}
}

// Upload streams the docpack at path to the relay. The body is produced while it
// is sent (io.Pipe), so memory does not grow with the file; each retry reopens
// the file.
func (u *Uploader) Upload(ctx context.Context, path string, m *docpack.Manifest, emit pipeline.Observer) error {
	if emit == nil {
		emit = pipeline.Discard
	}
	if u.opts.URL == "" || u.opts.JobID == "" {
		return errors.New("upload: relay URL and job id are required")
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	endpoint := u.opts.URL + "/api/docpack/upload"
	return u.retry(ctx, "upload", emit, func() (*http.Request, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		go func() {
			defer f.Close()
			err := writeForm(mw, u.opts.JobID, filepath.Base(path), &countingReader{r: f, total: fi.Size(), emit: emit})
			pw.CloseWithError(err)
		}()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, pr)
		if err != nil {
			pr.Close()
			return nil, err
		}
		req.Header.Set("Content-Type", mw.FormDataContentType())
		return req, nil
	})
}

func writeForm(mw *multipart.Writer, jobID, name string, body io.Reader) error {
	if err := mw.WriteField("job_id", jobID); err != nil {
		return err
	}
	part, err := mw.CreateFormFile("file", name)
	if err != nil {
		return err
	}
	if _, err := io.Copy(part, body); err != nil {
		return err
	}
	return mw.Close()
}

// Complete reports the job's outcome to the relay.
func (u *Uploader) Complete(ctx context.Context, status, errText string) error {
	body := map[string]string{"job_id": u.opts.JobID, "status": status}
	if errText != "" {
		body["error"] = errText
	}
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	endpoint := u.opts.URL + "/api/docpack/complete"
	return u.retry(ctx, "complete", pipeline.Discard, func() (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		return req, nil
	})
}

// Complete reports a job's outcome ("success" or "failed", with errText) to the
// relay at url with the job's upload token.
func Complete(ctx context.Context, url, jobID, token, status, errText string) error {
	return New(Options{URL: url, JobID: jobID, Token: token}).Complete(ctx, status, errText)
}

// retry sends the request newReq builds until it succeeds, a 4xx answers, the
// attempts run out or ctx ends. Network errors and 5xx (and 429) are retried.
func (u *Uploader) retry(ctx context.Context, op string, emit pipeline.Observer, newReq func() (*http.Request, error)) error {
	var last error
	for attempt := 1; attempt <= u.opts.MaxAttempts; attempt++ {
		req, err := newReq()
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		req.Header.Set("Authorization", "Bearer "+u.opts.Token)
		req.Header.Set("User-Agent", "doctown")
		resp, err := u.opts.HTTPClient.Do(req)
		var wait time.Duration
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err // the URL is shown once, below, not per attempt
			}
			last = fmt.Errorf("%s to %s: %w", op, u.opts.URL, err)
		} else {
			msg := readMessage(resp.Body)
			resp.Body.Close()
			switch {
			case resp.StatusCode >= 200 && resp.StatusCode < 300:
				return nil
			case resp.StatusCode >= 500, resp.StatusCode == http.StatusTooManyRequests:
				last = &HTTPError{StatusCode: resp.StatusCode, Message: msg, Op: op}
				wait = backoff.RetryAfter(resp.Header.Get("Retry-After"), time.Minute)
			default:
				return &HTTPError{StatusCode: resp.StatusCode, Message: msg, Op: op}
			}
		}
		if attempt == u.opts.MaxAttempts {
			break
		}
		if wait == 0 {
			wait = backoff.Jittered(u.opts.Backoff, attempt-1)
		}
		emit(pipeline.Warning{Stage: pipeline.StageUpload, Message: fmt.Sprintf("%v; retrying in %s (attempt %d of %d)", last, wait.Round(time.Millisecond), attempt+1, u.opts.MaxAttempts)})
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	return fmt.Errorf("%w (after %d attempts)", last, u.opts.MaxAttempts)
}

// readMessage extracts the relay's error text: {"error": "…"} or the plain body.
func readMessage(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 4096))
	var j struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(b, &j) == nil {
		if j.Error != "" {
			return j.Error
		}
		if j.Message != "" {
			return j.Message
		}
	}
	return strings.TrimSpace(string(b))
}

// countingReader reports bytes read as StageUpload progress, every 256 KiB and at the end.
type countingReader struct {
	r       io.Reader
	n, last int64
	total   int64
	emit    pipeline.Observer
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n-c.last >= 256<<10 || (err == io.EOF && c.n != c.last) {
		c.last = c.n
		c.emit(pipeline.Progress{Stage: pipeline.StageUpload, Done: int(c.n), Total: int(c.total), Unit: "bytes"})
	}
	return n, err
}
