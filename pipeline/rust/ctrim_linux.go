//go:build linux

package rust

/*
#include <stddef.h>

// malloc_trim is glibc's; declared weak, it is NULL where the C library has
// none (musl), and nothing is trimmed.
extern int malloc_trim(size_t pad) __attribute__((weak));

static void doctown_trim(void) {
	if (malloc_trim) {
		malloc_trim(0);
	}
}
*/
import "C"

// releaseCHeap gives the pages the C heap holds free back to the system.
// tree-sitter's trees are freed once each file is read, but glibc keeps the
// freed memory of its arenas resident (one per parser thread): after winapi's
// files are parsed some 28 MB of RSS, unused, for the rest of the build, on
// top of the resolve's Go heap, the peak.
func releaseCHeap() {
	C.doctown_trim()
}
