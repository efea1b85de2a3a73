package relay

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/relay/commons"
	"github.com/doctown/doctown/relay/config"
	"github.com/doctown/doctown/relay/dispatch"
	"github.com/doctown/doctown/relay/jobs"
	"github.com/doctown/doctown/relay/store"
)

func TestWebhookSecurity(t *testing.T) {
	e := newEnv(t)
	bc := newBuildCounter(func(ctx context.Context, req dispatch.BuildRequest) (string, error) {
		<-ctx.Done() // nothing is built in this test
		return "", ctx.Err()
	})
	r := startRelay(t, e, relayOpts{deps: Deps{Build: bc.Build}})
	sha := e.shas["acme/alpha"]
	good := signedHook("push", pushPayload("acme/alpha", "refs/heads/main", sha))

	wrongSig := good
	wrongSig.delivery = newDelivery()
	wrongSig.sig256 = sign("not-the-secret", good.body)

	sha1Only := good
	sha1Only.delivery = newDelivery()
	sha1Only.sig256 = ""
	m := hmac.New(sha1.New, []byte(testSecret))
	m.Write(good.body)
	sha1Only.sig1 = "sha1=" + hex.EncodeToString(m.Sum(nil))

	unsigned := good
	unsigned.delivery = newDelivery()
	unsigned.sig256 = ""

	tampered := good
	tampered.delivery = newDelivery()
	tampered.body = bytes.Replace(good.body, []byte("alpha"), []byte("gamma"), -1)

	big := make([]byte, config.MaxWebhookBody+1)
	copy(big, `{"ref":"`)
	oversized := webhook{event: "push", delivery: newDelivery(), body: big, sig256: sign(testSecret, big)}

	for _, tc := range []struct {
		name string
		h    webhook
		want int
	}{
		{"wrong signature", wrongSig, http.StatusUnauthorized},
		{"sha1 only", sha1Only, http.StatusUnauthorized},
		{"no signature", unsigned, http.StatusUnauthorized},
		{"tampered body", tampered, http.StatusUnauthorized},
		{"oversized body", oversized, http.StatusRequestEntityTooLarge},
		{"other branch", signedHook("push", pushPayload("acme/alpha", "refs/heads/feature", sha)), http.StatusOK},
		{"branch deleted", signedHook("push", pushPayload("acme/alpha", "refs/heads/main", zeroSHA)), http.StatusOK},
		{"tag (not enabled)", signedHook("push", pushPayload("acme/alpha", "refs/tags/v1.0.0", sha)), http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := r.send(t, tc.h)
			if code != tc.want {
				t.Fatalf("status %d (%s), want %d", code, body, tc.want)
			}
			if n := len(allJobs(t, r.Server)); n != 0 {
				t.Fatalf("%d jobs recorded", n)
			}
		})
	}

	t.Run("replayed delivery", func(t *testing.T) {
		code, body := r.send(t, good)
		if code != http.StatusAccepted {
			t.Fatalf("first delivery: %d %s", code, body)
		}
		// The same delivery again, and the same commit under a new delivery id.
		code, body = r.send(t, good)
		if code != http.StatusOK || !strings.Contains(body, `"duplicate"`) {
			t.Fatalf("replay: %d %s", code, body)
		}
		again := good
		again.delivery = newDelivery()
		code, body = r.send(t, again)
		if code != http.StatusAccepted || !strings.Contains(body, `"duplicate":true`) {
			t.Fatalf("same commit, new delivery: %d %s", code, body)
		}
		if n := len(allJobs(t, r.Server)); n != 1 {
			t.Fatalf("%d jobs, want 1", n)
		}
		// Only the first delivery created a job: the replay and the same commit
		// under a new delivery id both count as duplicates.
		m := metricsText(t, r.URL)
		for _, want := range []string{
			`doctown_relay_webhooks_total{event="push",result="accepted"} 1` + "\n",
			`doctown_relay_webhooks_total{event="push",result="duplicate"} 2` + "\n",
		} {
			if !strings.Contains(m, want) {
				t.Errorf("metrics lack %q:\n%s", want, grepLines(m, "webhooks_total"))
			}
		}
	})

	t.Run("removal cancels pending jobs", func(t *testing.T) {
		// Workers are busy with alpha; beta's job stays queued until removed.
		code, _ := r.send(t, signedHook("push", pushPayload("acme/beta", "refs/heads/main", e.shas["acme/beta"])))
		code2, _ := r.send(t, signedHook("push", pushPayload("acme/gamma", "refs/heads/main", e.shas["acme/gamma"])))
		if code != http.StatusAccepted || code2 != http.StatusAccepted {
			t.Fatalf("pushes: %d %d", code, code2)
		}
		waitFor(t, "a job running", 30*time.Second, func() bool {
			for _, j := range allJobs(t, r.Server) {
				if j.State == jobs.StateRunning {
					return true
				}
			}
			return false
		})
		removed := reposAddedPayload()
		removed["action"] = "removed"
		removed["repositories_added"] = []any{}
		removed["repositories_removed"] = []any{map[string]any{"id": 2, "name": "beta", "full_name": "acme/beta"}, map[string]any{"id": 3, "name": "gamma", "full_name": "acme/gamma"}}
		code, body := r.send(t, signedHook("installation_repositories", removed))
		if code != http.StatusAccepted {
			t.Fatalf("removed: %d %s", code, body)
		}
		states := map[string]string{}
		for _, j := range allJobs(t, r.Server) {
			states[j.Repo] = j.State
		}
		// Two workers: alpha and one of beta/gamma may already run; whatever was
		// still queued is now canceled, and nothing queued is left.
		for repo, st := range states {
			if st == jobs.StateQueued {
				t.Errorf("%s still queued after removal", repo)
			}
		}
		var ans webhookAnswer
		json.Unmarshal([]byte(body), &ans)
		if len(ans.Cancel) == 0 && states["beta"] != jobs.StateRunning && states["gamma"] != jobs.StateRunning {
			t.Errorf("nothing canceled: %s", body)
		}
	})
}

