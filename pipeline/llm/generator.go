package llm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"golang.org/x/sync/errgroup"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/pipeline"
)

// ErrBudget is returned (wrapped in a *BudgetError) when the estimated cost of a
// run exceeds Config.MaxCost. Nothing has been sent when it is returned.
var ErrBudget = errors.New("over budget")

// BudgetError says by how much a run would exceed its budget.
type BudgetError struct {
	EstimatedUSD float64
	MaxUSD       float64
	Plan         *Plan
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("over budget: estimated cost $%.4f exceeds the maximum of $%.4f; nothing was sent", e.EstimatedUSD, e.MaxUSD)
}

// Unwrap makes errors.Is(err, ErrBudget) true.
func (e *BudgetError) Unwrap() error { return ErrBudget }

// ErrDryRun is returned (wrapped in a *DryRunError) by Generate when
// Config.DryRun is set.
var ErrDryRun = errors.New("dry run")

// DryRunError carries the plan of a dry run out of pipeline.Build: the build
// stops before the package stage, nothing is sent and no docpack is written.
type DryRunError struct{ Plan *Plan }

func (e *DryRunError) Error() string { return "dry run: plan made, nothing sent" }

// Unwrap makes errors.Is(err, ErrDryRun) true.
func (e *DryRunError) Unwrap() error { return ErrDryRun }

// Generator documents symbols through an OpenAI-compatible chat-completions API.
type Generator struct {
	cfg    Config
	client *openai.Client
	tok    *tokenizer
	price  Price
	priced bool
	// format is the response format in use: 0 json_schema, 1 json_object, 2 none.
	// It only goes up, when a server rejects one with a 400.
	format atomic.Int32
}

var _ pipeline.Generator = (*Generator)(nil)

