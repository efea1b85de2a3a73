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

// ReadSigned reads a webhook body of at most limit bytes, hashing it while it
// streams, and returns it only when its HMAC-SHA256 under secret equals want
// (compared in constant time, before anything parses it). The returned
// release gives the body's bytes back to the budget; call it when done.
func (b *BodyBudget) ReadSigned(r io.Reader, limit int64, secret []byte, want []byte) (body []byte, release func(), err error) {
	var charged int64
	release = func() {
		if charged > 0 {
			b.sem.Release(charged)
			b.inUse.Add(-charged)
			charged = 0
		}
	}
	mac := hmac.New(sha256.New, secret)
	buf := make([]byte, 0, 4<<10)
	chunk := make([]byte, 32<<10)
	for {
		n, rerr := r.Read(chunk)
		if n > 0 {
			if int64(len(buf)+n) > limit {
				release()
				return nil, func() {}, ErrBodyTooLarge
			}
			if !b.sem.TryAcquire(int64(n)) {
				release()
				return nil, func() {}, ErrBodyBudget
			}
			charged += int64(n)
			b.inUse.Add(int64(n))
			mac.Write(chunk[:n])
			buf = append(buf, chunk[:n]...)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			release()
			var mbe *http.MaxBytesError
			if errors.As(rerr, &mbe) {
				return nil, func() {}, ErrBodyTooLarge
			}
			return nil, func() {}, fmt.Errorf("read body: %w", rerr)
		}
	}
	if !hmac.Equal(mac.Sum(nil), want) {
		release()
		return nil, func() {}, ErrSignature
	}
	return buf, release, nil
}
