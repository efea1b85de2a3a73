package docpack

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
)

// Pack is an opened docpack: its manifest and symbols are decoded, its docs are
// decoded on demand by Doc. A Pack is safe for concurrent use.
type Pack struct {
	Manifest Manifest
	// Symbols are in symbols.json order.
	Symbols []Symbol

	a      *archive
	closer io.Closer
	byID   map[string]int
	eager  map[string]Doc

	// byPath and children are built on first use: opening a pack for a
	// browser needs neither.
	lookups  sync.Once
	byPath   map[string]int
	children map[string][]int
}

// Open opens and checks the docpack at path. Close the Pack when done.
func Open(path string, opts ...Option) (*Pack, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open docpack: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open docpack: %w", err)
	}
	if st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("open docpack %s: %w: is a directory", path, ErrNotDocpack)
	}
	p, err := Read(f, st.Size(), opts...)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open docpack %s: %w", path, err)
	}
	p.closer = f
	return p, nil
}

// Read checks and opens a docpack of size bytes read from r. It refuses, with
// an error wrapping one of the package's sentinels, an archive that is not a
// ZIP, has unsafe entry names, duplicate entries or more than the Limits
// allow, lacks a manifest or symbols, has a malformed manifest, an unknown
// major version, or docs for ids that symbols.json does not list.
//
// r must stay readable while docs are read (Pack.Doc reads them lazily unless
// WithEagerDocs is given).
func Read(r io.ReaderAt, size int64, opts ...Option) (*Pack, error) {
	o := buildOptions(opts)
	a, problems, _ := openArchive(r, size, o.limits)
	if len(problems) > 0 {
		return nil, problems[0]
	}
	if a.manifest == nil {
		return nil, fmt.Errorf("%w: the archive has no %s at its root", ErrNoManifest, ManifestName)
	}
	p := &Pack{a: a}
	if err := a.decodeManifest(&p.Manifest); err != nil {
		return nil, err
	}
	if a.symbols == nil {
		return nil, fmt.Errorf("%w: the archive has no %s", ErrBadSymbols, SymbolsName)
	}
	var err error
	if p.Symbols, err = a.readSymbols(a.symbols, p.Manifest.SymbolCount, false); err != nil {
		return nil, err
	}
	if err := p.index(); err != nil {
		return nil, err
	}
	for _, id := range a.docIDs {
		if _, ok := p.byID[id]; !ok {
			return nil, entryErr(DocName(id), ErrUnknownDoc, "symbols.json has no symbol %q", id)
		}
	}
	if o.eagerDocs {
		p.eager = make(map[string]Doc, len(a.docIDs))
		for _, id := range a.docIDs {
			d, err := p.ReadDoc(id)
			if err != nil {
				return nil, err
			}
			p.eager[id] = d
		}
	}
	return p, nil
}

// Close releases the file opened by Open. It is a no-op for a Pack from Read.
func (p *Pack) Close() error {
	if p.closer == nil {
		return nil
	}
	return p.closer.Close()
}

// decodeManifest reads manifest.json and checks its version.
func (a *archive) decodeManifest(m *Manifest) error {
	b, err := a.readEntry(a.manifest)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, m); err != nil {
		return entryErr(ManifestName, ErrBadManifest, "%v", err)
	}
	return checkVersion(m.Version)
}

// ParseVersion splits a "MAJOR.MINOR" format version.
func ParseVersion(v string) (major, minor int, err error) {
	ma, mi, ok := strings.Cut(v, ".")
	if ok {
		major, err = strconv.Atoi(ma)
		if err == nil {
			minor, err = strconv.Atoi(mi)
		}
	}
	if !ok || err != nil || major < 0 || minor < 0 || strings.HasPrefix(ma, "+") || strings.HasPrefix(mi, "+") {
		return 0, 0, fmt.Errorf("version %q is not MAJOR.MINOR", v)
	}
	return major, minor, nil
}

