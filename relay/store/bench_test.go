package store

import (
	"io"
	"testing"
)

// BenchmarkPutGet streams a 32 MiB object of unknown size into each backend
// and reads it back.
func BenchmarkPutGet(b *testing.B) {
	const n = 32 << 20
	backends := []struct {
		name string
		open func(testing.TB) Storage
	}{
		{"fs", func(t testing.TB) Storage {
			st, err := NewFS(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return st
		}},
		{"s3-gofakes3", newFakeS3},
	}
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			st := be.open(b)
			b.SetBytes(n)
			b.ReportAllocs()
			for b.Loop() {
				if err := st.Put(b.Context(), "bench/object", &genReader{n: n}, -1); err != nil {
					b.Fatal(err)
				}
				rc, _, err := st.Get(b.Context(), "bench/object")
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, rc); err != nil {
					b.Fatal(err)
				}
				rc.Close()
			}
		})
	}
}
