// Package cli is the doctown command line: one file per command, each filling an
// options struct and calling a run function that tests can call directly.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/doctown/doctown/internal/exit"
)

// Exit codes (package exit owns them).
const (
	ExitOK      = exit.OK
	ExitFailure = exit.Failure
	ExitUsage   = exit.Usage
	ExitCancel  = exit.Cancel
	ExitAuth    = exit.Auth
	ExitInvalid = exit.Invalid
	ExitChanges = exit.Changes
)

// IO holds the streams and environment a command uses, so tests can swap them.
type IO struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// Getenv reads the environment; tests replace it.
	Getenv func(string) string
	// IsTerminal reports whether Out is a terminal (progress bars, colour).
	IsTerminal bool
}

// SystemIO returns the process's real streams.
func SystemIO() *IO {
	return &IO{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, Getenv: os.Getenv,
		IsTerminal: term.IsTerminal(int(os.Stdout.Fd())) && term.IsTerminal(int(os.Stderr.Fd())),
	}
}

// ColorEnabled reports whether output may be coloured: a terminal and no NO_COLOR.
func (s *IO) ColorEnabled() bool {
	return s.IsTerminal && s.Getenv("NO_COLOR") == "" && s.Getenv("TERM") != "dumb"
}

// ExitError carries a specific exit code with an error.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// ErrSilent is returned when the command has already printed its failure and
// only the exit code is left to set.
var ErrSilent = errors.New("silent failure")

// AuthError marks an error as an authentication or permission failure (exit 4).
func AuthError(err error) error { return &ExitError{Code: ExitAuth, Err: err} }

// Main runs doctown with args and returns the process exit code.
func Main(ctx context.Context, args []string) int {
	return MainIO(ctx, args, SystemIO())
}

// ErrOutputClosed is why a command stops when the reader of its output went
// away (`doctown build --json | head -1`): it is cancelled as Ctrl-C cancels
// it, so a build removes its temporary docpack, and exits 3.
var ErrOutputClosed = errors.New("output closed")

// closedPipe forwards writes to w; a write failing because the reading end
// of a pipe is closed (EPIPE: the process is told of SIGPIPE instead of being
// killed by it) calls stop.
type closedPipe struct {
	w    io.Writer
	stop func()
}

func (c closedPipe) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	if errors.Is(err, syscall.EPIPE) {
		c.stop()
	}
	return n, err
}

// MainIO is Main with explicit streams.
func MainIO(ctx context.Context, args []string, s *IO) int {
	stopProfiles, err := startProfiles(s.Getenv)
	defer stopProfiles()
	if err != nil {
		return exitCode(ctx, err, s)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := func() { cancel(ErrOutputClosed) }
	streams := *s
	streams.Out, streams.ErrOut = closedPipe{s.Out, stop}, closedPipe{s.ErrOut, stop}
	s = &streams
	root := NewRootCmd(s)
	root.SetArgs(args)
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.ErrOut)
	err = root.ExecuteContext(ctx)
	if err != nil && !isUsageError(err) && strings.HasPrefix(err.Error(), "unknown command ") {
		// cobra's error for a mistyped command is a plain error: it is a usage error.
		err = usageError{fmt.Errorf("%w\nRun 'doctown --help' for usage", err)}
	}
	return exitCode(ctx, err, s)
}

func exitCode(ctx context.Context, err error, s *IO) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	code := ExitFailure
	switch {
	case errors.As(err, &ee):
		code = ee.Code
	case errors.Is(err, context.Canceled) || ctx.Err() != nil:
		code = ExitCancel
	case isUsageError(err):
		code = ExitUsage
	}
	if errors.Is(err, ErrSilent) {
		return code
	}
	if code == ExitCancel {
		if errors.Is(context.Cause(ctx), ErrOutputClosed) {
			fmt.Fprintln(s.ErrOut, "doctown: interrupted: output closed")
			return code
		}
		fmt.Fprintln(s.ErrOut, "doctown: interrupted")
		return code
	}
	fmt.Fprintf(s.ErrOut, "doctown: %v\n", err)
	return code
}

type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func isUsageError(err error) bool {
	var u usageError
	return errors.As(err, &u)
}

// NewRootCmd builds the command tree.
func NewRootCmd(s *IO) *cobra.Command {
	root := &cobra.Command{
		Use:   "doctown",
		Short: "Documentation packs for Rust code",
		Long: `doctown turns a Rust crate or workspace into a .docpack: one file holding every
public symbol (signature, parameters, doc comments, attributes, location) and written
documentation for each. Docs come from the offline extractive generator by default,
or from any OpenAI-compatible model when an API key or base URL is set.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version(),
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w\nRun '%s --help' for usage", err, c.CommandPath())}
	})
	root.SetVersionTemplate("doctown {{.Version}}\n")
	root.AddCommand(
		newBuildCmd(s),
		newInspectCmd(s),
		newValidateCmd(s),
		newDiffCmd(s),
		newOpenCmd(s),
		newExportCmd(s),
		newMCPCmd(s),
		newTUICmd(s),
		newWorkerCmd(s),
		newVersionCmd(s),
	)
	root.InitDefaultCompletionCmd() // now, not at Execute: requireSubcommand covers it too
	if c, _, err := root.Find([]string{"completion"}); err == nil && c != root {
		c.Example = "  doctown completion bash > ~/.local/share/bash-completion/completions/doctown\n" +
			"  doctown completion zsh > \"${fpath[1]}/_doctown\"\n" +
			"  doctown completion fish > ~/.config/fish/completions/doctown.fish"
	}
	for _, c := range root.Commands() {
		requireSubcommand(c)
	}
	return root
}

// requireSubcommand makes a command that only groups subcommands (`doctown
// worker`) fail with a usage error on an unknown subcommand, instead of
// printing help and exiting 0.
func requireSubcommand(c *cobra.Command) {
	if !c.HasSubCommands() || c.Runnable() {
		return
	}
	c.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usageError{fmt.Errorf("unknown command %q for %q\nRun '%s --help' for usage", args[0], cmd.CommandPath(), cmd.CommandPath())}
		}
		return nil
	}
	c.RunE = func(cmd *cobra.Command, args []string) error {
		return cmd.Help()
	}
}

func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

func rangeArgs(min, max int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.RangeArgs(min, max)(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}
