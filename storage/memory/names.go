package memory

import (
	"encoding/binary"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// names numbers the strings that stored records repeat: the (SKU,
// location) of an account or a reservation line, the (channel, SKU) of a
// channel level, and the prefix of the IDs a Ledger makes. The entry log
// and the reservation table then keep small numbers instead of strings (a
// reservation's entry takes ~35 bytes instead of ~90), and reading a
// record allocates no string for them. A number is never taken back, even
// when the transaction that needed it is rolled back.
//
// names is written under the store's write lock only; readers, which
// share the read lock, only read it. The shared fields are the exception:
// they are safe for concurrent use, for encoding without the lock.
type names struct {
	pairs interner[skuLoc]
	chans interner[chanSKU]

	// idPrefix is the prefix of the IDs of the dense shape (see resTable)
	// that the reservation table keeps by counter; "" until it stores the
	// first. Once set it never changes, so a record can hold the counter
	// alone.
	idPrefix string

	// What a command encodes before its transaction (see preencode.go)
	// reads these instead, without the store's lock: every pair number
	// given (skuLoc -> uint32), and idPrefix once it is set.
	sharedPairs  sync.Map
	sharedPrefix atomic.Pointer[string]
	// sharedLast is the pair sharedPair found last: on a hot SKU, every
	// command's, found without hashing.
	sharedLast atomic.Pointer[sharedNum]
}

type sharedNum struct {
	k   skuLoc
	num uint32
}

func newNames() *names {
	return &names{pairs: newInterner[skuLoc](), chans: newInterner[chanSKU]()}
}

// pair returns the number of (sku, loc), numbering it if it is new.
func (n *names) pair(sku omnikit.SKU, loc omnikit.LocationID) uint32 {
	k := skuLoc{sku, loc}
	count := len(n.pairs.keys)
	i := n.pairs.num(k)
	if len(n.pairs.keys) > count {
		n.sharedPairs.Store(k, i)
	}
	return i
}

// pairNum returns the number of (sku, loc): with shared, only if it has
// one and without writing (see sharedPair); otherwise numbering it if it
// is new, under the store's write lock.
func (n *names) pairNum(sku omnikit.SKU, loc omnikit.LocationID, shared bool) (uint32, bool) {
	if shared {
		return n.sharedPair(sku, loc)
	}
	return n.pair(sku, loc), true
}

// sharedPair returns the number of (sku, loc) if it has one; it may be
// called without the store's lock, and numbers nothing.
func (n *names) sharedPair(sku omnikit.SKU, loc omnikit.LocationID) (uint32, bool) {
	k := skuLoc{sku, loc}
	if p := n.sharedLast.Load(); p != nil && p.k == k {
		return p.num, true
	}
	v, ok := n.sharedPairs.Load(k)
	if !ok {
		return 0, false
	}
	num := v.(uint32)
	n.sharedLast.Store(&sharedNum{k: k, num: num})
	return num, true
}

// setIDPrefix sets idPrefix, once.
func (n *names) setIDPrefix(prefix string) {
	n.idPrefix = prefix
	n.sharedPrefix.Store(&prefix)
}

// sharedIDPrefix returns idPrefix ("" if not set yet) without the
// store's lock.
func (n *names) sharedIDPrefix() string {
	if p := n.sharedPrefix.Load(); p != nil {
		return *p
	}
	return ""
}

// channel returns the number of (ch, sku), numbering it if it is new.
func (n *names) channel(ch omnikit.ChannelID, sku omnikit.SKU) uint32 {
	return n.chans.num(chanSKU{ch, sku})
}

// ID tags: how a record holds a reservation ID.
const (
	idEmpty   = 0 // ""
	idCounter = 1 // idPrefix and a counter (see denseShape)
	idString  = 2 // the ID's bytes
)

// idShape is what the encoding of a reservation ID depends on: whether
// it has the dense shape with the dense prefix (ours), and then its
// counter.
type idShape struct {
	ours bool
	c    uint64
}

// shapeOf returns the shape of id for the dense prefix idPrefix ("" if
// none is set yet).
func shapeOf(id inventory.ReservationID, idPrefix string) idShape {
	if idPrefix == "" {
		return idShape{}
	}
	prefix, c, ok := denseShape(id)
	return idShape{ours: ok && prefix == idPrefix, c: c}
}

// appendID appends id, of shape sh: as its counter when it has the dense
// prefix.
func appendID(b []byte, id inventory.ReservationID, sh idShape) []byte {
	switch {
	case id == "":
		return append(b, idEmpty)
	case sh.ours:
		return binary.AppendUvarint(append(b, idCounter), sh.c)
	}
	return appendString(append(b, idString), string(id))
}

// formatID returns the ID of the dense prefix with counter c.
func (n *names) formatID(c uint64) inventory.ReservationID {
	b := make([]byte, 0, len(n.idPrefix)+counterDigits)
	b = append(b, n.idPrefix...)
	s := strconv.FormatUint(c, 16)
	for range counterDigits - len(s) {
		b = append(b, '0')
	}
	return inventory.ReservationID(append(b, s...))
}

// appendAccount appends a as its pair number, bucket and peer.
func (n *names) appendAccount(b []byte, a *inventory.Account) []byte {
	return appendAccountNum(b, n.pair(a.SKU, a.Location), a)
}

// appendAccountNum appends a, whose pair has number num.
func appendAccountNum(b []byte, num uint32, a *inventory.Account) []byte {
	b = binary.AppendUvarint(b, uint64(num))
	b = append(b, byte(a.Bucket))
	return appendString(b, string(a.Peer))
}

func appendString(b []byte, s string) []byte {
	if len(s) < 0x80 {
		b = append(b, byte(len(s)))
	} else {
		b = binary.AppendUvarint(b, uint64(len(s)))
	}
	return append(b, s...)
}

// appendTime appends t exactly, as seconds and nanoseconds (decoded in
// UTC), so that any year survives: a 0 for the zero time, else a 1, 8
// bytes of seconds and 4 of nanoseconds. As varints they took two bytes
// less and ~3 times the instructions to write and to read (~100 and
// ~300, of a commit's ~3,500 under the lock then).
func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, 0)
	}
	b = append(b, 1)
	b = binary.LittleEndian.AppendUint64(b, uint64(t.Unix()))
	return binary.LittleEndian.AppendUint32(b, uint32(t.Nanosecond()))
}

