package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

func TestKey(t *testing.T) {
	tests := []struct {
		owner, repo, sha, want string
	}{
		{"octo", "hello", "0123abcd", "docpacks/octo/hello/0123abcd.docpack"},
		{"octo-org", ".github", "ff", "docpacks/octo-org/.github/ff.docpack"},
		{"octo", "my_repo.rs", "ab", "docpacks/octo/my_repo.rs/ab.docpack"},
		{"..", "repo", "ab", ""},
		{"octo", ".", "ab", ""},
		{"octo", "a/b", "ab", ""},
		{"", "repo", "ab", ""},
		{"octo", "repo", "", ""},
		{"octo", "re po", "ab", ""},
		{"octo", "repo", "ab/../../x", ""},
		{"octo", "repo\\x", "ab", ""},
		{"oc\x00to", "repo", "ab", ""},
	}
	for _, tt := range tests {
		t.Run(tt.owner+"/"+tt.repo+"@"+tt.sha, func(t *testing.T) {
			if got := Key(tt.owner, tt.repo, tt.sha); got != tt.want {
				t.Errorf("Key(%q, %q, %q) = %q, want %q", tt.owner, tt.repo, tt.sha, got, tt.want)
			}
		})
	}
}

// oddKeys are keys every Storage must refuse.
var oddKeys = []string{
	"", "/abs/key", "../escape", "a/../../b", "a/./b", "a//b", "a/", ".", "..",
	"a b", "a?b", "a#b", "a%2Fb", "a\\b", "naïve", "a\x00b", "a\nb", "~put-123",
	strings.Repeat("a", MaxKeyLen+1),
}

