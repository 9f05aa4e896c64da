package storagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// scen is a ledger with a small network: a warehouse, two stores, SKUs
// A, B and C, a web channel over everything and a marketplace channel over
// the warehouse.
type scen struct {
	t   *testing.T
	ctx context.Context
	l   *inventory.Ledger
	clk *omnikit.ManualClock
}

func newScen(t *testing.T, h InventoryHarness) *scen {
	t.Helper()
	l, clk := newLedger(t, h)
	s := &scen{t: t, ctx: context.Background(), l: l, clk: clk}
	s.ok(l.DefineLocation(s.ctx, inventory.Location{ID: "wh", Type: inventory.TypeWarehouse, Capabilities: inventory.CanShip}))
	s.ok(l.DefineLocation(s.ctx, inventory.Location{ID: "paris", Type: inventory.TypeStore, Capabilities: inventory.CanPickup | inventory.CanShipFromStore}))
	s.ok(l.DefineLocation(s.ctx, inventory.Location{ID: "lyon", Type: inventory.TypeStore, Capabilities: inventory.CanPickup}))
	s.ok(l.DefineSKUs(s.ctx, "A", "B", "C"))
	s.ok(l.DefineChannel(s.ctx, inventory.Channel{ID: "web", Pool: []omnikit.LocationID{"wh", "paris", "lyon"}}))
	s.ok(l.DefineChannel(s.ctx, inventory.Channel{ID: "mkt", Pool: []omnikit.LocationID{"wh"}, Rule: inventory.ChannelRule{BufferPercent: 10, BufferUnits: 1, Cap: 50}}))
	return s
}

func (s *scen) ok(err error) {
	s.t.Helper()
	if err != nil {
		s.t.Fatalf("unexpected error: %v", err)
	}
}

func (s *scen) receive(loc omnikit.LocationID, sku omnikit.SKU, q int64) inventory.Entry {
	s.t.Helper()
	e, err := s.l.Receive(s.ctx, inventory.StockRequest{Location: loc, Lines: []inventory.Line{{SKU: sku, Qty: q}}})
	s.ok(err)
	return e
}

func (s *scen) avail(sku omnikit.SKU, loc omnikit.LocationID) inventory.Availability {
	s.t.Helper()
	a, err := s.l.Availability(s.ctx, sku, loc)
	s.ok(err)
	return a
}

func (s *scen) channel(ch omnikit.ChannelID, sku omnikit.SKU) int64 {
	s.t.Helper()
	n, err := s.l.ChannelAvailability(s.ctx, ch, sku)
	s.ok(err)
	return n
}

func (s *scen) lastSeq() int64 {
	s.t.Helper()
	var last int64
	for {
		page, err := s.l.Changes(s.ctx, last, 1000)
		s.ok(err)
		if len(page) == 0 {
			return last
		}
		last = page[len(page)-1].Seq
	}
}

func (s *scen) verify() {
	s.t.Helper()
	if err := s.l.Verify(s.ctx); err != nil {
		s.t.Fatalf("Verify: %v", err)
	}
}

// wantBuckets checks sellable, reserved and quarantine of a SKU at a location.
func (s *scen) wantBuckets(sku omnikit.SKU, loc omnikit.LocationID, sellable, reserved, quarantine int64) {
	s.t.Helper()
	a := s.avail(sku, loc)
	if a.Sellable != sellable || a.Reserved != reserved || a.Quarantine != quarantine {
		s.t.Fatalf("%s@%s: sellable/reserved/quarantine = %d/%d/%d, want %d/%d/%d",
			sku, loc, a.Sellable, a.Reserved, a.Quarantine, sellable, reserved, quarantine)
	}
}

