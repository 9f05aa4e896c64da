package postgres

import (
	"encoding/binary"
	"math"
	"time"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// Entries and reservations are stored as compact binary bodies: varints
// and length-prefixed strings, read back with bounds checks.

// noTime stands for the zero time.Time in a nanosecond column or body.
const noTime = math.MinInt64

func unixNanos(t time.Time) int64 {
	if t.IsZero() {
		return noTime
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == noTime {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
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

const bodyVersion = 1

func encodeEntry(b []byte, e *inventory.Entry) []byte {
	b = append(b, bodyVersion)
	b = binary.AppendVarint(b, unixNanos(e.At))
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

func encodeReservation(b []byte, r *inventory.Reservation) []byte {
	b = append(b, bodyVersion)
	b = putStr(b, r.Owner)
	b = binary.AppendVarint(b, unixNanos(r.ExpiresAt))
	b = binary.AppendVarint(b, unixNanos(r.CreatedAt))
	b = binary.AppendVarint(b, unixNanos(r.EndedAt))
	b = binary.AppendUvarint(b, uint64(len(r.Lines)))
	for _, l := range r.Lines {
		b = putStr(b, string(l.SKU))
		b = putStr(b, string(l.Location))
		b = binary.AppendVarint(b, l.Qty)
		b = binary.AppendVarint(b, l.Committed)
		b = binary.AppendVarint(b, l.Released)
	}
	return b
}

// decoder reads a body; the first malformed read sets bad and every later
// read returns zero values.
type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) byte1() byte {
	if d.bad || len(d.b) < 1 {
		d.bad = true
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	if d.bad {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.bad {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.bad || n > uint64(len(d.b)) {
		d.bad = true
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// count reads a slice length, refusing one the remaining bytes cannot hold.
func (d *decoder) count() int {
	n := d.uvarint()
	if d.bad || n > uint64(len(d.b)) {
		d.bad = true
		return 0
	}
	return int(n)
}

func (d *decoder) account() inventory.Account {
	a := inventory.Account{SKU: omnikit.SKU(d.str()), Location: omnikit.LocationID(d.str())}
	a.Bucket = inventory.Bucket(d.byte1())
	a.Peer = omnikit.LocationID(d.str())
	return a
}

func decodeEntry(seq int64, kind string, b []byte) (inventory.Entry, error) {
	d := &decoder{b: b}
	e := inventory.Entry{Seq: seq, Kind: inventory.EntryKind(kind)}
	if d.byte1() != bodyVersion {
		return e, ErrCorrupt
	}
	e.At = fromNanos(d.varint())
	e.Reservation = inventory.ReservationID(d.str())
	e.Reference = d.str()
	e.IdempotencyKey = d.str()
	if n := d.count(); n > 0 {
		e.Postings = make([]inventory.Posting, n)
		for i := range e.Postings {
			e.Postings[i] = inventory.Posting{From: d.account(), To: d.account(), Qty: d.varint()}
		}
	}
	if n := d.count(); n > 0 {
		e.Availability = make([]inventory.ChannelLevel, n)
		for i := range e.Availability {
			e.Availability[i] = inventory.ChannelLevel{Channel: omnikit.ChannelID(d.str()), SKU: omnikit.SKU(d.str()), Available: d.varint()}
		}
	}
	if n := d.count(); n > 0 {
		e.Flagged = make([]inventory.Account, n)
		for i := range e.Flagged {
			e.Flagged[i] = d.account()
		}
	}
	if d.bad || len(d.b) != 0 {
		return inventory.Entry{}, ErrCorrupt
	}
	return e, nil
}

func decodeReservation(id, state string, b []byte) (inventory.Reservation, error) {
	d := &decoder{b: b}
	r := inventory.Reservation{ID: inventory.ReservationID(id), State: inventory.ReservationState(state)}
	if d.byte1() != bodyVersion {
		return r, ErrCorrupt
	}
	r.Owner = d.str()
	r.ExpiresAt = fromNanos(d.varint())
	r.CreatedAt = fromNanos(d.varint())
	r.EndedAt = fromNanos(d.varint())
	if n := d.count(); n > 0 {
		r.Lines = make([]inventory.ReservationLine, n)
		for i := range r.Lines {
			r.Lines[i] = inventory.ReservationLine{SKU: omnikit.SKU(d.str()), Location: omnikit.LocationID(d.str()),
				Qty: d.varint(), Committed: d.varint(), Released: d.varint()}
		}
	}
	if d.bad || len(d.b) != 0 {
		return inventory.Reservation{}, ErrCorrupt
	}
	return r, nil
}
