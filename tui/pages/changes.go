package pages

import (
	"context"
	"net/http"
	"strings"

	"github.com/doctown/doctown/relay/commons/api"
)

// Changes is a commons entry's API changes as the relay reports them.
type Changes struct{ api.Changes }

// FetchChanges asks the relay for e's changes against the previous docpack
// of its ref.
func FetchChanges(ctx context.Context, client *http.Client, relay string, e CommonsEntry) (*Changes, error) {
	c, err := (&api.Client{Base: relay, HTTP: client}).Changes(ctx, e)
	if err != nil {
		return nil, err
	}
	return &Changes{*c}, nil
}

// Text renders the changes as `doctown diff` prints them.
func (c *Changes) Text() string {
	if c.Base == "" {
		return c.Summary
	}
	var b strings.Builder
	r := c.Report()
	r.WriteText(&b, false)
	return "against " + api.Short(c.Base) + ", " + b.String()
}
