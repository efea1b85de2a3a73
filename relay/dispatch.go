package relay

import (
	"context"
	"fmt"
	"os"
)

// Dispatcher runs one attempt of a build to its end. When Dispatch returns nil the
// docpack has reached the relay's upload path (the job is "uploaded"); an error
// leaves the job to River's retries.
type Dispatcher interface {
	// Name is "local" or "runpod" (metrics, logs).
	Name() string
	Dispatch(ctx context.Context, t *Task) error
}

// Task is one attempt of one job, with what a builder needs to fetch the code
// and hand back the docpack. Token and UploadToken are secrets: never logged.
type Task struct {
	Job *Job
	// Token reads the repository (an installation token; empty without an App).
	Token string
	// APIURL is the GitHub REST API base URL.
	APIURL string
	// UploadURL and UploadToken are where and how a remote builder uploads.
	UploadURL   string
	UploadToken string
	// Running marks the job as running once the build has really started.
	Running func()
}

// BuildRequest is what a local build needs.
type BuildRequest struct {
	Owner, Repo, SHA, Ref string
	Token, APIURL         string
	// OutputDir is an empty directory the build may write into.
	OutputDir string
}

// BuildFunc builds the docpack of one commit and returns its path inside
// req.OutputDir. PipelineBuild is the real one.
type BuildFunc func(ctx context.Context, req BuildRequest) (string, error)

// LocalDispatcher builds in this process: GitHub tarball → pipeline → docpack,
// then hands the file to the same ingest path as uploads. River's worker count
// bounds how many run at once.
type LocalDispatcher struct {
	Build BuildFunc
	// Ingest validates and stores a finished docpack for job.
	Ingest func(ctx context.Context, job *Job, path string) error
	// TempDir holds build directories; empty means the system's.
	TempDir string
}

var _ Dispatcher = (*LocalDispatcher)(nil)

// Name is "local".
func (d *LocalDispatcher) Name() string { return DispatchLocal }

// Dispatch runs the build and ingests its docpack.
func (d *LocalDispatcher) Dispatch(ctx context.Context, t *Task) error {
	dir, err := os.MkdirTemp(d.TempDir, "doctown-build-")
	if err != nil {
		return fmt.Errorf("build dir: %w", err)
	}
	defer os.RemoveAll(dir)
	if t.Running != nil {
		t.Running()
	}
	j := t.Job
	path, err := d.Build(ctx, BuildRequest{
		Owner: j.Owner, Repo: j.Repo, SHA: j.SHA, Ref: j.Ref,
		Token: t.Token, APIURL: t.APIURL, OutputDir: dir,
	})
	if err != nil {
		return fmt.Errorf("build: %w", err)
	}
	return d.Ingest(ctx, j, path)
}
