package relay

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Upload token errors.
var (
	ErrTokenMissing = errors.New("upload token missing")
	ErrTokenInvalid = errors.New("upload token invalid")
	ErrTokenExpired = errors.New("upload token expired")
)

// UploadTokens signs and checks per-job upload tokens: "v1.{job id}.{expiry
// unix}.{hex HMAC-SHA256(secret, "v1.{job id}.{expiry}")}". A token names its job,
// so only that job's docpack can be sent with it.
type UploadTokens struct {
	secret []byte
	now    func() time.Time
}

// NewUploadTokens signs with secret.
func NewUploadTokens(secret string) *UploadTokens {
	return &UploadTokens{secret: []byte(secret), now: time.Now}
}

// Sign returns a token for jobID valid until expiry.
func (u *UploadTokens) Sign(jobID string, expiry time.Time) string {
	body := "v1." + jobID + "." + strconv.FormatInt(expiry.Unix(), 10)
	return body + "." + hex.EncodeToString(u.mac(body))
}

func (u *UploadTokens) mac(body string) []byte {
	m := hmac.New(sha256.New, u.secret)
	m.Write([]byte(body))
	return m.Sum(nil)
}

// Verify checks token and returns the job id it was issued for.
func (u *UploadTokens) Verify(token string) (string, error) {
	if token == "" {
		return "", ErrTokenMissing
	}
	parts := strings.Split(token, ".")
	if len(parts) != 4 || parts[0] != "v1" || parts[1] == "" {
		return "", ErrTokenInvalid
	}
	sig, err := hex.DecodeString(parts[3])
	if err != nil {
		return "", ErrTokenInvalid
	}
	body := strings.Join(parts[:3], ".")
	if !hmac.Equal(sig, u.mac(body)) {
		return "", ErrTokenInvalid
	}
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return "", ErrTokenInvalid
	}
	if !u.now().Before(time.Unix(exp, 0)) {
		return "", ErrTokenExpired
	}
	return parts[1], nil
}