// New validates cfg and makes a generator. It loads the tokenizer (embedded, no
// network) but sends nothing.
func New(cfg Config) (*Generator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	tok, err := newTokenizer(cfg.Model)
	if err != nil {
		return nil, err
	}
	cc := openai.DefaultConfig(cfg.APIKey)
	if cfg.BaseURL != "" {
		cc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = cfg.Concurrency
	cc.HTTPClient = recordingDoer{c: &http.Client{Transport: tr}}
	g := &Generator{cfg: cfg, client: openai.NewClientWithConfig(cc), tok: tok}
	g.price, g.priced = cfg.priceFor()
	return g, nil
}

// Info describes the generator for the manifest. It never includes the key.
func (g *Generator) Info() docpack.GeneratorInfo {
	s := map[string]string{
		"encoding":         g.tok.name,
		"concurrency":      strconv.Itoa(g.cfg.Concurrency),
		"max_batch_tokens": strconv.Itoa(g.cfg.MaxBatchTokens),
	}
	if u := safeBaseURL(g.cfg.BaseURL); u != "" {
		s["base_url"] = u
	}
	return docpack.GeneratorInfo{Name: "openai", Model: g.cfg.Model, PromptVersion: PromptVersion, Settings: s}
}

// redact removes the API key from text that might echo it (an error from a
// misbehaving proxy, say).
func (g *Generator) redact(s string) string {
	if g.cfg.APIKey == "" {
		return s
	}
	return strings.ReplaceAll(s, g.cfg.APIKey, "[redacted]")
}

// prepared is the work of one run before anything is sent.
type prepared struct {
	cache   *cache
	fixed   int
	mu      sync.Mutex
	cached  map[string]docpack.Doc
	batches []*batch
	plan    *Plan
}

func (p *prepared) setCached(id string, d docpack.Doc) {
	p.mu.Lock()
	p.cached[id] = d
	p.mu.Unlock()
}

// prepare looks symbols up in the cache and packs the rest into batches.
// readOnly keeps a dry run from writing the cache directory.
func (g *Generator) prepare(ctx context.Context, in pipeline.GenerateInput, emit pipeline.Observer, readOnly bool) (*prepared, error) {
	dir := ""
	if !g.cfg.NoCache {
		dir = g.cfg.CacheDir
		if dir == "" {
			d, err := DefaultCacheDir()
			if err != nil {
				return nil, err
			}
			dir = d
		}
	}
	c := newCache(dir, g.cfg.Model)
	if g.cfg.Reuse != "" {
		seedInto := c
		if readOnly {
			// Seed an overlay in memory; reads still fall through to disk.
			seedInto = &cache{model: c.model, mem: c.mem}
		}
		n, err := seedInto.seed(g.cfg.Reuse)
		if err != nil {
			return nil, err
		}
		emit(pipeline.Progress{Stage: pipeline.StageBatch, Detail: fmt.Sprintf("reused %d docs from %s", n, g.cfg.Reuse)})
	}
	total := len(in.Symbols)
	p := &prepared{cache: c, cached: map[string]docpack.Doc{}}
	b := newBatcher(g.tok, g.cfg.MaxBatchTokens, in.Symbols)
	// Cache lookups and token counting are independent per symbol: spread them
	// over the CPUs.
	slots := make([]item, total)
	hits := make([]bool, total)
	var done atomic.Int64
	eg, ectx := errgroup.WithContext(ctx)
	eg.SetLimit(runtime.GOMAXPROCS(0))
	for i := range in.Symbols {
		eg.Go(func() error {
			if err := ectx.Err(); err != nil {
				return err
			}
			s := in.Symbols[i]
			if d, ok := c.get(s); ok {
				slots[i].sym, slots[i].line = s, ""
				hits[i] = true
				p.setCached(s.ID, d)
			} else {
				slots[i] = b.item(s)
			}
			if n := done.Add(1); n%64 == 0 {
				emit(pipeline.Progress{Stage: pipeline.StageBatch, Done: int(n), Total: total, Unit: "symbols"})
			}
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return nil, err
	}
	items := make([]item, 0, total)
	for i, it := range slots {
		if !hits[i] {
			items = append(items, it)
		}
	}
	emit(pipeline.Progress{Stage: pipeline.StageBatch, Done: total, Total: total, Unit: "symbols"})
	p.batches = b.pack(items)
	p.fixed = b.fixed
	p.plan = g.makePlan(total, len(p.cached), p.batches)
	return p, nil
}

// Plan says what Generate would do — symbols, batches, token estimates and cost —
// without sending anything or writing the cache. It is what --dry-run prints.
func (g *Generator) Plan(ctx context.Context, in pipeline.GenerateInput) (*Plan, error) {
	p, err := g.prepare(ctx, in, pipeline.Discard, true)
	if err != nil {
		return nil, err
	}
	return p.plan, nil
}

// Generate documents every symbol. See pipeline.Generator.
func (g *Generator) Generate(ctx context.Context, in pipeline.GenerateInput, emit pipeline.Observer) (*pipeline.GenerateResult, error) {
	if emit == nil {
		emit = pipeline.Discard
	}
	start := time.Now()
	emit(pipeline.StageStarted{Stage: pipeline.StageBatch, Total: len(in.Symbols)})
	p, err := g.prepare(ctx, in, emit, g.cfg.DryRun)
	if err != nil {
		emit(pipeline.StageDone{Stage: pipeline.StageBatch, Elapsed: time.Since(start), Err: err})
		return nil, err
	}
	emit(pipeline.StageDone{Stage: pipeline.StageBatch, Elapsed: time.Since(start), Summary: p.plan.summary()})
	if g.cfg.DryRun {
		return nil, &DryRunError{Plan: p.plan}
	}
	if g.cfg.MaxCost > 0 && p.plan.EstimatedCostUSD > g.cfg.MaxCost {
		return nil, &BudgetError{EstimatedUSD: p.plan.EstimatedCostUSD, MaxUSD: g.cfg.MaxCost, Plan: p.plan}
	}

	r := &run{
		g: g, emit: emit, cache: p.cache, res: newResolver(in.Symbols), fixed: p.fixed,
		docs: make(map[string]docpack.Doc, len(in.Symbols)), total: len(in.Symbols),
	}
	r.stats.Batches = len(p.batches)
	r.stats.CacheHits = len(p.cached)
	r.stats.FillRatio = p.plan.FillRatio
	for id, d := range p.cached {
		r.docs[id] = d
	}
	gstart := time.Now()
	emit(pipeline.StageStarted{Stage: pipeline.StageGenerate, Total: len(in.Symbols)})
	r.progress()

	eg, ectx := errgroup.WithContext(ctx)
	eg.SetLimit(g.cfg.Concurrency)
	for _, b := range p.batches {
		if ectx.Err() != nil {
			break
		}
		eg.Go(func() error { return r.batch(ectx, b.items) })
	}
	err = eg.Wait()
	// Snapshots from request goroutines may arrive out of order; this one is last.
	r.progress()
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		emit(pipeline.StageDone{Stage: pipeline.StageGenerate, Elapsed: time.Since(gstart), Err: err})
		return nil, err
	}
	res := r.result()
	emit(pipeline.StageDone{Stage: pipeline.StageGenerate, Elapsed: time.Since(gstart), Summary: fmt.Sprintf(
		"%d docs, %d from cache, %d requests, %d fallbacks, $%.4f", len(res.Docs), res.Stats.CacheHits, res.Stats.Requests, len(res.Fallbacks), res.Stats.CostUSD)})
	return res, nil
}

// run is the state of one Generate call.
type run struct {
	g     *Generator
	emit  pipeline.Observer
	cache *cache
	res   *resolver
	total int
	fixed int // a batch's fixed tokens (batcher.fixed)

	mu        sync.Mutex
	docs      map[string]docpack.Doc
	fallbacks []string
	warnings  []pipeline.Warning
	stats     docpack.GenerationStats
	links     linkStats
	inFlight  int
	committed float64 // cost spent plus cost reserved by requests in flight

	// progressMu keeps progress reports in the order they were taken: two
	// batches finishing together would otherwise emit 95 after 96, and a
	// progress bar would go backwards.
	progressMu sync.Mutex
}

func (r *run) result() *pipeline.GenerateResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.stats
	st.LinksTotal, st.LinksResolv = r.links.total, r.links.resolved
	fb := append([]string(nil), r.fallbacks...)
	sort.Strings(fb)
	return &pipeline.GenerateResult{Docs: r.docs, Stats: st, Fallbacks: fb, Warnings: append([]pipeline.Warning(nil), r.warnings...)}
}

// snapshot emits the running numbers; call with r.mu held and emit after unlock.
func (r *run) snapshotLocked() pipeline.GenerateStats {
	return pipeline.GenerateStats{
		Symbols: r.total, Batches: r.stats.Batches, InFlight: r.inFlight, Requests: r.stats.Requests,
		TokensIn: r.stats.TokensIn, TokensOut: r.stats.TokensOut, CacheHits: r.stats.CacheHits,
		Fallbacks: len(r.fallbacks), CostUSD: r.stats.CostUSD,
	}
}

func (r *run) progress() {
	r.progressMu.Lock()
	defer r.progressMu.Unlock()
	r.mu.Lock()
	done := len(r.docs)
	snap := r.snapshotLocked()
	r.mu.Unlock()
	r.emit(pipeline.Progress{Stage: pipeline.StageGenerate, Done: done, Total: r.total, Unit: "symbols"})
	r.emit(snap)
}

// Retry rounds for symbols whose doc was missing or invalid: the whole batch,
// then halves, then each symbol alone; then the extractive doc.
const maxRounds = 3

// batch documents one batch's items, retrying what the model missed in smaller
// batches. Only a fatal error (cancellation, authentication) is returned.
func (r *run) batch(ctx context.Context, items []item) error {
	pending := items
	var lastErr error
	for round := 0; round < maxRounds && len(pending) > 0; round++ {
		var chunks [][]item
		switch {
		case round == 0:
			chunks = [][]item{pending}
		case round == 1 && len(pending) > 1:
			h := (len(pending) + 1) / 2
			chunks = [][]item{pending[:h], pending[h:]}
		default:
			for _, it := range pending {
				chunks = append(chunks, []item{it})
			}
		}
		var next []item
		for _, c := range chunks {
			missing, err := r.request(ctx, c)
			if err != nil {
				var fe *fatalError
				if errors.As(err, &fe) || ctx.Err() != nil {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					return err
				}
				var te *transportError
				if errors.As(err, &te) {
					// Retries are spent; smaller batches would meet the same server.
					r.fallback(missing, err)
					continue
				}
				lastErr = err
			}
			next = append(next, missing...)
		}
		pending = next
	}
	if len(pending) > 0 {
		if lastErr == nil {
			lastErr = errors.New("the model's answers left these symbols out")
		}
		r.fallback(pending, lastErr)
	}
	return nil
}

// fallback gives items the extractive doc and records them.
func (r *run) fallback(items []item, why error) {
	if len(items) == 0 {
		return
	}
	first := items[0].sym
	w := pipeline.Warning{
		Stage: pipeline.StageGenerate, File: first.File, Line: first.Line,
		Message: fmt.Sprintf("%d symbol(s) starting at %s got the extractive doc: %s", len(items), first.Path, r.g.redact(why.Error())),
	}
	r.mu.Lock()
	for _, it := range items {
		r.docs[it.sym.ID] = pipeline.ExtractiveDoc(it.sym)
		r.fallbacks = append(r.fallbacks, it.sym.ID)
	}
	r.warnings = append(r.warnings, w)
	r.mu.Unlock()
	r.emit(w)
	r.progress()
}

// fatalError stops the run: a retry cannot fix it (bad key, unknown model).
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }
func (e *fatalError) Unwrap() error { return e.err }

