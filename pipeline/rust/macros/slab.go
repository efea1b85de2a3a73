package macros

// slab is where an expansion keeps the token slices it returns (every
// group's tokens and the expansion itself): copied into the free end of a
// chunk, one allocation for many groups instead of one each. A slice handed
// out is never written again, so the free end of a chunk can serve the next
// expansion too (a slab belongs to an expansion, which is reused), and a
// chunk is collected once nothing points into it.
type slab struct{ free []Token } // free: the chunk's unused end

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
		s.free = make([]Token, slabChunk)
	}
	out := s.free[:n:n]
	copy(out, toks)
	s.free = s.free[n:]
	return out
}
