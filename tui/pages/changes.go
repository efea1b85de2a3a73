package pages

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
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
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("changes of %s/%s: %w", e.Owner, e.Repo, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("changes of %s/%s: %w", e.Owner, e.Repo, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("changes of %s/%s: %w", e.Owner, e.Repo, statusError(resp, body))
	}
	var c Changes
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, fmt.Errorf("changes of %s/%s: the relay's answer is not a changes report (%s): %w", e.Owner, e.Repo, contentType(resp), err)
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
