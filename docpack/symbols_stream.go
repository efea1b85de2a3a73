package docpack

import (
	"archive/zip"
	"bytes"
	"errors"
	"hash/crc32"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// errNotStrict says symbols.json holds a symbol a strict scan does not take.
var errNotStrict = errors.New("symbols.json is not all strictly valid")

// symbolChunkBytes is how much of symbols.json is decompressed before the
// lines read so far are handed to a decoding goroutine.
const symbolChunkBytes = 1 << 20

// readSymbols reads and decodes symbols.json while it is decompressed: the
// entry is cut into runs of whole lines (the writer puts one symbol on each)
// that goroutines decode as the next run is inflated, so decoding overlaps
// decompression and no buffer of the whole entry is ever grown or copied.
// It checks the entry exactly as readEntry does (limits, declared size,
// CRC-32) before anything decoded is used. A run the fast decoder cannot take
// exactly, or runs that do not join into one array, send the whole entry to
// decodeSymbols and so to encoding/json.
//
// hint is how many symbols the manifest says there are: runs of the writer's
// format then decode into one slice of that size, with no copy at the end.
//
// strict is the validator's: every symbol must be scanned strictly (one the
// schema accepts as it is), and instead of the fallback to encoding/json the
// result is errNotStrict, the validator's cue to check the entry by schema.
func (a *archive) readSymbols(f *zip.File, hint int, strict bool) ([]Symbol, error) {
	src, done, err := a.openEntry(f)
	if err != nil {
		return nil, err
	}
	defer done()
	declared := f.UncompressedSize64
	lr := io.LimitReader(src, int64(declared)+1)
	chunkSize := min(symbolChunkBytes, a.sizeHint(f)+1)
	// The writer's lines are over 150 bytes: a manifest that claims more
	// symbols than that allows cannot make the reader allocate more.
	runs := newSymbolRuns(min(max(hint, 0), a.sizeHint(f)/150+1))
	var (
		wg     sync.WaitGroup
		failed atomic.Bool
		sem    = make(chan struct{}, runtime.GOMAXPROCS(0))
		crc    uint32
		total  uint64
		tail   []byte // the start of a line not yet ended
	)
	dispatch := func(data []byte, final bool) {
		c := runs.add(data, final)
		if failed.Load() {
			return
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if !c.decode(strict) {
				failed.Store(true)
			}
		})
	}
	var readErr error
	for readErr == nil {
		// Each run gets fresh memory: decoded strings point into it.
		buf := make([]byte, len(tail), max(chunkSize, 2*len(tail)))
		copy(buf, tail)
		start := len(tail)
		for len(buf) < cap(buf) {
			n, err := lr.Read(buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
			if err != nil {
				readErr = err
				break
			}
		}
		crc = crc32.Update(crc, crc32.IEEETable, buf[start:])
		total += uint64(len(buf) - start)
		if readErr != nil {
			tail = nil
			if len(buf) > 0 {
				dispatch(buf, true)
			}
			break
		}
		cut := bytes.LastIndexByte(buf, '\n') + 1
		if cut == 0 { // a line longer than the run: read on
			tail = buf
			continue
		}
		tail = buf[cut:]
		dispatch(buf[:cut:cut], false)
	}
	wg.Wait()
	if readErr != io.EOF {
		return nil, entryErr(f.Name, ErrCorrupt, "%v", readErr)
	}
	if err := checkEntry(f, total, crc); err != nil {
		return nil, err
	}
	if !failed.Load() {
		if syms, ok := runs.join(); ok {
			return syms, nil
		}
	}
	if strict {
		return nil, errNotStrict
	}
	whole := make([]byte, 0, total)
	for _, c := range runs.chunks {
		whole = append(whole, c.data...)
	}
	syms, err := decodeSymbols(whole)
	if err != nil {
		return nil, entryErr(SymbolsName, ErrBadSymbols, "%v", err)
	}
	return syms, nil
}

// symTok is one token of symbols.json at the array level.
type symTok uint8

const (
	tokNone  symTok = iota
	tokOpen         // [
	tokClose        // ]
	tokComma        // ,
	tokValue        // a symbol object or null
)

// follows reports whether token b may come right after a in symbols.json,
// whose tokens are "[", then "]" or values separated by ",", then "]".
func follows(a, b symTok) bool {
	switch a {
	case tokOpen:
		return b == tokValue || b == tokClose
	case tokValue:
		return b == tokComma || b == tokClose
	case tokComma:
		return b == tokValue
	}
	return false
}

// symbolChunk is a run of symbols.json cut after a newline, decoded on its
// own. Valid JSON has newlines only between tokens, so each run is a sequence
// of whole array-level tokens; joinSymbolChunks checks the sequences join.
type symbolChunk struct {
	data []byte
	// dst, when not nil, is where in the shared slice the run's symbols go:
	// as long as the run's count was guessed right, decode appends into it.
	dst         []Symbol
	syms        []Symbol
	first, last symTok
}

// symbolRuns collects the runs of one symbols.json in order.
type symbolRuns struct {
	chunks []*symbolChunk
	all    []Symbol // shared by the runs whose counts were guessed
	used   int      // how much of all is given to runs
}

func newSymbolRuns(capacity int) *symbolRuns {
	return &symbolRuns{all: make([]Symbol, capacity)}
}

// add appends the next run. A run whose symbols fit after the previous runs'
// in the shared slice gets that place; final says it is the last run.
func (r *symbolRuns) add(data []byte, final bool) *symbolChunk {
	c := &symbolChunk{data: data}
	if n := guessSymbols(data, len(r.chunks) == 0, final); r.used >= 0 && r.used+n <= len(r.all) {
		c.dst = r.all[r.used : r.used : r.used+n]
		r.used += n
	} else {
		r.used = -1 // a later run cannot follow on without a gap
	}
	r.chunks = append(r.chunks, c)
	return c
}

// guessSymbols counts the symbols of a run written as the writer writes
// symbols.json: one per line, with "[" and "]" on lines of their own.
func guessSymbols(data []byte, first, final bool) int {
	n := bytes.Count(data, []byte{'\n'})
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	if first && bytes.HasPrefix(data, []byte("[\n")) {
		n--
	}
	if t := bytes.TrimSuffix(data, []byte{'\n'}); final && bytes.HasSuffix(t, []byte("]")) && (len(t) == 1 || t[len(t)-2] == '\n') {
		n--
	}
	return max(n, 0)
}

// decode decodes the run's tokens and checks each follows the one before. It
// returns false when the run holds anything the fast decoder does not take
// exactly (strictly, with strict). The symbols' strings point into data.
func (c *symbolChunk) decode(strict bool) bool {
	if len(c.data) == 0 {
		return true
	}
	// Depth 1: the run is inside the array, as encoding/json counts it.
	d := &symScanner{s: unsafe.String(&c.data[0], len(c.data)), depth: 1, strict: strict}
	if c.syms = c.dst; c.syms == nil {
		c.syms = make([]Symbol, 0, bytes.Count(c.data, []byte{'\n'})+1)
	}
	for {
		d.ws()
		if d.i == len(d.s) {
			return true
		}
		var t symTok
		switch d.s[d.i] {
		case '[':
			t = tokOpen
			d.i++
		case ']':
			t = tokClose
			d.i++
		case ',':
			t = tokComma
			d.i++
		case 'n':
			if strict || !d.lit("null") {
				return false // the schema wants an object
			}
			t = tokValue
			c.syms = append(c.syms, Symbol{})
		case '{':
			t = tokValue
			c.syms = append(c.syms, Symbol{})
			if d.symbol(&c.syms[len(c.syms)-1]) != nil {
				return false
			}
		default:
			return false
		}
		if c.first == tokNone {
			c.first = t
		} else if !follows(c.last, t) {
			return false
		}
		c.last = t
	}
}

// join joins decoded runs into the symbols of the whole array, or returns
// false when their tokens do not make one "[…]". When every run's symbols are
// where add placed them, the shared slice is the result, uncopied.
func (r *symbolRuns) join() ([]Symbol, bool) {
	prev, n, inPlace := tokNone, 0, true
	for _, c := range r.chunks {
		// A run that outgrew its place was moved by append; one that fell
		// short leaves a gap.
		inPlace = inPlace && c.dst != nil && len(c.syms) == cap(c.dst) && (len(c.syms) == 0 || &c.syms[0] == &c.dst[:1][0])
		if c.first == tokNone {
			continue
		}
		if prev == tokNone && c.first != tokOpen || prev != tokNone && !follows(prev, c.first) {
			return nil, false
		}
		prev = c.last
		n += len(c.syms)
	}
	if prev != tokClose {
		return nil, false
	}
	if inPlace {
		return r.all[:n:n], true
	}
	syms := make([]Symbol, 0, n)
	for _, c := range r.chunks {
		syms = append(syms, c.syms...)
	}
	return syms, true
}
