// Package fakegithub is an in-process GitHub REST API for tests: repositories,
// refs, commits and tarballs laid out as GitHub lays them out, token checks, rate
// limits, and the GitHub App endpoints the relay uses. go-github is pointed at it
// with its base URL; nothing here mocks our own code.
package fakegithub

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v4"
	"golang.org/x/tools/txtar"
)

// Server is a fake GitHub API. Create it with New; close it with Close.
type Server struct {
	// URL is the API base URL, with a trailing slash (go-github's base URL).
	URL string

	srv *httptest.Server

	mu            sync.Mutex
	repos         map[string]*Repo // "owner/name" (lower case) → repo
	tokens        map[string]*token
	rateLimit     time.Time // when non-zero, every API call is rate limited until then
	appID         int64
	appKey        *rsa.PublicKey
	installations map[int64]*installation
	archives      map[string]bool // one-use archive keys handed out in redirects
	requests      []Request
	tokenRequests []TokenRequest
	nextID        int64
	oauth         *oauthApp
	hook          *hookTarget
	deliveries    []*hookDelivery
	// appPerms are the permissions the App was granted (SetAppPermission).
	appPerms  map[string]string
	checkRuns []*CheckRun
}

// Request is one request the server received.
type Request struct {
	Method, Path, Accept string
	// Auth is "", "token", "jwt" or "bad": never the credential itself.
	Auth string
}

// Repo is one repository.
type Repo struct {
	ID            int64
	Owner, Name   string
	DefaultBranch string
	Private       bool
	// Branches and Tags map a name to a commit SHA.
	Branches map[string]string
	Tags     map[string]string
	// Commits maps a SHA to its files (slash paths → content).
	Commits map[string]map[string][]byte
	// Archive, when set, is served for every tarball request instead of the
	// commit's files: for truncated or hostile archives.
	Archive []byte
	// Pulls are the repository's pull requests by number (OpenPull).
	Pulls map[int]*Pull
}

type token struct {
	repos   map[string]bool // nil: every repository
	expired bool
	// installation tokens may list the installation's repositories.
	installation int64
	// perms are an installation token's permissions.
	perms map[string]string
}

type installation struct {
	ID      int64
	Account string
	Repos   []string
}

// New starts a server; stop it with Close.
func New() *Server {
	s := &Server{
		repos:         map[string]*Repo{},
		tokens:        map[string]*token{},
		installations: map[int64]*installation{},
		archives:      map[string]bool{},
		nextID:        1000,
		appPerms:      map[string]string{"contents": "read", "metadata": "read"},
	}
	s.srv = httptest.NewServer(s.routes())
	s.URL = s.srv.URL + "/"
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Client returns an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// AddRepo creates owner/name with one commit on branch "main" holding files,
// and returns the commit's SHA.
func (s *Server) AddRepo(owner, name string, files map[string][]byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	r := &Repo{
		ID: s.nextID, Owner: owner, Name: name, DefaultBranch: "main",
		Branches: map[string]string{}, Tags: map[string]string{}, Commits: map[string]map[string][]byte{},
		Pulls: map[int]*Pull{},
	}
	s.repos[key(owner, name)] = r
	sha := commitSHA(owner+"/"+name, files)
	r.Commits[sha] = files
	r.Branches["main"] = sha
	return sha
}

// AddDir creates owner/name from the regular files under dir.
func (s *Server) AddDir(owner, name, dir string) (string, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("fakegithub: %w", err)
	}
	return s.AddRepo(owner, name, files), nil
}

// AddTxtar creates owner/name from the files of a txtar archive.
func (s *Server) AddTxtar(owner, name string, data []byte) string {
	a := txtar.Parse(data)
	files := map[string][]byte{}
	for _, f := range a.Files {
		files[f.Name] = f.Data
	}
	return s.AddRepo(owner, name, files)
}

// Update changes a repository under the lock: add branches, tags, commits, make it
// private, or set a raw archive.
func (s *Server) Update(owner, name string, fn func(*Repo)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos[key(owner, name)]
	if r == nil {
		panic("fakegithub: no repository " + owner + "/" + name)
	}
	fn(r)
}

