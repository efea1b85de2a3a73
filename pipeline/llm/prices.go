package llm

import (
	"fmt"
	"strconv"
	"strings"
)

// Price is what a model costs, in US dollars per million tokens.
type Price struct {
	InputPerMTok  float64 `json:"input_per_mtok"`
	OutputPerMTok float64 `json:"output_per_mtok"`
}

func (p Price) set() bool { return p.InputPerMTok != 0 || p.OutputPerMTok != 0 }

// Cost is the price of in prompt tokens and out answer tokens.
func (p Price) Cost(in, out int) float64 {
	return (float64(in)*p.InputPerMTok + float64(out)*p.OutputPerMTok) / 1e6
}

// String formats the price as ParsePrice reads it.
func (p Price) String() string {
	return strconv.FormatFloat(p.InputPerMTok, 'f', -1, 64) + "/" + strconv.FormatFloat(p.OutputPerMTok, 'f', -1, 64)
}

// ParsePrice reads "input/output" dollars per million tokens, e.g. "0.15/0.60".
func ParsePrice(s string) (Price, error) {
	in, out, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Price{}, fmt.Errorf("price %q: want input/output dollars per million tokens", s)
	}
	pi, err1 := strconv.ParseFloat(strings.TrimSpace(in), 64)
	po, err2 := strconv.ParseFloat(strings.TrimSpace(out), 64)
	if err1 != nil || err2 != nil || pi < 0 || po < 0 {
		return Price{}, fmt.Errorf("price %q: want two non-negative numbers", s)
	}
	return Price{InputPerMTok: pi, OutputPerMTok: po}, nil
}

// prices is a small table of list prices (standard tier, dollars per million
// tokens), matched by the longest model-name prefix. It is an estimate for
// budgets, not a bill; override it with a price setting.
var prices = map[string]Price{
	"gpt-5":         {1.25, 10},
	"gpt-5-mini":    {0.25, 2},
	"gpt-5-nano":    {0.05, 0.40},
	"gpt-4.1":       {2, 8},
	"gpt-4.1-mini":  {0.40, 1.60},
	"gpt-4.1-nano":  {0.10, 0.40},
	"gpt-4o":        {2.50, 10},
	"gpt-4o-mini":   {0.15, 0.60},
	"gpt-4-turbo":   {10, 30},
	"gpt-3.5-turbo": {0.50, 1.50},
	"o1":            {15, 60},
	"o1-mini":       {1.10, 4.40},
	"o3":            {2, 8},
	"o3-mini":       {1.10, 4.40},
	"o4-mini":       {1.10, 4.40},
}

// LookupPrice finds model's price in the table by longest prefix ("gpt-4o-mini-2024-07-18"
// is priced as "gpt-4o-mini"). A provider prefix such as "openai/" is ignored.
func LookupPrice(model string) (Price, bool) {
	m := strings.ToLower(model)
	if i := strings.LastIndex(m, "/"); i >= 0 {
		m = m[i+1:]
	}
	best := ""
	for k := range prices {
		if (m == k || strings.HasPrefix(m, k+"-")) && len(k) > len(best) {
			best = k
		}
	}
	if best == "" {
		return Price{}, false
	}
	return prices[best], true
}
