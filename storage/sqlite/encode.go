package sqlite

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// The variable parts of entries (postings, availability, flagged accounts),
// the lines of reservations and the pools of channels are stored as compact
// binary blobs: varints and length-prefixed strings. A blob is decoded only
// by this file; a malformed one (a damaged or foreign file) is reported as
// an error, never a panic.

// errCorrupt is returned when a stored blob cannot be decoded.
var errCorrupt = errors.New("sqlite: stored record is malformed")

// Times are stored as int64 unix nanoseconds; the zero time as SQL NULL.
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// nanos converts t for storage, refusing times int64 nanoseconds cannot
// hold (before 1678 or after 2262).
func nanos(t time.Time, field string) (int64, error) {
	if t.Before(minTime) || t.After(maxTime) {
		return 0, fmt.Errorf("sqlite: %s %s is outside the storable range 1678..2262", field, t.Format(time.RFC3339Nano))
	}
	return t.UnixNano(), nil
}

// nullNanos is nanos with the zero time as NULL.
func nullNanos(t time.Time, field string) (any, error) {
	if t.IsZero() {
		return nil, nil
	}
	return nanos(t, field)
}

// fromNanos decodes a stored time as UTC; NULL is the zero time.
func fromNanos(v *int64) time.Time {
	if v == nil {
		return time.Time{}
	}
	return time.Unix(0, *v).UTC()
}

type encoder struct{ b []byte }

func (e *encoder) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) varint(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *encoder) str(s string) {
	e.uvarint(uint64(len(s)))
	e.b = append(e.b, s...)
}
func (e *encoder) account(a inventory.Account) {
	e.str(string(a.SKU))
	e.str(string(a.Location))
	e.b = append(e.b, byte(a.Bucket))
	e.str(string(a.Peer))
}

type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.bad, d.b = true, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.bad, d.b = true, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a length that must fit in what is left of the blob (every
// element takes at least min bytes), so that a damaged length cannot make
// the decoder allocate without bound.
func (d *decoder) count(min int) int {
	n := d.uvarint()
	if n > uint64(len(d.b)/min) {
		d.bad, d.b = true, nil
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

func (d *decoder) byte1() byte {
	if len(d.b) == 0 {
		d.bad = true
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) account() inventory.Account {
	a := inventory.Account{SKU: omnikit.SKU(d.str()), Location: omnikit.LocationID(d.str())}
	a.Bucket = inventory.Bucket(d.byte1())
	a.Peer = omnikit.LocationID(d.str())
	return a
}

func (d *decoder) err() error {
	if d.bad || len(d.b) != 0 {
		return errCorrupt
	}
	return nil
}

// encodeEntryData appends the variable part of e to b: everything but Seq,
// Kind and At, which have columns.
func encodeEntryData(b []byte, e *inventory.Entry) []byte {
	enc := encoder{b: b}
	enc.str(string(e.Reservation))
	enc.str(e.Reference)
	enc.str(e.IdempotencyKey)
	enc.uvarint(uint64(len(e.Postings)))
	for _, p := range e.Postings {
		enc.account(p.From)
		enc.account(p.To)
		enc.varint(p.Qty)
	}
	enc.uvarint(uint64(len(e.Availability)))
	for _, a := range e.Availability {
		enc.str(string(a.Channel))
		enc.str(string(a.SKU))
		enc.varint(a.Available)
	}
	enc.uvarint(uint64(len(e.Flagged)))
	for _, a := range e.Flagged {
		enc.account(a)
	}
	return enc.b
}

func decodeEntry(seq int64, kind string, at *int64, data []byte) (inventory.Entry, error) {
	d := &decoder{b: data}
	e := inventory.Entry{Seq: seq, Kind: inventory.EntryKind(kind), At: fromNanos(at)}
	e.Reservation = inventory.ReservationID(d.str())
	e.Reference = d.str()
	e.IdempotencyKey = d.str()
	if n := d.count(7); n > 0 {
		e.Postings = make([]inventory.Posting, n)
		for i := range e.Postings {
			e.Postings[i] = inventory.Posting{From: d.account(), To: d.account(), Qty: d.varint()}
		}
	}
	if n := d.count(3); n > 0 {
		e.Availability = make([]inventory.ChannelLevel, n)
		for i := range e.Availability {
			e.Availability[i] = inventory.ChannelLevel{Channel: omnikit.ChannelID(d.str()), SKU: omnikit.SKU(d.str()), Available: d.varint()}
		}
	}
	if n := d.count(4); n > 0 {
		e.Flagged = make([]inventory.Account, n)
		for i := range e.Flagged {
			e.Flagged[i] = d.account()
		}
	}
	if err := d.err(); err != nil {
		return inventory.Entry{}, fmt.Errorf("sqlite: entry %d: %w", seq, err)
	}
	return e, nil
}

func encodeLines(b []byte, lines []inventory.ReservationLine) []byte {
	enc := encoder{b: b}
	enc.uvarint(uint64(len(lines)))
	for _, l := range lines {
		enc.str(string(l.SKU))
		enc.str(string(l.Location))
		enc.varint(l.Qty)
		enc.varint(l.Committed)
		enc.varint(l.Released)
	}
	return enc.b
}

func decodeLines(b []byte) ([]inventory.ReservationLine, error) {
	d := &decoder{b: b}
	var lines []inventory.ReservationLine
	if n := d.count(5); n > 0 {
		lines = make([]inventory.ReservationLine, n)
		for i := range lines {
			lines[i] = inventory.ReservationLine{SKU: omnikit.SKU(d.str()), Location: omnikit.LocationID(d.str()),
				Qty: d.varint(), Committed: d.varint(), Released: d.varint()}
		}
	}
	return lines, d.err()
}

func encodePool(pool []omnikit.LocationID) []byte {
	enc := encoder{b: make([]byte, 0, 8*len(pool)+1)}
	enc.uvarint(uint64(len(pool)))
	for _, l := range pool {
		enc.str(string(l))
	}
	return enc.b
}

func decodePool(b []byte) ([]omnikit.LocationID, error) {
	d := &decoder{b: b}
	var pool []omnikit.LocationID
	if n := d.count(1); n > 0 {
		pool = make([]omnikit.LocationID, n)
		for i := range pool {
			pool[i] = omnikit.LocationID(d.str())
		}
	}
	return pool, d.err()
}
