package mcpserver

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/doctown/doctown/docpack/index"
	"github.com/doctown/doctown/relay/commons/api"
)

// Files is a Library of docpack files, all opened up front so a bad file is an
// error at start, not in the middle of a conversation.
type Files struct {
	names []string
	packs map[string]*index.Pack
}

// OpenFiles opens the docpacks at paths. Each is named after its repository
// (or its first crate); a name taken twice gets the file's base name after it.
func OpenFiles(paths []string) (*Files, error) {
	f := &Files{packs: map[string]*index.Pack{}}
	for _, p := range paths {
		pk, err := index.Open(p)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		name := packName(pk.Index)
		if _, dup := f.packs[name]; dup || name == "" {
			name = strings.TrimSuffix(name+"@"+filepath.Base(p), ".docpack")
		}
		f.packs[name] = pk
		f.names = append(f.names, name)
	}
	sort.Strings(f.names)
	return f, nil
}

func packName(x *index.Index) string {
	if n := x.Manifest.Repository.Name; n != "" {
		return n
	}
	if len(x.Manifest.Crates) > 0 {
		return x.Manifest.Crates[0].Name
	}
	return ""
}

func infoOf(name string, x *index.Index) PackInfo {
	info := PackInfo{Name: name, Commit: x.Manifest.Repository.CommitSHA, Symbols: x.Len(), Crates: []string{}}
	for _, c := range x.Manifest.Crates {
		info.Crates = append(info.Crates, c.Name)
	}
	return info
}

// Packs lists the files' docpacks.
func (f *Files) Packs(context.Context) ([]PackInfo, error) {
	out := make([]PackInfo, 0, len(f.names))
	for _, n := range f.names {
		out = append(out, infoOf(n, f.packs[n].Index))
	}
	return out, nil
}

// Open returns an opened docpack.
func (f *Files) Open(_ context.Context, name string) (*index.Index, error) {
	p, ok := f.packs[name]
	if !ok {
		return nil, fmt.Errorf("no docpack %q", name)
	}
	return p.Index, nil
}

// Close closes every file.
func (f *Files) Close() error {
	for _, p := range f.packs {
		p.Close()
	}
	return nil
}

// Relay is a Library over a relay's commons: the latest docpack of each
// repository, downloaded into a cache directory the first time it is asked for.
type Relay struct {
	URL    string
	Dir    string
	Client *http.Client

	mu      sync.Mutex
	entries map[string]api.Entry
	names   []string
	open    map[string]*index.Pack
}

// NewRelay returns a Library reading the relay at url, caching docpacks in dir.
func NewRelay(url, dir string, client *http.Client) *Relay {
	if client == nil {
		client = http.DefaultClient
	}
	return &Relay{URL: url, Dir: dir, Client: client, open: map[string]*index.Pack{}}
}

// Packs lists the relay's repositories, newest docpack of each.
func (r *Relay) Packs(ctx context.Context) ([]PackInfo, error) {
	if err := r.load(ctx); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]PackInfo, 0, len(r.names))
	for _, n := range r.names {
		e := r.entries[n]
		// The relay's crate cards, before the docpack is downloaded.
		info := PackInfo{Name: n, Commit: e.SHA, Symbols: e.SymbolCount, Crates: []string{}}
		for _, c := range e.Crates {
			info.Crates = append(info.Crates, c.Name)
		}
		if p, ok := r.open[n]; ok {
			info = infoOf(n, p.Index)
		}
		out = append(out, info)
	}
	return out, nil
}

func (r *Relay) load(ctx context.Context) error {
	r.mu.Lock()
	loaded := r.entries != nil
	r.mu.Unlock()
	if loaded {
		return nil
	}
	list, err := (&api.Client{Base: r.URL, HTTP: r.Client}).List(ctx)
	if err != nil {
		return err
	}
	entries := map[string]api.Entry{}
	var names []string
	for _, e := range list { // newest first: keep the first of each repository
		n := e.Owner + "/" + e.Repo
		if _, ok := entries[n]; ok {
			continue
		}
		entries[n] = e
		names = append(names, n)
	}
	sort.Strings(names)
	r.mu.Lock()
	r.entries, r.names = entries, names
	r.mu.Unlock()
	return nil
}

// Open downloads (once) and opens a repository's docpack.
func (r *Relay) Open(ctx context.Context, name string) (*index.Index, error) {
	if err := r.load(ctx); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if p, ok := r.open[name]; ok {
		return p.Index, nil
	}
	e, ok := r.entries[name]
	if !ok {
		return nil, fmt.Errorf("no docpack %q on %s", name, r.URL)
	}
	path, err := (&api.Client{Base: r.URL, HTTP: r.Client}).Download(ctx, r.Dir, e)
	if err != nil {
		return nil, err
	}
	p, err := index.Open(path)
	if err != nil {
		return nil, err
	}
	r.open[name] = p
	return p.Index, nil
}

// Close closes the opened docpacks.
func (r *Relay) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.open {
		p.Close()
	}
	return nil
}