// transportError is a request that failed after its retries.
type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// request sends one chunk and records the valid docs of the answer. It returns
// the items still without a doc, and why, when there is a reason.
func (r *run) request(ctx context.Context, items []item) ([]item, error) {
	if err := ctx.Err(); err != nil {
		return items, err
	}
	lines := make([]string, len(items))
	for i, it := range items {
		lines[i] = it.line
	}
	prompt := userPrompt(lines)
	// The items were counted when they were batched.
	bt := &batch{items: items, fixed: r.fixed}
	promptTokens, answerTokens := bt.promptTokens(), bt.answerTokens()
	est := r.g.price.Cost(promptTokens, answerTokens)
	if max := r.g.cfg.MaxCost; max > 0 {
		r.mu.Lock()
		over := r.committed+est > max
		if !over {
			r.committed += est
		}
		r.mu.Unlock()
		if over {
			return items, &transportError{err: fmt.Errorf("%w: sending would exceed the maximum cost of $%.4f", ErrBudget, max)}
		}
	}
	req := openai.ChatCompletionRequest{
		Model: r.g.cfg.Model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: systemPrompt},
			{Role: openai.ChatMessageRoleUser, Content: prompt},
		},
	}
	if isReasoningModel(r.g.cfg.Model) {
		req.MaxCompletionTokens = 2 * answerTokens
	} else {
		// max_tokens is what Ollama, vLLM, llama.cpp and OpenAI's non-reasoning
		// models read; max_completion_tokens is only for the reasoning ones.
		req.MaxTokens = answerTokens //lint:ignore SA1019 see above
		req.Temperature = 0.2
	}
	resp, err := r.call(ctx, &req)
	actual := 0.0
	if err == nil {
		in, out := resp.Usage.PromptTokens, resp.Usage.CompletionTokens
		if in == 0 {
			in = promptTokens
		}
		if out == 0 && len(resp.Choices) > 0 {
			out = r.g.tok.Count(resp.Choices[0].Message.Content)
		}
		actual = r.g.price.Cost(in, out)
		r.mu.Lock()
		r.stats.TokensIn += in
		r.stats.TokensOut += out
		r.stats.CostUSD += actual
		r.mu.Unlock()
	}
	if r.g.cfg.MaxCost > 0 {
		r.mu.Lock()
		r.committed += actual - est
		r.mu.Unlock()
	}
	if err != nil {
		return items, err
	}
	if len(resp.Choices) == 0 {
		return items, errors.New("answer has no choices")
	}
	ch := resp.Choices[0]
	docs, perr := parseAnswer(ch.Message.Content)
	if perr != nil && ch.FinishReason == openai.FinishReasonLength {
		perr = fmt.Errorf("answer cut at the token limit (%d docs complete)", len(docs))
	}
	missing := r.accept(items, docs)
	if len(missing) > 0 && perr == nil {
		perr = fmt.Errorf("answer left out %d of %d symbols", len(missing), len(items))
	}
	r.progress()
	return missing, perr
}

