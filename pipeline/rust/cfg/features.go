package cfg

import (
	"cmp"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// FeatureRequest is what cargo's feature flags ask for.
type FeatureRequest struct {
	Features          []string // --features (names may be comma- or space-separated)
	AllFeatures       bool     // --all-features
	NoDefaultFeatures bool     // --no-default-features
	// SkipUndefined passes over requested features the crate does not
	// define without a warning: a workspace's --features, which cargo
	// enables in each member that defines them.
	SkipUndefined bool
}

// Defines reports whether feature is one the crate has: in [features], or
// the implicit feature of an optional dependency no feature names as `dep:x`.
func (m *Manifest) Defines(feature string) bool {
	if _, ok := m.Features[feature]; ok {
		return true
	}
	if !slices.Contains(m.Optional, feature) {
		return false
	}
	for _, vals := range m.Features {
		if slices.Contains(vals, "dep:"+feature) {
			return false
		}
	}
	return true
}

// SplitFeatures splits --features values as cargo does: by commas and spaces.
func SplitFeatures(in []string) []string {
	var out []string
	for _, s := range in {
		out = append(out, strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })...)
	}
	return out
}

// Manifest is what feature resolution and the docs.rs defaults need of a
// Cargo.toml.
type Manifest struct {
	Features map[string][]string // [features]
	Optional []string            // optional dependencies (the names used in this manifest), sorted
	DocsRS   DocsRS              // [package.metadata.docs.rs]
	// Dependencies are the package names of the normal dependencies
	// ([dependencies] and [target.*.dependencies], `package = …` renames
	// followed), sorted.
	Dependencies []string
	// Deps are the normal dependencies as written, sorted by name (deps.go).
	Deps []Dependency
	// BuildScript is the build script's path relative to the manifest's
	// directory: package.build, else "build.rs" (which cargo uses when the
	// file exists); "" when package.build = false.
	BuildScript string
}

// DocsRS is [package.metadata.docs.rs] as docs.rs reads it.
type DocsRS struct {
	Features          []string `toml:"features"`
	AllFeatures       bool     `toml:"all-features"`
	NoDefaultFeatures bool     `toml:"no-default-features"`
	DefaultTarget     string   `toml:"default-target"`
	Targets           []string `toml:"targets"`
	RustdocArgs       []string `toml:"rustdoc-args"`
	RustcArgs         []string `toml:"rustc-args"`
	present           bool
}

// Present reports whether the manifest has a [package.metadata.docs.rs] table.
func (d DocsRS) Present() bool { return d.present }

// Cfgs are the --cfg values in rustdoc-args and rustc-args.
func (d DocsRS) Cfgs() []string {
	var out []string
	for _, args := range [][]string{d.RustdocArgs, d.RustcArgs} {
		for i := 0; i < len(args); i++ {
			switch a := args[i]; {
			case a == "--cfg" && i+1 < len(args):
				out = append(out, args[i+1])
				i++
			case strings.HasPrefix(a, "--cfg="):
				out = append(out, strings.TrimPrefix(a, "--cfg="))
			}
		}
	}
	return out
}

// Target is the target docs.rs builds first: default-target, else the first
// of targets, else DefaultTarget.
func (d DocsRS) Target() string {
	if d.DefaultTarget != "" {
		return d.DefaultTarget
	}
	if len(d.Targets) > 0 {
		return d.Targets[0]
	}
	return DefaultTarget
}

type rawDep struct {
	Optional bool
	Package  string
	// The rest is what finding and configuring the dependency needs (deps.go).
	Version           string
	Path              string
	Features          []string
	NoDefaultFeatures bool
}

func (d *rawDep) UnmarshalTOML(v any) error {
	switch m := v.(type) {
	case string: // dep = "1.2"
		d.Version = m
	case map[string]any:
		d.Optional, _ = m["optional"].(bool)
		d.Package, _ = m["package"].(string)
		d.Version, _ = m["version"].(string)
		d.Path, _ = m["path"].(string)
		if fs, ok := m["features"].([]any); ok {
			for _, f := range fs {
				if s, ok := f.(string); ok {
					d.Features = append(d.Features, s)
				}
			}
		}
		for _, k := range []string{"default-features", "default_features"} {
			if b, ok := m[k].(bool); ok && !b {
				d.NoDefaultFeatures = true
			}
		}
	}
	return nil
}

type rawManifest struct {
	Package struct {
		Build    any `toml:"build"`
		Metadata struct {
			Docs struct {
				RS *DocsRS `toml:"rs"`
			} `toml:"docs"`
			Quoted *DocsRS `toml:"docs.rs"` // [package.metadata."docs.rs"]
		} `toml:"metadata"`
	} `toml:"package"`
	Features          map[string][]string `toml:"features"`
	Dependencies      map[string]rawDep   `toml:"dependencies"`
	BuildDependencies map[string]rawDep   `toml:"build-dependencies"`
	BuildDeps2        map[string]rawDep   `toml:"build_dependencies"`
	Target            map[string]struct {
		Dependencies      map[string]rawDep `toml:"dependencies"`
		BuildDependencies map[string]rawDep `toml:"build-dependencies"`
	} `toml:"target"`
}

