package docpack

import (
	"archive/zip"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/bits"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/klauspost/compress/flate"
)

// WriteOptions tune WriteContext and WriteFileContext.
type WriteOptions struct {
	// Workers bounds the entries encoded and compressed at once; <=0 means
	// GOMAXPROCS. The output does not depend on it.
	Workers int
	// OnProgress, when set, is called from the writing goroutine as entries
	// are written (every few hundred, and after the last one).
	OnProgress func(done, total int)
	// Doc, when set, makes the doc written for symbols[i] from its entry in
	// the docs map (ok is false when it has none), and every symbol gets a
	// doc (docs of ids symbols lacks are left out). It is called by the packing workers, several at once, as the
	// entries are made: a build writes docs this way rather than holding
	// every one at once (winapi's 145,198 extractive docs are about 50 MB).
	// scratch is the calling worker's own: the doc's strings may be made in
	// it (Scratch.String), as they live only until the doc is encoded.
	Doc func(i int, d Doc, ok bool, scratch *Scratch) Doc
}

// Write writes a docpack to w with no way to cancel it; see WriteContext.
func Write(w io.Writer, m *Manifest, symbols []Symbol, docs map[string]Doc) error {
	return WriteContext(context.Background(), w, m, symbols, docs, WriteOptions{})
}

// WriteFile writes a docpack to path with no way to cancel it; see
// WriteFileContext.
func WriteFile(path string, m *Manifest, symbols []Symbol, docs map[string]Doc) error {
	return WriteFileContext(context.Background(), path, m, symbols, docs, WriteOptions{})
}

// Entries of one job: a doc job covers this many docs, a symbols.json chunk
// this many symbols. Fixed, so the bytes never depend on the worker count.
const (
	docsPerJob    = 256
	symbolsPerJob = 2048
	jobsInFlight  = 4 // per worker: bounds the memory held by finished jobs
	progressEvery = 1024
	// Measured on winapi's 50,764 docs (median 215 bytes as compact JSON):
	// deflate takes them from 11.2 MB to 8.9 MB but costs 50–100 µs each
	// (a Huffman table per entry), more than the rest of packaging together,
	// so entries under storeBelow are stored. Deflate is klauspost/compress's
	// (the reader's stays the standard library's): at level 1 on symbols.json
	// lines it is twice as fast as compress/flate's level 1 (300 vs 155 MB/s)
	// and packs them smaller (5.97% vs 6.78% of their size).
	storeBelow     = 1 << 10
	compressLevel  = flate.BestSpeed
	symbolsLineSep = ",\n"
	chunkFeed      = 64 << 10
)

// WriteContext writes a docpack to w: manifest.json, symbols.json (one compact
// symbol per line) and one compact docs/{id}.json per doc, in that order, with
// fixed timestamps, so the same input gives the same bytes whatever the
// worker count. Entries are encoded and deflated by a pool of workers, each
// reusing its encoder and compressor; small entries (nearly every doc), and
// any that deflate does not make smaller, are stored. symbols.json is
// deflated in independent chunks (each ending on a byte boundary, the last
// one final), which concatenate into one valid deflate stream, each
// checksummed by its worker; the writer writes each as it comes, combines
// the CRCs and ends the entry with a data descriptor. The archive is written
// by zipWriter, as archive/zip writes it. ctx is checked between jobs: a
// cancelled write returns ctx.Err().
func WriteContext(ctx context.Context, w io.Writer, m *Manifest, symbols []Symbol, docs map[string]Doc, opts WriteOptions) error {
	return write(ctx, writerSink{w}, m, symbols, docs, opts)
}

