//go:build !linux

package rust

// releaseCHeap does nothing where glibc's malloc_trim is not to be had.
func releaseCHeap() {}
