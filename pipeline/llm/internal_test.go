package llm

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doctown/doctown/docpack"
)

func TestParseAnswer(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantIDs []string
		wantErr bool
	}{
		{"object", `{"docs":[{"id":"a","summary":"A."},{"id":"b","summary":"B."}]}`, []string{"a", "b"}, false},
		{"bare array", `[{"id":"a","summary":"A."}]`, []string{"a"}, false},
		{"fenced with prose", "Sure!\n```json\n{\"docs\":[{\"id\":\"a\",\"summary\":\"A.\"}]}\n```\nDone.", []string{"a"}, false},
		{"trailing text", `{"docs":[{"id":"a","summary":"A."}]} I hope this helps {`, []string{"a"}, false},
		{"leading text", `Here you go: {"docs":[{"id":"a","summary":"A."}]}`, []string{"a"}, false},
		{"keyed by id", `{"a":{"summary":"A."},"b":{"summary":"B."}}`, []string{"a", "b"}, false},
		{"cut short keeps complete docs", `{"docs":[{"id":"a","summary":"A."},{"id":"b","summ`, []string{"a"}, true},
		{"not json", `I cannot do that.`, nil, true},
		{"wrong element kept out", `{"docs":["oops",{"id":"a","summary":"A."}]}`, []string{"a"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, err := parseAnswer(tt.in)
			if (err != nil) != tt.wantErr {
				t.Errorf("err = %v, want error %v", err, tt.wantErr)
			}
			var ids []string
			for _, d := range docs {
				ids = append(ids, d.ID)
			}
			slices.Sort(ids)
			if !slices.Equal(ids, tt.wantIDs) {
				t.Errorf("ids %v, want %v", ids, tt.wantIDs)
			}
		})
	}
}

func TestCheckReferences(t *testing.T) {
	syms := []docpack.Symbol{
		{ID: "1", Name: "Regex", Path: "regex::re_unicode::Regex"},
		{ID: "2", Name: "is_match", Path: "regex::re_unicode::Regex::is_match"},
		{ID: "3", Name: "Error", Path: "regex::error::Error"},
	}
	r := newResolver(syms)
	tests := []struct {
		name                  string
		in, want              string
		wantTotal, wantResolv int
	}{
		{"code link resolves", "See [`Regex`].", "See [`Regex`].", 1, 1},
		{"path link resolves", "Use [Regex::is_match].", "Use [Regex::is_match].", 1, 1},
		{"crate path", "Like [`crate::re_unicode::Regex`] and [`regex::Regex`].", "Like [`crate::re_unicode::Regex`] and [`regex::Regex`].", 2, 2},
		{"method call form", "Call [`Regex::is_match()`].", "Call [`Regex::is_match()`].", 1, 1},
		{"made-up code link", "Returns a [`Matcher`].", "Returns a `Matcher`.", 1, 0},
		{"made-up bare link", "Returns a [Matcher].", "Returns a `Matcher`.", 1, 0},
		{"made-up explicit link", "Returns [the matcher](crate::Matcher).", "Returns the matcher.", 1, 0},
		{"url link untouched", "See [the docs](https://example.com/x).", "See [the docs](https://example.com/x).", 0, 0},
		{"backticked resolves", "Like `Regex::is_match`.", "Like `Regex::is_match`.", 1, 1},
		{"backticked unknown counted", "Like `frobnicate`.", "Like `frobnicate`.", 1, 0},
		{"well-known not counted", "Returns `Option<usize>`, `None` or `u32`.", "Returns `Option<usize>`, `None` or `u32`.", 0, 0},
		{"parameter not counted", "Multiplies by `n`, then `count`.", "Multiplies by `n`, then `count`.", 0, 0},
		{"code block untouched", "Text.\n```\nlet x = [Nope];\n```", "Text.\n```\nlet x = [Nope];\n```", 0, 0},
		{"disambiguator", "A [struct@Regex].", "A [struct@Regex].", 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var st linkStats
			got := r.check(tt.in, map[string]bool{"count": true}, &st)
			if got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
			if st.total != tt.wantTotal || st.resolved != tt.wantResolv {
				t.Errorf("links %d/%d, want %d/%d", st.resolved, st.total, tt.wantResolv, tt.wantTotal)
			}
		})
	}
}

