package githubapp

import (
	"context"
	"crypto/sha256"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/doctown/doctown/relay/secret"
)

// Reading private docpacks: a reader proves access to a repository with a
// GitHub user token, and AccessChecker asks GitHub whether that token may
// read it. Answers are cached for a TTL, never past the token's own expiry.

// AccessChecker asks GitHub whether a user token may read a repository.
type AccessChecker struct {
	apiURL string
	client *http.Client
	ttl    time.Duration
	now    func() time.Time
	log    *slog.Logger

	mu    sync.Mutex
	cache map[accessKey]accessAnswer
}

type accessKey struct {
	token [32]byte // SHA-256 of the token: the token itself is not kept
	repo  string   // lower-case owner/repo
}

type accessAnswer struct {
	ok      bool
	expires time.Time
}

// maxAccessCache bounds the cache; past it, it starts over.
const maxAccessCache = 10_000

// NewAccessChecker checks against the REST API at apiURL.
func NewAccessChecker(apiURL string, client *http.Client, ttl time.Duration, now func() time.Time, log *slog.Logger) *AccessChecker {
	return &AccessChecker{apiURL: strings.TrimRight(apiURL, "/"), client: client, ttl: ttl, now: now, log: log, cache: map[accessKey]accessAnswer{}}
}

// CanRead reports whether token may read owner/repo: GET /repos/{owner}/{repo}
// with the token answers 200 only then (GitHub hides private repositories
// from everyone else with a 404). A failed check is "no" and is not cached.
func (a *AccessChecker) CanRead(ctx context.Context, token, owner, repo string) bool {
	if token == "" {
		return false
	}
	k := accessKey{token: sha256.Sum256([]byte(token)), repo: strings.ToLower(owner + "/" + repo)}
	now := a.now()
	a.mu.Lock()
	ans, hit := a.cache[k]
	a.mu.Unlock()
	if hit && now.Before(ans.expires) {
		return ans.ok
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.apiURL+"/repos/"+url.PathEscape(owner)+"/"+url.PathEscape(repo), nil)
	if err != nil {
		return false
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/vnd.github+json")
	resp, err := a.client.Do(req)
	if err != nil {
		a.log.Warn("repository access check failed", "repo", owner+"/"+repo, "err", secret.Redact(err.Error(), 200))
		return false
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	var ok bool
	switch {
	case resp.StatusCode == http.StatusOK:
		ok = true
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		ok = false
	default:
		a.log.Warn("repository access check failed", "repo", owner+"/"+repo, "status", resp.Status)
		return false
	}
	expires := now.Add(a.ttl)
	// A user token's expiry, when GitHub sends it, bounds the answer.
	if v := resp.Header.Get("GitHub-Authentication-Token-Expiration"); v != "" {
		for _, layout := range []string{"2006-01-02 15:04:05 MST", "2006-01-02 15:04:05 -0700", time.RFC3339} {
			if t, err := time.Parse(layout, v); err == nil {
				if t.Before(expires) {
					expires = t
				}
				break
			}
		}
	}
	a.mu.Lock()
	if len(a.cache) >= maxAccessCache {
		a.cache = map[accessKey]accessAnswer{}
	}
	a.cache[k] = accessAnswer{ok: ok, expires: expires}
	a.mu.Unlock()
	return ok
}
