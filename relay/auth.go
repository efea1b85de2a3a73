package relay

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/doctown/doctown/relay/catalog"
	"github.com/doctown/doctown/relay/secret"
)

// Reading private docpacks. A reader proves access to a repository with a
// GitHub user token — "Authorization: Bearer …" (gh auth token, GITHUB_TOKEN)
// or the session cookie of "Sign in with GitHub" — and the relay asks GitHub
// whether that token may read the repository. Answers are cached for
// AccessCacheTTL, never past the token's own expiry.

type readerKey struct{}

// reader is the GitHub user token a request carries ("" for none). It is a
// secret: never logged, stored only encrypted in the reader's own cookie.
type reader struct{ token string }

func readerFrom(ctx context.Context) reader {
	r, _ := ctx.Value(readerKey{}).(reader)
	return r
}

// sessionCookie names the "Sign in with GitHub" session.
const sessionCookie = "doctown_session"

// withReader puts the request's GitHub user token, if any, in its context
// for the catalog's access checks. Upload tokens (v1.…) and the admin token
// are not GitHub's and are never sent there.
func (s *Server) withReader(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := bearer(r)
		if strings.HasPrefix(tok, "v1.") || s.isAdmin(r) {
			tok = ""
		}
		if tok == "" {
			if c, err := r.Cookie(sessionCookie); err == nil {
				if sess, err := s.sessions.open(c.Value, s.now()); err == nil {
					tok = sess.Token
				}
			}
		}
		if tok != "" {
			r = r.WithContext(context.WithValue(r.Context(), readerKey{}, reader{token: tok}))
		}
		next.ServeHTTP(w, r)
	})
}

// readerAccess answers the catalog's questions about the request in ctx:
// its GitHub user token, checked with GitHub.
type readerAccess struct{ s *Server }

var _ catalog.Access = readerAccess{}

// Anonymous reports that the request carries no user token.
func (a readerAccess) Anonymous(ctx context.Context) bool { return readerFrom(ctx).token == "" }

// CanRead asks GitHub (cached) whether the request's token may read owner/repo.
func (a readerAccess) CanRead(ctx context.Context, owner, repo string) bool {
	return a.s.access.CanRead(ctx, readerFrom(ctx).token, owner, repo)
}

// session is what the session cookie holds, encrypted and authenticated
// with a key derived from the relay secret.
type session struct {
	Token   string    `json:"t"`
	Login   string    `json:"l,omitempty"`
	Expires time.Time `json:"e"`
}

// sessionSealer encrypts sessions (AES-256-GCM): the cookie is opaque to the
// browser and useless to anyone without the relay secret.
type sessionSealer struct{ aead cipher.AEAD }

func newSessionSealer(relaySecret string) *sessionSealer {
	key := sha256.Sum256([]byte("doctown session v1\x00" + relaySecret))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		panic(err) // a 32-byte key always makes a cipher
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return &sessionSealer{aead: aead}
}

func (s *sessionSealer) seal(sess session) (string, error) {
	plain, err := json.Marshal(sess)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, []byte(sessionCookie))), nil
}

var errBadSession = errors.New("invalid or expired session")

func (s *sessionSealer) open(v string, now time.Time) (session, error) {
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || len(b) < s.aead.NonceSize() {
		return session{}, errBadSession
	}
	plain, err := s.aead.Open(nil, b[:s.aead.NonceSize()], b[s.aead.NonceSize():], []byte(sessionCookie))
	if err != nil {
		return session{}, errBadSession
	}
	var sess session
	if json.Unmarshal(plain, &sess) != nil || sess.Token == "" || !now.Before(sess.Expires) {
		return session{}, errBadSession
	}
	return sess, nil
}

// oauthStateCookie carries the sign-in's state (CSRF) and where to return.
const oauthStateCookie = "doctown_oauth_state"

// maxSession bounds a session when GitHub does not say when the token expires.
const maxSession = 8 * time.Hour

