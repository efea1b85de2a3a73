package docpack

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// Write writes a docpack to w: manifest.json, symbols.json and one
// docs/{id}.json per doc, in a fixed order with fixed timestamps so the same
// input gives the same bytes.
func Write(w io.Writer, m *Manifest, symbols []Symbol, docs map[string]Doc) error {
	zw := zip.NewWriter(w)
	stamp := m.GeneratedAt
	if stamp.IsZero() {
		stamp = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	put := func(name string, v any) error {
		hdr := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: stamp.UTC()}
		f, err := zw.CreateHeader(hdr)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(f)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(v)
	}
	if symbols == nil {
		symbols = []Symbol{}
	}
	if err := put("manifest.json", m); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	if err := put("symbols.json", symbols); err != nil {
		return fmt.Errorf("write symbols: %w", err)
	}
	ids := make([]string, 0, len(docs))
	for id := range docs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if err := put("docs/"+id+".json", docs[id]); err != nil {
			return fmt.Errorf("write doc %s: %w", id, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("write docpack: %w", err)
	}
	return nil
}

// WriteFile writes a docpack to path atomically: it writes a temporary file in
// the same directory and renames it into place, so a failed or cancelled write
// never leaves a half-finished docpack at path.
func WriteFile(path string, m *Manifest, symbols []Symbol, docs map[string]Doc) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".docpack-*.tmp")
	if err != nil {
		return fmt.Errorf("write docpack: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = Write(tmp, m, symbols, docs); err != nil {
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
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write docpack: %w", err)
	}
	return nil
}
