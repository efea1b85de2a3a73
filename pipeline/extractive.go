package pipeline

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/index"
)

// Extractive is the offline generator: it writes each doc from the symbol's doc
// comments and signature, with no network. It is the default when no model is
// configured, and the fallback for symbols a model could not document.
type Extractive struct{}

var _ Generator = Extractive{}

// Info describes the extractive generator.
func (Extractive) Info() docpack.GeneratorInfo {
	return docpack.GeneratorInfo{Name: "extractive"}
}

// announceExtractive reports the batch and generate stages of a build whose
// docs are all extractive: they are written with the docpack, in its
// packing workers, so there is nothing to wait for here.
func announceExtractive(ctx context.Context, n int, emit Observer) error {
	emit(StageStarted{Stage: StageBatch})
	emit(StageDone{Stage: StageBatch, Skipped: true, Summary: "extractive generator needs no batches"})
	emit(StageStarted{Stage: StageGenerate, Total: n})
	if err := ctx.Err(); err != nil {
		emit(StageDone{Stage: StageGenerate, Err: err})
		return err
	}
	emit(Progress{Stage: StageGenerate, Done: n, Total: n, Unit: "symbols"})
	emit(StageDone{Stage: StageGenerate, Summary: fmt.Sprintf("%d docs, written with the docpack", n)})
	return nil
}

// Generate documents every symbol from its doc comments. A build does not
// call it: it writes the same docs while packaging (ExtractiveDoc).
func (Extractive) Generate(ctx context.Context, in GenerateInput, emit Observer) (*GenerateResult, error) {
	emit(StageStarted{Stage: StageBatch})
	emit(StageDone{Stage: StageBatch, Skipped: true, Summary: "extractive generator needs no batches"})
	emit(StageStarted{Stage: StageGenerate, Total: len(in.Symbols)})
	start := time.Now()
	docs := make(map[string]docpack.Doc, len(in.Symbols))
	for i, s := range in.Symbols {
		if i%512 == 0 {
			if err := ctx.Err(); err != nil {
				emit(StageDone{Stage: StageGenerate, Elapsed: time.Since(start), Err: err})
				return nil, err
			}
			emit(Progress{Stage: StageGenerate, Done: i, Total: len(in.Symbols), Unit: "symbols"})
		}
		docs[s.ID] = ExtractiveDoc(s)
	}
	emit(Progress{Stage: StageGenerate, Done: len(in.Symbols), Total: len(in.Symbols), Unit: "symbols"})
	emit(StageDone{Stage: StageGenerate, Elapsed: time.Since(start), Summary: fmt.Sprintf("%d docs", len(docs))})
	return &GenerateResult{Docs: docs}, nil
}

// ExtractiveDoc writes a symbol's doc from its doc comments: the first paragraph
// is the summary, the "# Errors", "# Panics", "# Safety" and "# Examples"
// sections become their fields, "# Arguments"/"# Parameters" lists become
// parameter docs, and everything else is the description. An item of a trait
// impl without doc comments gets the summary of the trait item's doc
// (Symbol.InheritedDoc), as rustdoc shows it, marked with Source "inherited"
// and the trait item's path, where the rest is. A symbol with neither gets a one-line
// description of its signature, marked with Source "signature" so nobody
// mistakes it for the author's words.
func ExtractiveDoc(s docpack.Symbol) docpack.Doc { return extractiveDoc(&s, nil, nil) }

