package llm

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/doctown/doctown/docpack"
)

// PromptVersion names the prompt and answer format. It is part of every cache
// key: change it whenever the prompt or the checking of answers changes in a way
// that makes earlier docs worth regenerating.
const PromptVersion = "doctown-llm-1"

// systemPrompt is sent first in every request.
const systemPrompt = `You are a Rust documentation writer. You receive items of one Rust crate, one JSON object per line, with their id, qualified path, kind, signature, existing doc comments, parent item and source text (which may be cut short, marked "[truncated]"). An item of a trait impl without doc comments may carry inherited_doc: the doc of the trait's item it implements (inherited_from names it), which rustdoc shows for it.

Write rustdoc-quality documentation for every item and answer with one JSON object:
{"docs": [{"id": "...", "summary": "...", "description": "...", "parameters": [{"name": "...", "description": "..."}], "returns": "...", "errors": "...", "panics": "...", "safety": "...", "examples": ["..."]}]}

Rules:
- Exactly one doc per item; copy each id exactly as given. Do not add items.
- summary: one sentence saying what the item is or does, in the present tense.
- description: what a user needs beyond the summary (behaviour, invariants, performance); may be "".
- parameters: one entry per parameter except self, for functions and methods; [] otherwise.
- returns: what the return value means; "" when nothing is returned.
- errors: when each error is returned, only if the item returns a Result; else "".
- panics: when it panics, only if it can; else "".
- safety: what the caller must guarantee, only for unsafe items; else "".
- examples: Rust code (no markdown fences) using the public API; [] when an example would not help.
- Keep existing doc comments' facts; do not invent behaviour the source does not show.
- With inherited_doc: keep its facts, and say what this implementation does beyond it only when the source shows it.
- Refer to other items of the crate as intra-doc links such as [` + "`Name`" + `] or [` + "`Type::method`" + `], only when that item exists in the crate. Put other code in backticks.
- Answer with the JSON object only.`

// promptItem is one symbol as the prompt shows it.
type promptItem struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Path        string `json:"path"`
	Kind        string `json:"kind"`
	Signature   string `json:"signature,omitempty"`
	DocComments string `json:"doc_comments,omitempty"`
	Parent      string `json:"parent,omitempty"`
	Source      string `json:"source,omitempty"`
	// InheritedDoc is the trait item's doc an undocumented trait-impl item
	// inherits (Symbol.InheritedDoc), cut to a budget like the source.
	InheritedDoc  string `json:"inherited_doc,omitempty"`
	InheritedFrom string `json:"inherited_from,omitempty"`
}

// itemLine is the item's JSON on one line. HTML escaping is off so source text
// keeps its <, > and & (and its token count stays honest).
func itemLine(it promptItem) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(it)
	return strings.TrimRight(b.String(), "\n")
}

// userPrompt is the user message for a batch of item lines.
func userPrompt(lines []string) string {
	var b strings.Builder
	b.WriteString(userHeader(len(lines)))
	for i, l := range lines {
		b.WriteString(l)
		if i < len(lines)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]\n")
	return b.String()
}

func userHeader(n int) string {
	return "Document these " + strconv.Itoa(n) + " items.\n\nItems:\n[\n"
}

// messageOverhead is what the chat format adds per message and per reply
// (role markers and separators), as OpenAI documents for its chat models.
const messageOverhead = 4

// answerReserve is the number of answer tokens reserved for a symbol of kind k:
// a generous doc for callables and types, a short one for members.
func answerReserve(k docpack.Kind) int {
	switch k {
	case docpack.KindFunction, docpack.KindMethod, docpack.KindTraitMethod, docpack.KindMacro:
		return 400
	case docpack.KindStruct, docpack.KindEnum, docpack.KindTrait, docpack.KindUnion, docpack.KindModule:
		return 320
	case docpack.KindImpl:
		return 160
	default:
		return 140
	}
}

// answerOverhead is the answer's fixed part: {"docs":[ … ]}.
const answerOverhead = 16

// isContainer reports kinds whose source text holds other documented items; they
// get a smaller source budget since their members are documented on their own.
func isContainer(k docpack.Kind) bool {
	switch k {
	case docpack.KindModule, docpack.KindImpl, docpack.KindTrait:
		return true
	}
	return false
}

// docSchema is the JSON Schema of the answer, in the strict form structured
// output requires (every property required, no additional properties).
var docSchema = json.RawMessage(`{
  "type": "object",
  "properties": {
    "docs": {
      "type": "array",
      "items": {
        "type": "object",
        "properties": {
          "id": {"type": "string"},
          "summary": {"type": "string"},
          "description": {"type": "string"},
          "parameters": {
            "type": "array",
            "items": {
              "type": "object",
              "properties": {"name": {"type": "string"}, "description": {"type": "string"}},
              "required": ["name", "description"],
              "additionalProperties": false
            }
          },
          "returns": {"type": "string"},
          "errors": {"type": "string"},
          "panics": {"type": "string"},
          "safety": {"type": "string"},
          "examples": {"type": "array", "items": {"type": "string"}}
        },
        "required": ["id", "summary", "description", "parameters", "returns", "errors", "panics", "safety", "examples"],
        "additionalProperties": false
      }
    }
  },
  "required": ["docs"],
  "additionalProperties": false
}`)
