package rust

import (
	"github.com/doctown/doctown/pipeline/rust/cfg"

	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ErrNoCrate is returned by Discover when the directory holds no Cargo package
// with a crate root file.
var ErrNoCrate = errors.New("no Rust crate found (no Cargo.toml with a crate root)")

// Crate is one crate of a Cargo project.
type Crate struct {
	Name    string // crate name with '-' replaced by '_' (as rustdoc uses it in paths)
	Package string // package name from Cargo.toml
	Version string
	Dir     string // absolute dir holding Cargo.toml
	Root    string // absolute path of the crate root file (src/lib.rs, or [lib] path, else src/main.rs)

	// cfg is the build configuration #[cfg] is evaluated in (set by Extract).
	cfg *cfg.Set
	// docs is docs.rs's view of it: cfg plus docsrs and the --cfgs of the
	// crate's [package.metadata.docs.rs], what decides the
	// #[cfg_attr(docsrs, …)] that turn on doc_cfg badges.
	docs *cfg.Set
}

// manifest holds the few Cargo.toml keys Discover needs.
type manifest struct {
	pkgName, pkgVersion string
	libName, libPath    string
	hasPackage          bool
	hasWorkspace        bool
	members, exclude    []string
}

// Discover finds the crates under root: a single package, the members of a
// [workspace] (globs such as "crates/*" are expanded and `exclude` is honoured),
// or both when the root manifest is a package that is also a workspace. Crates
// are returned sorted by directory. It returns an error wrapping ErrNoCrate when
// nothing usable is found.
func Discover(root string) ([]Crate, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("discover: %w", err)
	}
	m, err := readManifest(filepath.Join(abs, "Cargo.toml"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("discover %s: %w", root, ErrNoCrate)
		}
		return nil, fmt.Errorf("discover: %w", err)
	}
	var crates []Crate
	seen := map[string]bool{}
	add := func(dir string, m *manifest) {
		if seen[dir] || !m.hasPackage {
			return
		}
		seen[dir] = true
		if c, ok := crateOf(dir, m); ok {
			crates = append(crates, c)
		}
	}
	add(abs, m)
	if m.hasWorkspace {
		excluded := map[string]bool{}
		for _, e := range m.exclude {
			matches, _ := filepath.Glob(filepath.Join(abs, filepath.FromSlash(e)))
			for _, x := range matches {
				excluded[filepath.Clean(x)] = true
			}
			excluded[filepath.Join(abs, filepath.FromSlash(e))] = true
		}
		for _, pat := range m.members {
			dirs, _ := filepath.Glob(filepath.Join(abs, filepath.FromSlash(pat)))
			slices.Sort(dirs)
			for _, d := range dirs {
				d = filepath.Clean(d)
				if excluded[d] || (pat != filepath.ToSlash(relPath(abs, d)) && buildOrHidden(abs, d)) {
					continue
				}
				mm, err := readManifest(filepath.Join(d, "Cargo.toml"))
				if err != nil {
					continue // globs may match directories that are not packages
				}
				add(d, mm)
			}
		}
	}
	if len(crates) == 0 {
		return nil, fmt.Errorf("discover %s: %w", root, ErrNoCrate)
	}
	slices.SortFunc(crates, func(a, b Crate) int { return strings.Compare(a.Dir, b.Dir) })
	return crates, nil
}

// buildOrHidden reports whether a directory a member glob matched lies in
// the workspace's target/ or in a hidden directory, which hold build output
// and tool state rather than members (unless a member names them literally).
func buildOrHidden(root, dir string) bool {
	for i, part := range strings.Split(relPath(root, dir), "/") {
		if i == 0 && part == "target" || strings.HasPrefix(part, ".") && part != "." && part != ".." {
			return true
		}
	}
	return false
}

