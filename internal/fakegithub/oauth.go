package fakegithub

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"time"
)

// oauthApp is the App's OAuth side: "Sign in with GitHub" (the web
// application flow of a GitHub App: user-to-server tokens).
type oauthApp struct {
	clientID, secret string
	// user is the token the next sign-in hands out, as if that user approved.
	user      string
	expiresIn time.Duration
	codes     map[string]string // one-use code → token
}

// SetOAuthApp enables the OAuth endpoints for the App's client id and secret.
func (s *Server) SetOAuthApp(clientID, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauth = &oauthApp{clientID: clientID, secret: secret, codes: map[string]string{}}
}

// SignInAs makes the next sign-ins approve as the user of tok (a token added
// with AddToken), whose user-to-server token expires after expiresIn.
func (s *Server) SignInAs(tok string, expiresIn time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauth.user, s.oauth.expiresIn = tok, expiresIn
}

// authorize is GET /login/oauth/authorize: GitHub's consent page, approved at
// once — a redirect to redirect_uri with a code and the caller's state.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := r.URL.Query()
	if s.oauth == nil || q.Get("client_id") != s.oauth.clientID || s.oauth.user == "" {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	back, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || back.Host == "" {
		writeError(w, http.StatusBadRequest, "redirect_uri")
		return
	}
	b := make([]byte, 10)
	rand.Read(b)
	code := hex.EncodeToString(b)
	s.oauth.codes[code] = s.oauth.user
	v := back.Query()
	v.Set("code", code)
	v.Set("state", q.Get("state"))
	back.RawQuery = v.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// accessToken is POST /login/oauth/access_token: a code (once) for a token.
func (s *Server) accessToken(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.oauth == nil || r.PostForm.Get("client_id") != s.oauth.clientID || r.PostForm.Get("client_secret") != s.oauth.secret {
		writeJSON(w, http.StatusOK, map[string]string{"error": "incorrect_client_credentials"})
		return
	}
	tok, ok := s.oauth.codes[r.PostForm.Get("code")]
	if !ok {
		writeJSON(w, http.StatusOK, map[string]string{"error": "bad_verification_code"})
		return
	}
	delete(s.oauth.codes, r.PostForm.Get("code"))
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok, "token_type": "bearer", "scope": "",
		"expires_in": int64(s.oauth.expiresIn / time.Second),
	})
}
