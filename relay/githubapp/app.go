// Package githubapp is the relay's side of GitHub: the App (installation
// tokens scoped to one repository, repository lookups, its webhook deliveries
// and redeliveries), webhook signature checks, GitHub's rules for names, and
// the check whether a user's token may read a repository. Tokens are handed
// to the caller and never logged or stored.
package githubapp

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/golang-jwt/jwt/v4"
	"github.com/google/go-github/v88/github"

	"github.com/doctown/doctown/relay/secret"
)

// App talks to GitHub as the App: it mints installation tokens scoped to
// one repository with read access to its contents, and looks up repositories.
// Tokens are returned to the caller and never logged or stored.
type App struct {
	appID  int64
	key    *rsa.PrivateKey // nil: no App configured, public access only
	apiURL string
	tr     http.RoundTripper
}

// New parses the App's private key. With appID 0 the relay works
// without an App (public repositories only, no tokens).
func New(appID int64, privateKey []byte, apiURL string, tr http.RoundTripper) (*App, error) {
	if tr == nil {
		tr = http.DefaultTransport
	}
	a := &App{apiURL: strings.TrimRight(apiURL, "/"), tr: tr}
	if appID == 0 {
		return a, nil
	}
	key, err := jwt.ParseRSAPrivateKeyFromPEM(privateKey)
	if err != nil {
		return nil, fmt.Errorf("github app key: %w", err)
	}
	a.appID, a.key = appID, key
	return a, nil
}

// Configured reports whether an App id and key were given. Without them every
// request is anonymous: public repositories only, at GitHub's anonymous rate limit.
func (a *App) Configured() bool { return a.key != nil }

// NoAppHint is added to errors of builds and lookups made without an App.
const NoAppHint = "no GitHub App is configured (GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY unset): the relay reads repositories anonymously, so private repositories cannot be built and GitHub's anonymous rate limit applies"

// APIURL is the REST API base URL without a trailing slash.
func (a *App) APIURL() string { return a.apiURL }

// RepoToken mints an installation token that can only read owner/repo's
// contents. It returns "" when no App is configured.
func (a *App) RepoToken(ctx context.Context, installationID int64, owner, repo string) (string, error) {
	if a.key == nil || installationID == 0 {
		return "", nil
	}
	t := a.installation(installationID, repo)
	tok, err := t.Token(ctx)
	if err != nil {
		return "", fmt.Errorf("installation token for %s/%s: %w", owner, repo, err)
	}
	return tok, nil
}

// installation returns a transport for one installation, scoped to repo. Each
// gets its own AppsTransport: ghinstallation writes to it when refreshing.
func (a *App) installation(installationID int64, repo string) *ghinstallation.Transport {
	return a.scoped(installationID, repo, &github.InstallationPermissions{Contents: github.Ptr("read")})
}

// scoped is a transport for one installation whose token is narrowed to repo
// and perms.
func (a *App) scoped(installationID int64, repo string, perms *github.InstallationPermissions) *ghinstallation.Transport {
	apps := ghinstallation.NewAppsTransportFromPrivateKey(a.tr, a.appID, a.key)
	apps.BaseURL = a.apiURL
	t := ghinstallation.NewFromAppsTransport(apps, installationID)
	t.BaseURL = a.apiURL
	t.InstallationTokenOptions = &github.InstallationTokenOptions{
		Repositories: []string{repo},
		Permissions:  perms,
	}
	return t
}

// ErrRepoGone means the repository no longer exists or the App lost access.
var ErrRepoGone = errors.New("repository not found or not accessible")

// repoClient is a go-github client for owner/repo: as its installation
// (scoped to the repository) when an App is configured and installationID
// is known, else anonymous.
func (a *App) repoClient(installationID int64, repo string) (*github.Client, error) {
	var rt http.RoundTripper = a.tr
	if a.key != nil && installationID != 0 {
		rt = a.installation(installationID, repo)
	}
	base := a.apiURL + "/"
	c, err := github.NewClient(github.WithHTTPClient(&http.Client{Transport: rt}), github.WithURLs(&base, &base))
	if err != nil {
		return nil, fmt.Errorf("github client: %w", err)
	}
	return c, nil
}

// Private reports whether owner/repo is private, as GitHub says: asked as
// the repository's installation when an App is configured, else
// anonymously — where a private repository looks missing (ErrRepoGone), so
// the caller cannot tell.
func (a *App) Private(ctx context.Context, owner, repo string) (bool, error) {
	var inst int64
	if a.key != nil {
		app, err := a.appClient()
		if err != nil {
			return false, err
		}
		in, _, err := app.Apps.GetRepositoryInstallation(ctx, owner, repo)
		if err != nil {
			return false, lookupErr(owner, repo, err)
		}
		inst = in.GetID()
	}
	c, err := a.repoClient(inst, repo)
	if err != nil {
		return false, err
	}
	r, _, err := c.Repositories.Get(ctx, owner, repo)
	if err != nil {
		return false, lookupErr(owner, repo, err)
	}
	return r.GetPrivate(), nil
}

