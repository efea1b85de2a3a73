package relay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/doctown/doctown/pipeline/github"
	"github.com/doctown/doctown/relay/commons"
	"github.com/doctown/doctown/relay/config"
	"github.com/doctown/doctown/relay/githubapp"
	"github.com/doctown/doctown/relay/secret"
)

// ImportOptions are the arguments of "relay import": the docpack file and the
// commit to file it under. Empty Owner, Repo, SHA and Ref come from the
// docpack's manifest (repository name "owner/repo", commit_sha, ref or branch).
type ImportOptions struct {
	Path                  string
	Owner, Repo, SHA, Ref string
	// Visibility is "public", "private" or "auto" ("": auto): ask GitHub
	// whether the repository is private (as the App, or anonymously without
	// one) and refuse when it cannot tell.
	Visibility string
}

// Import visibilities.
const (
	VisibilityAuto    = "auto"
	VisibilityPublic  = "public"
	VisibilityPrivate = "private"
)

// ErrImportVisibility: import could not tell whether the repository is
// private (GitHub did not say, or --visibility is not one of its values).
var ErrImportVisibility = errors.New("cannot tell whether the repository is private")

// ErrImportTarget: the docpack's commit could not be determined (the manifest
// lacks it and no flag gave it) or is not a valid owner, repository or SHA.
var ErrImportTarget = errors.New("cannot tell which commit the docpack documents")

// Import validates the docpack at o.Path with the docpack reader and publishes
// it like an upload: stored through the configured storage under
// store.Key(owner, repo, sha), then recorded in the catalog (and the
// repository's latest pointer, as a commit pushed now). Nothing is stored when
// the file is not a valid docpack or its commit is unknown.
func (s *Server) Import(ctx context.Context, o ImportOptions) (commons.Entry, error) {
	cp, err := checkDocpack(o.Path)
	if err != nil {
		return commons.Entry{}, err
	}
	defer cp.close()
	m, cards := cp.pack.Manifest, commons.Cards(cp.pack)
	t := publishTarget{Owner: o.Owner, Repo: o.Repo, SHA: strings.ToLower(o.SHA), Ref: o.Ref, PushedAt: s.now()}
	if mo, mr, ok := strings.Cut(m.Repository.Name, "/"); ok {
		if t.Owner == "" {
			t.Owner = mo
		}
		if t.Repo == "" {
			t.Repo = mr
		}
	}
	if t.Owner == "" || t.Repo == "" {
		// A local build names the crate and records the checkout's remote.
		if gt, ok := github.ParseTarget(m.Repository.URL); ok && gt.IsGitHub() && strings.Contains(m.Repository.URL, "://") {
			if t.Owner == "" {
				t.Owner = gt.Owner
			}
			if t.Repo == "" {
				t.Repo = gt.Repo
			}
		}
	}
	if t.SHA == "" {
		t.SHA = strings.ToLower(m.Repository.CommitSHA)
	}
	if t.Ref == "" {
		t.Ref = m.Repository.Ref
		if t.Ref == "" && m.Repository.Branch != "" {
			t.Ref = "refs/heads/" + m.Repository.Branch
		}
	}
	var problems []string
	switch {
	case t.Owner == "" || t.Repo == "":
		problems = append(problems, fmt.Sprintf("the manifest's repository name %q is not \"owner/repo\" and its url is not a GitHub repository's: give --owner and --repo", m.Repository.Name))
	case githubapp.CheckRepoName(t.Owner, t.Repo) != nil:
		problems = append(problems, githubapp.CheckRepoName(t.Owner, t.Repo).Error())
	}
	switch {
	case t.SHA == "":
		problems = append(problems, "the manifest has no commit_sha: give --sha")
	case !githubapp.IsSHA(t.SHA):
		problems = append(problems, fmt.Sprintf("%q is not a 40-hex-digit commit SHA", t.SHA))
	}
	if len(problems) > 0 {
		return commons.Entry{}, fmt.Errorf("%w: %s", ErrImportTarget, strings.Join(problems, "; "))
	}
	if t.Private, err = s.importVisibility(ctx, o.Visibility, t.Owner, t.Repo); err != nil {
		return commons.Entry{}, err
	}
	if t.Private && s.cfg.Private == config.PrivateSkip {
		return commons.Entry{}, fmt.Errorf("%s/%s is private and DOCTOWN_PRIVATE=skip: private repositories are not served", t.Owner, t.Repo)
	}
	e, err := s.publish(ctx, o.Path, m, cards, t, nil, nil)
	if err != nil {
		return commons.Entry{}, err
	}
	cp.adopt(s.commons, e.Key)
	if ch, err := s.recordChanges(ctx, t.Owner, t.Repo, t.SHA, t.PushedAt); err != nil {
		s.log.Warn("api changes not recorded", "repo", t.Owner+"/"+t.Repo, "sha", t.SHA, "err", secret.Redact(err.Error(), 500))
	} else {
		e.Changes = ch.Entry.Changes
	}
	s.log.Info("docpack imported", "repo", t.Owner+"/"+t.Repo, "sha", t.SHA, "key", e.Key, "size", e.Size, "symbols", e.SymbolCount, "private", t.Private)
	return e, nil
}

