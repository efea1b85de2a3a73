package rust

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestBuildScriptCfgs(t *testing.T) {
	tests := []struct {
		name, script  string
		features      []string
		on, undecided []string // undecided: printed under conditions the source does not decide
	}{
		{"version probes", `
fn main() {
    let (rustc_minor_ver, is_nightly) = rustc_minor_nightly();
    let dep_of_std = env::var("CARGO_FEATURE_RUSTC_DEP_OF_STD").is_ok();
    if rustc_minor_ver >= 15 || dep_of_std {
        println!("cargo:rustc-cfg=priv_mod_use");
    }
    if rustc_minor_ver < 40 {
        println!("cargo:rustc-cfg=no_non_exhaustive");
    }
    if dep_of_std {
        println!("cargo:rustc-cfg=thread_local");
    }
    if is_nightly {
        println!("cargo:rustc-cfg=nightly_only");
    }
}`, nil, []string{"priv_mod_use"}, nil},
		{"features and cfg!", `
fn main() {
    if env::var_os("CARGO_FEATURE_STD").is_some() && cfg!(feature = "alloc") {
        println!("cargo:rustc-cfg=has_std");
    }
    if env::var("CARGO_FEATURE_ALIGN").is_err() {
        println!("cargo:rustc-cfg=no_align");
    }
}`, []string{"std", "alloc"}, []string{"has_std", "no_align"}, nil},
		{"autocfg", `
fn main() {
    let ac = autocfg::new();
    if ac.probe_rustc_version(1, 61) {
        println!("cargo:rustc-cfg=has_const_fn_trait_bound");
    }
    if !ac.probe_type("i128") {
        println!("cargo:rustc-cfg=no_i128");
    }
    ac.emit_sysroot_crate("std");
    ac.emit_rustc_version(1, 36);
    ac.emit_type_cfg("u128", "has_u128");
    match std::env::var_os("CARGO_FEATURE_X") {
        Some(_) => autocfg::emit("both_arms"),
        None => autocfg::new().emit_sysroot_crate("both_arms"),
    }
}`, nil, []string{"has_const_fn_trait_bound", "has_std", "has_u128", "rustc_1_36"}, []string{"both_arms", "has_both_arms"}},
		{"locals, helpers, early return", `
fn main() {
    let mut enable = false;
    match AutoCfg::new() {
        Ok(ac) => {
            if ac.probe_rustc_version(1, 60) {
                enable = true;
            }
        }
        Err(e) => println!("cargo:warning={}", e),
    }
    if !enable {
        println!("cargo:rustc-cfg=no_const_thread_local");
    }
    set_cfg("via_helper");
    let version = match rustc_version() {
        Some(v) => v,
        None => return,
    };
    println!("cargo:rustc-cfg=after_none_return");
    if env::var("TARGET").unwrap().contains("wasm") {
        return;
    }
    println!("cargo:rustc-cfg=after_target_return");
    for f in FEATURES {
        println!("cargo:rustc-cfg=feature=\"{}\"", f);
    }
}
fn set_cfg(cfg: &str) {
    println!("cargo:rustc-cfg={}", cfg);
}`, nil, []string{"after_none_return", "after_target_return", "via_helper"}, []string{"feature={} (computed)"}},
		{"methods of the script's types", `
struct Graph(Vec<&'static str>);
impl Graph {
    fn emit_features(&self) {
        for name in &self.0 {
            println!("cargo:rustc-cfg=feature=\"{}\"", name);
        }
    }
    fn emit_fixed(&self) {
        println!("cargo:rustc-cfg=from_method");
    }
}
fn main() {
    let graph = Graph(vec![]);
    graph.emit_features();
    graph.emit_fixed();
}`, nil, []string{"from_method"}, []string{"feature={} (computed)"}},
		// memchr 2.5's build.rs: CARGO_CFG_* from the target, a match on
		// its arch, env::var(…).map(|v| …).unwrap_or(…), format!, and an
		// early return that decides what follows.
		{"cargo cfg environment", `
use std::env;
fn main() {
    enable_simd_optimizations();
    enable_libc();
}
fn enable_simd_optimizations() {
    if is_env_set("CARGO_CFG_MEMCHR_DISABLE_AUTO_SIMD") {
        return;
    }
    let arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap();
    match &arch[..] {
        "x86_64" => {
            if !target_has_feature("sse2") {
                return;
            }
            println!("cargo:rustc-cfg=memchr_runtime_simd");
            if target_has_feature("avx512f") {
                println!("cargo:rustc-cfg=never_on_x86_64_linux");
            }
        }
        "wasm32" | "wasm64" => {
            println!("cargo:rustc-cfg=memchr_runtime_wasm128");
        }
        _ => {}
    }
}
fn enable_libc() {
    if !is_feature_set("LIBC") {
        return;
    }
    println!("cargo:rustc-cfg=memchr_libc");
}
fn is_feature_set(name: &str) -> bool {
    is_env_set(&format!("CARGO_FEATURE_{}", name))
}
fn is_env_set(name: &str) -> bool {
    env::var_os(name).is_some()
}
fn target_has_feature(feature: &str) -> bool {
    env::var("CARGO_CFG_TARGET_FEATURE")
        .map(|features| features.contains(feature))
        .unwrap_or(false)
}`, []string{"std"}, []string{"memchr_runtime_simd"}, nil},
		// proc-macro2 1.0's: DOCS_RS unset outside docs.rs, cfg!(custom)
		// off without --cfg.
		{"DOCS_RS and custom cfg!", `
fn main() {
    let docs_rs = env::var_os("DOCS_RS").is_some();
    let semver_exempt = cfg!(procmacro2_semver_exempt) || docs_rs;
    if semver_exempt {
        println!("cargo:rustc-cfg=procmacro2_semver_exempt");
    }
    if !semver_exempt {
        println!("cargo:rustc-cfg=wrap_proc_macro");
    }
}`, nil, []string{"wrap_proc_macro"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "build.rs")
			if err := os.WriteFile(p, []byte(tc.script), 0o644); err != nil {
				t.Fatal(err)
			}
			on, und := buildScriptCfgs(p, tc.features, "x86_64-unknown-linux-gnu")
			if !slices.Equal(on, tc.on) || !slices.Equal(und, tc.undecided) {
				t.Errorf("got on %q undecided %q\nwant on %q undecided %q", on, und, tc.on, tc.undecided)
			}
		})
	}
}

