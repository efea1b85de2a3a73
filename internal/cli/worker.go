package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// placeholder until the worker command lands.
func newWorkerCmd(s *IO) *cobra.Command {
	return &cobra.Command{Use: "worker", Hidden: true, RunE: func(*cobra.Command, []string) error { return errors.New("worker: not built yet") }}
}