// importVisibility decides whether an imported docpack is private: as the
// flag says, or (auto) as GitHub says. A docpack is never published as public
// on a guess.
func (s *Server) importVisibility(ctx context.Context, v, owner, repo string) (bool, error) {
	switch v {
	case VisibilityPublic:
		return false, nil
	case VisibilityPrivate:
		return true, nil
	case "", VisibilityAuto:
	default:
		return false, fmt.Errorf("%w: --visibility %q is not auto, public or private", ErrImportVisibility, v)
	}
	private, err := s.gh.Private(ctx, owner, repo)
	if err != nil {
		hint := ""
		if !s.gh.Configured() {
			hint = " (without a GitHub App a private repository looks missing)"
		}
		return false, fmt.Errorf("%w: %s/%s: %s%s: give --visibility public or private", ErrImportVisibility, owner, repo, secret.Redact(err.Error(), 200), hint)
	}
	return private, nil
}

// newImportCmd is "relay import FILE.docpack": the same configuration as the
// server (environment, then the root's flags), without serving.
func newImportCmd(cfg *config.Config, envErr *error, stdout, stderr io.Writer) *cobra.Command {
	var o ImportOptions
	cmd := &cobra.Command{
		Use:   "import FILE.docpack",
		Short: "Validate a docpack and add it to the commons (storage and catalog) by hand",
		Long: `import seeds the commons without a build: for demos, air-gapped installs and
moving docpacks between storages. The docpack is checked by the docpack reader,
stored through the configured storage (DOCTOWN_STORAGE, …) under
docpacks/{owner}/{repo}/{sha}.docpack and listed in the catalog of the configured
database (DOCTOWN_DATA_DIR's SQLite or DATABASE_URL), as an upload would be. It is
safe while a relay runs on the same database.

The commit defaults to the manifest's repository name ("owner/repo", else
the owner and repository of its GitHub url, as a local build records) and
commit_sha; --owner, --repo, --sha and --ref override them. Whether the
docpack is private follows the repository on GitHub (asked as the App, or
anonymously without one); when GitHub cannot say, import refuses unless
--visibility public or private is given. A private docpack is served only to
readers GitHub lets read the repository.`,
		Example: `  # The manifest names the repository and commit; GitHub says whether it is private
  relay import serde.docpack

  # A docpack built from a local checkout, filed under its GitHub commit, public
  relay import --owner acme --repo widgets --sha 0123456789abcdef0123456789abcdef01234567 --visibility public widgets.docpack`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if *envErr != nil {
				return *envErr
			}
			o.Path = args[0]
			return runImport(cmd.Context(), *cfg, o, stdout, stderr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Owner, "owner", "", "repository `owner` (default: from the manifest)")
	f.StringVar(&o.Repo, "repo", "", "repository `name` (default: from the manifest)")
	f.StringVar(&o.SHA, "sha", "", "commit `SHA` (default: the manifest's commit_sha)")
	f.StringVar(&o.Ref, "ref", "", "git `ref` recorded with it (default: the manifest's)")
	f.StringVar(&o.Visibility, "visibility", VisibilityAuto, "auto (ask GitHub whether the repository is private), public or private")
	return cmd
}

// runImport opens the relay's storage and database (running migrations, not
// the job workers) and imports one docpack.
func runImport(ctx context.Context, cfg config.Config, o ImportOptions, stdout, stderr io.Writer) error {
	log, err := newLogger(cfg, stderr)
	if err != nil {
		return err
	}
	if cfg.WebhookSecret == "" {
		// Validate wants one for serving; an import takes no webhooks.
		cfg.WebhookSecret = secret.Hex(20)
	}
	if err := cfg.Load(); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("%w:\n%w", errUsage, err)
	}
	s, err := NewServer(ctx, cfg, Deps{Logger: log})
	if err != nil {
		return err
	}
	defer s.Close()
	e, err := s.Import(ctx, o)
	if err != nil {
		return fmt.Errorf("import %s: %w", o.Path, err)
	}
	fmt.Fprintf(stdout, "imported %s/%s@%s: %s (%d bytes, %d symbols)\n", e.Owner, e.Repo, e.SHA, e.Key, e.Size, e.SymbolCount)
	return nil
}