func isReasoningModel(model string) bool {
	m := strings.ToLower(model)
	for _, p := range []string{"o1", "o3", "o4", "gpt-5"} {
		if m == p || strings.HasPrefix(m, p+"-") {
			return true
		}
	}
	return false
}

// accept checks the docs of an answer against its items: unknown ids are
// dropped, the first valid doc of an id wins, references are checked, and
// accepted docs are cached. It returns the items without a valid doc.
func (r *run) accept(items []item, docs []answerDoc) []item {
	byID := make(map[string]item, len(items))
	for _, it := range items {
		byID[it.sym.ID] = it
	}
	got := map[string]docpack.Doc{}
	var ls linkStats
	for _, a := range docs {
		it, ok := byID[strings.TrimSpace(a.ID)]
		if !ok {
			continue
		}
		if _, dup := got[it.sym.ID]; dup {
			continue
		}
		d, ok := toDoc(a, it.sym)
		if !ok {
			continue
		}
		r.res.checkDoc(&d, it.sym, &ls)
		got[it.sym.ID] = d
	}
	var missing []item
	for _, it := range items {
		d, ok := got[it.sym.ID]
		if !ok {
			missing = append(missing, it)
			continue
		}
		if err := r.cache.put(it.sym, d); err != nil {
			r.warn(pipeline.Warning{Stage: pipeline.StageGenerate, Message: err.Error()})
		}
	}
	r.mu.Lock()
	for id, d := range got {
		r.docs[id] = d
	}
	r.links.total += ls.total
	r.links.resolved += ls.resolved
	r.mu.Unlock()
	return missing
}

