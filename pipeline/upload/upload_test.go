package upload_test

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doctown/doctown/pipeline"
	"github.com/doctown/doctown/pipeline/upload"
)

const token = "upl_job42_s3cr3t"

// relay is an in-process stand-in for the relay's upload and complete endpoints.
type relay struct {
	mu       sync.Mutex
	answers  []int // status codes to answer in order; then 200
	bodies   []string
	uploads  []received
	complete []map[string]string
	srv      *httptest.Server
}

type received struct {
	Auth, JobID, FileName, ContentType string
	Size                               int64
	SHA256                             [32]byte
}

func newRelay(t *testing.T, answers ...int) *relay {
	r := &relay{answers: answers}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/docpack/upload", func(w http.ResponseWriter, req *http.Request) {
		rec := received{Auth: req.Header.Get("Authorization"), ContentType: req.Header.Get("Content-Type")}
		mr, err := req.MultipartReader()
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			switch p.FormName() {
			case "job_id":
				b, _ := io.ReadAll(p)
				rec.JobID = string(b)
			case "file":
				rec.FileName = p.FileName()
				h := sha256.New()
				rec.Size, _ = io.Copy(h, p)
				copy(rec.SHA256[:], h.Sum(nil))
			}
		}
		r.mu.Lock()
		r.uploads = append(r.uploads, rec)
		status, body := 200, `{"ok":true}`
		if n := len(r.uploads) - 1; n < len(r.answers) {
			status = r.answers[n]
			if n < len(r.bodies) {
				body = r.bodies[n]
			}
		}
		r.mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, body)
	})
	mux.HandleFunc("POST /api/docpack/complete", func(w http.ResponseWriter, req *http.Request) {
		var m map[string]string
		json.NewDecoder(req.Body).Decode(&m)
		m["auth"] = req.Header.Get("Authorization")
		r.mu.Lock()
		r.complete = append(r.complete, m)
		r.mu.Unlock()
		w.WriteHeader(204)
	})
	r.srv = httptest.NewServer(mux)
	t.Cleanup(r.srv.Close)
	return r
}

func writeDocpack(t testing.TB, size int) (string, [32]byte) {
	path := filepath.Join(t.TempDir(), "demo.docpack")
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i * 7)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, sha256.Sum256(b)
}

func TestUpload(t *testing.T) {
	path, sum := writeDocpack(t, 1<<20+17)
	tests := []struct {
		name      string
		answers   []int
		bodies    []string
		attempts  int // requests the relay should see
		wantErr   string
		wantAuth  bool
		wantRetry bool
	}{
		{name: "ok", attempts: 1},
		{name: "503 then ok", answers: []int{503, 503}, attempts: 3, wantRetry: true},
		{name: "503 until the end", answers: []int{503, 503, 503}, bodies: []string{"busy", "busy", "still busy"}, attempts: 3, wantErr: "upload: relay answered 503: still busy (after 3 attempts)"},
		{name: "401 not retried", answers: []int{401}, bodies: []string{`{"error": "upload token expired for job 42"}`}, attempts: 1, wantErr: "relay answered 401: upload token expired for job 42", wantAuth: true},
		{name: "413 text not retried", answers: []int{413}, bodies: []string{"docpack too large\n"}, attempts: 1, wantErr: "relay answered 413: docpack too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRelay(t, tt.answers...)
			r.bodies = tt.bodies
			u := upload.New(upload.Options{URL: r.srv.URL + "/", JobID: "42", Token: token, MaxAttempts: 3, Backoff: time.Millisecond})
			var mu sync.Mutex
			var evs []string
			err := u.Upload(t.Context(), path, nil, func(e pipeline.Event) {
				b, _ := pipeline.MarshalEvent(e)
				mu.Lock()
				evs = append(evs, string(b))
				mu.Unlock()
			})
			if tt.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if errors.Is(err, upload.ErrAuth) != tt.wantAuth {
				t.Errorf("errors.Is(%v, ErrAuth) = %v", err, !tt.wantAuth)
			}
			if len(r.uploads) != tt.attempts {
				t.Fatalf("relay saw %d uploads, want %d", len(r.uploads), tt.attempts)
			}
			for i, rec := range r.uploads {
				if rec.Auth != "Bearer "+token || rec.JobID != "42" || rec.FileName != "demo.docpack" || rec.SHA256 != sum || !strings.HasPrefix(rec.ContentType, "multipart/form-data; boundary=") {
					t.Errorf("upload %d = %+v", i, rec)
				}
			}
			all := strings.Join(evs, "\n")
			if strings.Contains(all, "retrying") != tt.wantRetry && tt.wantErr == "" {
				t.Errorf("retry warnings = %v, want %v:\n%s", !tt.wantRetry, tt.wantRetry, all)
			}
			if !strings.Contains(all, fmt.Sprintf(`"done":%d`, 1<<20+17)) {
				t.Errorf("no final progress event:\n%s", all)
			}
			if err != nil && strings.Contains(err.Error(), token) || strings.Contains(all, token) {
				t.Error("token leaked into errors or events")
			}
		})
	}
}

