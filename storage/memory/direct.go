package memory

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

var (
	_ inventory.DirectReserver = (*Inventory)(nil)
	_ inventory.DirectSettler  = (*Inventory)(nil)
)

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
	if op.Replayed = s.replays(op.Key); op.Replayed {
		return nil
	}
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
	op.Levels = s.applyChanges(op.Changes, op.Levels[:0])
	e := inventory.Entry{Seq: int64(s.entries.len()) + 1}
	if len(op.Levels) > 0 {
		e.Availability = op.Levels
	}
	s.entries.appendHead(&e, op.Head)
	s.putReservationAt(r, p, body, existed)
	s.record(op.Key, op.Fingerprint, e.Seq, r.ID)
	op.Seq = e.Seq
	return nil
}

// replays reports whether key, if not empty, is recorded: a direct
// command then writes nothing, and the Ledger replays it through its
// transaction function. The write lock must be held.
func (s *Inventory) replays(key string) bool {
	if key == "" {
		return false
	}
	_, ok := s.idem[key]
	return ok
}

// record records key, if not empty, as a direct command's, which
// replays found unrecorded under the same lock.
func (s *Inventory) record(key, fingerprint string, seq int64, id inventory.ReservationID) {
	if key != "" {
		s.idem[key] = inventory.IdempotencyRecord{Key: key, Fingerprint: fingerprint, Seq: seq, Reservation: id}
	}
}

// applyChanges adds each of changes to its channel sum and appends to
// levels the channel levels they cause. The write lock must be held.
func (s *Inventory) applyChanges(changes []inventory.ChannelChange, levels []inventory.ChannelLevel) []inventory.ChannelLevel {
	for i := range changes {
		c := &changes[i]
		raw := &s.rawRecs[s.raw(chanSKU{c.Channel, c.SKU})]
		raw.q, raw.has = raw.q+c.Delta, true
		if lv, ok := c.Level(raw.q); ok {
			levels = append(levels, lv)
		}
	}
	return levels
}

// SettleDirect runs a commit's or a release's transaction in one call
// (inventory.DirectSettler): under the write lock it decodes the
// reservation into op (its lines into op's buffer, keeping its owner's
// bytes and its lines' pair numbers aside), reads each line's balances,
// lets op.Check decide, and writes the balances, the channel sums, the
// entry and the changed reservation, both encoded with the pair numbers
// the record held. Through Update, a commit decoded a whole reservation
// (allocating its lines), looked each account up again and encoded both
// records through the generic path under the lock; like ReserveDirect it
// keeps no undo log, since nothing after Check can fail.
func (s *Inventory) SettleDirect(ctx context.Context, op *inventory.SettleOp) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	// The ID's shape is read without the lock, as Preencode reads it.
	id := shapeOf(op.ID, s.names.sharedIDPrefix())
	s.lock()
	defer s.mu.Unlock()
	if op.Replayed = s.replays(op.Key); op.Replayed {
		return nil
	}
	var ref uint64
	var p place
	var found bool
	if id.ours {
		ref, p, found = s.reservations.findShaped(op.ID, true, true, id.c)
	} else {
		ref, p, found = s.reservations.find(op.ID)
	}
	if !found {
		return inventory.ErrNotFound
	}
	// The owner and the creation time are not decoded: the changed
	// record copies their bytes, and the expiry's, from the stored one
	// (in the table's chunk, which is never written over).
	r := &op.Reservation
	d := decoder{b: s.reservations.bytes(ref), n: s.names}
	d.skipID()
	rest := d.b
	d.raw()
	owner := rest[:len(rest)-len(d.b)]
	r.State = internState(d.raw())
	rest = d.b
	r.ExpiresAt = d.time()
	d.skipTime()
	times := rest[:len(rest)-len(d.b)]
	r.EndedAt = d.time()
	var nbuf [4]uint32
	nums := d.lines(r, nbuf[:0])
	r.ID, r.Owner, r.CreatedAt = op.ID, "", time.Time{}
	op.Sellable, op.Reserved, op.Safety = op.Sellable[:0], op.Reserved[:0], op.Safety[:0]
	var kbuf [4]int32
	ks := kbuf[:0]
	for i := range r.Lines {
		ln := &r.Lines[i]
		var sellable, reserved, safety int64
		k := s.hotPairOf(ln.SKU, ln.Location, false)
		if k >= 0 {
			rec := &s.recs[k]
			sellable, reserved, safety = rec.bal[inventory.Sellable], rec.bal[inventory.Reserved], rec.safety
		}
		ks = append(ks, k)
		op.Sellable, op.Reserved, op.Safety = append(op.Sellable, sellable), append(op.Reserved, reserved), append(op.Safety, safety)
	}
	if err := op.Check(op); err != nil {
		return err
	}
	e := &op.Entry
	settled := 0
	for _, q := range op.Qty {
		if q > 0 {
			settled++
		}
	}
	if len(op.Qty) != len(r.Lines) || settled != len(e.Postings) || !pairBucket(inventory.Account{Bucket: op.To}) {
		return fmt.Errorf("memory: SettleDirect: Check set %d quantities and %d postings for %d lines, into %v", len(op.Qty), len(e.Postings), len(r.Lines), op.To)
	}

	// Nothing below fails.
	moved := uint16(1)<<inventory.Reserved | uint16(1)<<op.To
	for i, q := range op.Qty {
		if q == 0 {
			continue
		}
		k := ks[i]
		if k < 0 {
			ln := &r.Lines[i]
			k = s.hotPairOf(ln.SKU, ln.Location, true)
		}
		rec := &s.recs[k]
		rec.bal[inventory.Reserved] -= q
		rec.bal[op.To] += q
		rec.has |= moved
	}
	op.Levels = s.applyChanges(op.Changes, op.Levels[:0])
	e.Seq, e.Availability = int64(s.entries.len())+1, nil
	if len(op.Levels) > 0 {
		e.Availability = op.Levels
	}
	// The entry's postings, encoded from the lines' pair numbers: each
	// settled line's units from Reserved to op.To, as Check built them.
	from, to := inventory.Account{Bucket: inventory.Reserved}, inventory.Account{Bucket: op.To}
	head := appendEntryStart(op.Buf[:0], e, id)
	for i, q := range op.Qty {
		if q > 0 {
			head = appendAccountNum(head, nums[i], &from)
			head = appendAccountNum(head, nums[i], &to)
			head = binary.AppendVarint(head, q)
		}
	}
	s.entries.appendHead(e, head) // copies head: the buffer is free again
	body := append(head[:0], owner...)
	body = appendString(body, string(r.State))
	body = append(body, times...)
	body = appendTime(body, r.EndedAt)
	body = binary.AppendUvarint(body, uint64(len(r.Lines)))
	for i := range r.Lines {
		body = appendLine(body, nums[i], &r.Lines[i])
	}
	s.reservations.putAt(r, p, body)
	if r.State != inventory.Active && !r.ExpiresAt.IsZero() {
		s.deadlines.remove(r.ID) // an active one keeps its deadline
	}
	s.record(op.Key, op.Fingerprint, e.Seq, r.ID)
	op.Buf = body[:0]
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
