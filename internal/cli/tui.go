package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// placeholder until the tui command lands.
func newTUICmd(s *IO) *cobra.Command {
	return &cobra.Command{Use: "tui", Hidden: true, RunE: func(*cobra.Command, []string) error { return errors.New("tui: not built yet") }}
}
