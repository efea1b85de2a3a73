package cli

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Set by the release build: -ldflags "-X github.com/doctown/doctown/internal/cli.version=v1.2.3 …".
var (
	version = ""
	commit  = ""
	date    = ""
)

// Version returns the program's version: the release's ldflags stamp, else the
// module version or VCS revision recorded by the Go toolchain, else "dev".
func Version() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		if v := info.Main.Version; v != "" && v != "(devel)" {
			return v
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return "dev"
}

func buildCommit() string {
	if commit != "" {
		return commit
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	return ""
}

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
		"version": Version(), "commit": buildCommit(), "date": date,
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
