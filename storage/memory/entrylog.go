package memory

import (
	"encoding/binary"
	"fmt"

	"github.com/omnikit/omnikit/inventory"
)

// entryLog keeps the ledger's entries encoded in pointer-free byte chunks.
// The log only grows, and a log of Go values full of strings and slices
// would make every garbage collection mark all of it; bytes are never
// scanned, and appending never copies what is already there. Accounts,
// channel levels and reservation IDs are encoded by their numbers in names.
type entryLog struct {
	chunks [][]byte     // each arenaSize bytes of capacity, filled in order
	index  [][]entryRef // indexSize refs per slice
	n      int          // number of entries
	source chunkSource
	names  *names
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

func (l *entryLog) append(e *inventory.Entry) { l.appendHead(e, nil) }

// appendHead appends e; head, if not nil, is the encoding of e's head
// (see appendEntryHead).
func (l *entryLog) appendHead(e *inventory.Entry, head []byte) {
	// Entries are encoded in place, at the end of the last chunk, which
	// is started anew when less than inPlaceRoom is left; one that does
	// not fit even so (thousands of postings) is encoded aside first.
	last := len(l.chunks) - 1
	if last < 0 || cap(l.chunks[last])-len(l.chunks[last]) < inPlaceRoom {
		l.chunks = append(l.chunks, l.source.next(0))
		last++
	}
	c := l.chunks[last]
	b := l.encode(c, e, head)
	if cap(b) != cap(c) {
		b = l.encode(nil, e, head)
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
	d := decoder{b: l.chunks[r.chunk][r.off : r.off+r.size], n: l.names}
	e := d.entry()
	if len(d.b) != 0 {
		// The log wrote these bytes itself and never changes them.
		panic(fmt.Sprintf("memory: entry %d: %v", i+1, errMalformed))
	}
	e.Seq = int64(i) + 1
	return e
}

// entryKinds numbers the entry kinds for the encoding: a kind is one
// byte, its index plus one, or 0 and the kind's bytes for one not listed.
var entryKinds = [...]inventory.EntryKind{
	inventory.KindReceive, inventory.KindCount, inventory.KindAdjust, inventory.KindReserve,
	inventory.KindRelease, inventory.KindExpire, inventory.KindCommit, inventory.KindSale,
	inventory.KindTransferOut, inventory.KindTransferIn, inventory.KindReturn, inventory.KindRestock,
	inventory.KindWriteOff, inventory.KindSafetyStock, inventory.KindRebuild,
}

// kindNum returns the number of kind in entryKinds plus one, 0 if it is
// not listed. A switch compares the kind's length first; a loop over
// entryKinds compared a reservation's kind with four others (~110
// instructions).
func kindNum(kind inventory.EntryKind) int {
	switch kind {
	case inventory.KindReceive:
		return 1
	case inventory.KindCount:
		return 2
	case inventory.KindAdjust:
		return 3
	case inventory.KindReserve:
		return 4
	case inventory.KindRelease:
		return 5
	case inventory.KindExpire:
		return 6
	case inventory.KindCommit:
		return 7
	case inventory.KindSale:
		return 8
	case inventory.KindTransferOut:
		return 9
	case inventory.KindTransferIn:
		return 10
	case inventory.KindReturn:
		return 11
	case inventory.KindRestock:
		return 12
	case inventory.KindWriteOff:
		return 13
	case inventory.KindSafetyStock:
		return 14
	case inventory.KindRebuild:
		return 15
	}
	return 0
}

// encode appends the encoding of e to b, every field but Seq (which is
// the entry's position), with head as its head if it is not nil.
func (l *entryLog) encode(b []byte, e *inventory.Entry, head []byte) []byte {
	if head != nil {
		b = append(b, head...)
	} else {
		b, _ = l.names.appendEntryHead(b, e, false, shapeOf(e.Reservation, l.names.idPrefix))
	}
	return l.appendEntryTail(b, e)
}

// appendEntryHead appends the encoding of e's fields up to its postings;
// appendEntryTail appends the rest (channel levels and flagged accounts),
// which a command's transaction computes. id is the shape of
// e.Reservation. With shared, the head is encoded without the store's
// lock (see preencode.go); if a pair of e has no number yet, it appends
// nothing and ok is false.
func (n *names) appendEntryHead(b []byte, e *inventory.Entry, shared bool, id idShape) (_ []byte, ok bool) {
	start := len(b)
	b = appendEntryStart(b, e, id)
	for i := range e.Postings {
		p := &e.Postings[i]
		from, okFrom := n.pairNum(p.From.SKU, p.From.Location, shared)
		to, okTo := from, okFrom
		if p.To.SKU != p.From.SKU || p.To.Location != p.From.Location {
			// Most postings move units between two buckets of one pair.
			to, okTo = n.pairNum(p.To.SKU, p.To.Location, shared)
		}
		if !okFrom || !okTo {
			return b[:start], false
		}
		b = appendAccountNum(b, from, &p.From)
		b = appendAccountNum(b, to, &p.To)
		b = binary.AppendVarint(b, p.Qty)
	}
	return b, true
}

// appendEntryStart appends the encoding of e's fields up to its
// postings' accounts: its kind, time, reservation (of shape id),
// reference, idempotency key and number of postings.
func appendEntryStart(b []byte, e *inventory.Entry, id idShape) []byte {
	k := kindNum(e.Kind)
	b = append(b, byte(k))
	if k == 0 {
		b = appendString(b, string(e.Kind))
	}
	b = appendTime(b, e.At)
	b = appendID(b, e.Reservation, id)
	b = appendString(b, e.Reference)
	b = appendString(b, e.IdempotencyKey)
	return binary.AppendUvarint(b, uint64(len(e.Postings)))
}

func (l *entryLog) appendEntryTail(b []byte, e *inventory.Entry) []byte {
	n := l.names
	b = binary.AppendUvarint(b, uint64(len(e.Availability)))
	for i := range e.Availability {
		a := &e.Availability[i]
		b = binary.AppendUvarint(b, uint64(n.channel(a.Channel, a.SKU)))
		b = binary.AppendVarint(b, a.Available)
	}
	b = binary.AppendUvarint(b, uint64(len(e.Flagged)))
	for i := range e.Flagged {
		b = n.appendAccount(b, &e.Flagged[i])
	}
	return b
}

// entry decodes what encode wrote.
func (d *decoder) entry() inventory.Entry {
	var e inventory.Entry
	if k := int(d.byte()); k == 0 {
		e.Kind = inventory.EntryKind(d.str())
	} else if k <= len(entryKinds) {
		e.Kind = entryKinds[k-1]
	} else {
		panic(errMalformed)
	}
	e.At = d.time()
	e.Reservation = d.id()
	e.Reference = d.str()
	e.IdempotencyKey = d.str()
	if m := d.count(); m > 0 {
		e.Postings = make([]inventory.Posting, m)
		for i := range e.Postings {
			p := &e.Postings[i]
			p.From = d.account()
			p.To = d.account()
			p.Qty = d.varint()
		}
	}
	if m := d.count(); m > 0 {
		e.Availability = make([]inventory.ChannelLevel, m)
		for i := range e.Availability {
			c := d.uvarint()
			if c >= uint64(len(d.n.chans.keys)) {
				panic(errMalformed)
			}
			k := d.n.chans.keys[c]
			e.Availability[i] = inventory.ChannelLevel{Channel: k.ch, SKU: k.sku, Available: d.varint()}
		}
	}
	if m := d.count(); m > 0 {
		e.Flagged = make([]inventory.Account, m)
		for i := range e.Flagged {
			e.Flagged[i] = d.account()
		}
	}
	return e
}
