package macros

// slab is where an expansion keeps the token slices it returns (every
// group's tokens and the expansion itself): copied into the free end of a
// chunk, one allocation for many groups instead of one each. A slice handed
// out is never written again, so the free end of a chunk can serve the next
// expansion too (a slab belongs to an expansion, which is reused), and a
// chunk is collected once nothing points into it.
type slab struct {
	free []Token // the chunk's unused end
	// keep, for an Arena's slab, keeps the chunks for reuse after reset:
	// chunks[:next] are in use.
	keep   bool
	chunks [][]Token
	next   int
}

// slabChunk is the size of a chunk, in tokens (80 KB): a group larger than
// that gets a chunk of its own.
const slabChunk = 1024

// copy returns a copy of toks in the slab, its capacity its length (an append
// to it does not write over the next slice), or nil for none.
func (s *slab) copy(toks []Token) []Token {
	n := len(toks)
	if n == 0 {
		return nil
	}
	if n > len(s.free) {
		if n > slabChunk/4 {
			return append([]Token(nil), toks...)
		}
		s.free = s.chunk()
	}
	out := s.free[:n:n]
	copy(out, toks)
	s.free = s.free[n:]
	return out
}

// chunk is a new chunk, or an Arena's next one.
func (s *slab) chunk() []Token {
	if !s.keep {
		return make([]Token, slabChunk)
	}
	if s.next == len(s.chunks) {
		s.chunks = append(s.chunks, make([]Token, slabChunk))
	}
	s.next++
	return s.chunks[s.next-1]
}

// Arena holds the tokens of expansions (see Expander.ExpandIn) for a caller
// that knows when it is done with them: Reset makes its chunks serve the
// next expansions, instead of each expansion's tokens being garbage the
// collector finds (winapi's extraction expands 138 MB of tokens).
type Arena struct{ s slab }

// Reset empties a: the tokens of the expansions made in it must no longer
// be used. The chunks are cleared, so that they keep nothing alive: of the
// last, only what was written (most calls' expansions fill a few hundred
// tokens of its 1,024, and winapi resets after each of its 17,000 calls).
func (a *Arena) Reset() {
	if a.s.next == 0 {
		return
	}
	used := a.s.chunks[:a.s.next]
	for _, c := range used[:len(used)-1] {
		clear(c)
	}
	last := used[len(used)-1]
	clear(last[:len(last)-len(a.s.free)])
	a.s.next, a.s.free = 0, nil
}
