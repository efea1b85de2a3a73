package relay

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/doctown/doctown/docpack/apidiff"
	"github.com/doctown/doctown/relay/catalog"
	"github.com/doctown/doctown/relay/commons"
	"github.com/doctown/doctown/relay/commons/api"
	"github.com/doctown/doctown/relay/config"
	"github.com/doctown/doctown/relay/githubapp"
	"github.com/doctown/doctown/relay/jobs"
	"github.com/doctown/doctown/relay/secret"
)

// changesTimeout bounds computing a stored docpack's diff (two docpacks read
// from storage, one diff) and reporting it on the check run.
const changesTimeout = 2 * time.Minute

// builtChanges is a stored docpack's API diff against its base.
type builtChanges struct {
	Entry commons.Entry
	// Base is the docpack compared with; ok false (Report nil) when none.
	Base      commons.Entry
	BaseLabel string
	Report    *apidiff.Report
	// Failed is set when there was a base but the diff could not be made.
	Failed bool
}

// recordChanges diffs the job's stored docpack against its base (the previous
// push of its branch, or its pull request's base) and stores the summary in
// the catalog. The job itself does not depend on it: an error is only logged
// by the caller (with what could be found, for the check run), and the
// changes endpoint computes the diff on request.
func (s *Server) recordChanges(ctx context.Context, owner, repo, sha string, pushedAt time.Time) (*builtChanges, error) {
	db := s.q.DB()
	e, ok, err := catalog.Lookup(ctx, db, owner, repo, sha)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("docpack of %s/%s@%s is not in the catalog", owner, repo, sha)
	}
	var pr *catalog.PullRequest
	if e.Pull != 0 {
		p, ok, err := catalog.GetPull(ctx, db, owner, repo, e.Pull)
		if err != nil {
			return nil, err
		}
		if ok {
			pr = &p
		}
	}
	out := &builtChanges{Entry: e}
	base, label, ok, err := catalog.Base(ctx, db, e, pushedAt, pr)
	if err != nil {
		return nil, err
	}
	out.BaseLabel = label
	if ok {
		r, err := s.commons.Diff(ctx, base, e)
		if err != nil {
			out.Failed = true
			return out, fmt.Errorf("diff against %s: %w", base.SHA, err)
		}
		out.Base, out.Report = base, r
	}
	sum := commons.Summarize(out.Base.SHA, out.Report)
	if err := catalog.SetChanges(ctx, db, e.Owner, e.Repo, e.SHA, sum); err != nil {
		return out, err
	}
	out.Entry.Changes = sum
	return out, nil
}

// publicURL is path under the relay's public URL.
func (s *Server) publicURL(path string) string {
	return strings.TrimRight(s.cfg.PublicURL, "/") + path
}

// checksOn reports whether the job's commit gets a check run.
func (s *Server) checksOn(job *jobs.Job) bool {
	return s.cfg.Checks && s.gh.Configured() && job.InstallationID != 0
}

// startCheck creates the job's check run, in progress (or puts an existing
// one back in progress for a retry). Failing to do so never fails the build.
func (s *Server) startCheck(ctx context.Context, log *slog.Logger, job *jobs.Job) {
	if !s.checksOn(job) {
		return
	}
	run := githubapp.CheckRun{Status: "in_progress", DetailsURL: s.publicURL(api.PagePath(job.Owner, job.Repo, job.SHA)),
		Title: "Building the docpack", Summary: fmt.Sprintf("doctown is documenting the public API of `%s` at `%s`.", job.FullName(), shortSHA(job.SHA))}
	if job.CheckRunID != 0 {
		s.countCheck("update", s.gh.UpdateCheckRun(ctx, job.InstallationID, job.Owner, job.Repo, job.CheckRunID, run), log)
		return
	}
	id, err := s.gh.CreateCheckRun(ctx, job.InstallationID, job.Owner, job.Repo, job.SHA, run)
	if s.countCheck("create", err, log) != nil {
		return
	}
	job.CheckRunID = id
	if err := s.jobs.SetCheckRun(ctx, job.ID, id); err != nil {
		log.Warn("check run", "err", err)
	}
}

