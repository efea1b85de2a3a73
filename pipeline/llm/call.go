package llm

import (
	"github.com/doctown/doctown/internal/backoff"

	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// respSlot receives the headers the client does not expose on errors.
type respSlot struct {
	status     int
	retryAfter string
	retryMS    string
}

type slotKey struct{}

// recordingDoer is the client's HTTP doer: it copies Retry-After from each
// response into the request's slot, since go-openai drops headers on errors.
type recordingDoer struct{ c *http.Client }

func (d recordingDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.c.Do(req)
	if resp != nil {
		if s, ok := req.Context().Value(slotKey{}).(*respSlot); ok {
			s.status = resp.StatusCode
			s.retryAfter = resp.Header.Get("Retry-After")
			s.retryMS = resp.Header.Get("Retry-After-Ms")
		}
	}
	return resp, err
}

// maxRetryAfter caps how long a server may ask us to wait.
const maxRetryAfter = 2 * time.Minute

// call sends req, retrying 429s, 5xx, timeouts and connection errors with
// jittered exponential backoff that honours Retry-After, and stepping down the
// response format when the server rejects it with a 400.
func (r *run) call(ctx context.Context, req *openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error) {
	cfg := r.g.cfg
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return openai.ChatCompletionResponse{}, err
		}
		mode := r.g.format.Load()
		req.ResponseFormat = responseFormat(mode)
		slot := &respSlot{}
		rctx, cancel := context.WithTimeout(context.WithValue(ctx, slotKey{}, slot), cfg.RequestTimeout)
		r.startRequest()
		resp, err := r.g.client.CreateChatCompletion(rctx, *req)
		timedOut := rctx.Err() != nil
		cancel()
		r.endRequest()
		if err == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return resp, ctx.Err()
		}
		status := statusOf(err, slot)
		switch {
		case status == http.StatusBadRequest && mode < 2 && !isContextError(err):
			// The server does not take this response format: step down for every
			// later request too, and send this one again at once.
			r.g.format.CompareAndSwap(mode, mode+1)
			attempt--
			continue
		case status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusNotFound:
			return resp, &fatalError{err: fmt.Errorf("chat completion: %s", r.g.redact(err.Error()))}
		case status == http.StatusTooManyRequests || status >= 500 || status == 0 || timedOut:
		default:
			return resp, fmt.Errorf("chat completion: %s", r.g.redact(err.Error()))
		}
		if attempt >= cfg.MaxRetries {
			why := r.g.redact(err.Error())
			if timedOut {
				why = fmt.Sprintf("no answer within %s", cfg.RequestTimeout)
			}
			return resp, &transportError{err: fmt.Errorf("chat completion failed after %d attempts: %s", attempt+1, why)}
		}
		delay := backoff.Jittered(cfg.RetryBaseDelay, attempt)
		if ra := retryAfter(slot); ra > delay {
			delay = ra
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return resp, ctx.Err()
		}
	}
}

// isContextError reports a 400 about the prompt's length, which a different
// response format would not fix.
func isContextError(err error) bool {
	var ae *openai.APIError
	if errors.As(err, &ae) {
		if c, ok := ae.Code.(string); ok && c == "context_length_exceeded" {
			return true
		}
	}
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "context length") || strings.Contains(msg, "context window") || strings.Contains(msg, "maximum context")
}

func responseFormat(mode int32) *openai.ChatCompletionResponseFormat {
	switch mode {
	case 0:
		return &openai.ChatCompletionResponseFormat{
			Type: openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{
				Name: "docpack_docs", Schema: docSchema, Strict: true,
			},
		}
	case 1:
		return &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject}
	}
	return nil
}

// statusOf is the HTTP status of a failed request, 0 when there was no answer.
func statusOf(err error, slot *respSlot) int {
	var ae *openai.APIError
	if errors.As(err, &ae) && ae.HTTPStatusCode != 0 {
		return ae.HTTPStatusCode
	}
	var re *openai.RequestError
	if errors.As(err, &re) && re.HTTPStatusCode != 0 {
		return re.HTTPStatusCode
	}
	return slot.status
}

// retryAfter reads Retry-After (seconds or an HTTP date) or Retry-After-Ms.
func retryAfter(s *respSlot) time.Duration {
	if ms, err := strconv.ParseFloat(s.retryMS, 64); err == nil && ms > 0 {
		return min(time.Duration(ms*float64(time.Millisecond)), maxRetryAfter)
	}
	return backoff.RetryAfter(s.retryAfter, maxRetryAfter)
}

func (r *run) startRequest() {
	r.mu.Lock()
	r.inFlight++
	r.stats.Requests++
	snap := r.snapshotLocked()
	r.mu.Unlock()
	r.emit(snap)
}

func (r *run) endRequest() {
	r.mu.Lock()
	r.inFlight--
	snap := r.snapshotLocked()
	r.mu.Unlock()
	r.emit(snap)
}
