package fakerunpod_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/doctown/doctown/internal/fakerunpod"
)

func call(t *testing.T, method, url, key, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// TestAPIWithRunner drives the API side as the relay's dispatcher would, with
// jobs run by an in-process func.
func TestAPIWithRunner(t *testing.T) {
	release := make(chan struct{})
	rp := fakerunpod.New(fakerunpod.Options{APIKey: "k", Runner: func(ctx context.Context, id string, input json.RawMessage) (any, error) {
		var in struct{ Repo string }
		json.Unmarshal(input, &in)
		if in.Repo == "slow" {
			select {
			case <-release:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if in.Repo == "bad" {
			return nil, errors.New("github: repository bad not found")
		}
		return map[string]any{"commit": "abc", "repo": in.Repo}, nil
	}})
	defer rp.Close()
	ep := rp.EndpointURL()

	if code, _ := call(t, "POST", ep+"/run", "wrong", `{"input":{"repo":"a/b"}}`); code != 401 {
		t.Errorf("wrong key: %d", code)
	}
	if code, _ := call(t, "POST", ep+"/run", "k", `{"nope":1}`); code != 400 {
		t.Errorf("no input: %d", code)
	}
	rp.SetThrottle(1)
	if code, _ := call(t, "POST", ep+"/run", "k", `{"input":{"repo":"a/b"}}`); code != 429 {
		t.Errorf("throttled: %d", code)
	}
	tests := []struct{ repo, status, field, want string }{
		{"a/b", fakerunpod.StatusCompleted, "output", `map[commit:abc repo:a/b]`},
		{"bad", fakerunpod.StatusFailed, "error", "github: repository bad not found"},
	}
	for _, tt := range tests {
		code, m := call(t, "POST", ep+"/run", "k", `{"input":{"repo":"`+tt.repo+`"}}`)
		if code != 200 || m["status"] != fakerunpod.StatusInQueue || m["id"] == "" {
			t.Fatalf("run: %d %v", code, m)
		}
		id := m["id"].(string)
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		rp.Wait(ctx, id)
		cancel()
		_, st := call(t, "GET", ep+"/status/"+id, "k", "")
		if st["status"] != tt.status || fmtAny(st[tt.field]) != tt.want {
			t.Errorf("status of %s = %v", tt.repo, st)
		}
	}
	_, m := call(t, "POST", ep+"/run", "k", `{"input":{"repo":"slow"}}`)
	id := m["id"].(string)
	if _, st := call(t, "GET", ep+"/status/"+id, "k", ""); st["status"] != fakerunpod.StatusInProgress {
		t.Errorf("slow job: %v", st)
	}
	if _, st := call(t, "POST", ep+"/cancel/"+id, "k", ""); st["status"] != fakerunpod.StatusCancelled {
		t.Errorf("cancel: %v", st)
	}
	close(release)
	if code, _ := call(t, "GET", ep+"/status/nope", "k", ""); code != 404 {
		t.Errorf("unknown job: %d", code)
	}
}

func fmtAny(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		b, _ := json.Marshal(v)
		s := strings.NewReplacer(`{`, `map[`, `}`, `]`, `"`, ``, `,`, ` `).Replace(string(b))
		return s
	}
	return ""
}