func TestValidateKey(t *testing.T) {
	for _, k := range oddKeys {
		if err := ValidateKey(k); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ValidateKey(%q) = %v, want ErrInvalidKey", k, err)
		}
	}
	for _, k := range []string{"a", "docpacks/o/r/abc.docpack", "x/.github/y", "A-b_c.d"} {
		if err := ValidateKey(k); err != nil {
			t.Errorf("ValidateKey(%q) = %v, want nil", k, err)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"fs", Config{Kind: "fs", Dir: "/tmp/x"}, true},
		{"default kind is fs", Config{Dir: "/tmp/x"}, true},
		{"fs without dir", Config{Kind: "fs"}, false},
		{"s3", Config{Kind: "s3", Bucket: "b", AccessKeyID: "k", Secret: "s"}, true},
		{"s3 without bucket", Config{Kind: "s3", AccessKeyID: "k", Secret: "s"}, false},
		{"s3 key without secret", Config{Kind: "s3", Bucket: "b", AccessKeyID: "k"}, false},
		{"unknown kind", Config{Kind: "gcs"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if (err == nil) != tt.ok {
				t.Errorf("Validate() = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestConfigStringHidesSecret(t *testing.T) {
	cfg := Config{Kind: "s3", Endpoint: "http://user:pw-s3cr3t@127.0.0.1:1", Bucket: "b", AccessKeyID: "AKID", Secret: "s3cr3t-value"}
	if s := cfg.String(); strings.Contains(s, "s3cr3t") || strings.Contains(s, "AKID") {
		t.Errorf("Config.String() = %q shows a credential", s)
	}
}

func TestFS(t *testing.T) {
	testStorage(t, func(t testing.TB) Storage {
		st, err := New(t.Context(), Config{Kind: "fs", Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}, true)
}

func TestFSNoTempFilesLeft(t *testing.T) {
	dir := t.TempDir()
	st, err := NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if err := st.Put(ctx, "a/b", strings.NewReader("short"), 10); !errors.Is(err, ErrSizeMismatch) {
		t.Fatalf("Put with a short body = %v, want ErrSizeMismatch", err)
	}
	if err := st.Put(ctx, "a/c", strings.NewReader("ok"), 2); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir + "/a")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "c" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("files in a/ = %v, want only c", names)
	}
}

// newFakeS3 starts gofakes3 over real HTTP and returns S3 storage on it,
// configured exactly as in production.
func newFakeS3(t testing.TB) Storage {
	t.Helper()
	backend := s3mem.New()
	ts := httptest.NewServer(r2Strict(t, gofakes3.New(backend).Server()))
	t.Cleanup(ts.Close)
	if err := backend.CreateBucket("docpacks-test"); err != nil {
		t.Fatal(err)
	}
	st, err := New(t.Context(), Config{
		Kind: "s3", Endpoint: ts.URL, Bucket: "docpacks-test",
		AccessKeyID: "test-key", Secret: "test-secret",
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// r2Strict answers 501 NotImplemented, as R2 does, to a request carrying the
// SDK's default checksum trailers or aws-chunked framing, and fails the test.
func r2Strict(t testing.TB, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bad := r.Header.Get("X-Amz-Trailer") != "" ||
			strings.Contains(r.Header.Get("Content-Encoding"), "aws-chunked") ||
			strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-")
		for name := range r.Header {
			if strings.HasPrefix(strings.ToLower(name), "x-amz-checksum-") || strings.EqualFold(name, "X-Amz-Sdk-Checksum-Algorithm") {
				bad = true
			}
		}
		if bad {
			t.Errorf("%s %s carries checksum trailers or chunked framing: %v", r.Method, r.URL.Path, r.Header)
			http.Error(w, "NotImplemented", http.StatusNotImplemented)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func TestS3Fake(t *testing.T) {
	// gofakes3 keeps objects in this process's memory, so the memory check
	// would measure the server: it runs against versitygw instead.
	testStorage(t, newFakeS3, false)
}

func TestS3Versitygw(t *testing.T) {
	endpoint := os.Getenv("DOCTOWN_TEST_S3_ENDPOINT")
	if endpoint == "" {
		if os.Getenv("DOCTOWN_REQUIRE_ALL") == "1" {
			t.Fatal("DOCTOWN_TEST_S3_ENDPOINT is not set (start versitygw with .ci/versitygw.sh)")
		}
		t.Skip("DOCTOWN_TEST_S3_ENDPOINT is not set; run eval \"$(bash .ci/versitygw.sh)\"")
	}
	cfg := Config{
		Kind:        "s3",
		Endpoint:    endpoint,
		Bucket:      os.Getenv("DOCTOWN_TEST_S3_BUCKET"),
		AccessKeyID: os.Getenv("DOCTOWN_TEST_S3_ACCESS_KEY"),
		Secret:      os.Getenv("DOCTOWN_TEST_S3_SECRET"),
		Region:      os.Getenv("DOCTOWN_TEST_S3_REGION"),
	}
	testStorage(t, func(t testing.TB) Storage {
		st, err := New(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}, true)
}

// testStorage is the contract every Storage meets. Keys are unique per run so
// that a shared bucket can be reused.
func testStorage(t *testing.T, open func(t testing.TB) Storage, checkMemory bool) {
	prefix := "t" + time.Now().Format("150405.000000000") + "/"

	t.Run("put get delete", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		key := prefix + "docpacks/octo/hello/abc.docpack"
		body := []byte("PK\x03\x04 not really a zip")
		if err := st.Put(ctx, key, bytes.NewReader(body), int64(len(body))); err != nil {
			t.Fatalf("Put: %v", err)
		}
		if got, size := get(t, st, key); !bytes.Equal(got, body) || size != int64(len(body)) {
			t.Errorf("Get = %q (size %d), want %q (size %d)", got, size, body, len(body))
		}
		// Overwrite.
		body2 := []byte("second version")
		if err := st.Put(ctx, key, bytes.NewReader(body2), int64(len(body2))); err != nil {
			t.Fatalf("Put again: %v", err)
		}
		if got, _ := get(t, st, key); !bytes.Equal(got, body2) {
			t.Errorf("Get after overwrite = %q, want %q", got, body2)
		}
		if err := st.Delete(ctx, key); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if _, _, err := st.Get(ctx, key); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get after Delete = %v, want ErrNotFound", err)
		}
		if err := st.Delete(ctx, key); err != nil {
			t.Errorf("Delete of a missing object = %v, want nil", err)
		}
	})

	t.Run("empty object", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		key := prefix + "empty"
		if err := st.Put(ctx, key, strings.NewReader(""), 0); err != nil {
			t.Fatalf("Put: %v", err)
		}
		if got, size := get(t, st, key); len(got) != 0 || size != 0 {
			t.Errorf("Get = %d bytes (size %d), want empty", len(got), size)
		}
	})

	t.Run("not found", func(t *testing.T) {
		st := open(t)
		_, _, err := st.Get(t.Context(), prefix+"no/such/object.docpack")
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("Get of a missing key = %v, want ErrNotFound", err)
		}
	})

	t.Run("unknown size", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		for _, n := range []int64{1000, S3PartSize + S3PartSize/2} {
			key := prefix + "unknown-size"
			want := sumOf(n)
			if err := st.Put(ctx, key, &genReader{n: n}, -1); err != nil {
				t.Fatalf("Put %d bytes of unknown size: %v", n, err)
			}
			size, sum := getSum(t, st, key)
			if size != n || sum != want {
				t.Errorf("Get after an unknown-size Put of %d bytes: size %d, content differs: %v", n, size, sum != want)
			}
		}
	})

	t.Run("size mismatch stores nothing", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		for _, tt := range []struct {
			name string
			body string
			size int64
		}{{"short", "12345", 10}, {"long", "1234567890", 5}} {
			key := prefix + "mismatch-" + tt.name
			err := st.Put(ctx, key, strings.NewReader(tt.body), tt.size)
			if !errors.Is(err, ErrSizeMismatch) {
				t.Errorf("%s: Put = %v, want ErrSizeMismatch", tt.name, err)
			}
			if _, _, err := st.Get(ctx, key); !errors.Is(err, ErrNotFound) {
				t.Errorf("%s: Get after a failed Put = %v, want ErrNotFound", tt.name, err)
			}
		}
	})

	t.Run("readers never see a partial object", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		key := prefix + "atomic"
		old := []byte("old complete object")
		if err := st.Put(ctx, key, bytes.NewReader(old), int64(len(old))); err != nil {
			t.Fatal(err)
		}
		release := make(chan struct{})
		halfway := make(chan struct{})
		newBody := bytes.Repeat([]byte("n"), 1<<20)
		r := &pausingReader{r: bytes.NewReader(newBody), pauseAt: 1 << 19, halfway: halfway, release: release}
		done := make(chan error, 1)
		go func() { done <- st.Put(ctx, key, r, int64(len(newBody))) }()
		<-halfway
		if got, _ := get(t, st, key); !bytes.Equal(got, old) {
			t.Errorf("Get during a Put = %d bytes, want the old object (%d bytes)", len(got), len(old))
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if got, _ := get(t, st, key); !bytes.Equal(got, newBody) {
			t.Errorf("Get after the Put = %d bytes, want %d", len(got), len(newBody))
		}
	})

	t.Run("cancelled put stores nothing", func(t *testing.T) {
		st := open(t)
		ctx, cancel := context.WithCancel(t.Context())
		key := prefix + "cancelled"
		r := &pausingReader{r: &genReader{n: 4 << 20}, pauseAt: 1 << 20, halfway: make(chan struct{}), release: make(chan struct{})}
		go func() { <-r.halfway; cancel(); close(r.release) }()
		if err := st.Put(ctx, key, r, 4<<20); err == nil {
			t.Fatal("Put with a cancelled context succeeded")
		}
		if _, _, err := st.Get(t.Context(), key); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get after a cancelled Put = %v, want ErrNotFound", err)
		}
	})

	t.Run("large object streams", func(t *testing.T) {
		if testing.Short() {
			t.Skip("large object in -short mode")
		}
		st, ctx := open(t), t.Context()
		const n = 64 << 20
		key := prefix + "large.docpack"
		want := sumOf(n)
		peak := peakHeapGrowth(func() {
			if err := st.Put(ctx, key, &genReader{n: n}, n); err != nil {
				t.Fatalf("Put: %v", err)
			}
		})
		size, sum := getSum(t, st, key)
		if size != n || sum != want {
			t.Errorf("Get = %d bytes, content equal %v; want %d bytes, equal", size, sum == want, n)
		}
		t.Logf("heap growth during a %d MiB Put: %.1f MiB", n>>20, float64(peak)/(1<<20))
		// Buffering the object whole would take at least n bytes.
		if checkMemory && peak > 40<<20 {
			t.Errorf("heap grew by %d MiB while putting %d MiB: the body is buffered", peak>>20, n>>20)
		}
		if err := st.Delete(ctx, key); err != nil {
			t.Error(err)
		}
	})

	t.Run("rename and remove stale", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		from, to := prefix+"incoming/job-1-ab.docpack", prefix+"docpacks/octo/hello/def.docpack"
		old := []byte("the earlier object")
		if err := st.Put(ctx, to, bytes.NewReader(old), int64(len(old))); err != nil {
			t.Fatal(err)
		}
		body := []byte("the accepted upload")
		if err := st.Put(ctx, from, bytes.NewReader(body), int64(len(body))); err != nil {
			t.Fatal(err)
		}
		if err := st.Rename(ctx, from, to); err != nil {
			t.Fatalf("Rename: %v", err)
		}
		if got, _ := get(t, st, to); !bytes.Equal(got, body) {
			t.Errorf("after Rename, Get = %q, want %q", got, body)
		}
		if _, _, err := st.Get(ctx, from); !errors.Is(err, ErrNotFound) {
			t.Errorf("the source is still there after Rename: %v", err)
		}
		if err := st.Rename(ctx, from, to); !errors.Is(err, ErrNotFound) {
			t.Errorf("Rename of a missing object = %v, want ErrNotFound", err)
		}
		stale := prefix + "incoming/job-2-cd.docpack"
		if err := st.Put(ctx, stale, strings.NewReader("x"), 1); err != nil {
			t.Fatal(err)
		}
		if n, err := st.RemoveStale(ctx, prefix+"incoming/", time.Now().Add(-time.Hour)); err != nil || n != 0 {
			t.Errorf("RemoveStale of nothing old = %d, %v", n, err)
		}
		if n, err := st.RemoveStale(ctx, prefix+"incoming/", time.Now().Add(time.Minute)); err != nil || n != 1 {
			t.Errorf("RemoveStale = %d, %v; want 1", n, err)
		}
		if _, _, err := st.Get(ctx, stale); !errors.Is(err, ErrNotFound) {
			t.Errorf("a stale incoming object is still there: %v", err)
		}
		if got, _ := get(t, st, to); !bytes.Equal(got, body) {
			t.Error("RemoveStale touched an object outside its prefix")
		}
	})

	t.Run("odd keys refused", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		for _, k := range oddKeys {
			if err := st.Put(ctx, k, strings.NewReader("x"), 1); !errors.Is(err, ErrInvalidKey) {
				t.Errorf("Put(%q) = %v, want ErrInvalidKey", k, err)
			}
			if _, _, err := st.Get(ctx, k); !errors.Is(err, ErrInvalidKey) {
				t.Errorf("Get(%q) = %v, want ErrInvalidKey", k, err)
			}
			if err := st.Delete(ctx, k); !errors.Is(err, ErrInvalidKey) {
				t.Errorf("Delete(%q) = %v, want ErrInvalidKey", k, err)
			}
		}
	})
}

func get(t *testing.T, st Storage, key string) ([]byte, int64) {
	t.Helper()
	rc, size, err := st.Get(t.Context(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return b, size
}

// getSum streams an object into a hash and checks the reported size.
func getSum(t *testing.T, st Storage, key string) (int64, [32]byte) {
	t.Helper()
	rc, size, err := st.Get(t.Context(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	if n != size {
		t.Errorf("Get(%q) said %d bytes, gave %d", key, size, n)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return n, sum
}

// genReader yields n deterministic pseudo-random bytes. It is deliberately
// only an io.Reader: not seekable, no length, no WriterTo.
type genReader struct {
	n, off int64
	x      uint64
}

func (g *genReader) Read(p []byte) (int, error) {
	if g.off >= g.n {
		return 0, io.EOF
	}
	if rem := g.n - g.off; int64(len(p)) > rem {
		p = p[:rem]
	}
	if g.x == 0 {
		g.x = 0x9e3779b97f4a7c15
	}
	for i := range p {
		g.x ^= g.x << 13
		g.x ^= g.x >> 7
		g.x ^= g.x << 17
		p[i] = byte(g.x)
	}
	g.off += int64(len(p))
	return len(p), nil
}

func sumOf(n int64) [32]byte {
	h := sha256.New()
	io.Copy(h, &genReader{n: n})
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

// pausingReader stops after pauseAt bytes until release is closed.
type pausingReader struct {
	r       io.Reader
	pauseAt int64
	n       int64
	once    sync.Once
	halfway chan struct{}
	release chan struct{}
}

func (p *pausingReader) Read(b []byte) (int, error) {
	if p.n >= p.pauseAt {
		p.once.Do(func() { close(p.halfway) })
		<-p.release
	} else if rem := p.pauseAt - p.n; int64(len(b)) > rem {
		b = b[:rem]
	}
	n, err := p.r.Read(b)
	p.n += int64(n)
	return n, err
}

// peakHeapGrowth runs f and returns how far the live heap rose above where it
// started, sampled every few milliseconds. The collector runs often meanwhile
// so that the heap is close to what is live rather than garbage not yet swept.
func peakHeapGrowth(f func()) uint64 {
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var ms runtime.MemStats
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > base && ms.HeapAlloc-base > peak.Load() {
				peak.Store(ms.HeapAlloc - base)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	})
	f()
	close(stop)
	wg.Wait()
	return peak.Load()
}
