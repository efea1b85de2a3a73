package fakegithub

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"
)

// Pull is one pull request of a base repository. Its head may be a branch of
// another repository (a fork): as on GitHub, the head commit is then also
// reachable in the base repository, by its SHA and by refs/pull/N/head.
type Pull struct {
	Number int
	// Head is "owner/name" of the repository the changes come from.
	Head    string
	HeadRef string
	HeadSHA string
	BaseRef string
	BaseSHA string
	State   string // "open" or "closed"
	Merged  bool
	Title   string
	User    string
}

// OpenPull opens a pull request on base ("owner/name") from head's branch
// headRef (head is "owner/name", the same repository or a fork) into base's
// default branch, and returns its number.
func (s *Server) OpenPull(base, head, headRef string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, h := s.repos[strings.ToLower(base)], s.repos[strings.ToLower(head)]
	if b == nil || h == nil {
		panic("fakegithub: OpenPull: no repository " + base + " or " + head)
	}
	sha, ok := h.Branches[headRef]
	if !ok {
		panic("fakegithub: OpenPull: no branch " + headRef + " in " + head)
	}
	n := len(b.Pulls) + 1
	b.Pulls[n] = &Pull{Number: n, Head: h.Owner + "/" + h.Name, HeadRef: headRef, HeadSHA: sha,
		BaseRef: b.DefaultBranch, BaseSHA: b.Branches[b.DefaultBranch], State: "open",
		Title: "Change " + strconv.Itoa(n), User: h.Owner}
	b.Commits[sha] = h.Commits[sha]
	return n
}

// SyncPull moves pull request number of base to its head branch's current
// commit (a push to the branch: GitHub's "synchronize") and returns it.
func (s *Server) SyncPull(base string, number int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.repos[strings.ToLower(base)]
	pr := b.Pulls[number]
	h := s.repos[strings.ToLower(pr.Head)]
	pr.HeadSHA = h.Branches[pr.HeadRef]
	b.Commits[pr.HeadSHA] = h.Commits[pr.HeadSHA]
	return pr.HeadSHA
}

// ClosePull closes pull request number of base, merged or not.
func (s *Server) ClosePull(base string, number int, merged bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pr := s.repos[strings.ToLower(base)].Pulls[number]
	pr.State, pr.Merged = "closed", merged
}

// pullJSON is a pull request as the REST API and webhooks show it.
func (s *Server) pullJSON(b *Repo, pr *Pull) map[string]any {
	h := s.repos[strings.ToLower(pr.Head)]
	web := strings.TrimSuffix(s.srv.URL, "/") + "/" + b.Owner + "/" + b.Name + "/pull/" + strconv.Itoa(pr.Number)
	return map[string]any{
		"id": int64(pr.Number) + b.ID*1000, "node_id": fmt.Sprintf("PR_%d_%d", b.ID, pr.Number),
		"number": pr.Number, "state": pr.State, "title": pr.Title, "merged": pr.Merged, "draft": false,
		"url":      s.URL + "repos/" + b.Owner + "/" + b.Name + "/pulls/" + strconv.Itoa(pr.Number),
		"html_url": web,
		"user":     map[string]any{"login": pr.User, "type": "User"},
		"head": map[string]any{
			"label": h.Owner + ":" + pr.HeadRef, "ref": pr.HeadRef, "sha": pr.HeadSHA,
			"user": map[string]any{"login": h.Owner}, "repo": s.repoJSON(h),
		},
		"base": map[string]any{
			"label": b.Owner + ":" + pr.BaseRef, "ref": pr.BaseRef, "sha": pr.BaseSHA,
			"user": map[string]any{"login": b.Owner}, "repo": s.repoJSON(b),
		},
	}
}

func (s *Server) getPull(w http.ResponseWriter, r *http.Request, c caller) {
	rp := s.repo(w, r, c)
	if rp == nil {
		return
	}
	n, _ := strconv.Atoi(r.PathValue("number"))
	s.mu.Lock()
	pr := rp.Pulls[n]
	var body map[string]any
	if pr != nil {
		body = s.pullJSON(rp, pr)
	}
	s.mu.Unlock()
	if pr == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// PullRequestEvent is the payload of a pull_request webhook for pull request
// number of base as it is now: action is "opened", "synchronize",
// "reopened", "closed", …; installation is the App installation's id.
func (s *Server) PullRequestEvent(action, base string, number int, installation int64, extra map[string]any) []byte {
	s.mu.Lock()
	b := s.repos[strings.ToLower(base)]
	pr := b.Pulls[number]
	body := map[string]any{
		"action": action, "number": number,
		"pull_request": s.pullJSON(b, pr),
		"repository":   s.repoJSON(b),
		"sender":       map[string]any{"login": pr.User, "type": "User"},
		"installation": map[string]any{"id": installation},
	}
	s.mu.Unlock()
	maps.Copy(body, extra)
	out, err := json.Marshal(body)
	must(err)
	return out
}
