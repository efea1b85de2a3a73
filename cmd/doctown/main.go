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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
