package docpack

import (
	"archive/zip"
	"bytes"
	"hash/crc32"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

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
func (a *archive) readSymbols(f *zip.File) ([]Symbol, error) {
	src, done, err := a.openEntry(f)
	if err != nil {
		return nil, err
	}
	defer done()
	declared := f.UncompressedSize64
	lr := io.LimitReader(src, int64(declared)+1)
	chunkSize := min(symbolChunkBytes, a.sizeHint(f)+1)
	var (
		chunks []*symbolChunk
		wg     sync.WaitGroup
		failed atomic.Bool
		sem    = make(chan struct{}, runtime.GOMAXPROCS(0))
		crc    uint32
		total  uint64
		tail   []byte // the start of a line not yet ended
	)
	dispatch := func(data []byte) {
		c := &symbolChunk{data: data}
		chunks = append(chunks, c)
		if failed.Load() {
			return
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if !c.decode() {
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
				dispatch(buf)
			}
			break
		}
		cut := bytes.LastIndexByte(buf, '\n') + 1
		if cut == 0 { // a line longer than the run: read on
			tail = buf
			continue
		}
		tail = buf[cut:]
		dispatch(buf[:cut:cut])
	}
	wg.Wait()
	if readErr != io.EOF {
		return nil, entryErr(f.Name, ErrCorrupt, "%v", readErr)
	}
	if err := checkEntry(f, total, crc); err != nil {
		return nil, err
	}
	if !failed.Load() {
		if syms, ok := joinSymbolChunks(chunks); ok {
			return syms, nil
		}
	}
	whole := make([]byte, 0, total)
	for _, c := range chunks {
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
	data        []byte
	syms        []Symbol
	first, last symTok
}

// decode decodes the run's tokens and checks each follows the one before. It
// returns false when the run holds anything the fast decoder does not take
// exactly. The symbols' strings point into data.
func (c *symbolChunk) decode() bool {
	if len(c.data) == 0 {
		return true
	}
	// Depth 1: the run is inside the array, as encoding/json counts it.
	d := &symScanner{s: unsafe.String(&c.data[0], len(c.data)), depth: 1}
	c.syms = make([]Symbol, 0, bytes.Count(c.data, []byte{'\n'})+1)
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
			if !d.lit("null") {
				return false
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

// joinSymbolChunks joins decoded runs into the symbols of the whole array, or
// returns false when their tokens do not make one "[…]".
func joinSymbolChunks(chunks []*symbolChunk) ([]Symbol, bool) {
	prev, n := tokNone, 0
	for _, c := range chunks {
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
	var syms []Symbol
	for _, c := range chunks {
		if syms == nil && c.syms != nil && len(c.syms) == n {
			return c.syms, true // a single run: no copy
		}
		if syms == nil {
			syms = make([]Symbol, 0, n)
		}
		syms = append(syms, c.syms...)
	}
	if syms == nil {
		syms = []Symbol{}
	}
	return syms, true
}
