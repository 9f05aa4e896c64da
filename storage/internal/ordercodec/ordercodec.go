// Package ordercodec is the encoding the SQL storage adapters share for
// orders and their events: the whole orders.Order (or orders.Event) as
// encoding/json, so that a field added to the types is stored without a
// schema change, and the int64 keys the adapters sort and filter on.
//
// Currency encodes as its ISO 4217 code and Money as its amount string and
// code (their own JSON methods). Times keep their offset;
// they decode as the same instant (compare them with time.Time.Equal).
package ordercodec

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/omnikit/omnikit/orders"
)

// EncodeOrder returns the stored form of o.
func EncodeOrder(o orders.Order) ([]byte, error) {
	b, err := json.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("encode order %q: %w", o.ID, err)
	}
	return b, nil
}

// DecodeOrder decodes what EncodeOrder wrote.
func DecodeOrder(b []byte) (orders.Order, error) {
	var o orders.Order
	if err := json.Unmarshal(b, &o); err != nil {
		return orders.Order{}, fmt.Errorf("decode order: %w", err)
	}
	return o, nil
}

// EncodeEvent returns the stored form of e (its Seq included).
func EncodeEvent(e orders.Event) ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode event of order %q: %w", e.Order, err)
	}
	return b, nil
}

// DecodeEvent decodes what EncodeEvent wrote and sets its Seq to seq, the
// number the database holds.
func DecodeEvent(seq int64, b []byte) (orders.Event, error) {
	var e orders.Event
	if err := json.Unmarshal(b, &e); err != nil {
		return orders.Event{}, fmt.Errorf("decode event %d: %w", seq, err)
	}
	e.Seq = seq
	return e, nil
}

// The keys are int64 unix nanoseconds. time.Time.UnixNano is defined only
// for 1678..2262; the earliest int64 is kept for the zero time.
var (
	minTime = time.Unix(0, math.MinInt64+1)
	maxTime = time.Unix(0, math.MaxInt64)
)

// Nanos returns the key of a stored time: the zero time is math.MinInt64
// (it sorts first, as it does in Go); a time outside 1678..2262 is an
// error.
func Nanos(t time.Time, field string) (int64, error) {
	if t.IsZero() {
		return math.MinInt64, nil
	}
	if t.Before(minTime) || t.After(maxTime) {
		return 0, fmt.Errorf("%s %s is outside the storable range 1678..2262", field, t.Format(time.RFC3339Nano))
	}
	return t.UnixNano(), nil
}

// Bound returns the key to compare stored keys with for the query bound
// t ("at or before t"), clamped to the int64 range: every stored key is
// at or before a bound after 2262, and only the zero time is at or before
// one before 1678.
func Bound(t time.Time) int64 {
	switch {
	case t.Before(minTime):
		return math.MinInt64
	case t.After(maxTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// PickupDue returns the key of o.PickupDue, ok false when it has none.
func PickupDue(o *orders.Order) (key int64, ok bool, err error) {
	t, ok := o.PickupDue()
	if !ok {
		return 0, false, nil
	}
	key, err = Nanos(t, "pickup deadline")
	return key, true, err
}

// Row is what an adapter's orders table holds besides the indexed fields
// it copies from the order itself (id, version, state, key, channel,
// external id).
type Row struct {
	// CreatedAt is the key of o.CreatedAt.
	CreatedAt int64
	// PickupDue is the key of o.PickupDue, nil when it has none (a NULL).
	PickupDue *int64
	// Body is the JSON of the whole order.
	Body string
}

// EncodeRow returns the stored form of o and its keys.
func EncodeRow(o *orders.Order) (Row, error) {
	var r Row
	var err error
	if r.CreatedAt, err = Nanos(o.CreatedAt, "order created_at"); err != nil {
		return r, err
	}
	due, ok, err := PickupDue(o)
	if err != nil {
		return r, err
	}
	if ok {
		r.PickupDue = &due
	}
	b, err := EncodeOrder(*o)
	if err != nil {
		return r, err
	}
	r.Body = string(b)
	return r, nil
}
