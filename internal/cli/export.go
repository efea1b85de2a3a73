package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/doctown/doctown/docpack/export"
	"github.com/doctown/doctown/docpack/index"
)

// ExportOptions are the flags of `doctown export`.
type ExportOptions struct {
	IO     *IO
	Path   string
	Format string
	Out    string
	Single bool
	// MaxFileKiB caps each Markdown file (0: the default, 256 KiB).
	MaxFileKiB int
}

func newExportCmd(s *IO) *cobra.Command {
	opts := &ExportOptions{IO: s}
	cmd := &cobra.Command{
		Use:   "export FILE.docpack",
		Short: "Write a docpack as Markdown or llms.txt for people and coding agents",
		Long: `export writes a docpack as text.

  --format markdown   one Markdown file per module (crate/module/sub.md) into the
                      directory -o names, or with --single one file per crate;
                      every item with its signature, docs (intra-doc links as
                      relative links), availability notes and source location.
  --format llms-txt   llms.txt (title, the crate's summary, a linked list of module
                      pages), llms-full.txt (everything in one file) and the
                      Markdown pages llms.txt links to, into the directory -o names.
  --format llms-full  only llms-full.txt, to the file -o names ("-": stdout).

No Markdown file is larger than --max-file-kib (256 KiB): a bigger module is
split into numbered parts (mod.md, mod.2.md, …). The same docpack always gives
the same bytes.`,
		Example: `  doctown export serde.docpack -o serde-md
  doctown export serde.docpack --single -o serde-md
  doctown export tokio.docpack --format llms-txt -o site/
  doctown export tokio.docpack --format llms-full -o - | wc -c`,
		Args:              exactArgs(1),
		ValidArgsFunction: docpackArgs,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Path = args[0]
			return runExport(c.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "markdown", "markdown, llms-txt or llms-full")
	cmd.Flags().StringVarP(&opts.Out, "output", "o", "", "output directory (markdown, llms-txt) or file (llms-full; - for stdout); default: NAME-docs")
	cmd.Flags().BoolVar(&opts.Single, "single", false, "markdown: one file per crate instead of one per module")
	cmd.Flags().IntVar(&opts.MaxFileKiB, "max-file-kib", 0, "largest Markdown file, in KiB (default 256)")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"markdown", "llms-txt", "llms-full"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runExport(ctx context.Context, opts *ExportOptions) error {
	switch opts.Format {
	case "markdown", "llms-txt", "llms-full":
	default:
		return usageError{fmt.Errorf("unknown --format %q: want markdown, llms-txt or llms-full", opts.Format)}
	}
	if opts.MaxFileKiB < 0 {
		return usageError{errors.New("--max-file-kib must be positive")}
	}
	p, err := index.Open(opts.Path)
	if err != nil {
		return err
	}
	defer p.Close()
	if err := ctx.Err(); err != nil {
		return err
	}
	if opts.Out == "" {
		opts.Out = strings.TrimSuffix(filepath.Base(opts.Path), filepath.Ext(opts.Path)) + "-docs"
		if opts.Format == "llms-full" {
			opts.Out = "llms-full.txt"
		}
	}
	if opts.Format == "llms-full" {
		data := export.LLMSFull(p.Index)
		if opts.Out == "-" {
			_, err := opts.IO.Out.Write(data)
			return err
		}
		return writeFileAtomic(opts.Out, data)
	}
	files := export.Markdown(p.Index, export.Options{Single: opts.Single, MaxFileBytes: opts.MaxFileKiB << 10})
	if opts.Format == "llms-txt" {
		files = append(files,
			export.File{Name: "llms.txt", Data: export.LLMSTxt(p.Index, files, export.LLMSOptions{})},
			export.File{Name: "llms-full.txt", Data: export.LLMSFull(p.Index)})
	}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := writeFileAtomic(filepath.Join(opts.Out, filepath.FromSlash(f.Name)), f.Data); err != nil {
			return err
		}
	}
	fmt.Fprintf(opts.IO.ErrOut, "wrote %d files to %s\n", len(files), opts.Out)
	return nil
}

// writeFileAtomic writes data to name through a temporary file in the same
// directory, so an interrupted export never leaves half a file.
func writeFileAtomic(name string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), ".export-*")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("export: write %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("export: write %s: %w", name, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("export: %w", err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("export: %w", err)
	}
	return nil
}
