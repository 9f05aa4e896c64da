package memory

import (
	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// Test hooks that corrupt a store's state behind the ledger's back, so
// that tests can check Verify notices. They write the store's own
// representation directly, with no entry and no undo record.

// corruptBalance adds delta to the running balance of a.
func (s *Inventory) corruptBalance(a inventory.Account, delta int64) {
	if !pairBucket(a) {
		s.transit[a] += delta
		return
	}
	rec := &s.recs[s.pairOrNew(a.SKU, a.Location)]
	rec.bal[a.Bucket] += delta
	rec.has |= 1 << a.Bucket
}

// corruptChannelRaw sets the maintained sum of a channel for a SKU.
func (s *Inventory) corruptChannelRaw(ch omnikit.ChannelID, sku omnikit.SKU, raw int64) {
	r := &s.rawRecs[s.raw(chanSKU{ch, sku})]
	r.q, r.has = raw, true
}

// corruptReservation replaces the stored reservation r.ID with r.
func (s *Inventory) corruptReservation(r inventory.Reservation) {
	_, p, _ := s.reservations.find(r.ID)
	s.reservations.putAt(&r, p, nil)
}
