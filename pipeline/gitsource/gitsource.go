// Package gitsource fetches a repository from any git URL (https, ssh, file) with a
// shallow `git clone`, for hosts that are not reached through the GitHub API.
package gitsource

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path"
	"strings"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/pipeline"
)

// ErrClone is returned (wrapped) when git cannot clone the repository or ref.
var ErrClone = errors.New("git clone failed")

// Source clones URL at Ref (a branch or tag; empty means the remote's HEAD).
type Source struct {
	URL string
	Ref string
	// Git is the git binary; empty means "git" on PATH.
	Git string
}

var _ pipeline.Source = Source{}

// IsURL reports whether arg looks like a git remote rather than a local path:
// a URL with a scheme (https://, ssh://, file://, git://) or scp-like user@host:path.
func IsURL(arg string) bool {
	for _, p := range []string{"https://", "http://", "ssh://", "git://", "file://"} {
		if strings.HasPrefix(arg, p) {
			return true
		}
	}
	at, colon := strings.Index(arg, "@"), strings.Index(arg, ":")
	return at > 0 && colon > at && !strings.Contains(arg[:at], "/")
}

// Fetch clones the repository into a temporary directory removed by Cleanup.
func (s Source) Fetch(ctx context.Context, emit pipeline.Observer) (*pipeline.Checkout, error) {
	if emit == nil {
		emit = pipeline.Discard
	}
	git := s.Git
	if git == "" {
		git = "git"
	}
	if _, err := exec.LookPath(git); err != nil {
		return nil, fmt.Errorf("git source: git is not installed: %w", err)
	}
	shown := Redact(s.URL)
	dir, err := os.MkdirTemp("", "doctown-git-*")
	if err != nil {
		return nil, fmt.Errorf("git source: %w", err)
	}
	cleanup := func() error { return os.RemoveAll(dir) }
	emit(pipeline.Progress{Stage: pipeline.StageFetch, Detail: "git clone " + shown})
	args := []string{"-c", "advice.detachedHead=false", "clone", "--depth", "1", "--quiet", "--no-tags"}
	if s.Ref != "" {
		args = append(args, "--branch", s.Ref)
	}
	args = append(args, "--", s.URL, dir)
	if _, err := run(ctx, git, "", args...); err != nil {
		cleanup()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		what := shown
		if s.Ref != "" {
			what += " at " + s.Ref
		}
		return nil, fmt.Errorf("git source: clone %s: %w: %s", what, ErrClone, redactText(err.Error(), s.URL))
	}
	sha, err := run(ctx, git, dir, "rev-parse", "HEAD")
	if err != nil {
		cleanup()
		return nil, fmt.Errorf("git source: rev-parse: %w", err)
	}
	// A clone of a branch is on that branch; a clone of a tag is detached.
	repo := docpack.Repository{Name: repoName(s.URL), URL: shown, CommitSHA: sha, Ref: s.Ref}
	if b, err := run(ctx, git, dir, "rev-parse", "--abbrev-ref", "HEAD"); err == nil && b != "HEAD" {
		repo.Branch = b
	}
	if repo.Ref == "" {
		repo.Ref = repo.Branch
	}
	emit(pipeline.Progress{Stage: pipeline.StageFetch, Done: 1, Total: 1, Detail: "cloned " + shortSHA(sha)})
	return &pipeline.Checkout{Dir: dir, Repository: repo, Cleanup: cleanup}, nil
}

func run(ctx context.Context, git, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, git, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=true", "LC_ALL=C")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", errors.New(msg)
	}
	return strings.TrimSpace(stdout.String()), nil
}

// Redact removes credentials (user info, query) from a URL for display.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		if at := strings.Index(raw, "@"); at > 0 && !strings.Contains(raw[:at], "/") {
			return raw[at+1:] // scp-like user@host:path
		}
		return raw
	}
	u.User = nil
	u.RawQuery = ""
	u.Fragment = ""
	return u.String()
}

// redactText removes the URL's credentials wherever git echoed them.
func redactText(text, raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			text = strings.ReplaceAll(text, p, "***")
		}
		if n := u.User.Username(); n != "" {
			text = strings.ReplaceAll(text, n, "***")
		}
	}
	return text
}

// repoName names the repository after the last two path elements of its URL
// ("owner/repo"), or the last one for a local path.
func repoName(raw string) string {
	p := raw
	if u, err := url.Parse(raw); err == nil && u.Scheme != "" {
		p = u.Path
		if u.Scheme == "file" {
			return strings.TrimSuffix(path.Base(strings.TrimSuffix(p, "/")), ".git")
		}
	} else if i := strings.Index(raw, ":"); i >= 0 {
		p = raw[i+1:]
	}
	p = strings.TrimSuffix(strings.Trim(p, "/"), ".git")
	parts := strings.Split(p, "/")
	if len(parts) >= 2 {
		return parts[len(parts)-2] + "/" + parts[len(parts)-1]
	}
	return parts[len(parts)-1]
}

func shortSHA(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
