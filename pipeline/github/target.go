package github

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/doctown/doctown/pipeline/gitsource"
)

// Target is what to build: a GitHub repository (Owner, Repo) at Ref, or, when
// GitURL is set, any git remote cloned with git.
type Target struct {
	Owner string
	Repo  string
	// Ref is a branch, tag or commit SHA; empty means the default branch.
	Ref string
	// GitURL, when set, is a plain git remote (https://…/x.git, file://…).
	GitURL string
}

// IsGitHub reports whether the target is fetched through the GitHub API.
func (t Target) IsGitHub() bool { return t.GitURL == "" }

// FullName is "owner/repo", or the redacted git URL.
func (t Target) FullName() string {
	if t.GitURL != "" {
		return gitsource.Redact(t.GitURL)
	}
	return t.Owner + "/" + t.Repo
}

// String is "owner/repo@ref" (or the redacted git URL with "#ref").
func (t Target) String() string {
	sep := "@"
	if t.GitURL != "" {
		sep = "#"
	}
	if t.Ref == "" {
		return t.FullName()
	}
	return t.FullName() + sep + t.Ref
}

var (
	ownerRe = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
	repoRe  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
)

// ParseTarget recognizes the remote forms of a build argument:
//
//	owner/repo            owner/repo@ref
//	https://github.com/owner/repo[.git][/tree/ref]
//	https://host/path/x.git[#ref], file:///path/x[#ref], ssh://…, git@host:path
//
// It does not look at the file system: a caller that also accepts local paths
// should prefer an existing directory named "owner/repo" over the GitHub form.
func ParseTarget(arg string) (Target, bool) {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		return Target{}, false
	}
	if gitsource.IsURL(arg) {
		return parseURL(arg)
	}
	if strings.HasPrefix(arg, ".") || strings.HasPrefix(arg, "/") || strings.HasPrefix(arg, "~") {
		return Target{}, false
	}
	name, ref, hasRef := strings.Cut(arg, "@")
	if hasRef && ref == "" {
		return Target{}, false
	}
	owner, repo, ok := strings.Cut(name, "/")
	if !ok || !ownerRe.MatchString(owner) || !repoRe.MatchString(repo) || repo == "." || repo == ".." {
		return Target{}, false
	}
	return Target{Owner: owner, Repo: strings.TrimSuffix(repo, ".git"), Ref: ref}, true
}

func parseURL(arg string) (Target, bool) {
	u, err := url.Parse(arg)
	if err != nil {
		// scp-like (git@host:path) is not a URL but is a git remote.
		raw, ref, _ := strings.Cut(arg, "#")
		return Target{GitURL: raw, Ref: ref}, true
	}
	ref := u.Fragment
	u.Fragment = ""
	if (u.Scheme == "https" || u.Scheme == "http") && (u.Host == "github.com" || u.Host == "www.github.com") && u.User == nil {
		parts := strings.Split(strings.Trim(u.Path, "/"), "/")
		if len(parts) >= 2 && ownerRe.MatchString(parts[0]) && repoRe.MatchString(strings.TrimSuffix(parts[1], ".git")) {
			t := Target{Owner: parts[0], Repo: strings.TrimSuffix(parts[1], ".git"), Ref: ref}
			switch {
			case len(parts) >= 4 && (parts[2] == "tree" || parts[2] == "commit"):
				t.Ref = strings.Join(parts[3:], "/")
			case len(parts) > 2:
				return Target{}, false
			}
			return t, true
		}
		return Target{}, false
	}
	if u.Scheme == "" || (u.Host == "" && u.Scheme != "file") {
		return Target{}, false
	}
	return Target{GitURL: u.String(), Ref: ref}, true
}
