package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Ctrl-C while the docpack is being packaged: `doctown build` exits 3 and
// leaves nothing at -o. The interrupt is the command's context being
// cancelled (what signal.NotifyContext in main does on SIGINT), at the first
// package progress event the command prints with --json.
func TestBuildInterruptedDuringPackage(t *testing.T) {
	dir := t.TempDir()
	var src strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&src, "/// Returns %d.\npub fn f%d() -> u32 { %d }\n", i, i, i)
	}
	if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Cargo.toml"), []byte("[package]\nname = \"many\"\nversion = \"0.1.0\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "src", "lib.rs"), []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	outDir := t.TempDir()
	out := filepath.Join(outDir, "many.docpack")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	events := &interruptOn{cancel: cancel, stage: "package"}
	var errOut bytes.Buffer
	s := &IO{In: strings.NewReader(""), Out: events, ErrOut: &errOut, Getenv: func(string) string { return "" }}
	code := MainIO(ctx, []string{"build", dir, "-o", out, "--json", "--no-cache"}, s)
	if code != ExitCancel {
		t.Fatalf("exit %d, want %d; stderr %q", code, ExitCancel, errOut.String())
	}
	if !events.fired {
		t.Fatal("no package progress event was printed")
	}
	if entries, _ := os.ReadDir(outDir); len(entries) != 0 {
		t.Errorf("left at the output: %v", entries)
	}
}

// interruptOn is the --json stdout of a build: it cancels the build at the
// first progress event of stage.
type interruptOn struct {
	mu     sync.Mutex
	cancel func()
	stage  string
	fired  bool
}

func (w *interruptOn) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, line := range bytes.Split(b, []byte("\n")) {
		var ev struct{ Event, Stage string }
		if json.Unmarshal(line, &ev) == nil && ev.Event == "progress" && ev.Stage == w.stage && !w.fired {
			w.fired = true
			w.cancel()
		}
	}
	return len(b), nil
}
