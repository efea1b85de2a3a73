package llm

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
)

// Plan is what a run would do: it is printed by --dry-run and checked against
// the budget before anything is sent.
type Plan struct {
	Model          string `json:"model"`
	BaseURL        string `json:"base_url,omitempty"`
	Encoding       string `json:"encoding"`
	PromptVersion  string `json:"prompt_version"`
	MaxBatchTokens int    `json:"max_batch_tokens"`
	Concurrency    int    `json:"concurrency"`
	// Symbols is every symbol; CacheHits of them have a cached doc and ToGenerate
	// would be sent.
	Symbols    int `json:"symbols"`
	CacheHits  int `json:"cache_hits"`
	ToGenerate int `json:"to_generate"`
	// Truncated counts the items whose source text was cut to its budget.
	Truncated    int         `json:"truncated"`
	Batches      []PlanBatch `json:"batches"`
	PromptTokens int         `json:"prompt_tokens"`
	// AnswerTokens is the answer tokens reserved: an upper estimate.
	AnswerTokens int     `json:"answer_tokens"`
	FillRatio    float64 `json:"fill_ratio"`
	// Price is nil when the model's price is unknown (then the cost is 0).
	Price            *Price  `json:"price,omitempty"`
	EstimatedCostUSD float64 `json:"estimated_cost_usd"`
	MaxCostUSD       float64 `json:"max_cost_usd,omitempty"`
}

// PlanBatch is one planned request.
type PlanBatch struct {
	Symbols      int      `json:"symbols"`
	PromptTokens int      `json:"prompt_tokens"`
	AnswerTokens int      `json:"answer_tokens"`
	Files        []string `json:"files"`
	IDs          []string `json:"ids"`
}

func (g *Generator) makePlan(symbols, hits int, bs []*batch) *Plan {
	p := &Plan{
		Model: g.cfg.Model, BaseURL: safeBaseURL(g.cfg.BaseURL), Encoding: g.tok.name, PromptVersion: PromptVersion,
		MaxBatchTokens: g.cfg.MaxBatchTokens, Concurrency: g.cfg.Concurrency,
		Symbols: symbols, CacheHits: hits, Batches: []PlanBatch{}, MaxCostUSD: g.cfg.MaxCost,
		FillRatio: fillRatio(bs, g.cfg.MaxBatchTokens),
	}
	for _, b := range bs {
		pb := PlanBatch{Symbols: len(b.items), PromptTokens: b.promptTokens(), AnswerTokens: b.answerTokens(), IDs: b.ids()}
		for _, it := range b.items {
			if !slices.Contains(pb.Files, it.sym.File) {
				pb.Files = append(pb.Files, it.sym.File)
			}
			if it.truncated {
				p.Truncated++
			}
		}
		p.ToGenerate += pb.Symbols
		p.PromptTokens += pb.PromptTokens
		p.AnswerTokens += pb.AnswerTokens
		p.Batches = append(p.Batches, pb)
	}
	if g.priced {
		price := g.price
		p.Price = &price
		p.EstimatedCostUSD = price.Cost(p.PromptTokens, p.AnswerTokens)
	}
	return p
}

func (p *Plan) summary() string {
	return fmt.Sprintf("%d symbols: %d cached, %d in %d batches (fill %.2f)", p.Symbols, p.CacheHits, p.ToGenerate, len(p.Batches), p.FillRatio)
}

// WriteText prints the plan for a terminal: totals, then one line per batch.
func (p *Plan) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("model %s (tokens counted with %s), prompt %s\n", p.Model, p.Encoding, p.PromptVersion)
	if p.BaseURL != "" {
		ew.printf("endpoint %s\n", p.BaseURL)
	}
	ew.printf("symbols %d: %d cached, %d to generate (%d with source cut to fit)\n", p.Symbols, p.CacheHits, p.ToGenerate, p.Truncated)
	ew.printf("batches %d of at most %d tokens, fill ratio %.2f, %d at a time\n", len(p.Batches), p.MaxBatchTokens, p.FillRatio, p.Concurrency)
	ew.printf("tokens  %d prompt + %d answer (reserved)\n", p.PromptTokens, p.AnswerTokens)
	switch {
	case p.Price != nil:
		ew.printf("cost    ~$%.4f at $%g/$%g per million tokens in/out", p.EstimatedCostUSD, p.Price.InputPerMTok, p.Price.OutputPerMTok)
		if p.MaxCostUSD > 0 {
			ew.printf(" (maximum $%.4f)", p.MaxCostUSD)
		}
		ew.printf("\n")
	default:
		ew.printf("cost    unknown: no price for %s (set one to estimate)\n", p.Model)
	}
	if len(p.Batches) > 0 {
		ew.printf("\n")
		tw := tabwriter.NewWriter(ew, 2, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "batch\tsymbols\tprompt\tanswer\t\tfiles\n")
		for i, b := range p.Batches {
			files := ""
			for j, f := range b.Files {
				if j == 3 {
					files += fmt.Sprintf(" +%d", len(b.Files)-3)
					break
				}
				if j > 0 {
					files += " "
				}
				files += f
			}
			fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t\t%s\n", i+1, b.Symbols, b.PromptTokens, b.AnswerTokens, files)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return ew.err
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(b []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(b)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, a ...any) { fmt.Fprintf(e, format, a...) }
