package cfg

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const sample = `
[package]
name = "sample"
version = "0.1.0"

[package.metadata.docs.rs]
features = ["net"]
rustdoc-args = ["--cfg", "docsrs", "--cfg=tokio_unstable"]
default-target = "x86_64-pc-windows-msvc"

[dependencies]
serde = { version = "1", optional = true }
libc = { version = "0.2", optional = true }
log = "0.4"
bytes_crate = { package = "bytes", version = "1", optional = true }

[target.'cfg(windows)'.dependencies]
winapi = { version = "0.3", optional = true }

[features]
default = ["std"]
std = ["alloc"]
alloc = []
full = ["net", "io", "serde/derive"]
net = ["dep:libc", "bytes_crate?/std"]
io = []
loop_a = ["loop_b"]
loop_b = ["loop_a", "io"]
`

func TestResolve(t *testing.T) {
	m, err := ParseManifest([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"bytes_crate", "libc", "serde", "winapi"}; !slices.Equal(m.Optional, want) {
		t.Fatalf("Optional = %v, want %v", m.Optional, want)
	}
	for _, tc := range []struct {
		name string
		req  FeatureRequest
		want []string
		warn string
	}{
		{"default", FeatureRequest{}, []string{"alloc", "default", "std"}, ""},
		{"no-default", FeatureRequest{NoDefaultFeatures: true}, nil, ""},
		{"full enables serde implicitly", FeatureRequest{Features: []string{"full"}}, []string{"alloc", "default", "full", "io", "net", "serde", "std"}, ""},
		{"dep: makes no feature; weak dep stays off", FeatureRequest{Features: []string{"net"}, NoDefaultFeatures: true}, []string{"net"}, ""},
		{"comma and space separated", FeatureRequest{Features: []string{"io,alloc winapi"}, NoDefaultFeatures: true}, []string{"alloc", "io", "winapi"}, ""},
		{"all-features", FeatureRequest{AllFeatures: true}, []string{"alloc", "bytes_crate", "default", "full", "io", "loop_a", "loop_b", "net", "serde", "std", "winapi"}, "feature cycle"},
		{"cycle", FeatureRequest{Features: []string{"loop_a"}, NoDefaultFeatures: true}, []string{"io", "loop_a", "loop_b"}, "feature cycle: loop_a → loop_b → loop_a"},
		{"unknown feature", FeatureRequest{Features: []string{"nope"}, NoDefaultFeatures: true}, nil, `"nope" requested`},
		{"dep/feature form", FeatureRequest{Features: []string{"serde/derive"}, NoDefaultFeatures: true}, []string{"serde"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, warns := m.Resolve(tc.req)
			if !slices.Equal(got, tc.want) {
				t.Errorf("features = %v, want %v", got, tc.want)
			}
			joined := strings.Join(warns, "\n")
			if tc.warn == "" && joined != "" || !strings.Contains(joined, tc.warn) {
				t.Errorf("warnings = %q, want one containing %q", joined, tc.warn)
			}
		})
	}
	d := m.DocsRS
	if !d.Present() || d.Target() != "x86_64-pc-windows-msvc" || !slices.Equal(d.Cfgs(), []string{"docsrs", "tokio_unstable"}) || !slices.Equal(d.Features, []string{"net"}) {
		t.Errorf("docs.rs metadata = %+v", d)
	}
}

// TestResolveRegistry resolves real manifests from Debian's crates.
func TestResolveRegistry(t *testing.T) {
	matches, _ := filepath.Glob("/usr/share/cargo/registry/tokio-[0-9]*/Cargo.toml")
	if len(matches) == 0 {
		t.Skip("tokio sources not installed")
	}
	m, err := ReadManifest(matches[len(matches)-1])
	if err != nil {
		t.Fatal(err)
	}
	got, warns := m.Resolve(FeatureRequest{Features: []string{"full"}})
	for _, f := range []string{"full", "net", "rt-multi-thread", "macros", "sync", "time", "fs", "io-util"} {
		if !slices.Contains(got, f) {
			t.Errorf("tokio full: %s not enabled (got %v)", f, got)
		}
	}
	if slices.Contains(got, "tracing") || slices.Contains(got, "test-util") {
		t.Errorf("tokio full enables more than it says: %v", got)
	}
	if len(warns) > 0 {
		t.Errorf("warnings: %v", warns)
	}
}