// AddCommit adds a commit holding files to owner/name and points branch at it.
func (s *Server) AddCommit(owner, name, branch string, files map[string][]byte) string {
	sha := commitSHA(owner+"/"+name+"@"+branch, files)
	s.Update(owner, name, func(r *Repo) {
		r.Commits[sha] = files
		r.Branches[branch] = sha
	})
	return sha
}

// AddToken makes tok a valid token. With repos ("owner/name"), it can only see
// those repositories (others answer 404, as GitHub does); without, it sees all.
func (s *Server) AddToken(tok string, repos ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &token{}
	if len(repos) > 0 {
		t.repos = map[string]bool{}
		for _, r := range repos {
			t.repos[strings.ToLower(r)] = true
		}
	}
	s.tokens[tok] = t
}

// ExpireToken makes tok answer 401 Bad credentials from now on.
func (s *Server) ExpireToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.tokens[tok]; t != nil {
		t.expired = true
	} else {
		s.tokens[tok] = &token{expired: true}
	}
}

// SetRateLimit makes every API request answer 403 with X-RateLimit-Remaining: 0
// until reset; the zero time lifts it.
func (s *Server) SetRateLimit(reset time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimit = reset
}

// SetApp configures the GitHub App: its id and the public half of its key.
// Installation-token requests must carry a JWT signed with the private half
// (RS256, issuer = app id). A nil key only checks that a JWT is present.
func (s *Server) SetApp(appID int64, pub *rsa.PublicKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.appID, s.appKey = appID, pub
}

// AddInstallation installs the app on account with access to repos ("owner/name").
func (s *Server) AddInstallation(id int64, account string, repos ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.installations[id] = &installation{ID: id, Account: account, Repos: repos}
}

// Tarball builds a gzipped tar laid out like GitHub's: a pax global header
// carrying the commit, then every file under one top-level "prefix/" directory.
func Tarball(prefix, commit string, files map[string][]byte) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	mtime := time.Unix(1700000000, 0)
	must(tw.WriteHeader(&tar.Header{Typeflag: tar.TypeXGlobalHeader, Name: "pax_global_header", PAXRecords: map[string]string{"comment": commit}}))
	must(tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: prefix + "/", Mode: 0o775, ModTime: mtime}))
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	dirs := map[string]bool{}
	for _, n := range names {
		for d := path.Dir(n); d != "." && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	dirList := make([]string, 0, len(dirs))
	for d := range dirs {
		dirList = append(dirList, d)
	}
	sort.Strings(dirList)
	for _, d := range dirList {
		must(tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: prefix + "/" + d + "/", Mode: 0o775, ModTime: mtime}))
	}
	for _, n := range names {
		must(tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: prefix + "/" + n, Mode: 0o664, Size: int64(len(files[n])), ModTime: mtime}))
		_, err := tw.Write(files[n])
		must(err)
	}
	must(tw.Close())
	must(gz.Close())
	return buf.Bytes()
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func key(owner, name string) string { return strings.ToLower(owner + "/" + name) }

func commitSHA(seed string, files map[string][]byte) string {
	h := sha1.New()
	h.Write([]byte(seed))
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(files[n]))
		h.Write(files[n])
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /repos/{owner}/{repo}", s.api(s.getRepo))
	mux.HandleFunc("GET /repos/{owner}/{repo}/commits/{ref...}", s.api(s.getCommit))
	mux.HandleFunc("GET /repos/{owner}/{repo}/tarball/{ref...}", s.api(s.getTarball))
	mux.HandleFunc("GET /repos/{owner}/{repo}/installation", s.api(s.getRepoInstallation))
	mux.HandleFunc("GET /repos/{owner}/{repo}/pulls/{number}", s.api(s.getPull))
	mux.HandleFunc("POST /repos/{owner}/{repo}/check-runs", s.api(s.createCheckRun))
	mux.HandleFunc("PATCH /repos/{owner}/{repo}/check-runs/{id}", s.api(s.updateCheckRun))
	mux.HandleFunc("GET /repos/{owner}/{repo}/check-runs/{id}", s.api(s.getCheckRun))
	mux.HandleFunc("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", s.api(s.listCheckRuns))
	mux.HandleFunc("POST /app/installations/{id}/access_tokens", s.api(s.createInstallationToken))
	mux.HandleFunc("GET /installation/repositories", s.api(s.listInstallationRepos))
	mux.HandleFunc("GET /_archive/{key}", s.getArchive)
	mux.HandleFunc("GET /login/oauth/authorize", s.authorize)
	mux.HandleFunc("GET /app/hook/deliveries", s.api(s.listHookDeliveries))
	mux.HandleFunc("POST /app/hook/deliveries/{id}/attempts", s.api(s.redeliver))
	mux.HandleFunc("POST /login/oauth/access_token", s.accessToken)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Not Found")
	})
	return mux
}

