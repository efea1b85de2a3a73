package llm

import (
	"github.com/spf13/pflag"
)

// RegisterFlags adds the generator's flags to fs, with c's current values (from
// ConfigFromEnv) as defaults so flags override the environment. The API key has
// no flag: command lines end up in shell histories and process lists.
func (c *Config) RegisterFlags(fs *pflag.FlagSet) {
	fs.StringVar(&c.Model, "model", c.Model, "model name (env DOCTOWN_MODEL)")
	fs.StringVar(&c.BaseURL, "base-url", c.BaseURL, "OpenAI-compatible API base URL, e.g. http://localhost:11434/v1 (env OPENAI_BASE_URL)")
	fs.IntVar(&c.Concurrency, "concurrency", c.Concurrency, "requests in flight at most")
	fs.IntVar(&c.MaxBatchTokens, "max-batch-tokens", c.MaxBatchTokens, "token budget of one request, prompt and answer")
	fs.Float64Var(&c.MaxCost, "max-cost", c.MaxCost, "refuse to run when the estimated cost exceeds this many US dollars (0: no limit)")
	fs.DurationVar(&c.RequestTimeout, "request-timeout", c.RequestTimeout, "time limit of one request")
	fs.BoolVar(&c.DryRun, "dry-run", c.DryRun, "print symbols, batches, tokens and estimated cost, send nothing")
	fs.StringVar(&c.CacheDir, "cache-dir", c.CacheDir, "directory of cached docs (default: the user cache dir)")
	fs.BoolVar(&c.NoCache, "no-cache", c.NoCache, "neither read nor write the doc cache")
	fs.StringVar(&c.Reuse, "reuse", c.Reuse, "seed the cache with the generated docs of an earlier docpack")
	fs.Var((*priceValue)(&c.Price), "price", `price override "input/output" US dollars per million tokens (env DOCTOWN_LLM_PRICE)`)
}

type priceValue Price

func (p *priceValue) String() string {
	if !(*Price)(p).set() {
		return ""
	}
	return (*Price)(p).String()
}

func (p *priceValue) Set(s string) error {
	v, err := ParsePrice(s)
	if err != nil {
		return err
	}
	*p = priceValue(v)
	return nil
}

func (p *priceValue) Type() string { return "in/out" }
