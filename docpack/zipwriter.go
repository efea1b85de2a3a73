package docpack

import (
	"encoding/binary"
	"errors"
	"io"
	"time"
)

// zipWriter writes a ZIP archive of entries whose bytes are already stored or
// deflated, byte for byte as archive/zip's Writer writes them through
// CreateRaw with the headers writeRaw used to give it (CreatorVersion and
// ReaderVersion 2.0, no flags but symbols.json's data descriptor, no extra
// fields but the zip64 ones, the MS-DOS time alone). What it keeps per entry
// for the central directory is that entry's record, appended as the entry is
// written, and not a *zip.FileHeader: winapi with every feature has 145,304
// entries, whose headers archive/zip held until the end of the write (43 MB
// of a package stage that holds the symbols besides), and whose records,
// made at the end from 40-byte summaries, each name looked up again, took
// 30–66 ms of the package stage with nothing else to do (10.5 MB, against
// the summaries' 5.8 MB). TestZipWriterMatchesArchiveZip holds the two to
// the same bytes.
type zipWriter struct {
	// out is the buffer being filled; sink takes it when it is full.
	out        []byte
	sink       bufferSink
	off        uint64
	date, time uint16
	// cdir is the central directory so far: records entries.
	cdir    []byte
	records uint64
	// name appends the name of the entry ref was given for.
	name func(b []byte, ref int32) []byte
	buf  []byte
	hdr  [directory64End + directory64Loc]byte // the largest fixed record
	// The entry begin started: its record, and where its data starts.
	open     dirRecord
	openData uint64
}

type dirRecord struct {
	offset, comp, size uint64
	crc                uint32
	method, flags      uint16
	ref                int32
}

const (
	zipVersion20    = 20
	zipVersion45    = 45
	uint16max       = 1<<16 - 1
	uint32max       = 1<<32 - 1
	fileHeaderLen   = 30
	directoryHdrLen = 46
	directoryEndLen = 22
	directory64End  = 56
	directory64Loc  = 20
	zip64ExtraLen   = 28
	sigFileHeader   = 0x04034b50
	sigDirectoryHdr = 0x02014b50
	sigDirectoryEnd = 0x06054b50
	sigDirectory64E = 0x06064b50
	sigDirectory64L = 0x07064b50
	sigDataDesc     = 0x08074b50
	zip64ExtraID    = 0x0001
	flagDataDesc    = 0x8 // CRC and sizes in a data descriptor after the data
	dataDescLen     = 16
	dataDesc64Len   = 24
	zipBufferSize   = 64 << 10
	dirNameBytes    = 26 // "docs/" + 16 hex digits + ".json"
)

// bufferSink takes the zipWriter's buffers as they fill: a file's go to a
// goroutine that writes them (fileWriter), any other writer's are written
// where they are (writerSink).
type bufferSink interface {
	// first returns the first buffer to fill.
	first() []byte
	// swap takes b, full, and returns the empty buffer to fill next.
	swap(b []byte) ([]byte, error)
	// finish takes the last buffer and returns once all are written.
	finish(b []byte) error
}

// writerSink writes each buffer to w and has it filled again.
type writerSink struct{ w io.Writer }

func (s writerSink) first() []byte { return make([]byte, 0, zipBufferSize) }

func (s writerSink) swap(b []byte) ([]byte, error) {
	_, err := s.w.Write(b)
	return b[:0], err
}

func (s writerSink) finish(b []byte) error {
	_, err := s.w.Write(b)
	return err
}

// newZipWriter writes to sink the entries named by name (n of them
// expected), all with the modification time stamp.
func newZipWriter(sink bufferSink, n int, stamp time.Time, name func(b []byte, ref int32) []byte) *zipWriter {
	z := &zipWriter{sink: sink, out: sink.first(), name: name, cdir: make([]byte, 0, n*(directoryHdrLen+dirNameBytes))}
	z.date, z.time = msDosTime(stamp.UTC())
	return z
}

// add writes one entry: its local header, then data, the entry's bytes as
// stored in the archive. size and crc are those of the uncompressed bytes.
func (z *zipWriter) add(ref int32, method uint16, crc uint32, size uint64, data []byte) error {
	r := dirRecord{offset: z.off, comp: uint64(len(data)), size: size, crc: crc, method: method, ref: ref}
	if err := z.header(&r); err != nil {
		return err
	}
	if err := z.write(data); err != nil {
		return err
	}
	z.record(&r, z.buf) // header left the name in z.buf
	return nil
}