// DefaultHead returns owner/repo's default branch and the SHA it points to.
func (a *App) DefaultHead(ctx context.Context, installationID int64, owner, repo string) (branch, sha string, err error) {
	c, err := a.repoClient(installationID, repo)
	if err != nil {
		return "", "", err
	}
	r, _, err := c.Repositories.Get(ctx, owner, repo)
	if err != nil {
		return "", "", lookupErr(owner, repo, err)
	}
	branch = r.GetDefaultBranch()
	if branch == "" {
		return "", "", fmt.Errorf("%s/%s has no default branch (empty repository)", owner, repo)
	}
	commit, _, err := c.Repositories.GetCommit(ctx, owner, repo, branch, nil)
	if err != nil {
		return "", "", lookupErr(owner, repo, err)
	}
	if commit.GetSHA() == "" {
		return "", "", fmt.Errorf("%s/%s: no commit on %s", owner, repo, branch)
	}
	return branch, commit.GetSHA(), nil
}

func lookupErr(owner, repo string, err error) error {
	var ge *github.ErrorResponse
	if errors.As(err, &ge) && ge.Response != nil && (ge.Response.StatusCode == http.StatusNotFound || ge.Response.StatusCode == http.StatusForbidden) {
		return fmt.Errorf("%s/%s: %w", owner, repo, ErrRepoGone)
	}
	var he *ghinstallation.HTTPError
	if errors.As(err, &he) && he.Response != nil && (he.Response.StatusCode == http.StatusNotFound || he.Response.StatusCode == http.StatusUnprocessableEntity) {
		return fmt.Errorf("%s/%s: %w", owner, repo, ErrRepoGone)
	}
	return fmt.Errorf("look up %s/%s: %w", owner, repo, err)
}

// ErrBadRepoName is an owner or repository name GitHub would not allow.
var ErrBadRepoName = errors.New("not a GitHub repository name")

// CheckRepoName applies GitHub's rules: an owner is 1 to 39 letters, digits
// and single hyphens, not at either end; a repository is 1 to 100 letters,
// digits, '.', '_' and '-', and not "." or "..". A payload naming anything
// else is refused before it reaches an API call, a build or a storage key.
func CheckRepoName(owner, repo string) error {
	if !validOwner(owner) {
		return fmt.Errorf("%w: owner %q", ErrBadRepoName, secret.Truncate(owner, 60))
	}
	if !validRepo(repo) {
		return fmt.Errorf("%w: repository %q", ErrBadRepoName, secret.Truncate(repo, 60))
	}
	return nil
}

func validOwner(s string) bool {
	if len(s) < 1 || len(s) > 39 || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func validRepo(s string) bool {
	if len(s) < 1 || len(s) > 100 || s == "." || s == ".." {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// HookDelivery is one attempt GitHub made to deliver a webhook to the App.
type HookDelivery struct {
	ID          int64
	GUID        string
	Event       string
	StatusCode  int
	DeliveredAt time.Time
}

// HookDeliveries lists the App's delivery attempts back to since (newest
// first, at most maxPages pages of 100), with the App's JWT.
func (a *App) HookDeliveries(ctx context.Context, since time.Time, maxPages int) ([]HookDelivery, error) {
	c, err := a.appClient()
	if err != nil {
		return nil, err
	}
	var out []HookDelivery
	opts := &github.ListCursorOptions{PerPage: 100}
	for range maxPages {
		page, resp, err := c.Apps.ListHookDeliveries(ctx, opts)
		if err != nil {
			return out, fmt.Errorf("list hook deliveries: %w", err)
		}
		for _, d := range page {
			hd := HookDelivery{ID: d.GetID(), GUID: d.GetGUID(), Event: d.GetEvent(), StatusCode: d.GetStatusCode(), DeliveredAt: d.GetDeliveredAt().Time}
			if hd.DeliveredAt.Before(since) {
				return out, nil
			}
			out = append(out, hd)
		}
		if resp.Cursor == "" || len(page) == 0 {
			break
		}
		opts.Cursor = resp.Cursor
	}
	return out, nil
}

// Redeliver asks GitHub to send a delivery attempt again.
func (a *App) Redeliver(ctx context.Context, id int64) error {
	c, err := a.appClient()
	if err != nil {
		return err
	}
	if _, _, err := c.Apps.RedeliverHookDelivery(ctx, id); err != nil {
		var ae *github.AcceptedError
		if errors.As(err, &ae) {
			return nil // 202: GitHub queued the redelivery
		}
		return fmt.Errorf("redeliver %d: %w", id, err)
	}
	return nil
}

// appClient is a go-github client authenticated as the App (JWT).
func (a *App) appClient() (*github.Client, error) {
	if a.key == nil {
		return nil, errors.New("no GitHub App configured")
	}
	apps := ghinstallation.NewAppsTransportFromPrivateKey(a.tr, a.appID, a.key)
	apps.BaseURL = a.apiURL
	base := a.apiURL + "/"
	return github.NewClient(github.WithHTTPClient(&http.Client{Transport: apps}), github.WithURLs(&base, &base))
}

// IsSHA reports whether s is a full commit SHA as GitHub writes it: 40
// lower-case hex digits.
func IsSHA(s string) bool {
	if len(s) != 40 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