// write is WriteContext with the archive's bytes given to sink.
func write(ctx context.Context, sink bufferSink, m *Manifest, symbols []Symbol, docs map[string]Doc, opts WriteOptions) error {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	stamp := m.GeneratedAt
	if stamp.IsZero() {
		stamp = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	// The jobs, in output order: the manifest, symbols.json's chunks, then
	// the docs in id order. Each is done by one worker into its own result;
	// the writing goroutine takes the results in this order. The doc
	// entries are listed and sorted on a goroutine of their own while the
	// workers make symbols.json, not before (winapi's 145,198 ids: ~30 ms
	// with the workers waiting).
	manifestJob := func(p *packer, r *jobResult) error {
		p.raw.Reset()
		enc := json.NewEncoder(&p.raw)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(m); err != nil {
			return fmt.Errorf("write manifest: %w", err)
		}
		r.data = append(r.data, p.raw.Bytes()...)
		return p.entry(r, refManifest, 0)
	}
	nsym := len(symbols)
	symbolsJob := func(lo int) func(*packer, *jobResult) error {
		hi := min(lo+symbolsPerJob, nsym)
		return func(p *packer, r *jobResult) error {
			if err := p.symbolsChunk(r, symbols[lo:hi], lo == 0, hi == nsym); err != nil {
				return fmt.Errorf("write symbols: %w", err)
			}
			return nil
		}
	}
	// list is set by the starting goroutine before it starts the first
	// doc job, and read by workers and the writer only after they have
	// received one (or a later job).
	var list docList
	sorted := make(chan docList, 1)
	go func() { sorted <- docEntries(symbols, docs, opts.Doc != nil) }()
	docsJob := func(lo int) func(*packer, *jobResult) error {
		batch := list.entries[lo:min(lo+docsPerJob, len(list.entries))]
		return func(p *packer, r *jobResult) error {
			if cap(r.entries) < len(batch) {
				r.entries = make([]packedEntry, 0, len(batch))
			}
			if cap(r.data) == 0 {
				r.data = make([]byte, 0, len(batch)*docBytes)
			}
			if opts.Doc != nil {
				p.touch = touchSymbols(symbols, batch)
			}
			for k, de := range batch {
				ref := int32(lo + k)
				var d Doc
				var ok bool
				if len(docs) > 0 {
					p.name = list.id(p.name[:0], ref)
					d, ok = docs[string(p.name)]
				}
				if opts.Doc != nil {
					p.scratch.b = p.scratch.b[:0]
					d = opts.Doc(int(de.sym), d, ok, &p.scratch)
				}
				start := len(r.data)
				r.data = appendDoc(r.data, &d)
				r.data = append(r.data, '\n') // as encoding/json's Encoder ends it
				if err := p.entry(r, ref, start); err != nil {
					return fmt.Errorf("write doc %s: %w", list.id(nil, ref), err)
				}
			}
			return nil
		}
	}
	ndocs := len(docs)
	if opts.Doc != nil {
		ndocs = len(symbols)
	}
	// jobs calls start for each job in order until it returns false.
	jobs := func(start func(func(*packer, *jobResult) error) bool) {
		if !start(manifestJob) {
			return
		}
		for lo := 0; lo < nsym || lo == 0; lo += symbolsPerJob {
			if !start(symbolsJob(lo)) {
				return
			}
		}
		list = <-sorted
		for lo := 0; lo < len(list.entries); lo += docsPerJob {
			if !start(docsJob(lo)) {
				return
			}
		}
	}

	// Start the jobs in order, at most workers*jobsInFlight ahead of the
	// writer; each result is taken from its own channel, in order.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make(chan chan *jobResult, workers*jobsInFlight)
	work := make(chan func(*packer), workers)
	// Written results come back for later jobs to reuse their buffers (a
	// doc job's are 64 KB): winapi has 568 doc jobs, whose buffers were a
	// third of the package stage's allocations.
	free := make(chan *jobResult, workers*(jobsInFlight+1))
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			p := newPacker()
			for f := range work {
				f(p)
			}
		})
	}
	go func() {
		defer close(results)
		defer close(work)
		jobs(func(job func(*packer, *jobResult) error) bool {
			done := make(chan *jobResult, 1)
			select {
			case results <- done:
			case <-ctx.Done():
				return false
			}
			work <- func(p *packer) {
				var r *jobResult
				select {
				case r = <-free:
					r.entries, r.data = r.entries[:0], r.data[:0]
				default:
					r = &jobResult{}
				}
				if r.err = ctx.Err(); r.err == nil {
					r.err = job(p, r)
				}
				done <- r
			}
			return true
		})
	}()
	defer wg.Wait()
	// A failed write stops the producer; drain what was started so no worker
	// blocks on a full channel.
	defer func() {
		cancel()
		for range results {
		}
	}()

	total := 1 + 1 + ndocs
	z := newZipWriter(sink, total, stamp, func(b []byte, ref int32) []byte {
		switch ref {
		case refManifest:
			return append(b, ManifestName...)
		case refSymbols:
			return append(b, SymbolsName...)
		}
		b = append(b, DocsDir...)
		b = list.id(b, ref)
		return append(b, ".json"...)
	})
	written := 0
	// symbols.json is written as its chunks come, after a local header
	// that leaves its CRC and sizes to a data descriptor, so no chunk is
	// held once written (winapi's deflate to 13 MB).
	var symCRC uint32
	var symSize uint64
	for done := range results {
		r := <-done
		if r.err != nil {
			return r.err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		for i := range r.entries {
			e := &r.entries[i]
			var err error
			if e.chunk {
				if e.first {
					err = z.begin(refSymbols, zip.Deflate)
				}
				if err == nil {
					err = z.write(e.data(r))
				}
				symCRC = crc32Combine(symCRC, e.crc, int64(e.size))
				symSize += e.size
				if err == nil && !e.last {
					continue
				}
				if err == nil {
					err = z.end(symCRC, symSize)
				}
			} else {
				err = z.add(e.ref, e.method, e.crc, e.size, e.data(r))
			}
			if err != nil {
				return fmt.Errorf("write %s: %w", z.name(nil, e.ref), err)
			}
			written++
			if opts.OnProgress != nil && (written%progressEvery == 0 || written == total) {
				opts.OnProgress(written, total)
			}
		}
		select {
		case free <- r:
		default:
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := z.close(); err != nil {
		return fmt.Errorf("write docpack: %w", err)
	}
	return nil
}

// The refs of the entries that are not docs (a doc's is its index in the
// doc entries).
const (
	refManifest int32 = -1
	refSymbols  int32 = -2
)

// docList is the docs/{id}.json entries to write, in id order: for each,
// the index in symbols of the symbol it documents (-1 when only the docs
// map has it) and its id.
type docList struct {
	entries []docEntry
	// ids, when not nil, holds the entries' ids (entries[i].key is i);
	// when nil every id is 16 lowercase hex digits, entries[i].key's.
	ids []string
}

// docEntry is one entry of a docList.
type docEntry struct {
	key uint64
	sym int32
}

// id appends the id of the i-th entry.
func (l *docList) id(b []byte, i int32) []byte {
	if l.ids != nil {
		return append(b, l.ids[i]...)
	}
	k := l.entries[i].key
	for shift := 60; shift >= 0; shift -= 4 {
		b = append(b, hexDigits[k>>uint(shift)&0xf])
	}
	return b
}

// docEntries lists the doc entries in id order: those of the docs map, or with
// every set, one per symbol. Every symbol id a build makes is 16 lowercase
// hex digits (NewID), whose order is that of the numbers they write: the
// entries are sorted as those numbers, with no string compared (winapi's
// 145,302 ids: 28 ms against 44 ms of CPU, each comparison two reads of strings
// spread over the heap), and a name is written from its number.
func docEntries(symbols []Symbol, docs map[string]Doc, every bool) docList {
	if every && len(symbols) <= math.MaxInt32 {
		if out, ok := hexEntries(symbols); ok {
			return docList{entries: out}
		}
	}
	type named struct {
		id  string
		sym int32
	}
	var all []named
	if every {
		all = make([]named, len(symbols))
		for i := range symbols {
			all[i] = named{symbols[i].ID, int32(i)}
		}
	} else {
		all = make([]named, 0, len(docs))
		for id := range docs {
			all = append(all, named{id, -1})
		}
	}
	slices.SortFunc(all, func(a, b named) int {
		if c := strings.Compare(a.id, b.id); c != 0 {
			return c
		}
		return cmp.Compare(a.sym, b.sym)
	})
	l := docList{entries: make([]docEntry, len(all)), ids: make([]string, len(all))}
	for i, n := range all {
		l.entries[i] = docEntry{uint64(i), n.sym}
		l.ids[i] = n.id
	}
	return l
}

// hexEntries is one entry per symbol, sorted by key and then symbol, when
// every id is hexID's. The ids are hashes, evenly spread: the entries are
// placed in buckets by their keys' top bits (about two to a bucket, in
// symbol order) and each bucket is sorted in place, a pass over the keys and
// one over the entries instead of a comparison sort's log n (winapi's
// 145,302 entries: 17 → ~3 ms; the ids read 15 → ~4 ms with a table for
// the digits). A bucket that holds more than sortedBucket, as an uneven set
// of ids would make, is sorted as a whole.
func hexEntries(symbols []Symbol) ([]docEntry, bool) {
	n := len(symbols)
	keys := make([]uint64, n)
	for i := range symbols {
		k, ok := hexID(symbols[i].ID)
		if !ok {
			return nil, false
		}
		keys[i] = k
	}
	shift := 64 - min(max(bits.Len(uint(n)), 1), 16)
	starts := make([]int32, 1<<(64-shift)+1)
	for _, k := range keys {
		starts[k>>shift+1]++
	}
	for b := 1; b < len(starts); b++ {
		starts[b] += starts[b-1]
	}
	out := make([]docEntry, n)
	next := slices.Clone(starts[:len(starts)-1])
	for i, k := range keys {
		b := k >> shift
		out[next[b]] = docEntry{k, int32(i)}
		next[b]++
	}
	for b := 0; b+1 < len(starts); b++ {
		run := out[starts[b]:starts[b+1]]
		if len(run) > sortedBucket {
			slices.SortFunc(run, func(a, b docEntry) int {
				if c := cmp.Compare(a.key, b.key); c != 0 {
					return c
				}
				return cmp.Compare(a.sym, b.sym)
			})
			continue
		}
		// Insertion sort, stable: a bucket's entries are in symbol order.
		for i := 1; i < len(run); i++ {
			e := run[i]
			j := i
			for j > 0 && run[j-1].key > e.key {
				run[j] = run[j-1]
				j--
			}
			run[j] = e
		}
	}
	return out, true
}

const sortedBucket = 32

// hexValue is each byte's value as a lowercase hex digit, badHex if it is
// not one.
var hexValue = func() (t [256]byte) {
	for i := range t {
		t[i] = badHex
	}
	for i := range 16 {
		t[hexDigits[i]] = byte(i)
	}
	return t
}()

const badHex = 0x10

// hexID is the number id writes when it is 16 lowercase hex digits.
func hexID(id string) (uint64, bool) {
	if len(id) != 16 {
		return 0, false
	}
	var k uint64
	var bad byte
	for i := 0; i < 16; i++ {
		v := hexValue[id[i]]
		bad |= v
		k = k<<4 | uint64(v&0xf)
	}
	return k, bad&badHex == 0
}

// WriteFileContext writes a docpack to path atomically: it writes a temporary
// file in the same directory and renames it into place, so a failed or
// cancelled write never leaves a half-finished docpack at path.
func WriteFileContext(ctx context.Context, path string, m *Manifest, symbols []Symbol, docs map[string]Doc, opts WriteOptions) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".docpack-*.tmp")
	if err != nil {
		return fmt.Errorf("write docpack: %w", err)
	}
	wb := newFileWriter(tmp)
	defer func() {
		if err != nil {
			wb.wait()
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = write(ctx, wb, m, symbols, docs, opts); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write docpack: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write docpack: %w", err)
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write docpack: %w", err)
	}
	// The last moment to give up: after the rename the docpack is done.
	if err = ctx.Err(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write docpack: %w", err)
	}
	return nil
}

// fileWriter writes the docpack's bytes to f on a goroutine of its own: the
// zipWriter fills fileBuffer-sized buffers and hands each over as it fills,
// so the write(2) calls (winapi with every feature: 59 MB, ~90 ms of the
// kernel's CPU, on the writing goroutine the docs' jobs waited for) run
// beside the packing. After each writebackChunk written, the goroutine has
// the kernel start writing it to the disk, so that the fsync before the
// rename waits for the last chunk and not the whole file (winapi: an fsync
// of 28–43 ms on the writing goroutine; 1 MB chunks left object's and
// gimli's 2–4 MB less to wait for than 4 MB ones).
type fileWriter struct {
	f          *os.File
	full, free chan []byte
	done       chan struct{}
	closed     bool
	mu         sync.Mutex
	err        error // the first write's error
}

const (
	writebackChunk = 1 << 20
	fileBuffer     = 256 << 10
	fileBuffers    = 4 // in flight at most: the writer's and the goroutine's
)

func newFileWriter(f *os.File) *fileWriter {
	w := &fileWriter{f: f, full: make(chan []byte, fileBuffers), free: make(chan []byte, fileBuffers), done: make(chan struct{})}
	for range fileBuffers - 1 {
		w.free <- nil // made when first taken
	}
	go w.run()
	return w
}

func (w *fileWriter) run() {
	defer close(w.done)
	var off, started int64
	for b := range w.full {
		if w.failed() == nil {
			n, err := w.f.Write(b)
			if err != nil {
				w.mu.Lock()
				w.err = err
				w.mu.Unlock()
			}
			off += int64(n)
			if off-started >= writebackChunk {
				startWriteback(w.f, started, off-started)
				started = off
			}
		}
		w.free <- b[:0]
	}
}

func (w *fileWriter) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *fileWriter) first() []byte { return make([]byte, 0, fileBuffer) }

