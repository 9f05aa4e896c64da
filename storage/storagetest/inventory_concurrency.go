package storagetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// testInventoryConcurrency hammers one ledger from many goroutines:
// multi-line reservations whose lines come in random (so often opposite)
// orders, on one hot SKU with limited stock and on random SKUs out of 50,
// then commits, releases, new reservations and receipts all at once. Every
// success and failure is recorded and cross-checked with the final
// balances, the feed and Verify: nothing is oversold, the hot SKU sells
// out exactly, and a short reservation never holds anything.
func testInventoryConcurrency(t *testing.T, h InventoryHarness) {
	t.Run("HotSKU", func(t *testing.T) { concHotSKU(t, h) })
	t.Run("AllOrNothing", func(t *testing.T) { concAllOrNothing(t, h) })
}

type concSkuLoc struct {
	sku omnikit.SKU
	loc omnikit.LocationID
}

// concRes is a reservation a goroutine made, with the units it still holds
// open by the goroutine's own account.
type concRes struct {
	id    inventory.ReservationID
	lines []inventory.ReservationLine // Qty is what was reserved; Committed/Released as settled
}

func (r *concRes) open() int64 {
	var n int64
	for _, ln := range r.lines {
		n += ln.Open()
	}
	return n
}

// concTally is what one goroutine saw succeed, per SKU and location.
type concTally struct {
	reserved  map[concSkuLoc]int64 // units of successful reservations
	committed map[concSkuLoc]int64 // units of successful commits
	released  map[concSkuLoc]int64 // units of successful releases
	received  map[concSkuLoc]int64
	kinds     map[inventory.EntryKind]int // successful writes by entry kind
	shortages int
	res       []*concRes
}

func concNewTally() *concTally {
	return &concTally{
		reserved:  map[concSkuLoc]int64{},
		committed: map[concSkuLoc]int64{},
		released:  map[concSkuLoc]int64{},
		received:  map[concSkuLoc]int64{},
		kinds:     map[inventory.EntryKind]int{},
	}
}

// concSum returns a new tally of everything in ts.
func concSum(ts ...*concTally) *concTally {
	sum := concNewTally()
	for _, t := range ts {
		sum.add(t)
	}
	return sum
}

func (c *concTally) add(o *concTally) {
	for k, v := range o.reserved {
		c.reserved[k] += v
	}
	for k, v := range o.committed {
		c.committed[k] += v
	}
	for k, v := range o.released {
		c.released[k] += v
	}
	for k, v := range o.received {
		c.received[k] += v
	}
	for k, v := range o.kinds {
		c.kinds[k] += v
	}
	c.shortages += o.shortages
	c.res = append(c.res, o.res...)
}

// settled records a successful commit or release entry against r.
func (c *concTally) settled(r *concRes, e inventory.Entry) error {
	c.kinds[e.Kind]++
	for _, p := range e.Postings {
		i := -1
		for j, ln := range r.lines {
			if ln.SKU == p.From.SKU && ln.Location == p.From.Location {
				i = j
			}
		}
		if i < 0 || p.From.Bucket != inventory.Reserved {
			return fmt.Errorf("%s of %s posts %v -> %v, which the reservation does not hold", e.Kind, r.id, p.From, p.To)
		}
		k := concSkuLoc{p.From.SKU, p.From.Location}
		if e.Kind == inventory.KindCommit {
			r.lines[i].Committed += p.Qty
			c.committed[k] += p.Qty
		} else {
			r.lines[i].Released += p.Qty
			c.released[k] += p.Qty
		}
		if r.lines[i].Open() < 0 {
			return fmt.Errorf("%s of %s settles more than line %s@%s held", e.Kind, r.id, p.From.SKU, p.From.Location)
		}
	}
	return nil
}

func (c *concTally) reservedOK(r inventory.Reservation) *concRes {
	c.kinds[inventory.KindReserve]++
	cr := &concRes{id: r.ID, lines: append([]inventory.ReservationLine(nil), r.Lines...)}
	for _, ln := range r.Lines {
		c.reserved[concSkuLoc{ln.SKU, ln.Location}] += ln.Qty
	}
	c.res = append(c.res, cr)
	return cr
}

