package docpack

import (
	"archive/zip"
	"bytes"
	"hash/crc32"
	"math/rand/v2"
	"testing"
)

// TestZipWriterMatchesArchiveZip: a docpack as the writer makes it is, byte
// for byte, what archive/zip's Writer writes when given the same entries
// (Writer.Copy: CreateRaw with each entry's header), with more entries than
// a zip's 16-bit count holds (the zip64 end records) and with few.
func TestZipWriterMatchesArchiveZip(t *testing.T) {
	for _, n := range []int{0, 3, 1 << 16} {
		syms := sampleSymbols(n)
		docs := sampleDocs(syms)
		var ours bytes.Buffer
		if err := WriteContext(t.Context(), &ours, sampleManifest(syms, docs), syms, docs, WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(ours.Bytes()), int64(ours.Len()))
		if err != nil {
			t.Fatal(err)
		}
		if len(zr.File) != 2+len(docs) {
			t.Fatalf("%d entries, want %d", len(zr.File), 2+len(docs))
		}
		var theirs bytes.Buffer
		zw := zip.NewWriter(&theirs)
		for _, f := range zr.File {
			if err := zw.Copy(f); err != nil {
				t.Fatal(err)
			}
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ours.Bytes(), theirs.Bytes()) {
			i := 0
			for i < min(ours.Len(), theirs.Len()) && ours.Bytes()[i] == theirs.Bytes()[i] {
				i++
			}
			t.Errorf("%d symbols: %d bytes, archive/zip's %d; first difference at byte %d", n, ours.Len(), theirs.Len(), i)
		}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if _, err := b.ReadFrom(rc); err != nil { // checks the CRC
				t.Fatalf("%s: %v", f.Name, err)
			}
			rc.Close()
		}
	}
}

// crc32Combine of two runs' CRCs is the CRC of the two run together.
func TestCRC32Combine(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range [][2]int{{0, 0}, {0, 5}, {5, 0}, {1, 1}, {100, 3}, {3, 100_000}, {70_000, 1 << 20}} {
		a, b := make([]byte, n[0]), make([]byte, n[1])
		for i := range a {
			a[i] = byte(r.Uint32())
		}
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		want := crc32.ChecksumIEEE(append(append([]byte{}, a...), b...))
		if got := crc32Combine(crc32.ChecksumIEEE(a), crc32.ChecksumIEEE(b), int64(len(b))); got != want {
			t.Errorf("%v: %08x, want %08x", n, got, want)
		}
	}
}
