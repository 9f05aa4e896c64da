package memory

import (
	"encoding/binary"
	"hash/maphash"

	"github.com/omnikit/omnikit/inventory"
)

// resTable keeps every reservation, active or ended, encoded in
// pointer-free byte chunks, like the entry log. Ended ones are kept for
// ever and active ones may be many (a flash sale holds one per cart): as Go
// values, strings and slices each, every garbage collection would mark all
// of them, and a map of them would copy large values each time it grows.
// A changed reservation is appended anew; its old bytes stay unused in
// their chunk (a rollback points the index back at them).
//
// Two indexes find a record's place, neither holding a pointer. The IDs a
// Ledger makes by default end in "_" and a counter in 16 lowercase
// hexadecimal digits after a prefix it draws once: such an ID with the
// table's dense prefix (the first such prefix it stored) is found by its
// counter in dense, an array that grows at its end like the log. Every
// other ID is found by a hash of it in index; the rare one whose hash
// collides with another's is kept in spill. A hash index holding millions
// of IDs cost a cache miss per new reservation, and its growth rehashed
// them all (together about a quarter of a reservation on the hot-SKU
// benchmark); the dense one costs neither. An ID lives in the first of
// the two that can hold it when it is stored (dense, if its counter is
// near enough the end of dense), and lookups search both.
//
// A line's SKU and location are encoded as their number in names, and
// states as constants, so that reading a reservation hashes nothing and
// allocates only its lines (and its owner, if any).
type resTable struct {
	chunks [][]byte
	source chunkSource
	names  *names                             // names.idPrefix is the dense prefix
	dense  [][]uint64                         // by counter, denseSize per slice: place+1, 0 if none
	index  map[uint64]uint64                  // hash(id) -> chunk<<32 | offset
	spill  map[inventory.ReservationID]uint64 // IDs whose hash another ID has
	hash   func(string) uint64
}

const (
	denseSize = 4096
	// denseReach bounds how far beyond the end of dense a counter may
	// be and still go there, so that an ID with a huge counter cannot
	// make the table allocate for the gap.
	denseReach = 1 << 16
	// counterDigits is the width of the counter of a Ledger's IDs.
	counterDigits = 16
)

func newResTable(n *names) resTable {
	seed := maphash.MakeSeed()
	return resTable{names: n, index: map[uint64]uint64{}, spill: map[inventory.ReservationID]uint64{},
		hash: func(s string) uint64 { return maphash.String(seed, s) }}
}

// denseShape splits id into the prefix and counter of the dense shape.
func denseShape(id inventory.ReservationID) (prefix string, c uint64, ok bool) {
	n := len(id)
	if n < counterDigits+1 || id[n-counterDigits-1] != '_' {
		return "", 0, false
	}
	hi, okHi := hexWord(string(id[n-counterDigits : n-counterDigits/2]))
	lo, okLo := hexWord(string(id[n-counterDigits/2:]))
	if !okHi || !okLo {
		return "", 0, false
	}
	return string(id[:n-counterDigits]), uint64(hi)<<32 | uint64(lo), true
}

// hexWord returns the value of s, 8 lowercase hexadecimal digits, and
// whether s is that. It reads the 8 bytes as one word and checks and
// converts them all at once: reading the digits one at a time cost ~100
// more instructions per reservation (of ~8,000), half under the lock.
func hexWord(s string) (uint32, bool) {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	_ = s[7]
	v := uint64(s[0])<<56 | uint64(s[1])<<48 | uint64(s[2])<<40 | uint64(s[3])<<32 |
		uint64(s[4])<<24 | uint64(s[5])<<16 | uint64(s[6])<<8 | uint64(s[7])
	if v&high != 0 {
		return 0, false
	}
	// For bytes below 0x80, b + 0x80 - k sets the byte's high bit when
	// b >= k, and no byte carries into the next.
	digit := (v + (0x80-'0')*ones) &^ (v + (0x80-'9'-1)*ones) & high
	letter := (v + (0x80-'a')*ones) &^ (v + (0x80-'f'-1)*ones) & high
	if digit|letter != high {
		return 0, false
	}
	// '0'..'9' and 'a'..'f' end in the nibbles 0..9 and 1..6.
	v = v&(0x0f*ones) + (letter>>7)*9
	// Gather the nibbles, high first, into the low 32 bits.
	v = (v | v>>4) & 0x00ff00ff00ff00ff
	v = (v | v>>8) & 0x0000ffff0000ffff
	v = (v | v>>16) & 0xffffffff
	return uint32(v), true
}