func concShuffle(rng *rand.Rand, lines []inventory.LocatedLine) {
	rng.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
}

func concSetup(t *testing.T, h InventoryHarness, skus []omnikit.SKU) *inventory.Ledger {
	t.Helper()
	ctx := context.Background()
	l, _ := newLedger(t, h)
	for _, loc := range []inventory.Location{
		{ID: "wh", Type: inventory.TypeWarehouse}, {ID: "st", Type: inventory.TypeStore},
	} {
		if err := l.DefineLocation(ctx, loc); err != nil {
			t.Fatalf("DefineLocation(%s): %v", loc.ID, err)
		}
	}
	if err := l.DefineSKUs(ctx, skus...); err != nil {
		t.Fatalf("DefineSKUs: %v", err)
	}
	for _, ch := range []inventory.Channel{
		{ID: "web", Pool: []omnikit.LocationID{"wh", "st"}, Rule: inventory.ChannelRule{StoreThreshold: 1}},
		{ID: "market", Pool: []omnikit.LocationID{"wh"}, Rule: inventory.ChannelRule{BufferPercent: 10, Cap: 50}},
	} {
		if err := l.DefineChannel(ctx, ch); err != nil {
			t.Fatalf("DefineChannel(%s): %v", ch.ID, err)
		}
	}
	return l
}

func concReceive(t *testing.T, l *inventory.Ledger, loc omnikit.LocationID, sku omnikit.SKU, qty int64) {
	t.Helper()
	if _, err := l.Receive(context.Background(), inventory.StockRequest{Location: loc, Lines: []inventory.Line{{SKU: sku, Qty: qty}}}); err != nil {
		t.Fatalf("Receive(%d %s@%s): %v", qty, sku, loc, err)
	}
}

// concFeedKinds counts the feed's entries after seq by kind.
func concFeedKinds(t *testing.T, l *inventory.Ledger, after int64) (map[inventory.EntryKind]int, []inventory.Entry) {
	t.Helper()
	var all []inventory.Entry
	for {
		page, err := l.Changes(context.Background(), after, 1000)
		if err != nil {
			t.Fatalf("Changes(%d): %v", after, err)
		}
		for _, e := range page {
			if e.Seq != after+1 {
				t.Fatalf("feed entry %d follows %d: the sequence has a gap", e.Seq, after)
			}
			after = e.Seq
		}
		all = append(all, page...)
		if len(page) < 1000 {
			break
		}
	}
	kinds := map[inventory.EntryKind]int{}
	for _, e := range all {
		kinds[e.Kind]++
	}
	return kinds, all
}

func concLastSeq(t *testing.T, l *inventory.Ledger) int64 {
	t.Helper()
	_, all := concFeedKinds(t, l, 0)
	return int64(len(all))
}

