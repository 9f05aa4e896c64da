package inventory

import (
	"context"
	"slices"

	"github.com/omnikit/omnikit"
)

// lazyExpire expires due reservations before a read, so that what the read
// returns never counts units whose hold has passed its deadline. It costs
// one atomic load when no reservation has a deadline, and a reading of the
// clock when none is due.
func (l *Ledger) lazyExpire(ctx context.Context, cfg *config) error {
	if l.nextDue.Load() == 0 || !l.due(l.clock.Now()) {
		return nil
	}
	_, err := l.expireDue(ctx, cfg)
	return err
}

// Availability returns the stock of a SKU at a location.
//
// Errors: ErrInvalidInput, ErrUnknownSKU, ErrUnknownLocation.
func (l *Ledger) Availability(ctx context.Context, sku omnikit.SKU, loc omnikit.LocationID) (Availability, error) {
	defer l.cfgMu.RLock().RUnlock()
	if err := l.checkSKULoc(sku, loc, "availability", -1); err != nil {
		return Availability{}, err
	}
	if err := l.lazyExpire(ctx, l.cfg); err != nil {
		return Availability{}, err
	}
	a := Availability{SKU: sku, Location: loc}
	err := l.store.View(ctx, func(tx ReadTx) error {
		var err error
		acct := func(b Bucket) (int64, error) { return tx.Balance(Account{SKU: sku, Location: loc, Bucket: b}) }
		if a.Sellable, err = acct(Sellable); err != nil {
			return err
		}
		if a.Reserved, err = acct(Reserved); err != nil {
			return err
		}
		if a.Quarantine, err = acct(Quarantine); err != nil {
			return err
		}
		if a.SafetyStock, err = tx.SafetyStock(sku, loc); err != nil {
			return err
		}
		for _, from := range l.cfg.locations {
			if from.ID == loc {
				continue
			}
			q, err := tx.Balance(Account{SKU: sku, Location: loc, Bucket: InTransit, Peer: from.ID})
			if err != nil {
				return err
			}
			a.Inbound += q
		}
		return nil
	})
	a.ATP = atp(a.Sellable, a.SafetyStock)
	return a, err
}

// ChannelAvailability returns the units of a SKU that a channel may sell
// now. It reads one maintained sum; it never scans the ledger.
//
// Errors: ErrInvalidInput, ErrUnknownChannel, ErrUnknownSKU.
func (l *Ledger) ChannelAvailability(ctx context.Context, ch omnikit.ChannelID, sku omnikit.SKU) (int64, error) {
	levels, err := l.ChannelAvailabilities(ctx, ch, []omnikit.SKU{sku})
	if err != nil {
		return 0, err
	}
	return levels[0].Available, nil
}

// ChannelAvailabilities returns a channel's availability of many SKUs in
// one consistent read, in the order asked.
//
// Errors: ErrInvalidInput, ErrUnknownChannel, ErrUnknownSKU.
func (l *Ledger) ChannelAvailabilities(ctx context.Context, ch omnikit.ChannelID, skus []omnikit.SKU) ([]ChannelLevel, error) {
	defer l.cfgMu.RLock().RUnlock()
	c, ok := l.cfg.channels[ch]
	if !ok {
		return nil, &UnknownError{Kind: "channel", ID: string(ch)}
	}
	for i, s := range skus {
		if err := s.Validate(); err != nil {
			return nil, invalid("skus["+itoa(i)+"]", "%v", err)
		}
		if !l.KnowsSKU(s) {
			return nil, &UnknownError{Kind: "sku", ID: string(s)}
		}
	}
	if err := l.lazyExpire(ctx, l.cfg); err != nil {
		return nil, err
	}
	out := make([]ChannelLevel, len(skus))
	err := l.store.View(ctx, func(tx ReadTx) error {
		for i, s := range skus {
			raw, err := tx.ChannelRaw(ch, s)
			if err != nil {
				return err
			}
			out[i] = ChannelLevel{Channel: ch, SKU: s, Available: c.Rule.Shape(raw)}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Changes returns up to limit entries after the cursor (a sequence number;
// 0 reads from the start), in order, with the channel availability each one
// changed. A consumer stores the Seq of the last entry it handled and asks
// again from there: no change is skipped or seen twice.
//
// Errors: ErrInvalidInput.
func (l *Ledger) Changes(ctx context.Context, after int64, limit int) ([]Entry, error) {
	if after < 0 {
		return nil, invalid("after", "negative cursor %d", after)
	}
	if limit <= 0 || limit > 10000 {
		return nil, invalid("limit", "%d is not within 1..10000", limit)
	}
	sh := l.cfgMu.RLock()
	err := l.lazyExpire(ctx, l.cfg)
	sh.RUnlock()
	if err != nil {
		return nil, err
	}
	var out []Entry
	err = l.store.View(ctx, func(tx ReadTx) error {
		var err error
		out, err = tx.Entries(after, limit)
		return err
	})
	return out, err
}

// Discrepancies lists the network accounts whose balance recording writes
// drove below zero, sorted: the stock to reconcile. A count or a receipt
// that brings a balance back to zero or above removes it from the list.
func (l *Ledger) Discrepancies(ctx context.Context) ([]Balance, error) {
	var out []Balance
	err := l.store.View(ctx, func(tx ReadTx) error {
		return tx.Balances(func(b Balance) error {
			if b.Qty < 0 && !b.Account.Bucket.IsWorld() {
				out = append(out, b)
			}
			return nil
		})
	})
	slices.SortFunc(out, func(a, b Balance) int { return a.Account.Compare(b.Account) })
	return out, err
}

// LastSeq returns the sequence number of the newest entry, 0 if none: the
// cursor from which a consumer that starts now reads the feed.
func (l *Ledger) LastSeq(ctx context.Context) (int64, error) {
	var seq int64
	err := l.store.View(ctx, func(tx ReadTx) error {
		var err error
		seq, err = tx.LastSeq()
		return err
	})
	return seq, err
}
