package llm

import (
	"fmt"
	"strings"
	"sync"

	"github.com/pkoukk/tiktoken-go"
	tiktoken_loader "github.com/pkoukk/tiktoken-go-loader"
)

// The BPE encodings used for counting. o200k_base is the encoding of the gpt-4o,
// gpt-4.1, gpt-5 and o-series families; every other model, including local ones
// whose tokenizer is unknown, is counted with cl100k_base, which is within a few
// percent of most modern BPE vocabularies on source code.
const (
	EncodingO200k  = "o200k_base"
	EncodingCl100k = "cl100k_base"
)

// EncodingFor names the encoding used to count tokens for model.
func EncodingFor(model string) string {
	m := strings.ToLower(model)
	if i := strings.LastIndex(m, "/"); i >= 0 {
		m = m[i+1:]
	}
	for _, p := range []string{"gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4", "chatgpt-4o", "gpt-oss"} {
		if m == p || strings.HasPrefix(m, p+"-") || strings.HasPrefix(m, p+":") {
			return EncodingO200k
		}
	}
	return EncodingCl100k
}

var (
	loaderOnce sync.Once
	encMu      sync.Mutex
	encodings  = map[string]*tiktoken.Tiktoken{}
)

// tokenizer counts and truncates text with one BPE encoding. The vocabularies are
// embedded in the binary (tiktoken-go-loader's offline loader): nothing is
// downloaded at run time.
type tokenizer struct {
	name string
	enc  *tiktoken.Tiktoken
}

func newTokenizer(model string) (*tokenizer, error) {
	loaderOnce.Do(func() { tiktoken.SetBpeLoader(tiktoken_loader.NewOfflineLoader()) })
	name := EncodingFor(model)
	encMu.Lock()
	defer encMu.Unlock()
	enc, ok := encodings[name]
	if !ok {
		var err error
		enc, err = tiktoken.GetEncoding(name)
		if err != nil {
			return nil, fmt.Errorf("load tokenizer %s: %w", name, err)
		}
		encodings[name] = enc
	}
	return &tokenizer{name: name, enc: enc}, nil
}

// Count is the number of tokens in s. Special-token text such as "<|endoftext|>"
// in source code is counted as ordinary text.
func (t *tokenizer) Count(s string) int {
	if s == "" {
		return 0
	}
	return len(t.enc.EncodeOrdinary(s))
}

// truncateMarker ends a source text that was cut to fit its budget, so neither the
// model nor a reader of the prompt mistakes it for the whole item.
const truncateMarker = "\n/* … [truncated] */"

// Truncate returns s cut to at most limit tokens (marker included), and whether
// it was cut. A cut text ends at a line break where one is near and carries the
// marker.
func (t *tokenizer) Truncate(s string, limit int) (string, bool) {
	// Tokens are at least one byte, so a short text needs no encoding to know it fits.
	if len(s) <= limit {
		return s, false
	}
	// Encode a prefix that surely holds more than limit tokens of ordinary code
	// rather than the whole text (modules can be megabytes).
	probe := s
	if len(probe) > limit*16 {
		probe = probe[:limit*16]
	}
	toks := t.enc.EncodeOrdinary(probe)
	if len(probe) == len(s) && len(toks) <= limit {
		return s, false
	}
	markerTokens := t.Count(truncateMarker)
	keep := limit - markerTokens
	if keep < 1 {
		keep = 1
	}
	if keep > len(toks) {
		keep = len(toks)
	}
	cut := strings.ToValidUTF8(t.enc.Decode(toks[:keep]), "")
	if i := strings.LastIndexByte(cut, '\n'); i > len(cut)*3/4 {
		cut = cut[:i]
	}
	return cut + truncateMarker, true
}

// Tokenizer is the tokenizer the batches are sized with, for other packages that
// size text for a model's context (the MCP server's answers).
type Tokenizer = tokenizer

// NewTokenizer returns the tokenizer for model (see EncodingFor).
func NewTokenizer(model string) (*Tokenizer, error) { return newTokenizer(model) }
