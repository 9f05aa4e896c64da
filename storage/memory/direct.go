package memory

import (
	"context"
	"fmt"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

var _ inventory.DirectReserver = (*Inventory)(nil)

// ReserveDirect runs a reservation's transaction in one call
// (inventory.DirectReserver): under the write lock it reads each line's
// sellable balance and safety stock, lets op.Check decide, and writes the
// balances, the channel sums, the entry from op.Head and the reservation
// from op.Body.
//
// It keeps no undo log: everything that can refuse the reservation (a
// Named ID that is taken, a shortage) is decided before the first write,
// and nothing after it can fail. Through Update, the same reservation
// took ~3,600 instructions under the lock, most of them the generic path
// (interface calls, undo records, the balance list and its loops); here
// what is left is the reads, Check and the writes.
func (s *Inventory) ReserveDirect(ctx context.Context, op *inventory.ReserveOp) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := op.Reservation
	s.lock()
	defer s.mu.Unlock()
	_, p, existed, body := s.reservations.findPreencoded(r.ID, op.Body)
	if existed && op.Named {
		return fmt.Errorf("%w: %q", inventory.ErrReservationExists, r.ID)
	}
	op.Sellable, op.Safety = op.Sellable[:0], op.Safety[:0]
	// The records found, for the writes (-1: none yet); few lines fit
	// on the stack.
	var kbuf [4]int32
	ks := kbuf[:0]
	for i := range r.Lines {
		ln := &r.Lines[i]
		var sellable, safety int64
		k := s.hotPairOf(ln.SKU, ln.Location, false)
		if k >= 0 {
			rec := &s.recs[k]
			sellable, safety = rec.bal[inventory.Sellable], rec.safety
		}
		ks = append(ks, k)
		op.Sellable, op.Safety = append(op.Sellable, sellable), append(op.Safety, safety)
	}
	if err := op.Check(op); err != nil {
		return err
	}

	// Nothing below fails.
	const moved = 1<<inventory.Sellable | 1<<inventory.Reserved
	for i := range r.Lines {
		ln := &r.Lines[i]
		k := ks[i]
		if k < 0 {
			k = s.hotPairOf(ln.SKU, ln.Location, true)
		}
		rec := &s.recs[k]
		rec.bal[inventory.Sellable] -= ln.Qty
		rec.bal[inventory.Reserved] += ln.Qty
		rec.has |= moved
	}
	levels := op.Levels[:0]
	for i := range op.Changes {
		c := &op.Changes[i]
		raw := &s.rawRecs[s.raw(chanSKU{c.Channel, c.SKU})]
		raw.q, raw.has = raw.q+c.Delta, true
		if lv, ok := c.Level(raw.q); ok {
			levels = append(levels, lv)
		}
	}
	op.Levels = levels
	e := inventory.Entry{Seq: int64(s.entries.len()) + 1}
	if len(levels) > 0 {
		e.Availability = levels
	}
	s.entries.appendHead(&e, op.Head)
	s.putReservationAt(r, p, body, existed)
	op.Seq = e.Seq
	return nil
}

// hotPairOf returns the index of the record of (sku, loc), -1 if there is
// none and create is false, and remembers the pair in hotPair for the
// next write transaction. The write lock must be held.
func (s *Inventory) hotPairOf(sku omnikit.SKU, loc omnikit.LocationID, create bool) int32 {
	if h := &s.hotPair; h.ok && h.sl.sku == sku && h.sl.loc == loc {
		return h.idx
	}
	var i int32
	if create {
		i = s.pairOrNew(sku, loc)
	} else if i = s.pair(sku, loc); i < 0 {
		return -1
	}
	s.hotPair = hotPair{sl: skuLoc{sku, loc}, idx: i, ok: true}
	return i
}
