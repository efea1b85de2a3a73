package cfg

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestEval(t *testing.T) {
	linux, win, mac, wasm, arm32 := "x86_64-unknown-linux-gnu", "x86_64-pc-windows-msvc", "aarch64-apple-darwin", "wasm32-unknown-unknown", "armv7-unknown-linux-gnueabihf"
	for _, tc := range []struct {
		pred     string
		target   string
		features []string
		cfgs     []string
		want     bool
	}{
		{"unix", linux, nil, nil, true},
		{"unix", win, nil, nil, false},
		{"windows", win, nil, nil, true},
		{`target_os = "linux"`, linux, nil, nil, true},
		{`target_os="macos"`, mac, nil, nil, true},
		{`target_os = "linux"`, mac, nil, nil, false},
		{`target_family = "wasm"`, wasm, nil, nil, true},
		{"unix", wasm, nil, nil, false},
		{`target_arch = "x86_64"`, linux, nil, nil, true},
		{`target_arch = "arm"`, arm32, nil, nil, true},
		{`target_pointer_width = "32"`, arm32, nil, nil, true},
		{`target_pointer_width = "64"`, arm32, nil, nil, false},
		{`target_endian = "little"`, linux, nil, nil, true},
		{`target_env = "msvc"`, win, nil, nil, true},
		{`target_env = "gnu"`, win, nil, nil, false},
		{`target_vendor = "apple"`, mac, nil, nil, true},
		{`target_has_atomic = "64"`, linux, nil, nil, true},
		{`target_has_atomic = "128"`, linux, nil, nil, false},
		{`target_has_atomic = "128"`, mac, nil, nil, true},
		{`target_has_atomic = "ptr"`, arm32, nil, nil, true},
		{`panic = "unwind"`, linux, nil, nil, true},
		{`panic = "abort"`, wasm, nil, nil, true},
		{"debug_assertions", linux, nil, nil, true},
		{"test", linux, nil, nil, false},
		{"doc", linux, nil, nil, true},
		{"docsrs", linux, nil, nil, false},
		{"docsrs", linux, nil, []string{"docsrs"}, true},
		{`tokio_unstable`, linux, nil, []string{"tokio_unstable"}, true},
		{`my_cfg = "b"`, linux, nil, []string{`my_cfg="a"`, `my_cfg="b"`}, true},
		{`my_cfg = "c"`, linux, nil, []string{`my_cfg="a"`}, false},
		{`feature = "full"`, linux, []string{"full"}, nil, true},
		{`feature = "full"`, linux, nil, nil, false},
		{`all(unix, feature = "net")`, linux, []string{"net"}, nil, true},
		{`all(unix, feature = "net")`, win, []string{"net"}, nil, false},
		{`any(windows, feature = "net")`, win, nil, nil, true},
		{`any(windows, feature = "net")`, linux, nil, nil, false},
		{`not(any(target_os = "linux", target_os = "android"))`, linux, nil, nil, false},
		{`not(any(target_os = "linux", target_os = "android"))`, mac, nil, nil, true},
		{`all()`, linux, nil, nil, true},
		{`any()`, linux, nil, nil, false},
		{`all(not(test), any(doc, r#unix))`, linux, nil, nil, true},
		{`all(target_arch = "x86_64", target_feature = "sse2")`, linux, nil, nil, true},
		{`target_feature = "avx2"`, linux, nil, nil, false},
		{`not(no_global_oom_handling)`, linux, nil, nil, true},
	} {
		t.Run(tc.target+"/"+tc.pred, func(t *testing.T) {
			s, err := New(Config{Target: tc.target, Features: tc.features, Cfgs: tc.cfgs})
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.EvalString(tc.pred)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("%s on %s with %v %v = %v, want %v", tc.pred, tc.target, tc.features, tc.cfgs, got, tc.want)
			}
		})
	}
}

func TestUnknownCfgs(t *testing.T) {
	s, err := New(Config{Cfgs: []string{"tokio_unstable"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"has_foo", `all(unix, not(lock_api_const_fn))`, "tokio_unstable", "docsrs", `feature = "x"`} {
		if _, err := s.EvalString(p); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := s.Unknown(), []string{"has_foo", "lock_api_const_fn"}; !slices.Equal(got, want) {
		t.Errorf("Unknown() = %v, want %v", got, want)
	}
}

func TestBadInput(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"", "all(unix", `feature = full`, "not(unix, windows)", "unix windows", `feature = "x`,
		strings.Repeat("not(", 100000) + "unix" + strings.Repeat(")", 100000)} {
		if v, err := s.EvalString(p); err == nil || !v {
			t.Errorf("EvalString(%.40q) = %v, %v; want true (kept) and an error", p, v, err)
		}
	}
	if _, err := New(Config{Target: "x86_64-unknown-nowhere"}); err == nil {
		t.Error("unknown target: no error")
	}
	if _, err := New(Config{Cfgs: []string{"all(a)"}}); err == nil {
		t.Error("--cfg all(a): no error")
	}
}

// TestTargetsMatchRustc checks the target table against the rustc installed:
// what `rustc --print cfg --target T` prints (debug_assertions aside) must be
// exactly the table's entry for every target of the table.
func TestTargetsMatchRustc(t *testing.T) {
	rustc, err := exec.LookPath("rustc")
	if err != nil {
		if p := filepath.Join(os.Getenv("HOME"), ".cargo", "bin", "rustc"); fileExists(p) {
			rustc = p
		} else if os.Getenv("DOCTOWN_REQUIRE_ALL") == "1" {
			t.Fatal("rustc not installed")
		} else {
			t.Skip("rustc not installed")
		}
	}
	for _, tr := range Targets() {
		t.Run(tr, func(t *testing.T) {
			out, err := exec.CommandContext(t.Context(), rustc, "--print", "cfg", "--target", tr).Output()
			if err != nil {
				t.Skipf("rustc cannot print target %s: %v", tr, err)
			}
			var got []string
			for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				if l != "debug_assertions" {
					got = append(got, l)
				}
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(targets[tr]))
			if !slices.Equal(got, want) {
				t.Errorf("table differs from rustc for %s:\nrustc: %v\ntable: %v", tr, got, want)
			}
			// And the evaluator agrees with rustc's own list on every line.
			s, err := New(Config{Target: tr})
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range got {
				if v, err := s.EvalString(l); err != nil || !v {
					t.Errorf("%s: %s = %v, %v; rustc says it is set", tr, l, v, err)
				}
			}
		})
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
