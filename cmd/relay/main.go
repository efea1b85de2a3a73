// Command relay is doctown's GitHub App server (see "Run the relay" in README.md).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/doctown/doctown/relay"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := relay.Main(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
