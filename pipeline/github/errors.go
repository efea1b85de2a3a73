package github

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	gh "github.com/google/go-github/v88/github"
)

// Sentinel errors, matched with errors.Is, so callers can map them to exit codes
// and job states.
var (
	// ErrAuth: the token is missing, invalid, expired or without the needed access.
	ErrAuth = errors.New("github authentication failed")
	// ErrNotFound: the repository or ref does not exist (or is invisible to the token).
	ErrNotFound = errors.New("not found on github")
	// ErrRateLimited: the API rate limit is exhausted; see Error.Reset.
	ErrRateLimited = errors.New("github rate limit exceeded")
	// ErrArchive: the tarball is truncated, too large, or hostile.
	ErrArchive = errors.New("bad repository archive")
)

// Error is a GitHub source failure. Kind is one of the sentinel errors above.
// Its text never contains a token or a signed archive URL.
type Error struct {
	Kind error
	Msg  string
	// Reset is when the rate limit lifts (ErrRateLimited only; zero if unknown).
	Reset time.Time
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Kind }

func archiveErr(format string, args ...any) error {
	return &Error{Kind: ErrArchive, Msg: "github: archive: " + fmt.Sprintf(format, args...)}
}

// classify turns a go-github error about what ("repository o/r", "ref o/r@x")
// into an *Error, without the request URLs go-github puts in its messages.
func classify(err error, what string, haveToken bool) error {
	var rl *gh.RateLimitError
	var abuse *gh.AbuseRateLimitError
	var er *gh.ErrorResponse
	var ue *url.Error
	switch {
	case errors.As(err, &rl):
		reset := rl.Rate.Reset.Time
		msg := "github: API rate limit exceeded"
		if !reset.IsZero() {
			msg += fmt.Sprintf("; it resets at %s (in %s)", reset.UTC().Format(time.RFC3339), time.Until(reset).Round(time.Second))
		}
		return &Error{Kind: ErrRateLimited, Msg: msg, Reset: reset}
	case errors.As(err, &abuse):
		e := &Error{Kind: ErrRateLimited, Msg: "github: secondary rate limit exceeded"}
		if abuse.RetryAfter != nil {
			e.Reset = time.Now().Add(*abuse.RetryAfter)
			e.Msg += fmt.Sprintf("; retry after %s", abuse.RetryAfter.Round(time.Second))
		}
		return e
	case errors.As(err, &er) && er.Response != nil:
		status := er.Response.StatusCode
		detail := fmt.Sprintf("%d %s", status, er.Message)
		switch status {
		case 401:
			return &Error{Kind: ErrAuth, Msg: fmt.Sprintf("github: %s: the token is invalid or expired (%s)", what, detail)}
		case 403:
			return &Error{Kind: ErrAuth, Msg: fmt.Sprintf("github: %s: the token has no access (%s)", what, detail)}
		case 404, 422:
			hint := "or the token cannot see it"
			if !haveToken {
				hint = "or it is private and no token was given (set GITHUB_TOKEN)"
			}
			return &Error{Kind: ErrNotFound, Msg: fmt.Sprintf("github: %s not found (%s)", what, hint)}
		}
		return fmt.Errorf("github: %s: %s", what, detail)
	case errors.As(err, &ue):
		return fmt.Errorf("github: %s: %w", what, ue.Err)
	}
	return fmt.Errorf("github: %s: %w", what, err)
}