// extractiveDoc is ExtractiveDoc of *s, which the packing workers call for
// every symbol without copying it, the summaries of inherited docs taken
// from inherited when it is not nil, and the sentences made from the
// signature in scratch when it is not nil (the doc is then valid only until
// the worker's next one).
func extractiveDoc(s *docpack.Symbol, inherited *summaryCache, scratch *docpack.Scratch) docpack.Doc {
	doc := docpack.Doc{SymbolID: s.ID}
	text := strings.TrimSpace(s.DocComments)
	if text == "" {
		if inh := strings.TrimSpace(s.InheritedDoc); inh != "" {
			// rustdoc shows the trait item's summary with a link to the rest
			// ("Read more"): the doc says where that is. Only the summary
			// is made (winapi's 20,552 impl methods inherit std's docs of
			// Clone::clone and the like, whose examples were parsed for
			// nothing).
			summary := inherited.summary(inh)
			if summary == "" {
				summary = describeSignature(s, scratch)
			}
			return docpack.Doc{SymbolID: s.ID, Summary: summary, Source: docpack.DocFromInherited, InheritedFrom: s.InheritedFrom}
		}
		doc.Summary = describeSignature(s, scratch)
		doc.Source = docpack.DocFromSignature
		if s.ReturnType != "" {
			if scratch != nil {
				doc.Returns = scratch.String(func(b []byte) []byte { return appendCode(b, s.ReturnType) })
			} else {
				doc.Returns = "`" + s.ReturnType + "`"
			}
		}
		return doc
	}
	doc.Source = docpack.DocFromComments
	sections := splitSections(text)
	var desc, dropped []string
	for _, sec := range sections {
		body := strings.TrimSpace(sec.body)
		switch strings.ToLower(sec.title) {
		case "":
			pre, summary, rest := leadParagraph(body)
			if pre != "" {
				desc = append(desc, pre)
			}
			doc.Summary = summary
			if rest != "" {
				desc = append(desc, rest)
			}
		case "errors":
			doc.Errors = body
		case "panics":
			doc.Panics = body
		case "safety":
			doc.Safety = body
		case "examples", "example":
			doc.Examples = append(doc.Examples, codeBlocks(body)...)
			if len(doc.Examples) == 0 && body != "" {
				doc.Examples = append(doc.Examples, body)
			}
			// Only the code is kept: the section's reference definitions
			// (tokio's Notify ends its examples with the targets of the
			// links above them) go to the description, or its links
			// would lose their targets.
			dropped = append(dropped, body)
		case "returns", "return value":
			doc.Returns = body
		case "arguments", "parameters", "args":
			params := paramList(body)
			if len(params) == 0 {
				desc = append(desc, "# "+sec.title+"\n\n"+body)
			} else {
				dropped = append(dropped, body)
			}
			doc.Parameters = append(doc.Parameters, params...)
		default:
			// A heading-first doc (serde's crate root: "# Serde" and then
			// a paragraph): the summary is the first paragraph that is not
			// a heading.
			if doc.Summary == "" {
				doc.Summary, body = firstParagraph(body)
			}
			desc = append(desc, strings.TrimSpace(strings.Repeat("#", sec.level)+" "+sec.title+"\n\n"+body))
		}
	}
	if doc.Summary == "" {
		doc.Summary = describeSignature(s, scratch)
	}
	if defs := index.LinkDefs(dropped...); defs != "" {
		desc = append(desc, defs)
	}
	doc.Description = strings.TrimSpace(strings.Join(desc, "\n\n"))
	return doc
}

// leadParagraph splits the body of a doc's first section (before any
// heading) into its summary, its first paragraph, and the rest. When that
// paragraph is only badges, link definitions or <br> (dtolnay's crate
// roots), the summary is the first paragraph with words and pre is what
// comes before it, which stays in the description.
func leadParagraph(body string) (pre, summary, rest string) {
	summary, rest = firstParagraph(body)
	if summary != "" && noWords(summary) {
		for r := rest; r != ""; {
			p, next := firstParagraph(r)
			if p == "" || next == r {
				break // a code block: no summary after the badges
			}
			if !noWords(p) {
				return strings.TrimSpace(body[:len(body)-len(r)]), p, next
			}
			r = next
		}
	}
	return "", summary, rest
}

// docSummary is the summary ExtractiveDoc finds in a doc text, without the
// rest: the first section's lead paragraph, else the first paragraph of the
// first section of another title than those made fields; "" when there is
// none.
func docSummary(text string) string {
	for _, sec := range splitSections(text) {
		switch strings.ToLower(sec.title) {
		case "errors", "panics", "safety", "examples", "example", "returns", "return value", "arguments", "parameters", "args":
			continue
		}
		body := strings.TrimSpace(sec.body)
		var summary string
		if sec.title == "" {
			_, summary, _ = leadParagraph(body)
		} else {
			summary, _ = firstParagraph(body)
		}
		if summary != "" {
			return summary
		}
	}
	return ""
}

// summaryCache holds the docSummary of each inherited doc text a build
// has met: winapi's 20,552 impl methods inherit a few dozen docs of std's
// traits, each read once. It is safe for concurrent use; a nil cache reads
// every text.
type summaryCache struct {
	mu sync.RWMutex
	m  map[string]string
}

func (c *summaryCache) summary(text string) string {
	if c == nil {
		return docSummary(text)
	}
	c.mu.RLock()
	sum, ok := c.m[text]
	c.mu.RUnlock()
	if ok {
		return sum
	}
	sum = docSummary(text)
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]string{}
	}
	c.m[text] = sum
	c.mu.Unlock()
	return sum
}

type section struct {
	title string
	level int
	body  string
}