// testDocpack writes a docpack for repo@sha and returns its bytes.
func testDocpack(t testing.TB, repo, sha string) []byte {
	t.Helper()
	return testDocpackRepo(t, docpack.Repository{Name: repo, CommitSHA: sha})
}

// testDocpackRepo is testDocpack with the manifest's whole repository.
func testDocpackRepo(t testing.TB, repo docpack.Repository) []byte {
	t.Helper()
	var buf bytes.Buffer
	sym := docpack.Symbol{
		ID: "f1", Name: "add", Path: "x::add", Crate: "x", SymbolType: docpack.KindFunction, Visibility: "pub",
		Signature: "pub fn add(a: i32, b: i32) -> i32", Parameters: []docpack.Parameter{{Name: "a", ParamType: "i32"}, {Name: "b", ParamType: "i32"}},
		File: "src/lib.rs", Line: 1, EndLine: 1, Attributes: []string{}, Dependencies: []string{}, SourceHash: strings.Repeat("0", 64),
	}
	m := &docpack.Manifest{
		Version: docpack.FormatVersion, GeneratedAt: time.Unix(1700000000, 0).UTC(),
		Repository:  repo,
		Crates:      []docpack.Crate{{Name: "x", Root: "src/lib.rs"}},
		SymbolCount: 1, DocCount: 1, Counts: map[docpack.Kind]int{docpack.KindFunction: 1},
		Generator: docpack.GeneratorInfo{Name: "extractive"}, Tool: docpack.Tool{Name: "doctown", Version: "test"},
	}
	docs := map[string]docpack.Doc{"f1": {SymbolID: "f1", Summary: "Adds two numbers.", Source: docpack.DocFromComments}}
	if err := docpack.Write(&buf, m, []docpack.Symbol{sym}, docs); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// lyingEntry adds a deflated entry holding data whose header declares
// declared bytes unpacked (and data's CRC-32).
func lyingEntry(zw *zip.Writer, name string, declared uint64, data []byte) {
	var comp bytes.Buffer
	cw := zip.NewWriter(&comp)
	w, _ := cw.CreateHeader(&zip.FileHeader{Name: "tmp", Method: zip.Deflate})
	w.Write(data)
	cw.Close()
	cr, _ := zip.NewReader(bytes.NewReader(comp.Bytes()), int64(comp.Len()))
	raw, _ := cr.File[0].OpenRaw()
	rawBytes, _ := io.ReadAll(raw)
	hw, _ := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: cr.File[0].CRC32,
		CompressedSize64: uint64(len(rawBytes)), UncompressedSize64: declared})
	hw.Write(rawBytes)
}

