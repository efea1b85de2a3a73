// Package cfg is the build configuration the extractor sees: a target triple
// (from a table of rustc's built-in targets), the crate features cargo would
// enable, and `--cfg` flags, as `cargo rustdoc` with the same flags would set
// them. A Set evaluates #[cfg] predicates against it; Resolve turns a
// Cargo.toml and cargo's feature flags into the enabled features.
package cfg

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/doctown/doctown/docpack/cfgexpr"
)

// DefaultTarget is the target triple used when none is given (as docs.rs does).
const DefaultTarget = "x86_64-unknown-linux-gnu"

// Targets lists the target triples the table knows, sorted.
func Targets() []string {
	out := make([]string, 0, len(targets))
	for t := range targets {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Set is the set of cfg options that are on for one crate's build. It is safe
// for concurrent use.
type Set struct {
	target   string
	names    map[string]bool // `unix`, `doc`, custom --cfg NAME
	pairs    map[string]bool // key + "\x00" + value
	custom   map[string]bool // keys given with --cfg (never "unknown")
	features []string

	mu      sync.Mutex
	unknown map[string]bool
}

// wellKnown are the cfg names rustc and cargo define; a predicate on any
// other name that no --cfg sets is one a build script would set (or nobody):
// it evaluates false and is reported by Unknown.
var wellKnown = map[string]bool{
	"clippy": true, "debug_assertions": true, "doc": true, "doctest": true, "fmt_debug": true,
	"miri": true, "overflow_checks": true, "panic": true, "proc_macro": true, "relocation_model": true,
	"rustfmt": true, "sanitize": true, "sanitizer_cfi_generalize_pointers": true,
	"sanitizer_cfi_normalize_integers": true, "target_abi": true, "target_arch": true,
	"target_endian": true, "target_env": true, "target_family": true, "target_feature": true,
	"target_has_atomic": true, "target_has_atomic_equal_alignment": true,
	"target_has_atomic_load_store": true, "target_os": true, "target_pointer_width": true,
	"target_thread_local": true, "target_vendor": true, "test": true, "ub_checks": true,
	"unix": true, "windows": true, "feature": true, "docsrs": true, "contract_checks": true,
	"emscripten_wasm_eh": true, "target_has_reliable_f16": true, "target_has_reliable_f128": true,
}

// Config is a build configuration before evaluation.
type Config struct {
	Target   string   // target triple; "" means DefaultTarget
	Features []string // enabled crate features, already resolved (see Resolve)
	Cfgs     []string // --cfg values: NAME or NAME="value"
}

// New builds the Set for c: the target's cfgs, debug_assertions (cargo
// rustdoc builds the dev profile), doc (rustdoc), test off, the features as
// `feature = "…"` and the --cfg flags. An unknown target is an error naming
// the known ones' count.
func New(c Config) (*Set, error) {
	t := c.Target
	if t == "" {
		t = DefaultTarget
	}
	tc, ok := targets[t]
	if !ok {
		return nil, fmt.Errorf("unknown target %q (doctown knows %d targets: %s, …)", t, len(targets), strings.Join(Targets()[:5], ", "))
	}
	s := &Set{target: t, names: map[string]bool{}, pairs: map[string]bool{}, custom: map[string]bool{}, unknown: map[string]bool{}}
	for _, line := range append(slices.Clip(tc), "debug_assertions", "doc") {
		if err := s.addCfg(line, false); err != nil {
			return nil, fmt.Errorf("target %s: %w", t, err)
		}
	}
	for _, f := range c.Features {
		s.pairs["feature\x00"+f] = true
	}
	s.features = slices.Sorted(slices.Values(slices.Compact(slices.Sorted(slices.Values(c.Features)))))
	for _, v := range c.Cfgs {
		if err := s.addCfg(v, true); err != nil {
			return nil, fmt.Errorf("--cfg %s: %w", v, err)
		}
	}
	return s, nil
}

// ParseCfgFlag checks a --cfg value (NAME or NAME="value").
func ParseCfgFlag(v string) error {
	e, err := cfgexpr.Parse(v)
	if err == nil && e.Op != cfgexpr.Name {
		err = fmt.Errorf("want NAME or NAME=\"value\"")
	}
	return err
}

func (s *Set) addCfg(v string, custom bool) error {
	e, err := cfgexpr.Parse(v)
	if err != nil {
		return err
	}
	if e.Op != cfgexpr.Name {
		return fmt.Errorf("want NAME or NAME=\"value\", got %s", v)
	}
	if custom {
		s.custom[e.Key] = true
	}
	if e.HasValue {
		s.pairs[e.Key+"\x00"+e.Value] = true
	} else {
		s.names[e.Key] = true
	}
	return nil
}

// Target is the set's target triple.
func (s *Set) Target() string { return s.target }

// Features are the enabled features, sorted.
func (s *Set) Features() []string { return s.features }

// Eval evaluates a parsed predicate.
func (s *Set) Eval(e cfgexpr.Expr) bool {
	switch e.Op {
	case cfgexpr.All:
		for _, a := range e.Args {
			if !s.Eval(a) {
				return false
			}
		}
		return true
	case cfgexpr.Any:
		for _, a := range e.Args {
			if s.Eval(a) {
				return true
			}
		}
		return false
	case cfgexpr.Not:
		return len(e.Args) == 1 && !s.Eval(e.Args[0])
	}
	if !wellKnown[e.Key] && !s.custom[e.Key] {
		s.mu.Lock()
		s.unknown[e.Key] = true
		s.mu.Unlock()
	}
	if e.HasValue {
		return s.pairs[e.Key+"\x00"+e.Value]
	}
	return s.names[e.Key]
}

// EvalString parses and evaluates a predicate. A predicate that does not
// parse is an error; callers keep the item (rustc would reject the crate, so
// guessing "off" would hide the user's code for a typo).
func (s *Set) EvalString(pred string) (bool, error) {
	e, err := cfgexpr.Parse(pred)
	if err != nil {
		return true, err
	}
	return s.Eval(e), nil
}

// Unknown lists the cfg names evaluated so far that neither rustc, cargo nor a
// --cfg flag defines: those a build script would set. They evaluated false.
func (s *Set) Unknown() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(func(yield func(string) bool) {
		for k := range s.unknown {
			if !yield(k) {
				return
			}
		}
	})
}

// DependsOnConfig reports whether a predicate's value can change with the
// build configuration a reader might choose: it names a feature, a target
// property or a custom cfg (not just doc, test or debug_assertions). Such a
// predicate is what a symbol's availability badge shows.
func DependsOnConfig(e cfgexpr.Expr) bool {
	switch e.Op {
	case cfgexpr.Name:
		switch e.Key {
		case "doc", "test", "debug_assertions", "doctest", "miri", "clippy", "rustfmt":
			return false
		}
		return true
	}
	for _, a := range e.Args {
		if DependsOnConfig(a) {
			return true
		}
	}
	return false
}

// SimilarName is the cfg name rustc and cargo define that name looks like a
// misspelling of ("features" → "feature", "target_arc" → "target_arch"):
// one edit away, or a plural; "" when there is none.
func SimilarName(name string) string {
	if wellKnown[name] {
		return ""
	}
	for _, k := range slices.Sorted(maps.Keys(wellKnown)) {
		if name == k+"s" || editDistance1(name, k) {
			return k
		}
	}
	return ""
}

// editDistance1 reports whether a and b differ by one insertion, deletion
// or substitution.
func editDistance1(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 || a == b {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if len(a) == len(b) {
		return a[i+1:] == b[i+1:]
	}
	return a[i:] == b[i+1:]
}

// CargoEnv is the CARGO_CFG_* environment cargo gives a build script for
// the set's target and --cfgs: CARGO_CFG_TARGET_ARCH=x86_64,
// CARGO_CFG_TARGET_FEATURE=fxsr,sse,sse2, CARGO_CFG_UNIX= … (values of a key
// joined by commas, sorted; a name's value empty). Features are not in it
// (cargo gives them as CARGO_FEATURE_*), nor doc.
func (s *Set) CargoEnv() map[string]string {
	vals := map[string][]string{}
	for k := range s.names {
		if k != "doc" {
			vals[k] = nil
		}
	}
	for p := range s.pairs {
		k, v, _ := strings.Cut(p, "\x00")
		if k != "feature" {
			vals[k] = append(vals[k], v)
		}
	}
	env := make(map[string]string, len(vals))
	for k, vs := range vals {
		slices.Sort(vs)
		env["CARGO_CFG_"+strings.ToUpper(strings.ReplaceAll(k, "-", "_"))] = strings.Join(vs, ",")
	}
	return env
}

// WellKnown reports whether rustc or cargo define the cfg name (target_os,
// unix, feature, debug_assertions, …), as opposed to a custom one.
func WellKnown(name string) bool { return wellKnown[name] }
