package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// placeholder until the validate command lands.
func newValidateCmd(s *IO) *cobra.Command {
	return &cobra.Command{Use: "validate", Hidden: true, RunE: func(*cobra.Command, []string) error { return errors.New("validate: not built yet") }}
}
