package relay

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/relay/config"
	"github.com/doctown/doctown/relay/dispatch"
	"github.com/doctown/doctown/relay/jobs"
	"github.com/doctown/doctown/relay/secret"
	"github.com/doctown/doctown/relay/store"
)

// fileBuild "builds" a commit by writing testDocpack for it: the tests here
// are about the relay, not the pipeline.
func fileBuild(t testing.TB) dispatch.BuildFunc {
	return func(ctx context.Context, req dispatch.BuildRequest) (string, error) {
		p := filepath.Join(req.OutputDir, "build.docpack")
		return p, os.WriteFile(p, testDocpack(t, req.Owner+"/"+req.Repo, req.SHA), 0o644)
	}
}

// TestHTTPAttacks is the table of attacks on the relay's HTTP side that need
// no secret: each must be refused with its status and leave no job.
func TestHTTPAttacks(t *testing.T) {
	e := newEnv(t)
	r := startRelay(t, e, relayOpts{deps: Deps{Build: holdBuild}})
	sha := e.shas["acme/alpha"]
	body, _ := json.Marshal(pushPayload("acme/alpha", "refs/heads/main", sha))
	macWith := func(prefix string, h func() hash.Hash) string {
		m := hmac.New(h, []byte(testSecret))
		m.Write(body)
		return prefix + hex.EncodeToString(m.Sum(nil))
	}
	hook := func(mod func(*webhook)) webhook {
		h := webhook{event: "push", delivery: newDelivery(), body: body, sig256: sign(testSecret, body)}
		mod(&h)
		return h
	}
	pushOf := func(full string) webhook {
		return signedHook("push", pushPayload(full, "refs/heads/main", sha))
	}
	for _, tc := range []struct {
		name string
		h    webhook
		want int
	}{
		{"sha1= in X-Hub-Signature-256", hook(func(h *webhook) { h.sig256 = macWith("sha1=", sha1.New) }), http.StatusUnauthorized},
		{"sha512= in X-Hub-Signature-256", hook(func(h *webhook) { h.sig256 = macWith("sha512=", sha512.New) }), http.StatusUnauthorized},
		{"SHA256= upper case", hook(func(h *webhook) { h.sig256 = "SHA256=" + strings.TrimPrefix(h.sig256, "sha256=") }), http.StatusUnauthorized},
		{"signature not hex", hook(func(h *webhook) { h.sig256 = "sha256=" + strings.Repeat("zz", 32) }), http.StatusUnauthorized},
		{"60,000-byte delivery id", hook(func(h *webhook) { h.delivery = strings.Repeat("d", 60000) }), http.StatusBadRequest},
		{"repository ../..", pushOf("%2e%2e/%2e%2e"), http.StatusOK},
		{"repository acme/..", pushOf("acme/.."), http.StatusOK},
		{"repository acme/%2e%2e", pushOf("acme/%2e%2e"), http.StatusOK},
		{"5,000-character repository", pushOf("acme/" + strings.Repeat("a", 5000)), http.StatusOK},
		{"owner with a leading hyphen", pushOf("-acme/alpha"), http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, ans := r.send(t, tc.h)
			if code != tc.want {
				t.Fatalf("status %d (%s), want %d", code, secret.Truncate(ans, 300), tc.want)
			}
			if n := len(allJobs(t, r.Server)); n != 0 {
				t.Fatalf("%d jobs recorded", n)
			}
		})
	}
	for _, path := range []string{"/api/docpacks?cursor=garbage", "/?cursor=garbage", "/api/docpacks?cursor=MHw%25" /* a real cursor's start, then a stray escape */} {
		t.Run("bad cursor "+path, func(t *testing.T) {
			resp, err := http.Get(r.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", resp.StatusCode)
			}
		})
	}
	if strings.Contains(r.logs.String(), `"level":"ERROR"`) {
		t.Errorf("an attack logged an ERROR:\n%s", grepLines(r.logs.String(), `"ERROR"`))
	}
}