// rewriteZip copies a zip, then adds extra entries (raw, so headers may lie).
func rewriteZip(t testing.TB, src []byte, add func(zw *zip.Writer)) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(src), int64(len(src)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	add(zw)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func uploadBody(t testing.TB, jobID string, file []byte) (string, *bytes.Buffer) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if jobID != "" {
		mw.WriteField("job_id", jobID)
	}
	if file != nil {
		fw, _ := mw.CreateFormFile("file", "x.docpack")
		fw.Write(file)
	}
	mw.Close()
	return mw.FormDataContentType(), &b
}

func postUpload(t testing.TB, base, token, jobID string, file []byte) (int, string) {
	t.Helper()
	ct, body := uploadBody(t, jobID, file)
	req, _ := http.NewRequest(http.MethodPost, base+"/api/docpack/upload", body)
	req.Header.Set("Content-Type", ct)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestUploadSecurity holds two jobs open (their builds wait) and throws bad
// uploads at the relay: each gets its status and nothing reaches the store or
// the catalog; then the right upload is accepted once.
func TestUploadSecurity(t *testing.T) {
	e := newEnv(t)
	release := make(chan struct{})
	r := startRelay(t, e, relayOpts{
		deps: Deps{Build: func(ctx context.Context, req dispatch.BuildRequest) (string, error) {
			select {
			case <-release:
			case <-ctx.Done():
			}
			return "", errors.New("held for the upload test")
		}},
		cfg: func(c *config.Config) { c.MaxUpload = 256 << 10 },
	})
	defer close(release)
	alpha, beta := e.shas["acme/alpha"], e.shas["acme/beta"]
	ids := map[string]string{}
	for _, repo := range []string{"alpha", "beta"} {
		code, body := r.send(t, signedHook("push", pushPayload("acme/"+repo, "refs/heads/main", e.shas["acme/"+repo])))
		var ans webhookAnswer
		json.Unmarshal([]byte(body), &ans)
		if code != http.StatusAccepted || len(ans.Jobs) != 1 {
			t.Fatalf("push %s: %d %s", repo, code, body)
		}
		ids[repo] = ans.Jobs[0].JobID
	}
	waitFor(t, "both jobs running", 30*time.Second, func() bool {
		for _, j := range allJobs(t, r.Server) {
			if j.State != jobs.StateRunning {
				return false
			}
		}
		return true
	})
	tokA := r.tokens.Sign(ids["alpha"], time.Now().Add(time.Hour))
	tokB := r.tokens.Sign(ids["beta"], time.Now().Add(time.Hour))
	expired := r.tokens.Sign(ids["alpha"], time.Now().Add(-time.Second))
	forged := NewUploadTokens("another-secret").Sign(ids["alpha"], time.Now().Add(time.Hour))

	valid := testDocpack(t, "acme/alpha", alpha)
	slip := rewriteZip(t, valid, func(zw *zip.Writer) {
		w, _ := zw.Create("../../etc/evil")
		w.Write([]byte("x"))
	})
	// A bomb: symbols.json declares 1 KiB but inflates to 8 MiB of spaces, and
	// a doc declares 1 GiB.
	var bomb []byte
	{
		zr, _ := zip.NewReader(bytes.NewReader(valid), int64(len(valid)))
		var out bytes.Buffer
		zw := zip.NewWriter(&out)
		for _, f := range zr.File {
			if f.Name == docpack.ManifestName {
				zw.Copy(f)
			}
		}
		big := bytes.Repeat([]byte(" "), 8<<20)
		lyingEntry(zw, "symbols.json", 1024, big)
		lyingEntry(zw, "docs/f1.json", 1<<30, big)
		zw.Close()
		bomb = out.Bytes()
	}
	wrongRepo := testDocpack(t, "acme/beta", alpha)
	wrongSHA := testDocpack(t, "acme/alpha", beta)
	tooBig := append(append([]byte{}, valid...), make([]byte, 300<<10)...)

	for _, tc := range []struct {
		name, token, job string
		file             []byte
		want             int
	}{
		{"no token", "", ids["alpha"], valid, http.StatusUnauthorized},
		{"garbage token", "v1.nope", ids["alpha"], valid, http.StatusUnauthorized},
		{"forged token", forged, ids["alpha"], valid, http.StatusUnauthorized},
		{"expired token", expired, ids["alpha"], valid, http.StatusUnauthorized},
		{"another job's token", tokB, ids["alpha"], valid, http.StatusForbidden},
		{"zip slip", tokA, ids["alpha"], slip, http.StatusUnprocessableEntity},
		{"zip bomb", tokA, ids["alpha"], bomb, http.StatusUnprocessableEntity},
		{"not a zip", tokA, ids["alpha"], []byte("hello"), http.StatusUnprocessableEntity},
		{"wrong repo", tokA, ids["alpha"], wrongRepo, http.StatusUnprocessableEntity},
		{"wrong commit", tokA, ids["alpha"], wrongSHA, http.StatusUnprocessableEntity},
		{"beta's docpack with beta's token on alpha's job", tokB, ids["alpha"], testDocpack(t, "acme/beta", beta), http.StatusForbidden},
		{"too large", tokA, ids["alpha"], tooBig, http.StatusRequestEntityTooLarge},
		{"no file", tokA, ids["alpha"], nil, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := postUpload(t, r.URL, tc.token, tc.job, tc.file)
			if code != tc.want {
				t.Fatalf("status %d (%s), want %d", code, body, tc.want)
			}
			for _, k := range []string{store.Key("acme", "alpha", alpha), store.Key("acme", "beta", beta)} {
				if rc, _, err := e.store.Get(context.Background(), k); !errors.Is(err, store.ErrNotFound) {
					if rc != nil {
						rc.Close()
					}
					t.Fatalf("%s stored after a refused upload (err %v)", k, err)
				}
			}
			if ents, _, _ := r.Catalog().List(context.Background(), commons.ListQuery{}); len(ents) != 0 {
				t.Fatalf("catalog lists %d entries", len(ents))
			}
		})
	}

	// Complete with another job's token is refused too.
	req, _ := http.NewRequest(http.MethodPost, r.URL+"/api/docpack/complete", strings.NewReader(`{"job_id":"`+ids["alpha"]+`","status":"failed","error":"x"}`))
	req.Header.Set("Authorization", "Bearer "+tokB)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("complete with another job's token: %d", resp.StatusCode)
	}

	// The right upload is stored and listed, once.
	if code, body := postUpload(t, r.URL, tokA, ids["alpha"], valid); code != http.StatusCreated {
		t.Fatalf("valid upload: %d %s", code, body)
	}
	if code, body := postUpload(t, r.URL, tokA, ids["alpha"], valid); code != http.StatusConflict {
		t.Errorf("second upload: %d %s, want 409", code, body)
	}
	rc, size, err := e.store.Get(context.Background(), store.Key("acme", "alpha", alpha))
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if size != int64(len(valid)) {
		t.Errorf("stored %d bytes, uploaded %d", size, len(valid))
	}
	if ent, err := r.Catalog().Latest(context.Background(), "acme", "alpha"); err != nil || ent.SHA != alpha {
		t.Errorf("latest = %+v, %v", ent, err)
	}
	// The temporary files are gone.
	if m, _ := filepath.Glob(filepath.Join(r.cfg.DataDir, "tmp", "upload-*")); len(m) != 0 {
		t.Errorf("temporary uploads left: %v", m)
	}
}

// metricsText returns the relay's /metrics page.
func metricsText(t testing.TB, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
