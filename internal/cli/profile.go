package cli

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"runtime/trace"
)

// startProfiles starts the profiles the environment asks for, for finding
// where a command spends its time without building another binary:
// DOCTOWN_CPUPROFILE names a file for a CPU profile (go tool pprof),
// DOCTOWN_TRACE one for an execution trace (go tool trace), which shows the
// stretches where fewer goroutines run than there are workers. The
// returned stop ends them and closes the files.
func startProfiles(getenv func(string) string) (stop func(), err error) {
	var stops []func()
	stop = func() {
		for _, f := range stops {
			f()
		}
	}
	for _, p := range []struct {
		env   string
		start func(io.Writer) error
		stop  func()
	}{
		{"DOCTOWN_CPUPROFILE", pprof.StartCPUProfile, pprof.StopCPUProfile},
		{"DOCTOWN_TRACE", trace.Start, trace.Stop},
	} {
		name := getenv(p.env)
		if name == "" {
			continue
		}
		f, err := os.Create(name)
		if err == nil {
			if err = p.start(f); err != nil {
				f.Close()
			}
		}
		if err != nil {
			return stop, fmt.Errorf("%s: %w", p.env, err)
		}
		stops = append(stops, func() { p.stop(); f.Close() })
	}
	return stop, nil
}