// handleLogin starts "Sign in with GitHub": a redirect to GitHub's authorize
// page with a fresh state, also kept in a short-lived cookie.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	if s.cfg.GitHubClientID == "" {
		writeError(w, http.StatusNotFound, "sign-in is not configured: set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET")
		return
	}
	state := secret.Hex(16)
	next := r.URL.Query().Get("next")
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		next = "/"
	}
	http.SetCookie(w, &http.Cookie{Name: oauthStateCookie, Value: state + "|" + url.QueryEscape(next), Path: "/auth/", MaxAge: 600,
		HttpOnly: true, Secure: s.secureCookies(), SameSite: http.SameSiteLaxMode})
	q := url.Values{"client_id": {s.cfg.GitHubClientID}, "state": {state}, "redirect_uri": {s.publicBase(r) + "/auth/callback"}}
	http.Redirect(w, r, strings.TrimRight(s.cfg.GitHubURL, "/")+"/login/oauth/authorize?"+q.Encode(), http.StatusFound)
}

// handleCallback finishes the sign-in: the state must match the cookie's,
// the code is exchanged for a user token, which goes into the session cookie.
func (s *Server) handleCallback(w http.ResponseWriter, r *http.Request) {
	if s.cfg.GitHubClientID == "" {
		writeError(w, http.StatusNotFound, "sign-in is not configured")
		return
	}
	c, err := r.Cookie(oauthStateCookie)
	state, nextEsc, _ := strings.Cut(valueOr(c, err), "|")
	if state == "" || r.URL.Query().Get("state") != state {
		writeError(w, http.StatusBadRequest, "sign-in state does not match: start again from /auth/login")
		return
	}
	code := r.URL.Query().Get("code")
	if code == "" {
		writeError(w, http.StatusBadRequest, "GitHub sent no code: "+secret.Redact(r.URL.Query().Get("error_description"), 200))
		return
	}
	tok, expires, err := s.exchangeCode(r.Context(), code, s.publicBase(r)+"/auth/callback")
	if err != nil {
		s.log.Warn("sign-in failed", "err", err)
		writeError(w, http.StatusBadGateway, "GitHub did not complete the sign-in")
		return
	}
	v, err := s.sessions.seal(session{Token: tok, Expires: expires})
	if err != nil {
		writeError(w, http.StatusInternalServerError, "session")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: oauthStateCookie, Value: "", Path: "/auth/", MaxAge: -1})
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: v, Path: "/", Expires: expires,
		HttpOnly: true, Secure: s.secureCookies(), SameSite: http.SameSiteLaxMode})
	next, _ := url.QueryUnescape(nextEsc)
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusFound)
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secureCookies()})
	http.Redirect(w, r, "/", http.StatusFound)
}

func valueOr(c *http.Cookie, err error) string {
	if err != nil {
		return ""
	}
	return c.Value
}

// exchangeCode trades an OAuth code for a user token and its expiry.
func (s *Server) exchangeCode(ctx context.Context, code, redirect string) (string, time.Time, error) {
	form := url.Values{"client_id": {s.cfg.GitHubClientID}, "client_secret": {s.cfg.GitHubClientSecret}, "code": {code}, "redirect_uri": {redirect}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(s.cfg.GitHubURL, "/")+"/login/oauth/access_token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", time.Time{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := s.httpClient.Do(req)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("token exchange: %s", secret.Redact(err.Error(), 200))
	}
	defer resp.Body.Close()
	var ans struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
		Error       string `json:"error"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&ans); err != nil || resp.StatusCode != http.StatusOK {
		return "", time.Time{}, fmt.Errorf("token exchange: %s", resp.Status)
	}
	if ans.AccessToken == "" {
		return "", time.Time{}, fmt.Errorf("token exchange: %s", secret.Redact(ans.Error, 100))
	}
	expires := s.now().Add(maxSession)
	if ans.ExpiresIn > 0 {
		if e := s.now().Add(time.Duration(ans.ExpiresIn) * time.Second); e.Before(expires) {
			expires = e
		}
	}
	return ans.AccessToken, expires, nil
}

func (s *Server) secureCookies() bool { return strings.HasPrefix(s.cfg.PublicURL, "https://") }

// publicBase is the relay's external base URL: DOCTOWN_PUBLIC_URL, else the
// request's own host.
func (s *Server) publicBase(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimRight(s.cfg.PublicURL, "/")
	}
	return "http://" + r.Host
}