// begin starts an entry whose bytes are written next (by write) and whose
// CRC and sizes end ends it with, in a data descriptor, as archive/zip's
// Writer writes an entry it compresses itself.
func (z *zipWriter) begin(ref int32, method uint16) error {
	z.open = dirRecord{offset: z.off, method: method, flags: flagDataDesc, ref: ref}
	if err := z.header(&z.open); err != nil {
		return err
	}
	z.openData = z.off
	return nil
}

// end writes the data descriptor of the entry begin started: crc and size
// of its uncompressed bytes, the compressed size counted since begin (8-byte
// sizes when either needs zip64, as archive/zip has it).
func (z *zipWriter) end(crc uint32, size uint64) error {
	r := z.open
	r.crc, r.size, r.comp = crc, size, z.off-z.openData
	le := binary.LittleEndian
	d := z.hdr[:dataDescLen]
	le.PutUint32(d[0:], sigDataDesc)
	le.PutUint32(d[4:], crc)
	if r.comp >= uint32max || r.size >= uint32max {
		d = z.hdr[:dataDesc64Len]
		le.PutUint64(d[8:], r.comp)
		le.PutUint64(d[16:], r.size)
	} else {
		le.PutUint32(d[8:], uint32(r.comp))
		le.PutUint32(d[12:], uint32(r.size))
	}
	if err := z.write(d); err != nil {
		return err
	}
	z.buf = z.name(z.buf[:0], r.ref)
	z.record(&r, z.buf)
	return nil
}

// header writes r's local header: its CRC and sizes, or zeros when a data
// descriptor has them.
func (z *zipWriter) header(r *dirRecord) error {
	z.buf = z.name(z.buf[:0], r.ref)
	if len(z.buf) > uint16max {
		return errors.New("zip: name too long")
	}
	h := z.hdr[:fileHeaderLen]
	clear(h)
	le := binary.LittleEndian
	le.PutUint32(h[0:], sigFileHeader)
	le.PutUint16(h[4:], zipVersion20)
	le.PutUint16(h[6:], r.flags)
	le.PutUint16(h[8:], r.method)
	le.PutUint16(h[10:], z.time)
	le.PutUint16(h[12:], z.date)
	if r.flags&flagDataDesc == 0 {
		le.PutUint32(h[14:], r.crc)
		le.PutUint32(h[18:], uint32(min(r.comp, uint32max)))
		le.PutUint32(h[22:], uint32(min(r.size, uint32max)))
	}
	le.PutUint16(h[26:], uint16(len(z.buf)))
	le.PutUint16(h[28:], 0) // extra
	if err := z.write(h); err != nil {
		return err
	}
	return z.write(z.buf)
}

func (z *zipWriter) write(p []byte) error {
	z.off += uint64(len(p))
	for {
		n := copy(z.out[len(z.out):cap(z.out)], p)
		z.out = z.out[:len(z.out)+n]
		if p = p[n:]; len(p) == 0 {
			return nil
		}
		var err error
		if z.out, err = z.sink.swap(z.out); err != nil {
			return err
		}
	}
}

// record appends r's central directory record, named name, to z.cdir.
func (z *zipWriter) record(r *dirRecord, name []byte) {
	le := binary.LittleEndian
	var h [directoryHdrLen]byte
	le.PutUint32(h[0:], sigDirectoryHdr)
	le.PutUint16(h[4:], zipVersion20) // creator
	le.PutUint16(h[6:], zipVersion20) // reader
	le.PutUint16(h[8:], r.flags)
	le.PutUint16(h[10:], r.method)
	le.PutUint16(h[12:], z.time)
	le.PutUint16(h[14:], z.date)
	le.PutUint32(h[16:], r.crc)
	zip64 := r.comp >= uint32max || r.size >= uint32max || r.offset >= uint32max
	if zip64 {
		le.PutUint32(h[20:], uint32max)
		le.PutUint32(h[24:], uint32max)
		le.PutUint16(h[30:], zip64ExtraLen)
	} else {
		le.PutUint32(h[20:], uint32(r.comp))
		le.PutUint32(h[24:], uint32(r.size))
	}
	le.PutUint16(h[28:], uint16(len(name)))
	// comment length, disk number, internal and external attributes: 0
	le.PutUint32(h[42:], uint32(min(r.offset, uint32max)))
	z.cdir = append(z.cdir, h[:]...)
	z.cdir = append(z.cdir, name...)
	if zip64 {
		var ext [zip64ExtraLen]byte
		le.PutUint16(ext[0:], zip64ExtraID)
		le.PutUint16(ext[2:], 24)
		le.PutUint64(ext[4:], r.size)
		le.PutUint64(ext[12:], r.comp)
		le.PutUint64(ext[20:], r.offset)
		z.cdir = append(z.cdir, ext[:]...)
	}
	z.records++
}