// caller is who made an API request.
type caller struct {
	tok *token
	jwt bool
}

// api wraps a handler with request logging, authentication and the rate limit.
func (s *Server) api(h func(w http.ResponseWriter, r *http.Request, c caller)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		req := Request{Method: r.Method, Path: r.URL.Path, Accept: r.Header.Get("Accept")}
		var c caller
		status, msg := 0, ""
		if auth := r.Header.Get("Authorization"); auth != "" {
			cred := strings.TrimSpace(auth[strings.IndexByte(auth+" ", ' '):])
			switch {
			case strings.Count(cred, ".") == 2 && strings.HasPrefix(cred, "ey"):
				req.Auth, c.jwt = "jwt", true
			case s.tokens[cred] != nil && !s.tokens[cred].expired:
				req.Auth, c.tok = "token", s.tokens[cred]
			default:
				req.Auth = "bad"
				status, msg = http.StatusUnauthorized, "Bad credentials"
			}
		}
		s.requests = append(s.requests, req)
		limited := !s.rateLimit.IsZero() && time.Now().Before(s.rateLimit)
		reset := s.rateLimit
		s.mu.Unlock()

		w.Header().Set("X-RateLimit-Limit", "5000")
		if limited {
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
			writeError(w, http.StatusForbidden, "API rate limit exceeded for installation.")
			return
		}
		w.Header().Set("X-RateLimit-Remaining", "4999")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
		if status != 0 {
			writeError(w, status, msg)
			return
		}
		h(w, r, c)
	}
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"message": msg, "documentation_url": "https://docs.github.com/rest"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// repo finds the repository named in the path that c may see, or answers 404.
func (s *Server) repo(w http.ResponseWriter, r *http.Request, c caller) *Repo {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key(r.PathValue("owner"), r.PathValue("repo"))
	rp := s.repos[k]
	visible := rp != nil && (!rp.Private || (c.tok != nil && (c.tok.repos == nil || c.tok.repos[k])))
	if !visible {
		writeError(w, http.StatusNotFound, "Not Found")
		return nil
	}
	return rp
}

func (s *Server) repoJSON(rp *Repo) map[string]any {
	html := strings.TrimSuffix(s.srv.URL, "/") + "/" + rp.Owner + "/" + rp.Name
	return map[string]any{
		"id": rp.ID, "node_id": "R_" + strconv.FormatInt(rp.ID, 10),
		"name": rp.Name, "full_name": rp.Owner + "/" + rp.Name,
		"owner":   map[string]any{"login": rp.Owner, "type": "User"},
		"private": rp.Private, "default_branch": rp.DefaultBranch,
		"html_url": html, "clone_url": html + ".git",
		"url": s.URL + "repos/" + rp.Owner + "/" + rp.Name,
	}
}

func (s *Server) getRepo(w http.ResponseWriter, r *http.Request, c caller) {
	rp := s.repo(w, r, c)
	if rp == nil {
		return
	}
	s.mu.Lock()
	body := s.repoJSON(rp)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}

// resolve turns a branch, tag, full SHA or SHA prefix (7+) into a commit SHA.
func (s *Server) resolve(rp *Repo, ref string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ref = strings.TrimPrefix(ref, "refs/")
	if p, ok := strings.CutPrefix(ref, "pull/"); ok {
		// GitHub's pull refs: refs/pull/N/head is the pull request's head
		// commit, a fork's included.
		num, rest, _ := strings.Cut(p, "/")
		n, err := strconv.Atoi(num)
		if pr := rp.Pulls[n]; err == nil && pr != nil && rest == "head" {
			return pr.HeadSHA, true
		}
		return "", false
	}
	if b, ok := strings.CutPrefix(ref, "heads/"); ok {
		sha, ok := rp.Branches[b]
		return sha, ok
	}
	if t, ok := strings.CutPrefix(ref, "tags/"); ok {
		sha, ok := rp.Tags[t]
		return sha, ok
	}
	if sha, ok := rp.Branches[ref]; ok {
		return sha, true
	}
	if sha, ok := rp.Tags[ref]; ok {
		return sha, true
	}
	if len(ref) >= 7 {
		for sha := range rp.Commits {
			if strings.HasPrefix(sha, strings.ToLower(ref)) {
				return sha, true
			}
		}
	}
	return "", false
}

