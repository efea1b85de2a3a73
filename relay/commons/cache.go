package commons

import (
	"container/list"
	"context"
	"fmt"
	"html/template"
	"io"
	"os"
	"sync"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/docpack/index"
	"github.com/doctown/doctown/relay/store"
	"golang.org/x/sync/singleflight"
)

// openPack is a parsed docpack backed by an unlinked temporary file. It is
// reference counted so that eviction never closes a pack a request is reading.
type openPack struct {
	*docpack.Pack
	file *os.File
	// summaries maps a symbol id to its doc's one-line summary, rendered.
	summaries map[string]template.HTML
	// agent is the pack's text for agents (llms.txt, Markdown), made on demand.
	agent agentText
	// x is the docpack's index: children, impls, implementors, search, links.
	x *index.Index

	mu      sync.Mutex
	refs    int
	evicted bool
	closed  bool
}

// acquire takes a reference; it fails once the pack has been closed.
func (p *openPack) acquire() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.refs++
	return true
}

func (p *openPack) release() {
	p.mu.Lock()
	p.refs--
	closeNow := p.refs == 0 && p.evicted && !p.closed
	if closeNow {
		p.closed = true
	}
	p.mu.Unlock()
	if closeNow {
		p.file.Close()
	}
}

// packCache keeps the most recently used parsed docpacks.
type packCache struct {
	st    store.Storage
	size  int
	dir   string // of the temporary files; "" is the system's
	group singleflight.Group

	mu    sync.Mutex
	order *list.List // of *cacheItem, most recent first
	items map[string]*list.Element
}

type cacheItem struct {
	key  string
	pack *openPack
}

func newPackCache(st store.Storage, size int, dir string) *packCache {
	return &packCache{st: st, size: size, dir: dir, order: list.New(), items: make(map[string]*list.Element)}
}

// get returns the parsed docpack stored under key; call release when done.
func (c *packCache) get(ctx context.Context, key string) (*openPack, error) {
	if p := c.lookup(key); p != nil {
		return p, nil
	}
	// Several requests for one docpack load it once.
	v, err, _ := c.group.Do(key, func() (any, error) {
		c.mu.Lock()
		el, ok := c.items[key]
		c.mu.Unlock()
		if ok {
			return el.Value.(*cacheItem).pack, nil
		}
		p, err := c.load(context.WithoutCancel(ctx), key)
		if err != nil {
			return nil, err
		}
		c.add(key, p)
		return p, nil
	})
	if err != nil {
		return nil, err
	}
	if p := v.(*openPack); p.acquire() {
		return p, nil
	}
	// Evicted and closed before this request could take it (a tiny cache
	// under load): read a private copy that closes when released.
	p, err := c.load(ctx, key)
	if err != nil {
		return nil, err
	}
	p.refs, p.evicted = 1, true
	return p, nil
}

// lookup returns a cached pack with a reference taken, or nil.
func (c *packCache) lookup(key string) *openPack {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return nil
	}
	c.order.MoveToFront(el)
	p := el.Value.(*cacheItem).pack
	if !p.acquire() {
		return nil
	}
	return p
}

func (c *packCache) add(key string, p *openPack) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p.refs = 1 // the cache's own reference
	c.items[key] = c.order.PushFront(&cacheItem{key: key, pack: p})
	for c.order.Len() > c.size {
		el := c.order.Back()
		it := el.Value.(*cacheItem)
		c.order.Remove(el)
		delete(c.items, it.key)
		it.pack.mu.Lock()
		it.pack.evicted = true
		it.pack.mu.Unlock()
		it.pack.release()
	}
}

// load copies the object to an unlinked temporary file (a docpack may be far
// larger than memory should hold) and parses it.
func (c *packCache) load(ctx context.Context, key string) (*openPack, error) {
	rc, _, err := c.st.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	f, err := os.CreateTemp(c.dir, "doctown-commons-*.docpack")
	if err != nil {
		return nil, fmt.Errorf("cache docpack: %w", err)
	}
	os.Remove(f.Name())
	n, err := io.Copy(f, rc)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("cache docpack: %w", err)
	}
	pack, err := docpack.Read(f, n)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read docpack %s: %w", key, err)
	}
	p := &openPack{Pack: pack, file: f, summaries: make(map[string]template.HTML), x: index.Of(pack)}
	for _, s := range pack.Symbols {
		// A damaged doc only loses its summary here; its page says why.
		if d, err := pack.ReadDoc(s.ID); err == nil {
			p.summaries[s.ID] = inlineMarkdown(index.CleanRustdoc(d.Summary))
		}
	}
	return p, nil
}
