package memory

import (
	"fmt"

	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/storage/internal/codec"
)

// entryLog keeps the ledger's entries encoded in pointer-free byte chunks.
// The log only grows, and a log of Go values full of strings and slices
// would make every garbage collection mark all of it; bytes are never
// scanned, and appending never copies what is already there.
type entryLog struct {
	chunks [][]byte     // each arenaSize bytes of capacity, filled in order
	index  [][]entryRef // indexSize refs per slice
	n      int          // number of entries
	source chunkSource
}

type entryRef struct {
	chunk, off, size uint32
}

const (
	arenaSize = 1 << 20
	indexSize = 4096
	// inPlaceRoom is the room a chunk must have left for a record to be
	// encoded into it directly.
	inPlaceRoom = 4096
)

func (l *entryLog) len() int { return l.n }

// mark is a position of the log to roll back to.
type mark struct {
	n, chunks, fill int
}

func (l *entryLog) mark() mark {
	m := mark{n: l.n, chunks: len(l.chunks)}
	if m.chunks > 0 {
		m.fill = len(l.chunks[m.chunks-1])
	}
	return m
}

// rollback forgets every entry appended after m.
func (l *entryLog) rollback(m mark) {
	l.n = m.n
	for len(l.chunks) > m.chunks {
		l.chunks[len(l.chunks)-1] = nil
		l.chunks = l.chunks[:len(l.chunks)-1]
	}
	if m.chunks > 0 {
		l.chunks[m.chunks-1] = l.chunks[m.chunks-1][:m.fill]
	}
}

func (l *entryLog) append(e *inventory.Entry) {
	// Entries are encoded in place, at the end of the last chunk, which
	// is started anew when less than inPlaceRoom is left; one that does
	// not fit even so (thousands of postings) is encoded aside first.
	last := len(l.chunks) - 1
	if last < 0 || cap(l.chunks[last])-len(l.chunks[last]) < inPlaceRoom {
		l.chunks = append(l.chunks, l.source.next(0))
		last++
	}
	c := l.chunks[last]
	b := codec.AppendEntry(c, e)
	if cap(b) != cap(c) {
		b = codec.AppendEntry(nil, e)
		l.chunks = append(l.chunks, append(l.source.next(len(b)), b...))
		last++
		b = l.chunks[last]
		c = b[:0]
	}
	ref := entryRef{chunk: uint32(last), off: uint32(len(c)), size: uint32(len(b) - len(c))}
	l.chunks[last] = b
	if l.n%indexSize == 0 && l.n/indexSize == len(l.index) {
		l.index = append(l.index, make([]entryRef, indexSize))
	}
	l.index[l.n/indexSize][l.n%indexSize] = ref
	l.n++
}

// at decodes entry i (0-based).
func (l *entryLog) at(i int) inventory.Entry {
	r := l.index[i/indexSize][i%indexSize]
	e, err := codec.DecodeEntry(l.chunks[r.chunk][r.off : r.off+r.size])
	if err != nil {
		// The log wrote these bytes itself and never changes them.
		panic(fmt.Sprintf("memory: entry %d: %v", i+1, err))
	}
	e.Seq = int64(i) + 1
	return e
}
