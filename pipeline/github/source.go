// Package github fetches a repository at an exact commit through the GitHub REST
// API (go-github): the ref is resolved to a commit SHA, that commit's tarball is
// downloaded and stream-extracted, keeping only what a docpack build reads.
// It also parses build targets ("owner/repo@ref", GitHub URLs, plain git URLs)
// and hands plain git URLs to pipeline/gitsource.
package github

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/pipeline"
	"github.com/doctown/doctown/pipeline/gitsource"
	gh "github.com/google/go-github/v88/github"
)

// Default limits for an archive.
const (
	DefaultMaxBytes = 1 << 30 // 1 GiB unpacked
	DefaultMaxFiles = 200_000 // entries
)

// Options configure a GitHub source.
type Options struct {
	// Token authenticates API calls (a personal or installation token). Optional
	// for public repositories.
	Token string
	// APIURL is the REST API base URL: empty for api.github.com, or GitHub
	// Enterprise's https://host/api/v3/, or a test server (DOCTOWN_GITHUB_API_URL).
	APIURL string
	// HTTPClient is used for API calls and the download; nil means a client with
	// sane timeouts. It is not modified.
	HTTPClient *http.Client
	// MaxBytes bounds the archive's total unpacked size, MaxFiles its entries.
	MaxBytes int64
	MaxFiles int
	// TempDir is where the checkout is extracted; empty means the system's
	// temporary directory.
	TempDir string
}

// Source fetches a GitHub repository through the API.
type Source struct {
	tempDir  string
	target   Target
	token    bool
	client   *gh.Client
	download *http.Client
	limits   limits
}

var _ pipeline.Source = (*Source)(nil)

// NewSource returns the source for t: the GitHub API for owner/repo targets, a
// shallow git clone for plain git URLs.
func NewSource(ctx context.Context, t Target, opts Options) (pipeline.Source, error) {
	if !t.IsGitHub() {
		return gitsource.Source{URL: t.GitURL, Ref: t.Ref}, nil
	}
	if t.Owner == "" || t.Repo == "" {
		return nil, errors.New("github: target needs owner and repo")
	}
	base := opts.HTTPClient
	if base == nil {
		base = &http.Client{Transport: http.DefaultTransport}
	}
	// go-github installs its token transport on the client it is given: give it a copy.
	api := *base
	ghOpts := []gh.ClientOptionsFunc{gh.WithHTTPClient(&api), gh.WithUserAgent("doctown"), gh.WithRateLimitRedirectionalEndpoints()}
	if opts.Token != "" {
		ghOpts = append(ghOpts, gh.WithAuthToken(opts.Token))
	}
	if opts.APIURL != "" {
		u := opts.APIURL
		if !strings.HasSuffix(u, "/") {
			u += "/"
		}
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" {
			return nil, fmt.Errorf("github: API URL %q is not an http(s) URL", opts.APIURL)
		}
		ghOpts = append(ghOpts, gh.WithURLs(&u, &u))
	}
	client, err := gh.NewClient(ghOpts...)
	if err != nil {
		return nil, fmt.Errorf("github: %w", err)
	}
	lim := limits{maxBytes: opts.MaxBytes, maxFiles: opts.MaxFiles}
	if lim.maxBytes <= 0 {
		lim.maxBytes = DefaultMaxBytes
	}
	if lim.maxFiles <= 0 {
		lim.maxFiles = DefaultMaxFiles
	}
	return &Source{target: t, token: opts.Token != "", client: client, download: base, limits: lim, tempDir: opts.TempDir}, nil
}

var shaRe = regexp.MustCompile(`^[0-9a-f]{40}$`)

