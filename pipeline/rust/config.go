package rust

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/doctown/doctown/docpack/cfgexpr"
	"github.com/doctown/doctown/pipeline/rust/cfg"
)

// BuildConfig is the build configuration extraction evaluates #[cfg] with, in
// cargo's terms. With none of Features, AllFeatures, NoDefaultFeatures, Target
// or Cfgs set (and DocsRS not off), each crate's [package.metadata.docs.rs] is
// used as docs.rs uses it (its features, all-features, no-default-features,
// default-target and rustdoc-args --cfg, plus --cfg docsrs); otherwise the
// default features on the default target.
//
// It is also the wire form of a build configuration: the relay's RunPod
// request and the worker's job input carry it as "build".
type BuildConfig struct {
	Features          []string `json:"features,omitempty"`
	AllFeatures       bool     `json:"all_features,omitempty"`
	NoDefaultFeatures bool     `json:"no_default_features,omitempty"`
	Target            string   `json:"target,omitempty"`
	Cfgs              []string `json:"cfgs,omitempty"`
	// IgnoreDocsRS leaves [package.metadata.docs.rs] unread.
	IgnoreDocsRS bool `json:"ignore_docs_rs_metadata,omitempty"`
}

// Validate checks what a crate's Cargo.toml cannot fix: the target is one
// doctown knows, each cfg is NAME or NAME="value".
func (b BuildConfig) Validate() error {
	if b.Target != "" && !slices.Contains(cfg.Targets(), b.Target) {
		return fmt.Errorf("unknown target %q (doctown knows %s)", b.Target, strings.Join(cfg.Targets(), ", "))
	}
	for _, c := range b.Cfgs {
		if err := cfg.ParseCfgFlag(c); err != nil {
			return fmt.Errorf("cfg %q: %w", c, err)
		}
	}
	return nil
}

// FeatureError is a --features request for features no crate of the build
// defines. cargo refuses such a build, and so does Extract: the docs would
// be those of another configuration than the one asked for.
type FeatureError struct {
	Packages []string // the crates of the build
	Missing  []string // the requested features none of them defines
}

// Error words it as cargo does.
func (e *FeatureError) Error() string {
	what := "this feature"
	if len(e.Missing) > 1 {
		what = "these features"
	}
	if len(e.Packages) == 1 {
		return fmt.Sprintf("the package '%s' does not contain %s: %s", e.Packages[0], what, strings.Join(e.Missing, ", "))
	}
	return fmt.Sprintf("none of the selected packages contains %s: %s\nselected packages: %s", what, strings.Join(e.Missing, ", "), strings.Join(e.Packages, ", "))
}

