package inventory

import (
	"context"
	"slices"

	"github.com/omnikit/omnikit"
)

// DefineLocation adds a location or replaces its definition. Replacing a
// location's type changes what it contributes to channels; their
// availability is recomputed and the changes are appended to the feed.
//
// Errors: ErrInvalidInput.
func (l *Ledger) DefineLocation(ctx context.Context, loc Location) error {
	if err := loc.ID.Validate(); err != nil {
		return invalid("location.id", "%v", err)
	}
	if !loc.Type.Valid() {
		return invalid("location.type", "%q is not a location type", loc.Type)
	}
	if !loc.Geo.IsZero() {
		if err := loc.Geo.Validate(); err != nil {
			return invalid("location.geo", "%v", err)
		}
	}
	l.cfgMu.Lock()
	defer l.cfgMu.Unlock()
	locs := l.cfg.locationList()
	replaced := false
	for i := range locs {
		if locs[i].ID == loc.ID {
			locs[i], replaced = loc, true
		}
	}
	if !replaced {
		locs = append(locs, loc)
	}
	next := newConfig(locs, l.cfg.channelList())
	var affected []omnikit.ChannelID
	for _, ch := range next.byLocation[loc.ID].chans {
		affected = append(affected, ch.ID)
	}
	err := l.store.Update(ctx, nil, func(tx Tx) error {
		if err := tx.PutLocation(loc); err != nil {
			return err
		}
		return l.rebuildChannels(tx, next, affected)
	})
	if err != nil {
		return err
	}
	l.cfg = next
	return nil
}

// DefineSKUs defines SKUs so that stock of them can be recorded. Defining a
// SKU twice is not an error.
//
// Errors: ErrInvalidInput.
func (l *Ledger) DefineSKUs(ctx context.Context, skus ...omnikit.SKU) error {
	for i, s := range skus {
		if err := s.Validate(); err != nil {
			return invalid("skus["+itoa(i)+"]", "%v", err)
		}
	}
	err := l.store.Update(ctx, nil, func(tx Tx) error { return tx.PutSKUs(slices.Clone(skus)) })
	if err != nil {
		return err
	}
	for _, s := range skus {
		l.skus.Store(s, struct{}{})
	}
	return nil
}

// DefineChannel adds a channel or replaces its pool and rule. The channel's
// availability of every SKU is recomputed from the balances and the changes
// are appended to the feed.
//
// Errors: ErrInvalidInput, ErrUnknownLocation.
func (l *Ledger) DefineChannel(ctx context.Context, ch Channel) error {
	if err := ch.ID.Validate(); err != nil {
		return invalid("channel.id", "%v", err)
	}
	r := ch.Rule
	switch {
	case r.BufferPercent < 0 || r.BufferPercent > 100:
		return invalid("channel.rule.buffer_percent", "%d is not within 0..100", r.BufferPercent)
	case r.BufferUnits < 0 || r.BufferUnits > MaxQty:
		return invalid("channel.rule.buffer_units", "%d is not within 0..%d", r.BufferUnits, int64(MaxQty))
	case r.Cap < 0 || r.Cap > MaxQty:
		return invalid("channel.rule.cap", "%d is not within 0..%d", r.Cap, int64(MaxQty))
	case r.StoreThreshold < 0 || r.StoreThreshold > MaxQty:
		return invalid("channel.rule.store_threshold", "%d is not within 0..%d", r.StoreThreshold, int64(MaxQty))
	}
	pool := slices.Clone(ch.Pool)
	slices.Sort(pool)
	pool = slices.Compact(pool)
	ch.Pool = pool
	l.cfgMu.Lock()
	defer l.cfgMu.Unlock()
	for _, id := range pool {
		if _, ok := l.cfg.locations[id]; !ok {
			return &UnknownError{Kind: "location", ID: string(id)}
		}
	}
	chans := l.cfg.channelList()
	replaced := false
	for i := range chans {
		if chans[i].ID == ch.ID {
			chans[i], replaced = ch, true
		}
	}
	if !replaced {
		chans = append(chans, ch)
	}
	next := newConfig(l.cfg.locationList(), chans)
	err := l.store.Update(ctx, nil, func(tx Tx) error {
		if err := tx.PutChannel(ch); err != nil {
			return err
		}
		return l.rebuildChannels(tx, next, []omnikit.ChannelID{ch.ID})
	})
	if err != nil {
		return err
	}
	l.cfg = next
	return nil
}

