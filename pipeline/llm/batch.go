package llm

import (
	"cmp"
	"slices"
	"strings"

	"github.com/doctown/doctown/docpack"
)

// item is one symbol ready to be sent: its prompt line and token costs.
type item struct {
	sym          docpack.Symbol
	line         string
	promptTokens int // the line, its separator included
	answerTokens int // reserved for its doc
	truncated    bool
}

func (it item) cost() int { return it.promptTokens + it.answerTokens }

// batch is the items of one request.
type batch struct {
	items []item
	// fixed is the tokens every request of this shape costs: system prompt,
	// header, message overheads and the answer's envelope.
	fixed int
}

func (b *batch) promptTokens() int {
	n := b.fixed - answerOverhead
	for _, it := range b.items {
		n += it.promptTokens
	}
	return n
}

func (b *batch) answerTokens() int {
	n := answerOverhead
	for _, it := range b.items {
		n += it.answerTokens
	}
	return n
}

func (b *batch) tokens() int { return b.promptTokens() + b.answerTokens() }

func (b *batch) ids() []string {
	out := make([]string, len(b.items))
	for i, it := range b.items {
		out[i] = it.sym.ID
	}
	return out
}

// batcher turns symbols into items and packs them under the token budget.
type batcher struct {
	tok    *tokenizer
	budget int
	fixed  int
	// paths maps every symbol id of the crate to its path, to name parents.
	paths map[string]string
}

// maxOpenBatches bounds the batches first-fit packing keeps open; when more
// are needed the oldest is closed, which keeps neighbouring code together.
const maxOpenBatches = 16

func newBatcher(tok *tokenizer, budget int, all []docpack.Symbol) *batcher {
	paths := make(map[string]string, len(all))
	for _, s := range all {
		paths[s.ID] = s.Path
	}
	header := tok.Count(userHeader(100)) + tok.Count("]\n")
	fixed := tok.Count(systemPrompt) + header + 2*messageOverhead + 3 + answerOverhead
	return &batcher{tok: tok, budget: budget, fixed: fixed, paths: paths}
}

// sourceBudget is the most tokens of source text one item may carry.
func (b *batcher) sourceBudget(k docpack.Kind) int {
	n := b.budget / 8
	if isContainer(k) {
		n /= 2
	}
	return n
}

// item prepares s, cutting its source text to its budget and, if the item would
// still not fit an empty batch, further.
func (b *batcher) item(s docpack.Symbol) item {
	it := b.itemWith(s, b.sourceBudget(s.SymbolType))
	if over := b.fixed + it.cost() - b.budget; over > 0 {
		src := b.tok.Count(s.Source)
		it = b.itemWith(s, max(16, min(src, b.sourceBudget(s.SymbolType))-over))
	}
	return it
}

func (b *batcher) itemWith(s docpack.Symbol, srcLimit int) item {
	src, cut := b.tok.Truncate(s.Source, srcLimit)
	pi := promptItem{
		ID: s.ID, Name: s.Name, Path: s.Path, Kind: string(s.SymbolType), Signature: s.Signature,
		DocComments: s.DocComments, Parent: b.paths[s.Parent], Source: src,
	}
	if pi.Parent == "" {
		pi.Parent = s.Parent
	}
	if s.InheritedDoc != "" && strings.TrimSpace(s.DocComments) == "" {
		pi.InheritedDoc, _ = b.tok.Truncate(s.InheritedDoc, max(8, srcLimit/2))
		pi.InheritedFrom = s.InheritedFrom
	}
	line := itemLine(pi)
	return item{
		sym:          s,
		line:         line,
		promptTokens: b.tok.Count(line) + 1,
		answerTokens: answerReserve(s.SymbolType),
		truncated:    cut,
	}
}

// groupKey keeps an impl, trait or module with its members, and members with
// their siblings.
func groupKey(s docpack.Symbol) string {
	if isContainer(s.SymbolType) || s.SymbolType == docpack.KindStruct || s.SymbolType == docpack.KindEnum || s.SymbolType == docpack.KindUnion {
		return s.ID
	}
	return s.Parent
}

// pack orders items by file and line, groups them by parent, and packs the
// groups first-fit: a group goes whole into the first open batch with room for
// it, or into a new batch; only a group larger than a whole batch is split,
// item by item, the same way.
func (b *batcher) pack(items []item) []*batch {
	slices.SortStableFunc(items, func(x, y item) int {
		return cmp.Or(cmp.Compare(x.sym.File, y.sym.File), cmp.Compare(x.sym.Line, y.sym.Line), cmp.Compare(x.sym.ID, y.sym.ID))
	})
	// Groups in order of first appearance.
	var order []string
	groups := map[string][]item{}
	for _, it := range items {
		k := groupKey(it.sym)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], it)
	}
	var out, open []*batch
	var used []int
	place := func(its []item, cost int) {
		for i, ob := range open {
			if used[i]+cost <= b.budget {
				ob.items = append(ob.items, its...)
				used[i] += cost
				return
			}
		}
		if len(open) == maxOpenBatches {
			out = append(out, open[0])
			open, used = open[1:], used[1:]
		}
		open = append(open, &batch{fixed: b.fixed, items: its})
		used = append(used, b.fixed+cost)
	}
	for _, k := range order {
		g := groups[k]
		gc := 0
		for _, it := range g {
			gc += it.cost()
		}
		if b.fixed+gc <= b.budget {
			place(slices.Clone(g), gc)
			continue
		}
		for _, it := range g {
			place([]item{it}, it.cost())
		}
	}
	return append(out, open...)
}

// fillRatio is the share of the batches' budgets their tokens use.
func fillRatio(bs []*batch, budget int) float64 {
	if len(bs) == 0 {
		return 0
	}
	total := 0
	for _, b := range bs {
		total += b.tokens()
	}
	return float64(total) / float64(len(bs)*budget)
}
