package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/pipeline"
	"github.com/doctown/doctown/pipeline/github"
	"github.com/doctown/doctown/pipeline/llm"
	"github.com/doctown/doctown/pipeline/rust"
	"github.com/doctown/doctown/pipeline/rust/cfg"
	"github.com/doctown/doctown/pipeline/upload"
)

// BuildOptions are the flags and arguments of `doctown build`.
type BuildOptions struct {
	IO             *IO
	Target         string
	Output         string
	IncludePrivate bool
	IncludeHidden  bool
	JSON           bool
	Quiet          bool
	Workers        int
	// Config is the cargo-style build configuration (--features, --target, …).
	Config rust.BuildConfig

	// Generator is "auto" (openai when a key or base URL is set, else
	// extractive), "extractive" or "openai".
	Generator string
	LLM       llm.Config

	// TokenFile holds the GitHub token; Token is the discouraged argv form.
	TokenFile string
	Token     string

	// UploadURL, JobID: hand the docpack to a relay (token from DOCTOWN_UPLOAD_TOKEN).
	UploadURL string
	JobID     string
}

func newBuildCmd(s *IO) *cobra.Command {
	opts := &BuildOptions{IO: s, LLM: llm.ConfigFromEnv(s.Getenv)}
	cmd := &cobra.Command{
		Use:   "build [PATH | owner/repo[@ref] | URL]",
		Short: "Build a .docpack from a Rust crate or workspace",
		Long: `Build a .docpack from a Rust crate or workspace.

The argument is a directory holding Cargo.toml (default: the current directory),
a GitHub repository as owner/repo[@ref] or https://github.com/owner/repo (fetched
through the GitHub API at an exact commit; token from GITHUB_TOKEN,
DOCTOWN_GITHUB_TOKEN or --token-file; DOCTOWN_GITHUB_API_URL for GitHub
Enterprise), or a git URL (https://…/x.git, file://…, cloned with git). Every
member of a workspace is documented. The docpack is written to
<crate-or-workspace-name>.docpack unless -o says otherwise; it is written to a
temporary file first, so an interrupted build never leaves a half-written file.

Items behind #[cfg] are chosen as docs.rs chooses them: the features, default
target and rustdoc --cfg of the crate's [package.metadata.docs.rs], else the
default features on x86_64-unknown-linux-gnu. Any of --features, --all-features,
--no-default-features, --target or --cfg replaces that configuration as a whole
(the crate is read as cargo builds it with those flags), as
--ignore-docs-rs-metadata does.
A feature no crate of the build defines is an error, as cargo has it.

Docs are written by the offline extractive generator unless a model is
configured: OPENAI_API_KEY and/or OPENAI_BASE_URL (any OpenAI-compatible API:
OpenAI, Ollama, vLLM, llama.cpp's server), DOCTOWN_MODEL. --dry-run shows the
batches, tokens and estimated cost without sending anything.

Progress goes to stderr: a status line on a terminal, plain lines otherwise,
and NDJSON events on stdout with --json.`,
		Example: `  doctown build                       # the crate in the current directory
  doctown build ./my-crate -o docs.docpack
  doctown build rust-lang/log@0.4.22
  OPENAI_API_KEY=… doctown build --generator openai --max-cost 0.50
  OPENAI_BASE_URL=http://localhost:11434/v1 doctown build --model qwen2.5-coder --dry-run
  doctown build --json . | jq -c 'select(.event=="stage_done")'`,
		Args: rangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Target = "."
			if len(args) == 1 {
				opts.Target = args[0]
			}
			return runBuild(cmd.Context(), opts)
		},
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return nil, cobra.ShellCompDirectiveFilterDirs
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Output, "output", "o", "", "write the docpack to `FILE` (default <name>.docpack)")
	f.BoolVar(&opts.IncludePrivate, "include-private", false, "keep private and unreachable items")
	f.BoolVar(&opts.IncludeHidden, "include-hidden", false, "keep #[doc(hidden)] items")
	f.BoolVar(&opts.JSON, "json", false, "print NDJSON events and a final result object on stdout")
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "print only warnings and errors")
	f.StringSliceVarP(&opts.Config.Features, "features", "F", nil, "features to enable, as cargo takes them (comma or space separated)")
	f.BoolVar(&opts.Config.AllFeatures, "all-features", false, "enable every feature of the crate")
	f.BoolVar(&opts.Config.NoDefaultFeatures, "no-default-features", false, "do not enable the default feature")
	f.StringVar(&opts.Config.Target, "target", "", "evaluate #[cfg] for this target `TRIPLE` (default: docs.rs's default-target, else x86_64-unknown-linux-gnu)")
	f.StringArrayVar(&opts.Config.Cfgs, "cfg", nil, "set a custom cfg, `NAME` or NAME=\"VALUE\" (repeatable)")
	f.BoolVar(&opts.Config.IgnoreDocsRS, "ignore-docs-rs-metadata", false, "do not read [package.metadata.docs.rs] (default features on the default target)")
	f.IntVar(&opts.Workers, "workers", 0, "files parsed and docpack entries compressed in parallel (default: number of CPUs)")
	f.StringVar(&opts.Generator, "generator", "auto", "doc generator: extractive, openai, or auto (openai when OPENAI_API_KEY or OPENAI_BASE_URL is set)")
	opts.LLM.RegisterFlags(f)
	f.StringVar(&opts.TokenFile, "token-file", "", "read the GitHub token from `FILE`")
	f.StringVar(&opts.Token, "token", "", "GitHub token (visible to other users in the process list: prefer GITHUB_TOKEN or --token-file)")
	f.StringVar(&opts.UploadURL, "upload", "", "upload the docpack to the relay at `URL` (token from DOCTOWN_UPLOAD_TOKEN)")
	f.StringVar(&opts.JobID, "job-id", "", "the relay's job id for --upload")
	cmd.MarkFlagFilename("output", "docpack")
	cmd.MarkFlagFilename("token-file")
	cmd.MarkFlagFilename("reuse", "docpack")
	cmd.RegisterFlagCompletionFunc("generator", cobra.FixedCompletions([]string{"auto", "extractive", "openai"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("target", cobra.FixedCompletions(cfg.Targets(), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// buildMemoryLimit is the Go heap's soft limit during a build (GOMEMLIMIT,
// when set, is left to decide). Below it the collector paces itself as
// GOGC=100 does, letting the heap grow to twice what is live; a crate whose
// live heap passes half the limit is collected more often rather than let
// double. It was 256 MiB (session 8: winapi with every feature, peak RSS
// 384–403 → 316–324 MB for ~0.5 s more CPU); winapi's live heap at its most
// is now ~190 MB (session 9, the items' records made smaller), and 224 MiB
// takes its peak RSS from ~281 to ~249 MB. Below ~208 MiB the live heap is
// over the limit for a while and the peak does not fall (254 MB) for ~1 s
// more CPU. Session 10 made winapi's parsed items 22 MB smaller (live heap
// at the resolve's most 166 → 143 MB, rust.symbolValues): at 200 MiB its
// peak RSS is 243–250 → 223–238 MB (medians of 6: 246 → 229 MB) for no more
// CPU (3.45 → 3.37 s user, against 224 MiB before); 208 MiB gave 230–231 MB
// for 0.1 s less, 192 MiB no lower a peak (224–234 MB) for 0.1–0.3 s more. tokio, syn, object and
// gimli never reach it. A crate whose live heap outgrows the limit is
// collected at most half of the CPU's time (the runtime's own cap); GOGC=50 instead cost more CPU (+0.7 s) for less; a
// limit following the live heap (live + 48/64/96 MiB after each collection)
// collected more often while the files are parsed: +1–2 s CPU on winapi for
// 244/263/~300 MB.
const buildMemoryLimit = 200 << 20

func runBuild(ctx context.Context, opts *BuildOptions) error {
	s := opts.IO
	mode := progressPlain
	switch {
	case opts.JSON:
		mode = progressJSON
	case opts.Quiet:
		mode = progressQuiet
	case s.IsTerminal:
		mode = progressLine
	}
	progressOut := s.ErrOut
	if opts.JSON {
		progressOut = s.Out
	}
	r := newProgressRenderer(progressOut, mode, s.ColorEnabled())

	now, err := buildClock(s.Getenv)
	if err != nil {
		return usageError{err}
	}
	if err := opts.Config.Validate(); err != nil {
		return usageError{fmt.Errorf("build configuration: %w", err)}
	}
	if opts.Workers < 0 {
		return usageError{fmt.Errorf("--workers %d: want a positive number, or 0 for one per CPU", opts.Workers)}
	}
	if s.Getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(buildMemoryLimit))
	}
	gen, err := buildGenerator(opts, r)
	if err != nil {
		return err
	}
	src, err := resolveSource(ctx, s, opts.Target, opts.TokenFile, opts.Token)
	if err != nil {
		return err
	}
	var uploader *upload.Uploader
	if opts.UploadURL != "" {
		if opts.JobID == "" {
			return usageError{errors.New("--upload needs --job-id")}
		}
		tok := s.Getenv("DOCTOWN_UPLOAD_TOKEN")
		if tok == "" {
			return AuthError(errors.New("--upload needs the job's upload token in DOCTOWN_UPLOAD_TOKEN"))
		}
		uploader = upload.New(upload.Options{URL: opts.UploadURL, JobID: opts.JobID, Token: tok})
	}
	bo := pipeline.BuildOptions{
		Source:         src,
		Output:         opts.Output,
		IncludePrivate: opts.IncludePrivate,
		IncludeHidden:  opts.IncludeHidden,
		Workers:        opts.Workers,
		Config:         opts.Config,
		Generator:      gen,
		ToolVersion:    Version(),
		Now:            now,
	}
	if uploader != nil {
		bo.Uploader = uploader
	}
	res, err := pipeline.Build(ctx, bo, r.Observe)
	r.Finish()
	if uploader != nil {
		status, errText := "success", ""
		if err != nil {
			status, errText = "failed", err.Error()
		}
		// Report the outcome even when the build was interrupted.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		if cerr := uploader.Complete(cctx, status, errText); cerr != nil && err == nil {
			err = fmt.Errorf("report completion: %w", cerr)
		}
		cancel()
	}
	if err != nil {
		var dry *llm.DryRunError
		if errors.As(err, &dry) {
			if opts.JSON {
				writeJSONLine(s, struct {
					Event string    `json:"event"`
					Plan  *llm.Plan `json:"plan"`
				}{"plan", dry.Plan})
				return nil
			}
			return dry.Plan.WriteText(s.Out)
		}
		if opts.JSON {
			writeJSONLine(s, buildResultJSON{Event: "result", Error: err.Error()})
		}
		return classifyBuildError(err)
	}
	if opts.JSON {
		writeJSONLine(s, buildResultJSON{
			Event: "result", OK: true, Output: res.Output,
			Symbols: res.Manifest.SymbolCount, Docs: res.Manifest.DocCount,
			Counts: res.Manifest.Counts, Warnings: len(res.Warnings),
			Fallbacks: len(res.Manifest.Fallbacks), Elapsed: res.Elapsed.Seconds(),
		})
		return nil
	}
	if !opts.Quiet {
		var size int64
		if fi, err := os.Stat(res.Output); err == nil {
			size = fi.Size()
		}
		warnings := "warnings"
		if len(res.Warnings) == 1 {
			warnings = "warning"
		}
		fmt.Fprintf(s.ErrOut, "wrote %s: %d symbols, %d docs (%s, %s), %d %s, %s\n",
			res.Output, res.Manifest.SymbolCount, res.Manifest.DocCount, res.Manifest.Generator.Name,
			humanBytes(size), len(res.Warnings), warnings, roundDur(res.Elapsed))
	}
	return nil
}

// buildGenerator picks the generator: extractive unless a model is asked for or
// configured. It says in one line which one runs when the choice was implicit.
func buildGenerator(opts *BuildOptions, r *progressRenderer) (pipeline.Generator, error) {
	switch opts.Generator {
	case "extractive":
		if opts.LLM.DryRun {
			return nil, usageError{errors.New("--dry-run plans a model run; the extractive generator sends nothing (drop --dry-run, or use --generator auto|openai)")}
		}
		return nil, nil
	case "openai":
	case "auto", "":
		if opts.LLM.DryRun && !llm.Enabled(opts.LLM) {
			// A dry run answers "what would a model run send and cost?": plan it
			// with the configured (default) model. Nothing is sent or written.
			if !opts.JSON {
				fmt.Fprintf(opts.IO.ErrOut, "no model is configured: planning a run with %s (set OPENAI_API_KEY or OPENAI_BASE_URL to run it)\n", opts.LLM.Model)
			}
			g, err := llm.New(opts.LLM)
			if err != nil {
				return nil, usageError{err}
			}
			return g, nil
		}
		if !llm.Enabled(opts.LLM) {
			if !opts.JSON && !opts.Quiet {
				fmt.Fprintln(opts.IO.ErrOut, "using the offline extractive generator (set OPENAI_API_KEY or OPENAI_BASE_URL to write docs with a model)")
			}
			return nil, nil
		}
	default:
		return nil, usageError{fmt.Errorf("--generator must be extractive, openai or auto, not %q", opts.Generator)}
	}
	if !llm.Enabled(opts.LLM) {
		return nil, usageError{errors.New("--generator openai needs OPENAI_API_KEY or --base-url (OPENAI_BASE_URL)")}
	}
	g, err := llm.New(opts.LLM)
	if err != nil {
		return nil, usageError{err}
	}
	return g, nil
}

// resolveSource resolves a build argument: an existing directory wins over
// the owner/repo form, so a local folder named "a/b" still builds locally.
// The GitHub token comes from token (discouraged), tokenFile or the environment.
func resolveSource(ctx context.Context, s *IO, target, tokenFile, token string) (pipeline.Source, error) {
	if fi, err := os.Stat(target); err == nil && fi.IsDir() {
		return localSource(target)
	} else if err == nil && filepath.Base(target) == "Cargo.toml" {
		return localSource(filepath.Dir(target)) // as cargo's --manifest-path
	}
	t, ok := github.ParseTarget(target)
	if !ok {
		return localSource(target)
	}
	if token != "" {
		fmt.Fprintln(s.ErrOut, "warning: --token is visible to other users of this machine; prefer GITHUB_TOKEN or --token-file")
	}
	tok := token
	if tok == "" {
		var err error
		tok, err = github.TokenFromEnv(s.Getenv, tokenFile)
		if err != nil {
			return nil, AuthError(err)
		}
	}
	src, err := github.NewSource(ctx, t, github.Options{Token: tok, APIURL: s.Getenv(github.EnvAPIURL)})
	if err != nil {
		return nil, classifyBuildError(err)
	}
	return src, nil
}

// localSource is a local directory to build, or — as cargo says it, a usage
// error (exit 2) rather than a failed build — none: "could not find
// `Cargo.toml` in `DIR`" when the directory is missing or holds no Cargo.toml.
func localSource(dir string) (pipeline.Source, error) {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, usageError{fmt.Errorf("could not find `Cargo.toml` in `%s`: no such directory (build a crate's directory, owner/repo[@ref] or a git URL)", dir)}
	case err != nil:
		return nil, usageError{fmt.Errorf("source: %w", err)}
	case !fi.IsDir():
		return nil, usageError{fmt.Errorf("`%s` is not a directory: build a crate's directory (or its Cargo.toml), owner/repo[@ref] or a git URL", dir)}
	}
	if _, err := os.Stat(filepath.Join(dir, "Cargo.toml")); errors.Is(err, os.ErrNotExist) {
		return nil, usageError{fmt.Errorf("could not find `Cargo.toml` in `%s`: expected a crate ([package]) or a workspace ([workspace]) there", dir)}
	}
	return pipeline.LocalSource{Dir: dir}, nil
}

// classifyBuildError maps failures to exit codes: bad or missing credentials
// are ExitAuth.
func classifyBuildError(err error) error {
	if errors.Is(err, github.ErrAuth) || errors.Is(err, upload.ErrAuth) {
		return AuthError(err)
	}
	var fe *rust.FeatureError
	if errors.As(err, &fe) {
		return usageError{err}
	}
	return err
}

// buildResultJSON is the last NDJSON line of `doctown build --json`.
type buildResultJSON struct {
	Event     string               `json:"event"`
	OK        bool                 `json:"ok"`
	Error     string               `json:"error,omitempty"`
	Output    string               `json:"output,omitempty"`
	Symbols   int                  `json:"symbols"`
	Docs      int                  `json:"docs"`
	Counts    map[docpack.Kind]int `json:"counts,omitempty"`
	Warnings  int                  `json:"warnings"`
	Fallbacks int                  `json:"fallbacks"`
	Elapsed   float64              `json:"elapsed"`
}

// buildClock honours SOURCE_DATE_EPOCH (reproducible builds) for generated_at.
func buildClock(getenv func(string) string) (func() time.Time, error) {
	v := getenv("SOURCE_DATE_EPOCH")
	if v == "" {
		return time.Now, nil
	}
	sec, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil, errors.New("SOURCE_DATE_EPOCH must be a Unix timestamp in seconds")
	}
	t := time.Unix(sec, 0).UTC()
	return func() time.Time { return t }, nil
}

func writeJSONLine(s *IO, v any) {
	b, err := json.Marshal(v)
	if err == nil {
		s.Out.Write(append(b, '\n'))
	}
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