// checkFeatures returns a *FeatureError when some requested feature is
// defined by none of the crates (cargo enables a workspace's --features in
// each member that has them). "dep/feature" names a dependency's feature,
// which only the dependency's manifest could tell.
func checkFeatures(crates []Crate, b BuildConfig) error {
	var missing, pkgs []string
	manifests := make([]*cfg.Manifest, len(crates))
	for i, c := range crates {
		pkgs = append(pkgs, c.Name)
		if m, err := cfg.ReadManifest(filepath.Join(c.Dir, "Cargo.toml")); err == nil {
			manifests[i] = m
		}
	}
	for _, f := range cfg.SplitFeatures(b.Features) {
		if strings.Contains(f, "/") || slices.Contains(missing, f) {
			continue
		}
		found := false
		for _, m := range manifests {
			found = found || m == nil || m.Defines(f)
		}
		if !found {
			missing = append(missing, f)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return &FeatureError{Packages: pkgs, Missing: missing}
}

func (b BuildConfig) explicit() bool {
	return len(b.Features) > 0 || b.AllFeatures || b.NoDefaultFeatures || b.Target != "" || len(b.Cfgs) > 0 || b.IgnoreDocsRS
}

// CrateConfig is the configuration one crate was extracted with, as the
// manifest records it.
type CrateConfig struct {
	Crate    string   `json:"crate"`
	Target   string   `json:"target"`
	Features []string `json:"features"`
	Cfgs     []string `json:"cfgs,omitempty"`
	// From says where it came from: "flags", "docs.rs" (the crate's
	// [package.metadata.docs.rs]) or "default".
	From string `json:"from"`
	// BuildScriptCfgs are the cfgs read from the crate's build script (see
	// buildScriptCfgs), included in the evaluation but not in Cfgs.
	BuildScriptCfgs []string `json:"build_script_cfgs,omitempty"`

	// buildScript is the crate's build script (relative to its directory),
	// scriptUndecided the cfgs it prints under conditions its source does
	// not decide: what the unknown-cfg warning attributes to it.
	buildScript     string
	scriptUndecided []string
	scriptNames     []string // every name its source prints (printedCfgRe)
}

// printedCfgRe finds the cfg names a build script's source prints.
var printedCfgRe = regexp.MustCompile(`rustc-cfg=([A-Za-z_][A-Za-z0-9_]*)`)

// crateSet makes the cfg set of one crate and says how it was made. Problems
// (an unknown target, an unreadable Cargo.toml, a feature enabling one the
// crate lacks) are warnings: the crate is still extracted, with what could be
// resolved. A requested feature no crate defines is an error (checkFeatures).
func crateSet(c Crate, b BuildConfig) (*cfg.Set, *cfg.Set, CrateConfig, []string) {
	var warns []string
	conf := CrateConfig{Crate: c.Name, From: "default"}
	req := cfg.FeatureRequest{Features: b.Features, AllFeatures: b.AllFeatures, NoDefaultFeatures: b.NoDefaultFeatures}
	target, cfgs := b.Target, append([]string{}, b.Cfgs...)
	m, err := cfg.ReadManifest(filepath.Join(c.Dir, "Cargo.toml"))
	if err != nil {
		warns = append(warns, "features: "+err.Error())
		m = &cfg.Manifest{}
	}
	if b.explicit() {
		conf.From = "flags"
		req.SkipUndefined = true // checkFeatures refused the build if no crate has one
	} else if d := m.DocsRS; d.Present() {
		conf.From = "docs.rs"
		req = cfg.FeatureRequest{Features: d.Features, AllFeatures: d.AllFeatures, NoDefaultFeatures: d.NoDefaultFeatures}
		target = d.Target()
		cfgs = append(cfgs, "docsrs")
		for _, c := range d.Cfgs() {
			if !slices.Contains(cfgs, c) {
				cfgs = append(cfgs, c)
			}
		}
	}
	features, problems := m.Resolve(req)
	warns = append(warns, problems...)
	// The cfgs the build script prints, as far as its source tells: cargo
	// rustdoc (and docs.rs) runs it, doctown reads it. A --cfg given for the
	// same name is not repeated.
	var script []string
	if m.BuildScript != "" {
		bt := target
		if bt == "" {
			bt = cfg.DefaultTarget
		}
		on, undecided := buildScriptCfgsIn(filepath.Join(c.Dir, filepath.FromSlash(m.BuildScript)), features, bt, cfgs, conf.From == "docs.rs")
		if src, err := os.ReadFile(filepath.Join(c.Dir, filepath.FromSlash(m.BuildScript))); err == nil {
			conf.buildScript = m.BuildScript
			for _, m := range printedCfgRe.FindAllSubmatch(src, -1) {
				conf.scriptNames = append(conf.scriptNames, string(m[1]))
			}
		}
		conf.scriptUndecided = undecided
		for _, u := range undecided {
			// winapi's build script turns on a feature per header that
			// "everything" (docs.rs's choice) or another header needs.
			if strings.HasPrefix(u, "feature=") && strings.HasSuffix(u, "(computed)") {
				warns = append(warns, "the build script turns on features it computes (cargo:rustc-cfg=feature=…); doctown runs no build script, so the items behind them are left out unless asked for: --all-features documents all of them")
				break
			}
		}
		for _, v := range on {
			if !slices.Contains(cfgs, v) {
				script = append(script, v)
			}
		}
	}
	all := append(slices.Clip(cfgs), script...)
	set, err := cfg.New(cfg.Config{Target: target, Features: features, Cfgs: all})
	if err != nil {
		warns = append(warns, err.Error()+"; using "+cfg.DefaultTarget)
		set, _ = cfg.New(cfg.Config{Features: features, Cfgs: all})
	}
	conf.Target, conf.Features, conf.Cfgs, conf.BuildScriptCfgs = set.Target(), features, cfgs, script
	if conf.Features == nil {
		conf.Features = []string{}
	}
	docsCfgs := append(slices.Clip(all), "docsrs")
	docsCfgs = append(docsCfgs, m.DocsRS.Cfgs()...)
	docs, err := cfg.New(cfg.Config{Target: set.Target(), Features: features, Cfgs: docsCfgs})
	if err != nil {
		docs = set
	}
	return set, docs, conf, warns
}

// docCfgEnabled reports whether a crate root's attributes turn on rustdoc's
// doc_cfg (or the doc_auto_cfg it replaced) in the configuration docs:
// #![feature(doc_cfg)], or inside a #![cfg_attr(pred, …)] whose pred holds
// (docsrs, or a --cfg of the docs.rs metadata such as syn's doc_cfg).
func docCfgEnabled(docs *cfg.Set, attrs []string) bool {
	for _, a := range attrs {
		for _, in := range activeAttrs(docs, a, 0) {
			if args, ok := attrArgs("#["+in+"]", "feature"); ok {
				for _, f := range splitTop(args) {
					if f == "doc_cfg" || f == "doc_auto_cfg" {
						return true
					}
				}
			}
		}
	}
	return false
}

// docCfgOf returns the predicates of the #[doc(cfg(…))] among attrs (written
// plainly or through a #[cfg_attr(pred, doc(cfg(…)))] whose pred holds in
// docs), and whether there is one.
func docCfgOf(docs *cfg.Set, attrs []string) ([]cfgexpr.Expr, bool) {
	var out []cfgexpr.Expr
	found := false
	for _, a := range attrs {
		for _, in := range activeAttrs(docs, a, 0) {
			args, ok := attrArgs("#["+in+"]", "doc")
			if !ok {
				continue
			}
			for _, part := range splitTop(args) {
				pred, ok := attrArgs("#["+part+"]", "cfg")
				if !ok {
					continue
				}
				found = true
				if x, err := cfgexpr.Parse(pred); err == nil {
					out = append(out, x)
				}
			}
		}
	}
	return out, found
}

// activeAttrs is what attribute a stands for in configuration set, as the
// insides of attributes: itself, or for #[cfg_attr(pred, x, y)] x and y (in
// turn expanded) when pred holds, nothing when it does not.
func activeAttrs(set *cfg.Set, a string, depth int) []string {
	inner, ok := cfgAttrOf(a)
	if !ok {
		a = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(a, "#"), "!"))
		return []string{strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(a, "["), "]"))}
	}
	parts := splitTop(inner)
	if depth > 8 || len(parts) < 2 || !attrsOn(set, []string{"#[cfg(" + parts[0] + ")]"}) {
		return nil
	}
	var out []string
	for _, p := range parts[1:] {
		out = append(out, activeAttrs(set, "#["+p+"]", depth+1)...)
	}
	return out
}

