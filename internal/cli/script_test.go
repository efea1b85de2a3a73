package cli

import (
	"context"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/doctown/doctown/internal/fakellm"
	"github.com/doctown/doctown/internal/golden"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"doctown": func() { os.Exit(Main(context.Background(), os.Args[1:])) },
	})
}

// TestScripts runs the end-to-end CLI scripts in testdata/script: small Rust
// crates in .txtar files, `doctown build`, then assertions on the docpack.
func TestScripts(t *testing.T) {
	llmServer := fakellm.New(fakellm.Options{})
	t.Cleanup(llmServer.Close)
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		// -update rewrites the golden sections of the scripts (cmp stdout want.txt).
		UpdateScripts: golden.Update(),
		Setup: func(env *testscript.Env) error {
			env.Setenv("NO_COLOR", "1")
			env.Setenv("HOME", env.WorkDir+"/home")
			env.Setenv("XDG_CACHE_HOME", env.WorkDir+"/cache")
			// An OpenAI-compatible server for scripts that set OPENAI_BASE_URL=$FAKELLM.
			env.Setenv("FAKELLM", llmServer.URL())
			return nil
		},
	})
}
