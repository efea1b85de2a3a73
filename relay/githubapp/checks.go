package githubapp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v88/github"
)

// CheckRunName is the name of the check run the relay reports on commits.
const CheckRunName = "doctown"

// CheckRun is what the relay reports on a check run: created in progress,
// updated to completed with a conclusion and an output.
type CheckRun struct {
	// Status is "in_progress" or "completed"; Conclusion is set with the latter.
	Status, Conclusion string
	DetailsURL         string
	// Title and Summary are the output (Summary is Markdown, at most 65,535
	// characters: GitHub refuses more).
	Title, Summary string
}

// ErrNoChecks means check runs cannot be written: no App is configured or
// the commit has no installation.
var ErrNoChecks = errors.New("check runs need a GitHub App installation")

// checksClient is go-github on an installation token narrowed to repo with
// checks: write, the one permission a check run needs. The build's own token
// stays contents read-only.
func (a *App) checksClient(installationID int64, repo string) (*github.Client, error) {
	if a.key == nil || installationID == 0 {
		return nil, ErrNoChecks
	}
	t := a.scoped(installationID, repo, &github.InstallationPermissions{Checks: github.Ptr("write")})
	base := a.apiURL + "/"
	return github.NewClient(github.WithHTTPClient(&http.Client{Transport: t}), github.WithURLs(&base, &base))
}

// CreateCheckRun creates the relay's check run on owner/repo's commit sha
// and returns its id.
func (a *App) CreateCheckRun(ctx context.Context, installationID int64, owner, repo, sha string, run CheckRun) (int64, error) {
	c, err := a.checksClient(installationID, repo)
	if err != nil {
		return 0, err
	}
	now := github.Timestamp{Time: time.Now()}
	opts := github.CreateCheckRunOptions{Name: CheckRunName, HeadSHA: sha, Status: github.Ptr(run.Status), StartedAt: &now}
	if run.DetailsURL != "" {
		opts.DetailsURL = github.Ptr(run.DetailsURL)
	}
	if run.Conclusion != "" {
		opts.Status, opts.Conclusion, opts.CompletedAt = nil, github.Ptr(run.Conclusion), &now
	}
	if run.Title != "" {
		opts.Output = &github.CheckRunOutput{Title: github.Ptr(run.Title), Summary: github.Ptr(run.Summary)}
	}
	cr, _, err := c.Checks.CreateCheckRun(ctx, owner, repo, opts)
	if err != nil {
		return 0, checksErr("create check run", err)
	}
	return cr.GetID(), nil
}

// UpdateCheckRun updates the relay's check run id on owner/repo.
func (a *App) UpdateCheckRun(ctx context.Context, installationID int64, owner, repo string, id int64, run CheckRun) error {
	c, err := a.checksClient(installationID, repo)
	if err != nil {
		return err
	}
	opts := github.UpdateCheckRunOptions{Name: CheckRunName}
	if run.DetailsURL != "" {
		opts.DetailsURL = github.Ptr(run.DetailsURL)
	}
	if run.Conclusion != "" {
		opts.Conclusion = github.Ptr(run.Conclusion)
		opts.CompletedAt = &github.Timestamp{Time: time.Now()}
	} else if run.Status != "" {
		opts.Status = github.Ptr(run.Status)
	}
	if run.Title != "" {
		opts.Output = &github.CheckRunOutput{Title: github.Ptr(run.Title), Summary: github.Ptr(run.Summary)}
	}
	if _, _, err := c.Checks.UpdateCheckRun(ctx, owner, repo, id, opts); err != nil {
		return checksErr("update check run", err)
	}
	return nil
}

// checksErr names what failed by its status alone: GitHub's answer body
// (which may quote the request) and the request URL are not repeated.
func checksErr(what string, err error) error {
	var ge *github.ErrorResponse
	if errors.As(err, &ge) && ge.Response != nil {
		hint := ""
		if ge.Response.StatusCode == http.StatusForbidden {
			hint = " (does the App have the checks: write permission?)"
		}
		return fmt.Errorf("%s: GitHub answered %d%s", what, ge.Response.StatusCode, hint)
	}
	var he *ghinstallation.HTTPError
	if errors.As(err, &he) && he.Response != nil {
		hint := ""
		if he.Response.StatusCode == http.StatusUnprocessableEntity {
			hint = " (the App was not granted checks: write)"
		}
		return fmt.Errorf("%s: installation token: GitHub answered %d%s", what, he.Response.StatusCode, hint)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", what, err)
	}
	return fmt.Errorf("%s: request failed", what)
}
