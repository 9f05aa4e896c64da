package memory

import (
	"encoding/binary"
	"time"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// entryLog keeps the ledger's entries encoded in pointer-free byte chunks.
// The log only grows, and a log of Go values full of strings and slices
// would make every garbage collection mark all of it; bytes are never
// scanned, and appending never copies what is already there.
type entryLog struct {
	chunks [][]byte     // each arenaSize bytes of capacity, filled in order
	index  [][]entryRef // indexSize refs per slice
	n      int          // number of entries
	tmp    []byte       // encoding scratch
}

type entryRef struct {
	chunk, off, size uint32
}

const (
	arenaSize = 1 << 20
	indexSize = 4096
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
	b := encodeEntry(l.tmp[:0], e)
	l.tmp = b
	last := len(l.chunks) - 1
	if last < 0 || len(l.chunks[last])+len(b) > cap(l.chunks[last]) {
		l.chunks = append(l.chunks, make([]byte, 0, max(arenaSize, len(b))))
		last++
	}
	ref := entryRef{chunk: uint32(last), off: uint32(len(l.chunks[last])), size: uint32(len(b))}
	l.chunks[last] = append(l.chunks[last], b...)
	if l.n%indexSize == 0 && l.n/indexSize == len(l.index) {
		l.index = append(l.index, make([]entryRef, indexSize))
	}
	l.index[l.n/indexSize][l.n%indexSize] = ref
	l.n++
}

// at decodes entry i (0-based).
func (l *entryLog) at(i int) inventory.Entry {
	r := l.index[i/indexSize][i%indexSize]
	e := decodeEntry(l.chunks[r.chunk][r.off : r.off+r.size])
	e.Seq = int64(i) + 1
	return e
}

func putStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func putAccount(b []byte, a inventory.Account) []byte {
	b = putStr(b, string(a.SKU))
	b = putStr(b, string(a.Location))
	b = append(b, byte(a.Bucket))
	return putStr(b, string(a.Peer))
}

func encodeEntry(b []byte, e *inventory.Entry) []byte {
	b = putStr(b, string(e.Kind))
	b = binary.AppendVarint(b, e.At.UnixNano())
	b = putStr(b, string(e.Reservation))
	b = putStr(b, e.Reference)
	b = putStr(b, e.IdempotencyKey)
	b = binary.AppendUvarint(b, uint64(len(e.Postings)))
	for _, p := range e.Postings {
		b = putAccount(b, p.From)
		b = putAccount(b, p.To)
		b = binary.AppendVarint(b, p.Qty)
	}
	b = binary.AppendUvarint(b, uint64(len(e.Availability)))
	for _, a := range e.Availability {
		b = putStr(b, string(a.Channel))
		b = putStr(b, string(a.SKU))
		b = binary.AppendVarint(b, a.Available)
	}
	b = binary.AppendUvarint(b, uint64(len(e.Flagged)))
	for _, a := range e.Flagged {
		b = putAccount(b, a)
	}
	return b
}

// decoder reads what encodeEntry wrote; the log wrote it, so it is never
// malformed.
type decoder struct{ b []byte }

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	d.b = d.b[n:]
	return v
}

func (d *decoder) str() string {
	n := d.uvarint()
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) account() inventory.Account {
	a := inventory.Account{SKU: omnikit.SKU(d.str()), Location: omnikit.LocationID(d.str())}
	a.Bucket = inventory.Bucket(d.b[0])
	d.b = d.b[1:]
	a.Peer = omnikit.LocationID(d.str())
	return a
}

func decodeEntry(b []byte) inventory.Entry {
	d := &decoder{b: b}
	var e inventory.Entry
	e.Kind = inventory.EntryKind(d.str())
	e.At = time.Unix(0, d.varint()).UTC()
	e.Reservation = inventory.ReservationID(d.str())
	e.Reference = d.str()
	e.IdempotencyKey = d.str()
	if n := d.uvarint(); n > 0 {
		e.Postings = make([]inventory.Posting, n)
		for i := range e.Postings {
			e.Postings[i] = inventory.Posting{From: d.account(), To: d.account(), Qty: d.varint()}
		}
	}
	if n := d.uvarint(); n > 0 {
		e.Availability = make([]inventory.ChannelLevel, n)
		for i := range e.Availability {
			e.Availability[i] = inventory.ChannelLevel{Channel: omnikit.ChannelID(d.str()), SKU: omnikit.SKU(d.str()), Available: d.varint()}
		}
	}
	if n := d.uvarint(); n > 0 {
		e.Flagged = make([]inventory.Account, n)
		for i := range e.Flagged {
			e.Flagged[i] = d.account()
		}
	}
	return e
}
