package llm

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/doctown/doctown/docpack"
)

// cache holds generated docs keyed by (symbol id, source hash, model, prompt
// version): a symbol whose source did not change is not sent again. Entries live
// in memory and, unless disabled, as one small JSON file each under dir, written
// atomically so a crash never leaves a torn entry.
type cache struct {
	dir   string // "" keeps entries in memory only
	model string
	mu    sync.Mutex
	mem   map[string]docpack.Doc
}

func newCache(dir, model string) *cache {
	return &cache{dir: dir, model: model, mem: map[string]docpack.Doc{}}
}

// cacheKey is the hex SHA-256 of the parts that decide a doc. The id is part of
// the key because the prompt shows the item's path and parent, so the same text
// at another path may deserve another doc.
func cacheKey(id, sourceHash, model, promptVersion string) string {
	h := sha256.New()
	for _, p := range []string{id, sourceHash, model, promptVersion} {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// key is the symbol's cache key. An inherited doc is part of the prompt, so a
// new one (another Rust version's) is a new key.
func (c *cache) key(s docpack.Symbol) string {
	h := s.SourceHash
	if s.InheritedDoc != "" {
		sum := sha256.Sum256([]byte(s.InheritedDoc))
		h += ":" + hex.EncodeToString(sum[:])
	}
	return cacheKey(s.ID, h, c.model, PromptVersion)
}

func (c *cache) path(key string) string { return filepath.Join(c.dir, key[:2], key+".json") }

// get returns the cached doc of s. Symbols without a source hash are never cached.
func (c *cache) get(s docpack.Symbol) (docpack.Doc, bool) {
	if s.SourceHash == "" {
		return docpack.Doc{}, false
	}
	k := c.key(s)
	c.mu.Lock()
	d, ok := c.mem[k]
	c.mu.Unlock()
	if ok || c.dir == "" {
		d.SymbolID = s.ID
		return d, ok
	}
	b, err := os.ReadFile(c.path(k))
	if err != nil {
		return docpack.Doc{}, false
	}
	if json.Unmarshal(b, &d) != nil || d.Summary == "" {
		return docpack.Doc{}, false
	}
	d.SymbolID = s.ID
	return d, true
}

// put stores d as the doc of s.
func (c *cache) put(s docpack.Symbol, d docpack.Doc) error {
	if s.SourceHash == "" {
		return nil
	}
	return c.putKey(c.key(s), d)
}

func (c *cache) putKey(k string, d docpack.Doc) error {
	c.mu.Lock()
	c.mem[k] = d
	c.mu.Unlock()
	if c.dir == "" {
		return nil
	}
	p := c.path(k)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("llm cache: %w", err)
	}
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("llm cache: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return fmt.Errorf("llm cache: %w", err)
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if werr != nil || cerr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("llm cache: %w", errors.Join(werr, cerr))
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("llm cache: %w", err)
	}
	return nil
}

// seed copies the generated docs of an earlier docpack into the cache: those the
// same model wrote with the same prompt version and that did not fall back. The
// docpack is opened with docpack.Open, which checks it before anything is read.
// It returns how many docs it copied.
func (c *cache) seed(path string) (int, error) {
	p, err := docpack.Open(path)
	if err != nil {
		return 0, fmt.Errorf("reuse: %w", err)
	}
	defer p.Close()
	m := p.Manifest
	if m.Generator.Model != c.model || m.Generator.PromptVersion != PromptVersion {
		return 0, nil
	}
	fallback := map[string]bool{}
	for _, id := range m.Fallbacks {
		fallback[id] = true
	}
	n := 0
	for _, s := range p.Symbols {
		if s.SourceHash == "" || fallback[s.ID] || !p.HasDoc(s.ID) {
			continue
		}
		d, err := p.ReadDoc(s.ID)
		if err != nil || d.Source != docpack.DocFromLLM || d.Summary == "" {
			continue
		}
		if err := c.putKey(c.key(s), d); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
