package githubapp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/semaphore"
)

// Errors of reading a signed webhook body, each mapped to a status by the
// webhook handler.
var (
	ErrSignatureFormat = errors.New("X-Hub-Signature-256 must be sha256= and 64 hex digits")
	ErrSignature       = errors.New("invalid signature")
	ErrBodyTooLarge    = errors.New("payload too large")
	ErrBodyBudget      = errors.New("too many webhook bodies in flight")
)

// ParseSignature256 decodes an X-Hub-Signature-256 value. Only "sha256=" is
// accepted: the header names the hash, and a library that picks the hash from
// the prefix takes a valid HMAC-SHA1 for a SHA-256 one.
func ParseSignature256(h string) ([]byte, error) {
	hexSum, ok := strings.CutPrefix(strings.TrimSpace(h), "sha256=")
	if !ok || len(hexSum) != 2*sha256.Size {
		return nil, ErrSignatureFormat
	}
	sum, err := hex.DecodeString(hexSum)
	if err != nil {
		return nil, ErrSignatureFormat
	}
	return sum, nil
}

// BodyBudget bounds the webhook bytes held in memory by all requests at once:
// a body is charged as it arrives, so connections that send most of a large
// body and stall cannot grow the heap past the budget (the read timeout then
// closes them).
type BodyBudget struct {
	sem   *semaphore.Weighted
	inUse atomic.Int64
}

// NewBodyBudget allows n bytes of webhook bodies at once.
func NewBodyBudget(n int64) *BodyBudget { return &BodyBudget{sem: semaphore.NewWeighted(n)} }

// InUse is how many bytes of bodies are held now.
func (b *BodyBudget) InUse() int64 { return b.inUse.Load() }

// bodyPool recycles webhook body buffers: a burst of deliveries would
// otherwise allocate (and collect) one per request.
var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// maxPooledBody is the largest buffer given back to bodyPool.
const maxPooledBody = 256 << 10

// ReadSigned reads a webhook body of at most limit bytes, hashing it while it
// streams, and returns it only when its HMAC-SHA256 under secret equals want
// (compared in constant time, before anything parses it). The returned
// release gives the body's bytes back to the budget (and its buffer to the
// pool: body must not be used after it); call it when done.
func (b *BodyBudget) ReadSigned(r io.Reader, limit int64, secret []byte, want []byte) (body []byte, release func(), err error) {
	bp := bodyPool.Get().(*[]byte)
	buf := (*bp)[:0]
	var charged int64
	released := false
	release = func() {
		if released {
			return
		}
		released = true
		if charged > 0 {
			b.sem.Release(charged)
			b.inUse.Add(-charged)
		}
		if cap(buf) <= maxPooledBody {
			*bp = buf[:0]
			bodyPool.Put(bp)
		}
	}
	fail := func(err error) ([]byte, func(), error) {
		release()
		return nil, func() {}, err
	}
	mac := hmac.New(sha256.New, secret)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // grow
		}
		n, rerr := r.Read(buf[len(buf):cap(buf)])
		if n > 0 {
			if int64(len(buf)+n) > limit {
				return fail(ErrBodyTooLarge)
			}
			if !b.sem.TryAcquire(int64(n)) {
				return fail(ErrBodyBudget)
			}
			charged += int64(n)
			b.inUse.Add(int64(n))
			mac.Write(buf[len(buf) : len(buf)+n])
			buf = buf[:len(buf)+n]
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			var mbe *http.MaxBytesError
			if errors.As(rerr, &mbe) {
				return fail(ErrBodyTooLarge)
			}
			return fail(fmt.Errorf("read body: %w", rerr))
		}
	}
	if !hmac.Equal(mac.Sum(nil), want) {
		return fail(ErrSignature)
	}
	return buf, release, nil
}
