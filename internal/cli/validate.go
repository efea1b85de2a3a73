package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/doctown/doctown/docpack"
)

// ValidateOptions are the flags of `doctown validate`.
type ValidateOptions struct {
	IO   *IO
	Path string
	JSON bool
}

func newValidateCmd(s *IO) *cobra.Command {
	opts := &ValidateOptions{IO: s}
	cmd := &cobra.Command{
		Use: "validate FILE.docpack",
		Example: `  doctown validate serde.docpack
  doctown validate serde.docpack --json | jq '.problems[] | .message'`,
		Short: "Check a docpack against the format spec",
		Long: `validate checks a docpack completely: the archive (safe entry names, size limits,
no duplicates), every file against the JSON Schemas of DOCPACK_SPEC.md, duplicate
symbol ids, parents naming unknown ids, the manifest's counts, docs for unknown
symbols and symbols without a doc. It prints "valid" and exits 0, or lists every
problem with its file and JSON pointer and exits 5. Warnings alone do not make a
docpack invalid.`,
		Args:              exactArgs(1),
		ValidArgsFunction: docpackArgs,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Path = args[0]
			return runValidate(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print one JSON object: {file, valid, errors, warnings, problems}")
	return cmd
}

// ValidateReport is what `validate --json` prints.
type ValidateReport struct {
	File     string            `json:"file"`
	Valid    bool              `json:"valid"`
	Errors   int               `json:"errors"`
	Warnings int               `json:"warnings"`
	Problems []docpack.Problem `json:"problems"`
}

func runValidate(ctx context.Context, opts *ValidateOptions) error {
	problems := validateFile(opts.Path)
	if err := ctx.Err(); err != nil {
		return err
	}
	if problems == nil {
		problems = []docpack.Problem{} // "problems": [] for scripts, not null
	}
	r := ValidateReport{File: filepath.Base(opts.Path), Problems: problems}
	for _, p := range problems {
		if p.Severity == docpack.SeverityError {
			r.Errors++
		} else {
			r.Warnings++
		}
	}
	r.Valid = r.Errors == 0
	out := opts.IO.Out
	if opts.JSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r); err != nil {
			return err
		}
	} else {
		for _, p := range problems {
			fmt.Fprintln(out, p)
		}
		if r.Valid {
			if r.Warnings > 0 {
				fmt.Fprintf(out, "%s: valid (%s)\n", r.File, countNoun(r.Warnings, "warning"))
			} else {
				fmt.Fprintf(out, "%s: valid\n", r.File)
			}
		}
	}
	if r.Valid {
		return nil
	}
	err := fmt.Errorf("%s is invalid: %s, %s", opts.Path, countNoun(r.Errors, "error"), countNoun(r.Warnings, "warning"))
	if opts.JSON {
		err = errors.Join(ErrSilent, err) // the JSON says it all
	}
	return &ExitError{Code: ExitInvalid, Err: err}
}

// validateFile validates the docpack at path; a file that cannot be read is
// one problem.
func validateFile(path string) []docpack.Problem {
	f, err := os.Open(path)
	if err != nil {
		return []docpack.Problem{{Severity: docpack.SeverityError, Message: err.Error()}}
	}
	defer f.Close()
	st, err := f.Stat()
	if err == nil && st.IsDir() {
		err = fmt.Errorf("%s is a directory", path)
	}
	if err != nil {
		return []docpack.Problem{{Severity: docpack.SeverityError, Message: err.Error()}}
	}
	return docpack.Validate(f, st.Size())
}

func countNoun(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
