package pipeline

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/doctown/doctown/docpack"
)

// localRepository says where a local directory's code lives, so a docpack
// built from it links its source as one built from GitHub does:
//
//   - a crate unpacked from a registry (.cargo_vcs_info.json, which cargo
//     writes on publish): the commit and path in the repository it records,
//     and Cargo.toml's `repository` (or the workspace's, for
//     `repository.workspace = true`);
//   - a git checkout whose root holds the crate or its workspace: HEAD, its
//     branch, the path of dir in it, and the `origin` remote's web address
//     (else Cargo.toml's `repository`); credentials in a remote are dropped
//     (docpack.WebURL);
//   - else Cargo.toml's `repository` alone (no commit, so no source links).
//
// A checkout whose root holds no Cargo.toml (a crate inside a project of
// another language) is not taken for the crate's repository. Nothing here
// fails a build: what cannot be read is left out.
func localRepository(ctx context.Context, dir string) docpack.Repository {
	var repo docpack.Repository
	cargoURL := cargoRepository(dir)
	if sha, path, ok := vcsInfo(dir); ok {
		repo.URL, repo.CommitSHA, repo.Path = docpack.WebURL(cargoURL), sha, path
		return repo
	}
	if top := gitOutput(ctx, dir, "rev-parse", "--show-toplevel"); top != "" && fileExists(filepath.Join(top, "Cargo.toml")) {
		if sha := gitOutput(ctx, dir, "rev-parse", "HEAD"); sha != "" {
			repo.CommitSHA = sha
			if b := gitOutput(ctx, dir, "rev-parse", "--abbrev-ref", "HEAD"); b != "" && b != "HEAD" {
				repo.Branch, repo.Ref = b, b
			}
			if rel, err := filepath.Rel(top, realPath(dir)); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
				repo.Path = filepath.ToSlash(rel)
			}
			repo.URL = docpack.WebURL(gitOutput(ctx, dir, "remote", "get-url", "origin"))
		}
	}
	if repo.URL == "" {
		repo.URL = docpack.WebURL(cargoURL)
	}
	return repo
}

// cargoRepository reads `package.repository` of dir's Cargo.toml, following
// `repository.workspace = true` to the enclosing workspace's
// `workspace.package.repository`, or a workspace root's own.
func cargoRepository(dir string) string {
	m := readToml(filepath.Join(dir, "Cargo.toml"))
	pkg, _ := m["package"].(map[string]any)
	switch r := pkg["repository"].(type) {
	case string:
		return r
	case map[string]any:
		if r["workspace"] != true {
			return ""
		}
		for d, depth := filepath.Dir(realPath(dir)), 0; depth < 16; d, depth = filepath.Dir(d), depth+1 {
			if url := workspaceRepository(readToml(filepath.Join(d, "Cargo.toml"))); url != "" {
				return url
			}
			if d == filepath.Dir(d) {
				break
			}
		}
		return ""
	}
	return workspaceRepository(m)
}

// workspaceRepository is a manifest's `workspace.package.repository`.
func workspaceRepository(m map[string]any) string {
	ws, _ := m["workspace"].(map[string]any)
	wp, _ := ws["package"].(map[string]any)
	url, _ := wp["repository"].(string)
	return url
}

func readToml(path string) map[string]any {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var m map[string]any
	if _, err := toml.Decode(string(b), &m); err != nil {
		return nil
	}
	return m
}

// vcsInfo reads the commit and path in its repository that cargo recorded
// in .cargo_vcs_info.json when it packaged the crate.
func vcsInfo(dir string) (sha, path string, ok bool) {
	b, err := os.ReadFile(filepath.Join(dir, ".cargo_vcs_info.json"))
	if err != nil {
		return "", "", false
	}
	var v struct {
		Git struct {
			SHA1 string `json:"sha1"`
		} `json:"git"`
		PathInVCS string `json:"path_in_vcs"`
	}
	if json.Unmarshal(b, &v) != nil || v.Git.SHA1 == "" {
		return "", "", false
	}
	return v.Git.SHA1, strings.Trim(filepath.ToSlash(v.PathInVCS), "/"), true
}

// gitOutput runs git in dir and returns its trimmed output, or "" when git is
// not installed, dir is not in a checkout or the command fails.
func gitOutput(ctx context.Context, dir string, args ...string) string {
	git, err := exec.LookPath("git")
	if err != nil {
		return ""
	}
	cmd := exec.CommandContext(ctx, git, append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "LC_ALL=C")
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

// realPath resolves symlinks, as git's --show-toplevel does.
func realPath(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}
