package pipeline

import (
	"context"
	"errors"
)

// extract is replaced by the tree-sitter extraction once pipeline/rust lands.
func (b *build) extract(ctx context.Context) error {
	return errors.New("extract: not built yet")
}