func (w *fileWriter) swap(b []byte) ([]byte, error) {
	if err := w.failed(); err != nil {
		return b[:0], err
	}
	w.full <- b
	next := <-w.free
	if next == nil {
		next = make([]byte, 0, fileBuffer)
	}
	return next, nil
}

func (w *fileWriter) finish(b []byte) error {
	if len(b) > 0 {
		w.full <- b
	}
	w.wait()
	return w.failed()
}

// wait returns once the goroutine is done with f.
func (w *fileWriter) wait() {
	if !w.closed {
		w.closed = true
		close(w.full)
		<-w.done
	}
}

// packedEntry is one zip entry ready to be written, or one chunk of
// symbols.json.
type packedEntry struct {
	ref    int32 // refManifest, or the doc entry's index
	method uint16
	crc    uint32
	size   uint64 // uncompressed
	// The entry's bytes as stored in the archive are its job's
	// data[start:end].
	start, end int
	// A chunk of symbols.json: its crc and size are the chunk's own.
	chunk, first, last bool
}

func (e *packedEntry) data(r *jobResult) []byte { return r.data[e.start:e.end] }

// jobResult is what one job made: its entries, whose bytes are all in data
// (one buffer for a job's 256 docs, not one allocation each).
type jobResult struct {
	entries []packedEntry
	data    []byte
	err     error
}

