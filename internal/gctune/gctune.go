// Package gctune holds a process-wide setting of the Go collector (GOGC or
// the memory limit) at another value while some stretch of work runs, for
// builds that run side by side in one process (the relay's workers): the
// first to start sets it, the last to finish puts back what was there.
package gctune

import "sync"

// Setting is one of the runtime's collector settings, held at To while
// any holder has it. The zero value is not usable; fill Set and To.
type Setting struct {
	// Set sets the runtime's value and returns the previous one
	// (debug.SetGCPercent, debug.SetMemoryLimit).
	Set func(int64) int64
	// To is the value held.
	To int64
	// Keep reports whether the value found is left as it is (a collector
	// that is off, a higher GOGC); nil keeps none.
	Keep func(found int64) bool

	mu  sync.Mutex
	n   int
	old int64
}

// Hold sets the value, unless another holder has already or Keep says the
// one found stays, and returns what puts it back once the last holder is done.
func (s *Setting) Hold() (restore func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n == 0 {
		s.old = s.Set(s.To)
		if s.Keep != nil && s.Keep(s.old) {
			s.Set(s.old)
		}
	}
	s.n++
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.n--; s.n == 0 {
				s.Set(s.old)
			}
		})
	}
}
