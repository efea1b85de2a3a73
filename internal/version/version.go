// Package version says which build of doctown is running. It imports nothing
// of doctown, so every binary (the relay included) can report its version
// without linking the CLI or the TUI.
package version

import "runtime/debug"

// Set by the release build: -ldflags "-X github.com/doctown/doctown/internal/version.version=v1.2.3 …".
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

// Commit is the VCS revision the binary was built from ("" when unknown).
func Commit() string {
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

// Date is the release build's date stamp ("" for other builds).
func Date() string { return date }
