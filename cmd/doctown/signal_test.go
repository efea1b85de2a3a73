package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestMain lets the tests run this test binary as doctown itself.
func TestMain(m *testing.M) {
	if os.Getenv("DOCTOWN_TEST_AS_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// A build whose terminal goes away (SIGHUP) is cancelled like Ctrl-C: exit 3
// and nothing left in the output directory, not even the temporary docpack
// (the default action of SIGHUP killed the process and left .docpack-*.tmp).
func TestBuildHangupCancels(t *testing.T) {
	dir := manyModules(t)
	outDir := t.TempDir()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "build", dir, "-o", filepath.Join(outDir, "many.docpack"), "--json", "--no-cache", "--workers", "1")
	cmd.Env = append(os.Environ(), "DOCTOWN_TEST_AS_MAIN=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sent := false
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		var ev struct{ Event, Stage string }
		if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Event == "progress" && ev.Stage == "parse" && !sent {
			sent = true
			if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
				t.Fatal(err)
			}
		}
	}
	err = cmd.Wait()
	if !sent {
		t.Fatalf("no parse progress event; stderr %q", stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 3 {
		t.Fatalf("exit %d (%v), want 3 (interrupted); stderr %q", code, err, stderr.String())
	}
	if entries, _ := os.ReadDir(outDir); len(entries) != 0 {
		t.Errorf("left in the output directory: %v", entries)
	}
}

// A reader that goes away mid-build (`doctown build --json | head -1`, here
// closing the pipe when packaging starts) cancels the build like Ctrl-C: exit
// 3 and nothing left behind. SIGPIPE used to kill the process where it stood,
// leaving .docpack-*.tmp in the output directory.
func TestBuildClosedPipeCancels(t *testing.T) {
	dir := manyModules(t)
	outDir := t.TempDir()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "build", dir, "-o", filepath.Join(outDir, "many.docpack"), "--json", "--no-cache", "--workers", "1")
	cmd.Env = append(os.Environ(), "DOCTOWN_TEST_AS_MAIN=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	sc := bufio.NewScanner(r)
	packaging := false
	for !packaging && sc.Scan() {
		var ev struct{ Event, Stage string }
		packaging = json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Event == "stage_started" && ev.Stage == "package"
	}
	r.Close() // as head does after its line
	err = cmd.Wait()
	if !packaging {
		t.Fatalf("no package stage; stderr %q", stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 3 {
		t.Fatalf("exit %d (%v), want 3 (interrupted); stderr %q", code, err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "interrupted: output closed") {
		t.Errorf("stderr %q does not say why", stderr.String())
	}
	if entries, _ := os.ReadDir(outDir); len(entries) != 0 {
		t.Errorf("left in the output directory: %v", entries)
	}
}

// manyModules writes a crate of 20 modules of 1,500 functions: a build long
// enough to be interrupted in each stage.
func manyModules(t *testing.T) string {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	lib := "//! Many modules.\n"
	for m := range 20 {
		lib += fmt.Sprintf("pub mod m%d;\n", m)
		var src strings.Builder
		for i := range 1500 {
			fmt.Fprintf(&src, "/// Returns %d.\npub fn f%d() -> u32 { %d }\n", i, i, i)
		}
		if err := os.WriteFile(filepath.Join(dir, "src", fmt.Sprintf("m%d.rs", m)), []byte(src.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "src", "lib.rs"), []byte(lib), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Cargo.toml"), []byte("[package]\nname = \"many\"\nversion = \"0.1.0\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}
