package rust

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/doctown/doctown/pipeline/rust/cfg"
)

// depSource is one dependency of a crate, found on disk: the one finder both
// the dependency-macro expansion and the inlining of re-exported items use.
type depSource struct {
	Name    string // what the crate's code calls it ('_' for '-')
	Package string
	Version string
	Dir     string // the package's directory; "" when it was not found
	// Features are the features cargo asks the dependency for ("default"
	// among them unless default-features = false).
	Features []string
	// Active is false for an optional dependency no enabled feature turns on
	// and for a [target] dependency of another target.
	Active bool
	// Req is the version requirement, for messages.
	Req string
	// Mismatch is set when no version found satisfies Req: Dir is then the
	// highest version there is (good enough for its macros).
	Mismatch bool
	// Path is set for a path dependency.
	Path bool
}

// findDependencies finds the normal dependencies of c: a path dependency in
// its directory, the others in the local registries (registryRoots), at the
// version cargo would take: the one Cargo.lock records when the repository
// has a Cargo.lock (at the crate or a directory above it, up to repoRoot),
// else the highest version that satisfies the requirement. set is the
// crate's build configuration (nil: every dependency is active, with its
// defaults and the features written on it).
func findDependencies(c Crate, repoRoot string, set *cfg.Set) []depSource {
	m, err := cfg.ReadManifest(filepath.Join(c.Dir, "Cargo.toml"))
	if err != nil || len(m.Deps) == 0 {
		return nil
	}
	var enabled []string
	if set != nil {
		enabled = set.Features()
	}
	asked := m.DependencyFeatures(enabled)
	locked := lockedVersions(c.Dir, repoRoot)
	roots := registryRoots()
	var out []depSource
	for _, d := range m.Deps {
		ds := depSource{Name: strings.ReplaceAll(d.Name, "-", "_"), Package: d.Package, Req: d.Req}
		fs, on := asked[d.Name]
		ds.Features, ds.Active = fs, on || set == nil
		if set == nil {
			ds.Features = slices.Clone(d.Features)
			if d.DefaultFeatures {
				ds.Features = append(ds.Features, "default")
			}
		}
		if d.Target != "" && set != nil && !targetMatches(set, d.Target) {
			ds.Active = false
		}
		if d.Path != "" {
			ds.Path = true
			// A path dependency is read only inside the repository, as its
			// module files are: nothing else of the machine building it.
			dir := filepath.Join(c.Dir, filepath.FromSlash(d.Path))
			if pm, err := readManifest(filepath.Join(dir, "Cargo.toml")); err == nil && inside(repoRoot, dir) {
				ds.Dir, ds.Version = dir, pm.pkgVersion
			}
		} else {
			ds.Dir, ds.Version, ds.Mismatch = pickVersion(roots, d.Package, d.Req, locked[d.Package])
		}
		out = append(out, ds)
	}
	return out
}

// inside reports whether dir, symlinks resolved, is root or under it.
func inside(root, dir string) bool {
	r, err1 := filepath.EvalSymlinks(root)
	d, err2 := filepath.EvalSymlinks(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	r, _ = filepath.Abs(r)
	d, _ = filepath.Abs(d)
	return d == r || strings.HasPrefix(d, r+string(filepath.Separator))
}

// targetMatches reports whether a [target.X] key holds for the build: X is
// a target triple or a cfg(…) predicate.
func targetMatches(set *cfg.Set, key string) bool {
	if pred, ok := strings.CutPrefix(key, "cfg("); ok && strings.HasSuffix(pred, ")") {
		on, err := set.EvalString(strings.TrimSuffix(pred, ")"))
		return err != nil || on
	}
	return key == set.Target()
}

// pickVersion chooses among the versions of pkg in the registries: a locked
// one that is there (the highest that satisfies req, if several are locked),
// else the highest satisfying req; when none does, the highest there is,
// with mismatch set.
func pickVersion(roots []string, pkg, req string, locked []string) (dir, version string, mismatch bool) {
	type cand struct{ dir, ver string }
	var cands []cand
	for _, root := range roots {
		matches, _ := filepath.Glob(filepath.Join(root, pkg+"-[0-9]*"))
		for _, d := range matches {
			cands = append(cands, cand{d, strings.TrimPrefix(filepath.Base(d), pkg+"-")})
		}
	}
	best := func(ok func(cand) bool) (cand, bool) {
		var b cand
		found := false
		for _, c := range cands {
			if ok(c) && (!found || versionLess(b.ver, c.ver)) {
				b, found = c, true
			}
		}
		return b, found
	}
	if c, ok := best(func(c cand) bool {
		return slices.Contains(locked, c.ver) && (len(locked) == 1 || reqMatches(req, c.ver))
	}); ok {
		return c.dir, c.ver, false
	}
	if c, ok := best(func(c cand) bool { return reqMatches(req, c.ver) }); ok {
		return c.dir, c.ver, false
	}
	if c, ok := best(func(cand) bool { return true }); ok {
		return c.dir, c.ver, true
	}
	return "", "", false
}

// lockedVersions reads the Cargo.lock of the crate at dir (its own or one of
// the directories above it, up to root) as package name → versions.
func lockedVersions(dir, root string) map[string][]string {
	root, _ = filepath.Abs(root)
	for d := dir; ; d = filepath.Dir(d) {
		if data, err := os.ReadFile(filepath.Join(d, "Cargo.lock")); err == nil {
			return parseLock(string(data))
		}
		if d == root || filepath.Dir(d) == d || !strings.HasPrefix(d, root) {
			return nil
		}
	}
}

// parseLock reads the [[package]] name and version pairs of a Cargo.lock.
func parseLock(text string) map[string][]string {
	out := map[string][]string{}
	var name, version string
	flush := func() {
		if name != "" && version != "" {
			out[name] = append(out[name], version)
		}
		name, version = "", ""
	}
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "[[package]]":
			flush()
		case strings.HasPrefix(l, "name ="), strings.HasPrefix(l, "name="):
			name, _ = tomlString(l[strings.IndexByte(l, '=')+1:])
		case strings.HasPrefix(l, "version ="), strings.HasPrefix(l, "version="):
			version, _ = tomlString(l[strings.IndexByte(l, '=')+1:])
		}
	}
	flush()
	return out
}

