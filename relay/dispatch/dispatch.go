// Package dispatch runs one attempt of a build somewhere and says how it
// ended: LocalDispatcher in this process (the pipeline on a GitHub tarball),
// RunPodDispatcher on a RunPod serverless endpoint (the worker uploads the
// docpack to the relay itself). A dispatcher never changes the job: it
// returns an Outcome, and the relay's worker records it through jobs.Store.
package dispatch

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/doctown/doctown/pipeline/rust"
	"github.com/doctown/doctown/relay/config"
	"github.com/doctown/doctown/relay/jobs"
)

// Dispatcher runs one attempt of a build to its end and says how it ended; it
// never changes the job itself. An error leaves the job to River's retries.
type Dispatcher interface {
	// Name is "local" or "runpod" (metrics, logs).
	Name() string
	Dispatch(ctx context.Context, t *Task) (Outcome, error)
}

// Outcome is a finished attempt: a docpack built here, to be ingested by the
// caller (then released), or — Docpack empty — a remote builder that reports
// having uploaded it to the relay itself.
type Outcome struct {
	// Docpack is the path of the docpack built in this process ("" for a
	// remote build).
	Docpack string
	// Release removes what the build left (its directory); nil for nothing.
	Release func() error
}

// Cleanup removes what the build left.
func (o Outcome) Cleanup() error {
	if o.Release != nil {
		return o.Release()
	}
	return nil
}

// Task is one attempt of one job, with what a builder needs to fetch the code
// and hand back the docpack. Token and UploadToken are secrets: never logged.
type Task struct {
	Job *jobs.Job
	// Token reads the repository (an installation token; empty without an App).
	Token string
	// APIURL is the GitHub REST API base URL.
	APIURL string
	// UploadURL and UploadToken are where and how a remote builder uploads.
	UploadURL   string
	UploadToken string
	// Build is the build configuration (the relay's DOCTOWN_BUILD_*).
	Build rust.BuildConfig
	// Started receives one value (without blocking) once the build has
	// really started; the caller records the job as running.
	Started chan<- struct{}
}

// started signals t.Started, once, without blocking.
func (t *Task) started() {
	select {
	case t.Started <- struct{}{}:
	default:
	}
}

// BuildRequest is what a local build needs.
type BuildRequest struct {
	Owner, Repo, SHA, Ref string
	Token, APIURL         string
	Build                 rust.BuildConfig
	// OutputDir is an empty directory the build may write into.
	OutputDir string
}

// BuildFunc builds the docpack of one commit and returns its path inside
// req.OutputDir. PipelineBuild is the real one.
type BuildFunc func(ctx context.Context, req BuildRequest) (string, error)

// LocalDispatcher builds in this process: GitHub tarball → pipeline → docpack,
// returned for the caller to ingest like an upload. River's worker count
// bounds how many run at once.
type LocalDispatcher struct {
	Build BuildFunc
	// TempDir holds build directories; empty means the system's.
	TempDir string
}

var _ Dispatcher = (*LocalDispatcher)(nil)

// Name is "local".
func (d *LocalDispatcher) Name() string { return config.DispatchLocal }

// Dispatch runs the build and returns its docpack, in a directory the
// outcome's Release removes.
func (d *LocalDispatcher) Dispatch(ctx context.Context, t *Task) (Outcome, error) {
	dir, err := os.MkdirTemp(d.TempDir, "doctown-build-")
	if err != nil {
		return Outcome{}, fmt.Errorf("build dir: %w", err)
	}
	release := func() error {
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("remove build dir: %w", err)
		}
		return nil
	}
	t.started()
	j := t.Job
	path, err := d.Build(ctx, BuildRequest{
		Owner: j.Owner, Repo: j.Repo, SHA: j.SHA, Ref: j.Ref,
		Token: t.Token, APIURL: t.APIURL, Build: t.Build, OutputDir: dir,
	})
	if err != nil {
		return Outcome{}, errors.Join(fmt.Errorf("build: %w", err), release())
	}
	return Outcome{Docpack: path, Release: release}, nil
}