// cfgOf returns the predicate of a #[cfg(…)] or #![cfg(…)] attribute.
func cfgOf(attr string) (string, bool) { return attrArgs(attr, "cfg") }

// attrArgs returns what stands inside the parentheses of attribute name:
// attrArgs("#[cfg_attr(unix, path = \"u.rs\")]", "cfg_attr") is
// `unix, path = "u.rs"`. Inner attributes (#![…]) count too.
func attrArgs(attr, name string) (string, bool) {
	a := strings.TrimSpace(attr)
	a = strings.TrimPrefix(a, "#!")
	a = strings.TrimPrefix(a, "#")
	a = strings.TrimSpace(a)
	if !strings.HasPrefix(a, "[") || !strings.HasSuffix(a, "]") {
		return "", false
	}
	a = strings.TrimSpace(a[1 : len(a)-1])
	rest, ok := strings.CutPrefix(a, name)
	if !ok {
		return "", false
	}
	rest = strings.TrimSpace(rest)
	if !strings.HasPrefix(rest, "(") || !strings.HasSuffix(rest, ")") {
		return "", false
	}
	return rest[1 : len(rest)-1], true
}

// attrsOn reports whether every #[cfg] among attrs holds in set (nil: all do).
func attrsOn(set *cfg.Set, attrs []string) bool { return falseCfg(set, attrs) == "" }

// falseCfg returns the first of attrs that is a #[cfg(…)] false in set, or "".
func falseCfg(set *cfg.Set, attrs []string) string {
	if set == nil {
		return ""
	}
	for _, a := range attrs {
		if p, ok := cfgOf(a); ok {
			// A predicate that does not parse keeps the item (rustc would reject it).
			if on, err := set.EvalString(p); err == nil && !on {
				return a
			}
		}
	}
	return ""
}

// splitTop splits s at commas outside brackets and strings.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	inStr := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inStr:
			if c == '\\' {
				i++
			} else if c == '"' {
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	if t := strings.TrimSpace(s[start:]); t != "" {
		out = append(out, t)
	}
	return out
}

// cfgAttrOf returns the inside of a #[cfg_attr(…)] attribute.
func cfgAttrOf(attr string) (string, bool) { return attrArgs(attr, "cfg_attr") }

// unknownCfgWarnings words the warnings about the cfg names a crate's code
// tests that nothing set (cfg.Set.Unknown), by who could have set them: its
// build script, under conditions its source does not decide; or nothing
// doctown knows of (no build script prints them, no --cfg gives them), which
// is often a misspelling rustc's check-cfg would flag (rand's
// #[cfg(features = "std")]).
func unknownCfgWarnings(unknown []string, conf CrateConfig) []string {
	var script, nobody []string
	for _, u := range unknown {
		if slices.ContainsFunc(conf.scriptUndecided, func(s string) bool { return s == u || strings.HasPrefix(s, u+"=") }) {
			script = append(script, u)
		} else if slices.Contains(conf.scriptNames, u) {
			// printed only under conditions its source decides false here
			// (proc-macro2's no_hygiene for rustc < 1.45): off, as cargo has it
		} else {
			nobody = append(nobody, u)
		}
	}
	var out []string
	if len(script) > 0 {
		out = append(out, "cfg "+strings.Join(script, ", ")+" unknown: the build script ("+conf.buildScript+
			") prints them under conditions its source does not decide, and doctown runs no build script: taken as false (--cfg NAME sets one)")
	}
	if len(nobody) > 0 {
		why := "no build script prints them"
		if conf.buildScript == "" {
			why = "the crate has no build script"
		}
		msg := "cfg " + strings.Join(nobody, ", ") + " tested but set by nothing (" + why + ", no --cfg gives them): taken as false"
		for _, n := range nobody {
			if like := cfg.SimilarName(n); like != "" {
				msg += "; `" + n + "` may be a misspelling of `" + like + "`"
			}
		}
		out = append(out, msg)
	}
	return out
}
