package cli

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// Mistyped commands and flags are usage errors (exit 2) that point at --help.
func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"unknown command", []string{"biuld"}, []string{`unknown command "biuld"`, "build", "doctown --help"}},
		{"unknown flag", []string{"build", "--bogus"}, []string{"unknown flag: --bogus", "doctown build --help"}},
		{"unknown subcommand", []string{"worker", "frob"}, []string{`unknown command "frob" for "doctown worker"`, "doctown worker --help"}},
		{"negative workers", []string{"build", "--workers", "-3", "-o", "x.docpack", "."}, []string{"--workers -3: want a positive number"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := run(t, nil, tc.args...)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d; stderr %q", code, ExitUsage, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q lacks %q", errOut, w)
				}
			}
		})
	}
}

// TestEveryCommandHasExamples: `--help` of every command shows how to use it.
func TestEveryCommandHasExamples(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" {
			return
		}
		if c.Example == "" && c.Parent() != nil && c.Parent().Name() != "completion" {
			t.Errorf("%q has no Example in its help", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(NewRootCmd(&IO{Getenv: func(string) string { return "" }}))
}
