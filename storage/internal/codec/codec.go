package codec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// ErrCorrupt is wrapped by every decoding error.
var ErrCorrupt = errors.New("malformed encoding")

// version is the first byte of every encoding this package writes.
const version = 1

// Minimum encoded sizes of repeated elements, which bound a decoded count
// by the bytes left.
const (
	minAccount  = 4                // three empty strings and the bucket
	minPosting  = 2*minAccount + 1 // two accounts and a quantity
	minLevel    = 3                // two empty strings and a quantity
	minLine     = 5                // two empty strings and three quantities
	minLocation = 1                // an empty string
)

// NoTime stands for the zero time.Time wherever a time is stored as unix
// nanoseconds.
const NoTime = math.MinInt64

// UnixNanos returns t as unix nanoseconds, the zero time as [NoTime]. Times
// outside 1678..2262 do not fit; their result is undefined.
func UnixNanos(t time.Time) int64 {
	if t.IsZero() {
		return NoTime
	}
	return t.UnixNano()
}

// FromUnixNanos is the inverse of [UnixNanos]: the time in UTC, or the zero
// time for [NoTime].
func FromUnixNanos(n int64) time.Time {
	if n == NoTime {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// AppendEntry appends the encoding of e to b: every field but Seq, which
// the adapters keep as the entry's position or key.
func AppendEntry(b []byte, e *inventory.Entry) []byte {
	b = append(b, version)
	b = appendStr(b, string(e.Kind))
	b = binary.AppendVarint(b, UnixNanos(e.At))
	b = appendStr(b, string(e.Reservation))
	b = appendStr(b, e.Reference)
	b = appendStr(b, e.IdempotencyKey)
	b = binary.AppendUvarint(b, uint64(len(e.Postings)))
	for i := range e.Postings {
		p := &e.Postings[i]
		b = appendAccount(b, &p.From)
		b = appendAccount(b, &p.To)
		b = binary.AppendVarint(b, p.Qty)
	}
	b = binary.AppendUvarint(b, uint64(len(e.Availability)))
	for i := range e.Availability {
		a := &e.Availability[i]
		b = appendStr(b, string(a.Channel))
		b = appendStr(b, string(a.SKU))
		b = binary.AppendVarint(b, a.Available)
	}
	b = binary.AppendUvarint(b, uint64(len(e.Flagged)))
	for i := range e.Flagged {
		b = appendAccount(b, &e.Flagged[i])
	}
	return b
}

// DecodeEntry decodes what [AppendEntry] wrote. Seq is left zero.
func DecodeEntry(b []byte) (inventory.Entry, error) {
	d := decoder{b: b}
	d.version()
	var e inventory.Entry
	e.Kind = inventory.EntryKind(d.str())
	e.At = FromUnixNanos(d.varint())
	e.Reservation = inventory.ReservationID(d.str())
	e.Reference = d.str()
	e.IdempotencyKey = d.str()
	if n := d.count(minPosting); n > 0 {
		e.Postings = make([]inventory.Posting, n)
		for i := range e.Postings {
			p := &e.Postings[i]
			p.From = d.account()
			p.To = d.account()
			p.Qty = d.varint()
		}
	}
	if n := d.count(minLevel); n > 0 {
		e.Availability = make([]inventory.ChannelLevel, n)
		for i := range e.Availability {
			a := &e.Availability[i]
			a.Channel = omnikit.ChannelID(d.str())
			a.SKU = omnikit.SKU(d.str())
			a.Available = d.varint()
		}
	}
	if n := d.count(minAccount); n > 0 {
		e.Flagged = make([]inventory.Account, n)
		for i := range e.Flagged {
			e.Flagged[i] = d.account()
		}
	}
	if err := d.err("entry"); err != nil {
		return inventory.Entry{}, err
	}
	return e, nil
}

// AppendReservation appends the encoding of r to b: every field but ID,
// which the adapters keep as the reservation's key.
func AppendReservation(b []byte, r *inventory.Reservation) []byte {
	b = append(b, version)
	b = appendStr(b, r.Owner)
	b = appendStr(b, string(r.State))
	b = binary.AppendVarint(b, UnixNanos(r.ExpiresAt))
	b = binary.AppendVarint(b, UnixNanos(r.CreatedAt))
	b = binary.AppendVarint(b, UnixNanos(r.EndedAt))
	return appendLines(b, r.Lines)
}

// DecodeReservation decodes what [AppendReservation] wrote. ID is left
// empty.
func DecodeReservation(b []byte) (inventory.Reservation, error) {
	d := decoder{b: b}
	d.version()
	var r inventory.Reservation
	r.Owner = d.str()
	r.State = inventory.ReservationState(d.str())
	r.ExpiresAt = FromUnixNanos(d.varint())
	r.CreatedAt = FromUnixNanos(d.varint())
	r.EndedAt = FromUnixNanos(d.varint())
	r.Lines = d.lines()
	if err := d.err("reservation"); err != nil {
		return inventory.Reservation{}, err
	}
	return r, nil
}

// AppendReservationLines appends the encoding of lines to b.
func AppendReservationLines(b []byte, lines []inventory.ReservationLine) []byte {
	return appendLines(append(b, version), lines)
}

// DecodeReservationLines decodes what [AppendReservationLines] wrote.
func DecodeReservationLines(b []byte) ([]inventory.ReservationLine, error) {
	d := decoder{b: b}
	d.version()
	lines := d.lines()
	if err := d.err("reservation lines"); err != nil {
		return nil, err
	}
	return lines, nil
}

// AppendLocationIDs appends the encoding of ids to b.
func AppendLocationIDs(b []byte, ids []omnikit.LocationID) []byte {
	b = append(b, version)
	b = binary.AppendUvarint(b, uint64(len(ids)))
	for _, id := range ids {
		b = appendStr(b, string(id))
	}
	return b
}

// DecodeLocationIDs decodes what [AppendLocationIDs] wrote.
func DecodeLocationIDs(b []byte) ([]omnikit.LocationID, error) {
	d := decoder{b: b}
	d.version()
	var ids []omnikit.LocationID
	if n := d.count(minLocation); n > 0 {
		ids = make([]omnikit.LocationID, n)
		for i := range ids {
			ids[i] = omnikit.LocationID(d.str())
		}
	}
	if err := d.err("location list"); err != nil {
		return nil, err
	}
	return ids, nil
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendAccount(b []byte, a *inventory.Account) []byte {
	b = appendStr(b, string(a.SKU))
	b = appendStr(b, string(a.Location))
	b = append(b, byte(a.Bucket))
	return appendStr(b, string(a.Peer))
}

func appendLines(b []byte, lines []inventory.ReservationLine) []byte {
	b = binary.AppendUvarint(b, uint64(len(lines)))
	for i := range lines {
		l := &lines[i]
		b = appendStr(b, string(l.SKU))
		b = appendStr(b, string(l.Location))
		b = binary.AppendVarint(b, l.Qty)
		b = binary.AppendVarint(b, l.Committed)
		b = binary.AppendVarint(b, l.Released)
	}
	return b
}

// decoder reads an encoding with bounds checks. The first malformed read
// marks it bad and empties it; every later read then returns a zero value,
// so callers check once, at the end, with err.
type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) fail() {
	d.bad, d.b = true, nil
}

func (d *decoder) version() {
	if d.byte1() != version {
		d.fail()
	}
}

func (d *decoder) byte1() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads the length of a sequence whose elements take at least min
// bytes each, refusing one that the bytes left cannot hold.
func (d *decoder) count(min int) int {
	n := d.uvarint()
	if n > uint64(len(d.b)/min) {
		d.fail()
		return 0
	}
	return int(n)
}

func (d *decoder) str() string {
	n := d.count(1)
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) account() inventory.Account {
	var a inventory.Account
	a.SKU = omnikit.SKU(d.str())
	a.Location = omnikit.LocationID(d.str())
	a.Bucket = inventory.Bucket(d.byte1())
	a.Peer = omnikit.LocationID(d.str())
	return a
}

func (d *decoder) lines() []inventory.ReservationLine {
	n := d.count(minLine)
	if n == 0 {
		return nil
	}
	lines := make([]inventory.ReservationLine, n)
	for i := range lines {
		l := &lines[i]
		l.SKU = omnikit.SKU(d.str())
		l.Location = omnikit.LocationID(d.str())
		l.Qty = d.varint()
		l.Committed = d.varint()
		l.Released = d.varint()
	}
	return lines
}

// err reports a malformed or partly read encoding of what.
func (d *decoder) err(what string) error {
	switch {
	case d.bad:
		return fmt.Errorf("codec: %s: %w", what, ErrCorrupt)
	case len(d.b) != 0:
		return fmt.Errorf("codec: %s: %d trailing bytes: %w", what, len(d.b), ErrCorrupt)
	}
	return nil
}
