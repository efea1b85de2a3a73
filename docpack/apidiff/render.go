package apidiff

import (
	"fmt"
	"io"
	"strings"
)

// Summary is the one-line account of a report: "major: 2 removed, 1 added".
func (r *Report) Summary() string {
	if r.Empty() {
		return "no public API changes"
	}
	var parts []string
	for _, p := range []struct {
		n    int
		word string
	}{{r.Counts.Removed, "removed"}, {r.Counts.Moved, "moved"}, {r.Counts.Changed, "changed"}, {r.Counts.Added, "added"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.word))
		}
	}
	return r.Verdict.String() + ": " + strings.Join(parts, ", ")
}

var marks = map[Kind]string{Added: "+", Removed: "-", Moved: ">", Changed: "~"}

// ANSI colours per change kind, for WriteText on a terminal.
var colors = map[Kind]string{Added: "32", Removed: "31", Moved: "36", Changed: "33"}

// WriteText writes the report for a terminal: modules, one line per change
// with its rule, and the signatures before and after. color adds ANSI colour.
func (r *Report) WriteText(w io.Writer, color bool) error {
	paint := func(code, s string) string {
		if !color {
			return s
		}
		return "\x1b[" + code + "m" + s + "\x1b[0m"
	}
	var b strings.Builder
	b.WriteString(paint("1", "verdict: "+r.Summary()) + "\n")
	for _, m := range r.Modules {
		b.WriteString("\n" + paint("1", moduleName(m.Path)) + "\n")
		for _, c := range m.Changes {
			what := c.Path
			if c.Kind == Moved {
				what = c.OldPath + " → " + c.Path
			}
			aspects := ""
			if c.Kind == Changed {
				aspects = " [" + joinAspects(c.Aspects) + "]"
			}
			line := fmt.Sprintf("  %s %-7s %s %s%s", marks[c.Kind], c.Kind, c.SymbolType, what, aspects)
			fmt.Fprintf(&b, "%s  (%s: %s)\n", paint(colors[c.Kind], line), c.Severity, c.Reason)
			switch {
			case c.Kind == Changed && c.Old != c.New:
				b.WriteString(paint("31", "      - "+c.Old) + "\n")
				b.WriteString(paint("32", "      + "+c.New) + "\n")
			case c.Kind == Removed:
				b.WriteString("      " + c.Old + "\n")
			case c.Kind == Added || c.Kind == Moved:
				b.WriteString("      " + c.New + "\n")
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func moduleName(p string) string {
	if p == "" {
		return "(crate root)"
	}
	return p
}

func joinAspects(as []Aspect) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}

// MarkdownOptions shape Markdown output.
type MarkdownOptions struct {
	// Link, when set, gives the URL of a changed item (the commons page);
	// removed items are linked on the old side when OldLink is set.
	Link    func(c Change) string
	OldLink func(c Change) string
	// Limit caps the output in bytes (0: no cap). A longer report is cut at a
	// line and ends with a note, linking MoreURL when set.
	Limit   int
	MoreURL string
}

// Markdown renders the report for a check run or a pull-request comment: a
// verdict line, then a table per module.
func (r *Report) Markdown(opts MarkdownOptions) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**Semver verdict: %s** — %s\n", r.Verdict, mdEscape(r.Summary()))
	for _, m := range r.Modules {
		fmt.Fprintf(&b, "\n### `%s`\n\n| | item | kind | rule |\n| --- | --- | --- | --- |\n", mdCode(moduleName(m.Path)))
		for _, c := range m.Changes {
			item := "`" + mdCode(c.Path) + "`"
			link := opts.Link
			if c.Kind == Removed {
				link = opts.OldLink
			}
			if link != nil {
				if u := link(c); u != "" {
					item = "[" + item + "](" + u + ")"
				}
			}
			if c.Kind == Moved {
				item = "`" + mdCode(c.OldPath) + "` → " + item
			}
			rule := c.Severity.String() + ": " + mdEscape(c.Reason)
			if c.Kind == Changed {
				rule += " (" + joinAspects(c.Aspects) + ")"
			}
			fmt.Fprintf(&b, "| %s %s | %s | %s | %s |\n", marks[c.Kind], c.Kind, item, c.SymbolType, rule)
		}
	}
	out := b.String()
	if opts.Limit > 0 && len(out) > opts.Limit {
		note := "\n\n… truncated"
		if opts.MoreURL != "" {
			note += ": [all changes](" + opts.MoreURL + ")"
		}
		note += "\n"
		cut := opts.Limit - len(note)
		if cut < 0 {
			cut = 0
		}
		if i := strings.LastIndexByte(out[:cut], '\n'); i >= 0 {
			cut = i
		} else {
			cut = 0
		}
		out = out[:cut] + note
	}
	return out
}

// mdEscape keeps table cells intact.
func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// mdCode keeps a code span intact inside a table.
func mdCode(s string) string {
	return strings.NewReplacer("`", "'", "|", `\|`, "\n", " ").Replace(s)
}

// MaxCheckSummary is GitHub's limit on a check run's output summary (65,535
// characters); CheckRunOutput stays within it in bytes, so in characters too.
const MaxCheckSummary = 65535

// CheckRunInput is what a check run reports of one built commit.
type CheckRunInput struct {
	// Symbols is the docpack's symbol count.
	Symbols int
	// Base names the commit compared with ("" when there is none: the first
	// docpack of a branch), and BaseLabel says what it is ("the previous push
	// of main", "the base branch main").
	Base, BaseLabel string
	// Markdown links the changed items and the full changes page (MoreURL);
	// its Limit is set by CheckRunOutput.
	Markdown MarkdownOptions
}

// CheckRunOutput is the title and Markdown summary of a check run for a
// report (nil without a base): the symbol count, the semver verdict and the
// diff, cut to MaxCheckSummary with a link to the full changes page.
func CheckRunOutput(r *Report, in CheckRunInput) (title, summary string) {
	count := fmt.Sprintf("%d public symbols", in.Symbols)
	if in.Symbols == 1 {
		count = "1 public symbol"
	}
	var b strings.Builder
	if r == nil || in.Base == "" {
		fmt.Fprintf(&b, "Documented **%s**. There is no earlier docpack of this branch to compare with.\n", count)
		return count + " documented", b.String()
	}
	title = count + " · " + r.Summary()
	fmt.Fprintf(&b, "Documented **%s**, compared with %s (`%s`).\n\n", count, mdEscape(in.BaseLabel), mdCode(in.Base))
	if r.Empty() {
		b.WriteString("No public API changes.\n")
		return title, b.String()
	}
	opts := in.Markdown
	opts.Limit = MaxCheckSummary - b.Len()
	b.WriteString(r.Markdown(opts))
	return title, b.String()
}
