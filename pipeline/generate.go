package pipeline

import (
	"context"

	"github.com/doctown/doctown/docpack"
)

// Generator writes a doc for every symbol. Two implementations exist: the
// extractive generator in this package (no network) and the OpenAI-compatible
// one in pipeline/llm.
type Generator interface {
	// Info describes the generator for the manifest.
	Info() docpack.GeneratorInfo
	// Generate returns one doc per input symbol, keyed by symbol id. It reports its
	// work as StageBatch and StageGenerate events (StageStarted/Progress/StageDone and
	// GenerateStats). An error means the build cannot go on (cancellation, a budget
	// that would be exceeded); a failed batch is not an error: its symbols get the
	// extractive doc and are listed in Fallbacks.
	Generate(ctx context.Context, in GenerateInput, emit Observer) (*GenerateResult, error)
}

// GenerateInput is what a generator documents.
type GenerateInput struct {
	// Symbols are the symbols to document, with Source set.
	Symbols []docpack.Symbol
}

// GenerateResult is a generator's output.
type GenerateResult struct {
	Docs      map[string]docpack.Doc
	Stats     docpack.GenerationStats
	Fallbacks []string
	Warnings  []Warning
}
