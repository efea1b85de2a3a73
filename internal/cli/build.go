package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/pipeline"
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
}

func newBuildCmd(s *IO) *cobra.Command {
	opts := &BuildOptions{IO: s}
	cmd := &cobra.Command{
		Use:   "build [PATH]",
		Short: "Build a .docpack from a Rust crate or workspace",
		Long: `Build a .docpack from a Rust crate or workspace.

PATH is a directory holding Cargo.toml (default: the current directory). Every
member of a workspace is documented. The docpack is written to
<crate-or-workspace-name>.docpack unless -o says otherwise; it is written to a
temporary file first, so an interrupted build never leaves a half-written file.

Progress goes to stderr: a status line on a terminal, plain lines otherwise,
and NDJSON events on stdout with --json.`,
		Example: `  doctown build                       # the crate in the current directory
  doctown build ./my-crate -o docs.docpack
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
	f.IntVar(&opts.Workers, "workers", 0, "files parsed in parallel (default: number of CPUs)")
	cmd.MarkFlagFilename("output", "docpack")
	return cmd
}

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
	res, err := pipeline.Build(ctx, pipeline.BuildOptions{
		Source:         pipeline.LocalSource{Dir: opts.Target},
		Output:         opts.Output,
		IncludePrivate: opts.IncludePrivate,
		IncludeHidden:  opts.IncludeHidden,
		Workers:        opts.Workers,
		ToolVersion:    Version(),
		Now:            now,
	}, r.Observe)
	r.Finish()
	if err != nil {
		if opts.JSON {
			writeJSONLine(s, buildResultJSON{Event: "result", Error: err.Error()})
		}
		return err
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
		fmt.Fprintf(s.ErrOut, "wrote %s: %d symbols, %d docs (%s, %s), %d warnings, %s\n",
			res.Output, res.Manifest.SymbolCount, res.Manifest.DocCount, res.Manifest.Generator.Name,
			humanBytes(size), len(res.Warnings), roundDur(res.Elapsed))
	}
	return nil
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
