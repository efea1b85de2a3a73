package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/doctown/doctown/docpack"
)

// Client reads a relay's commons.
type Client struct {
	// Base is the relay's URL, e.g. https://docs.example.org.
	Base string
	// HTTP is the client used; nil means http.DefaultClient.
	HTTP *http.Client
}

const (
	// MaxPages bounds how many listing pages Client.List follows.
	MaxPages = 10
	// MaxDownload bounds a downloaded docpack; the reader bounds what it unpacks.
	MaxDownload = 1 << 30
	// maxJSON bounds a JSON answer.
	maxJSON = 16 << 20
)

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

func (c *Client) url(path string) string { return strings.TrimRight(c.Base, "/") + path }

// List lists the relay's docpacks, newest first, following the "next" cursor
// for up to MaxPages pages.
func (c *Client) List(ctx context.Context) ([]Entry, error) {
	var all []Entry
	cursor := ""
	for page := 0; page < MaxPages; page++ {
		link := c.url(ListPath)
		if cursor != "" {
			link += "?cursor=" + url.QueryEscape(cursor)
		}
		var p List
		if err := c.getJSON(ctx, link, &p, "a docpack listing"); err != nil {
			return nil, fmt.Errorf("commons of %s: %w", c.Base, err)
		}
		all = append(all, p.Docpacks...)
		if p.Next == "" || p.Next == cursor {
			break
		}
		cursor = p.Next
	}
	return all, nil
}

// Changes asks the relay for e's changes against the previous docpack of its ref.
func (c *Client) Changes(ctx context.Context, e Entry) (*Changes, error) {
	var ch Changes
	if err := c.getJSON(ctx, c.url(ChangesPath(e.Owner, e.Repo, e.SHA)), &ch, "a changes report"); err != nil {
		return nil, fmt.Errorf("changes of %s/%s: %w", e.Owner, e.Repo, err)
	}
	return &ch, nil
}

// getJSON GETs link and decodes the relay's JSON answer, described by what in
// errors, into v.
func (c *Client) getJSON(ctx context.Context, link string, v any, what string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJSON))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return statusError(resp, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("the relay's answer is not %s (%s): %w", what, contentType(resp), err)
	}
	return nil
}

// statusError describes a failed answer, with the relay's Error message when
// it sent one.
func statusError(resp *http.Response, body []byte) error {
	var e Error
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return fmt.Errorf("%s: %s", resp.Status, e.Error)
	}
	return fmt.Errorf("%s", resp.Status)
}

func contentType(resp *http.Response) string {
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		return ct
	}
	return "no content type"
}

// Download fetches e's docpack into dir and returns its path. The file
// appears only once it is complete and opens as a docpack: a failed,
// cancelled or bogus download leaves nothing behind.
func (c *Client) Download(ctx context.Context, dir string, e Entry) (string, error) {
	name := e.Owner + "/" + e.Repo
	link := e.URL
	if link == "" {
		link = DownloadPath(e.Owner, e.Repo, e.SHA)
	}
	link = resolve(strings.TrimRight(c.Base, "/")+"/", link)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return "", fmt.Errorf("download %s: %w", name, err)
	}
	resp, err := c.http().Do(req)
	if err != nil {
		return "", fmt.Errorf("download %s: %w", name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return "", fmt.Errorf("download %s: %w", name, statusError(resp, body))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("download %s: %w", name, err)
	}
	tmp, err := os.CreateTemp(dir, ".download-*")
	if err != nil {
		return "", fmt.Errorf("download %s: %w", name, err)
	}
	defer os.Remove(tmp.Name())
	if err := fill(tmp, resp.Body); err != nil {
		return "", fmt.Errorf("download %s: %w", name, err)
	}
	path := filepath.Join(dir, safeName(e.Owner)+"-"+safeName(e.Repo)+"-"+safeName(Short(e.SHA))+".docpack")
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("download %s: %w", name, err)
	}
	return path, nil
}

// fill copies body into tmp, checks that it reads as a docpack, and syncs
// and closes tmp.
func fill(tmp *os.File, body io.Reader) error {
	n, err := io.Copy(tmp, io.LimitReader(body, MaxDownload+1))
	if err == nil && n > MaxDownload {
		err = fmt.Errorf("larger than %d MiB", MaxDownload>>20)
	}
	if err == nil {
		var p *docpack.Pack
		if p, err = docpack.Read(tmp, n); err == nil {
			p.Close()
			err = tmp.Sync()
		}
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	return err
}

// Short is a commit's 12-character abbreviation.
func Short(sha string) string { return sha[:min(12, len(sha))] }

func resolve(base, ref string) string {
	b, err := url.Parse(base)
	if err != nil {
		return ref
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	return b.ResolveReference(r).String()
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, s)
}
