package dispatch

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/doctown/doctown/docpack"

	"github.com/doctown/doctown/pipeline"
	"github.com/doctown/doctown/pipeline/github"
)

// PipelineBuild returns the BuildFunc that runs doctown's pipeline on a GitHub
// commit: the tarball through the API with the installation token, then every
// stage up to the packaged docpack. newGen makes the generator of each build (nil
// or a nil result means the extractive one); client is used for GitHub (nil: a
// default client).
func PipelineBuild(newGen func() (pipeline.Generator, error), client *http.Client, toolVersion string) BuildFunc {
	return func(ctx context.Context, req BuildRequest) (string, error) {
		src, err := github.NewSource(ctx, github.Target{Owner: req.Owner, Repo: req.Repo, Ref: req.SHA},
			github.Options{Token: req.Token, APIURL: req.APIURL, HTTPClient: client, TempDir: req.OutputDir})
		if err != nil {
			return "", err
		}
		var gen pipeline.Generator
		if newGen != nil {
			if gen, err = newGen(); err != nil {
				return "", fmt.Errorf("generator: %w", err)
			}
		}
		res, err := pipeline.Build(ctx, pipeline.BuildOptions{
			Source:      src,
			Output:      filepath.Join(req.OutputDir, "build.docpack"),
			Generator:   gen,
			Config:      req.Build,
			Repository:  docpack.Repository{CommitSHA: req.SHA, Ref: req.Ref, Branch: branchOf(req.Ref)},
			ToolVersion: toolVersion,
		}, nil)
		if err != nil {
			return "", err
		}
		return res.Output, nil
	}
}

// branchOf is the branch a ref names ("" for a tag or a pull request's
// refs/pull/N/head, which are no branch).
func branchOf(ref string) string {
	if b, ok := strings.CutPrefix(ref, "refs/heads/"); ok {
		return b
	}
	return ""
}