func TestUploadNetworkErrorRetried(t *testing.T) {
	path, _ := writeDocpack(t, 1000)
	// A listener that drops every connection, then a working relay on the same URL
	// is not possible, so count attempts at a server that hangs up.
	var mu sync.Mutex
	attempts := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		attempts++
		mu.Unlock()
		hj, _ := w.(http.Hijacker)
		c, _, _ := hj.Hijack()
		c.Close()
	}))
	defer srv.Close()
	u := upload.New(upload.Options{URL: srv.URL, JobID: "7", Token: token, MaxAttempts: 3, Backoff: time.Millisecond})
	err := u.Upload(t.Context(), path, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "after 3 attempts") || attempts != 3 {
		t.Fatalf("err = %v after %d attempts", err, attempts)
	}
	if strings.Contains(err.Error(), token) {
		t.Error("token in error")
	}
}

func TestComplete(t *testing.T) {
	r := newRelay(t)
	if err := upload.Complete(t.Context(), r.srv.URL, "42", token, upload.StatusFailed, "github: ref \"x\" not found"); err != nil {
		t.Fatal(err)
	}
	u := upload.New(upload.Options{URL: r.srv.URL, JobID: "43", Token: token})
	if err := u.Complete(t.Context(), upload.StatusSuccess, ""); err != nil {
		t.Fatal(err)
	}
	want := []map[string]string{
		{"job_id": "42", "status": "failed", "error": "github: ref \"x\" not found", "auth": "Bearer " + token},
		{"job_id": "43", "status": "success", "auth": "Bearer " + token},
	}
	if fmt.Sprint(r.complete) != fmt.Sprint(want) {
		t.Errorf("complete = %v, want %v", r.complete, want)
	}
}

// TestUploadStreams checks that memory does not grow with the docpack: a 48 MiB
// upload must allocate far less than 48 MiB in total (client and relay stand-in).
func TestUploadStreams(t *testing.T) {
	const size = 48 << 20
	path, sum := writeDocpack(t, size)
	r := newRelay(t)
	u := upload.New(upload.Options{URL: r.srv.URL, JobID: "big", Token: token})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if err := u.Upload(t.Context(), path, nil, nil); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if r.uploads[0].SHA256 != sum {
		t.Fatal("relay received different bytes")
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > size/8 {
		t.Errorf("uploading %d MiB allocated %d MiB: the body is being buffered", size>>20, alloc>>20)
	} else {
		t.Logf("uploading %d MiB allocated %.2f MiB", size>>20, float64(alloc)/(1<<20))
	}
}

func BenchmarkUpload(b *testing.B) {
	path, _ := writeDocpack(b, 8<<20)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	u := upload.New(upload.Options{URL: srv.URL, JobID: "b", Token: token})
	b.SetBytes(8 << 20)
	b.ReportAllocs()
	for b.Loop() {
		if err := u.Upload(b.Context(), path, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}
