package pipeline

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doctown/doctown/docpack"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func fetchRepo(t *testing.T, dir string) docpack.Repository {
	t.Helper()
	c, err := LocalSource{Dir: dir}.Fetch(t.Context(), func(Event) {})
	if err != nil {
		t.Fatal(err)
	}
	return c.Repository
}

// A local build knows where its code lives, so its pages link their source:
// a workspace member of a git checkout gets HEAD, its branch, its path in the
// checkout and origin's web address — without the credentials the remote
// URL carries; Cargo.toml's `repository` (inherited from the workspace)
// when there is no remote; a crate unpacked from a registry the commit and
// path cargo recorded on publish.
func TestLocalRepository(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		if os.Getenv("DOCTOWN_REQUIRE_ALL") == "1" {
			t.Fatal("git is not installed")
		}
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Cargo.toml":                    "[workspace]\nmembers = [\"widget\"]\n[workspace.package]\nrepository = \"https://github.com/acme/widgets-upstream\"\n",
		"widget/Cargo.toml":             "[package]\nname = \"widget\"\nversion = \"0.1.0\"\nrepository.workspace = true\n",
		"widget/src/lib.rs":             "/// A widget.\npub struct Widget;\n",
		"registry/Cargo.toml":           "[package]\nname = \"reg\"\nversion = \"1.0.0\"\nrepository = \"https://github.com/acme/reg.git\"\n",
		"registry/src/lib.rs":           "pub fn f() {}\n",
		"registry/.cargo_vcs_info.json": `{"git": {"sha1": "0123456789abcdef0123456789abcdef01234567"}, "path_in_vcs": "crates/reg"}`,
	})
	gitRun := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(git, append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	gitRun("init", "-q", "-b", "main")
	gitRun("add", "Cargo.toml", "widget")
	gitRun("commit", "-q", "-m", "widgets")
	head := gitRun("rev-parse", "HEAD")

	// No remote: the workspace's repository.
	if got, want := fetchRepo(t, filepath.Join(dir, "widget")), (docpack.Repository{URL: "https://github.com/acme/widgets-upstream", CommitSHA: head, Branch: "main", Ref: "main", Path: "widget"}); got != want {
		t.Errorf("no remote: %+v, want %+v", got, want)
	}
	// origin (a fork, with a token in its URL) is where the commit is.
	gitRun("remote", "add", "origin", "https://x-access-token:ghs_SECRET@github.com/me/widgets.git")
	got := fetchRepo(t, filepath.Join(dir, "widget"))
	if want := (docpack.Repository{URL: "https://github.com/me/widgets", CommitSHA: head, Branch: "main", Ref: "main", Path: "widget"}); got != want {
		t.Errorf("with origin: %+v, want %+v", got, want)
	}
	if u := docpack.SourceURL(got, "src/lib.rs", 2, 0); u != "https://github.com/me/widgets/blob/"+head+"/widget/src/lib.rs#L2" {
		t.Errorf("source link %q", u)
	}
	// What cargo recorded when it published the crate.
	if got, want := fetchRepo(t, filepath.Join(dir, "registry")), (docpack.Repository{URL: "https://github.com/acme/reg", CommitSHA: "0123456789abcdef0123456789abcdef01234567", Path: "crates/reg"}); got != want {
		t.Errorf("registry crate: %+v, want %+v", got, want)
	}
	// A crate in a checkout whose root is no Cargo project: not its repository.
	other := t.TempDir()
	writeFiles(t, other, map[string]string{"README": "a Go project", "rust/Cargo.toml": "[package]\nname = \"x\"\nversion = \"0.1.0\"\n", "rust/src/lib.rs": ""})
	dir = other
	gitRun("init", "-q")
	gitRun("add", ".")
	gitRun("commit", "-q", "-m", "x")
	if got := fetchRepo(t, filepath.Join(other, "rust")); got != (docpack.Repository{}) {
		t.Errorf("crate inside another project: %+v, want nothing", got)
	}
}