// splitSections splits markdown at level-1 and level-2 headings, ignoring
// headings inside fenced code blocks.
func splitSections(text string) []section {
	var out []section
	cur := section{}
	// The body of cur is text[bodyStart:bodyEnd], its lines as written
	// (bodyEnd < 0 while it has none): a substring, not lines split and
	// joined again (a doc job's most allocations).
	bodyStart, bodyEnd := 0, -1
	inFence := false
	fence := ""
	for start := 0; start <= len(text); {
		end := strings.IndexByte(text[start:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += start
		}
		line := text[start:end]
		next := end + 1
		trimmed := strings.TrimSpace(line)
		if isFence(trimmed) {
			switch {
			case !inFence:
				inFence, fence = true, trimmed[:3]
			case strings.HasPrefix(trimmed, fence):
				inFence = false
			}
		}
		if !inFence {
			if lvl, title, ok := heading(trimmed); ok && lvl <= 2 {
				cur.body = sectionBody(text, bodyStart, bodyEnd)
				if cur.title != "" || strings.TrimSpace(cur.body) != "" {
					out = append(out, cur)
				}
				cur, bodyEnd = section{title: title, level: lvl}, -1
				start = next
				continue
			}
		}
		if bodyEnd < 0 {
			bodyStart = start
		}
		bodyEnd = end
		start = next
	}
	cur.body = sectionBody(text, bodyStart, bodyEnd)
	out = append(out, cur)
	return out
}

// sectionBody is text[start:end], or "" when end < 0 (no line).
func sectionBody(text string, start, end int) string {
	if end < 0 {
		return ""
	}
	return text[start:end]
}

func isFence(s string) bool { return strings.HasPrefix(s, "```") || strings.HasPrefix(s, "~~~") }

func heading(s string) (int, string, bool) {
	n := 0
	for n < len(s) && s[n] == '#' {
		n++
	}
	if n == 0 || n > 6 || n >= len(s) || s[n] != ' ' {
		return 0, "", false
	}
	return n, strings.TrimSpace(s[n:]), true
}

// noWordsRe matches what a paragraph holds that is no words: images (a
// badge, linked or not, inline or by reference), link reference
// definitions, HTML tags and entities.
var noWordsRe = regexp.MustCompile(`\[!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])?\](?:\([^)]*\)|\[[^\]]*\])?|!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])?|(?m)^\s*\[[^\]]+\]:\s*\S+.*$|<[^>]*>|&[a-z]+;`)

// noWords reports whether a paragraph is only images, link definitions and
// HTML: nothing a summary could say.
func noWords(p string) bool {
	if !strings.ContainsAny(p, "[<&") {
		return strings.TrimSpace(p) == "" // nothing for noWordsRe to match
	}
	return strings.TrimSpace(noWordsRe.ReplaceAllString(p, "")) == ""
}

// firstParagraph returns the text up to the first blank line (or code block),
// joined into one line, and the rest. Headings before it (### and deeper,
// which splitSections leaves in the body) are skipped.
func firstParagraph(s string) (string, string) {
	lines := strings.Split(s, "\n")
	var para []string
	i := 0
	for i < len(lines) {
		t := strings.TrimSpace(lines[i])
		if _, _, ok := heading(t); !ok && t != "" {
			break
		}
		i++
	}
	for ; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if t == "" || (isFence(t) && len(para) > 0) {
			break
		}
		if isFence(t) {
			break
		}
		para = append(para, t)
	}
	return strings.Join(para, " "), strings.TrimSpace(strings.Join(lines[i:], "\n"))
}

// codeBlocks returns the code of the fenced blocks of an examples section:
// what follows the line of an opening ``` or ~~~ up to the first line that
// starts, after spaces or tabs, with ``` or ~~~ (either), trailing newlines
// dropped. It reads the text as the regular expression
// "(?s)(```|~~~)([^\n]*)\n(.*?)\n[ \t]*(```|~~~)" matched it
// (FuzzCodeBlocks holds the two together), without its backtracking, which
// was 15% of tokio's package stage.
func codeBlocks(s string) []string {
	var out []string
	for {
		open := fenceIndex(s)
		if open < 0 {
			return out
		}
		nl := strings.IndexByte(s[open+3:], '\n')
		if nl < 0 {
			return out
		}
		body := open + 3 + nl + 1
		closed := false
		for p := body; ; p++ {
			q := strings.IndexByte(s[p:], '\n')
			if q < 0 {
				break
			}
			p += q
			f := p + 1
			for f < len(s) && (s[f] == ' ' || s[f] == '\t') {
				f++
			}
			if isFenceAt(s, f) {
				out = append(out, strings.TrimRight(s[body:p], "\n"))
				s, closed = s[f+3:], true
				break
			}
		}
		if !closed {
			return out // a later opening fence has no closing one either
		}
	}
}

