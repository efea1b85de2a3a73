package gitsource_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doctown/doctown/pipeline/gitsource"
)

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@e", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@e", "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestClone(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("DOCTOWN_REQUIRE_ALL") == "1" {
			t.Fatal("git not installed")
		}
		t.Skip("git not installed")
	}
	repo := filepath.Join(t.TempDir(), "crate")
	os.MkdirAll(filepath.Join(repo, "src"), 0o755)
	os.WriteFile(filepath.Join(repo, "Cargo.toml"), []byte("[package]\nname = \"crate\"\n"), 0o644)
	os.WriteFile(filepath.Join(repo, "src/lib.rs"), []byte("pub fn one() {}\n"), 0o644)
	git(t, repo, "init", "-q", "-b", "main")
	git(t, repo, "add", ".")
	git(t, repo, "commit", "-q", "-m", "one")
	first := git(t, repo, "rev-parse", "HEAD")
	git(t, repo, "tag", "v1")
	os.WriteFile(filepath.Join(repo, "src/lib.rs"), []byte("pub fn two() {}\n"), 0o644)
	git(t, repo, "commit", "-q", "-am", "two")
	second := git(t, repo, "rev-parse", "HEAD")

	tests := []struct {
		ref, sha, branch, lib string
	}{
		{"", second, "main", "two"},
		{"main", second, "main", "two"},
		{"v1", first, "", "one"},
	}
	for _, tt := range tests {
		t.Run("ref="+tt.ref, func(t *testing.T) {
			co, err := gitsource.Source{URL: "file://" + repo, Ref: tt.ref}.Fetch(t.Context(), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer co.Cleanup()
			r := co.Repository
			if r.CommitSHA != tt.sha || r.Branch != tt.branch || r.Name != "crate" {
				t.Errorf("repository = %+v, want sha %s branch %q", r, tt.sha, tt.branch)
			}
			b, _ := os.ReadFile(filepath.Join(co.Dir, "src/lib.rs"))
			if !strings.Contains(string(b), tt.lib) {
				t.Errorf("lib.rs = %q", b)
			}
			co.Cleanup()
			if _, err := os.Stat(co.Dir); !os.IsNotExist(err) {
				t.Error("Cleanup left the clone")
			}
		})
	}
	_, err := gitsource.Source{URL: "file://" + repo, Ref: "nope"}.Fetch(t.Context(), nil)
	if !errors.Is(err, gitsource.ErrClone) || !strings.Contains(err.Error(), "at nope") {
		t.Errorf("bad ref: %v", err)
	}
	_, err = gitsource.Source{URL: "https://user:s3cr3tpass@127.0.0.1:1/x.git"}.Fetch(t.Context(), nil)
	if err == nil || strings.Contains(err.Error(), "s3cr3tpass") {
		t.Errorf("unreachable remote: %v", err)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"https://x-access-token:tok@github.com/a/b.git": "https://github.com/a/b.git",
		"https://host/a/b.git?token=abc":                "https://host/a/b.git",
		"git@host:a/b.git":                              "host:a/b.git",
		"file:///srv/b.git":                             "file:///srv/b.git",
	} {
		if got := gitsource.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
