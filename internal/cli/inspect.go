package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/index"
)

// InspectOptions are the flags of `doctown inspect`.
type InspectOptions struct {
	IO   *IO
	Path string
	JSON bool
	// TopModules is how many modules the "top modules" table lists.
	TopModules int
}

func newInspectCmd(s *IO) *cobra.Command {
	opts := &InspectOptions{IO: s, TopModules: 10}
	cmd := &cobra.Command{
		Use: "inspect FILE.docpack",
		Example: `  doctown inspect serde.docpack
  doctown inspect serde.docpack --json | jq .counts`,
		Short: "Summarise a docpack: where it came from and what it holds",
		Long: `inspect prints a docpack's manifest (repository, commit, generator and model,
when and by which doctown it was made), its symbols counted by kind, the modules
with the most symbols, how the docs were written (from doc comments, from the
signature only, or by a model), fallbacks and warnings. --json prints the same as
one JSON object.`,
		Args:              exactArgs(1),
		ValidArgsFunction: docpackArgs,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Path = args[0]
			return runInspect(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print one JSON object")
	cmd.Flags().IntVar(&opts.TopModules, "top", opts.TopModules, "how many modules to list")
	return cmd
}

// docpackArgs completes *.docpack files.
func docpackArgs(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return []string{"docpack"}, cobra.ShellCompDirectiveFilterFileExt
}

// InspectReport is what inspect prints; --json prints it as is.
type InspectReport struct {
	File          string                  `json:"file"`
	FormatVersion string                  `json:"format_version"`
	Repository    docpack.Repository      `json:"repository"`
	Crates        []docpack.Crate         `json:"crates"`
	Generator     docpack.GeneratorInfo   `json:"generator"`
	GeneratedAt   time.Time               `json:"generated_at"`
	Tool          docpack.Tool            `json:"tool"`
	Symbols       int                     `json:"symbols"`
	Docs          int                     `json:"docs"`
	Kinds         []KindCount             `json:"kinds"`
	TopModules    []ModuleCount           `json:"top_modules"`
	DocSources    map[string]int          `json:"doc_sources"`
	Fallbacks     int                     `json:"fallbacks"`
	Warnings      int                     `json:"warnings"`
	Stats         docpack.GenerationStats `json:"stats"`
}

// KindCount is one row of the kinds table.
type KindCount struct {
	Kind  docpack.Kind `json:"kind"`
	Count int          `json:"count"`
}

// ModuleCount is one row of the top-modules table: the symbols whose nearest
// enclosing module is Path (items of submodules count for the submodule).
type ModuleCount struct {
	Path    string `json:"path"`
	Symbols int    `json:"symbols"`
}

// Doc sources as inspect counts them; "unreadable" and "missing" are docs that
// could not be read and symbols without a doc.
const (
	docUnreadable = "unreadable"
	docMissing    = "missing"
)

func runInspect(ctx context.Context, opts *InspectOptions) error {
	p, err := docpack.Open(opts.Path)
	if err != nil {
		return err
	}
	defer p.Close()
	r, err := inspect(ctx, p, opts.TopModules)
	if err != nil {
		return err
	}
	r.File = filepath.Base(opts.Path)
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(r)
	}
	return printInspect(opts.IO.Out, r, opts.IO.ColorEnabled())
}

// inspect reads every doc (to count their sources) and summarises the pack.
func inspect(ctx context.Context, p *docpack.Pack, top int) (*InspectReport, error) {
	m := p.Manifest
	r := &InspectReport{
		FormatVersion: m.Version, Repository: m.Repository, Crates: m.Crates, Generator: m.Generator,
		GeneratedAt: m.GeneratedAt, Tool: m.Tool, Symbols: len(p.Symbols), Docs: p.DocCount(),
		Fallbacks: len(m.Fallbacks), Warnings: len(m.Warnings), Stats: m.Stats,
		DocSources: map[string]int{docpack.DocFromComments: 0, docpack.DocFromInherited: 0, docpack.DocFromSignature: 0, docpack.DocFromLLM: 0},
		Kinds:      []KindCount{}, TopModules: []ModuleCount{},
	}
	kinds := map[docpack.Kind]int{}
	for i, s := range p.Symbols {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		kinds[s.SymbolType]++
		switch d, err := p.ReadDoc(s.ID); {
		case err == nil:
			r.DocSources[d.Source]++
		case p.HasDoc(s.ID):
			r.DocSources[docUnreadable]++
		default:
			r.DocSources[docMissing]++
		}
	}
	for _, k := range docpack.Kinds {
		if n := kinds[k]; n > 0 {
			r.Kinds = append(r.Kinds, KindCount{k, n})
			delete(kinds, k)
		}
	}
	var unknown []KindCount // kinds from a newer format version
	for k, n := range kinds {
		unknown = append(unknown, KindCount{k, n})
	}
	slices.SortFunc(unknown, func(a, b KindCount) int { return cmp.Compare(a.Kind, b.Kind) })
	r.Kinds = append(r.Kinds, unknown...)
	r.TopModules = topModules(p, top)
	return r, nil
}

// topModules counts each symbol (modules themselves excluded) towards the
// module it lives in, as the index places it (index.ModuleOf): the pack's
// own index (index.Of), which finds symbols by id through the pack's map
// rather than building a second one.
func topModules(p *docpack.Pack, top int) []ModuleCount {
	x := index.Of(p)
	counts := map[string]int{}
	for i := range x.Symbols {
		if x.Symbols[i].SymbolType != docpack.KindModule {
			counts[x.ModuleOf(i)]++
		}
	}
	out := make([]ModuleCount, 0, len(counts))
	for path, n := range counts {
		out = append(out, ModuleCount{path, n})
	}
	slices.SortFunc(out, func(a, b ModuleCount) int {
		return cmp.Or(cmp.Compare(b.Symbols, a.Symbols), cmp.Compare(a.Path, b.Path))
	})
	if top >= 0 && len(out) > top {
		out = out[:top]
	}
	return out
}

func printInspect(w io.Writer, r *InspectReport, color bool) error {
	title := func(s string) string {
		if color {
			return "\x1b[1m" + s + "\x1b[0m"
		}
		return s
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(cells ...any) {
		for i, c := range cells {
			if i > 0 {
				fmt.Fprint(tw, "\t")
			}
			fmt.Fprint(tw, c)
		}
		fmt.Fprintln(tw)
	}
	orDash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}

	fmt.Fprintln(w, title(r.File))
	repo := r.Repository.Name
	if r.Repository.URL != "" {
		repo += " (" + r.Repository.URL + ")"
	}
	row("repository", repo)
	commit := orDash(r.Repository.CommitSHA)
	if ref := cmp.Or(r.Repository.Ref, r.Repository.Branch); ref != "" {
		commit += " " + ref
	}
	row("commit", commit)
	gen := r.Generator.Name
	if r.Generator.Model != "" {
		gen += ", model " + r.Generator.Model
	}
	if r.Generator.PromptVersion != "" {
		gen += ", prompt " + r.Generator.PromptVersion
	}
	row("generator", gen)
	generated := "-"
	if !r.GeneratedAt.IsZero() {
		generated = r.GeneratedAt.UTC().Format(time.RFC3339)
	}
	row("generated", generated)
	row("tool", strings.TrimSpace(r.Tool.Name+" "+r.Tool.Version))
	row("format", r.FormatVersion)
	var crates []string
	for _, c := range r.Crates {
		crates = append(crates, strings.TrimSpace(c.Name+" "+c.Version))
	}
	row("crates", orDash(strings.Join(crates, ", ")))
	row("symbols", r.Symbols)
	row("docs", r.Docs)
	if r.Stats.Requests > 0 {
		row("llm", fmt.Sprintf("%d requests, %d tokens in, %d out, $%.4f, %d cache hits",
			r.Stats.Requests, r.Stats.TokensIn, r.Stats.TokensOut, r.Stats.CostUSD, r.Stats.CacheHits))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w)
	fmt.Fprintln(w, title("Symbols by kind"))
	for _, k := range r.Kinds {
		row("  "+string(k.Kind), k.Count)
	}
	tw.Flush()

	if len(r.TopModules) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, title("Top modules"))
		for _, m := range r.TopModules {
			row("  "+m.Path, m.Symbols)
		}
		tw.Flush()
	}

	fmt.Fprintln(w)
	fmt.Fprintln(w, title("Docs written from"))
	known := []string{docpack.DocFromComments, docpack.DocFromInherited, docpack.DocFromSignature, docpack.DocFromLLM}
	for _, src := range known {
		row("  "+docSourceLabel(src), r.DocSources[src])
	}
	var others []string
	for src := range r.DocSources {
		if !slices.Contains(known, src) {
			others = append(others, src)
		}
	}
	slices.Sort(others)
	for _, src := range others {
		row("  "+docSourceLabel(src), r.DocSources[src])
	}
	tw.Flush()

	fmt.Fprintln(w)
	row("fallbacks", r.Fallbacks)
	row("warnings", r.Warnings)
	return tw.Flush()
}

func docSourceLabel(src string) string {
	switch src {
	case docMissing:
		return "no doc"
	case docUnreadable:
		return "unreadable doc"
	case "":
		return "(no source)"
	}
	return docpack.SourceLabel(src)
}
