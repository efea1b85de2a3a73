// Command gen writes the stddocs table: the docs of the items of every public
// trait of the standard library (core, alloc, std), read from the library's
// Rust sources with doctown's own extractor.
//
//	go run ./gen -o table.json [-src DIR]
//
// DIR is the `library` directory of the sources (Debian's rust-src puts it at
// /usr/src/rustc-VERSION/library, rustup's rust-src component under
// `rustc --print sysroot`/lib/rustlib/src/rust/library); without -src the
// newest Debian one is used. The version recorded is the one in the directory
// name, or -version.
package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/doctown/doctown/docpack"
	"github.com/doctown/doctown/pipeline/rust"
	"github.com/doctown/doctown/pipeline/rust/stddocs"
)

func main() {
	out := flag.String("o", "table.json", "file to write")
	src := flag.String("src", "", "the library directory of the Rust sources (default: the newest /usr/src/rustc-*/library)")
	version := flag.String("version", "", "the Rust version of the sources (default: from the directory name)")
	flag.Parse()
	if err := run(context.Background(), *out, *src, *version); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out, src, version string) error {
	if src == "" {
		var err error
		if src, err = debianLibrary(""); err != nil {
			return err
		}
	}
	if version == "" {
		version = versionOf(src)
		if version == "" {
			return fmt.Errorf("no version in %s: give -version", src)
		}
	}
	t, err := generate(ctx, src, version)
	if err != nil {
		return err
	}
	data, err := encode(t)
	if err != nil {
		return err
	}
	return os.WriteFile(out, data, 0o644)
}

var versionRe = regexp.MustCompile(`rustc-(\d+\.\d+\.\d+)`)

// versionOf reads the Rust version from a Debian source directory's name.
func versionOf(dir string) string {
	if m := versionRe.FindStringSubmatch(dir); m != nil {
		return m[1]
	}
	return ""
}

// debianLibrary finds Debian's rust-src library directory: of version want,
// or the newest when want is "".
func debianLibrary(want string) (string, error) {
	dirs, _ := filepath.Glob("/usr/src/rustc-*/library")
	slices.SortFunc(dirs, func(a, b string) int { return compareVersions(versionOf(b), versionOf(a)) })
	for _, d := range dirs {
		if want == "" || versionOf(d) == want {
			return d, nil
		}
	}
	if want != "" {
		return "", fmt.Errorf("no Rust %s library sources under /usr/src (Debian's rust-src)", want)
	}
	return "", errors.New("no Rust library sources under /usr/src (install Debian's rust-src, or give -src)")
}

// compareVersions orders dotted version numbers ("1.63.0" before "1.70.0").
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(as), len(bs)); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if c := cmp.Compare(x, y); c != 0 {
			return c
		}
	}
	return 0
}

// encode is the table as written: indented JSON, keys sorted, no HTML escapes.
func encode(t *stddocs.Table) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "\t")
	if err := enc.Encode(t); err != nil {
		return nil, fmt.Errorf("encode table: %w", err)
	}
	return b.Bytes(), nil
}

// itemKinds are the trait items whose docs an impl's items inherit.
var itemKinds = map[docpack.Kind]bool{docpack.KindTraitMethod: true, docpack.KindAssocType: true, docpack.KindAssocConst: true}

// generate extracts core, alloc and std from lib (in that order: a path taken
// by an earlier crate stays with it) and collects their traits.
func generate(ctx context.Context, lib, version string) (*stddocs.Table, error) {
	t := &stddocs.Table{Rust: version, Traits: map[string]*stddocs.Trait{}, Paths: map[string]string{}, Prelude: map[string]string{}}
	for _, name := range []string{"core", "alloc", "std"} {
		dir := filepath.Join(lib, name)
		crates, err := rust.Discover(dir)
		if err != nil {
			return nil, fmt.Errorf("discover %s: %w", name, err)
		}
		res, err := rust.Extract(ctx, dir, crates, rust.Options{})
		if err != nil {
			return nil, fmt.Errorf("extract %s: %w", name, err)
		}
		traits := map[string]*stddocs.Trait{}
		for _, s := range res.Symbols {
			if s.SymbolType != docpack.KindTrait {
				continue
			}
			_, key, ok := stddocs.Split(s.Path)
			if !ok {
				continue
			}
			if _, dup := t.Traits[key]; dup {
				continue
			}
			tr := &stddocs.Trait{Crate: name, Items: []stddocs.Item{}}
			t.Traits[key] = tr
			traits[s.ID] = tr
			for _, p := range s.PublicPaths {
				if _, other, ok := stddocs.Split(p); ok && other != key {
					if _, taken := t.Paths[other]; !taken {
						t.Paths[other] = key
					}
					if n, ok := strings.CutPrefix(other, "prelude::rust_2021::"); ok {
						t.Prelude[n] = key
					}
				}
			}
		}
		for _, s := range res.Symbols {
			tr := traits[s.Parent]
			if tr == nil || !itemKinds[s.SymbolType] || strings.TrimSpace(s.DocComments) == "" {
				continue
			}
			tr.Items = append(tr.Items, stddocs.Item{Name: s.Name, Kind: string(s.SymbolType), Doc: s.DocComments})
		}
	}
	// std's prelude also names traits of alloc (ToOwned, ToString) through
	// std's facade modules (`pub use crate::borrow::ToOwned`), which an
	// extraction of std alone cannot follow: read its `pub use`s.
	prelude, err := os.ReadFile(filepath.Join(lib, "std", "src", "prelude", "v1.rs"))
	if err != nil {
		return nil, fmt.Errorf("std prelude: %w", err)
	}
	for _, m := range preludeUseRe.FindAllStringSubmatch(string(prelude), -1) {
		for _, n := range strings.Split(strings.Trim(m[2], "{} \n"), ",") {
			n = strings.TrimSpace(n)
			if key := m[1] + "::" + n; t.Traits[key] != nil {
				t.Prelude[n] = key
			}
		}
	}
	if len(t.Traits) == 0 {
		return nil, fmt.Errorf("%s: no traits found", lib)
	}
	return t, nil
}

// preludeUseRe matches `pub use crate::module::{A, B};` and `pub use crate::module::A;`.
var preludeUseRe = regexp.MustCompile(`pub use crate::(\w+)::(\{[^}]*\}|\w+);`)
