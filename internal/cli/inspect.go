package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// placeholder until the inspect command lands.
func newInspectCmd(s *IO) *cobra.Command {
	return &cobra.Command{Use: "inspect", Hidden: true, RunE: func(*cobra.Command, []string) error { return errors.New("inspect: not built yet") }}
}
