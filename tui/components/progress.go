package components

import (
	"charm.land/bubbles/v2/progress"

	"github.com/doctown/doctown/tui/common"
)

// NewBar returns bubbles' progress bar, w cells wide with its percentage, for
// drawing with ViewAs (the build screen shows where a stage is, not an
// animation): "████░░░░  50%", or "####....  50%" without color.
func NewBar(c common.Common, w int) progress.Model {
	if !c.Color {
		return progress.New(progress.WithWidth(w), progress.WithFillCharacters('#', '.'))
	}
	return progress.New(progress.WithWidth(w), progress.WithColors(c.Styles.Accent),
		progress.WithFillCharacters(progress.DefaultFullCharFullBlock, progress.DefaultEmptyCharBlock))
}