// docBytes is what a doc job's buffer starts with per doc: winapi's compact
// docs are 215 bytes at the median.
const docBytes = 256

// packer is one worker's reusable state: buffers and a deflate compressor
// (symbols and docs are encoded by appendSymbol and appendDoc).
type packer struct {
	raw  bytes.Buffer
	out  bytes.Buffer
	sink appendWriter // a symbols.json chunk is deflated into its job's data
	// lines holds the lines of symbols.json on their way to the compressor.
	lines []byte
	// chunkOut is the deflated size of the last chunk this worker made.
	chunkOut int
	fw       *flate.Writer
	name     []byte // a doc's id, to look it up in the docs map
	touch    byte
	scratch  Scratch
}

// Scratch is a packing worker's buffer for the strings of the doc it is
// writing (WriteOptions.Doc), reused for its next doc: strings that live
// only until the doc is encoded are not allocated each (winapi's 136,000
// sentences made from signatures were 17 MB of the package stage's 37 MB).
type Scratch struct{ b []byte }

// String returns, as a string, the bytes add appends to the scratch. The
// string is valid until the worker's next doc, which overwrites it: a doc
// that outlives its encoding (a docs map) must not hold one.
func (s *Scratch) String(add func(b []byte) []byte) string {
	start := len(s.b)
	s.b = add(s.b)
	if len(s.b) == start {
		return ""
	}
	// The bytes are not written again until the next doc: appending
	// past cap moves only later strings to a new array.
	return unsafe.String(&s.b[start], len(s.b)-start)
}