func (s *Server) getCommit(w http.ResponseWriter, r *http.Request, c caller) {
	rp := s.repo(w, r, c)
	if rp == nil {
		return
	}
	sha, ok := s.resolve(rp, r.PathValue("ref"))
	if !ok {
		writeError(w, http.StatusNotFound, "No commit found for SHA: "+r.PathValue("ref"))
		return
	}
	if strings.Contains(r.Header.Get("Accept"), ".sha") {
		w.Header().Set("Content-Type", "application/vnd.github.sha; charset=utf-8")
		w.Header().Set("ETag", `"`+sha+`"`)
		w.Write([]byte(sha))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"sha":      sha,
		"commit":   map[string]any{"message": "commit " + sha[:7], "tree": map[string]any{"sha": sha}},
		"html_url": strings.TrimSuffix(s.srv.URL, "/") + "/" + rp.Owner + "/" + rp.Name + "/commit/" + sha,
	})
}

// getTarball answers like GitHub: 302 to a short-lived archive URL.
func (s *Server) getTarball(w http.ResponseWriter, r *http.Request, c caller) {
	rp := s.repo(w, r, c)
	if rp == nil {
		return
	}
	sha, ok := s.resolve(rp, r.PathValue("ref"))
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	var b [12]byte
	rand.Read(b[:])
	k := hex.EncodeToString(b[:])
	s.mu.Lock()
	s.archives[k+"|"+key(rp.Owner, rp.Name)+"|"+sha] = true
	s.mu.Unlock()
	// The archive key doubles as the one-time credential GitHub puts in the URL.
	http.Redirect(w, r, strings.TrimSuffix(s.srv.URL, "/")+"/_archive/"+k+"?repo="+rp.Owner+"/"+rp.Name+"&sha="+sha, http.StatusFound)
}

func (s *Server) getArchive(w http.ResponseWriter, r *http.Request) {
	repo, sha := r.URL.Query().Get("repo"), r.URL.Query().Get("sha")
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path})
	ok := s.archives[r.PathValue("key")+"|"+strings.ToLower(repo)+"|"+sha]
	rp := s.repos[strings.ToLower(repo)]
	var data []byte
	if ok && rp != nil {
		if rp.Archive != nil {
			data = rp.Archive
		} else {
			data = Tarball(rp.Owner+"-"+rp.Name+"-"+sha[:7], sha, rp.Commits[sha])
		}
	}
	s.mu.Unlock()
	if data == nil {
		http.Error(w, "Not Found", http.StatusNotFound)
		return
	}
	name := path.Base(repo) + "-" + sha[:7] + ".tar.gz"
	w.Header().Set("Content-Type", "application/x-gzip")
	w.Header().Set("Content-Disposition", "attachment; filename="+name)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}

// checkJWT verifies an app JWT: present, and RS256-signed by the app's key when
// one is configured.
func (s *Server) checkJWT(w http.ResponseWriter, r *http.Request, c caller) bool {
	if !c.jwt {
		writeError(w, http.StatusUnauthorized, "A JSON web token could not be decoded")
		return false
	}
	s.mu.Lock()
	pub, appID := s.appKey, s.appID
	s.mu.Unlock()
	if pub == nil {
		return true
	}
	raw := strings.TrimSpace(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer"))
	claims := jwt.RegisteredClaims{}
	_, err := jwt.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) {
		if t.Method != jwt.SigningMethodRS256 {
			return nil, fmt.Errorf("unexpected signing method %v", t.Header["alg"])
		}
		return pub, nil
	})
	if err == nil && appID != 0 && claims.Issuer != strconv.FormatInt(appID, 10) {
		err = fmt.Errorf("issuer %q is not app %d", claims.Issuer, appID)
	}
	if err != nil {
		writeError(w, http.StatusUnauthorized, "'Issuer' claim ('iss') must be an Integer: "+err.Error())
		return false
	}
	return true
}