// fenceIndex is the index of the first ``` or ~~~ in s, or -1.
func fenceIndex(s string) int {
	i, j := strings.Index(s, "```"), strings.Index(s, "~~~")
	if i < 0 || (j >= 0 && j < i) {
		return j
	}
	return i
}

func isFenceAt(s string, i int) bool {
	return i+3 <= len(s) && (s[i:i+3] == "```" || s[i:i+3] == "~~~")
}

var paramRe = regexp.MustCompile("^[*-]\\s+`?([A-Za-z_][A-Za-z0-9_]*)`?\\s*(?:[-:—–]\\s*)?(.*)$")

func paramList(s string) []docpack.ParamDoc {
	var out []docpack.ParamDoc
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimSpace(line)
		if m := paramRe.FindStringSubmatch(t); m != nil {
			out = append(out, docpack.ParamDoc{Name: m[1], Description: strings.TrimSpace(m[2])})
		} else if t != "" && len(out) > 0 {
			out[len(out)-1].Description = strings.TrimSpace(out[len(out)-1].Description + " " + t)
		}
	}
	return out
}

var kindWords = map[docpack.Kind]string{
	docpack.KindFunction: "Function", docpack.KindMethod: "Method", docpack.KindStruct: "Struct",
	docpack.KindEnum: "Enum", docpack.KindVariant: "Variant", docpack.KindField: "Field",
	docpack.KindTrait: "Trait", docpack.KindTraitMethod: "Trait method", docpack.KindImpl: "Implementation",
	docpack.KindConst: "Constant", docpack.KindStatic: "Static", docpack.KindTypeAlias: "Type alias",
	docpack.KindMacro: "Macro", docpack.KindModule: "Module", docpack.KindUnion: "Union",
	docpack.KindAssocType: "Associated type", docpack.KindAssocConst: "Associated constant",
}

// describeSignature says what the signature says, and no more. It is made
// for every symbol without a doc comment as the docpack is written (most of
// winapi's 145,198), in the packing worker's scratch (not allocated at all),
// or without one in a buffer on the stack and allocated once, at its length.
func describeSignature(s *docpack.Symbol, scratch *docpack.Scratch) string {
	if scratch != nil {
		return scratch.String(func(b []byte) []byte { return appendSignatureSentence(b, s) })
	}
	var buf [256]byte
	return string(appendSignatureSentence(buf[:0], s))
}

// appendCode appends text as Markdown code: `text`.
func appendCode(b []byte, text string) []byte {
	b = append(b, '`')
	b = append(b, text...)
	return append(b, '`')
}

func appendSignatureSentence(b []byte, s *docpack.Symbol) []byte {
	code := appendCode
	switch s.SymbolType {
	case docpack.KindImpl:
		if trait, typ := docpack.SplitImpl(s.Name); trait != "" {
			b = append(b, "Implementation of "...)
			b = code(b, trait)
			b = append(b, " for "...)
			b = code(b, typ)
		} else {
			b = append(b, "Inherent implementation of "...)
			b = code(b, typ)
		}
		return append(b, sigSuffix...)
	}
	word := kindWords[s.SymbolType]
	if word == "" {
		word = "Item"
	}
	b = append(b, word...)
	b = append(b, ' ')
	b = code(b, s.Name)
	switch s.SymbolType {
	case docpack.KindFunction, docpack.KindMethod, docpack.KindTraitMethod:
		n := 0
		for _, p := range s.Parameters {
			if p.Name == "self" {
				continue
			}
			if n == 0 {
				b = append(b, " taking `"...)
			} else {
				b = append(b, ", `"...)
			}
			b = append(b, p.Name...)
			b = append(b, ": "...)
			b = append(b, p.ParamType...)
			b = append(b, '`')
			n++
		}
		if s.ReturnType != "" {
			if n > 0 {
				b = append(b, " and"...)
			}
			b = append(b, " returning "...)
			b = code(b, s.ReturnType)
		}
	default:
		if sig := strings.TrimSpace(s.Signature); sig != "" && len(sig) < 120 {
			b = append(b, ": "...)
			b = code(b, sig)
		}
	}
	return append(b, sigSuffix...)
}

const sigSuffix = " (no doc comment; described from its signature)."
