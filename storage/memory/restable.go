package memory

import (
	"encoding/binary"
	"errors"
	"hash/maphash"
	"time"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// resTable keeps every reservation, active or ended, encoded in
// pointer-free byte chunks, like the entry log. Ended ones are kept for
// ever and active ones may be many (a flash sale holds one per cart): as Go
// values, strings and slices each, every garbage collection would mark all
// of them, and a map of them would copy large values each time it grows.
// The index maps a hash of the ID to the record's place, so that it holds
// no pointer either; the rare ID whose hash collides with another's is kept
// in spill. A changed reservation is appended anew; its old bytes stay
// unused in their chunk (a rollback points the index back at them).
//
// A line's SKU and location are encoded as the number of the pair in
// pairs, and states as constants, so that reading a reservation hashes
// nothing and allocates only its lines (and its owner, if any).
type resTable struct {
	chunks  [][]byte
	index   map[uint64]uint64                  // maphash(id) -> chunk<<32 | offset
	spill   map[inventory.ReservationID]uint64 // IDs whose hash another ID has
	seed    maphash.Seed
	tmp     []byte
	pairIdx map[skuLoc]uint32 // -> index in pairs
	pairs   []skuLoc          // every (SKU, location) of a line, numbered
}

func newResTable() resTable {
	return resTable{index: map[uint64]uint64{}, spill: map[inventory.ReservationID]uint64{}, seed: maphash.MakeSeed(),
		pairIdx: map[skuLoc]uint32{}}
}

// ref returns the place of the record of id.
func (t *resTable) ref(id inventory.ReservationID) (ref uint64, h uint64, ok bool) {
	h = maphash.String(t.seed, string(id))
	if ref, ok := t.index[h]; ok && string(t.idAt(ref)) == string(id) {
		return ref, h, true
	}
	if len(t.spill) > 0 {
		if ref, ok := t.spill[id]; ok {
			return ref, h, true
		}
	}
	return 0, h, false
}

func (t *resTable) get(id inventory.ReservationID) (inventory.Reservation, bool) {
	ref, _, ok := t.ref(id)
	if !ok {
		return inventory.Reservation{}, false
	}
	r := t.decode(ref)
	r.ID = id
	return r, true
}

// slot says where lookup found an ID, or where it would go.
type slot uint8

const (
	slotFree  slot = iota // absent; index[h] is free
	slotTaken             // absent; another ID has index[h]
	slotIndex             // in index[h]
	slotSpill             // in spill
)

// lookup finds the record of id with one probe of the index in the
// common case, and says where a new record of id belongs.
func (t *resTable) lookup(id inventory.ReservationID) (ref, h uint64, where slot) {
	h = maphash.String(t.seed, string(id))
	cur, ok := t.index[h]
	if ok && string(t.idAt(cur)) == string(id) {
		return cur, h, slotIndex
	}
	if len(t.spill) > 0 {
		if ref, ok := t.spill[id]; ok {
			return ref, h, slotSpill
		}
	}
	if ok {
		return 0, h, slotTaken
	}
	return 0, h, slotFree
}

// putAt stores the record of r where lookup said it belongs.
func (t *resTable) putAt(r *inventory.Reservation, h uint64, where slot) uint64 {
	ref := t.append(r)
	if where == slotIndex || where == slotFree {
		t.index[h] = ref
	} else {
		t.spill[r.ID] = ref
	}
	return ref
}

// put inserts or replaces the record of r and returns its place.
func (t *resTable) put(r *inventory.Reservation) uint64 {
	ref := t.append(r)
	t.setRef(r.ID, ref)
	return ref
}

// append encodes r into the chunks and returns its place.
func (t *resTable) append(r *inventory.Reservation) uint64 {
	b := t.appendReservation(t.tmp[:0], r)
	t.tmp = b
	last := len(t.chunks) - 1
	if last < 0 || len(t.chunks[last])+len(b) > cap(t.chunks[last]) {
		t.chunks = append(t.chunks, make([]byte, 0, max(arenaSize, len(b))))
		last++
	}
	ref := uint64(last)<<32 | uint64(len(t.chunks[last]))
	t.chunks[last] = append(t.chunks[last], b...)
	return ref
}

// setRef points id at the record at ref.
func (t *resTable) setRef(id inventory.ReservationID, ref uint64) {
	h := maphash.String(t.seed, string(id))
	if cur, ok := t.index[h]; ok && string(t.idAt(cur)) != string(id) {
		t.spill[id] = ref // another ID has this hash
		return
	}
	if len(t.spill) > 0 {
		if _, ok := t.spill[id]; ok {
			t.spill[id] = ref
			return
		}
	}
	t.index[h] = ref
}

// pairNum returns the number of (sku, loc), numbering it if it is new.
// A number is never taken back, even if the record that needed it is
// rolled back.
func (t *resTable) pairNum(sku omnikit.SKU, loc omnikit.LocationID) uint32 {
	k := skuLoc{sku, loc}
	if n, ok := t.pairIdx[k]; ok {
		return n
	}
	n := uint32(len(t.pairs))
	t.pairs = append(t.pairs, k)
	t.pairIdx[k] = n
	return n
}

// remove forgets the record of id; its bytes stay unused in the chunk.
func (t *resTable) remove(id inventory.ReservationID) {
	h := maphash.String(t.seed, string(id))
	if cur, ok := t.index[h]; ok && string(t.idAt(cur)) == string(id) {
		delete(t.index, h)
		return
	}
	delete(t.spill, id)
}

// each calls fn for every record.
func (t *resTable) each(fn func(inventory.Reservation) error) error {
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

// idAt returns the bytes of the ID of the record at ref.
func (t *resTable) idAt(ref uint64) []byte {
	b := t.bytes(ref)
	n, k := binary.Uvarint(b)
	return b[k : k+int(n)]
}

func (t *resTable) decode(ref uint64) inventory.Reservation {
	d := resDecoder{b: t.bytes(ref), t: t}
	d.skip() // the ID
	return d.reservation()
}

func (t *resTable) decodeWithID(ref uint64) inventory.Reservation {
	d := resDecoder{b: t.bytes(ref), t: t}
	id := inventory.ReservationID(d.str())
	r := d.reservation()
	r.ID = id
	return r
}

// appendReservation encodes r exactly: times as seconds and nanoseconds
// (decoded in UTC), so that any year survives; a line's SKU and location
// as their pair number.
func (t *resTable) appendReservation(b []byte, r *inventory.Reservation) []byte {
	b = appendString(b, string(r.ID))
	b = appendString(b, r.Owner)
	b = appendString(b, string(r.State))
	b = appendTime(b, r.ExpiresAt)
	b = appendTime(b, r.CreatedAt)
	b = appendTime(b, r.EndedAt)
	b = binary.AppendUvarint(b, uint64(len(r.Lines)))
	for i := range r.Lines {
		ln := &r.Lines[i]
		b = binary.AppendUvarint(b, uint64(t.pairNum(ln.SKU, ln.Location)))
		b = binary.AppendVarint(b, ln.Qty)
		b = binary.AppendVarint(b, ln.Committed)
		b = binary.AppendVarint(b, ln.Released)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, 0)
	}
	b = append(b, 1)
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

var errMalformed = errors.New("memory: malformed reservation record")

// resDecoder reads what appendReservation wrote. The table wrote those
// bytes itself and never changes them, so a malformed record is a bug.
type resDecoder struct {
	b []byte
	t *resTable
}

func (d *resDecoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		panic(errMalformed)
	}
	d.b = d.b[n:]
	return v
}

func (d *resDecoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		panic(errMalformed)
	}
	d.b = d.b[n:]
	return v
}

