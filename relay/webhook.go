package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/google/go-github/v88/github"

	"github.com/doctown/doctown/relay/catalog"
	"github.com/doctown/doctown/relay/config"
	"github.com/doctown/doctown/relay/githubapp"
	"github.com/doctown/doctown/relay/jobs"
	"github.com/doctown/doctown/relay/queue"
)

// webhookAnswer is the JSON body of a webhook response.
type webhookAnswer struct {
	Result  string          `json:"result"`
	Reason  string          `json:"reason,omitempty"`
	Jobs    []jobs.Enqueued `json:"jobs,omitempty"`
	Lookups []string        `json:"lookups,omitempty"`
	Cancel  []string        `json:"canceled,omitempty"`
}

const zeroSHA = "0000000000000000000000000000000000000000"

// maxDeliveryID bounds X-GitHub-Delivery (GitHub's are 36-character GUIDs).
const maxDeliveryID = 100

// webhookPayload is the JSON of a verified body: the body itself, or the
// "payload" field of a form-encoded one (an App may be set to either).
func webhookPayload(contentType string, body []byte) ([]byte, error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "application/json", "":
		return body, nil
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, errors.New("malformed form body")
		}
		return []byte(form.Get("payload")), nil
	}
	return nil, fmt.Errorf("unsupported Content-Type %q", mt)
}