func TestBatchingRespectsBudgetAndKeepsGroups(t *testing.T) {
	tok, err := newTokenizer("gpt-4o-mini")
	if err != nil {
		t.Fatal(err)
	}
	var syms []docpack.Symbol
	for f := range 6 {
		impl := fmt.Sprintf("f%d.impl", f)
		syms = append(syms, docpack.Symbol{ID: impl, Name: "impl T", Path: "c::T", SymbolType: docpack.KindImpl, File: fmt.Sprintf("f%d.rs", f), Line: 1, Source: "impl T {}"})
		for m := range 5 {
			syms = append(syms, docpack.Symbol{
				ID: fmt.Sprintf("%s.m%d", impl, m), Name: fmt.Sprintf("m%d", m), Path: fmt.Sprintf("c::T::m%d", m), SymbolType: docpack.KindMethod,
				File: fmt.Sprintf("f%d.rs", f), Line: 2 + m, Parent: impl, Source: "pub fn m(&self) {\n" + strings.Repeat("    let x = compute(1, 2, 3);\n", 3) + "}",
			})
		}
	}
	huge := docpack.Symbol{ID: "huge", Name: "huge", Path: "c::huge", SymbolType: docpack.KindFunction, File: "z.rs", Line: 1,
		Source: "pub fn huge() {\n" + strings.Repeat("    call_something_long(argument_one, argument_two);\n", 2000) + "}"}
	syms = append(syms, huge)
	const budget = 4000
	b := newBatcher(tok, budget, syms)
	var items []item
	for _, s := range syms {
		items = append(items, b.item(s))
	}
	batches := b.pack(items)
	seen := map[string]int{}
	for i, bt := range batches {
		if bt.tokens() > budget {
			t.Errorf("batch %d has %d tokens, budget %d", i, bt.tokens(), budget)
		}
		// Check the estimate against the real prompt.
		lines := make([]string, len(bt.items))
		for j, it := range bt.items {
			lines[j] = it.line
			seen[it.sym.ID] = i
		}
		real := tok.Count(systemPrompt) + tok.Count(userPrompt(lines)) + 2*messageOverhead + 3
		if est := bt.promptTokens(); real > est+len(bt.items) || real < est-2*len(bt.items)-8 {
			t.Errorf("batch %d: estimated %d prompt tokens, real %d", i, est, real)
		}
	}
	if len(seen) != len(syms) {
		t.Errorf("%d of %d symbols batched", len(seen), len(syms))
	}
	// Each impl (6 small groups of 6) is in one batch.
	for f := range 6 {
		impl := fmt.Sprintf("f%d.impl", f)
		for m := range 5 {
			if seen[fmt.Sprintf("%s.m%d", impl, m)] != seen[impl] {
				t.Errorf("impl %s split across batches", impl)
			}
		}
	}
	hugeItem := b.item(huge)
	if !hugeItem.truncated || !strings.Contains(hugeItem.line, "[truncated]") {
		t.Error("the huge item was not cut with a marker")
	}
	if r := fillRatio(batches, budget); r <= 0 || r > 1 {
		t.Errorf("fill ratio %v", r)
	}
}

func TestTruncate(t *testing.T) {
	tok, err := newTokenizer("llama3")
	if err != nil {
		t.Fatal(err)
	}
	if tok.name != EncodingCl100k {
		t.Errorf("unknown model counted with %s", tok.name)
	}
	s := strings.Repeat("fn a() { b(); }\n", 500)
	out, cut := tok.Truncate(s, 100)
	if !cut || tok.Count(out) > 100 || !strings.HasSuffix(out, truncateMarker) {
		t.Errorf("cut %v, %d tokens, %q…", cut, tok.Count(out), out[max(0, len(out)-40):])
	}
	if out, cut := tok.Truncate("fn a() {}", 100); cut || out != "fn a() {}" {
		t.Errorf("short text changed: %q", out)
	}
	if got := tok.Count("<|endoftext|>"); got < 2 {
		t.Errorf("special token text counted as %d token(s)", got)
	}
}

