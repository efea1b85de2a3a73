package commons

import (
	"container/list"
	"context"
	"fmt"
	"io"
	"os"
	"sort"
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
	// agent is the pack's text for agents (llms.txt, Markdown), made on demand.
	agent agentText
	// x is the docpack's index: children, impls, implementors, search, links.
	x *index.Index

	// all is every top-level item by kind, in path order, made on first use.
	allOnce sync.Once
	all     map[docpack.Kind][]int

	mu      sync.Mutex
	refs    int
	evicted bool
	closed  bool
}

// allItems returns every top-level item of the pack by kind, in path order.
func (p *openPack) allItems() map[docpack.Kind][]int {
	p.allOnce.Do(func() {
		p.all = map[docpack.Kind][]int{}
		for _, m := range p.x.Modules {
			for _, i := range p.x.Items(m.Path) {
				k := p.x.Symbols[i].SymbolType
				p.all[k] = append(p.all[k], i)
			}
		}
		for _, ids := range p.all {
			sort.Slice(ids, func(a, b int) bool { return p.x.Symbols[ids[a]].Path < p.x.Symbols[ids[b]].Path })
		}
	})
	return p.all
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

// clear empties the cache: each docpack's file is closed once the requests
// reading it are done.
func (c *packCache) clear() {
	c.mu.Lock()
	var packs []*openPack
	for el := c.order.Front(); el != nil; el = el.Next() {
		packs = append(packs, el.Value.(*cacheItem).pack)
	}
	c.order.Init()
	c.items = make(map[string]*list.Element)
	c.mu.Unlock()
	for _, p := range packs {
		p.mu.Lock()
		p.evicted = true
		p.mu.Unlock()
		p.release()
	}
}

// Close empties the docpack cache, closing its files (unlinked: the disk
// space they hold comes back only then). A relay stopping in a process
// that goes on (a test, an embedding program) calls it.
func (h *Handler) Close() { h.packs.clear() }

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

// Adopt caches p, read from f, as the docpack stored under key: the relay
// reads every upload whole to check it (docpack.Check), and the diff made
// when the job finishes, like the first page views, then reads that pack
// instead of fetching and decoding the stored copy again. The cache owns f
// from then on (closed when the pack is evicted); f is closed at once when
// key is cached already.
func (h *Handler) Adopt(key string, p *docpack.Pack, f *os.File) {
	op := &openPack{Pack: p, file: f, x: index.Of(p)}
	c := h.packs
	c.mu.Lock()
	_, dup := c.items[key]
	c.mu.Unlock()
	if dup {
		f.Close()
		return
	}
	c.add(key, op)
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
	// Docs are read when a page shows them: reading every summary here
	// made opening winapi's 145,198 symbols take seconds.
	return &openPack{Pack: pack, file: f, x: index.Of(pack)}, nil
}