// TestStalledWebhookBodies: connections that send most of a large body under
// a made-up signature and stall are closed by the read timeout, and the bytes
// they hold stay within the webhook budget (a delivery past it gets 503).
func TestStalledWebhookBodies(t *testing.T) {
	e := newEnv(t)
	r := startRelay(t, e, relayOpts{deps: Deps{Build: holdBuild}, cfg: func(c *config.Config) {
		c.ReadTimeout = time.Second
		c.WebhookMemory = config.MaxWebhookBody
	}})
	const conns, sent = 10, 4 << 20
	fake := "sha256=" + strings.Repeat("00", 32)
	var wg sync.WaitGroup
	closed := make(chan time.Duration, conns)
	for range conns {
		c, err := net.Dial("tcp", strings.TrimPrefix(r.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-GitHub-Event: push\r\nX-GitHub-Delivery: %s\r\nX-Hub-Signature-256: %s\r\nContent-Length: %d\r\n\r\n",
			newDelivery(), fake, 20<<20)
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			c.Write(make([]byte, sent)) // fails once the server gives up: fine
			// Stall; the server must end the connection by itself.
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			io.Copy(io.Discard, c)
			closed <- time.Since(start)
		}()
	}
	wg.Wait()
	close(closed)
	for d := range closed {
		if d > 8*time.Second {
			t.Fatalf("a stalled connection stayed open %v", d.Round(time.Second))
		}
	}
	if n := r.webhookBodies.InUse(); n != 0 {
		t.Fatalf("%d bytes of the webhook budget were not given back after the connections closed", n)
	}
	// A real delivery still goes through.
	if code, ans := r.send(t, signedHook("push", pushPayload("acme/alpha", "refs/heads/main", e.shas["acme/alpha"]))); code != http.StatusAccepted {
		t.Fatalf("signed delivery after the attack: %d %s", code, ans)
	}
}

// TestUploadValidation: docpacks the reader would open but `doctown validate`
// refuses, and one whose extra entry inflates past its declared size, are
// refused with 422 — which never names the server's temporary path — and
// nothing is stored.
func TestUploadValidation(t *testing.T) {
	e := newEnv(t)
	r := startRelay(t, e, relayOpts{deps: Deps{Build: holdBuild}})
	sha := e.shas["acme/alpha"]
	code, ans := r.send(t, signedHook("push", pushPayload("acme/alpha", "refs/heads/main", sha)))
	var wa webhookAnswer
	json.Unmarshal([]byte(ans), &wa)
	if code != http.StatusAccepted || len(wa.Jobs) != 1 {
		t.Fatalf("push: %d %s", code, ans)
	}
	id := wa.Jobs[0].JobID
	waitFor(t, "job running", 30*time.Second, func() bool { j, _ := r.Job(context.Background(), id); return j != nil && j.State == jobs.StateRunning })
	tok := r.tokens.Sign(id, time.Now().Add(time.Hour))
	valid := testDocpack(t, "acme/alpha", sha)

	replace := func(name string, data []byte) []byte {
		zr, _ := zip.NewReader(bytes.NewReader(valid), int64(len(valid)))
		var out bytes.Buffer
		zw := zip.NewWriter(&out)
		for _, f := range zr.File {
			if f.Name != name {
				zw.Copy(f)
			}
		}
		w, _ := zw.Create(name)
		w.Write(data)
		zw.Close()
		return out.Bytes()
	}
	var m map[string]any
	{
		zr, _ := zip.NewReader(bytes.NewReader(valid), int64(len(valid)))
		for _, f := range zr.File {
			if f.Name == docpack.ManifestName {
				rc, _ := f.Open()
				json.NewDecoder(rc).Decode(&m)
				rc.Close()
			}
		}
	}
	manifestWith := func(k string, v any) []byte {
		mm := map[string]any{}
		for kk, vv := range m {
			mm[kk] = vv
		}
		mm[k] = v
		b, _ := json.Marshal(mm)
		return replace(docpack.ManifestName, b)
	}
	// An extra entry that declares 1 KiB and inflates to 8 MiB.
	lying := rewriteZip(t, valid, func(zw *zip.Writer) {
		lyingEntry(zw, "assets/extra.bin", 1024, bytes.Repeat([]byte("A"), 8<<20))
	})
	for _, tc := range []struct {
		name string
		file []byte
	}{
		{"symbol count that lies", manifestWith("symbol_count", 7)},
		{"doc count that lies", manifestWith("doc_count", 9)},
		{"symbols not matching the schema", replace(docpack.SymbolsName, []byte(`[{"id":"f1"}]`))},
		{"doc for an unknown symbol", rewriteZip(t, valid, func(zw *zip.Writer) {
			w, _ := zw.Create(docpack.DocName("nope"))
			w.Write([]byte(`{"symbol_id":"nope","summary":"x","source":"comments"}`))
		})},
		{"extra entry that under-declares its size", lying},
		{"not a zip", []byte("hello")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, ans := postUpload(t, r.URL, tok, id, tc.file)
			if code != http.StatusUnprocessableEntity {
				t.Fatalf("status %d (%s), want 422", code, secret.Truncate(ans, 400))
			}
			if strings.Contains(ans, r.cfg.DataDir) || strings.Contains(ans, os.TempDir()) {
				t.Errorf("the answer names a server path: %s", ans)
			}
			if rc, _, err := e.store.Get(context.Background(), store.Key("acme", "alpha", sha)); err == nil {
				rc.Close()
				t.Fatal("stored after a refused upload")
			}
		})
	}
	if code, ans := postUpload(t, r.URL, tok, id, valid); code != http.StatusCreated {
		t.Fatalf("valid upload: %d %s", code, ans)
	}
}