// SetSafetyStock sets the units of a SKU held back at a location from every
// promise (0 clears it). The change of channel availability is appended to
// the feed.
//
// Errors: ErrInvalidInput, ErrUnknownSKU, ErrUnknownLocation.
func (l *Ledger) SetSafetyStock(ctx context.Context, s SafetyStock) error {
	if s.Qty < 0 || s.Qty > MaxQty {
		return invalid("safety_stock.qty", "%d is not within 0..%d", s.Qty, int64(MaxQty))
	}
	defer l.cfgMu.RLock().RUnlock()
	if err := l.checkSKULoc(s.SKU, s.Location, "safety_stock", -1); err != nil {
		return err
	}
	cfg := l.cfg
	keys := []Account{{SKU: s.SKU, Location: s.Location, Bucket: Sellable}}
	return l.store.Update(ctx, keys, func(tx Tx) error {
		old, err := tx.SafetyStock(s.SKU, s.Location)
		if err != nil {
			return err
		}
		if old == s.Qty {
			return nil
		}
		sellable, err := tx.Balance(keys[0])
		if err != nil {
			return err
		}
		if err := tx.SetSafetyStock(s); err != nil {
			return err
		}
		deltas := addDelta(nil, cfg.byLocation[s.Location], s.SKU, atp(sellable, old), atp(sellable, s.Qty))
		levels, err := applyDeltas(tx, deltas, nil)
		if err != nil {
			return err
		}
		e := &Entry{Kind: KindSafetyStock, At: l.clock.Now(), Availability: levels,
			Reference: string(s.SKU) + "@" + string(s.Location) + " safety " + itoa64(s.Qty)}
		return tx.Append(e, nil)
	})
}

// rebuildChannels recomputes the sums of the given channels from every
// balance and safety stock, writes those that differ and appends one
// rebuild entry with the availabilities that changed.
func (l *Ledger) rebuildChannels(tx Tx, cfg *config, ids []omnikit.ChannelID) error {
	if len(ids) == 0 {
		return nil
	}
	want, err := recomputeRaws(tx, cfg)
	if err != nil {
		return err
	}
	old := map[chanSKU]int64{}
	if err := tx.ChannelRaws(func(r ChannelRaw) error {
		old[chanSKU{r.Channel, r.SKU}] = r.Raw
		return nil
	}); err != nil {
		return err
	}
	var levels []ChannelLevel
	for _, id := range ids {
		ch, defined := cfg.channels[id]
		keys := map[chanSKU]bool{}
		for k := range old {
			if k.ch == id {
				keys[k] = true
			}
		}
		for k := range want {
			if k.ch == id {
				keys[k] = true
			}
		}
		sorted := make([]chanSKU, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		slices.SortFunc(sorted, func(a, b chanSKU) int { return compareStr(string(a.sku), string(b.sku)) })
		for _, k := range sorted {
			o, n := old[k], want[k]
			if o != n {
				if err := tx.SetChannelRaw(k.ch, k.sku, n); err != nil {
					return err
				}
			}
			// The rule may have changed even where the sum did not; the
			// feed gets every SKU whose shaped availability is now known.
			if defined {
				levels = append(levels, ChannelLevel{Channel: id, SKU: k.sku, Available: ch.Rule.Shape(n)})
			}
		}
	}
	if len(levels) == 0 {
		return nil // nothing stocked yet: the feed has nothing to tell
	}
	e := &Entry{Kind: KindRebuild, At: l.clock.Now(), Availability: levels}
	return tx.Append(e, nil)
}

type chanSKU struct {
	ch  omnikit.ChannelID
	sku omnikit.SKU
}

// recomputeRaws computes every channel's sum from scratch.
func recomputeRaws(tx ReadTx, cfg *config) (map[chanSKU]int64, error) {
	safety := map[skuLoc]int64{}
	if err := tx.SafetyStocks(func(s SafetyStock) error {
		safety[skuLoc{s.SKU, s.Location}] = s.Qty
		return nil
	}); err != nil {
		return nil, err
	}
	sellable := map[skuLoc]int64{}
	if err := tx.Balances(func(b Balance) error {
		if b.Account.Bucket == Sellable {
			sellable[skuLoc{b.Account.SKU, b.Account.Location}] = b.Qty
		}
		return nil
	}); err != nil {
		return nil, err
	}
	// A safety stock without a balance contributes nothing, so the
	// sellable balances are the only keys that matter.
	out := map[chanSKU]int64{}
	for k, q := range sellable {
		a := atp(q, safety[k])
		at := cfg.byLocation[k.loc]
		for _, ch := range at.chans {
			if c := contribution(ch, at.store, a); c != 0 {
				out[chanSKU{ch.ID, k.sku}] += c
			}
		}
	}
	return out, nil
}

type skuLoc struct {
	sku omnikit.SKU
	loc omnikit.LocationID
}
