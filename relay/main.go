package relay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/doctown/doctown/internal/exit"
	"github.com/doctown/doctown/internal/version"
	"github.com/doctown/doctown/relay/config"
	"github.com/doctown/doctown/relay/secret"
)

// Main runs the relay command with args and returns the process exit code.
func Main(ctx context.Context, args []string) int {
	return MainIO(ctx, args, os.Getenv, os.Stdout, os.Stderr)
}

// MainIO is Main with the environment and streams given.
func MainIO(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg := config.Default()
	envErr := cfg.FromEnv(getenv)
	cmd := &cobra.Command{
		Use:   "relay",
		Short: "doctown's GitHub App server: webhooks → builds → docpacks → the commons",
		Long: `relay takes GitHub App webhooks (push, installation, installation_repositories),
keeps one durable job per repository commit, builds it in-process or on RunPod,
stores the docpack in a directory or an S3/R2 bucket and serves the commons.

Every setting comes from the environment (see "Run the relay" in README.md); flags
override it.`,
		Example: `  # A laptop: SQLite and docpacks in the data dir, a generated webhook secret
  relay --dev --data-dir ./relay-data

  # Production: the App's credentials and secret from the environment
  GITHUB_APP_ID=12345 GITHUB_APP_PRIVATE_KEY_PATH=/etc/doctown/app.pem \
  GITHUB_WEBHOOK_SECRET=$(cat /etc/doctown/webhook.secret) \
  relay --addr 0.0.0.0:8080 --public-url https://docs.example.org`,
		Version:       version.Version(),
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if envErr != nil {
				return envErr
			}
			return run(cmd.Context(), cfg, stderr)
		},
	}
	// Persistent: "relay import" reads the same settings as the server.
	cfg.RegisterFlags(cmd.PersistentFlags())
	cmd.AddCommand(newImportCmd(&cfg, &envErr, stdout, stderr))
	cmd.SetArgs(args)
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	err := cmd.ExecuteContext(ctx)
	switch {
	case err == nil:
		return exit.OK
	case errors.Is(err, context.Canceled):
		return exit.Cancel
	case errors.Is(err, errUsage) || errors.Is(err, ErrImportTarget) || errors.Is(err, ErrImportVisibility) || strings.Contains(err.Error(), "unknown flag") || strings.Contains(err.Error(), "invalid argument"):
		fmt.Fprintf(stderr, "relay: %v\n", err)
		return exit.Usage
	}
	fmt.Fprintf(stderr, "relay: %v\n", err)
	return exit.Failure
}

var errUsage = errors.New("invalid configuration")

// newLogger is the relay's JSON logger on stderr at cfg.LogLevel.
func newLogger(cfg config.Config, stderr io.Writer) (*slog.Logger, error) {
	level := slog.LevelInfo
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return nil, fmt.Errorf("%w: DOCTOWN_LOG_LEVEL %q", errUsage, cfg.LogLevel)
	}
	return slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level})), nil
}

// run starts the relay and serves until ctx is done.
func run(ctx context.Context, cfg config.Config, stderr io.Writer) error {
	log, err := newLogger(cfg, stderr)
	if err != nil {
		return err
	}
	if cfg.WebhookSecret == "" && cfg.Dev {
		cfg.WebhookSecret = secret.Hex(20)
		// Printed once, to the terminal only; it is not stored anywhere.
		fmt.Fprintf(stderr, "relay: --dev: generated webhook secret (set it on the GitHub App): %s\n", cfg.WebhookSecret)
	}
	if err := cfg.Load(); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("%w:\n%w", errUsage, err)
	}
	if cfg.Dev && cfg.GitHubAppID == 0 {
		// Besides the JSON warning NewServer logs: a line a person reads.
		fmt.Fprintln(stderr, "relay: --dev: no GitHub App configured (GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY): builds fetch repositories anonymously, public ones only, at GitHub's anonymous rate limit; private repositories fail")
	}
	s, err := NewServer(ctx, cfg, Deps{Logger: log, ToolVersion: version.Version()})
	if err != nil {
		return err
	}
	err = s.Run(ctx)
	if err != nil {
		return err
	}
	return nil
}
