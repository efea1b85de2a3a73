// Command doctown builds .docpack files from Rust repositories and lets you read them.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/doctown/doctown/internal/cli"
)

func main() {
	// A closed pipe on stdout or stderr (`doctown build --json | head -1`)
	// must not kill the process where it stands, leaving a .docpack-*.tmp:
	// asked for, SIGPIPE is only reported and the write fails with EPIPE,
	// which cancels the command (cli.ErrOutputClosed). Nothing reads the
	// channel; children still get the default disposition.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), stopSignals()...)
	code := cli.Main(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// stopSignals are the signals that cancel the command (exit 3, a build's
// temporary docpack removed): Ctrl-C, SIGTERM, and SIGHUP when the terminal
// goes away — unless SIGHUP is ignored (nohup), which Notify would undo.
func stopSignals() []os.Signal {
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	return sigs
}
