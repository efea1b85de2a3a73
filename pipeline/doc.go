// Package pipeline is the doctown build: source → parse → extract → batch →
// generate → package → upload. Each stage reports what it does as Events to an
// Observer; nothing here prints to a terminal. The CLI, the TUI, the RunPod worker
// and the relay all run builds through Build.
package pipeline
