package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/index"
	"github.com/doctown/doctown/tui"
	"github.com/doctown/doctown/tui/components"
)

// OpenOptions are the flags of `doctown open`.
type OpenOptions struct {
	IO     *IO
	Path   string
	Symbol string
	JSON   bool
	// Plain prints even on a terminal.
	Plain bool
}

func newOpenCmd(s *IO) *cobra.Command {
	opts := &OpenOptions{IO: s}
	cmd := &cobra.Command{
		Use: "open FILE.docpack [SYMBOL_PATH]",
		Example: `  doctown open serde.docpack                      # browse it (a terminal)
  doctown open serde.docpack serde::de::Deserialize  # one item as markdown
  doctown open serde.docpack Deserializer            # a bare name is enough when one item has it
  doctown open serde.docpack --plain | less          # every module and item
  doctown open serde.docpack --json | jq length
  doctown open serde.docpack serde::Serialize --json | jq .doc.summary`,
		Short: "Read a docpack",
		Long: `open shows a docpack. On a terminal it opens the browser; otherwise (or with
--plain) it prints the modules and their symbols with one-line summaries, or with
--json the symbols as JSON. With SYMBOL_PATH (crate::module::Item, any public
path of it, its id, or the end of its path — Item, module::Item — when that names
one item) it prints that symbol's signature and docs as markdown, or with --json
the symbol and its doc as one JSON object ({"symbol", "doc"}). A name several items
share lists their paths.`,
		Args: rangeArgs(1, 2),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Path = args[0]
			if len(args) == 2 {
				opts.Symbol = args[1]
			}
			return runOpen(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the symbols as JSON")
	cmd.Flags().BoolVar(&opts.Plain, "plain", false, "print a listing even on a terminal")
	cmd.MarkFlagFilename("docpack")
	return cmd
}

func runOpen(ctx context.Context, opts *OpenOptions) error {
	s := opts.IO
	if s.IsTerminal && !opts.JSON && !opts.Plain && opts.Symbol == "" {
		logger, closeLog := tui.OpenLog()
		defer closeLog()
		// Open before the screen is taken, so a bad file is a message on
		// stderr; the TUI browses (and closes) this same open pack.
		p, err := index.Open(opts.Path)
		if err != nil {
			return err
		}
		dataDir := tui.DataDir(s.Getenv)
		return tui.Run(ctx, tui.Options{Target: opts.Path, Pack: p, Dirs: []string{".", dataDir}, DataDir: dataDir,
			Color: s.ColorEnabled(), Logger: logger})
	}
	p, err := index.Open(opts.Path)
	if err != nil {
		return err
	}
	defer p.Close()
	enc := json.NewEncoder(s.Out)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	switch {
	case opts.Symbol != "" && opts.JSON:
		i, err := findSymbol(p.Index, opts.Symbol)
		if err != nil {
			return err
		}
		out := struct {
			Symbol docpack.Symbol `json:"symbol"`
			Doc    *docpack.Doc   `json:"doc,omitempty"`
		}{Symbol: p.Index.Symbols[i]}
		if d, ok := p.Index.Doc(i); ok {
			out.Doc = &d
		}
		return enc.Encode(out)
	case opts.Symbol != "":
		return printSymbol(s.Out, p.Index, opts.Symbol)
	case opts.JSON:
		return enc.Encode(p.Symbols)
	}
	printListing(s.Out, p.Index)
	return nil
}

// printListing writes each module and its items, with their children indented,
// each with its one-line summary.
func printListing(w io.Writer, x *index.Index) {
	m := x.Manifest
	fmt.Fprintf(w, "%s: %d symbols, %d docs (%s)\n", m.Repository.Name, x.Len(), m.DocCount, m.Generator.Name)
	var item func(i, depth int)
	item = func(i, depth int) {
		s := &x.Symbols[i]
		line := fmt.Sprintf("%s%-12s %s", strings.Repeat("  ", depth), s.SymbolType, s.Name)
		if d, ok := x.Doc(i); ok && d.Summary != "" {
			line += " — " + oneLine(d.Summary)
		}
		fmt.Fprintln(w, line)
		if depth < 3 {
			for _, c := range x.Children(i) {
				item(c, depth+1)
			}
		}
	}
	for _, mod := range x.Modules {
		var items []int
		for _, i := range x.Items(mod.Path) {
			if x.Symbols[i].SymbolType != docpack.KindModule {
				items = append(items, i)
			}
		}
		if len(items) == 0 {
			continue // a module holding only modules: they are listed themselves
		}
		fmt.Fprintf(w, "\nmod %s\n", mod.Path)
		for _, i := range items {
			item(i, 1)
		}
	}
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(index.CleanRustdoc(s)), " ")
	if r := []rune(s); len(r) > 100 {
		s = string(r[:97]) + "…"
	}
	return s
}

// findSymbol finds the symbol named by path, id, crate-relative path or bare
// name (index.Lookup), or says which symbols the name fits or which paths
// come close.
func findSymbol(x *index.Index, path string) (int, error) {
	i, cands := x.Lookup(path)
	if i >= 0 {
		return i, nil
	}
	if len(cands) > 0 {
		var ps []string
		for _, c := range cands[:min(len(cands), 8)] {
			ps = append(ps, x.Symbols[c].Path)
		}
		more := ""
		if len(cands) > len(ps) {
			more = fmt.Sprintf("\n  … and %d more", len(cands)-len(ps))
		}
		return -1, fmt.Errorf("%q names %d symbols; give one of their paths:\n  %s%s", path, len(cands), strings.Join(ps, "\n  "), more)
	}
	near := nearPaths(x, path, 5)
	msg := fmt.Sprintf("no symbol %q in this docpack", path)
	if len(near) > 0 {
		msg += "; did you mean:\n  " + strings.Join(near, "\n  ")
	}
	return -1, fmt.Errorf("%s", msg)
}

// printSymbol writes one symbol's page as markdown, the sections docs.rs
// shows (index.Sections) included, or fails with near matches. Links of the
// docs keep their targets: a symbol of the docpack by its path, anything else
// by its URL; a link that resolves to nothing is its text.
func printSymbol(w io.Writer, x *index.Index, path string) error {
	i, err := findSymbol(x, path)
	if err != nil {
		return err
	}
	s := x.Symbols[i]
	d, hasDoc := x.Doc(i)
	fmt.Fprintf(w, "# %s %s\n\n", index.KindTitle(s.SymbolType), s.Path)
	var where []string
	if o := x.Owner(i); o >= 0 {
		if os := &x.Symbols[o]; os.SymbolType == docpack.KindImpl {
			where = append(where, "in "+components.ImplLabel(os))
		} else {
			where = append(where, "in "+index.KindName(os.SymbolType)+" "+os.Path)
		}
	}
	if loc := s.Location(); loc != "" {
		where = append(where, loc)
	}
	fmt.Fprintln(w, strings.Join(append(where, s.Visibility), " · "))
	notes, attrs := index.Attributes(s)
	if a := s.Availability(); a != "" {
		notes = append([]string{a}, slices.DeleteFunc(notes, func(n string) bool { return strings.HasPrefix(n, "Available on") })...)
	}
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
	if len(attrs) > 0 {
		fmt.Fprintf(w, "%s\n", strings.Join(attrs, " "))
	}
	if o := d.Origin(); hasDoc && o != "" {
		fmt.Fprintln(w, o)
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, components.DocMarkdownLinked(s, d, hasDoc, 100, func(l index.Link) string {
		t, ok := x.DocLink(d, i, l.Dest)
		switch {
		case !ok && !l.IntraDoc() && !index.IsPageAddress(l.Dest):
			return "[" + l.Text + "](" + l.Dest + ")" // the web, a file, an anchor
		case !ok:
			return l.Text
		case t.Symbol >= 0:
			return "[" + l.Text + "](" + x.Symbols[t.Symbol].Path + ")"
		}
		return "[" + l.Text + "](" + t.URL + ")"
	}))
	for _, sec := range x.Sections(i) {
		fmt.Fprintf(w, "## %s\n\n", sec.Title)
		for j, it := range sec.Items {
			if it.Impl { // the header of the inherent impl whose methods follow
				if j > 0 {
					fmt.Fprintln(w)
				}
				fmt.Fprintf(w, "### `%s`\n\n", components.ImplLabel(&x.Symbols[it.Symbol]))
				continue
			}
			fmt.Fprintln(w, "- "+sectionLine(x, s.SymbolType, sec.Title, it))
		}
		fmt.Fprintln(w)
	}
	return nil
}

// sectionLine is one item of a section as a markdown list item: its
// signature (an impl's header, a module item's name) in code, where it
// opens when that is another symbol, and its summary or an impl's items.
func sectionLine(x *index.Index, page docpack.Kind, title string, it index.SectionItem) string {
	s := &x.Symbols[it.Symbol]
	label := components.MemberLabel(s)
	switch {
	case s.SymbolType == docpack.KindImpl:
		label = components.ImplLabel(s)
	case title == "For" || title == "Trait": // an impl's type and trait
		label = s.Path
	}
	line := "`" + label + "`"
	switch {
	case it.Reexport != "":
		line = "`pub use " + s.Path + "` (" + it.Reexport + ")"
	case page == docpack.KindModule:
		line = "`" + s.Name + "` (" + s.Path + ")"
	}
	if it.Target != it.Symbol {
		line += " → " + x.Symbols[it.Target].Path
	}
	switch {
	case it.Members != nil:
		var names []string
		for _, c := range it.Members {
			names = append(names, x.Symbols[c].Name)
		}
		line += ": " + strings.Join(names, ", ")
	default:
		if d, ok := x.Doc(it.Symbol); ok && d.Summary != "" && d.Source != docpack.DocFromSignature && s.SymbolType != docpack.KindImpl {
			line += " — " + oneLine(d.Summary)
		}
	}
	return line
}

// nearPaths suggests up to n symbol paths for a mistyped one, from the
// index's search (which falls back to names a small edit distance away), impl
// blocks left out.
func nearPaths(x *index.Index, path string, n int) []string {
	var out []string
	for _, m := range x.Search(path, "") {
		if len(out) == n {
			break
		}
		if s := &x.Symbols[m.Symbol]; s.SymbolType != docpack.KindImpl {
			out = append(out, s.Path)
		}
	}
	return out
}