func TestEncodingFor(t *testing.T) {
	for model, want := range map[string]string{
		"gpt-4o": EncodingO200k, "gpt-4o-mini-2024-07-18": EncodingO200k, "gpt-4.1-nano": EncodingO200k,
		"gpt-5": EncodingO200k, "o3-mini": EncodingO200k, "openai/gpt-4o": EncodingO200k,
		"gpt-3.5-turbo": EncodingCl100k, "gpt-4": EncodingCl100k, "qwen2.5-coder:7b": EncodingCl100k, "o1x": EncodingCl100k,
	} {
		if got := EncodingFor(model); got != want {
			t.Errorf("EncodingFor(%q) = %s, want %s", model, got, want)
		}
	}
}

func TestLookupPrice(t *testing.T) {
	if p, ok := LookupPrice("gpt-4o-mini-2024-07-18"); !ok || p.InputPerMTok != 0.15 {
		t.Errorf("gpt-4o-mini dated: %v %v", p, ok)
	}
	if p, ok := LookupPrice("gpt-4o"); !ok || p.InputPerMTok != 2.5 {
		t.Errorf("gpt-4o: %v %v", p, ok)
	}
	if _, ok := LookupPrice("llama3.1:8b"); ok {
		t.Error("a local model has a price")
	}
	if p, err := ParsePrice("0.15/0.6"); err != nil || p.OutputPerMTok != 0.6 {
		t.Errorf("ParsePrice: %v %v", p, err)
	}
	for _, bad := range []string{"1", "a/b", "-1/2"} {
		if _, err := ParsePrice(bad); err == nil {
			t.Errorf("ParsePrice(%q) accepted", bad)
		}
	}
}

func TestConfigFromEnvAndValidate(t *testing.T) {
	env := map[string]string{
		"OPENAI_API_KEY": "sk-secret-value", "OPENAI_BASE_URL": "http://localhost:11434/v1", "DOCTOWN_MODEL": "qwen2.5-coder",
		"DOCTOWN_LLM_CONCURRENCY": "3", "DOCTOWN_LLM_MAX_BATCH_TOKENS": "8000", "DOCTOWN_LLM_TIMEOUT": "30s", "DOCTOWN_LLM_PRICE": "0/0",
	}
	c := ConfigFromEnv(func(k string) string { return env[k] })
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Model != "qwen2.5-coder" || c.Concurrency != 3 || c.MaxBatchTokens != 8000 || c.RequestTimeout != 30*time.Second || !Enabled(c) {
		t.Errorf("config %+v", c)
	}
	if Enabled(ConfigFromEnv(func(string) string { return "" })) {
		t.Error("enabled without key or base URL")
	}

	bad := map[string]string{"OPENAI_API_KEY": "sk-secret-value", "OPENAI_BASE_URL": "ftp://sk-secret-value@x", "DOCTOWN_LLM_CONCURRENCY": "many", "DOCTOWN_LLM_MAX_BATCH_TOKENS": "100"}
	c = ConfigFromEnv(func(k string) string { return bad[k] })
	err := c.Validate()
	if err == nil {
		t.Fatal("bad settings accepted")
	}
	for _, want := range []string{"concurrency", "max batch tokens", "base URL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	if strings.Contains(err.Error(), "sk-secret-value") {
		t.Errorf("error leaks the key: %v", err)
	}

	c = Config{BaseURL: "http://localhost:8080/v1", Model: "local-model", MaxCost: 1}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "no price") {
		t.Errorf("max cost without a price: %v", err)
	}
}
