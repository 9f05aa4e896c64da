package inventory

import (
	"context"

	"github.com/omnikit/omnikit"
)

// ATPs returns the available-to-promise units (sellable less safety
// stock, never below zero) of each SKU at each location, read in one
// consistent view: out[i][j] is skus[i] at locs[j]. It is the snapshot a
// router needs, in one store transaction instead of one per pair, and it
// expires due reservations first, as Availability does.
//
// Errors: ErrInvalidInput, ErrUnknownSKU, ErrUnknownLocation.
func (l *Ledger) ATPs(ctx context.Context, skus []omnikit.SKU, locs []omnikit.LocationID) ([][]int64, error) {
	defer l.cfgMu.RLock().RUnlock()
	for i, sku := range skus {
		for _, loc := range locs {
			if err := l.checkSKULoc(sku, loc, "atps", i); err != nil {
				return nil, err
			}
		}
	}
	if err := l.lazyExpire(ctx, l.cfg); err != nil {
		return nil, err
	}
	out := make([][]int64, len(skus))
	cells := make([]int64, len(skus)*len(locs))
	for i := range out {
		out[i] = cells[i*len(locs) : (i+1)*len(locs) : (i+1)*len(locs)]
	}
	err := l.store.View(ctx, func(tx ReadTx) error {
		if p, ok := tx.(Preloader); ok && len(skus)*len(locs) > 1 {
			ps := make([]omnikit.SKU, 0, len(skus)*len(locs))
			pl := make([]omnikit.LocationID, 0, len(skus)*len(locs))
			for _, sku := range skus {
				for _, loc := range locs {
					ps, pl = append(ps, sku), append(pl, loc)
				}
			}
			if err := p.Preload(ps, pl); err != nil {
				return err
			}
		}
		for i, sku := range skus {
			for j, loc := range locs {
				sellable, err := tx.Balance(Account{SKU: sku, Location: loc, Bucket: Sellable})
				if err != nil {
					return err
				}
				safety, err := tx.SafetyStock(sku, loc)
				if err != nil {
					return err
				}
				out[i][j] = atp(sellable, safety)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
