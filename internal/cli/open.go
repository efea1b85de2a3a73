package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/tui"
	"github.com/doctown/doctown/tui/components"
	"github.com/doctown/doctown/tui/index"
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
		Use:   "open FILE.docpack [SYMBOL_PATH]",
		Short: "Read a docpack",
		Long: `open shows a docpack. On a terminal it opens the browser; otherwise (or with
--plain) it prints the modules and their symbols with one-line summaries, or with
--json the symbols as JSON. With SYMBOL_PATH (crate::module::Item) it prints that
symbol's signature and docs as markdown.`,
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
		// Open once up front so a bad file is a message, not a screen.
		p, err := index.Open(opts.Path)
		if err != nil {
			return err
		}
		p.Close()
		dataDir := tui.DataDir(s.Getenv)
		return tui.Run(ctx, tui.Options{Target: opts.Path, Dirs: []string{".", dataDir}, DataDir: dataDir,
			Color: s.ColorEnabled(), Logger: logger})
	}
	p, err := index.Open(opts.Path)
	if err != nil {
		return err
	}
	defer p.Close()
	switch {
	case opts.Symbol != "":
		return printSymbol(s.Out, p.Index, opts.Symbol)
	case opts.JSON:
		enc := json.NewEncoder(s.Out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
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
		fmt.Fprintf(w, "\nmod %s\n", mod.Path)
		for _, i := range x.Items(mod.Path) {
			if x.Symbols[i].SymbolType == docpack.KindModule {
				continue
			}
			item(i, 1)
		}
	}
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 100 {
		s = s[:97] + "…"
	}
	return s
}

// printSymbol writes one symbol's docs as markdown, or fails with near matches.
func printSymbol(w io.Writer, x *index.Index, path string) error {
	i, ok := x.ByPath(path)
	if !ok {
		if j, found := x.ByID(path); found {
			i, ok = j, true
		}
	}
	if !ok {
		var near []string
		for _, m := range x.Search(lastSegment(path), "") {
			near = append(near, x.Symbols[m.Symbol].Path)
			if len(near) == 5 {
				break
			}
		}
		sort.Strings(near)
		msg := fmt.Sprintf("no symbol %q in this docpack", path)
		if len(near) > 0 {
			msg += "; did you mean:\n  " + strings.Join(near, "\n  ")
		}
		return fmt.Errorf("%s", msg)
	}
	s := x.Symbols[i]
	d, hasDoc := x.Doc(i)
	fmt.Fprintf(w, "# %s\n\n%s %s · %s:%d\n", s.Path, s.Visibility, s.SymbolType, s.File, s.Line)
	if len(s.Attributes) > 0 {
		fmt.Fprintf(w, "%s\n", strings.Join(s.Attributes, " "))
	}
	if hasDoc && d.Source == docpack.DocFromSignature {
		fmt.Fprintln(w, "(no doc comment: described from the signature)")
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, components.DocMarkdown(s, d, hasDoc))
	if kids := x.Children(i); len(kids) > 0 {
		fmt.Fprintln(w, "## Children")
		fmt.Fprintln(w)
		for _, c := range kids {
			fmt.Fprintf(w, "- %s `%s`\n", x.Symbols[c].SymbolType, x.Symbols[c].Path)
		}
	}
	return nil
}

func lastSegment(p string) string {
	if j := strings.LastIndex(p, "::"); j >= 0 {
		return p[j+2:]
	}
	return p
}