// place is where a record's place is kept, or would be.
type place struct {
	kind slot
	h    uint64 // of index or spill
	c    uint64 // of dense
}

// slot says which index holds an ID, or would take it.
type slot uint8

const (
	slotFree  slot = iota // absent; index[h] is free
	slotTaken             // absent; another ID has index[h]
	slotIndex             // in index[h]
	slotSpill             // in spill
	slotDense             // in dense[c], or absent and dense[c] takes it
)

// denseSlot returns the slot of counter c, nil if dense does not reach it.
func (t *resTable) denseSlot(c uint64) *uint64 {
	if c/denseSize >= uint64(len(t.dense)) {
		return nil
	}
	return &t.dense[c/denseSize][c%denseSize]
}

// find returns the place of the record of id and, when there is none,
// where a new record of id belongs.
func (t *resTable) find(id inventory.ReservationID) (ref uint64, p place, found bool) {
	prefix, c, shaped := denseShape(id)
	return t.findShaped(id, shaped && (prefix == t.names.idPrefix || t.names.idPrefix == ""), shaped && prefix == t.names.idPrefix, c)
}

// findShaped is find of id, given what find reads of it: dense, whether
// it has the dense shape with the dense prefix or with none set yet; ours,
// whether with the dense prefix; and c, its counter if dense.
func (t *resTable) findShaped(id inventory.ReservationID, dense, ours bool, c uint64) (ref uint64, p place, found bool) {
	if ours {
		if s := t.denseSlot(c); s != nil && *s != 0 {
			return *s - 1, place{kind: slotDense, c: c}, true
		}
	}
	// The hash is computed only when the hash index holds something or
	// the ID goes there.
	hashed := len(t.index) > 0 || len(t.spill) > 0
	var h uint64
	taken := false
	if hashed {
		h = t.hash(string(id))
		cur, ok := t.index[h]
		if ok && string(t.idAt(cur)) == string(id) {
			return cur, place{kind: slotIndex, h: h}, true
		}
		if ref, ok := t.spill[id]; ok {
			return ref, place{kind: slotSpill, h: h}, true
		}
		taken = ok
	}
	switch {
	case dense && c < uint64(len(t.dense))*denseSize+denseReach:
		return 0, place{kind: slotDense, c: c}, false
	case taken:
		return 0, place{kind: slotTaken, h: h}, false
	case !hashed:
		h = t.hash(string(id))
	}
	return 0, place{kind: slotFree, h: h}, false
}

// setAt points the index at p to the record at ref.
func (t *resTable) setAt(id inventory.ReservationID, p place, ref uint64) {
	switch p.kind {
	case slotDense:
		for p.c/denseSize >= uint64(len(t.dense)) {
			t.dense = append(t.dense, make([]uint64, denseSize))
		}
		t.dense[p.c/denseSize][p.c%denseSize] = ref + 1
	case slotIndex, slotFree:
		t.index[p.h] = ref
	default:
		t.spill[id] = ref
	}
}

func (t *resTable) get(id inventory.ReservationID) (inventory.Reservation, bool) {
	ref, _, ok := t.find(id)
	if !ok {
		return inventory.Reservation{}, false
	}
	r := t.decode(ref)
	r.ID = id
	return r, true
}

// findPreencoded is find of the ID of a record whose body a command
// encoded before its transaction (see preencodeBody), and returns the
// body without the place that encoding put before it.
func (t *resTable) findPreencoded(id inventory.ReservationID, body []byte) (ref uint64, p place, found bool, rest []byte) {
	if c := binary.LittleEndian.Uint64(body); c != 0 {
		ref, p, found = t.findShaped(id, true, true, c-1)
	} else {
		ref, p, found = t.find(id)
	}
	return ref, p, found, body[8:]
}