// completeCheck completes the job's check run (created now if starting it
// failed) with run's conclusion and output.
func (s *Server) completeCheck(ctx context.Context, log *slog.Logger, job *jobs.Job, run githubapp.CheckRun) {
	if !s.checksOn(job) {
		return
	}
	run.Status = "completed"
	if run.DetailsURL == "" {
		run.DetailsURL = s.publicURL(api.PagePath(job.Owner, job.Repo, job.SHA))
	}
	if job.CheckRunID != 0 {
		s.countCheck("update", s.gh.UpdateCheckRun(ctx, job.InstallationID, job.Owner, job.Repo, job.CheckRunID, run), log)
		return
	}
	_, err := s.gh.CreateCheckRun(ctx, job.InstallationID, job.Owner, job.Repo, job.SHA, run)
	s.countCheck("create", err, log)
}

// countCheck counts a check-run write and logs its failure (the error names
// a status, never GitHub's answer); it returns err.
func (s *Server) countCheck(op string, err error, log *slog.Logger) error {
	result := "ok"
	if err != nil {
		result = "error"
		log.Warn("check run not written", "op", op, "err", err)
	}
	s.metrics.checkRuns.WithLabelValues(op, result).Inc()
	return err
}

// builtCheck is the completed check run of a stored docpack: the symbol
// count, the verdict and the diff; neutral (or the operator's failure) for
// a major change, success otherwise.
func (s *Server) builtCheck(ch *builtChanges) githubapp.CheckRun {
	e := ch.Entry
	page := s.publicURL(api.PagePath(e.Owner, e.Repo, e.SHA))
	in := apidiff.CheckRunInput{Symbols: e.SymbolCount}
	if ch.Report != nil {
		b := ch.Base
		in.Base, in.BaseLabel = shortSHA(b.SHA), ch.BaseLabel
		in.Markdown = apidiff.MarkdownOptions{
			Link:    func(c apidiff.Change) string { return page + "/s/" + c.ID },
			OldLink: func(c apidiff.Change) string { return s.publicURL(api.PagePath(b.Owner, b.Repo, b.SHA)) + "/s/" + c.ID },
			MoreURL: page + "#changes",
		}
	}
	title, summary := apidiff.CheckRunOutput(ch.Report, in)
	if ch.Failed {
		summary = fmt.Sprintf("Documented **%d public symbols**. The API changes against %s could not be computed; the [commons page](%s) shows them when they can be.\n",
			e.SymbolCount, ch.BaseLabel, page)
	}
	conclusion := "success"
	if ch.Report != nil && ch.Report.Verdict == apidiff.Major {
		conclusion = s.cfg.ChecksMajor
		if conclusion == "" {
			conclusion = config.ConclusionNeutral
		}
	}
	return githubapp.CheckRun{Conclusion: conclusion, DetailsURL: page, Title: title, Summary: summary}
}

// failedCheck is the completed check run of a build that failed for good:
// its error as the job records it (already redacted), made fit for a page
// anyone who reads the repository sees — tokens removed again, URLs reduced
// to their host (an archive link may carry a credential in its query), one
// paragraph, at most maxCheckError bytes.
func failedCheck(msg string) githubapp.CheckRun {
	msg = secret.Redact(msg, 2000)
	msg = urlRe.ReplaceAllString(msg, "$1")
	msg = strings.Join(strings.Fields(msg), " ")
	msg = secret.Truncate(msg, maxCheckError)
	return githubapp.CheckRun{Conclusion: "failure", Title: "The docpack could not be built",
		Summary: "doctown could not build this commit's docpack:\n\n```\n" + strings.ReplaceAll(msg, "`", "'") +
			"\n```\n\nThe relay's operator sees the full error in its job API.\n"}
}

// maxCheckError bounds the error a failed check run shows.
const maxCheckError = 500

// urlRe matches a URL, capturing its scheme and host.
var urlRe = regexp.MustCompile(`(https?://[^/\s?#"']+)[^\s"']*`)

func shortSHA(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