func testInventoryScenarios(t *testing.T, h InventoryHarness) {
	t.Run("ReceiveReserveCommit", func(t *testing.T) {
		s := newScen(t, h)
		s.receive("wh", "A", 10)
		r, err := s.l.Reserve(s.ctx, inventory.ReserveRequest{Owner: "cart-1", Lines: []inventory.LocatedLine{{SKU: "A", Location: "wh", Qty: 4}}})
		s.ok(err)
		if r.State != inventory.Active || r.Open() != 4 || r.ID == "" {
			t.Fatalf("reservation = %+v", r)
		}
		s.wantBuckets("A", "wh", 6, 4, 0)
		if got := s.channel("web", "A"); got != 6 {
			t.Fatalf("web A = %d, want 6", got)
		}
		// A partial shipment, then the rest.
		_, err = s.l.Commit(s.ctx, inventory.SettleRequest{ID: r.ID, Lines: []inventory.LocatedLine{{SKU: "A", Location: "wh", Qty: 1}}})
		s.ok(err)
		got, err := s.l.Reservation(s.ctx, r.ID)
		s.ok(err)
		if got.State != inventory.Active || got.Open() != 3 || got.Lines[0].Committed != 1 {
			t.Fatalf("after partial commit: %+v", got)
		}
		_, err = s.l.Commit(s.ctx, inventory.SettleRequest{ID: r.ID})
		s.ok(err)
		got, err = s.l.Reservation(s.ctx, r.ID)
		s.ok(err)
		if got.State != inventory.Committed || got.Open() != 0 || got.Lines[0].Committed != 4 {
			t.Fatalf("after full commit: %+v", got)
		}
		s.wantBuckets("A", "wh", 6, 0, 0)
		_, err = s.l.Commit(s.ctx, inventory.SettleRequest{ID: r.ID})
		var ended *inventory.ReservationEndedError
		if !errors.As(err, &ended) || ended.State != inventory.Committed || !errors.Is(err, inventory.ErrReservationEnded) {
			t.Fatalf("commit of a committed reservation: %v", err)
		}
		s.verify()
	})

	t.Run("ShortageNamesEveryLine", func(t *testing.T) {
		s := newScen(t, h)
		s.receive("wh", "A", 3)
		s.receive("paris", "B", 1)
		before := s.lastSeq()
		// Two lines on A@wh (2+2 > 3) are summed before the check.
		_, err := s.l.Reserve(s.ctx, inventory.ReserveRequest{Lines: []inventory.LocatedLine{
			{SKU: "A", Location: "wh", Qty: 2}, {SKU: "B", Location: "paris", Qty: 1},
			{SKU: "A", Location: "wh", Qty: 2}, {SKU: "C", Location: "lyon", Qty: 1},
		}})
		var se *inventory.ShortageError
		if !errors.As(err, &se) || !errors.Is(err, inventory.ErrInsufficientStock) {
			t.Fatalf("err = %v, want a *ShortageError", err)
		}
		want := []inventory.Shortage{
			{SKU: "A", Location: "wh", Bucket: inventory.Sellable, Requested: 4, Available: 3},
			{SKU: "C", Location: "lyon", Bucket: inventory.Sellable, Requested: 1, Available: 0},
		}
		if len(se.Lines) != len(want) {
			t.Fatalf("shortage lines = %+v, want %+v", se.Lines, want)
		}
		for i := range want {
			if se.Lines[i] != want[i] {
				t.Fatalf("shortage line %d = %+v, want %+v", i, se.Lines[i], want[i])
			}
		}
		if s.lastSeq() != before {
			t.Fatal("a refused reservation wrote an entry")
		}
		s.wantBuckets("B", "paris", 1, 0, 0)
		s.verify()
	})

	t.Run("SafetyStockIsNotPromised", func(t *testing.T) {
		s := newScen(t, h)
		s.receive("wh", "A", 10)
		s.ok(s.l.SetSafetyStock(s.ctx, inventory.SafetyStock{SKU: "A", Location: "wh", Qty: 3}))
		if a := s.avail("A", "wh"); a.ATP != 7 || a.SafetyStock != 3 {
			t.Fatalf("availability = %+v", a)
		}
		if got := s.channel("web", "A"); got != 7 {
			t.Fatalf("web A = %d, want 7", got)
		}
		_, err := s.l.Reserve(s.ctx, inventory.ReserveRequest{Lines: []inventory.LocatedLine{{SKU: "A", Location: "wh", Qty: 8}}})
		var se *inventory.ShortageError
		if !errors.As(err, &se) || se.Lines[0].Available != 7 {
			t.Fatalf("err = %v, want a shortage with 7 available", err)
		}
		_, err = s.l.Reserve(s.ctx, inventory.ReserveRequest{Lines: []inventory.LocatedLine{{SKU: "A", Location: "wh", Qty: 7}}})
		s.ok(err)
		// A till sale may still take the safety stock: it records what happened.
		_, err = s.l.Sell(s.ctx, inventory.StockRequest{Location: "wh", Lines: []inventory.Line{{SKU: "A", Qty: 3}}})
		s.ok(err)
		s.wantBuckets("A", "wh", 0, 7, 0)
		s.verify()
	})

	t.Run("ATPsMatchAvailability", func(t *testing.T) {
		// The bulk read a router uses agrees with the one-pair read, also
		// on a store that preloads the pairs in one round trip.
		s := newScen(t, h)
		s.receive("wh", "A", 9)
		s.receive("paris", "A", 2)
		s.receive("paris", "B", 5)
		s.ok(s.l.SetSafetyStock(s.ctx, inventory.SafetyStock{SKU: "A", Location: "paris", Qty: 3}))
		s.ok(s.l.SetSafetyStock(s.ctx, inventory.SafetyStock{SKU: "B", Location: "paris", Qty: 1}))
		_, err := s.l.Reserve(s.ctx, inventory.ReserveRequest{Lines: []inventory.LocatedLine{{SKU: "A", Location: "wh", Qty: 4}}})
		s.ok(err)
		skus := []omnikit.SKU{"A", "B", "C"}
		locs := []omnikit.LocationID{"wh", "paris", "lyon"}
		got, err := s.l.ATPs(s.ctx, skus, locs)
		s.ok(err)
		want := [][]int64{{5, 0, 0}, {0, 4, 0}, {0, 0, 0}}
		for i, sku := range skus {
			for j, loc := range locs {
				if a := s.avail(sku, loc); got[i][j] != a.ATP || got[i][j] != want[i][j] {
					t.Errorf("ATPs %s@%s = %d, Availability.ATP %d, want %d", sku, loc, got[i][j], a.ATP, want[i][j])
				}
			}
		}
		if _, err := s.l.ATPs(s.ctx, []omnikit.SKU{"A"}, []omnikit.LocationID{"nowhere"}); !errors.Is(err, inventory.ErrUnknownLocation) {
			t.Errorf("unknown location: %v", err)
		}
	})

	t.Run("ChannelRules", func(t *testing.T) {
		s := newScen(t, h)
		s.ok(s.l.DefineChannel(s.ctx, inventory.Channel{ID: "shelf", Pool: []omnikit.LocationID{"wh", "paris", "lyon"},
			Rule: inventory.ChannelRule{StoreThreshold: 3}}))
		s.receive("wh", "A", 41)
		s.receive("paris", "A", 5)
		s.receive("lyon", "A", 2)
		if got := s.channel("web", "A"); got != 48 {
			t.Fatalf("web A = %d, want 48", got)
		}
		// 41 * 90% = 36.9 -> 36, minus 1 buffer unit.
		if got := s.channel("mkt", "A"); got != 35 {
			t.Fatalf("mkt A = %d, want 35", got)
		}
		// Warehouse 41, Paris 5-3 = 2, Lyon 2 <= 3 contributes nothing.
		if got := s.channel("shelf", "A"); got != 43 {
			t.Fatalf("shelf A = %d, want 43", got)
		}
		s.receive("wh", "A", 100)
		if got := s.channel("mkt", "A"); got != 50 {
			t.Fatalf("mkt A = %d, want the cap 50", got)
		}
		levels, err := s.l.ChannelAvailabilities(s.ctx, "shelf", []omnikit.SKU{"B", "A"})
		s.ok(err)
		if len(levels) != 2 || levels[0].SKU != "B" || levels[0].Available != 0 || levels[1].Available != 143 {
			t.Fatalf("bulk levels = %+v", levels)
		}
		// Redefining a rule recomputes the channel and tells the feed.
		before := s.lastSeq()
		s.ok(s.l.DefineChannel(s.ctx, inventory.Channel{ID: "shelf", Pool: []omnikit.LocationID{"paris", "lyon"}}))
		if got := s.channel("shelf", "A"); got != 7 {
			t.Fatalf("shelf A after redefinition = %d, want 7", got)
		}
		page, err := s.l.Changes(s.ctx, before, 10)
		s.ok(err)
		if len(page) != 1 || page[0].Kind != inventory.KindRebuild || !hasLevel(page[0], "shelf", "A", 7) {
			t.Fatalf("feed after redefinition = %+v", page)
		}
		if _, err := s.l.ChannelAvailability(s.ctx, "nope", "A"); !errors.Is(err, inventory.ErrUnknownChannel) {
			t.Fatalf("unknown channel: %v", err)
		}
		if err := s.l.DefineChannel(s.ctx, inventory.Channel{ID: "x", Pool: []omnikit.LocationID{"nowhere"}}); !errors.Is(err, inventory.ErrUnknownLocation) {
			t.Fatalf("channel over an unknown location: %v", err)
		}
		if err := s.l.DefineChannel(s.ctx, inventory.Channel{ID: "x", Rule: inventory.ChannelRule{BufferPercent: 101}}); !errors.Is(err, inventory.ErrInvalidInput) {
			t.Fatalf("buffer of 101%%: %v", err)
		}
		s.verify()
	})

	t.Run("FeedCarriesChannelLevels", func(t *testing.T) {
		s := newScen(t, h)
		start := s.lastSeq()
		e1 := s.receive("wh", "A", 5)
		if e1.Seq != start+1 || !hasLevel(e1, "web", "A", 5) || !hasLevel(e1, "mkt", "A", 3) {
			t.Fatalf("receive entry = %+v", e1)
		}
		e2 := s.receive("lyon", "A", 1)
		if e2.Seq != e1.Seq+1 || !hasLevel(e2, "web", "A", 6) || hasLevel(e2, "mkt", "A", 3) {
			t.Fatalf("second entry = %+v", e2)
		}
		page, err := s.l.Changes(s.ctx, start, 1)
		s.ok(err)
		if len(page) != 1 || page[0].Seq != e1.Seq {
			t.Fatalf("first page = %+v", page)
		}
		page, err = s.l.Changes(s.ctx, page[0].Seq, 10)
		s.ok(err)
		if len(page) != 1 || page[0].Seq != e2.Seq || page[0].Postings[0].Qty != 1 {
			t.Fatalf("second page = %+v", page)
		}
		if _, err := s.l.Changes(s.ctx, -1, 10); !errors.Is(err, inventory.ErrInvalidInput) {
			t.Fatalf("negative cursor: %v", err)
		}
		// What the caller got cannot change what the store keeps.
		page[0].Postings[0].Qty = 99
		again, err := s.l.Changes(s.ctx, e1.Seq, 10)
		s.ok(err)
		if again[0].Postings[0].Qty != 1 {
			t.Fatal("mutating a returned entry changed the stored one")
		}
	})

	t.Run("RecordingWritesAreNeverRefused", func(t *testing.T) {
		s := newScen(t, h)
		s.receive("paris", "A", 1)
		r, err := s.l.Reserve(s.ctx, inventory.ReserveRequest{Lines: []inventory.LocatedLine{{SKU: "A", Location: "paris", Qty: 1}}})
		s.ok(err)
		e, err := s.l.Sell(s.ctx, inventory.StockRequest{Location: "paris", Lines: []inventory.Line{{SKU: "A", Qty: 2}}})
		s.ok(err)
		negative := inventory.Account{SKU: "A", Location: "paris", Bucket: inventory.Sellable}
		if len(e.Flagged) != 1 || e.Flagged[0] != negative {
			t.Fatalf("flagged = %v, want [%v]", e.Flagged, negative)
		}
		d, err := s.l.Discrepancies(s.ctx)
		s.ok(err)
		if len(d) != 1 || d[0].Account != negative || d[0].Qty != -2 {
			t.Fatalf("discrepancies = %+v", d)
		}
		if a := s.avail("A", "paris"); a.ATP != 0 || a.Sellable != -2 {
			t.Fatalf("availability = %+v", a)
		}
		if got := s.channel("web", "A"); got != 0 {
			t.Fatalf("web A = %d, want 0 (a negative balance counts as zero)", got)
		}
		// A stock count fixes the book: 1 unit on the shelf, reserved.
		_, err = s.l.Count(s.ctx, inventory.CountRequest{Location: "paris", Lines: []inventory.CountLine{{SKU: "A", OnHand: 1}}})
		s.ok(err)
		s.wantBuckets("A", "paris", 0, 1, 0)
		d, err = s.l.Discrepancies(s.ctx)
		s.ok(err)
		if len(d) != 0 {
			t.Fatalf("discrepancies after the count = %+v", d)
		}
		_, err = s.l.Commit(s.ctx, inventory.SettleRequest{ID: r.ID})
		s.ok(err)
		// Found and lost units.
		_, err = s.l.Adjust(s.ctx, inventory.AdjustRequest{Location: "paris", Lines: []inventory.Adjustment{{SKU: "A", Delta: 3}, {SKU: "B", Delta: -1}}})
		s.ok(err)
		s.wantBuckets("A", "paris", 3, 0, 0)
		s.wantBuckets("B", "paris", -1, 0, 0)
		s.verify()
	})

	t.Run("TransfersAndReturns", func(t *testing.T) {
		s := newScen(t, h)
		s.receive("wh", "A", 10)
		_, err := s.l.TransferOut(s.ctx, inventory.TransferRequest{From: "wh", To: "lyon", Lines: []inventory.Line{{SKU: "A", Qty: 4}}})
		s.ok(err)
		if a := s.avail("A", "lyon"); a.Inbound != 4 || a.Sellable != 0 {
			t.Fatalf("lyon = %+v", a)
		}
		if got := s.channel("web", "A"); got != 6 {
			t.Fatalf("web A in transit = %d, want 6", got)
		}
		_, err = s.l.TransferIn(s.ctx, inventory.TransferRequest{From: "wh", To: "lyon", Lines: []inventory.Line{{SKU: "A", Qty: 5}}})
		var se *inventory.ShortageError
		if !errors.As(err, &se) || se.Lines[0].Bucket != inventory.InTransit || se.Lines[0].Available != 4 {
			t.Fatalf("receiving more than was sent: %v", err)
		}
		_, err = s.l.TransferIn(s.ctx, inventory.TransferRequest{From: "wh", To: "lyon", Lines: []inventory.Line{{SKU: "A", Qty: 3}}})
		s.ok(err)
		if a := s.avail("A", "lyon"); a.Inbound != 1 || a.Sellable != 3 {
			t.Fatalf("lyon after a short receipt = %+v", a)
		}
		_, err = s.l.TransferOut(s.ctx, inventory.TransferRequest{From: "wh", To: "paris", Lines: []inventory.Line{{SKU: "A", Qty: 7}}})
		if !errors.Is(err, inventory.ErrInsufficientStock) {
			t.Fatalf("transfer of more than sellable: %v", err)
		}
		if _, err = s.l.TransferOut(s.ctx, inventory.TransferRequest{From: "wh", To: "wh", Lines: []inventory.Line{{SKU: "A", Qty: 1}}}); !errors.Is(err, inventory.ErrInvalidInput) {
			t.Fatalf("transfer to itself: %v", err)
		}
		// Returns: one into quarantine, inspected, one restocked, one written off.
		_, err = s.l.Return(s.ctx, inventory.ReturnRequest{Location: "paris", Lines: []inventory.Line{{SKU: "B", Qty: 2}}})
		s.ok(err)
		s.wantBuckets("B", "paris", 0, 0, 2)
		if got := s.channel("web", "B"); got != 0 {
			t.Fatalf("quarantined units are on sale: web B = %d", got)
		}
		_, err = s.l.Restock(s.ctx, inventory.StockRequest{Location: "paris", Lines: []inventory.Line{{SKU: "B", Qty: 1}}})
		s.ok(err)
		_, err = s.l.WriteOff(s.ctx, inventory.StockRequest{Location: "paris", Lines: []inventory.Line{{SKU: "B", Qty: 2}}})
		if !errors.Is(err, inventory.ErrInsufficientStock) {
			t.Fatalf("writing off more than is in quarantine: %v", err)
		}
		_, err = s.l.WriteOff(s.ctx, inventory.StockRequest{Location: "paris", Lines: []inventory.Line{{SKU: "B", Qty: 1}}})
		s.ok(err)
		_, err = s.l.Return(s.ctx, inventory.ReturnRequest{Location: "lyon", Sellable: true, Lines: []inventory.Line{{SKU: "B", Qty: 1}}})
		s.ok(err)
		s.wantBuckets("B", "paris", 1, 0, 0)
		s.wantBuckets("B", "lyon", 1, 0, 0)
		if got := s.channel("web", "B"); got != 2 {
			t.Fatalf("web B = %d, want 2", got)
		}
		s.verify()
	})

	t.Run("ExpiryIsExact", func(t *testing.T) {
		s := newScen(t, h)
		s.receive("wh", "A", 5)
		deadline := s.clk.Now().Add(15 * time.Minute)
		r, err := s.l.Reserve(s.ctx, inventory.ReserveRequest{Lines: []inventory.LocatedLine{{SKU: "A", Location: "wh", Qty: 2}}, ExpiresAt: deadline})
		s.ok(err)
		r2, err := s.l.Reserve(s.ctx, inventory.ReserveRequest{Lines: []inventory.LocatedLine{{SKU: "A", Location: "wh", Qty: 1}}, ExpiresAt: deadline.Add(time.Minute)})
		s.ok(err)
		s.clk.Set(deadline.Add(-time.Nanosecond))
		n, err := s.l.ExpireDue(s.ctx)
		s.ok(err)
		if n != 0 {
			t.Fatalf("expired %d before the deadline", n)
		}
		if a := s.avail("A", "wh"); a.Reserved != 3 {
			t.Fatalf("released before the deadline: %+v", a)
		}
		s.clk.Set(deadline)
		// At the deadline a commit is refused and the reservation expires.
		_, err = s.l.Commit(s.ctx, inventory.SettleRequest{ID: r.ID})
		if !errors.Is(err, inventory.ErrReservationExpired) || !errors.Is(err, inventory.ErrReservationEnded) {
			t.Fatalf("commit at the deadline: %v", err)
		}
		got, err := s.l.Reservation(s.ctx, r.ID)
		s.ok(err)
		if got.State != inventory.Expired || !got.EndedAt.Equal(deadline) {
			t.Fatalf("reservation = %+v", got)
		}
		// Lazy expiry on read: r2 is due a minute later.
		s.clk.Set(deadline.Add(time.Minute))
		if a := s.avail("A", "wh"); a.Reserved != 0 || a.Sellable != 5 {
			t.Fatalf("availability after both deadlines = %+v", a)
		}
		got, err = s.l.Reservation(s.ctx, r2.ID)
		s.ok(err)
		if got.State != inventory.Expired {
			t.Fatalf("r2 = %+v", got)
		}
		// Expiry happened exactly once each.
		n, err = s.l.ExpireDue(s.ctx)
		s.ok(err)
		if n != 0 {
			t.Fatalf("expired %d twice", n)
		}
		expiries := 0
		page, err := s.l.Changes(s.ctx, 0, 1000)
		s.ok(err)
		for _, e := range page {
			if e.Kind == inventory.KindExpire {
				expiries++
			}
		}
		if expiries != 2 {
			t.Fatalf("%d expire entries, want 2", expiries)
		}
		_, err = s.l.Release(s.ctx, inventory.SettleRequest{ID: r2.ID})
		if !errors.Is(err, inventory.ErrReservationEnded) {
			t.Fatalf("release of an expired reservation: %v", err)
		}
		// A reservation short only because of units held past their
		// deadline succeeds: the due hold is expired first.
		s.ok(s.lastErr(s.l.Reserve(s.ctx, inventory.ReserveRequest{Lines: []inventory.LocatedLine{{SKU: "A", Location: "wh", Qty: 5}}, ExpiresAt: s.clk.Now().Add(time.Second)})))
		s.clk.Advance(time.Second)
		s.ok(s.lastErr(s.l.Reserve(s.ctx, inventory.ReserveRequest{Lines: []inventory.LocatedLine{{SKU: "A", Location: "wh", Qty: 5}}})))
		s.verify()
	})

	t.Run("Idempotency", func(t *testing.T) {
		s := newScen(t, h)
		req := inventory.StockRequest{Location: "wh", Lines: []inventory.Line{{SKU: "A", Qty: 5}}, IdempotencyKey: "asn-1"}
		e1, err := s.l.Receive(s.ctx, req)
		s.ok(err)
		e2, err := s.l.Receive(s.ctx, req)
		s.ok(err)
		if e1.Seq != e2.Seq || s.avail("A", "wh").Sellable != 5 {
			t.Fatalf("retry applied twice: %d vs %d, sellable %d", e1.Seq, e2.Seq, s.avail("A", "wh").Sellable)
		}
		req.Lines[0].Qty = 6
		_, err = s.l.Receive(s.ctx, req)
		var ce *inventory.IdempotencyConflictError
		if !errors.As(err, &ce) || ce.Key != "asn-1" || !errors.Is(err, inventory.ErrIdempotencyConflict) {
			t.Fatalf("same key, other input: %v", err)
		}
		rr := inventory.ReserveRequest{Owner: "cart", Lines: []inventory.LocatedLine{{SKU: "A", Location: "wh", Qty: 2}}, IdempotencyKey: "cart-1"}
		r1, err := s.l.Reserve(s.ctx, rr)
		s.ok(err)
		r2, err := s.l.Reserve(s.ctx, rr)
		s.ok(err)
		if r1.ID != r2.ID || s.avail("A", "wh").Reserved != 2 {
			t.Fatalf("reserve retry: %s vs %s, reserved %d", r1.ID, r2.ID, s.avail("A", "wh").Reserved)
		}
		cr := inventory.SettleRequest{ID: r1.ID, Lines: []inventory.LocatedLine{{SKU: "A", Location: "wh", Qty: 1}}, IdempotencyKey: "ship-1"}
		c1, err := s.l.Commit(s.ctx, cr)
		s.ok(err)
		c2, err := s.l.Commit(s.ctx, cr)
		s.ok(err)
		if c1.Seq != c2.Seq || s.avail("A", "wh").Reserved != 1 {
			t.Fatalf("commit retry applied twice")
		}
		// A key belongs to one command: reusing it for another kind conflicts.
		_, err = s.l.Release(s.ctx, inventory.SettleRequest{ID: r1.ID, IdempotencyKey: "ship-1"})
		if !errors.Is(err, inventory.ErrIdempotencyConflict) {
			t.Fatalf("key reused by another command: %v", err)
		}
		s.verify()
	})

	t.Run("BadInputWritesNothing", func(t *testing.T) {
		s := newScen(t, h)
		s.receive("wh", "A", 5)
		r, err := s.l.Reserve(s.ctx, inventory.ReserveRequest{Lines: []inventory.LocatedLine{{SKU: "A", Location: "wh", Qty: 2}}})
		s.ok(err)
		_, err = s.l.Release(s.ctx, inventory.SettleRequest{ID: r.ID, Lines: []inventory.LocatedLine{{SKU: "A", Location: "wh", Qty: 1}}})
		s.ok(err)
		before := s.lastSeq()
		cases := []struct {
			name string
			want error
			call func() error
		}{
			{"no lines", inventory.ErrInvalidInput, func() error {
				_, err := s.l.Receive(s.ctx, inventory.StockRequest{Location: "wh"})
				return err
			}},
			{"zero qty", inventory.ErrInvalidInput, func() error {
				_, err := s.l.Receive(s.ctx, inventory.StockRequest{Location: "wh", Lines: []inventory.Line{{SKU: "A", Qty: 0}}})
				return err
			}},
			{"negative qty", inventory.ErrInvalidInput, func() error {
				_, err := s.l.Reserve(s.ctx, inventory.ReserveRequest{Lines: []inventory.LocatedLine{{SKU: "A", Location: "wh", Qty: -1}}})
				return err
			}},
			{"huge qty", inventory.ErrInvalidInput, func() error {
				_, err := s.l.Receive(s.ctx, inventory.StockRequest{Location: "wh", Lines: []inventory.Line{{SKU: "A", Qty: 1 << 62}}})
				return err
			}},
			{"unknown sku", inventory.ErrUnknownSKU, func() error {
				_, err := s.l.Receive(s.ctx, inventory.StockRequest{Location: "wh", Lines: []inventory.Line{{SKU: "A", Qty: 1}, {SKU: "Z", Qty: 1}}})
				return err
			}},
			{"empty sku", inventory.ErrInvalidInput, func() error {
				_, err := s.l.Sell(s.ctx, inventory.StockRequest{Location: "wh", Lines: []inventory.Line{{SKU: "", Qty: 1}}})
				return err
			}},
			{"unknown location", inventory.ErrUnknownLocation, func() error {
				_, err := s.l.Reserve(s.ctx, inventory.ReserveRequest{Lines: []inventory.LocatedLine{{SKU: "A", Location: "wh", Qty: 1}, {SKU: "A", Location: "mars", Qty: 1}}})
				return err
			}},
			{"transfer to an unknown location", inventory.ErrUnknownLocation, func() error {
				_, err := s.l.TransferOut(s.ctx, inventory.TransferRequest{From: "wh", To: "mars", Lines: []inventory.Line{{SKU: "A", Qty: 1}}})
				return err
			}},
			{"transfer to an empty location", inventory.ErrInvalidInput, func() error {
				_, err := s.l.TransferIn(s.ctx, inventory.TransferRequest{From: "wh", To: "", Lines: []inventory.Line{{SKU: "A", Qty: 1}}})
				return err
			}},
			{"expiry in the past", inventory.ErrInvalidInput, func() error {
				_, err := s.l.Reserve(s.ctx, inventory.ReserveRequest{Lines: []inventory.LocatedLine{{SKU: "A", Location: "wh", Qty: 1}}, ExpiresAt: s.clk.Now().Add(-time.Second)})
				return err
			}},
			{"expiry now", inventory.ErrInvalidInput, func() error {
				_, err := s.l.Reserve(s.ctx, inventory.ReserveRequest{Lines: []inventory.LocatedLine{{SKU: "A", Location: "wh", Qty: 1}}, ExpiresAt: s.clk.Now()})
				return err
			}},
			{"reservation id taken", inventory.ErrReservationExists, func() error {
				_, err := s.l.Reserve(s.ctx, inventory.ReserveRequest{ID: r.ID, Lines: []inventory.LocatedLine{{SKU: "A", Location: "wh", Qty: 1}}})
				return err
			}},
			{"commit more than reserved", inventory.ErrExceedsReserved, func() error {
				_, err := s.l.Commit(s.ctx, inventory.SettleRequest{ID: r.ID, Lines: []inventory.LocatedLine{{SKU: "A", Location: "wh", Qty: 2}}})
				return err
			}},
			{"commit a line not reserved", inventory.ErrExceedsReserved, func() error {
				_, err := s.l.Commit(s.ctx, inventory.SettleRequest{ID: r.ID, Lines: []inventory.LocatedLine{{SKU: "B", Location: "wh", Qty: 1}}})
				return err
			}},
			{"commit unknown reservation", inventory.ErrNotFound, func() error {
				_, err := s.l.Commit(s.ctx, inventory.SettleRequest{ID: "nope"})
				return err
			}},
			{"settle with empty lines", inventory.ErrInvalidInput, func() error {
				_, err := s.l.Release(s.ctx, inventory.SettleRequest{ID: r.ID, Lines: []inventory.LocatedLine{}})
				return err
			}},
			{"adjust by zero", inventory.ErrInvalidInput, func() error {
				_, err := s.l.Adjust(s.ctx, inventory.AdjustRequest{Location: "wh", Lines: []inventory.Adjustment{{SKU: "A", Delta: 0}}})
				return err
			}},
			{"count twice", inventory.ErrInvalidInput, func() error {
				_, err := s.l.Count(s.ctx, inventory.CountRequest{Location: "wh", Lines: []inventory.CountLine{{SKU: "A", OnHand: 1}, {SKU: "A", OnHand: 2}}})
				return err
			}},
			{"negative count", inventory.ErrInvalidInput, func() error {
				_, err := s.l.Count(s.ctx, inventory.CountRequest{Location: "wh", Lines: []inventory.CountLine{{SKU: "A", OnHand: -1}}})
				return err
			}},
			{"negative safety stock", inventory.ErrInvalidInput, func() error {
				return s.l.SetSafetyStock(s.ctx, inventory.SafetyStock{SKU: "A", Location: "wh", Qty: -1})
			}},
			{"unknown location type", inventory.ErrInvalidInput, func() error {
				return s.l.DefineLocation(s.ctx, inventory.Location{ID: "x", Type: "castle"})
			}},
		}
		for _, c := range cases {
			if err := c.call(); !errors.Is(err, c.want) {
				t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
			}
		}
		_, err = s.l.Release(s.ctx, inventory.SettleRequest{ID: r.ID})
		s.ok(err)
		before++
		_, err = s.l.Release(s.ctx, inventory.SettleRequest{ID: r.ID})
		var ended *inventory.ReservationEndedError
		if !errors.As(err, &ended) || ended.State != inventory.Released {
			t.Errorf("release of an ended reservation: %v", err)
		}
		if got := s.lastSeq(); got != before {
			t.Fatalf("bad input wrote %d entries", got-before)
		}
		s.wantBuckets("A", "wh", 5, 0, 0)
		if got, err := s.l.Reservation(s.ctx, r.ID); err != nil || got.State != inventory.Released || got.Lines[0].Released != 2 {
			t.Fatalf("reservation = %+v, %v", got, err)
		}
		s.verify()
	})
}

func hasLevel(e inventory.Entry, ch omnikit.ChannelID, sku omnikit.SKU, n int64) bool {
	for _, l := range e.Availability {
		if l.Channel == ch && l.SKU == sku && l.Available == n {
			return true
		}
	}
	return false
}

func (s *scen) lastErr(_ inventory.Reservation, err error) error { return err }