// preencodeBody appends to b, for findPreencoded, 8 bytes holding the
// counter+1 of r.ID if it has the dense shape with the dense prefix (id,
// its shape), else 0 (also while no dense prefix is set), then the body
// of r; ok is false, with nothing appended, if the pair of a line has no
// number yet. It needs no lock: the dense prefix, once set, never
// changes, so a counter encoded here is still the ID's place when the
// transaction runs, which then neither parses the ID (~290 instructions
// under the lock) nor decodes a varint. The 8 bytes are not stored.
func (n *names) preencodeBody(b []byte, r *inventory.Reservation, id idShape) (_ []byte, ok bool) {
	start := len(b)
	var hint uint64
	if id.ours {
		hint = id.c + 1 // 0 if the counter is the largest: found by find
	}
	b = binary.LittleEndian.AppendUint64(b, hint)
	if b, ok = n.appendBody(b, r, true); !ok {
		return b[:start], false
	}
	return b, true
}

// putAt stores the record of r at the place find returned for r.ID; body,
// if not nil, is the encoding of r's body (see appendBody).
func (t *resTable) putAt(r *inventory.Reservation, p place, body []byte) uint64 {
	if p.kind == slotDense && t.names.idPrefix == "" {
		prefix, _, _ := denseShape(r.ID)
		t.names.setIDPrefix(prefix)
	}
	ref := t.append(r, p, body)
	t.setAt(r.ID, p, ref)
	return ref
}

// append encodes r into the chunks, in place like the entry log, and
// returns its place. A record kept in dense holds the counter of its ID,
// any other the ID's bytes (which the hash index compares).
func (t *resTable) append(r *inventory.Reservation, p place, body []byte) uint64 {
	last := len(t.chunks) - 1
	if last < 0 || cap(t.chunks[last])-len(t.chunks[last]) < inPlaceRoom {
		t.chunks = append(t.chunks, t.source.next(0))
		last++
	}
	c := t.chunks[last]
	b := t.encode(c, r, p, body)
	if cap(b) != cap(c) {
		b = t.encode(nil, r, p, body)
		t.chunks = append(t.chunks, append(t.source.next(len(b)), b...))
		last++
		b = t.chunks[last]
		c = b[:0]
	}
	t.chunks[last] = b
	return uint64(last)<<32 | uint64(len(c))
}

// setRef points id, which is stored, at the record at ref.
func (t *resTable) setRef(id inventory.ReservationID, ref uint64) {
	_, p, _ := t.find(id)
	t.setAt(id, p, ref)
}

// remove forgets the record of id; its bytes stay unused in the chunk.
func (t *resTable) remove(id inventory.ReservationID) {
	_, p, found := t.find(id)
	if !found {
		return
	}
	switch p.kind {
	case slotDense:
		t.dense[p.c/denseSize][p.c%denseSize] = 0
	case slotIndex:
		delete(t.index, p.h)
	default:
		delete(t.spill, id)
	}
}

// each calls fn for every record.
func (t *resTable) each(fn func(inventory.Reservation) error) error {
	for _, part := range t.dense {
		for _, s := range part {
			if s == 0 {
				continue
			}
			if err := fn(t.decodeWithID(s - 1)); err != nil {
				return err
			}
		}
	}
	for _, ref := range t.index {
		if err := fn(t.decodeWithID(ref)); err != nil {
			return err
		}
	}
	for _, ref := range t.spill {
		if err := fn(t.decodeWithID(ref)); err != nil {
			return err
		}
	}
	return nil
}

func (t *resTable) bytes(ref uint64) []byte {
	return t.chunks[ref>>32][uint32(ref):]
}

// idAt returns the bytes of the ID of the record at ref, which the hash
// index holds: the ID is held as a string.
func (t *resTable) idAt(ref uint64) []byte {
	d := decoder{b: t.bytes(ref), n: t.names}
	raw, isString := d.skipID()
	if !isString {
		panic(errMalformed)
	}
	return raw
}

func (t *resTable) decode(ref uint64) inventory.Reservation {
	d := decoder{b: t.bytes(ref), n: t.names}
	d.skipID()
	return d.reservation()
}

