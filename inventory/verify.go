package inventory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/omnikit/omnikit"
)

// ErrVerifyFailed: Verify found the stored state inconsistent with the
// entries (see *VerifyError).
var ErrVerifyFailed = errors.New("inventory: verify failed")

// VerifyError lists every inconsistency Verify found. It matches ErrVerifyFailed.
type VerifyError struct {
	Problems []string
}

// Error implements error.
func (e *VerifyError) Error() string {
	const show = 10
	p := e.Problems
	more := ""
	if len(p) > show {
		more = fmt.Sprintf("; and %d more", len(p)-show)
		p = p[:show]
	}
	return "inventory: verify failed: " + strings.Join(p, "; ") + more
}

// Is reports whether target is ErrVerifyFailed.
func (e *VerifyError) Is(target error) bool { return target == ErrVerifyFailed }

// Verify replays every entry from the first and checks, in one consistent
// read, that:
//   - sequence numbers run from 1 without a gap;
//   - every posting moves a positive quantity between accounts of one SKU;
//   - each running balance equals the sum of its postings, and per SKU all
//     balances (world accounts included) sum to zero;
//   - each reserved balance equals the open units of the active
//     reservations on it;
//   - each channel's maintained sum equals a recomputation from the
//     balances and safety stocks.
//
// It returns nil when all hold, a *VerifyError listing what does not, or
// the store's error.
func (l *Ledger) Verify(ctx context.Context) error {
	defer l.cfgMu.RLock().RUnlock()
	cfg := l.cfg
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	err := l.store.View(ctx, func(tx ReadTx) error {
		replayed := map[Account]int64{}
		var seq int64
		for {
			page, err := tx.Entries(seq, 1000)
			if err != nil {
				return err
			}
			for _, e := range page {
				if e.Seq != seq+1 {
					bad("entry %d follows %d", e.Seq, seq)
				}
				seq = e.Seq
				for _, p := range e.Postings {
					if p.Qty <= 0 || p.From.SKU != p.To.SKU || !p.From.Bucket.Valid() || !p.To.Bucket.Valid() {
						bad("entry %d: malformed posting %v -> %v qty %d", e.Seq, p.From, p.To, p.Qty)
					}
					replayed[p.From] -= p.Qty
					replayed[p.To] += p.Qty
				}
			}
			if len(page) < 1000 {
				break
			}
		}
		last, err := tx.LastSeq()
		if err != nil {
			return err
		}
		if last != seq {
			bad("last sequence is %d but entries end at %d", last, seq)
		}
		stored := map[Account]int64{}
		if err := tx.Balances(func(b Balance) error {
			stored[b.Account] = b.Qty
			return nil
		}); err != nil {
			return err
		}
		sums := map[omnikit.SKU]int64{}
		for a, q := range replayed {
			sums[a.SKU] += q
			if stored[a] != q {
				bad("balance %v is %d, entries sum to %d", a, stored[a], q)
			}
		}
		for a, q := range stored {
			if _, ok := replayed[a]; !ok && q != 0 {
				bad("balance %v is %d without any entry", a, q)
			}
		}
		for sku, s := range sums {
			if s != 0 {
				bad("units of %s sum to %d, not zero", sku, s)
			}
		}

		open := map[Account]int64{}
		if err := tx.Reservations(func(r Reservation) error {
			if r.State != Active {
				if r.Open() != 0 {
					bad("reservation %s is %s with %d units open", r.ID, r.State, r.Open())
				}
				return nil
			}
			for _, ln := range r.Lines {
				if ln.Open() < 0 {
					bad("reservation %s line %s@%s has %d open", r.ID, ln.SKU, ln.Location, ln.Open())
				}
				open[Account{SKU: ln.SKU, Location: ln.Location, Bucket: Reserved}] += ln.Open()
			}
			return nil
		}); err != nil {
			return err
		}
		for a, q := range stored {
			if a.Bucket == Reserved && q != open[a] {
				bad("reserved %v is %d, active reservations hold %d", a, q, open[a])
			}
		}
		for a, q := range open {
			if q != stored[a] {
				if _, ok := stored[a]; !ok {
					bad("active reservations hold %d of %v, which has no balance", q, a)
				}
			}
		}

		want, err := recomputeRaws(tx, cfg)
		if err != nil {
			return err
		}
		have := map[chanSKU]int64{}
		if err := tx.ChannelRaws(func(r ChannelRaw) error {
			have[chanSKU{r.Channel, r.SKU}] = r.Raw
			return nil
		}); err != nil {
			return err
		}
		for k, v := range want {
			if have[k] != v {
				bad("channel %s sum of %s is %d, recomputed %d", k.ch, k.sku, have[k], v)
			}
		}
		for k, v := range have {
			if _, ok := want[k]; !ok && v != 0 {
				bad("channel %s sum of %s is %d, recomputed 0", k.ch, k.sku, v)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if problems != nil {
		slices.Sort(problems)
		return &VerifyError{Problems: problems}
	}
	return nil
}
