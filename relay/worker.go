package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/doctown/doctown/relay/dispatch"
	"github.com/doctown/doctown/relay/githubapp"
	"github.com/doctown/doctown/relay/jobs"
	"github.com/doctown/doctown/relay/secret"
)

// work runs one attempt of a build job. It is idempotent: a job already
// uploaded or done is not built again, a canceled one is dropped.
func (s *Server) work(ctx context.Context, rj *river.Job[jobs.BuildArgs]) error {
	a, attempt := rj.Args, rj.Attempt
	log := s.log.With("job_id", a.JobID, "repo", a.Owner+"/"+a.Repo, "sha", a.SHA, "attempt", attempt)
	job, err := s.jobs.Get(ctx, a.JobID)
	if errors.Is(err, jobs.ErrJobNotFound) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	switch job.State {
	case jobs.StateUploaded, jobs.StateDone:
		return s.finish(ctx, log, job, rj.JobRow)
	case jobs.StateCanceled:
		return river.JobCancel(errors.New("job canceled"))
	}
	if err := s.jobs.Dispatched(ctx, job.ID, s.instance); err != nil {
		return err
	}
	log.Info("job dispatched", "dispatcher", s.disp.Name())
	s.startCheck(ctx, log, job)

	token, err := s.gh.RepoToken(ctx, job.InstallationID, job.Owner, job.Repo)
	if err != nil {
		return s.failAttempt(ctx, log, job, rj.JobRow, err)
	}
	started := make(chan struct{}, 1)
	task := &dispatch.Task{
		Job: job, Token: token, APIURL: s.gh.APIURL(),
		UploadURL:   s.cfg.UploadURL(),
		Build:       s.cfg.Build,
		UploadToken: s.tokens.Sign(job.ID, s.now().Add(s.cfg.JobTimeout+15*time.Minute)),
		Started:     started,
	}
	// The dispatcher says when the build really started; this worker, not
	// the dispatcher, records it.
	dispatched := make(chan struct{})
	recorded := make(chan struct{})
	go func() {
		defer close(recorded)
		select {
		case <-started:
		case <-dispatched:
			select {
			case <-started: // it started, and already ended
			default:
				return
			}
		}
		if err := s.jobs.Running(ctx, job.ID); err != nil {
			log.Warn("record running", "err", err)
		}
	}()
	start := time.Now()
	out, err := s.disp.Dispatch(ctx, task)
	close(dispatched)
	<-recorded
	if err == nil && out.Docpack != "" {
		// Built here: validate and store it as an upload would be.
		err = s.ingest(ctx, job, out.Docpack)
	}
	if cerr := out.Cleanup(); cerr != nil {
		// A build directory left in the data dir's tmp: the next start clears it.
		log.Warn("clean up build", "err", cerr)
	}
	if err == nil {
		cur, gerr := s.jobs.Get(ctx, job.ID)
		switch {
		case gerr != nil:
			err = gerr
		case cur.State == jobs.StateUploaded:
			s.metrics.dispatch.WithLabelValues(s.disp.Name(), "ok").Observe(time.Since(start).Seconds())
			return s.finish(ctx, log, cur, rj.JobRow)
		case cur.State == jobs.StateDone:
			return nil
		default:
			err = errors.New("the builder finished without uploading a docpack")
			if cur.Error != "" {
				err = fmt.Errorf("%w: %s", err, cur.Error)
			}
		}
	}
	s.metrics.dispatch.WithLabelValues(s.disp.Name(), "error").Observe(time.Since(start).Seconds())
	if !s.gh.Configured() {
		err = fmt.Errorf("%w (%s)", err, githubapp.NoAppHint)
	}
	// A docpack may have arrived even though the dispatcher saw an error (a
	// status poll failed after the upload): then the job is done.
	if cur, gerr := s.jobs.Get(context.WithoutCancel(ctx), job.ID); gerr == nil && cur.State == jobs.StateUploaded {
		return s.finish(context.WithoutCancel(ctx), log, cur, rj.JobRow)
	}
	return s.failAttempt(ctx, log, job, rj.JobRow, err)
}