// touchSymbols reads the first byte of what a doc is written from, for each
// symbol of a doc job, before any doc is written: a job's symbols are spread
// over the whole array (its docs are in id order, a hash's), and these reads,
// independent of one another, overlap their cache misses, where the doc
// writer met them one after another.
func touchSymbols(symbols []Symbol, batch []docEntry) byte {
	var t byte
	for _, de := range batch {
		s := &symbols[de.sym]
		t |= first(s.ID) | first(s.Name) | first(s.DocComments) | first(s.InheritedDoc) | first(s.Signature)
	}
	return t
}

// touchBlock is how many symbols symbolsChunk reads ahead of encoding
// them, as touchSymbols does.
const touchBlock = 64

// touchBlockSymbols reads the first byte of the strings appendSymbol
// encodes, for each of symbols.
func touchBlockSymbols(symbols []Symbol) byte {
	var t byte
	for i := range symbols {
		s := &symbols[i]
		t |= first(s.ID) | first(s.Name) | first(s.Path) | first(s.Signature) | first(s.File) | first(s.DocComments) | first(s.SourceHash) | first(s.Cfg)
		if len(s.Attributes) > 0 {
			t |= first(s.Attributes[0])
		}
		if len(s.Dependencies) > 0 {
			t |= first(s.Dependencies[0])
		}
	}
	return t
}

