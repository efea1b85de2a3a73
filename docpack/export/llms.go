package export

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/index"
)

// LLMSOptions shape llms.txt.
type LLMSOptions struct {
	// BaseURL, when set, prefixes every link (the relay serves the Markdown at
	// absolute URLs); otherwise links are relative to the export's root.
	BaseURL string
	// FullURL is the link to the full text (default: BaseURL + "llms-full.txt").
	FullURL string
}

// LLMSTxt writes llms.txt: the title (the repository, or the crate), the crate
// root's summary as the blockquote, a line on what the docs are, then a section
// per crate linking each module's Markdown page with its summary, and an
// "Optional" section linking the full text. files are the Markdown files the
// links point into (from Markdown), so every link resolves.
func LLMSTxt(x *index.Index, files []File, opts LLMSOptions) []byte {
	if opts.FullURL == "" {
		opts.FullURL = opts.BaseURL + "llms-full.txt"
	}
	have := map[string]bool{}
	for _, f := range files {
		have[f.Name] = true
	}
	m := x.Manifest
	var b bytes.Buffer
	title := m.Repository.Name
	if title == "" && len(m.Crates) > 0 {
		title = m.Crates[0].Name
	}
	fmt.Fprintf(&b, "# %s\n\n", title)
	if s := rootSummary(x); s != "" {
		fmt.Fprintf(&b, "> %s\n\n", s)
	}
	var about []string
	for _, c := range m.Crates {
		v := c.Name
		if c.Version != "" {
			v += " " + c.Version
		}
		about = append(about, v)
	}
	fmt.Fprintf(&b, "API documentation of %s", strings.Join(about, ", "))
	if sha := m.Repository.CommitSHA; sha != "" {
		fmt.Fprintf(&b, " at commit %s", sha)
	}
	fmt.Fprintf(&b, ": %d public items, each with its signature, docs and source location, in Markdown.\n", m.SymbolCount)
	link := func(name string) string { return opts.BaseURL + name }
	crate := ""
	for _, mod := range x.Modules {
		c, _, _ := strings.Cut(mod.Path, "::")
		if c != crate {
			crate = c
			fmt.Fprintf(&b, "\n## %s\n\n", c)
		}
		name := fileBase(mod.Path) + ".md"
		if !have[name] {
			// Single export: the crate's file.
			name = fileBase(c) + ".md"
			if !have[name] {
				continue
			}
		}
		line := fmt.Sprintf("- [%s](%s)", mod.Path, link(name))
		if mod.Symbol >= 0 {
			if d, ok := x.Doc(mod.Symbol); ok && d.Summary != "" && d.Source != docpack.DocFromSignature {
				line += ": " + oneLine(cleanLinks(d.Summary))
			}
		}
		b.WriteString(line + "\n")
	}
	fmt.Fprintf(&b, "\n## Optional\n\n- [Full text](%s): every module's page in one file\n", opts.FullURL)
	return b.Bytes()
}

// LLMSFull concatenates the Markdown files, in their order, into one text, with
// the llms.txt header on top. Links between files become anchors in the one file.
func LLMSFull(x *index.Index) []byte {
	files := Markdown(x, Options{Single: true, MaxFileBytes: 1 << 62})
	var b bytes.Buffer
	b.Write(LLMSTxtHeader(x))
	for _, f := range files {
		b.WriteString("\n")
		b.Write(rebaseLinks(f.Data))
	}
	return b.Bytes()
}

// LLMSTxtHeader is the title and summary lines llms.txt and llms-full.txt share.
func LLMSTxtHeader(x *index.Index) []byte {
	full := LLMSTxt(x, nil, LLMSOptions{})
	if i := bytes.Index(full, []byte("\n## ")); i >= 0 {
		return full[:i+1]
	}
	return full
}

// rebaseLinks turns links into other files ("serde/de.md#struct.X") into
// in-file anchors ("#struct.X"): in one concatenated text every anchor is unique
// because anchors carry the owner's name and modules are headed by their path.
var mdFileLink = regexp.MustCompile(`\]\([^)#\s]*\.md#([^)\s]+)\)`)

func rebaseLinks(md []byte) []byte {
	return mdFileLink.ReplaceAll(md, []byte("](#$1)"))
}

func rootSummary(x *index.Index) string {
	for _, mod := range x.Modules {
		if mod.Depth == 0 && mod.Symbol >= 0 {
			if d, ok := x.Doc(mod.Symbol); ok && d.Source != docpack.DocFromSignature {
				return oneLine(cleanLinks(d.Summary))
			}
		}
	}
	return ""
}