func concHotSKU(t *testing.T, h InventoryHarness) {
	ctx := context.Background()
	workers, demand, randomSKUs := 64, 3, 50
	if testing.Short() {
		workers = 16
	}
	const hot = omnikit.SKU("HOT")
	hotStock := map[omnikit.LocationID]int64{"wh": 60, "st": 40}
	if testing.Short() {
		hotStock = map[omnikit.LocationID]int64{"wh": 15, "st": 10}
	}
	skus := []omnikit.SKU{hot}
	for i := range randomSKUs {
		skus = append(skus, omnikit.SKU(fmt.Sprintf("S%02d", i)))
	}
	l := concSetup(t, h, skus)
	const plenty, scarce = 1000, 3
	initial := concNewTally()
	for loc, q := range hotStock {
		concReceive(t, l, loc, hot, q)
		initial.received[concSkuLoc{hot, loc}] = q
	}
	for _, s := range skus[1:] {
		concReceive(t, l, "wh", s, plenty) // phase 1 reserves random SKUs here only: never short
		concReceive(t, l, "st", s, scarce) // phase 2 fights over these
		initial.received[concSkuLoc{s, "wh"}] = plenty
		initial.received[concSkuLoc{s, "st"}] = scarce
	}
	base := concLastSeq(t, l)
	var totalStock int64
	for _, q := range hotStock {
		totalStock += q
	}
	if int64(workers*demand) <= totalStock {
		t.Fatalf("bad test: demand %d does not exceed stock %d", workers*demand, totalStock)
	}

	// Phase 1: a flash sale. Every goroutine wants `demand` units of the hot
	// SKU, one or two at a time, each request also holding 0-2 random SKUs
	// (sometimes a line twice), lines shuffled. Without releases the hot
	// SKU's ATP only falls, so a goroutine stops at its demand or when both
	// locations have been short for it: the stock must sell out exactly.
	tallies := make([]*concTally, workers)
	var wg sync.WaitGroup
	for g := range workers {
		tallies[g] = concNewTally()
		wg.Add(1)
		go func() {
			defer wg.Done()
			tl := tallies[g]
			rng := rand.New(rand.NewPCG(1, uint64(g)))
			out := map[omnikit.LocationID]bool{}
			got := 0
			for got < demand && !(out["wh"] && out["st"]) {
				var lines []inventory.LocatedLine
				hotUnits := 0
				if !out["wh"] && !out["st"] && demand-got >= 2 && rng.IntN(3) == 0 {
					lines = append(lines, inventory.LocatedLine{SKU: hot, Location: "wh", Qty: 1}, inventory.LocatedLine{SKU: hot, Location: "st", Qty: 1})
					hotUnits = 2
				} else {
					loc := omnikit.LocationID("wh")
					if out["wh"] || (!out["st"] && rng.IntN(2) == 0) {
						loc = "st"
					}
					lines = append(lines, inventory.LocatedLine{SKU: hot, Location: loc, Qty: 1})
					hotUnits = 1
				}
				for range rng.IntN(3) {
					s := inventory.LocatedLine{SKU: skus[1+rng.IntN(randomSKUs)], Location: "wh", Qty: 1}
					lines = append(lines, s)
					if rng.IntN(4) == 0 {
						lines = append(lines, s)
					}
				}
				concShuffle(rng, lines)
				r, err := l.Reserve(ctx, inventory.ReserveRequest{Owner: fmt.Sprintf("flash-%d", g), Lines: lines})
				var se *inventory.ShortageError
				switch {
				case err == nil:
					tl.reservedOK(r)
					got += hotUnits
				case errors.As(err, &se):
					tl.shortages++
					for _, sl := range se.Lines {
						if sl.SKU != hot || sl.Bucket != inventory.Sellable || sl.Available != 0 {
							t.Errorf("flash sale: reserve %v: shortage line %+v; only the hot SKU may be short, and only once sold out (no releases yet)", lines, sl)
							return
						}
						out[sl.Location] = true
					}
				default:
					t.Errorf("flash sale: reserve %v: %v", lines, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	phase1 := concSum(tallies...)
	for loc, q := range hotStock {
		k := concSkuLoc{hot, loc}
		if phase1.reserved[k] != q {
			t.Errorf("flash sale: successful reservations hold %d units of %s@%s, want exactly its stock %d (min(demand %d, stock))", phase1.reserved[k], hot, loc, q, workers*demand)
		}
		a, err := l.Availability(ctx, hot, loc)
		if err != nil {
			t.Fatalf("Availability: %v", err)
		}
		if a.Sellable != 0 || a.Reserved != q || a.ATP != 0 {
			t.Errorf("flash sale: %s@%s is %+v, want sellable 0 and reserved %d", hot, loc, a, q)
		}
	}
	kinds, _ := concFeedKinds(t, l, base)
	if kinds[inventory.KindReserve] != phase1.kinds[inventory.KindReserve] || len(kinds) > 1 {
		t.Errorf("flash sale: the feed has %v since the start, want exactly the %d successful reservations (%d short requests wrote nothing)",
			kinds, phase1.kinds[inventory.KindReserve], phase1.shortages)
	}
	concCheckFinal(t, l, skus, initial, phase1, "flash sale")
	if t.Failed() {
		return
	}

	// Phase 2: everything at once. Each goroutine settles its reservations
	// (commit or release, whole or in parts) while making new ones on the
	// hot SKU and on scarce random SKUs at the store, and one goroutine
	// receives more of the hot SKU.
	base2 := concLastSeq(t, l)
	byOwner := make([][]*concRes, workers)
	for g, tl := range tallies {
		byOwner[g] = tl.res
	}
	tallies2 := make([]*concTally, workers+1)
	for g := range workers + 1 {
		tallies2[g] = concNewTally()
		wg.Add(1)
		go func() {
			defer wg.Done()
			tl := tallies2[g]
			rng := rand.New(rand.NewPCG(2, uint64(g)))
			if g == workers { // the receiver
				for range 20 {
					loc := []omnikit.LocationID{"wh", "st"}[rng.IntN(2)]
					if _, err := l.Receive(ctx, inventory.StockRequest{Location: loc, Lines: []inventory.Line{{SKU: hot, Qty: 1}}}); err != nil {
						t.Errorf("receive: %v", err)
						return
					}
					tl.kinds[inventory.KindReceive]++
					tl.received[concSkuLoc{hot, loc}]++
				}
				return
			}
			mine := byOwner[g]
			for round := 0; round < 6 || len(mine) > 0; round++ {
				if round < 6 {
					lines := []inventory.LocatedLine{{SKU: hot, Location: []omnikit.LocationID{"wh", "st"}[rng.IntN(2)], Qty: int64(1 + rng.IntN(2))}}
					for range rng.IntN(3) {
						lines = append(lines, inventory.LocatedLine{SKU: skus[1+rng.IntN(randomSKUs)], Location: []omnikit.LocationID{"wh", "st"}[rng.IntN(2)], Qty: 1})
					}
					concShuffle(rng, lines)
					r, err := l.Reserve(ctx, inventory.ReserveRequest{Owner: fmt.Sprintf("mixed-%d", g), Lines: lines})
					var se *inventory.ShortageError
					switch {
					case err == nil:
						mine = append(mine, tl.reservedOK(r))
					case errors.As(err, &se):
						tl.shortages++
						for _, sl := range se.Lines {
							if sl.Available >= sl.Requested {
								t.Errorf("reserve %v: shortage line %+v is not short", lines, sl)
							}
						}
					default:
						t.Errorf("reserve %v: %v", lines, err)
						return
					}
				}
				if len(mine) == 0 || rng.IntN(3) == 0 {
					continue
				}
				i := rng.IntN(len(mine))
				r := mine[i]
				if err := concSettleRandom(ctx, l, rng, tl, r); err != nil {
					t.Error(err)
					return
				}
				if r.open() == 0 {
					mine = append(mine[:i], mine[i+1:]...)
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	all := concSum(initial, phase1)
	phase2 := concSum(tallies2...)
	kinds, _ = concFeedKinds(t, l, base2)
	for _, k := range []inventory.EntryKind{inventory.KindReserve, inventory.KindCommit, inventory.KindRelease, inventory.KindReceive} {
		if kinds[k] != phase2.kinds[k] {
			t.Errorf("mixed load: the feed has %d %s entries, the goroutines saw %d succeed", kinds[k], k, phase2.kinds[k])
		}
	}
	// phase1.res holds the flash sale's reservations, settled in place by
	// phase 2; phase2.res holds the ones made during it.
	all.add(phase2)
	concCheckFinal(t, l, skus, all, all, "mixed load")
}

// concSettleRandom commits or releases a reservation: all of it, or one
// line (or part of one) first.
func concSettleRandom(ctx context.Context, l *inventory.Ledger, rng *rand.Rand, tl *concTally, r *concRes) error {
	kind := inventory.KindCommit
	if rng.IntN(2) == 0 {
		kind = inventory.KindRelease
	}
	req := inventory.SettleRequest{ID: r.id, Reference: "settle"}
	if rng.IntN(2) == 0 {
		var open []inventory.ReservationLine
		for _, ln := range r.lines {
			if ln.Open() > 0 {
				open = append(open, ln)
			}
		}
		ln := open[rng.IntN(len(open))]
		req.Lines = []inventory.LocatedLine{{SKU: ln.SKU, Location: ln.Location, Qty: 1 + rng.Int64N(ln.Open())}}
	}
	var e inventory.Entry
	var err error
	if kind == inventory.KindCommit {
		e, err = l.Commit(ctx, req)
	} else {
		e, err = l.Release(ctx, req)
	}
	if err != nil {
		return fmt.Errorf("%s %+v of a reservation holding %+v: %v", kind, req, r.lines, err)
	}
	return tl.settled(r, e)
}

// concCheckFinal cross-checks the recorded successes with the balances:
// for every SKU and location, reserved equals the units the goroutines'
// reservations still hold open, sellable equals what was received less
// what was committed and is held, and neither is ever negative. It also
// checks each recorded reservation's state and runs Verify.
func concCheckFinal(t *testing.T, l *inventory.Ledger, skus []omnikit.SKU, money, res *concTally, what string) {
	t.Helper()
	ctx := context.Background()
	open := map[concSkuLoc]int64{}
	for _, r := range res.res {
		for _, ln := range r.lines {
			open[concSkuLoc{ln.SKU, ln.Location}] += ln.Open()
		}
		got, err := l.Reservation(ctx, r.id)
		if err != nil {
			t.Errorf("%s: Reservation(%s): %v", what, r.id, err)
			continue
		}
		for i := range got.Lines {
			if i >= len(r.lines) || got.Lines[i] != r.lines[i] {
				t.Errorf("%s: reservation %s has lines %+v, the goroutine recorded %+v", what, r.id, got.Lines, r.lines)
				break
			}
		}
		if (got.State == inventory.Active) != (r.open() > 0) {
			t.Errorf("%s: reservation %s is %s with %d units open by the goroutine's account", what, r.id, got.State, r.open())
		}
	}
	for _, sku := range skus {
		for _, loc := range []omnikit.LocationID{"wh", "st"} {
			k := concSkuLoc{sku, loc}
			a, err := l.Availability(ctx, sku, loc)
			if err != nil {
				t.Fatalf("%s: Availability(%s, %s): %v", what, sku, loc, err)
			}
			wantSell := money.received[k] - money.committed[k] - open[k]
			if a.Reserved != open[k] || a.Sellable != wantSell {
				t.Errorf("%s: %s@%s has sellable %d reserved %d; the recorded successes say sellable %d (received %d - committed %d - held %d) reserved %d",
					what, sku, loc, a.Sellable, a.Reserved, wantSell, money.received[k], money.committed[k], open[k], open[k])
			}
			if a.Sellable < 0 || a.Reserved < 0 {
				t.Errorf("%s: oversold %s@%s: %+v", what, sku, loc, a)
			}
			if a.Reserved+money.committed[k] > money.received[k] {
				t.Errorf("%s: oversold %s@%s: reserved %d + committed %d exceed the %d received", what, sku, loc, a.Reserved, money.committed[k], money.received[k])
			}
		}
	}
	if err := l.Verify(ctx); err != nil {
		t.Errorf("%s: Verify: %v", what, err)
	}
}

// concAllOrNothing: requests that can never be covered (a line asks for
// more than was ever received) race with requests that can, over the same
// SKUs in shuffled orders. The impossible ones must always fail with a
// shortage naming only the short line, leave no reservation behind and
// hold no unit of their other lines.
func concAllOrNothing(t *testing.T, h InventoryHarness) {
	ctx := context.Background()
	workers, attempts := 32, 25
	if testing.Short() {
		workers, attempts = 8, 10
	}
	skus := []omnikit.SKU{"X", "Y", "Z"}
	l := concSetup(t, h, skus)
	const plenty, zStock = 1000, 3
	money := concNewTally()
	for _, s := range skus {
		q := int64(plenty)
		if s == "Z" {
			q = zStock
		}
		concReceive(t, l, "wh", s, q)
		money.received[concSkuLoc{s, "wh"}] = q
	}
	base := concLastSeq(t, l)
	tallies := make([]*concTally, workers)
	impossible := make([][]inventory.ReservationID, workers)
	var wg sync.WaitGroup
	for g := range workers {
		tallies[g] = concNewTally()
		wg.Add(1)
		go func() {
			defer wg.Done()
			tl := tallies[g]
			rng := rand.New(rand.NewPCG(3, uint64(g)))
			for i := range attempts {
				if rng.IntN(2) == 0 {
					// Impossible: Z never had 4 units.
					id := inventory.ReservationID(fmt.Sprintf("impossible-%d-%d", g, i))
					lines := []inventory.LocatedLine{{SKU: "X", Location: "wh", Qty: 1}, {SKU: "Y", Location: "wh", Qty: 2}, {SKU: "Z", Location: "wh", Qty: zStock + 1}}
					concShuffle(rng, lines)
					_, err := l.Reserve(ctx, inventory.ReserveRequest{ID: id, Lines: lines})
					var se *inventory.ShortageError
					if !errors.As(err, &se) {
						t.Errorf("reserve %v (Z never had %d units): got err=%v, want a *ShortageError", lines, zStock+1, err)
						return
					}
					if len(se.Lines) != 1 || se.Lines[0].SKU != "Z" || se.Lines[0].Requested != zStock+1 || se.Lines[0].Available > zStock {
						t.Errorf("reserve %v: shortage %+v, want one line for Z requested %d", lines, se.Lines, zStock+1)
						return
					}
					tl.shortages++
					impossible[g] = append(impossible[g], id)
					continue
				}
				// Possible while Z lasts; settled at once to keep Z moving.
				lines := []inventory.LocatedLine{{SKU: "X", Location: "wh", Qty: 1}, {SKU: "Z", Location: "wh", Qty: 1}, {SKU: "Y", Location: "wh", Qty: 1}}
				concShuffle(rng, lines)
				r, err := l.Reserve(ctx, inventory.ReserveRequest{Lines: lines})
				var se *inventory.ShortageError
				switch {
				case err == nil:
					cr := tl.reservedOK(r)
					if err := concSettleRandom(ctx, l, rng, tl, cr); err != nil {
						t.Error(err)
						return
					}
					if cr.open() > 0 {
						e, err := l.Release(ctx, inventory.SettleRequest{ID: cr.id})
						if err != nil {
							t.Errorf("release of the rest of %s: %v", cr.id, err)
							return
						}
						if err := tl.settled(cr, e); err != nil {
							t.Error(err)
							return
						}
					}
				case errors.As(err, &se):
					tl.shortages++
					if len(se.Lines) != 1 || se.Lines[0].SKU != "Z" {
						t.Errorf("reserve %v: shortage %+v, want one line for Z", lines, se.Lines)
						return
					}
				default:
					t.Errorf("reserve %v: %v", lines, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	all := concSum(tallies...)
	for _, ids := range impossible {
		for _, id := range ids {
			if r, err := l.Reservation(ctx, id); !errors.Is(err, inventory.ErrNotFound) {
				t.Errorf("the short reservation %s left something behind: %+v, err=%v", id, r, err)
			}
		}
	}
	kinds, entries := concFeedKinds(t, l, base)
	for _, k := range []inventory.EntryKind{inventory.KindReserve, inventory.KindCommit, inventory.KindRelease} {
		if kinds[k] != all.kinds[k] {
			t.Errorf("the feed has %d %s entries, the goroutines saw %d succeed", kinds[k], k, all.kinds[k])
		}
	}
	for _, e := range entries {
		for _, p := range e.Postings {
			if e.Kind == inventory.KindReserve && p.Qty > zStock {
				t.Errorf("entry %d reserves %d of %s: a short request was partly applied", e.Seq, p.Qty, p.From.SKU)
			}
		}
	}
	money.add(all)
	concCheckFinal(t, l, skus, money, all, "all or nothing")
	for _, s := range skus {
		a, err := l.Availability(ctx, s, "wh")
		if err != nil {
			t.Fatal(err)
		}
		if a.Reserved != 0 {
			t.Errorf("%s holds %d reserved after every reservation was settled: a short request held units", s, a.Reserved)
		}
	}
}
