package pages

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/doctown/doctown/docpack/apidiff"
)

// Changes is a commons entry's API changes as the relay's
// GET /api/docpacks/{owner}/{repo}/{sha}/changes reports them.
type Changes struct {
	// Base is the commit compared with; empty for a ref's first docpack.
	Base    string `json:"base"`
	Summary string `json:"summary"`
	apidiff.Report
}

// FetchChanges asks the relay for e's changes against the previous docpack
// of its ref.
func FetchChanges(ctx context.Context, client *http.Client, relay string, e CommonsEntry) (*Changes, error) {
	link := strings.TrimRight(relay, "/") + "/api/docpacks/" + url.PathEscape(e.Owner) + "/" + url.PathEscape(e.Repo) + "/" + url.PathEscape(e.SHA) + "/changes"
	var c Changes
	if err := getJSON(ctx, client, link, &c, "a changes report"); err != nil {
		return nil, fmt.Errorf("changes of %s/%s: %w", e.Owner, e.Repo, err)
	}
	return &c, nil
}

// Text renders the changes as `doctown diff` prints them.
func (c *Changes) Text() string {
	if c.Base == "" {
		return c.Summary
	}
	var b strings.Builder
	c.Report.WriteText(&b, false)
	return "against " + short(c.Base) + ", " + b.String()
}