// ReadManifest reads the feature-related parts of a Cargo.toml.
func ReadManifest(path string) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	return ParseManifest(data)
}

// ParseManifest is ReadManifest on the file's bytes.
func ParseManifest(data []byte) (*Manifest, error) {
	var raw rawManifest
	if _, err := toml.Decode(string(data), &raw); err != nil {
		return nil, fmt.Errorf("parse manifest: %w", err)
	}
	m := &Manifest{Features: raw.Features, BuildScript: "build.rs"}
	switch b := raw.Package.Build.(type) {
	case string:
		m.BuildScript = b
	case bool:
		if !b {
			m.BuildScript = ""
		}
	}
	if m.Features == nil {
		m.Features = map[string][]string{}
	}
	if d := cmp.Or(raw.Package.Metadata.Docs.RS, raw.Package.Metadata.Quoted); d != nil {
		m.DocsRS = *d
		m.DocsRS.present = true
	}
	opt := map[string]bool{}
	add := func(deps map[string]rawDep) {
		for name, d := range deps {
			if d.Optional {
				opt[name] = true
			}
		}
	}
	deps := map[string]bool{}
	normal := func(ds map[string]rawDep) {
		for name, d := range ds {
			deps[cmp.Or(d.Package, name)] = true
		}
	}
	normal(raw.Dependencies)
	for _, t := range raw.Target {
		normal(t.Dependencies)
	}
	m.Dependencies = slices.Sorted(maps.Keys(deps))
	m.Deps = dependencySpecs(raw.Dependencies, raw.Target)
	add(raw.Dependencies)
	add(raw.BuildDependencies)
	add(raw.BuildDeps2)
	for _, t := range raw.Target {
		add(t.Dependencies)
		add(t.BuildDependencies)
	}
	for name := range opt {
		m.Optional = append(m.Optional, name)
	}
	slices.Sort(m.Optional)
	return m, nil
}

// Resolve computes the enabled features of the crate as cargo does for
// `cargo rustdoc` with the request's flags: `default` unless
// no-default-features, every requested feature, and what they enable in
// turn. Optional dependencies are implicit features named after the
// dependency, unless some feature names them as `dep:x`; `x/f` enables
// optional dependency x (its implicit feature) as well, `x?/f` does not.
// Requests for features the crate does not have and cycles in [features] are
// warnings (cargo refuses both); resolution goes on without them.
func (m *Manifest) Resolve(req FeatureRequest) (features []string, warnings []string) {
	explicitDep := map[string]bool{}
	for _, vals := range m.Features {
		for _, v := range vals {
			if d, ok := strings.CutPrefix(v, "dep:"); ok {
				explicitDep[d] = true
			}
		}
	}
	table := map[string][]string{}
	for k, v := range m.Features {
		table[k] = v
	}
	implicit := map[string]bool{}
	for _, d := range m.Optional {
		if _, ok := table[d]; !ok && !explicitDep[d] {
			table[d] = nil
			implicit[d] = true
		}
	}
	on := map[string]bool{}
	state := map[string]int{} // 1 visiting, 2 done
	cycles := map[string]bool{}
	var enable func(f string, stack []string)
	enable = func(f string, stack []string) {
		switch state[f] {
		case 1:
			i := slices.Index(stack, f)
			cyc := strings.Join(append(slices.Clone(stack[i:]), f), " → ")
			if !cycles[cyc] {
				cycles[cyc] = true
				warnings = append(warnings, "feature cycle: "+cyc)
			}
			return
		case 2:
			return
		}
		state[f] = 1
		on[f] = true
		stack = append(stack, f)
		for _, v := range table[f] {
			switch {
			case strings.HasPrefix(v, "dep:"):
				// enables the dependency, not a feature of this crate
			case strings.Contains(v, "?/"):
				// weak: only if the dependency is on otherwise
			case strings.Contains(v, "/"):
				d := v[:strings.IndexByte(v, '/')]
				if implicit[d] {
					enable(d, stack)
				}
			default:
				if _, ok := table[v]; ok {
					enable(v, stack)
				} else {
					warnings = append(warnings, fmt.Sprintf("feature %q enables %q, which the crate does not define", f, v))
				}
			}
		}
		state[f] = 2
	}
	if req.AllFeatures {
		for _, k := range slices.Sorted(mapKeys(table)) {
			enable(k, nil)
		}
	} else if !req.NoDefaultFeatures {
		if _, ok := table["default"]; ok {
			enable("default", nil)
		}
	}
	for _, f := range SplitFeatures(req.Features) {
		if d, _, ok := strings.Cut(f, "/"); ok {
			// --features dep/feat: turns the optional dependency on.
			if implicit[d] {
				enable(d, nil)
			}
			continue
		}
		if _, ok := table[f]; !ok {
			if !req.SkipUndefined {
				warnings = append(warnings, fmt.Sprintf("feature %q requested, but the crate does not define it", f))
			}
			continue
		}
		enable(f, nil)
	}
	return slices.Sorted(mapKeys(on)), warnings
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
