package rust

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

const cfgCargo = `[package]
name = "demo"
version = "0.1.0"

[features]
default = ["std"]
std = []
net = []
loop-a = ["loop-b"]
loop-b = ["loop-a"]
`

// cfgCrate is a crate whose API depends on the build configuration in every
// way extraction evaluates: #[cfg] on items, fields and variants, both arms of
// a cfg'd module pair, cfg_attr(path), #![cfg] at the top of a module file,
// and cfg_if! in its plain, path-qualified, else-if and nested forms.
var cfgCrate = map[string]string{
	"Cargo.toml": cfgCargo,
	"src/lib.rs": `
#[cfg(feature = "std")]
pub fn with_std() {}
#[cfg(not(feature = "std"))]
pub fn without_std() {}
#[cfg(feature = "net")]
pub mod net;
#[cfg(windows)]
pub mod win { pub fn only_windows() {} }
#[cfg(unix)]
pub mod sys;
#[cfg(not(unix))]
pub(crate) mod sys;
#[cfg_attr(unix, path = "plat/unix.rs")]
#[cfg_attr(windows, path = "plat/windows.rs")]
pub mod plat;
pub mod gated;

pub struct S {
    pub always: u8,
    #[cfg(feature = "net")]
    pub net_only: u8,
}
pub enum E { A, #[cfg(test)] OnlyInTests }

cfg_if::cfg_if! {
    if #[cfg(windows)] {
        pub fn pick() -> &'static str { "windows" }
    } else if #[cfg(unix)] {
        /// The unix one.
        pub fn pick() -> &'static str { "unix" }
        mod arm_mod;
        pub use self::arm_mod::FromArm;
    } else {
        pub fn pick() -> &'static str { "other" }
    }
}

cfg_if! {
    if #[cfg(feature = "net")] {
        pub struct NetOnly;
    }
}

cfg_if! {
    if #[cfg(feature = "std")] {
        cfg_if! {
            if #[cfg(target_pointer_width = "64")] {
                pub struct Nested64;
            } else {
                pub struct Nested32;
            }
        }
    }
}
`,
	"src/net.rs":          "pub struct Socket;\n",
	"src/sys.rs":          "pub fn sys_fn() {}\n",
	"src/plat/unix.rs":    "pub fn unix_plat() {}\n",
	"src/plat/windows.rs": "pub fn windows_plat() {}\n",
	"src/gated.rs":        "#![cfg(feature = \"net\")]\npub fn gated_fn() {}\n",
	"src/arm_mod.rs":      "pub struct FromArm;\n",
}

func TestCfgEvaluation(t *testing.T) {
	dir := writeRepo(t, cfgCrate)
	for _, tt := range []struct {
		name string
		b    BuildConfig
		want []string
		not  []string
	}{
		{"default", BuildConfig{},
			[]string{"demo::with_std", "demo::sys::sys_fn", "demo::plat::unix_plat", "demo::S::always", "demo::E::A", "demo::pick", "demo::FromArm", "demo::Nested64"},
			[]string{"demo::without_std", "demo::net", "demo::win", "demo::plat::windows_plat", "demo::S::net_only", "demo::E::OnlyInTests", "demo::NetOnly", "demo::Nested32", "demo::gated::gated_fn"}},
		{"features", BuildConfig{Features: []string{"net"}, NoDefaultFeatures: true},
			[]string{"demo::without_std", "demo::net::Socket", "demo::S::net_only", "demo::NetOnly", "demo::gated::gated_fn"},
			[]string{"demo::with_std", "demo::Nested64"}},
		{"windows", BuildConfig{Target: "x86_64-pc-windows-msvc"},
			[]string{"demo::win::only_windows", "demo::plat::windows_plat", "demo::pick"},
			[]string{"demo::sys", "demo::plat::unix_plat", "demo::FromArm"}},
		{"32-bit", BuildConfig{Target: "i686-unknown-linux-gnu"}, []string{"demo::Nested32"}, []string{"demo::Nested64"}},
		{"feature cycle", BuildConfig{Features: []string{"loop-a"}}, []string{"demo::with_std"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := extractRepo(t, dir, Options{Build: tt.b})
			paths := symbolPaths(res)
			for _, w := range tt.want {
				if !slices.Contains(paths, w) {
					t.Errorf("%s is missing; have %v", w, paths)
				}
			}
			for _, n := range tt.not {
				for _, p := range paths {
					if p == n || strings.HasPrefix(p, n+"::") {
						t.Errorf("%s is there, its cfg is false", p)
					}
				}
			}
			n := 0
			for _, p := range paths {
				if p == "demo::pick" {
					n++
				}
			}
			if n != 1 {
				t.Errorf("cfg_if! gave %d pick functions, want the one arm's", n)
			}
			if len(res.Configs) != 1 || res.Configs[0].Target == "" {
				t.Errorf("configs: %+v", res.Configs)
			}
		})
	}
}