func first(s string) byte {
	if s == "" {
		return 0
	}
	return s[0]
}

func newPacker() *packer {
	p := &packer{lines: make([]byte, 0, 2*chunkFeed)}
	p.fw, _ = flate.NewWriter(&p.out, compressLevel) // only fails on a bad level
	return p
}

// entry makes r.data[start:], the bytes of one file, a new entry of r: stored
// when they are small or deflate does not make them smaller, else replaced
// by their deflated bytes.
func (p *packer) entry(r *jobResult, ref int32, start int) error {
	raw := r.data[start:]
	e := packedEntry{ref: ref, method: zip.Store, crc: crc32.ChecksumIEEE(raw), size: uint64(len(raw)), start: start, end: len(r.data)}
	if len(raw) >= storeBelow {
		p.out.Reset()
		p.fw.Reset(&p.out)
		if _, err := p.fw.Write(raw); err != nil {
			return err
		}
		if err := p.fw.Close(); err != nil {
			return err
		}
		if p.out.Len() < len(raw) {
			r.data = append(r.data[:start], p.out.Bytes()...)
			e.method, e.end = zip.Deflate, len(r.data)
		}
	}
	r.entries = append(r.entries, e)
	return nil
}

// symbolsChunk encodes one run of symbols.json's lines and deflates them as
// a run of blocks: flushed to a byte boundary, final only for the last chunk.
// The lines go to the compressor every chunkFeed bytes, checksummed as they
// go, rather than the whole chunk encoded first (object's 2048 symbols are
// 1.2 MB, a buffer each worker grew by doubling on every build); deflate's
// output does not depend on how its input is split into writes.
func (p *packer) symbolsChunk(r *jobResult, symbols []Symbol, first, last bool) error {
	// The deflated chunk goes to a buffer the size of this worker's last
	// one and a quarter, not one grown by doubling from nothing.
	if cap(r.data) < p.chunkOut {
		r.data = make([]byte, 0, p.chunkOut+p.chunkOut/4)
	}
	p.sink.b = r.data[:0]
	p.fw.Reset(&p.sink)
	var crc uint32
	var size uint64
	b := p.lines[:0]
	feed := func() error {
		crc = crc32.Update(crc, crc32.IEEETable, b)
		size += uint64(len(b))
		_, err := p.fw.Write(b)
		b = b[:0]
		return err
	}
	if first {
		b = append(b, '[')
	}
	for i := range symbols {
		if i%touchBlock == 0 {
			p.touch = touchBlockSymbols(symbols[i:min(i+touchBlock, len(symbols))])
		}
		if i > 0 || !first {
			b = append(b, ',')
		}
		b = append(b, '\n')
		b = appendSymbol(b, &symbols[i])
		if len(b) >= chunkFeed {
			if err := feed(); err != nil {
				return err
			}
		}
	}
	if last {
		b = append(b, "\n]\n"...)
	}
	if err := feed(); err != nil {
		return err
	}
	p.lines = b
	var err error
	if last {
		err = p.fw.Close()
	} else {
		err = p.fw.Flush()
	}
	if err != nil {
		return err
	}
	r.data, p.sink.b = p.sink.b, nil
	p.chunkOut = len(r.data)
	r.entries = append(r.entries, packedEntry{
		method: zip.Deflate, chunk: true, first: first, last: last,
		crc: crc, size: size, end: len(r.data),
	})
	return nil
}

// appendWriter appends what is written to b.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// msDosTime is t in the MS-DOS date and time fields of a zip header (two
// second resolution, years 1980–2107).
func msDosTime(t time.Time) (date, tm uint16) {
	y := min(max(t.Year(), 1980), 2107)
	date = uint16(t.Day() + int(t.Month())<<5 + (y-1980)<<9)
	tm = uint16(t.Second()/2 + t.Minute()<<5 + t.Hour()<<11)
	return date, tm
}