func checkVersion(v string) error {
	major, _, err := ParseVersion(v)
	if err != nil {
		return entryErr(ManifestName, ErrBadManifest, "%v", err)
	}
	if major != FormatMajor {
		return entryErr(ManifestName, ErrVersion, "format version %s; this doctown reads %d.x", v, FormatMajor)
	}
	return nil
}

// index builds the id lookup and refuses duplicate ids.
func (p *Pack) index() error {
	p.byID = make(map[string]int, len(p.Symbols))
	for i := range p.Symbols {
		id := p.Symbols[i].ID
		if _, dup := p.byID[id]; dup {
			return entryErr(SymbolsName, ErrBadSymbols, "symbol id %q appears more than once", id)
		}
		p.byID[id] = i
	}
	return nil
}

// buildLookups builds the path and parent lookups, once.
func (p *Pack) buildLookups() {
	p.lookups.Do(func() {
		p.byPath = make(map[string]int, len(p.Symbols))
		p.children = make(map[string][]int)
		for i := range p.Symbols {
			s := &p.Symbols[i]
			if _, ok := p.byPath[s.Path]; !ok {
				p.byPath[s.Path] = i
			}
			p.children[s.Parent] = append(p.children[s.Parent], i)
		}
	})
}

// SymbolByID returns the symbol with id.
func (p *Pack) SymbolByID(id string) (Symbol, bool) {
	i, ok := p.byID[id]
	if !ok {
		return Symbol{}, false
	}
	return p.Symbols[i], true
}

// SymbolIndex returns the position in Symbols of the symbol with id.
func (p *Pack) SymbolIndex(id string) (int, bool) {
	i, ok := p.byID[id]
	return i, ok
}

// SymbolByPath returns the first symbol (in symbols.json order) with the
// qualified path; several items may share one (an impl block and its type).
func (p *Pack) SymbolByPath(path string) (Symbol, bool) {
	p.buildLookups()
	i, ok := p.byPath[path]
	if !ok {
		return Symbol{}, false
	}
	return p.Symbols[i], true
}

// Children returns the symbols whose parent is id, in symbols.json order.
// Children("") returns the top-level symbols. A symbol whose parent id is not
// in the pack is reachable only through Symbols and SymbolByID.
func (p *Pack) Children(id string) []Symbol {
	p.buildLookups()
	idx := p.children[id]
	out := make([]Symbol, len(idx))
	for k, i := range idx {
		out[k] = p.Symbols[i]
	}
	return out
}

// HasDoc reports whether the symbol with id has a doc entry, without reading it.
func (p *Pack) HasDoc(id string) bool {
	_, ok := p.a.docs[id]
	return ok
}

// DocCount is the number of doc entries in the archive.
func (p *Pack) DocCount() int { return len(p.a.docIDs) }

// Doc returns the doc of the symbol with id. It is false when there is none or
// when the doc cannot be read; ReadDoc says why.
func (p *Pack) Doc(id string) (Doc, bool) {
	d, err := p.ReadDoc(id)
	return d, err == nil
}

// ReadDoc returns the doc of the symbol with id, or an error wrapping ErrNoDoc,
// ErrBadDoc, ErrTooLarge or ErrCorrupt.
func (p *Pack) ReadDoc(id string) (Doc, error) {
	if d, ok := p.eager[id]; ok {
		return d, nil
	}
	f, ok := p.a.docs[id]
	if !ok {
		return Doc{}, fmt.Errorf("%w %q", ErrNoDoc, id)
	}
	b, err := p.a.readEntry(f)
	if err != nil {
		return Doc{}, err
	}
	var d Doc
	if err := json.Unmarshal(b, &d); err != nil {
		return Doc{}, entryErr(f.Name, ErrBadDoc, "%v", err)
	}
	if d.SymbolID != id {
		return Doc{}, entryErr(f.Name, ErrBadDoc, "symbol_id is %q, the entry name says %q", d.SymbolID, id)
	}
	return d, nil
}
