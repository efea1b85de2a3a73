package rust

/*
#include <stddef.h>

void ts_set_allocator(
	void *(*new_malloc)(size_t),
	void *(*new_calloc)(size_t, size_t),
	void *(*new_realloc)(void *, size_t),
	void (*new_free)(void *));
*/
import "C"

// go-tree-sitter routes every allocation of the C library through a Go
// callback (C → Go → C for each malloc and free) so that a Go program could
// plug in its own allocator. We never do, and the round trips cost a fifth of
// the parse time on one core and serialize parsers running on several: give
// tree-sitter back the C library's allocator. Memory stays compatible with
// go-tree-sitter's own frees, which default to C.free.
func init() {
	C.ts_set_allocator(nil, nil, nil, nil)
}
