// Package api is the commons' JSON API on the wire: the one definition of the
// listing, changes and error bodies the relay serves and of the paths they are
// served at, and a client that reads them (the TUI's commons browser and
// `doctown mcp --relay` use it). It imports nothing of the relay, so the
// doctown binary can use it without the server.
package api

import (
	"net/url"
	"strconv"
	"time"

	"github.com/doctown/doctown/docpack/apidiff"
)

// Entry is one docpack in GET /api/docpacks.
type Entry struct {
	Owner       string    `json:"owner"`
	Repo        string    `json:"repo"`
	SHA         string    `json:"sha"`
	Ref         string    `json:"ref"`
	SymbolCount int       `json:"symbol_count"`
	Size        int64     `json:"size"`
	Generator   string    `json:"generator"`
	Model       string    `json:"model"`
	CreatedAt   time.Time `json:"created_at"`
	// URL downloads the docpack; PageURL reads it in a browser.
	URL     string `json:"url"`
	PageURL string `json:"page_url"`
	// Pull is set on a pull request's preview: its number.
	Pull int `json:"pull,omitempty"`
	// Changes is the summary of the docpack's API changes, stored when it
	// arrived (absent for older docpacks: the changes endpoint computes them).
	Changes *ChangeSummary `json:"changes,omitempty"`
	// Crates are the docpack's crates as the commons home lists them.
	Crates []Crate `json:"crates,omitempty"`
}

// Crate is a crate of a docpack: name, version and the crate root's
// one-line summary (Markdown, intra-doc links reduced to their text).
type Crate struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	Summary string `json:"summary,omitempty"`
}

// ChangeSummary is the stored summary of a docpack's API changes.
type ChangeSummary struct {
	// Base is the commit compared with; empty for a branch's first docpack.
	Base    string           `json:"base"`
	Verdict apidiff.Severity `json:"verdict"`
	Counts  apidiff.Counts   `json:"counts"`
	Summary string           `json:"summary"`
}

// List is one page of GET /api/docpacks, newest first; Next is the cursor of
// the following page, empty on the last.
type List struct {
	Docpacks []Entry `json:"docpacks"`
	Next     string  `json:"next"`
}

// Error is the body of every failed API answer.
type Error struct {
	Error string `json:"error"`
}

// Change is one change in the changes API, with a link to the item's page
// (on the base's side for a removal).
type Change struct {
	apidiff.Change
	URL string `json:"url"`
}

// Module is the changes of one module.
type Module struct {
	Path    string   `json:"path"`
	Changes []Change `json:"changes"`
}

// Changes is GET /api/docpacks/{owner}/{repo}/{sha}/changes: the API diff of
// a docpack against the previous docpack of its ref.
type Changes struct {
	Owner string `json:"owner"`
	Repo  string `json:"repo"`
	SHA   string `json:"sha"`
	Ref   string `json:"ref"`
	// Pull is set for a pull request's preview (compared with its base).
	Pull int `json:"pull,omitempty"`
	// Base is the commit compared with; empty for a ref's first docpack.
	Base    string           `json:"base"`
	Verdict apidiff.Severity `json:"verdict"`
	Summary string           `json:"summary"`
	Counts  apidiff.Counts   `json:"counts"`
	Modules []Module         `json:"modules"`
	// Markdown is the report as a check run or a pull-request comment shows it.
	Markdown string `json:"markdown"`
}

// Report is the changes as an apidiff report (without the links), for the
// renderers `doctown diff` uses.
func (c *Changes) Report() apidiff.Report {
	r := apidiff.Report{Verdict: c.Verdict, Counts: c.Counts, Modules: make([]apidiff.Module, 0, len(c.Modules))}
	for _, m := range c.Modules {
		am := apidiff.Module{Path: m.Path, Changes: make([]apidiff.Change, 0, len(m.Changes))}
		for _, ch := range m.Changes {
			am.Changes = append(am.Changes, ch.Change)
		}
		r.Modules = append(r.Modules, am)
	}
	return r
}

// ListPath is the path of the listing.
const ListPath = "/api/docpacks"

// DownloadPath is the path that downloads a docpack.
func DownloadPath(owner, repo, sha string) string {
	return ListPath + "/" + url.PathEscape(owner) + "/" + url.PathEscape(repo) + "/" + url.PathEscape(sha)
}

// PagePath is the path of a docpack's page in the commons.
func PagePath(owner, repo, sha string) string {
	return "/r/" + url.PathEscape(owner) + "/" + url.PathEscape(repo) + "/" + url.PathEscape(sha)
}

// PullPagePath is the path that shows pull request number's preview: its
// newest built head.
func PullPagePath(owner, repo string, number int) string {
	return "/pr/" + url.PathEscape(owner) + "/" + url.PathEscape(repo) + "/" + strconv.Itoa(number)
}

// ChangesPath is the path of a docpack's changes.
func ChangesPath(owner, repo, sha string) string {
	return DownloadPath(owner, repo, sha) + "/changes"
}
