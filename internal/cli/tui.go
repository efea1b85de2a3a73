package cli

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/doctown/doctown/pipeline"
	"github.com/doctown/doctown/pipeline/github"
	"github.com/doctown/doctown/tui"
)

// TUIOptions are the flags of `doctown tui`.
type TUIOptions struct {
	IO     *IO
	Target string
	Relay  string
}

func newTUICmd(s *IO) *cobra.Command {
	opts := &TUIOptions{IO: s}
	cmd := &cobra.Command{
		Use: "tui [PATH | OWNER/REPO@REF | FILE.docpack]",
		Example: `  doctown tui                                  # home: recent docpacks, start a build
  doctown tui ~/src/my-crate                   # build it with live progress, then browse
  doctown tui BurntSushi/memchr@2.7.4          # build a GitHub repository at a ref
  doctown tui serde.docpack                    # browse a docpack
  doctown tui --relay https://docs.example.org # browse and download a relay's commons`,
		Short: "Build and browse docpacks interactively",
		Long: `tui opens doctown's terminal interface. With no argument it shows the home
screen: recent docpacks in the current directory and in the data directory
($XDG_DATA_HOME/doctown, else ~/.local/share/doctown), a field to start a build,
and with --relay the commons of that relay. A directory or owner/repo@ref starts a
build with live progress; a .docpack file opens the browser.

While the interface runs, logs go to the user cache directory (doctown/tui.log).`,
		Args: rangeArgs(0, 1),
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Target = args[0]
			}
			return runTUI(c.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Relay, "relay", "", "list the docpacks of the relay at this URL")
	return cmd
}

func runTUI(ctx context.Context, opts *TUIOptions) error {
	s := opts.IO
	if !s.IsTerminal {
		return usageError{fmt.Errorf("tui needs a terminal; use 'doctown build' and 'doctown open' in scripts")}
	}
	logger, closeLog := tui.OpenLog()
	defer closeLog()
	dataDir := tui.DataDir(s.Getenv)
	return tui.Run(ctx, tui.Options{
		Target:  opts.Target,
		Relay:   opts.Relay,
		Client:  relayClient(s.Getenv, opts.Relay),
		Build:   tuiBuilder(s),
		Dirs:    []string{".", dataDir},
		DataDir: dataDir,
		Color:   s.ColorEnabled(),
		Logger:  logger,
	})
}

// relayClient is the HTTP client that reads a relay's commons: with a GitHub
// token in the environment (DOCTOWN_GITHUB_TOKEN, GITHUB_TOKEN), it is sent as a bearer
// token to the relay's own host — and nowhere else — so the private
// repositories the token may read are listed and downloadable.
func relayClient(getenv func(string) string, relay string) *http.Client {
	tok, err := github.TokenFromEnv(getenv, "")
	u, perr := url.Parse(relay)
	if err != nil || tok == "" || perr != nil || u.Host == "" {
		return http.DefaultClient
	}
	return &http.Client{Transport: relayAuth{base: http.DefaultTransport, scheme: u.Scheme, host: u.Host, token: tok}}
}

// relayAuth adds the bearer token to requests for one scheme and host.
type relayAuth struct {
	base         http.RoundTripper
	scheme, host string
	token        string
}

func (a relayAuth) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Scheme == a.scheme && r.URL.Host == a.host && r.Header.Get("Authorization") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+a.token)
	}
	return a.base.RoundTrip(r)
}

// tuiBuilder builds a local directory, or owner/repo@ref through the GitHub API,
// into the current directory.
func tuiBuilder(s *IO) tui.BuildFunc {
	return func(ctx context.Context, target string, emit pipeline.Observer) (*pipeline.BuildResult, error) {
		src, err := tuiSource(ctx, s, target)
		if err != nil {
			return nil, err
		}
		now, err := buildClock(s.Getenv)
		if err != nil {
			return nil, err
		}
		return pipeline.Build(ctx, pipeline.BuildOptions{Source: src, ToolVersion: Version(), Now: now}, emit)
	}
}

func tuiSource(ctx context.Context, s *IO, target string) (pipeline.Source, error) {
	if fi, err := os.Stat(target); err == nil && fi.IsDir() {
		return pipeline.LocalSource{Dir: target}, nil
	}
	t, ok := github.ParseTarget(target)
	if !ok || strings.HasPrefix(target, ".") || strings.HasPrefix(target, "/") {
		return nil, fmt.Errorf("%s is neither a directory nor owner/repo@ref", target)
	}
	token, err := github.TokenFromEnv(s.Getenv, "")
	if err != nil {
		return nil, err
	}
	return github.NewSource(ctx, t, github.Options{Token: token, APIURL: s.Getenv("DOCTOWN_GITHUB_API_URL")})
}