// close writes the central directory and the end records (zip64 ones past
// 65,534 entries, as archive/zip does) and flushes.
func (z *zipWriter) close() error {
	le := binary.LittleEndian
	start := z.off
	if err := z.write(z.cdir); err != nil {
		return err
	}
	end := z.off
	records, size, offset := z.records, end-start, start
	if records >= uint16max || size >= uint32max || offset >= uint32max {
		b := z.hdr[:]
		clear(b)
		le.PutUint32(b[0:], sigDirectory64E)
		le.PutUint64(b[4:], directory64End-12)
		le.PutUint16(b[12:], zipVersion45)
		le.PutUint16(b[14:], zipVersion45)
		// disk numbers: 0
		le.PutUint64(b[24:], records)
		le.PutUint64(b[32:], records)
		le.PutUint64(b[40:], size)
		le.PutUint64(b[48:], offset)
		le.PutUint32(b[56:], sigDirectory64L)
		le.PutUint64(b[64:], end)
		le.PutUint32(b[72:], 1)
		if err := z.write(b); err != nil {
			return err
		}
		records, size, offset = uint16max, uint32max, uint32max
	}
	b := z.hdr[:directoryEndLen]
	clear(b)
	le.PutUint32(b[0:], sigDirectoryEnd)
	le.PutUint16(b[8:], uint16(records))
	le.PutUint16(b[10:], uint16(records))
	le.PutUint32(b[12:], uint32(size))
	le.PutUint32(b[16:], uint32(offset))
	if err := z.write(b); err != nil {
		return err
	}
	out := z.out
	z.out = nil
	return z.sink.finish(out)
}

// crc32Combine is the CRC-32 (IEEE) of a+b from crc1 of a, crc2 of b and
// len(b), as zlib's crc32_combine computes it: the CRC of a run of bytes is
// linear, and appending len2 zero bytes to crc1 is multiplying it by
// x^(8·len2) modulo the polynomial, a product of the powers x^(2^k) that
// len2's bits pick (x2nTable). The deflated chunks of symbols.json are
// checksummed by the workers that make them; the writer only combines.
// Squaring a 32×32 matrix over GF(2) for each bit of len2 instead, as zlib
// did before 1.2.12, took ~52 µs a chunk of 1.25 MB against ~0.6 µs: winapi's
// 71 chunks, ~4 ms of the writing goroutine.
func crc32Combine(crc1, crc2 uint32, len2 int64) uint32 {
	// p starts at x^0, and k at 3: len2 counts bytes, eight bits each.
	p := uint32(1) << 31
	for k := 3; len2 > 0; k, len2 = k+1, len2>>1 {
		if len2&1 != 0 {
			p = gf2MulMod(x2nTable[k&31], p)
		}
	}
	return gf2MulMod(p, crc1) ^ crc2
}

// crcPoly is the IEEE polynomial, reversed: bit 31 is x^0.
const crcPoly = 0xedb88320

// gf2MulMod is a·b modulo crcPoly, both in the CRC's reversed bit order.
func gf2MulMod(a, b uint32) uint32 {
	var p uint32
	for m := uint32(1) << 31; m != 0; m >>= 1 {
		if a&m != 0 {
			p ^= b
			if a&(m-1) == 0 {
				break
			}
		}
		if b&1 != 0 {
			b = b>>1 ^ crcPoly
		} else {
			b >>= 1
		}
	}
	return p
}

// x2nTable[k] is x^(2^k) modulo crcPoly. Squaring x^(2^31) gives x^(2^0)
// again, so crc32Combine takes k modulo 32, as zlib does.
var x2nTable = func() (t [32]uint32) {
	p := uint32(1) << 30 // x^1
	t[0] = p
	for k := 1; k < 32; k++ {
		p = gf2MulMod(p, p)
		t[k] = p
	}
	return t
}()
