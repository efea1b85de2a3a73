package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/spf13/cobra"

	"github.com/doctown/doctown/internal/mcpserver"
)

// MCPOptions are the flags of `doctown mcp`.
type MCPOptions struct {
	IO     *IO
	Files  []string
	Relay  string
	HTTP   string
	Budget int
	// Listening, when set, is told the HTTP address once the server listens
	// (tests use it to learn a ":0" port).
	Listening func(addr string)
}

func newMCPCmd(s *IO) *cobra.Command {
	opts := &MCPOptions{IO: s}
	cmd := &cobra.Command{
		Use:   "mcp [FILE.docpack ... | --relay URL]",
		Short: "Serve docpacks to coding agents over the Model Context Protocol",
		Long: `mcp runs a Model Context Protocol server over the given docpacks, or over the
commons of a relay with --relay (each repository's latest docpack, downloaded on
first use into the user cache directory). It speaks MCP over stdin/stdout, or
streamable HTTP with --http ADDR.

Tools: list_docpacks, search_symbols(query, kind?, docpack?), get_item(path),
list_module(path), get_changes(base, head) (the API diff of two docpacks with
its semver verdict); each docpack's llms.txt is a resource (doctown://NAME/llms.txt).
Every answer fits --token-budget tokens (counted with the tokenizer doctown's
batches use); longer listings are paged with a cursor.

With --relay, GITHUB_TOKEN (if set) is sent to that relay only, so private
docpacks you can read on GitHub are served too.

Add it to an MCP client's configuration as a command:
  {"mcpServers": {"doctown": {"command": "doctown", "args": ["mcp", "/path/to/tokio.docpack"]}}}`,
		Example: `  doctown mcp tokio.docpack serde.docpack
  doctown mcp --relay https://docs.example.org
  doctown mcp --http 127.0.0.1:8765 tokio.docpack`,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Files = args
			return runMCP(c.Context(), opts)
		},
		ValidArgsFunction: docpackArgs,
	}
	cmd.Flags().StringVar(&opts.Relay, "relay", "", "serve the commons of the relay at this URL")
	cmd.Flags().StringVar(&opts.HTTP, "http", "", "serve streamable HTTP on this address instead of stdio")
	cmd.Flags().IntVar(&opts.Budget, "token-budget", mcpserver.DefaultTokenBudget, "most tokens in one answer")
	return cmd
}

func runMCP(ctx context.Context, opts *MCPOptions) error {
	if (len(opts.Files) == 0) == (opts.Relay == "") {
		return usageError{errors.New("give docpack files or --relay URL (one of the two)")}
	}
	if opts.Budget < 200 {
		return usageError{fmt.Errorf("--token-budget %d is too small (at least 200)", opts.Budget)}
	}
	var lib mcpserver.Library
	if opts.Relay != "" {
		u, err := url.Parse(opts.Relay)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usageError{fmt.Errorf("--relay %q is not an http(s) URL", opts.Relay)}
		}
		dir, err := os.UserCacheDir()
		if err != nil {
			dir = os.TempDir()
		}
		client := relayClient(opts.IO.Getenv, opts.Relay)
		r := mcpserver.NewRelay(opts.Relay, filepath.Join(dir, "doctown", "relay", u.Host), client)
		defer r.Close()
		lib = r
	} else {
		f, err := mcpserver.OpenFiles(opts.Files)
		if err != nil {
			return err
		}
		defer f.Close()
		lib = f
	}
	srv, err := mcpserver.New(lib, mcpserver.Options{TokenBudget: opts.Budget, Version: Version()})
	if err != nil {
		return err
	}
	if err := srv.AddResources(ctx); err != nil {
		return err
	}
	if opts.HTTP == "" {
		err := srv.MCP().Run(ctx, &mcp.StdioTransport{})
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	return serveMCPHTTP(ctx, opts, srv)
}

func serveMCPHTTP(ctx context.Context, opts *MCPOptions, srv *mcpserver.Server) error {
	ln, err := net.Listen("tcp", opts.HTTP)
	if err != nil {
		return fmt.Errorf("mcp: %w", err)
	}
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv.MCP() }, nil)
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(slog.NewTextHandler(opts.IO.ErrOut, nil), slog.LevelWarn)}
	fmt.Fprintf(opts.IO.ErrOut, "doctown mcp: streamable HTTP on http://%s\n", ln.Addr())
	if opts.Listening != nil {
		opts.Listening(ln.Addr().String())
	}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
		return ctx.Err()
	}
}