// semver is a parsed version: major.minor.patch, the pre-release after '-'.
type semver struct {
	n   [3]int
	pre string
}

func parseSemver(v string) (semver, bool) {
	v, _, _ = strings.Cut(strings.TrimSpace(v), "+")
	var s semver
	v, s.pre, _ = strings.Cut(v, "-")
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return s, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return s, false
		}
		s.n[i] = n
	}
	return s, true
}

func (a semver) cmp(b semver) int {
	for i := range a.n {
		if a.n[i] != b.n[i] {
			if a.n[i] < b.n[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case a.pre == b.pre:
		return 0
	case a.pre == "":
		return 1
	case b.pre == "":
		return -1
	}
	return strings.Compare(a.pre, b.pre)
}

// reqMatches reports whether version satisfies a Cargo version requirement:
// comparators separated by commas, each `^` (the default), `~`, `=`, `>`,
// `>=`, `<`, `<=` or a wildcard (`*`, `1.*`), with partial versions. A
// pre-release version matches only a comparator that names a pre-release
// of the same major.minor.patch, as cargo has it. An empty requirement
// matches any release.
func reqMatches(req, version string) bool {
	v, ok := parseSemver(version)
	if !ok {
		return false
	}
	req = strings.TrimSpace(req)
	if req == "" {
		return v.pre == ""
	}
	preOK := false
	for _, part := range strings.Split(req, ",") {
		part = strings.TrimSpace(part)
		op := ""
		for _, o := range []string{">=", "<=", "^", "~", "=", ">", "<"} {
			if strings.HasPrefix(part, o) {
				op, part = o, strings.TrimSpace(part[len(o):])
				break
			}
		}
		base, pre, _ := strings.Cut(part, "-")
		fields := strings.Split(base, ".")
		var n [3]int
		given := 0
		for i, f := range fields {
			if i >= 3 || f == "*" || f == "x" || f == "X" {
				break
			}
			x, err := strconv.Atoi(f)
			if err != nil {
				return false
			}
			n[i] = x
			given++
		}
		if pre != "" && v.pre != "" && n == v.n {
			preOK = true
		}
		lo := semver{n: n, pre: pre}
		if !matchComparator(op, lo, given, v) {
			return false
		}
	}
	return v.pre == "" || preOK
}

// matchComparator checks one comparator: op applied to lo, of which given
// (0–3) numbers were written.
func matchComparator(op string, lo semver, given int, v semver) bool {
	// upper is the exclusive bound of a caret or tilde range, or of a
	// partial version taken as a wildcard.
	bump := func(i int) semver {
		u := semver{n: lo.n}
		u.n[i]++
		for j := i + 1; j < 3; j++ {
			u.n[j] = 0
		}
		return u
	}
	vr := semver{n: v.n, pre: v.pre}
	switch op {
	case "", "^":
		if given == 0 {
			return true
		}
		var up semver
		switch {
		case lo.n[0] > 0 || given == 1:
			up = bump(0)
		case lo.n[1] > 0 || given == 2:
			up = bump(1)
		default:
			up = bump(2)
		}
		return vr.cmp(lo) >= 0 && vr.cmp(up) < 0
	case "~":
		if given == 0 {
			return true
		}
		up := bump(0)
		if given >= 2 {
			up = bump(1)
		}
		return vr.cmp(lo) >= 0 && vr.cmp(up) < 0
	case "=":
		if given == 3 {
			return vr.cmp(lo) == 0
		}
		if given == 0 {
			return true
		}
		return vr.cmp(lo) >= 0 && vr.cmp(bump(given-1)) < 0
	case ">":
		if given < 3 {
			return given == 0 || vr.cmp(bump(given-1)) >= 0
		}
		return vr.cmp(lo) > 0
	case ">=":
		return vr.cmp(lo) >= 0
	case "<":
		return vr.cmp(lo) < 0
	case "<=":
		if given < 3 {
			return given == 0 || vr.cmp(bump(given-1)) < 0
		}
		return vr.cmp(lo) <= 0
	}
	return false
}