// Fetch resolves the ref, downloads the commit's tarball and extracts it into a
// temporary directory that Cleanup removes.
func (s *Source) Fetch(ctx context.Context, emit pipeline.Observer) (*pipeline.Checkout, error) {
	if emit == nil {
		emit = pipeline.Discard
	}
	t := s.target
	name := t.Owner + "/" + t.Repo
	emit(pipeline.Progress{Stage: pipeline.StageFetch, Detail: "resolve " + t.String()})
	repo, _, err := s.client.Repositories.Get(ctx, t.Owner, t.Repo)
	if err != nil {
		return nil, s.fail(ctx, err, "repository "+name)
	}
	if fn := repo.GetFullName(); fn != "" {
		name = fn
	}
	info := docpack.Repository{Name: name, URL: repo.GetHTMLURL(), Ref: t.Ref}
	ref := t.Ref
	if ref == "" {
		ref = repo.GetDefaultBranch()
		info.Ref, info.Branch = ref, ref
	} else if b, ok := strings.CutPrefix(ref, "refs/heads/"); ok {
		info.Branch = b
	} else if ref == repo.GetDefaultBranch() {
		info.Branch = ref
	}
	sha, _, err := s.client.Repositories.GetCommitSHA1(ctx, t.Owner, t.Repo, ref, "")
	if err != nil {
		return nil, s.fail(ctx, err, fmt.Sprintf("ref %q in %s", ref, name))
	}
	sha = strings.TrimSpace(sha)
	if !shaRe.MatchString(sha) {
		return nil, fmt.Errorf("github: ref %q in %s resolved to %q, not a commit SHA", ref, name, sha)
	}
	info.CommitSHA = sha

	link, _, err := s.client.Repositories.GetArchiveLink(ctx, t.Owner, t.Repo, gh.Tarball, &gh.RepositoryContentGetOptions{Ref: sha}, 3)
	if err != nil {
		return nil, s.fail(ctx, err, "tarball of "+name+"@"+sha[:12])
	}
	dir, err := os.MkdirTemp(s.tempDir, "doctown-github-*")
	if err != nil {
		return nil, fmt.Errorf("github: %w", err)
	}
	cleanup := func() error { return os.RemoveAll(dir) }
	st, err := s.fetchArchive(ctx, link, dir, sha, emit)
	if err != nil {
		cleanup()
		return nil, err
	}
	emit(pipeline.Progress{Stage: pipeline.StageFetch, Done: st.Kept, Total: st.Entries, Unit: "files",
		Detail: fmt.Sprintf("%s@%s: kept %d of %d entries", name, sha[:12], st.Kept, st.Entries)})
	if st.SkippedLinks > 0 {
		emit(pipeline.Warning{Stage: pipeline.StageFetch, Message: fmt.Sprintf("skipped %d symbolic or hard links in the archive", st.SkippedLinks)})
	}
	return &pipeline.Checkout{Dir: dir, Repository: info, Cleanup: cleanup}, nil
}

func (s *Source) fail(ctx context.Context, err error, what string) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return classify(err, what, s.token)
}

// fetchArchive downloads the archive URL (which may carry a short-lived
// credential in its query, so it is never shown) and extracts it.
func (s *Source) fetchArchive(ctx context.Context, link *url.URL, dir, sha string, emit pipeline.Observer) (extractStats, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link.String(), nil)
	if err != nil {
		return extractStats{}, fmt.Errorf("github: archive request: %w", err)
	}
	req.Header.Set("User-Agent", "doctown")
	resp, err := s.download.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return extractStats{}, ctx.Err()
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return extractStats{}, fmt.Errorf("github: download archive from %s: %w", link.Host, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		e := fmt.Errorf("github: download archive: %s: %s", resp.Status, strings.TrimSpace(string(msg)))
		if resp.StatusCode == 404 {
			return extractStats{}, &Error{Kind: ErrNotFound, Msg: e.Error()}
		}
		if resp.StatusCode == 401 || resp.StatusCode == 403 {
			return extractStats{}, &Error{Kind: ErrAuth, Msg: e.Error()}
		}
		return extractStats{}, e
	}
	// The compressed download is bounded too: it can never usefully exceed the
	// unpacked limit.
	if resp.ContentLength > s.limits.maxBytes {
		return extractStats{}, archiveErr("download of %d bytes is larger than the %d MiB limit", resp.ContentLength, s.limits.maxBytes>>20)
	}
	body := &progressReader{r: io.LimitReader(resp.Body, s.limits.maxBytes+1), total: resp.ContentLength, emit: emit, detail: "download " + sha[:12]}
	st, err := extract(ctx, body, dir, s.limits)
	if err == nil && body.n > s.limits.maxBytes {
		err = archiveErr("download is larger than the %d MiB limit", s.limits.maxBytes>>20)
	}
	body.flush()
	return st, err
}

// progressReader reports download progress in bytes, at most every 256 KiB.
type progressReader struct {
	r        io.Reader
	n, total int64
	last     int64
	emit     pipeline.Observer
	detail   string
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n += int64(n)
	if p.n-p.last >= 256<<10 {
		p.flush()
	}
	return n, err
}

func (p *progressReader) flush() {
	p.last = p.n
	total := p.total
	if total < p.n {
		total = 0
	}
	p.emit(pipeline.Progress{Stage: pipeline.StageFetch, Done: int(p.n), Total: int(total), Unit: "bytes", Detail: p.detail})
}