// TestBuildScriptTarget: what a script computes from TARGET follows the
// target (log's build.rs, as it is).
func TestBuildScriptTarget(t *testing.T) {
	p := filepath.Join(t.TempDir(), "build.rs")
	if err := os.WriteFile(p, []byte(`use std::env;
fn main() {
    let target = match rustc_target() {
        Some(target) => target,
        None => return,
    };
    if target_has_atomic_cas(&target) {
        println!("cargo:rustc-cfg=atomic_cas");
    }
    if target == "wasm32-unknown-unknown" || target.starts_with("wasm") {
        println!("cargo:rustc-cfg=wasm");
    }
    if target.contains("windows") { return; }
    println!("cargo:rustc-cfg=not_windows");
}
fn target_has_atomic_cas(target: &str) -> bool {
    match &target[..] {
        "thumbv6m-none-eabi" | "msp430-none-elf" => false,
        _ => true,
    }
}
fn rustc_target() -> Option<String> {
    env::var("TARGET").ok()
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	for target, want := range map[string][]string{
		"x86_64-unknown-linux-gnu": {"atomic_cas", "not_windows"},
		"thumbv6m-none-eabi":       {"not_windows"},
		"wasm32-unknown-unknown":   {"atomic_cas", "not_windows", "wasm"},
		"x86_64-pc-windows-msvc":   {"atomic_cas"},
	} {
		if on, _ := buildScriptCfgs(p, nil, target); !slices.Equal(on, want) {
			t.Errorf("%s: on %q, want %q", target, on, want)
		}
	}
}

// TestBuildScriptCfgsAgainstCargo compares what buildScriptCfgs reads from
// the registry crates' build scripts with what cargo printed running them
// (the outputs the accuracy test's cargo rustdoc left in its target dir):
// doctown must never set a cfg cargo did not.
func TestBuildScriptCfgsAgainstCargo(t *testing.T) {
	outs, _ := filepath.Glob(filepath.Join(filepath.Dir(rustdocCache(t)), "target", "debug", "build", "*", "output"))
	if len(outs) == 0 {
		t.Skip("no build script outputs (TestAccuracyRealCrates builds them)")
	}
	cargo := map[string][]string{} // crate name → cfgs
	for _, o := range outs {
		data, err := os.ReadFile(o)
		if err != nil {
			continue
		}
		dir := filepath.Base(filepath.Dir(o))
		name := dir[:strings.LastIndex(dir, "-")]
		var cfgs []string
		for _, l := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(l, "cargo:rustc-cfg="); ok {
				cfgs = append(cfgs, v)
			}
		}
		slices.Sort(cfgs)
		cargo[name] = cfgs
	}
	scripts, _ := filepath.Glob(filepath.Join(registryDir, "*", "build.rs"))
	agree, total := 0, 0
	for _, s := range scripts {
		dir := filepath.Dir(s)
		base := filepath.Base(dir)
		name := base[:strings.LastIndex(base, "-")]
		want, ran := cargo[name]
		if !ran {
			continue
		}
		on, _ := buildScriptCfgs(s, expandFeatures(filepath.Join(dir, "Cargo.toml"), nil), "x86_64-unknown-linux-gnu")
		for _, c := range on {
			if !slices.Contains(want, c) {
				t.Errorf("%s: doctown sets %s, cargo's run of build.rs did not (%q)", base, c, want)
			}
		}
		for _, c := range want {
			total++
			if slices.Contains(on, c) {
				agree++
			}
		}
		t.Logf("%-24s cargo %q, doctown %q", base, want, on)
	}
	t.Logf("build-script cfgs cargo printed that doctown reads: %d of %d", agree, total)
}