// TestRacingUploads: different valid docpacks uploaded to one job at once —
// one wins, and the object stored (and its catalog size) is the winner's.
func TestRacingUploads(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	fs, err := store.NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := startRelay(t, e, relayOpts{deps: Deps{Build: holdBuild, Storage: fs}, cfg: func(c *config.Config) { c.Workers = 4 }})
	for round := range 3 {
		sha := secret.Hex(20)
		code, ans := r.send(t, signedHook("push", pushPayload("acme/alpha", "refs/heads/main", sha)))
		var wa webhookAnswer
		json.Unmarshal([]byte(ans), &wa)
		if code != http.StatusAccepted {
			t.Fatalf("push: %d %s", code, ans)
		}
		id := wa.Jobs[0].JobID
		waitFor(t, "job running", 30*time.Second, func() bool { j, _ := r.Job(context.Background(), id); return j != nil && j.State == jobs.StateRunning })
		tok := r.tokens.Sign(id, time.Now().Add(time.Hour))
		const n = 12
		files := make([][]byte, n)
		for i := range files {
			// Each a different size: padding entries of i KiB.
			files[i] = rewriteZip(t, testDocpack(t, "acme/alpha", sha), func(zw *zip.Writer) {
				w, _ := zw.CreateHeader(&zip.FileHeader{Name: "pad.bin", Method: zip.Store})
				w.Write(bytes.Repeat([]byte{byte(i)}, i<<10))
			})
		}
		codes := make([]int, n)
		var wg sync.WaitGroup
		for i := range files {
			wg.Add(1)
			go func() { defer wg.Done(); codes[i], _ = postUpload(t, r.URL, tok, id, files[i]) }()
		}
		wg.Wait()
		winner := -1
		for i, c := range codes {
			switch c {
			case http.StatusCreated:
				if winner >= 0 {
					t.Fatalf("round %d: two uploads won (%d and %d)", round, winner, i)
				}
				winner = i
			case http.StatusConflict:
			default:
				t.Fatalf("round %d: upload %d got %d", round, i, c)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: no upload won: %v", round, codes)
		}
		rc, size, err := fs.Get(context.Background(), store.Key("acme", "alpha", sha))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(got, files[winner]) {
			t.Fatalf("round %d: the stored object is not the accepted upload (%d bytes, the winner's %d)", round, size, len(files[winner]))
		}
		ent, err := r.Catalog().Get(context.Background(), "acme", "alpha", sha)
		if err != nil || ent.Size != int64(len(files[winner])) {
			t.Fatalf("round %d: catalog %+v %v, want size %d", round, ent, err, len(files[winner]))
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "incoming", "*")); len(left) != 0 {
		t.Errorf("incoming objects left: %v", left)
	}
}

// TestForcePushBackMovesLatest: push X, push Y, force-push X — latest is X
// again, though X's push is a duplicate of a built commit.
func TestForcePushBackMovesLatest(t *testing.T) {
	e := newEnv(t)
	clock := &stepClock{t: time.Unix(1_800_000_000, 0)}
	r := startRelay(t, e, relayOpts{deps: Deps{Build: fileBuild(t), Now: clock.Now}})
	x, y := secret.Hex(20), secret.Hex(20)
	latest := func() string {
		ent, err := r.Catalog().Latest(context.Background(), "acme", "alpha")
		if err != nil {
			return ""
		}
		return ent.SHA
	}
	for i, sha := range []string{x, y, x} {
		code, ans := r.send(t, signedHook("push", pushPayload("acme/alpha", "refs/heads/main", sha)))
		if code != http.StatusAccepted {
			t.Fatalf("push %d: %d %s", i, code, ans)
		}
		waitFor(t, fmt.Sprintf("latest %d", i), 30*time.Second, func() bool { return latest() == sha })
	}
	var list struct {
		Docpacks []struct{ SHA string } `json:"docpacks"`
	}
	getJSON(t, r.URL+"/api/docpacks?repo=alpha&owner=acme", &list)
	resp, err := http.Get(r.URL + "/api/docpacks/acme/alpha")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(b, testDocpack(t, "acme/alpha", x)) {
		t.Errorf("the latest download is not X's docpack")
	}
}

// stepClock advances a second on every reading, so pushes are ordered.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}