// TestDocsRSMetadata: without flags, [package.metadata.docs.rs] decides, with
// --cfg docsrs, as on docs.rs; any flag turns it off.
func TestDocsRSMetadata(t *testing.T) {
	files := map[string]string{
		"Cargo.toml": cfgCargo + "\n[package.metadata.docs.rs]\nfeatures = [\"net\"]\nrustdoc-args = [\"--cfg\", \"docsrs\"]\n",
		"src/lib.rs": "#[cfg(feature = \"net\")]\npub fn net() {}\n#[cfg(docsrs)]\npub fn only_on_docs_rs() {}\npub fn always() {}\n",
	}
	dir := writeRepo(t, files)
	res := extractRepo(t, dir, Options{})
	if p := symbolPaths(res); !slices.Contains(p, "demo::net") || !slices.Contains(p, "demo::only_on_docs_rs") {
		t.Errorf("docs.rs metadata not applied: %v", p)
	}
	if res.Configs[0].From != "docs.rs" {
		t.Errorf("from = %q", res.Configs[0].From)
	}
	res = extractRepo(t, dir, Options{Build: BuildConfig{Features: []string{"std"}}})
	if p := symbolPaths(res); slices.Contains(p, "demo::net") || slices.Contains(p, "demo::only_on_docs_rs") {
		t.Errorf("flags should replace the docs.rs metadata: %v", p)
	}
}

