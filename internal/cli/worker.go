package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/doctown/doctown/pipeline/github"
	"github.com/doctown/doctown/pipeline/llm"
	"github.com/doctown/doctown/pipeline/rust"
	"github.com/doctown/doctown/pipeline/upload"
	"github.com/doctown/doctown/pipeline/worker"
)

type workerRunPodOptions struct {
	IO *IO
	// TestInput, when set, runs this one job locally and prints its result.
	TestInput string
	// MaxJobs stops after that many jobs (0: until stopped).
	MaxJobs int
	Debug   bool
}

func newWorkerCmd(s *IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "worker",
		Example: `  doctown worker runpod   # the RunPod serverless handler`,
		Short:   "Run as a build worker for a job queue",
		Args:    exactArgs(0),
	}
	cmd.AddCommand(newWorkerRunPodCmd(s))
	return cmd
}

func newWorkerRunPodCmd(s *IO) *cobra.Command {
	opts := workerRunPodOptions{IO: s}
	cmd := &cobra.Command{
		Use:   "runpod",
		Short: "Run as a RunPod serverless worker",
		Long: `Take build jobs from a RunPod serverless endpoint, build each repository and
upload its docpack to the relay. RunPod sets RUNPOD_WEBHOOK_GET_JOB,
RUNPOD_WEBHOOK_PING, RUNPOD_WEBHOOK_POST_OUTPUT, RUNPOD_AI_API_KEY and RUNPOD_POD_ID.
DOCTOWN_RELAY_URL is the default upload URL, DOCTOWN_GITHUB_API_URL the GitHub API.

A job's input is {"repo", "git_ref", "token", "api_url", "job_id", "upload_token",
"upload_url"}; its output is the build summary. --test-input runs one job locally
and prints {"output": …} or {"error": …}.`,
		Example: `  doctown worker runpod --test-input '{"input": {"repo": "BurntSushi/memchr", "git_ref": "2.7.4"}}'`,
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runWorkerRunPod(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.TestInput, "test-input", "", "run one job with this JSON input locally and print the result")
	cmd.Flags().IntVar(&opts.MaxJobs, "max-jobs", 0, "exit after this many jobs (0: run until stopped)")
	cmd.Flags().BoolVar(&opts.Debug, "debug", false, "log at debug level")
	return cmd
}

func runWorkerRunPod(ctx context.Context, opts workerRunPodOptions) error {
	level := slog.LevelInfo
	if opts.Debug {
		level = slog.LevelDebug
	}
	cfg := worker.ConfigFromEnv(opts.IO.Getenv)
	cfg.Logger = slog.New(slog.NewJSONHandler(opts.IO.ErrOut, &slog.HandlerOptions{Level: level}))
	cfg.MaxJobs = opts.MaxJobs
	cfg.ToolVersion = Version()
	// The same generator settings as `doctown build`: a model when one is configured.
	if lc := llm.ConfigFromEnv(opts.IO.Getenv); llm.Enabled(lc) {
		g, err := llm.New(lc)
		if err != nil {
			return usageError{err}
		}
		cfg.Generator = g
	}
	if opts.TestInput == "" {
		return worker.Run(ctx, cfg)
	}
	in, err := parseTestInput(opts.TestInput)
	if err != nil {
		return usageError{err}
	}
	out, jobErr := worker.RunJob(ctx, cfg, in)
	var body any = map[string]any{"output": out}
	if jobErr != nil {
		body = map[string]string{"error": jobErr.Error()}
	}
	enc := json.NewEncoder(opts.IO.Out)
	enc.SetIndent("", "  ")
	if err := enc.Encode(body); err != nil {
		return err
	}
	if jobErr != nil {
		if errors.Is(jobErr, github.ErrAuth) || errors.Is(jobErr, upload.ErrAuth) {
			return &ExitError{Code: ExitAuth, Err: ErrSilent}
		}
		if fe := (*rust.FeatureError)(nil); errors.As(jobErr, &fe) {
			return &ExitError{Code: ExitUsage, Err: ErrSilent} // the job asked for what the crate lacks
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return ErrSilent
	}
	return nil
}

// parseTestInput accepts RunPod's test-input shape {"input": {…}} or the bare input.
func parseTestInput(s string) (worker.Input, error) {
	var wrapped struct {
		Input *worker.Input `json:"input"`
	}
	if err := json.Unmarshal([]byte(s), &wrapped); err != nil {
		return worker.Input{}, fmt.Errorf("--test-input: %w", err)
	}
	if wrapped.Input != nil {
		return *wrapped.Input, nil
	}
	var in worker.Input
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return worker.Input{}, fmt.Errorf("--test-input: %w", err)
	}
	return in, nil
}
