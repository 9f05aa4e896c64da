package memory

import (
	"encoding/binary"
	"errors"
	"strconv"
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
// share the read lock, only read it.
type names struct {
	pairs interner[skuLoc]
	chans interner[chanSKU]

	// idPrefix is the prefix of the IDs of the dense shape (see resTable)
	// that the reservation table keeps by counter; "" until it stores the
	// first. Once set it never changes, so a record can hold the counter
	// alone.
	idPrefix string
}

func newNames() *names {
	return &names{pairs: newInterner[skuLoc](), chans: newInterner[chanSKU]()}
}

// pair returns the number of (sku, loc), numbering it if it is new.
func (n *names) pair(sku omnikit.SKU, loc omnikit.LocationID) uint32 {
	return n.pairs.num(skuLoc{sku, loc})
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

// appendID appends id, as its counter when it has the dense prefix.
func (n *names) appendID(b []byte, id inventory.ReservationID) []byte {
	if id == "" {
		return append(b, idEmpty)
	}
	if n.idPrefix != "" {
		if prefix, c, ok := denseShape(id); ok && prefix == n.idPrefix {
			return binary.AppendUvarint(append(b, idCounter), c)
		}
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
	b = binary.AppendUvarint(b, uint64(n.pair(a.SKU, a.Location)))
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
// UTC), so that any year survives.
func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, 0)
	}
	b = append(b, 1)
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

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
	sec := d.varint()
	return time.Unix(sec, int64(d.uvarint())).UTC()
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

func (d *decoder) pair() skuLoc {
	i := d.uvarint()
	if i >= uint64(len(d.n.pairs.keys)) {
		panic(errMalformed)
	}
	return d.n.pairs.keys[i]
}

func (d *decoder) account() inventory.Account {
	p := d.pair()
	a := inventory.Account{SKU: p.sku, Location: p.loc, Bucket: inventory.Bucket(d.byte())}
	if b := d.raw(); len(b) > 0 {
		a.Peer = omnikit.LocationID(b)
	}
	return a
}