func crateOf(dir string, m *manifest) (Crate, bool) {
	c := Crate{Package: m.pkgName, Version: m.pkgVersion, Dir: dir}
	if c.Package == "" {
		c.Package = filepath.Base(dir)
	}
	c.Name = strings.ReplaceAll(c.Package, "-", "_")
	if m.libName != "" {
		c.Name = strings.ReplaceAll(m.libName, "-", "_")
	}
	var cands []string
	if m.libPath != "" {
		cands = append(cands, filepath.Join(dir, filepath.FromSlash(m.libPath)))
	}
	cands = append(cands, filepath.Join(dir, "src", "lib.rs"), filepath.Join(dir, "src", "main.rs"))
	for _, p := range cands {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			c.Root = p
			return c, true
		}
	}
	return c, false
}

// readManifest is a small TOML reader for the keys Discover uses. It understands
// [table] headers, dotted keys within a table (lib.path = …), basic and literal
// strings, and (multi-line) arrays of strings; everything else is ignored.
func readManifest(path string) (*manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := &manifest{}
	table := ""
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(stripTOMLComment(lines[i]))
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "[") {
			if strings.HasPrefix(line, "[[") {
				table = "[[" + strings.Trim(line, "[] ")
			} else {
				table = strings.TrimSpace(strings.Trim(line, "[]"))
			}
			switch table {
			case "package":
				m.hasPackage = true
			case "workspace":
				m.hasWorkspace = true
			}
			continue
		}
		eq := strings.IndexByte(line, '=')
		if eq < 0 {
			continue
		}
		key := strings.TrimSpace(line[:eq])
		val := strings.TrimSpace(line[eq+1:])
		full := key
		if table != "" {
			full = table + "." + key
		}
		full = strings.ReplaceAll(full, " ", "")
		full = strings.ReplaceAll(full, `"`, "")
		if strings.HasPrefix(val, "[") {
			// Arrays may span lines: gather until brackets balance outside strings.
			for !arrayClosed(val) && i+1 < len(lines) {
				i++
				val += "\n" + stripTOMLComment(lines[i])
			}
		}
		switch full {
		case "package.name":
			m.pkgName, _ = tomlString(val)
		case "package.version":
			m.pkgVersion, _ = tomlString(val)
		case "lib.name":
			m.libName, _ = tomlString(val)
		case "lib.path":
			m.libPath, _ = tomlString(val)
		case "workspace.members":
			m.members = tomlStrings(val)
		case "workspace.exclude":
			m.exclude = tomlStrings(val)
		}
		if strings.HasPrefix(full, "package.") {
			m.hasPackage = true
		}
		if strings.HasPrefix(full, "workspace.") {
			m.hasWorkspace = true
		}
	}
	return m, nil
}

// stripTOMLComment removes a trailing # comment that is not inside a string.
func stripTOMLComment(s string) string {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' && quote == '"' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#':
			return s[:i]
		}
	}
	return s
}

func arrayClosed(s string) bool {
	depth := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' && quote == '"' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '[':
			depth++
		case c == ']':
			depth--
			if depth == 0 {
				return true
			}
		}
	}
	return false
}

func tomlString(v string) (string, bool) {
	v = strings.TrimSpace(v)
	switch {
	case strings.HasPrefix(v, `"`):
		end := 1
		for end < len(v) && v[end] != '"' {
			if v[end] == '\\' {
				end++
			}
			end++
		}
		if end > len(v) {
			end = len(v)
		}
		s, err := strconv.Unquote(v[:min(end+1, len(v))])
		if err != nil {
			return v[1:end], true
		}
		return s, true
	case strings.HasPrefix(v, "'"):
		end := strings.IndexByte(v[1:], '\'')
		if end < 0 {
			return v[1:], true
		}
		return v[1 : end+1], true
	}
	return "", false
}

func tomlStrings(v string) []string {
	var out []string
	for i := 0; i < len(v); i++ {
		if v[i] == '"' || v[i] == '\'' {
			s, _ := tomlString(v[i:])
			out = append(out, s)
			q := v[i]
			j := i + 1
			for j < len(v) && v[j] != q {
				if v[j] == '\\' && q == '"' {
					j++
				}
				j++
			}
			i = j
		}
	}
	return out
}