func (t *resTable) decodeWithID(ref uint64) inventory.Reservation {
	d := decoder{b: t.bytes(ref), n: t.names}
	id := d.id()
	r := d.reservation()
	r.ID = id
	return r
}

// encode appends the record of r at place p to b: its ID, then its body,
// which is body if that is not nil. It is exact: times as seconds and
// nanoseconds (decoded in UTC), so that any year survives; a line's SKU
// and location as their pair number; the ID as its counter when its place
// p is dense.
func (t *resTable) encode(b []byte, r *inventory.Reservation, p place, body []byte) []byte {
	if p.kind == slotDense {
		b = binary.AppendUvarint(append(b, idCounter), p.c)
	} else {
		b = appendString(append(b, idString), string(r.ID))
	}
	if body != nil {
		return append(b, body...)
	}
	b, _ = t.names.appendBody(b, r, false)
	return b
}

// appendBody appends the encoding of every field of r but its ID. With
// shared, it is encoded without the store's lock (see preencode.go); if
// the pair of a line has no number yet, it appends nothing and ok is false.
//
// The body is: the owner, the state, the expiry, the creation time, the
// end, the number of lines, and each line as its pair's number and its
// quantity, committed and released units. Inventory.SettleDirect copies
// the owner, the expiry and the creation time from a stored body as they
// are.
func (n *names) appendBody(b []byte, r *inventory.Reservation, shared bool) (_ []byte, ok bool) {
	start := len(b)
	b = appendString(b, r.Owner)
	b = appendString(b, string(r.State))
	b = appendTime(b, r.ExpiresAt)
	b = appendTime(b, r.CreatedAt)
	b = appendTime(b, r.EndedAt)
	b = binary.AppendUvarint(b, uint64(len(r.Lines)))
	for i := range r.Lines {
		ln := &r.Lines[i]
		num, ok := n.pairNum(ln.SKU, ln.Location, shared)
		if !ok {
			return b[:start], false
		}
		b = appendLine(b, num, ln)
	}
	return b, true
}

// appendLine appends line ln of a reservation, whose pair has number num.
func appendLine(b []byte, num uint32, ln *inventory.ReservationLine) []byte {
	b = binary.AppendUvarint(b, uint64(num))
	b = binary.AppendVarint(b, ln.Qty)
	b = binary.AppendVarint(b, ln.Committed)
	return binary.AppendVarint(b, ln.Released)
}

// reservation decodes what encode wrote after the ID.
func (d *decoder) reservation() inventory.Reservation {
	var r inventory.Reservation
	if b := d.raw(); len(b) > 0 {
		r.Owner = string(b)
	}
	r.State = internState(d.raw())
	r.ExpiresAt = d.time()
	r.CreatedAt = d.time()
	r.EndedAt = d.time()
	d.lines(&r, nil)
	return r
}

// lines decodes a reservation's lines into r.Lines: into its array when
// it is large enough (a new one otherwise; none when r.Lines is nil and
// there are none). When nums is not nil, it returns nums with the lines'
// pair numbers appended.
func (d *decoder) lines(r *inventory.Reservation, nums []uint32) []uint32 {
	n := d.count()
	switch {
	case cap(r.Lines) >= n:
		r.Lines = r.Lines[:n]
	default:
		r.Lines = make([]inventory.ReservationLine, n)
	}
	for i := range r.Lines {
		ln := &r.Lines[i]
		num := d.pairNum()
		p := d.n.pairs.keys[num]
		if nums != nil {
			nums = append(nums, num)
		}
		ln.SKU, ln.Location = p.sku, p.loc
		ln.Qty = d.varint()
		ln.Committed = d.varint()
		ln.Released = d.varint()
	}
	return nums
}

// internState returns the constant for a known state, so that decoding
// one does not allocate.
func internState(b []byte) inventory.ReservationState {
	for _, st := range [...]inventory.ReservationState{inventory.Active, inventory.Committed, inventory.Released, inventory.Expired} {
		if string(b) == string(st) {
			return st
		}
	}
	return inventory.ReservationState(b)
}
