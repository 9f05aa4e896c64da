package memory

// chunkSource hands out the byte chunks that the entry log and the
// reservation table fill. Memory fresh from the operating system costs a
// page fault on its first write, one per 4 KiB: measured on the project's
// machine, about 40% of appending an entry of the hot-SKU benchmark was the
// copy into a new chunk faulting its pages in, under the store's lock. So
// while one chunk fills, a goroutine makes the next and writes a byte of
// every page of it, on another core when there is one, and the store takes
// it ready when the current chunk is full.
//
// The goroutine starts only once a store has filled its first chunk (the
// first two are made on the spot): most stores, a test's or a small
// shop's, never do.
//
// A source is used under the store's write lock; its goroutine touches only
// the chunk it makes and the channel it sends it on.
type chunkSource struct {
	ready   chan []byte // at most one chunk made ahead
	filling bool        // a goroutine is making it
	made    int         // chunks handed out
}

// pageSize is the smallest page size of the platforms Go runs on: writing
// one byte per pageSize faults every page in.
const pageSize = 4096

// next returns an empty chunk with room for at least need bytes.
func (s *chunkSource) next(need int) []byte {
	if s.ready == nil {
		s.ready = make(chan []byte, 1)
	}
	var c []byte
	if s.filling && need <= arenaSize {
		// Waiting is no worse than faulting the pages in here: the
		// goroutine started a whole chunk ago.
		c = <-s.ready
		s.filling = false
	} else {
		c = make([]byte, 0, max(arenaSize, need))
	}
	s.made++
	if !s.filling && s.made > 1 {
		s.filling = true
		go func(ready chan<- []byte) {
			c := make([]byte, arenaSize)
			for i := 0; i < len(c); i += pageSize {
				c[i] = 0
			}
			ready <- c[:0]
		}(s.ready)
	}
	return c
}
