package cli

import (
	"encoding/json"
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/doctown/doctown/internal/version"
)

// Version returns the program's version (package version owns it).
func Version() string { return version.Version() }

type versionOptions struct {
	IO   *IO
	JSON bool
}

func newVersionCmd(s *IO) *cobra.Command {
	opts := versionOptions{IO: s}
	cmd := &cobra.Command{
		Use: "version",
		Example: `  doctown version
  doctown version --json`,
		Short: "Print the version",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVersion(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print as JSON")
	return cmd
}

func runVersion(opts versionOptions) error {
	info := map[string]string{
		"version": version.Version(), "commit": version.Commit(), "date": version.Date(),
		"go": runtime.Version(), "platform": runtime.GOOS + "/" + runtime.GOARCH,
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(info)
	}
	fmt.Fprintf(opts.IO.Out, "doctown %s", info["version"])
	if info["commit"] != "" {
		fmt.Fprintf(opts.IO.Out, " (%s)", shortSHA(info["commit"]))
	}
	fmt.Fprintf(opts.IO.Out, " %s %s\n", info["go"], info["platform"])
	return nil
}

func shortSHA(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
