package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/apidiff"
	"github.com/doctown/doctown/pipeline"
)

// DiffOptions are the flags and arguments of `doctown diff`.
type DiffOptions struct {
	IO       *IO
	Old, New string
	JSON     bool
	Markdown bool
	// FailOn is the lowest severity that makes the command exit with
	// ExitChanges; "none" (the default) never does.
	FailOn string
	// Docs also compares the written docs, not only the doc comments.
	Docs      bool
	TokenFile string
}

func newDiffCmd(s *IO) *cobra.Command {
	opts := &DiffOptions{IO: s}
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Show the public API changes between two versions, with a semver verdict",
		Long: `diff compares the public API of two versions of a crate: the items added,
removed, moved (same source or signature under a new path) and changed
(signature, visibility, generics, cfg, deprecation, fields, trait defaults,
docs), grouped by module, with a semver verdict (major, minor or patch) by the
rules of DOCPACK_SPEC.md §8.

OLD and NEW are each a .docpack file, a crate or workspace directory, or a
GitHub repository as owner/repo@ref (built the way 'doctown build' builds it,
with the offline extractive generator, into a temporary docpack).

Output is text (coloured on a terminal unless NO_COLOR is set), one JSON
object with --json, or Markdown with --markdown (for a pull-request comment).

Exit codes: 0 when no change reaches --fail-on (the default, none, never
fails), 6 when one does, 1 when a side cannot be read or built, 2 for bad
arguments, 4 for a GitHub token problem.`,
		Example: `  doctown diff old.docpack new.docpack
  doctown diff rust-lang/log@0.4.21 rust-lang/log@0.4.22
  doctown diff ../mycrate-1.0 . --fail-on major      # in CI: exit 6 on a breaking change
  doctown diff old.docpack . --markdown > changes.md
  doctown diff old.docpack new.docpack --json | jq '.verdict'`,
		Args: exactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Old, opts.New = args[0], args[1]
			return runDiff(c.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.JSON, "json", false, "print one JSON object: {old, new, verdict, counts, modules}")
	f.BoolVar(&opts.Markdown, "markdown", false, "print Markdown (a verdict line and a table per module)")
	f.StringVar(&opts.FailOn, "fail-on", "none", "exit 6 when a change is at least this severe: major, minor, patch or none")
	f.BoolVar(&opts.Docs, "docs", false, "also compare the written docs (summary, description), not only doc comments")
	f.StringVar(&opts.TokenFile, "token-file", "", "read the GitHub token from `FILE` (for owner/repo@ref)")
	cmd.MarkFlagFilename("token-file")
	cmd.RegisterFlagCompletionFunc("fail-on", cobra.FixedCompletions([]string{"major", "minor", "patch", "none"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// DiffSide names one side of `diff --json`.
type DiffSide struct {
	Name   string `json:"name"`
	Commit string `json:"commit,omitempty"`
}

// DiffReport is what `diff --json` prints.
type DiffReport struct {
	Old DiffSide `json:"old"`
	New DiffSide `json:"new"`
	*apidiff.Report
}

func runDiff(ctx context.Context, opts *DiffOptions) error {
	failOn, ok := apidiff.ParseSeverity(opts.FailOn)
	if !ok {
		return usageError{fmt.Errorf("--fail-on must be major, minor, patch or none, not %q", opts.FailOn)}
	}
	if opts.JSON && opts.Markdown {
		return usageError{errors.New("--json and --markdown cannot be used together")}
	}
	tmp, err := os.MkdirTemp("", "doctown-diff-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	oldPack, err := openDiffSide(ctx, opts, opts.Old, filepath.Join(tmp, "old"))
	if err != nil {
		return err
	}
	defer oldPack.Close()
	newPack, err := openDiffSide(ctx, opts, opts.New, filepath.Join(tmp, "new"))
	if err != nil {
		return err
	}
	defer newPack.Close()
	oldIn, newIn := apidiff.Input{Symbols: oldPack.Symbols}, apidiff.Input{Symbols: newPack.Symbols}
	if opts.Docs {
		oldIn.Docs, newIn.Docs = oldPack.Doc, newPack.Doc
	}
	r := apidiff.Diff(oldIn, newIn)
	out := opts.IO.Out
	switch {
	case opts.JSON:
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		err = enc.Encode(DiffReport{Old: sideOf(oldPack), New: sideOf(newPack), Report: r})
	case opts.Markdown:
		_, err = fmt.Fprint(out, r.Markdown(apidiff.MarkdownOptions{}))
	default:
		err = r.WriteText(out, opts.IO.ColorEnabled())
	}
	if err != nil {
		return err
	}
	if failOn != apidiff.None && r.Verdict >= failOn {
		return &ExitError{Code: ExitChanges, Err: errors.Join(ErrSilent, fmt.Errorf("%s change found", r.Verdict))}
	}
	return nil
}

func sideOf(p *docpack.Pack) DiffSide {
	return DiffSide{Name: p.Manifest.Repository.Name, Commit: p.Manifest.Repository.CommitSHA}
}

// openDiffSide opens target as a docpack when it is a file or is named
// *.docpack (a missing one is reported as a missing file, not as a source
// that failed to build), and otherwise builds it (a directory or
// owner/repo@ref) into dir.
func openDiffSide(ctx context.Context, opts *DiffOptions, target, dir string) (*docpack.Pack, error) {
	if fi, err := os.Stat(target); (err == nil && !fi.IsDir()) || (err != nil && strings.HasSuffix(target, ".docpack")) {
		return docpack.Open(target)
	}
	src, err := resolveSource(ctx, opts.IO, target, opts.TokenFile, "")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	res, err := pipeline.Build(ctx, pipeline.BuildOptions{Source: src, OutputDir: dir, ToolVersion: Version()}, nil)
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", target, classifyBuildError(err))
	}
	return docpack.Open(res.Output)
}
