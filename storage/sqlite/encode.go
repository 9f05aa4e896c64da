package sqlite

import (
	"fmt"
	"math"
	"time"

	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/storage/internal/codec"
)

// Entries (everything but the seq; kind and at also have columns), the
// lines of reservations and the pools of channels are stored as blobs in
// the encoding of package codec, shared with the other adapters. A
// malformed blob (a damaged or foreign file) is reported as an error, never
// a panic.

// Times are stored as int64 unix nanoseconds; the zero time as SQL NULL.
// The earliest int64 is left out: in a codec blob it stands for the zero
// time.
var (
	minTime = time.Unix(0, math.MinInt64+1)
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

// decodeEntry decodes the data blob of entry seq.
func decodeEntry(seq int64, data []byte) (inventory.Entry, error) {
	e, err := codec.DecodeEntry(data)
	if err != nil {
		return inventory.Entry{}, fmt.Errorf("sqlite: entry %d: %w", seq, err)
	}
	e.Seq = seq
	return e, nil
}