func (s *Server) createInstallationToken(w http.ResponseWriter, r *http.Request, c caller) {
	if !s.checkJWT(w, r, c) {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	// The body may narrow the token, as GitHub allows: repository names (within the
	// installation's account) and permissions no wider than the App's.
	var body TokenRequest
	if r.ContentLength != 0 {
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil && err != io.EOF {
			writeError(w, http.StatusBadRequest, "Problems parsing JSON")
			return
		}
	}
	s.mu.Lock()
	granted := maps.Clone(s.appPerms)
	s.mu.Unlock()
	for perm, level := range body.Permissions {
		if allowed := granted[perm]; allowed == "" || (level == "write" && allowed != "write") {
			writeError(w, http.StatusUnprocessableEntity, "The permissions requested are not granted to this installation.")
			return
		}
	}
	s.mu.Lock()
	inst := s.installations[id]
	if inst == nil {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	body.Installation = id
	s.tokenRequests = append(s.tokenRequests, body)
	var b [16]byte
	rand.Read(b[:])
	tok := "ghs_" + hex.EncodeToString(b[:])
	perms := granted
	if len(body.Permissions) > 0 {
		perms = body.Permissions
	}
	t := &token{repos: map[string]bool{}, installation: id, perms: perms}
	for _, rp := range inst.Repos {
		_, name, _ := strings.Cut(rp, "/")
		if len(body.Repositories) > 0 && !slices.Contains(body.Repositories, name) && !slices.Contains(body.Repositories, rp) {
			continue
		}
		t.repos[strings.ToLower(rp)] = true
	}
	if len(body.Repositories) > 0 && len(t.repos) != len(body.Repositories) {
		s.mu.Unlock()
		writeError(w, http.StatusUnprocessableEntity, "There is at least one repository that does not exist or is not accessible to the parent installation.")
		return
	}
	s.tokens[tok] = t
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{
		"token":                tok,
		"expires_at":           time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
		"permissions":          perms,
		"repository_selection": "selected",
	})
}

// SetAppPermission grants the App perm at level ("read" or "write"; ""
// revokes it), as an owner accepting the App's new permissions does. The App
// starts with contents and metadata read.
func (s *Server) SetAppPermission(perm, level string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if level == "" {
		delete(s.appPerms, perm)
		return
	}
	s.appPerms[perm] = level
}

// TokenRequest is the body of one installation token request.
type TokenRequest struct {
	Installation int64             `json:"-"`
	Repositories []string          `json:"repositories,omitempty"`
	Permissions  map[string]string `json:"permissions,omitempty"`
}

// TokenRequests returns the installation token requests seen so far.
func (s *Server) TokenRequests() []TokenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]TokenRequest(nil), s.tokenRequests...)
}

func (s *Server) listInstallationRepos(w http.ResponseWriter, r *http.Request, c caller) {
	if c.tok == nil || c.tok.installation == 0 {
		writeError(w, http.StatusForbidden, "You must authenticate with an installation access token in order to list repositories for an installation.")
		return
	}
	s.mu.Lock()
	var list []map[string]any
	for _, name := range s.installations[c.tok.installation].Repos {
		if rp := s.repos[strings.ToLower(name)]; rp != nil {
			list = append(list, s.repoJSON(rp))
		}
	}
	s.mu.Unlock()
	if list == nil {
		list = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"total_count": len(list), "repositories": list})
}

func (s *Server) getRepoInstallation(w http.ResponseWriter, r *http.Request, c caller) {
	if !s.checkJWT(w, r, c) {
		return
	}
	k := key(r.PathValue("owner"), r.PathValue("repo"))
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int64, 0, len(s.installations))
	for id := range s.installations {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		inst := s.installations[id]
		for _, rp := range inst.Repos {
			if strings.ToLower(rp) == k {
				writeJSON(w, http.StatusOK, map[string]any{
					"id": inst.ID, "app_id": s.appID,
					"account":              map[string]any{"login": inst.Account},
					"repository_selection": "selected",
				})
				return
			}
		}
	}
	writeError(w, http.StatusNotFound, "Not Found")
}