func (d *resDecoder) raw() []byte {
	n := d.uvarint()
	s := d.b[:n]
	d.b = d.b[n:]
	return s
}

func (d *resDecoder) str() string { return string(d.raw()) }

func (d *resDecoder) skip() { d.b = d.b[d.uvarint():] }

func (d *resDecoder) time() time.Time {
	flag := d.b[0]
	d.b = d.b[1:]
	if flag == 0 {
		return time.Time{}
	}
	sec := d.varint()
	return time.Unix(sec, int64(d.uvarint())).UTC()
}

func (d *resDecoder) reservation() inventory.Reservation {
	var r inventory.Reservation
	if b := d.raw(); len(b) > 0 {
		r.Owner = string(b)
	}
	r.State = internState(d.raw())
	r.ExpiresAt = d.time()
	r.CreatedAt = d.time()
	r.EndedAt = d.time()
	if n := d.uvarint(); n > 0 {
		r.Lines = make([]inventory.ReservationLine, n)
		for i := range r.Lines {
			ln := &r.Lines[i]
			p := d.t.pairs[d.uvarint()]
			ln.SKU, ln.Location = p.sku, p.loc
			ln.Qty = d.varint()
			ln.Committed = d.varint()
			ln.Released = d.varint()
		}
	}
	return r
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
