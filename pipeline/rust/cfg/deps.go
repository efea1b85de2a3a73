package cfg

import (
	"cmp"
	"slices"
	"strings"
)

// Dependency is one normal dependency of a Cargo.toml as written.
type Dependency struct {
	// Name is the key in the table: what the crate's code calls it (with
	// '-' for '_'), even when Package renames it.
	Name string
	// Package is the package depended on: `package = …`, else Name.
	Package string
	// Req is the version requirement ("1.2", "^0.4", ">= 1, < 2"); "" for any.
	Req string
	// Path is the `path = …` of a path dependency, relative to the manifest.
	Path string
	// Features are those the dependency is asked for with, and
	// DefaultFeatures whether its defaults are on (default-features).
	Features        []string
	DefaultFeatures bool
	Optional        bool
	// Target is the [target.X.dependencies] key it came from ("" for
	// [dependencies]): a triple or a cfg(…) predicate.
	Target string
}

func dependencySpecs(top map[string]rawDep, targets map[string]struct {
	Dependencies      map[string]rawDep `toml:"dependencies"`
	BuildDependencies map[string]rawDep `toml:"build-dependencies"`
}) []Dependency {
	var out []Dependency
	add := func(ds map[string]rawDep, target string) {
		for name, d := range ds {
			out = append(out, Dependency{Name: name, Package: cmp.Or(d.Package, name), Req: d.Version, Path: d.Path,
				Features: d.Features, DefaultFeatures: !d.NoDefaultFeatures, Optional: d.Optional, Target: target})
		}
	}
	add(top, "")
	for t, ds := range targets {
		add(ds.Dependencies, t)
	}
	slices.SortFunc(out, func(a, b Dependency) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Target, b.Target)) })
	return out
}

// DependencyFeatures says, for a crate built with its features enabled (as
// Resolve gives them), which of its dependencies are on and with what
// features cargo asks each for: the dependency's own `features = […]`, the
// `dep/feature` entries of the enabled features (`dep?/feature` only when the
// dependency is on anyway), and its defaults unless default-features = false.
// An optional dependency is on when its implicit feature is enabled, or an
// enabled feature names it as `dep:x` or `x/feature`. The result is keyed by
// Dependency.Name; features are sorted and unique.
func (m *Manifest) DependencyFeatures(enabled []string) map[string][]string {
	on := map[string]bool{}
	for _, f := range enabled {
		on[f] = true
	}
	active := map[string]bool{}
	asked := map[string][]string{}
	for _, d := range m.Deps {
		if !d.Optional || on[d.Name] {
			active[d.Name] = true
		}
	}
	var weak [][2]string
	for _, f := range enabled {
		for _, v := range m.Features[f] {
			switch {
			case strings.HasPrefix(v, "dep:"):
				active[strings.TrimPrefix(v, "dep:")] = true
			case strings.Contains(v, "?/"):
				d, feat, _ := strings.Cut(v, "?/")
				weak = append(weak, [2]string{d, feat})
			case strings.Contains(v, "/"):
				d, feat, _ := strings.Cut(v, "/")
				active[d] = true
				asked[d] = append(asked[d], feat)
			}
		}
	}
	for _, w := range weak {
		if active[w[0]] {
			asked[w[0]] = append(asked[w[0]], w[1])
		}
	}
	out := map[string][]string{}
	for _, d := range m.Deps {
		if !active[d.Name] {
			continue
		}
		fs := append(slices.Clone(d.Features), asked[d.Name]...)
		if d.DefaultFeatures {
			fs = append(fs, "default")
		}
		slices.Sort(fs)
		out[d.Name] = append(out[d.Name], fs...)
	}
	for k, v := range out {
		slices.Sort(v)
		out[k] = slices.Compact(v)
	}
	return out
}
