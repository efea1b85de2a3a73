package docpack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
)

// The bytes depend on the input only, never on the number of workers or on
// scheduling, and read back as what was written: symbols.json spans several
// independently deflated chunks and the docs several jobs.
func TestWriteDeterministic(t *testing.T) {
	syms := sampleSymbols(2*symbolsPerJob + 17)
	docs := sampleDocs(syms)
	m := sampleManifest(syms, docs)
	var want []byte
	for _, workers := range []int{1, 2, 3, 8, 1} {
		var buf bytes.Buffer
		if err := WriteContext(t.Context(), &buf, m, syms, docs, WriteOptions{Workers: workers}); err != nil {
			t.Fatal(err)
		}
		if want == nil {
			want = buf.Bytes()
			continue
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Fatalf("workers=%d: %d bytes differ from the first write's %d", workers, buf.Len(), len(want))
		}
	}
	p, err := Read(bytes.NewReader(want), int64(len(want)), WithEagerDocs())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if !reflect.DeepEqual(p.Symbols, syms) {
		t.Error("symbols read back differ from those written")
	}
	if p.DocCount() != len(docs) {
		t.Fatalf("%d docs read back, want %d", p.DocCount(), len(docs))
	}
	for id, d := range docs {
		if got, ok := p.Doc(id); !ok || !reflect.DeepEqual(got, d) {
			t.Fatalf("doc %s read back as %+v, want %+v", id, got, d)
		}
	}
}

// An empty symbol list is still a valid symbols.json.
func TestWriteEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, sampleManifest(nil, nil), nil, nil); err != nil {
		t.Fatal(err)
	}
	p, err := Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if len(p.Symbols) != 0 {
		t.Errorf("%d symbols, want none", len(p.Symbols))
	}
}

// A write cancelled between entries returns the cancellation and leaves
// neither the docpack nor its temporary file.
func TestWriteFileCancelled(t *testing.T) {
	syms := sampleSymbols(3 * progressEvery)
	docs := sampleDocs(syms)
	dir := t.TempDir()
	path := filepath.Join(dir, "out.docpack")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	calls := 0
	err := WriteFileContext(ctx, path, sampleManifest(syms, docs), syms, docs, WriteOptions{
		Workers: 2,
		OnProgress: func(done, total int) {
			calls++
			if done < total {
				cancel()
			}
		},
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if calls != 1 {
		t.Errorf("%d progress calls after the cancellation, want the write to stop at the first", calls)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files left behind: %v", entries)
	}
}

// The doc entries come in id order, and for one id in symbol order, whatever
// the ids: evenly spread, repeated, sharing their top bits (one bucket), or
// not all of hexID's form (sorted as strings).
func TestDocEntriesOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	hex := func(k uint64) string { return fmt.Sprintf("%016x", k) }
	for _, tc := range []struct {
		name string
		id   func(i int) string
	}{
		{"spread", func(int) string { return hex(r.Uint64()) }},
		{"repeated", func(int) string { return hex(r.Uint64N(50)<<40 | 7) }},
		{"one bucket", func(int) string { return hex(r.Uint64N(1 << 20)) }},
		{"top bits", func(int) string { return hex(0xabcd<<48 | r.Uint64N(1<<48)) }},
		{"uppercase", func(i int) string {
			if i == 500 {
				return "ABCDEF0123456789"
			}
			return hex(r.Uint64())
		}},
		{"short", func(i int) string { return strconv.Itoa(i) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			syms := make([]Symbol, 3000)
			for i := range syms {
				syms[i].ID = tc.id(i)
			}
			l := docEntries(syms, nil, true)
			if len(l.entries) != len(syms) {
				t.Fatalf("%d entries, want %d", len(l.entries), len(syms))
			}
			for i := range l.entries {
				e := l.entries[i]
				if got := string(l.id(nil, int32(i))); got != syms[e.sym].ID {
					t.Fatalf("entry %d is named %s, its symbol's id is %s", i, got, syms[e.sym].ID)
				}
				if i == 0 {
					continue
				}
				p := l.entries[i-1]
				a, b := syms[p.sym].ID, syms[e.sym].ID
				if a > b || a == b && p.sym > e.sym {
					t.Fatalf("entry %d (%s, symbol %d) after (%s, symbol %d)", i, b, e.sym, a, p.sym)
				}
			}
		})
	}
}

// A write that fails on the file's goroutine is reported by the writer.
func TestFileWriterReportsWriteError(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	f.Close() // every write now fails
	w := newFileWriter(f)
	b := append(w.first(), "PK"...)
	if err := w.finish(b); err == nil {
		t.Fatal("finish after a failed write returned no error")
	}
}
