package cli

import (
	"os"
	"path/filepath"
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
		{"unknown shell", []string{"completion", "tcsh"}, []string{`unknown command "tcsh" for "doctown completion"`, "doctown completion --help"}},
		{"negative workers", []string{"build", "--workers", "-3", "-o", "x.docpack", "."}, []string{"--workers -3: want a positive number"}},
		// As cargo says it: a missing path or one without Cargo.toml is a
		// bad argument, not a failed build.
		{"missing build path", []string{"build", "no/such/dir"}, []string{"could not find `Cargo.toml` in `no/such/dir`: no such directory"}},
		{"build path without Cargo.toml", []string{"build", "testdata"}, []string{"could not find `Cargo.toml` in `testdata`"}},
		{"build path a file", []string{"build", "root_test.go"}, []string{"`root_test.go` is not a directory"}},
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

// TestBuildUnknownFeature: --features naming a feature no crate defines is a
// usage error worded as cargo words it; one some workspace member defines
// is not.
func TestBuildUnknownFeature(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{
		"one/Cargo.toml":  "[package]\nname = \"one\"\nversion = \"0.1.0\"\n[features]\nfull = []\n",
		"one/src/lib.rs":  "pub fn f() {}\n",
		"ws/Cargo.toml":   "[workspace]\nmembers = [\"a\", \"b\"]\n",
		"ws/a/Cargo.toml": "[package]\nname = \"a\"\nversion = \"0.1.0\"\n[features]\nx = []\n",
		"ws/a/src/lib.rs": "#[cfg(feature = \"x\")]\npub fn with_x() {}\n",
		"ws/b/Cargo.toml": "[package]\nname = \"b\"\nversion = \"0.1.0\"\n",
		"ws/b/src/lib.rs": "pub fn g() {}\n",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "out.docpack")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"build", "--features", "nosuch", filepath.Join(dir, "one")}, ExitUsage, "the package 'one' does not contain this feature: nosuch"},
		{[]string{"build", "--features", "full,nosuch other", filepath.Join(dir, "one")}, ExitUsage, "the package 'one' does not contain these features: nosuch, other"},
		{[]string{"build", "-F", "nosuch", filepath.Join(dir, "ws")}, ExitUsage, "none of the selected packages contains this feature: nosuch\nselected packages: a, b"},
		{[]string{"build", "--features", "x", filepath.Join(dir, "ws")}, ExitOK, "0 warnings"},
	} {
		code, _, errOut := run(t, nil, append(tc.args, "-o", out)...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, want %d with %q; stderr:\n%s", tc.args, code, tc.code, tc.want, errOut)
		}
	}
}