// TestCfgBadInput: cfg_if! with no true arm, a build-script cfg and a
// cfg_attr path leaving the repository each give warnings and the rest of the
// crate, within a deadline; an unknown feature is an error.
func TestCfgBadInput(t *testing.T) {
	dir := writeRepo(t, map[string]string{
		"Cargo.toml": cfgCargo,
		"src/lib.rs": `
cfg_if::cfg_if! {
    if #[cfg(windows)] { pub fn never() {} }
    else if #[cfg(target_os = "macos")] { pub fn never2() {} }
}
cfg_if::cfg_if! { if #[cfg(` + strings.Repeat("not(", 5000) + `unix` + strings.Repeat(")", 5000) + `)] { pub fn deep() {} } }
cfg_if::cfg_if! { if #[cfg(unix)] { pub fn broken( -> } }
#[cfg(has_std_build_script_cfg)]
pub fn from_build_script() {}
#[cfg_attr(unix, path = "../../../etc/passwd")]
mod escape;
pub fn kept() {}
`,
	})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	crates, err := Discover(dir)
	if err != nil {
		t.Fatal(err)
	}
	// A feature the crate lacks is refused, as cargo refuses it.
	var fe *FeatureError
	if _, err := Extract(ctx, dir, crates, Options{Build: BuildConfig{Features: []string{"nope"}}}); !errors.As(err, &fe) || !slices.Equal(fe.Missing, []string{"nope"}) {
		t.Errorf("--features nope: err %v, want a FeatureError", err)
	}
	res, err := Extract(ctx, dir, crates, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := symbolPaths(res)
	if !slices.Contains(p, "demo::kept") || slices.Contains(p, "demo::never") || slices.Contains(p, "demo::from_build_script") {
		t.Errorf("symbols: %v", p)
	}
	var warns []string
	for _, w := range res.Warnings {
		warns = append(warns, w.String())
	}
	all := strings.Join(warns, "\n")
	for _, want := range []string{"has_std_build_script_cfg tested but set by nothing", "escape"} {
		if !strings.Contains(all, want) {
			t.Errorf("no warning about %q in:\n%s", want, all)
		}
	}
}

// TestWinapiDocsRS: winapi's docs.rs configuration (features everything,
// impl-debug, impl-default on x86_64-pc-windows-msvc) enables no header on
// its own: winapi's build script turns the header features on, which doctown
// does not run. The build says so and names the way to get them.
func TestWinapiDocsRS(t *testing.T) {
	dir := registryCrate(t, "winapi")
	crates, err := Discover(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Extract(t.Context(), dir, crates[:1], Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Configs[0]; c.From != "docs.rs" || c.Target != "x86_64-pc-windows-msvc" || !slices.Contains(c.Features, "everything") {
		t.Errorf("configuration %+v, want docs.rs's", c)
	}
	warned := false
	for _, w := range res.Warnings {
		warned = warned || strings.Contains(w.Message, "--all-features documents all of them")
	}
	if !warned {
		t.Errorf("no warning about the features winapi's build script computes: %v", res.Warnings)
	}
	if testing.Short() {
		return
	}
	all, err := Extract(t.Context(), dir, crates[:1], Options{Build: BuildConfig{AllFeatures: true, Target: "x86_64-pc-windows-msvc"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Symbols) < 100*len(res.Symbols) {
		t.Errorf("--all-features gives %d symbols, docs.rs's features alone %d", len(all.Symbols), len(res.Symbols))
	}
	t.Logf("winapi: docs.rs features %d symbols, --all-features %d", len(res.Symbols), len(all.Symbols))
}

// TestFalseCfgModulesNotRead: the files under a module whose file starts
// with a false #![cfg(…)] are not read (winapi's root has #![cfg(windows)]:
// built for Linux it once parsed 6.6 MB for one symbol); a crate root's false
// #![cfg] is said in a warning naming it. For the true target everything is
// read.
func TestFalseCfgModulesNotRead(t *testing.T) {
	dir := writeRepo(t, map[string]string{
		"Cargo.toml":         "[package]\nname = \"winish\"\nversion = \"0.1.0\"\n",
		"src/lib.rs":         "//! Windows only.\n#![cfg(windows)]\npub mod um;\n",
		"src/um/mod.rs":      "pub mod deep;\npub fn um_fn() {}\n",
		"src/um/deep.rs":     "pub fn deep_fn() {}\n",
		"src/other/mod.rs":   "pub fn unreached() {}\n",
		"src/other/more.rs":  "pub fn more() {}\n",
		"src/other/extra.rs": "pub fn extra() {}\n",
	})
	for _, tt := range []struct {
		target string
		files  int
		paths  []string
		warn   bool
	}{
		{"x86_64-unknown-linux-gnu", 1, []string{"winish"}, true},
		{"x86_64-pc-windows-msvc", 3, []string{"winish", "winish::um", "winish::um::deep", "winish::um::deep::deep_fn", "winish::um::um_fn"}, false},
	} {
		t.Run(tt.target, func(t *testing.T) {
			res := extractRepo(t, dir, Options{Build: BuildConfig{Target: tt.target}})
			paths := symbolPaths(res)
			slices.Sort(paths)
			if res.Files != tt.files || !slices.Equal(paths, tt.paths) {
				t.Errorf("%d files read %v, symbols %v; want %d files, %v", res.Files, res.Paths, paths, tt.files, tt.paths)
			}
			var said []string
			for _, w := range res.Warnings {
				if strings.Contains(w.Message, "#![cfg(windows)] is false for target "+tt.target) {
					said = append(said, w.String())
				}
				if strings.Contains(w.Message, "public items found") {
					t.Errorf("a guess at why the crate is small: %s", w)
				}
			}
			if (len(said) > 0) != tt.warn {
				t.Errorf("warnings %v: want one about the root's cfg: %v", res.Warnings, tt.warn)
			}
		})
	}
}

// TestUnknownCfgWarnings: a cfg nothing sets is not blamed on a build script
// the crate does not have (rand's #[cfg(features = "std")] typo), one the
// build script prints undecided names the script, and one it prints only
// under conditions decided false here gives no warning.
func TestUnknownCfgWarnings(t *testing.T) {
	lib := "#[cfg(features = \"std\")]\npub fn typo() {}\n#[cfg(from_script)]\npub fn a() {}\n#[cfg(old_rustc)]\npub fn b() {}\npub fn kept() {}\n"
	for _, tc := range []struct {
		name    string
		files   map[string]string
		want    []string
		notWant []string
	}{
		{"no build script", map[string]string{"Cargo.toml": cargoToml, "src/lib.rs": lib},
			[]string{"cfg features, from_script, old_rustc tested but set by nothing (the crate has no build script", "`features` may be a misspelling of `feature`"},
			[]string{"build script (build.rs)"}},
		{"build script", map[string]string{"Cargo.toml": cargoToml, "src/lib.rs": lib, "build.rs": `
fn main() {
    if env::var("SOMETHING_ELSE").is_ok() {
        println!("cargo:rustc-cfg=from_script");
    }
    if rustc_minor() < 20 {
        println!("cargo:rustc-cfg=old_rustc");
    }
}`},
			[]string{"cfg from_script unknown: the build script (build.rs) prints them under conditions its source does not decide",
				"cfg features tested but set by nothing (no build script prints them"},
			[]string{"old_rustc"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := extractRepo(t, writeRepo(t, tc.files), Options{})
			all := strings.Join(warningStrings(res), "\n")
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("no warning %q in:\n%s", w, all)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(all, w) {
					t.Errorf("warning mentions %q:\n%s", w, all)
				}
			}
		})
	}
}
