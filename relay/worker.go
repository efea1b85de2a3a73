package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// work runs one attempt of a build job. It is idempotent: a job already
// uploaded or done is not built again, a canceled one is dropped.
func (s *Server) work(ctx context.Context, a BuildArgs, attempt, maxAttempts int) error {
	log := s.log.With("job_id", a.JobID, "repo", a.Owner+"/"+a.Repo, "sha", a.SHA, "attempt", attempt)
	db := s.q.db()
	job, err := getJob(ctx, db, a.JobID)
	if errors.Is(err, ErrJobNotFound) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	switch job.State {
	case StateUploaded:
		return s.finish(ctx, log, job)
	case StateDone:
		return nil
	case StateCanceled:
		return river.JobCancel(errors.New("job canceled"))
	}
	if err := s.jobs.Dispatched(ctx, job.ID, s.instance); err != nil {
		return err
	}
	log.Info("job dispatched", "dispatcher", s.disp.Name())

	token, err := s.gh.RepoToken(ctx, job.InstallationID, job.Owner, job.Repo)
	if err != nil {
		return s.failAttempt(ctx, log, job, attempt, maxAttempts, err)
	}
	started := make(chan struct{}, 1)
	task := &Task{
		Job: job, Token: token, APIURL: s.gh.APIURL(),
		UploadURL:   s.cfg.uploadURL(),
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
	out.release()
	if err == nil {
		cur, gerr := getJob(ctx, db, job.ID)
		switch {
		case gerr != nil:
			err = gerr
		case cur.State == StateUploaded:
			s.metrics.dispatch.WithLabelValues(s.disp.Name(), "ok").Observe(time.Since(start).Seconds())
			return s.finish(ctx, log, cur)
		case cur.State == StateDone:
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
		err = fmt.Errorf("%w (%s)", err, noAppHint)
	}
	// A docpack may have arrived even though the dispatcher saw an error (a
	// status poll failed after the upload): then the job is done.
	if cur, gerr := getJob(context.WithoutCancel(ctx), db, job.ID); gerr == nil && cur.State == StateUploaded {
		return s.finish(context.WithoutCancel(ctx), log, cur)
	}
	return s.failAttempt(ctx, log, job, attempt, maxAttempts, err)
}

func (s *Server) finish(ctx context.Context, log *slog.Logger, job *Job) error {
	ok, err := s.jobs.Done(ctx, job.ID)
	if err != nil {
		return err
	}
	if ok {
		log.Info("job done")
	}
	return nil
}

// failAttempt records a failed attempt: back to queued while River will retry,
// failed after the last attempt. It returns err so River schedules the retry.
// An attempt cut short by this relay's shutdown is not the job's failure: it is
// queued again without using up an attempt (River's snooze gives the attempt
// back), so a restart never fails a job that was on its last attempt.
func (s *Server) failAttempt(ctx context.Context, log *slog.Logger, job *Job, attempt, maxAttempts int, err error) error {
	shutdown := s.interruptedByShutdown(ctx)
	state := StateQueued
	if attempt >= maxAttempts && !shutdown {
		state = StateFailed
	}
	msg := redact(err.Error(), 2000)
	switch {
	case shutdown:
		msg = "interrupted by relay shutdown: " + msg
	case ctx.Err() != nil:
		msg = "interrupted: " + msg
	}
	// The job's context may be cancelled (timeout, shutdown): record anyway.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if serr := s.jobs.AttemptFailed(wctx, job.ID, state == StateFailed, msg); serr != nil {
		log.Error("record failure", "err", serr)
	}
	if shutdown {
		log.Warn("build interrupted by shutdown: queued again, the attempt does not count", "err", msg)
		return river.JobSnooze(0)
	}
	log.Warn("build attempt failed", "err", msg, "final", state == StateFailed)
	return err
}

// interruptedByShutdown reports whether ctx was cancelled because this relay is
// stopping (its grace period over), rather than by the job timeout (a deadline).
func (s *Server) interruptedByShutdown(ctx context.Context) bool {
	return s.draining.Load() && errors.Is(ctx.Err(), context.Canceled)
}