// handleWebhook takes GitHub App deliveries. The signature (X-Hub-Signature-256
// only) is checked before anything else; the answer is 202 once the delivery and
// its jobs are committed, 200 for a repeated delivery or an event that builds
// nothing.
func (s *Server) handleWebhook(w http.ResponseWriter, r *http.Request) {
	event := github.WebHookType(r)
	delivery := github.DeliveryID(r)
	log := s.log.With("delivery_id", delivery, "event", event)
	result := func(res string) { s.metrics.webhooks.WithLabelValues(metricEvent(event), res).Inc() }

	if s.draining.Load() {
		result("unavailable")
		w.Header().Set("Retry-After", "30")
		writeError(w, http.StatusServiceUnavailable, "relay is shutting down")
		return
	}
	if len(s.cfg.WebhookSecret) == 0 {
		// ValidatePayload would accept unsigned bodies: never run without a secret.
		result("bad_signature")
		writeError(w, http.StatusInternalServerError, "webhook secret not configured")
		return
	}
	sig := r.Header.Get(github.SHA256SignatureHeader)
	if sig == "" {
		result("bad_signature")
		msg := "missing X-Hub-Signature-256"
		if r.Header.Get(github.SHA1SignatureHeader) != "" {
			msg = "SHA-1 signatures are not accepted: X-Hub-Signature-256 is required"
		}
		log.Warn("webhook refused", "reason", msg)
		writeError(w, http.StatusUnauthorized, msg)
		return
	}
	want, err := githubapp.ParseSignature256(sig)
	if err != nil {
		result("bad_signature")
		log.Warn("webhook refused", "reason", "signature format")
		writeError(w, http.StatusUnauthorized, err.Error())
		return
	}
	if r.ContentLength > config.MaxWebhookBody {
		result("too_large")
		log.Warn("webhook refused", "reason", "body too large")
		writeError(w, http.StatusRequestEntityTooLarge, "payload too large")
		return
	}
	body, release, err := s.webhookBodies.ReadSigned(http.MaxBytesReader(w, r.Body, config.MaxWebhookBody), config.MaxWebhookBody, []byte(s.cfg.WebhookSecret), want)
	defer release()
	switch {
	case errors.Is(err, githubapp.ErrBodyTooLarge):
		result("too_large")
		log.Warn("webhook refused", "reason", "body too large")
		writeError(w, http.StatusRequestEntityTooLarge, "payload too large")
		return
	case errors.Is(err, githubapp.ErrBodyBudget):
		result("unavailable")
		log.Warn("webhook refused", "reason", err.Error())
		w.Header().Set("Retry-After", "10")
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	case errors.Is(err, githubapp.ErrSignature):
		result("bad_signature")
		log.Warn("webhook refused", "reason", "signature")
		writeError(w, http.StatusUnauthorized, "invalid signature")
		return
	case err != nil:
		result("bad_request")
		writeError(w, http.StatusBadRequest, "read body")
		return
	}
	payload, err := webhookPayload(r.Header.Get("Content-Type"), body)
	if err != nil {
		result("bad_request")
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if event == "" || delivery == "" {
		result("bad_request")
		writeError(w, http.StatusBadRequest, "missing X-GitHub-Event or X-GitHub-Delivery")
		return
	}
	if len(delivery) > maxDeliveryID {
		result("bad_request")
		writeError(w, http.StatusBadRequest, fmt.Sprintf("X-GitHub-Delivery longer than %d bytes", maxDeliveryID))
		return
	}
	if event == "ping" {
		result("ignored")
		writeJSON(w, http.StatusOK, webhookAnswer{Result: "pong"})
		return
	}
	parsed, err := github.ParseWebHook(event, payload)
	if err != nil {
		// An event type this relay never subscribed to: acknowledge it.
		if strings.Contains(err.Error(), "unknown X-Github-Event") {
			result("ignored")
			writeJSON(w, http.StatusOK, webhookAnswer{Result: "ignored", Reason: "event not handled"})
			return
		}
		result("bad_request")
		log.Warn("webhook refused", "reason", "parse", "err", err)
		writeError(w, http.StatusBadRequest, "malformed payload")
		return
	}

	// A database file deleted or replaced under the relay would take the
	// delivery and lose it at the next restart: refuse it, GitHub retries.
	if err := s.q.SameFile(); err != nil {
		result("unavailable")
		log.Error("webhook refused: database", "err", err)
		w.Header().Set("Retry-After", "30")
		writeError(w, http.StatusServiceUnavailable, "database unavailable")
		return
	}
	var ans webhookAnswer
	// Shared: on SQLite the deliveries arriving together commit together
	// (one fsync), each answered once its own writes are durable.
	err = s.q.InTxShared(r.Context(), func(ctx context.Context, tx queue.Tx) error {
		ans = webhookAnswer{}
		fresh, err := s.jobs.RecordDelivery(ctx, tx, delivery, event)
		if err != nil {
			return err
		}
		if !fresh {
			ans.Result = "duplicate"
			return nil
		}
		return s.applyEvent(ctx, tx, log, delivery, parsed, &ans)
	})
	if err != nil {
		result("error")
		log.Error("webhook not recorded", "err", err)
		writeError(w, http.StatusInternalServerError, "could not record the delivery")
		return
	}
	result(metricResult(ans))
	status := http.StatusOK
	if ans.Result == "accepted" {
		status = http.StatusAccepted
		for _, j := range ans.Jobs {
			if !j.Duplicate {
				s.metrics.transitions.WithLabelValues(jobs.StateQueued).Inc()
			}
		}
	}
	log.Info("webhook", "result", ans.Result, "reason", ans.Reason, "jobs", len(ans.Jobs), "lookups", len(ans.Lookups), "canceled", len(ans.Cancel))
	writeJSON(w, status, ans)
}

// metricResult is the webhooks_total result of a recorded delivery: a push of
// a commit that already has a job is answered like an accepted one (202, the
// job marked "duplicate") but created nothing, so it counts as "duplicate".
func metricResult(ans webhookAnswer) string {
	if ans.Result != "accepted" || len(ans.Jobs) == 0 || len(ans.Lookups) > 0 || len(ans.Cancel) > 0 {
		return ans.Result
	}
	for _, j := range ans.Jobs {
		if !j.Duplicate {
			return ans.Result
		}
	}
	return "duplicate"
}

func metricEvent(e string) string {
	switch e {
	case "push", "pull_request", "installation", "installation_repositories", "ping":
		return e
	}
	return "other"
}

// applyEvent turns one event into jobs, lookups or cancellations inside tx.
func (s *Server) applyEvent(ctx context.Context, tx queue.Tx, log *slog.Logger, delivery string, ev any, ans *webhookAnswer) error {
	ans.Result = "ignored"
	switch e := ev.(type) {
	case *github.PushEvent:
		return s.applyPush(ctx, tx, log, delivery, e, ans)
	case *github.PullRequestEvent:
		return s.applyPull(ctx, tx, log, delivery, e, ans)
	case *github.InstallationEvent:
		inst := e.GetInstallation().GetID()
		switch e.GetAction() {
		case "created", "new_permissions_accepted", "unsuspend":
			return s.lookupRepos(ctx, tx, delivery, inst, e.Repositories, ans)
		case "deleted", "suspend":
			return s.cancelPending(ctx, tx, inst, nil, ans)
		}
		ans.Reason = "installation action " + e.GetAction()
	case *github.InstallationRepositoriesEvent:
		inst := e.GetInstallation().GetID()
		switch e.GetAction() {
		case "added":
			return s.lookupRepos(ctx, tx, delivery, inst, e.RepositoriesAdded, ans)
		case "removed":
			var names []string
			for _, r := range e.RepositoriesRemoved {
				names = append(names, r.GetFullName())
			}
			return s.cancelPending(ctx, tx, inst, names, ans)
		}
		ans.Reason = "installation_repositories action " + e.GetAction()
	default:
		ans.Reason = "event not handled"
	}
	return nil
}

func (s *Server) applyPush(ctx context.Context, tx queue.Tx, log *slog.Logger, delivery string, e *github.PushEvent, ans *webhookAnswer) error {
	repo := e.GetRepo()
	owner, name, ok := strings.Cut(repo.GetFullName(), "/")
	if !ok {
		owner, name = repo.GetOwner().GetLogin(), repo.GetName()
		if owner == "" {
			owner = repo.GetOwner().GetName()
		}
	}
	ref, after := e.GetRef(), e.GetAfter()
	switch {
	case e.GetDeleted() || after == "" || after == zeroSHA:
		ans.Reason = "ref deleted"
		return nil
	case strings.HasPrefix(ref, "refs/tags/"):
		if !s.cfg.BuildTags {
			ans.Reason = "tag push (tags are not built)"
			return nil
		}
	case ref != "refs/heads/"+repo.GetDefaultBranch():
		ans.Reason = "not the default branch"
		return nil
	}
	if owner == "" || name == "" || !githubapp.IsSHA(after) {
		ans.Reason = "push payload without repository or commit"
		return nil
	}
	if err := githubapp.CheckRepoName(owner, name); err != nil {
		log.Warn("push refused", "err", err)
		ans.Reason = err.Error()
		return nil
	}
	if repo.GetPrivate() && s.cfg.Private == config.PrivateSkip {
		ans.Reason = "private repository (DOCTOWN_PRIVATE=skip)"
		return nil
	}
	res, err := s.enqueue(ctx, tx, jobs.Request{
		Owner: owner, Repo: name, SHA: after, Ref: ref,
		InstallationID: e.GetInstallation().GetID(), DeliveryID: delivery, Private: repo.GetPrivate(),
	})
	if err != nil {
		return err
	}
	log.Info("job queued", "job_id", res.JobID, "repo", res.Repo, "sha", res.SHA, "duplicate", res.Duplicate)
	ans.Result = "accepted"
	ans.Jobs = append(ans.Jobs, res)
	return nil
}

// maxPullNumber bounds a pull request number from a payload.
const maxPullNumber = 1 << 31

// maxRefName bounds a branch name from a payload (git has no limit; GitHub
// refuses refs past 255 bytes).
const maxRefName = 255

// applyPull builds the head of an opened, reopened or synchronized pull
// request (from the repository itself or a fork) as a preview that never
// becomes the repository's latest, and records a closed one so that its
// previews expire. The head is fetched through the base repository (GitHub
// keeps a fork's pull-request commits reachable there), with the base's
// installation token: the fork needs no access.
func (s *Server) applyPull(ctx context.Context, tx queue.Tx, log *slog.Logger, delivery string, e *github.PullRequestEvent, ans *webhookAnswer) error {
	repo, pr := e.GetRepo(), e.GetPullRequest()
	owner, name, ok := strings.Cut(repo.GetFullName(), "/")
	if !ok {
		owner, name = repo.GetOwner().GetLogin(), repo.GetName()
	}
	number := e.GetNumber()
	if number == 0 {
		number = pr.GetNumber()
	}
	action := e.GetAction()
	switch action {
	case "opened", "synchronize", "reopened", "closed":
	default:
		ans.Reason = "pull_request action " + truncateReason(action)
		return nil
	}
	if err := githubapp.CheckRepoName(owner, name); err != nil {
		log.Warn("pull request refused", "err", err)
		ans.Reason = err.Error()
		return nil
	}
	if number <= 0 || number >= maxPullNumber {
		ans.Reason = "pull request payload without a valid number"
		return nil
	}
	if action == "closed" {
		known, err := catalog.ClosePull(ctx, tx, owner, name, number, s.now())
		if err != nil {
			return err
		}
		ans.Result = "accepted"
		ans.Reason = "pull request closed: its previews expire"
		if !known {
			ans.Result, ans.Reason = "ignored", "pull request never built"
		}
		// A build of it still queued is not needed any more.
		pending, err := s.jobs.Pending(ctx, tx, 0, []string{owner + "/" + name})
		if err != nil {
			return err
		}
		pending = slices.DeleteFunc(pending, func(j *jobs.Job) bool { return j.Pull != number })
		if err := s.cancelJobs(ctx, tx, pending, "pull request closed", ans); err != nil {
			return err
		}
		log.Info("pull request closed", "repo", owner+"/"+name, "pull", number, "known", known)
		return nil
	}
	head, base := pr.GetHead(), pr.GetBase()
	headSHA, baseRef := head.GetSHA(), base.GetRef()
	headRepo := head.GetRepo().GetFullName()
	switch {
	case !githubapp.IsSHA(headSHA):
		ans.Reason = "pull request payload without a head commit"
		return nil
	case baseRef == "" || len(baseRef) > maxRefName || strings.ContainsAny(baseRef, "\x00\n\r") || (base.GetSHA() != "" && !githubapp.IsSHA(base.GetSHA())):
		ans.Reason = "pull request payload without a valid base"
		return nil
	}
	if ho, hn, ok := strings.Cut(headRepo, "/"); !ok || githubapp.CheckRepoName(ho, hn) != nil {
		headRepo = "" // only recorded; the build reads the base repository
	}
	if repo.GetPrivate() && s.cfg.Private == config.PrivateSkip {
		ans.Reason = "private repository (DOCTOWN_PRIVATE=skip)"
		return nil
	}
	if err := catalog.RecordPull(ctx, tx, catalog.PullRequest{Owner: owner, Repo: name, Number: number, HeadSHA: headSHA,
		HeadRepo: headRepo, BaseRef: baseRef, BaseSHA: base.GetSHA()}, s.now()); err != nil {
		return err
	}
	res, err := s.enqueue(ctx, tx, jobs.Request{
		Owner: owner, Repo: name, SHA: headSHA, Ref: "refs/pull/" + strconv.Itoa(number) + "/head", Pull: number,
		InstallationID: e.GetInstallation().GetID(), DeliveryID: delivery, Private: repo.GetPrivate(),
	})
	if err != nil {
		return err
	}
	log.Info("preview queued", "job_id", res.JobID, "repo", res.Repo, "sha", res.SHA, "pull", number, "head_repo", headRepo, "duplicate", res.Duplicate)
	ans.Result = "accepted"
	ans.Jobs = append(ans.Jobs, res)
	return nil
}

// truncateReason keeps a payload's word short in an answer.
func truncateReason(s string) string {
	if len(s) > 40 {
		return strings.ToValidUTF8(s[:40], "") + "…"
	}
	return s
}

// enqueue queues a build in tx; a repeated push of a commit moves the
// repository's latest pointer back to its docpack, in the same transaction.
func (s *Server) enqueue(ctx context.Context, tx queue.Tx, req jobs.Request) (jobs.Enqueued, error) {
	res, err := s.jobs.Enqueue(ctx, tx, req)
	if err != nil || !res.Duplicate || req.Pull != 0 {
		return res, err
	}
	return res, catalog.Repushed(ctx, tx, req.Owner, req.Repo, req.SHA, req.Ref, req.Private, res.PushedAt)
}

// lookupRepos queues one lookup per repository: the installation payloads name
// repositories but not their default branch or head, which need an API call
// each — done by the lookup job, not within GitHub's delivery timeout.
func (s *Server) lookupRepos(ctx context.Context, tx queue.Tx, delivery string, inst int64, repos []*github.Repository, ans *webhookAnswer) error {
	for _, r := range repos {
		owner, name, ok := strings.Cut(r.GetFullName(), "/")
		if !ok || githubapp.CheckRepoName(owner, name) != nil || (r.GetPrivate() && s.cfg.Private == config.PrivateSkip) {
			continue
		}
		if err := tx.InsertThen(ctx, jobs.ResolveArgs{Owner: owner, Repo: name, InstallationID: inst, DeliveryID: delivery, Private: r.GetPrivate()}, nil, nil); err != nil {
			return err
		}
		ans.Lookups = append(ans.Lookups, owner+"/"+name)
	}
	if len(ans.Lookups) > 0 {
		ans.Result = "accepted"
		if !s.gh.Configured() {
			ans.Reason = githubapp.NoAppHint
		}
	} else {
		ans.Reason = "no repositories"
	}
	return nil
}

// cancelPending cancels the queued jobs of an installation (of repos, when
// given). Builds already running finish; their tokens stop working anyway.
func (s *Server) cancelPending(ctx context.Context, tx queue.Tx, inst int64, repos []string, ans *webhookAnswer) error {
	if inst == 0 {
		ans.Reason = "no installation"
		return nil
	}
	pending, err := s.jobs.Pending(ctx, tx, inst, repos)
	if err != nil {
		return err
	}
	if err := s.cancelJobs(ctx, tx, pending, "repository removed from the installation", ans); err != nil {
		return err
	}
	ans.Result = "accepted"
	if len(ans.Cancel) == 0 {
		ans.Reason = "nothing pending"
	}
	return nil
}

// cancelJobs cancels queued jobs and their River jobs in tx, for reason.
func (s *Server) cancelJobs(ctx context.Context, tx queue.Tx, list []*jobs.Job, reason string, ans *webhookAnswer) error {
	for _, j := range list {
		changed, err := s.jobs.Cancel(ctx, tx, j, reason)
		if err != nil {
			return err
		}
		if changed {
			ans.Cancel = append(ans.Cancel, j.ID)
		}
	}
	return nil
}

// resolveWorker looks up a repository's default branch head and queues its build.
func (s *Server) resolve(ctx context.Context, a jobs.ResolveArgs) error {
	log := s.log.With("delivery_id", a.DeliveryID, "repo", a.Owner+"/"+a.Repo)
	branch, sha, err := s.gh.DefaultHead(ctx, a.InstallationID, a.Owner, a.Repo)
	if err != nil && !s.gh.Configured() {
		// An installation event means an App points at this relay, but it has
		// not got the App's credentials: say so where the operator looks (a
		// private repository looks "gone" to an anonymous lookup).
		log.Error("repository lookup failed: "+githubapp.NoAppHint, "err", err)
		if errors.Is(err, githubapp.ErrRepoGone) {
			return nil
		}
		return fmt.Errorf("%w (%s)", err, githubapp.NoAppHint)
	}
	if errors.Is(err, githubapp.ErrRepoGone) {
		log.Warn("repository lookup: gone, nothing to build", "err", err)
		return nil
	}
	if err != nil {
		log.Warn("repository lookup failed", "err", err)
		return err
	}
	var res jobs.Enqueued
	err = s.q.InTx(ctx, func(ctx context.Context, tx queue.Tx) error {
		var err error
		res, err = s.enqueue(ctx, tx, jobs.Request{
			Owner: a.Owner, Repo: a.Repo, SHA: sha, Ref: "refs/heads/" + branch,
			InstallationID: a.InstallationID, DeliveryID: a.DeliveryID, Private: a.Private,
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("queue build: %w", err)
	}
	if !res.Duplicate {
		s.metrics.transitions.WithLabelValues(jobs.StateQueued).Inc()
	}
	log.Info("job queued", "job_id", res.JobID, "sha", sha, "duplicate", res.Duplicate)
	return nil
}