// timeSize is the size of a time that is not zero, after its tag.
const timeSize = 12

var errMalformed = errors.New("memory: malformed record")

// decoder reads what the entry log and the reservation table wrote. They
// wrote those bytes themselves and never change them, so a malformed
// record is a bug: it panics.
type decoder struct {
	b []byte
	n *names
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		panic(errMalformed)
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		panic(errMalformed)
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		panic(errMalformed)
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) raw() []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		panic(errMalformed)
	}
	s := d.b[:n]
	d.b = d.b[n:]
	return s
}

func (d *decoder) str() string { return string(d.raw()) }

// count reads the length of a list, which takes at least one byte per
// element.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		panic(errMalformed)
	}
	return int(n)
}

func (d *decoder) time() time.Time {
	if d.byte() == 0 {
		return time.Time{}
	}
	if len(d.b) < timeSize {
		panic(errMalformed)
	}
	sec := int64(binary.LittleEndian.Uint64(d.b))
	nsec := binary.LittleEndian.Uint32(d.b[8:])
	d.b = d.b[timeSize:]
	return time.Unix(sec, int64(nsec)).UTC()
}

// skipTime skips what time reads.
func (d *decoder) skipTime() {
	if d.byte() != 0 {
		if len(d.b) < timeSize {
			panic(errMalformed)
		}
		d.b = d.b[timeSize:]
	}
}

func (d *decoder) id() inventory.ReservationID {
	switch d.byte() {
	case idEmpty:
		return ""
	case idCounter:
		return d.n.formatID(d.uvarint())
	}
	return inventory.ReservationID(d.str())
}

// skipID skips an ID and returns its bytes when it is held as a string.
func (d *decoder) skipID() (raw []byte, isString bool) {
	switch d.byte() {
	case idEmpty:
		return nil, true
	case idCounter:
		d.uvarint()
		return nil, false
	}
	return d.raw(), true
}

func (d *decoder) pair() skuLoc { return d.n.pairs.keys[d.pairNum()] }

// pairNum reads the number of a pair that names holds.
func (d *decoder) pairNum() uint32 {
	i := d.uvarint()
	if i >= uint64(len(d.n.pairs.keys)) {
		panic(errMalformed)
	}
	return uint32(i)
}

func (d *decoder) account() inventory.Account {
	p := d.pair()
	a := inventory.Account{SKU: p.sku, Location: p.loc, Bucket: inventory.Bucket(d.byte())}
	if b := d.raw(); len(b) > 0 {
		a.Peer = omnikit.LocationID(b)
	}
	return a
}
