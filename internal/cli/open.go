package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// placeholder until the open command lands.
func newOpenCmd(s *IO) *cobra.Command {
	return &cobra.Command{Use: "open", Hidden: true, RunE: func(*cobra.Command, []string) error { return errors.New("open: not built yet") }}
}