// finish ends a job whose docpack is stored: its API changes against its
// base go to the catalog and to the check run, then the job is done, with its
// River job (jobs.Store.Done: one transaction). Neither of the first steps
// fails the job (the docpack is served either way).
func (s *Server) finish(ctx context.Context, log *slog.Logger, job *jobs.Job, attempt *rivertype.JobRow) error {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), changesTimeout)
	ch, err := s.recordChanges(cctx, job.Owner, job.Repo, job.SHA, job.PushedAt)
	if err != nil {
		log.Warn("api changes not recorded", "err", secret.Redact(err.Error(), 500))
	} else {
		log.Info("api changes recorded", "base", ch.Base.SHA, "summary", ch.Entry.Changes.Text())
	}
	if ch != nil {
		s.completeCheck(cctx, log, job, s.builtCheck(ch))
	} else {
		s.completeCheck(cctx, log, job, githubapp.CheckRun{Conclusion: "success", Title: "Docpack stored",
			Summary: "The docpack is stored; its API changes could not be computed."})
	}
	cancel()
	ok, err := s.jobs.Done(ctx, job.ID, attempt)
	if err != nil {
		return err
	}
	if ok {
		log.Info("job done")
	}
	return nil
}

// failAttempt records a failed attempt: back to queued while River will retry,
// failed after the last attempt. It returns err so River schedules the retry;
// after the last attempt River's job is completed with the failure (in one
// transaction) and nil is returned.
// An attempt cut short by this relay's shutdown is not the job's failure: it is
// queued again without using up an attempt (River's snooze gives the attempt
// back), so a restart never fails a job that was on its last attempt.
func (s *Server) failAttempt(ctx context.Context, log *slog.Logger, job *jobs.Job, attempt *rivertype.JobRow, err error) error {
	shutdown := s.interruptedByShutdown(ctx)
	final := attempt.Attempt >= attempt.MaxAttempts && !shutdown
	msg := secret.Redact(err.Error(), 2000)
	switch {
	case shutdown:
		msg = "interrupted by relay shutdown: " + msg
	case ctx.Err() != nil:
		msg = "interrupted: " + msg
	}
	// The job's context may be cancelled (timeout, shutdown): record anyway.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if final {
		// Reported before the state is: whoever sees the job failed sees
		// its check run completed.
		s.completeCheck(wctx, log, job, failedCheck(msg))
	}
	serr := s.jobs.AttemptFailed(wctx, job.ID, final, msg, attempt)
	if serr != nil {
		log.Error("record failure", "err", serr)
	}
	if shutdown {
		log.Warn("build interrupted by shutdown: queued again, the attempt does not count", "err", msg)
		return river.JobSnooze(0)
	}
	log.Warn("build attempt failed", "err", msg, "final", final)
	if final && serr == nil {
		return nil // failed and River's job completed, together
	}
	return err
}

// interruptedByShutdown reports whether ctx was cancelled because this relay is
// stopping (its grace period over), rather than by the job timeout (a deadline).
func (s *Server) interruptedByShutdown(ctx context.Context) bool {
	return s.draining.Load() && errors.Is(ctx.Err(), context.Canceled)
}

// resolveTimeout bounds a repository lookup: two API calls, not a build.
const resolveTimeout = 2 * time.Minute

// buildWorker runs build jobs, each attempt bounded by the job timeout.
type buildWorker struct {
	river.WorkerDefaults[jobs.BuildArgs]
	s *Server
}

// Timeout is DOCTOWN_JOB_TIMEOUT.
func (w *buildWorker) Timeout(*river.Job[jobs.BuildArgs]) time.Duration { return w.s.cfg.JobTimeout }

// Work runs one attempt.
func (w *buildWorker) Work(ctx context.Context, j *river.Job[jobs.BuildArgs]) error {
	return w.s.work(ctx, j)
}

// resolveWorker runs repository lookups, with a timeout of their own.
type resolveWorker struct {
	river.WorkerDefaults[jobs.ResolveArgs]
	s *Server
}

// Timeout is resolveTimeout: a lookup never gets a build's half hour.
func (w *resolveWorker) Timeout(*river.Job[jobs.ResolveArgs]) time.Duration { return resolveTimeout }

// Work looks the repository up and queues its build.
func (w *resolveWorker) Work(ctx context.Context, j *river.Job[jobs.ResolveArgs]) error {
	return w.s.resolve(ctx, j.Args)
}