func (r *run) warn(w pipeline.Warning) {
	r.mu.Lock()
	r.warnings = append(r.warnings, w)
	r.mu.Unlock()
	r.emit(w)
}

// toDoc turns a model's doc into a docpack doc, dropping sections that do not
// apply to the item. It reports false for a doc without a summary.
func toDoc(a answerDoc, s docpack.Symbol) (docpack.Doc, bool) {
	d := docpack.Doc{
		SymbolID:    s.ID,
		Summary:     strings.TrimSpace(a.Summary),
		Description: clean(a.Description),
		Returns:     clean(a.Returns),
		Errors:      clean(a.Errors),
		Panics:      clean(a.Panics),
		Safety:      clean(a.Safety),
		Source:      docpack.DocFromLLM,
	}
	if d.Summary == "" {
		return d, false
	}
	for _, p := range a.Parameters {
		if p.Name = strings.TrimSpace(p.Name); p.Name != "" && p.Name != "self" {
			p.Description = strings.TrimSpace(p.Description)
			d.Parameters = append(d.Parameters, p)
		}
	}
	for _, e := range a.Examples {
		if e = cleanExample(e); e != "" {
			d.Examples = append(d.Examples, e)
		}
	}
	sig := s.Signature + " " + s.ReturnType
	if callable(s.SymbolType) && !strings.Contains(sig, "Result") {
		d.Errors = ""
	}
	if !strings.Contains(s.Signature, "unsafe") {
		d.Safety = ""
	}
	return d, true
}

func callable(k docpack.Kind) bool {
	return k == docpack.KindFunction || k == docpack.KindMethod || k == docpack.KindTraitMethod
}

// clean trims s and empties the placeholders models write for "no such section".
func clean(s string) string {
	s = strings.TrimSpace(s)
	switch strings.ToLower(strings.TrimRight(s, ".")) {
	case "none", "n/a", "na", "-", "null", "nothing", "not applicable":
		return ""
	}
	return s
}
