// Package exit holds doctown's process exit codes, shared by the doctown CLI
// and the relay; a leaf package, so the relay does not link the CLI for them.
package exit

// Exit codes. Each binary decides its status in one place, from these.
const (
	OK      = 0 // success
	Failure = 1 // the command failed
	Usage   = 2 // bad flags or arguments
	Cancel  = 3 // interrupted (Ctrl-C, SIGTERM)
	Auth    = 4 // a token was missing, invalid or without access
	Invalid = 5 // `validate`: the docpack has problems
	Changes = 6 // `diff`: a change at or above --fail-on was found
)
