package storagetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/orders"
	"github.com/omnikit/omnikit/routing"
)

// oscen is an OMS on a small network: a warehouse that ships, a Paris
// store that ships and offers pickup, a Lyon store that offers pickup
// only; SKUs A, B and C; a web channel over all three and a marketplace
// channel over the warehouse with a buffer.
type oscen struct {
	t     *testing.T
	ctx   context.Context
	l     *inventory.Ledger
	clk   *omnikit.ManualClock
	st    orders.Store
	inv   inventory.Store
	oms   *orders.Service
	next  atomic.Int64 // order ids; Place may run on many goroutines
	codes atomic.Int64 // pickup codes
}

var scenStart = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func newOScen(t *testing.T, h OrdersHarness, opts *orders.Options) *oscen {
	t.Helper()
	inv, st := h.NewStores(t)
	s := &oscen{t: t, ctx: context.Background(), clk: omnikit.NewManualClock(scenStart), st: st, inv: inv}
	l, err := inventory.New(s.ctx, inv, &inventory.Options{Clock: s.clk, GroupCommit: h.GroupCommit})
	s.ok(err)
	s.l = l
	s.ok(l.DefineLocation(s.ctx, inventory.Location{ID: "wh", Name: "Warehouse", Type: inventory.TypeWarehouse, Capabilities: inventory.CanShip, Geo: omnikit.GeoPoint{Lat: 48.9, Lng: 2.6}}))
	s.ok(l.DefineLocation(s.ctx, inventory.Location{ID: "paris", Name: "Paris", Type: inventory.TypeStore, Capabilities: inventory.CanPickup | inventory.CanShipFromStore | inventory.AcceptsReturns, Geo: omnikit.GeoPoint{Lat: 48.86, Lng: 2.35}}))
	s.ok(l.DefineLocation(s.ctx, inventory.Location{ID: "lyon", Name: "Lyon", Type: inventory.TypeStore, Capabilities: inventory.CanPickup, Geo: omnikit.GeoPoint{Lat: 45.76, Lng: 4.84}}))
	s.ok(l.DefineSKUs(s.ctx, "A", "B", "C"))
	s.ok(l.DefineChannel(s.ctx, inventory.Channel{ID: "web", Pool: []omnikit.LocationID{"wh", "paris", "lyon"}}))
	s.ok(l.DefineChannel(s.ctx, inventory.Channel{ID: "mkt", Pool: []omnikit.LocationID{"wh"}, Rule: inventory.ChannelRule{BufferUnits: 2}}))
	s.oms = s.service(opts)
	return s
}

// service returns a Service on the scenario's stores with deterministic
// ids and pickup codes (opts may override).
func (s *oscen) service(opts *orders.Options) *orders.Service {
	var o orders.Options
	if opts != nil {
		o = *opts
	}
	if o.NewOrderID == nil {
		o.NewOrderID = func() orders.OrderID { return orders.OrderID(fmt.Sprintf("O%d", s.next.Add(1))) }
	}
	if o.NewPickupCode == nil {
		o.NewPickupCode = func() string { return fmt.Sprintf("C%d", s.codes.Add(1)) }
	}
	svc, err := orders.New(s.l, s.st, &o)
	s.ok(err)
	return svc
}

func (s *oscen) ok(err error) {
	s.t.Helper()
	if err != nil {
		s.t.Fatalf("unexpected error: %v", err)
	}
}

func (s *oscen) receive(loc omnikit.LocationID, sku omnikit.SKU, q int64) {
	s.t.Helper()
	_, err := s.l.Receive(s.ctx, inventory.StockRequest{Location: loc, Lines: []inventory.Line{{SKU: sku, Qty: q}}})
	s.ok(err)
}

func (s *oscen) avail(sku omnikit.SKU, loc omnikit.LocationID) inventory.Availability {
	s.t.Helper()
	a, err := s.l.Availability(s.ctx, sku, loc)
	s.ok(err)
	return a
}

// want checks the sellable and reserved units of a SKU at a location.
func (s *oscen) want(sku omnikit.SKU, loc omnikit.LocationID, sellable, reserved int64) {
	s.t.Helper()
	a := s.avail(sku, loc)
	if a.Sellable != sellable || a.Reserved != reserved {
		s.t.Fatalf("%s@%s: sellable %d reserved %d, want %d and %d", sku, loc, a.Sellable, a.Reserved, sellable, reserved)
	}
}

func euro(s string) omnikit.Money { return omnikit.MustMoney(s, "EUR") }

func oline(id string, sku omnikit.SKU, q int64) orders.LineRequest {
	return orders.LineRequest{ID: id, SKU: sku, Qty: q, UnitPrice: euro("10.00")}
}

var shipParis = orders.Delivery{Method: routing.Ship, Address: omnikit.Address{Line1: "1 rue de Rivoli", City: "Paris", Country: "FR", Geo: omnikit.GeoPoint{Lat: 48.86, Lng: 2.34}}}

func pickupAt(store omnikit.LocationID) orders.Delivery {
	return orders.Delivery{Method: routing.Pickup, Store: store}
}

func (s *oscen) place(req orders.PlaceRequest) orders.Order {
	s.t.Helper()
	if req.Channel == "" {
		req.Channel = "web"
	}
	o, err := s.oms.Place(s.ctx, req)
	s.ok(err)
	return o
}

// advance runs a fulfilment through the named steps.
func (s *oscen) advance(id orders.OrderID, f orders.FulfilmentID, steps ...string) orders.Order {
	s.t.Helper()
	var o orders.Order
	var err error
	for _, st := range steps {
		switch st {
		case "accept":
			o, err = s.oms.Accept(s.ctx, id, f)
		case "pick":
			o, err = s.oms.StartPicking(s.ctx, id, f)
		case "pack":
			o, err = s.oms.Pack(s.ctx, id, f)
		case "ship":
			o, err = s.oms.Ship(s.ctx, id, f, "TRK-"+string(f))
		case "deliver":
			o, err = s.oms.Deliver(s.ctx, id, f)
		case "ready":
			o, err = s.oms.ReadyForPickup(s.ctx, id, f)
		default:
			s.t.Fatalf("unknown step %q", st)
		}
		if err != nil {
			s.t.Fatalf("%s %s/%s: %v", st, id, f, err)
		}
	}
	return o
}

// fulfilmentAt returns the order's live fulfilment at a location.
func fulfilmentAt(t *testing.T, o orders.Order, loc omnikit.LocationID) orders.Fulfilment {
	t.Helper()
	for _, f := range o.Fulfilments {
		if f.Location == loc && !f.State.Terminal() {
			return f
		}
	}
	t.Fatalf("order %s has no live fulfilment at %s: %+v", o.ID, loc, o.Fulfilments)
	return orders.Fulfilment{}
}

// checkOrder checks the invariants every order must hold: each line's
// units are accounted for exactly once, the units the ledger holds for the
// order equal those of its live fulfilments, and the history is
// numbered in order.
func (s *oscen) checkOrder(id orders.OrderID) orders.Order {
	s.t.Helper()
	o, err := s.oms.Get(s.ctx, id)
	s.ok(err)
	checkOrderInvariants(s.t, s.ctx, s.l, o)
	return o
}

func checkOrderInvariants(t fataler, ctx context.Context, l *inventory.Ledger, o orders.Order) {
	t.Helper()
	inF := map[string]int64{}
	held := map[inventory.ReservationID]map[string]int64{} // reservation -> sku@loc -> open units
	for _, f := range o.Fulfilments {
		for _, fl := range f.Lines {
			inF[fl.Line] += fl.Qty
			if !f.State.Terminal() && !f.State.HandedOver() && fl.Qty > 0 {
				if held[f.Reservation] == nil {
					held[f.Reservation] = map[string]int64{}
				}
				held[f.Reservation][string(fl.SKU)+"@"+string(f.Location)] += fl.Qty
			}
		}
	}
	for _, ln := range o.Lines {
		if o.State == orders.Failed || o.State == orders.Pending {
			break // nothing was placed
		}
		if got := inF[ln.ID] + ln.Backordered + ln.Cancelled; got != ln.Qty {
			t.Fatalf("order %s line %s: %d in fulfilments + %d backordered + %d cancelled != %d ordered", o.ID, ln.ID, inF[ln.ID], ln.Backordered, ln.Cancelled, ln.Qty)
		}
	}
	for k := 1; k <= o.Attempts; k++ {
		rid := orders.ReservationID(o.ID, k)
		r, err := l.Reservation(ctx, rid)
		if err != nil {
			t.Fatalf("order %s reservation %s: %v", o.ID, rid, err)
		}
		open := map[string]int64{}
		for _, rl := range r.Lines {
			if rl.Open() > 0 {
				open[string(rl.SKU)+"@"+string(rl.Location)] += rl.Open()
			}
		}
		if !mapsEqual(open, held[rid]) {
			t.Fatalf("order %s reservation %s holds %v, live fulfilments carry %v", o.ID, rid, open, held[rid])
		}
		if (r.State == inventory.Active) != (len(open) > 0) {
			t.Fatalf("order %s reservation %s is %s with %v open", o.ID, rid, r.State, open)
		}
	}
	if _, err := l.Reservation(ctx, orders.ReservationID(o.ID, o.Attempts+1)); !errors.Is(err, inventory.ErrNotFound) {
		t.Fatalf("order %s: a reservation beyond the recorded ones exists (err %v)", o.ID, err)
	}
	if o.State == orders.Open {
		return
	}
	if len(held) > 0 {
		t.Fatalf("order %s is %s but holds stock: %v", o.ID, o.State, held)
	}
}

func mapsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// checkEvents checks that the event log is numbered 1..n without a gap and
// that each order's history is its events in order.
func (s *oscen) checkEvents() []orders.Event {
	s.t.Helper()
	return checkEventLog(s.t, s.ctx, s.oms)
}

func checkEventLog(t fataler, ctx context.Context, oms *orders.Service) []orders.Event {
	t.Helper()
	var all []orders.Event
	for {
		page, err := oms.Events(ctx, int64(len(all)), 7)
		if err != nil {
			t.Fatalf("Events: %v", err)
		}
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			if e.Seq != int64(len(all))+1 {
				t.Fatalf("event %d has seq %d", len(all)+1, e.Seq)
			}
			all = append(all, e)
		}
	}
	byOrder := map[orders.OrderID][]int64{}
	for _, e := range all {
		byOrder[e.Order] = append(byOrder[e.Order], e.Seq)
	}
	for id, seqs := range byOrder {
		h, err := oms.History(ctx, id)
		if err != nil {
			t.Fatalf("History(%s): %v", id, err)
		}
		if len(h) != len(seqs) {
			t.Fatalf("History(%s) has %d events, the log %d", id, len(h), len(seqs))
		}
		for i := range h {
			if h[i].Seq != seqs[i] {
				t.Fatalf("History(%s)[%d] seq %d, want %d", id, i, h[i].Seq, seqs[i])
			}
		}
	}
	return all
}

func eventTypes(evs []orders.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = string(e.Type)
		if e.Fulfilment != "" {
			out[i] += " " + string(e.Fulfilment)
		}
	}
	return out
}

func (s *oscen) history(id orders.OrderID) []string {
	s.t.Helper()
	h, err := s.oms.History(s.ctx, id)
	s.ok(err)
	return eventTypes(h)
}

func wantStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func testOrdersScenarios(t *testing.T, h OrdersHarness) {
	t.Run("CollectedInStore", func(t *testing.T) {
		// An online order for two mugs is collected at the Paris store.
		s := newOScen(t, h, nil)
		s.receive("paris", "A", 5)
		o := s.place(orders.PlaceRequest{Groups: []orders.GroupRequest{{Delivery: pickupAt("paris"), Lines: []orders.LineRequest{oline("mug", "A", 2)}}}})
		if len(o.Fulfilments) != 1 || o.Fulfilments[0].Location != "paris" || o.Fulfilments[0].Method != routing.Pickup {
			t.Fatalf("fulfilments %+v", o.Fulfilments)
		}
		s.want("A", "paris", 3, 2)
		f := o.Fulfilments[0].ID
		o = s.advance(o.ID, f, "accept", "pick", "pack", "ready")
		fo := o.Fulfilment(f)
		if fo.PickupCode != "C1" || !fo.PickupBy.Equal(scenStart.Add(72*time.Hour)) {
			t.Fatalf("pickup code %q by %v", fo.PickupCode, fo.PickupBy)
		}
		if _, err := s.oms.Collect(s.ctx, o.ID, f, "wrong"); !errors.Is(err, orders.ErrPickupCode) {
			t.Fatalf("collect with a wrong code: %v", err)
		}
		o, err := s.oms.Collect(s.ctx, o.ID, f, "C1")
		s.ok(err)
		if o.State != orders.Completed || o.Fulfilment(f).State != orders.Collected {
			t.Fatalf("order %s, fulfilment %s", o.State, o.Fulfilment(f).State)
		}
		s.want("A", "paris", 3, 0)
		s.checkOrder(o.ID)
		s.checkEvents()
		wantStrings(t, "history", s.history(o.ID), []string{"order.placed", "fulfilment.created F1", "fulfilment.accepted F1", "fulfilment.picking F1", "fulfilment.packed F1", "fulfilment.ready_for_pickup F1", "fulfilment.collected F1", "order.completed"})
		if err := s.l.Verify(s.ctx); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("SplitWarehouseAndStore", func(t *testing.T) {
		// The warehouse has the kettle, only the Paris store has the
		// toaster: one order ships in two parcels, one from the store.
		s := newOScen(t, h, nil)
		s.receive("wh", "A", 10)
		s.receive("paris", "B", 1)
		o := s.place(orders.PlaceRequest{Groups: []orders.GroupRequest{{Delivery: shipParis, Lines: []orders.LineRequest{oline("kettle", "A", 1), oline("toaster", "B", 1)}}}})
		if len(o.Fulfilments) != 2 {
			t.Fatalf("want 2 fulfilments, got %+v", o.Fulfilments)
		}
		wh, st := fulfilmentAt(t, o, "wh"), fulfilmentAt(t, o, "paris")
		if wh.Lines[0].Line != "kettle" || st.Lines[0].Line != "toaster" || st.Method != routing.Ship {
			t.Fatalf("split %+v / %+v", wh, st)
		}
		s.advance(o.ID, wh.ID, "accept", "pick", "pack", "ship")
		s.want("A", "wh", 9, 0)
		s.checkOrder(o.ID)
		o = s.advance(o.ID, st.ID, "accept", "pick", "pack", "ship", "deliver")
		if o.State != orders.Open {
			t.Fatalf("order %s with a parcel still in transit", o.State)
		}
		o = s.advance(o.ID, wh.ID, "deliver")
		if o.State != orders.Completed {
			t.Fatalf("order %s after both deliveries", o.State)
		}
		s.want("B", "paris", 0, 0)
		s.checkOrder(o.ID)
		s.checkEvents()
	})

	t.Run("RejectedLineIsRerouted", func(t *testing.T) {
		// Paris, nearest to the customer, ships from store but cannot find
		// the unit: the OMS corrects Paris' stock and the unit ships from
		// the warehouse; when the warehouse cannot find it either, nobody
		// is left and the unit is cancelled.
		s := newOScen(t, h, nil)
		s.receive("paris", "A", 1)
		s.receive("wh", "A", 2)
		o := s.place(orders.PlaceRequest{Groups: []orders.GroupRequest{{Delivery: shipParis, Lines: []orders.LineRequest{oline("L1", "A", 1)}}}})
		f := o.Fulfilments[0]
		if f.Location != "paris" {
			t.Fatalf("the nearest location should serve, got %s", f.Location)
		}
		s.advance(o.ID, f.ID, "accept", "pick")
		o, err := s.oms.Reject(s.ctx, o.ID, f.ID, orders.RejectRequest{Reason: "not found"})
		s.ok(err)
		if o.Fulfilment(f.ID).State != orders.Rejected {
			t.Fatalf("rejected fulfilment is %s", o.Fulfilment(f.ID).State)
		}
		nf := fulfilmentAt(t, o, "wh")
		if nf.RerouteOf != f.ID || nf.Lines[0].Qty != 1 {
			t.Fatalf("re-routed fulfilment %+v", nf)
		}
		s.want("A", "paris", 0, 0) // the unit it could not find is off the book
		s.want("A", "wh", 1, 1)
		s.checkOrder(o.ID)
		wantStrings(t, "history", s.history(o.ID), []string{"order.placed", "fulfilment.created F1", "fulfilment.accepted F1", "fulfilment.picking F1", "fulfilment.rejected F1", "stock.corrected F1", "order.rerouted F1", "fulfilment.created F2"})
		o, err = s.oms.Reject(s.ctx, o.ID, nf.ID, orders.RejectRequest{Reason: "not found"})
		s.ok(err)
		if o.State != orders.Cancelled || o.Lines[0].Cancelled != 1 {
			t.Fatalf("order %s, line %+v", o.State, o.Lines[0])
		}
		s.want("A", "wh", 1, 0)
		s.checkOrder(o.ID)
		s.checkEvents()
		if err := s.l.Verify(s.ctx); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("PartialRejectionKeepStock", func(t *testing.T) {
		s := newOScen(t, h, nil)
		s.receive("wh", "A", 3)
		s.receive("paris", "A", 5)
		o := s.place(orders.PlaceRequest{Groups: []orders.GroupRequest{{Delivery: shipParis, Lines: []orders.LineRequest{oline("L1", "A", 3)}}}})
		f := o.Fulfilments[0]
		first, other := f.Location, omnikit.LocationID("wh")
		stock := map[omnikit.LocationID]int64{"wh": 3, "paris": 5}
		if first == "wh" {
			other = "paris"
		}
		s.advance(o.ID, f.ID, "accept", "pick")
		o, err := s.oms.Reject(s.ctx, o.ID, f.ID, orders.RejectRequest{Lines: []orders.LineQty{{Line: "L1", Qty: 2}}, Reason: "too busy", KeepStock: true})
		s.ok(err)
		if got := o.Fulfilment(f.ID); got.State != orders.Picking || got.Lines[0].Qty != 1 || got.Lines[0].Rejected != 2 {
			t.Fatalf("partly rejected fulfilment %+v", got)
		}
		s.want("A", first, stock[first]-1, 1) // stock kept: 2 units back to sale
		s.want("A", other, stock[other]-2, 2)
		s.checkOrder(o.ID)
		if _, err := s.oms.Reject(s.ctx, o.ID, f.ID, orders.RejectRequest{Lines: []orders.LineQty{{Line: "L1", Qty: 2}}}); !errors.Is(err, orders.ErrInvalidOrder) {
			t.Fatalf("rejecting more than carried: %v", err)
		}
		s.checkOrder(o.ID)
	})

	t.Run("UncollectedPickupExpires", func(t *testing.T) {
		s := newOScen(t, h, &orders.Options{PickupWindow: 48 * time.Hour})
		s.receive("lyon", "C", 2)
		o := s.place(orders.PlaceRequest{Groups: []orders.GroupRequest{{Delivery: pickupAt("lyon"), Lines: []orders.LineRequest{oline("L1", "C", 2)}}}})
		f := o.Fulfilments[0].ID
		s.advance(o.ID, f, "accept", "pick", "pack", "ready")
		s.clk.Advance(47 * time.Hour)
		n, err := s.oms.ExpirePickups(s.ctx)
		s.ok(err)
		if n != 0 {
			t.Fatalf("expired %d before the deadline", n)
		}
		s.want("C", "lyon", 0, 2)
		s.clk.Advance(time.Hour)
		n, err = s.oms.ExpirePickups(s.ctx)
		s.ok(err)
		if n != 1 {
			t.Fatalf("expired %d at the deadline", n)
		}
		o = s.checkOrder(o.ID)
		if o.State != orders.Cancelled || o.Fulfilment(f).State != orders.FCancelled {
			t.Fatalf("order %s fulfilment %s", o.State, o.Fulfilment(f).State)
		}
		s.want("C", "lyon", 2, 0)
		if _, err := s.oms.Collect(s.ctx, o.ID, f, "C1"); !errors.Is(err, orders.ErrIllegalTransition) {
			t.Fatalf("collecting an expired pickup: %v", err)
		}
		n, err = s.oms.ExpirePickups(s.ctx)
		s.ok(err)
		if n != 0 {
			t.Fatalf("expired %d twice", n)
		}
		s.checkEvents()
	})

	t.Run("MarketplaceImportedTwice", func(t *testing.T) {
		s := newOScen(t, h, nil)
		s.receive("wh", "A", 10)
		req := orders.PlaceRequest{Channel: "mkt", ExternalID: "AMZ-123", Groups: []orders.GroupRequest{{Delivery: shipParis, Lines: []orders.LineRequest{oline("L1", "A", 2)}}}}
		var wg sync.WaitGroup
		got := make([]orders.Order, 8)
		errs := make([]error, 8)
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], errs[i] = s.oms.Place(s.ctx, req)
			}()
		}
		wg.Wait()
		var id orders.OrderID
		for i := range got {
			if errors.Is(errs[i], orders.ErrInProgress) {
				continue
			}
			s.ok(errs[i])
			if id == "" {
				id = got[i].ID
			} else if got[i].ID != id {
				t.Fatalf("two orders for one marketplace order: %s and %s", id, got[i].ID)
			}
		}
		o := s.place(req)
		if o.ID != id && id != "" {
			t.Fatalf("import after the storm gave %s, want %s", o.ID, id)
		}
		s.want("A", "wh", 8, 2)
		s.checkOrder(o.ID)
		// The same external id on another channel is another order.
		req.Channel = "web"
		if o2 := s.place(req); o2.ID == o.ID {
			t.Fatal("an external id collided across channels")
		}
		// The same external id with other content is a conflict.
		req.Channel = "mkt"
		req.Groups[0].Lines[0].Qty = 3
		if _, err := s.oms.Place(s.ctx, req); !errors.Is(err, orders.ErrIdempotencyConflict) {
			t.Fatalf("re-import with other lines: %v", err)
		}
		s.checkEvents()
	})

	t.Run("IdempotencyKey", func(t *testing.T) {
		s := newOScen(t, h, nil)
		s.receive("wh", "A", 10)
		req := orders.PlaceRequest{IdempotencyKey: "cart-9", Groups: []orders.GroupRequest{{Delivery: shipParis, Lines: []orders.LineRequest{oline("L1", "A", 4)}}}}
		a, b := s.place(req), s.place(req)
		if a.ID != b.ID || a.Version != b.Version {
			t.Fatalf("retry gave %s v%d, first %s v%d", b.ID, b.Version, a.ID, a.Version)
		}
		s.want("A", "wh", 6, 4)
	})

	t.Run("BadInputWritesNothing", func(t *testing.T) {
		s := newOScen(t, h, nil)
		s.receive("wh", "A", 10)
		usd := orders.LineRequest{ID: "U", SKU: "A", Qty: 1, UnitPrice: omnikit.MustMoney("1.00", "USD")}
		cases := []struct {
			name string
			req  orders.PlaceRequest
			is   error
		}{
			{"no groups", orders.PlaceRequest{Channel: "web"}, orders.ErrInvalidOrder},
			{"no lines", orders.PlaceRequest{Channel: "web", Groups: []orders.GroupRequest{{Delivery: shipParis}}}, orders.ErrInvalidOrder},
			{"zero qty", orders.PlaceRequest{Channel: "web", Groups: []orders.GroupRequest{{Delivery: shipParis, Lines: []orders.LineRequest{oline("L1", "A", 0)}}}}, orders.ErrInvalidOrder},
			{"negative qty", orders.PlaceRequest{Channel: "web", Groups: []orders.GroupRequest{{Delivery: shipParis, Lines: []orders.LineRequest{oline("L1", "A", -2)}}}}, orders.ErrInvalidOrder},
			{"currency mismatch", orders.PlaceRequest{Channel: "web", Groups: []orders.GroupRequest{{Delivery: shipParis, Lines: []orders.LineRequest{oline("L1", "A", 1), usd}}}}, omnikit.ErrCurrencyMismatch},
			{"no price", orders.PlaceRequest{Channel: "web", Groups: []orders.GroupRequest{{Delivery: shipParis, Lines: []orders.LineRequest{{SKU: "A", Qty: 1}}}}}, orders.ErrInvalidOrder},
			{"discount above amount", orders.PlaceRequest{Channel: "web", Groups: []orders.GroupRequest{{Delivery: shipParis, Lines: []orders.LineRequest{{SKU: "A", Qty: 1, UnitPrice: euro("5"), Discount: euro("6")}}}}}, orders.ErrInvalidOrder},
			{"unknown pickup store", orders.PlaceRequest{Channel: "web", Groups: []orders.GroupRequest{{Delivery: pickupAt("nice"), Lines: []orders.LineRequest{oline("L1", "A", 1)}}}}, inventory.ErrUnknownLocation},
			{"warehouse is no pickup store", orders.PlaceRequest{Channel: "web", Groups: []orders.GroupRequest{{Delivery: pickupAt("wh"), Lines: []orders.LineRequest{oline("L1", "A", 1)}}}}, orders.ErrInvalidOrder},
			{"unknown sku", orders.PlaceRequest{Channel: "web", Groups: []orders.GroupRequest{{Delivery: shipParis, Lines: []orders.LineRequest{oline("L1", "Z", 1)}}}}, inventory.ErrUnknownSKU},
			{"unknown channel", orders.PlaceRequest{Channel: "tv", Groups: []orders.GroupRequest{{Delivery: shipParis, Lines: []orders.LineRequest{oline("L1", "A", 1)}}}}, inventory.ErrUnknownChannel},
			{"duplicate line", orders.PlaceRequest{Channel: "web", Groups: []orders.GroupRequest{{Delivery: shipParis, Lines: []orders.LineRequest{oline("L1", "A", 1), oline("L1", "B", 1)}}}}, orders.ErrInvalidOrder},
			{"no address", orders.PlaceRequest{Channel: "web", Groups: []orders.GroupRequest{{Delivery: orders.Delivery{Method: routing.Ship}, Lines: []orders.LineRequest{oline("L1", "A", 1)}}}}, orders.ErrInvalidOrder},
			{"bad method", orders.PlaceRequest{Channel: "web", Groups: []orders.GroupRequest{{Lines: []orders.LineRequest{oline("L1", "A", 1)}}}}, orders.ErrInvalidOrder},
		}
		for _, c := range cases {
			if _, err := s.oms.Place(s.ctx, c.req); !errors.Is(err, c.is) {
				t.Errorf("%s: got %v, want %v", c.name, err, c.is)
			}
		}
		if evs := s.checkEvents(); len(evs) != 0 {
			t.Fatalf("bad input wrote events: %v", eventTypes(evs))
		}
		s.want("A", "wh", 10, 0)
		if ids, err := s.st.Pending(s.ctx, scenStart.Add(time.Hour), 10); err != nil || len(ids) != 0 {
			t.Fatalf("bad input left pending orders %v (%v)", ids, err)
		}
	})

	t.Run("UnfulfillableFailsCleanly", func(t *testing.T) {
		s := newOScen(t, h, nil)
		s.receive("wh", "A", 1)
		_, err := s.oms.Place(s.ctx, orders.PlaceRequest{Channel: "web", Groups: []orders.GroupRequest{{Delivery: shipParis, Lines: []orders.LineRequest{oline("L1", "A", 1), oline("L2", "B", 2)}}}})
		var ue *orders.UnfulfillableError
		if !errors.As(err, &ue) || len(ue.Lines) != 1 || ue.Lines[0].Line != "L2" || ue.Lines[0].Qty != 2 {
			t.Fatalf("got %v", err)
		}
		s.want("A", "wh", 1, 0)
		o := s.checkOrder("O1")
		if o.State != orders.Failed {
			t.Fatalf("order %s", o.State)
		}
	})

	t.Run("Backorder", func(t *testing.T) {
		s := newOScen(t, h, nil)
		s.receive("wh", "A", 1)
		o := s.place(orders.PlaceRequest{Backorder: true, Groups: []orders.GroupRequest{{Delivery: shipParis, Lines: []orders.LineRequest{oline("L1", "A", 3)}}}})
		if o.State != orders.Open || o.Lines[0].Backordered != 2 || o.Fulfilments[0].Lines[0].Qty != 1 {
			t.Fatalf("backordered order %+v", o)
		}
		s.checkOrder(o.ID)
		o, err := s.oms.FulfilBackorders(s.ctx, o.ID)
		s.ok(err)
		if o.Lines[0].Backordered != 2 || len(o.Fulfilments) != 1 {
			t.Fatalf("backorders filled without stock: %+v", o)
		}
		s.receive("paris", "A", 5)
		o, err = s.oms.FulfilBackorders(s.ctx, o.ID)
		s.ok(err)
		if o.Lines[0].Backordered != 0 || len(o.Fulfilments) != 2 || o.Fulfilments[1].Location != "paris" {
			t.Fatalf("backorders after stock arrived: %+v", o)
		}
		s.want("A", "paris", 3, 2)
		s.checkOrder(o.ID)
		// A backorder-only order: nothing reserved, all waiting.
		o = s.place(orders.PlaceRequest{Backorder: true, Groups: []orders.GroupRequest{{Delivery: shipParis, Lines: []orders.LineRequest{oline("L1", "C", 1)}}}})
		if len(o.Fulfilments) != 0 || o.Lines[0].Backordered != 1 || o.State != orders.Open {
			t.Fatalf("all-backordered order %+v", o)
		}
		o, err = s.oms.Cancel(s.ctx, o.ID, "customer")
		s.ok(err)
		if o.State != orders.Cancelled || o.Lines[0].Cancelled != 1 {
			t.Fatalf("cancelled backorder %+v", o)
		}
		s.checkOrder(o.ID)
	})

	t.Run("CancelWholeAndPart", func(t *testing.T) {
		s := newOScen(t, h, nil)
		s.receive("wh", "A", 10)
		s.receive("paris", "B", 4)
		o := s.place(orders.PlaceRequest{Groups: []orders.GroupRequest{
			{Delivery: shipParis, Lines: []orders.LineRequest{oline("L1", "A", 3)}},
			{Delivery: pickupAt("paris"), Lines: []orders.LineRequest{oline("L2", "B", 4)}},
		}})
		if len(o.Fulfilments) != 2 {
			t.Fatalf("fulfilments %+v", o.Fulfilments)
		}
		o, err := s.oms.CancelLines(s.ctx, o.ID, []orders.LineQty{{Line: "L2", Qty: 1}}, "changed mind")
		s.ok(err)
		s.want("B", "paris", 1, 3)
		if _, err := s.oms.CancelLines(s.ctx, o.ID, []orders.LineQty{{Line: "L2", Qty: 4}}, ""); !errors.Is(err, orders.ErrInvalidOrder) {
			t.Fatalf("cancelling more than left: %v", err)
		}
		s.want("B", "paris", 1, 3)
		wh := fulfilmentAt(t, o, "wh")
		s.advance(o.ID, wh.ID, "accept", "pick", "pack", "ship")
		if _, err := s.oms.CancelLines(s.ctx, o.ID, []orders.LineQty{{Line: "L1", Qty: 1}}, ""); !errors.Is(err, orders.ErrInvalidOrder) {
			t.Fatalf("cancelling shipped units: %v", err)
		}
		o, err = s.oms.Cancel(s.ctx, o.ID, "customer")
		s.ok(err)
		s.want("B", "paris", 4, 0)
		s.want("A", "wh", 7, 0)
		if o.State != orders.Open { // the parcel is still on its way
			t.Fatalf("order %s", o.State)
		}
		if _, err := s.oms.Cancel(s.ctx, o.ID, "again"); !errors.Is(err, orders.ErrIllegalTransition) {
			t.Fatalf("cancelling twice: %v", err)
		}
		o = s.advance(o.ID, wh.ID, "deliver")
		if o.State != orders.Completed {
			t.Fatalf("order %s", o.State)
		}
		s.checkOrder(o.ID)
		s.checkEvents()
	})

	t.Run("IllegalTransitions", func(t *testing.T) {
		s := newOScen(t, h, nil)
		s.receive("wh", "A", 10)
		o := s.place(orders.PlaceRequest{Groups: []orders.GroupRequest{{Delivery: shipParis, Lines: []orders.LineRequest{oline("L1", "A", 1)}}}})
		f := o.Fulfilments[0].ID
		before := len(s.checkEvents())
		for name, op := range map[string]func() (orders.Order, error){
			"pick before accept": func() (orders.Order, error) { return s.oms.StartPicking(s.ctx, o.ID, f) },
			"ship before pack":   func() (orders.Order, error) { return s.oms.Ship(s.ctx, o.ID, f, "") },
			"deliver":            func() (orders.Order, error) { return s.oms.Deliver(s.ctx, o.ID, f) },
			"ready (ship)":       func() (orders.Order, error) { return s.oms.ReadyForPickup(s.ctx, o.ID, f) },
			"collect (ship)":     func() (orders.Order, error) { return s.oms.Collect(s.ctx, o.ID, f, "") },
		} {
			if _, err := op(); !errors.Is(err, orders.ErrIllegalTransition) {
				t.Errorf("%s: %v", name, err)
			}
		}
		if _, err := s.oms.Accept(s.ctx, o.ID, "F9"); !errors.Is(err, orders.ErrNotFound) {
			t.Errorf("unknown fulfilment: %v", err)
		}
		if _, err := s.oms.Accept(s.ctx, "nope", f); !errors.Is(err, orders.ErrNotFound) {
			t.Errorf("unknown order: %v", err)
		}
		s.advance(o.ID, f, "accept", "pick", "pack")
		if _, err := s.oms.Reject(s.ctx, o.ID, f, orders.RejectRequest{}); !errors.Is(err, orders.ErrIllegalTransition) {
			t.Errorf("reject after pack: %v", err)
		}
		if got := len(s.checkEvents()); got != before+3 {
			t.Fatalf("%d events, want %d", got, before+3)
		}
		s.checkOrder(o.ID)
	})

	t.Run("TakeAway", func(t *testing.T) {
		s := newOScen(t, h, nil)
		s.receive("lyon", "B", 2)
		o := s.place(orders.PlaceRequest{Channel: "web", Groups: []orders.GroupRequest{{Delivery: orders.Delivery{Method: routing.TakeAway, Store: "lyon"}, Lines: []orders.LineRequest{oline("L1", "B", 1)}}}})
		o, err := s.oms.Collect(s.ctx, o.ID, o.Fulfilments[0].ID, "")
		s.ok(err)
		if o.State != orders.Completed {
			t.Fatalf("take-away %s", o.State)
		}
		s.want("B", "lyon", 1, 0)
		s.checkOrder(o.ID)
	})

	t.Run("StockMovesWhileRouting", func(t *testing.T) {
		// A till sale takes the warehouse's units after routing read them:
		// the reservation fails and the order is routed again to Paris.
		var s *oscen
		sold := 0
		steal := routing.FilterFunc{ID: "test.steal", F: func(c *routing.Context, site *routing.Site) routing.Verdict {
			if site.Location.ID == "wh" && sold < 1 {
				sold++
				if _, err := s.l.Sell(context.Background(), inventory.StockRequest{Location: "wh", Lines: []inventory.Line{{SKU: "A", Qty: 2}}}); err != nil {
					panic(err)
				}
			}
			return routing.Accept
		}}
		st := routing.DefaultStrategy()
		st.Filters = append([]routing.Filter{steal}, st.Filters...)
		eng, err := routing.New(st)
		if err != nil {
			t.Fatal(err)
		}
		s = newOScen(t, h, &orders.Options{Engine: eng})
		s.receive("wh", "A", 2)
		s.receive("paris", "A", 2)
		o := s.place(orders.PlaceRequest{Groups: []orders.GroupRequest{{Delivery: shipParis, Lines: []orders.LineRequest{oline("L1", "A", 2)}}}})
		if len(o.Fulfilments) != 1 || o.Fulfilments[0].Location != "paris" || o.Attempts != 1 {
			t.Fatalf("re-routed order %+v", o)
		}
		s.checkOrder(o.ID)
		// With one round only, the same race fails the order cleanly.
		sold = 0
		s.receive("wh", "A", 2)
		s.oms = s.service(&orders.Options{Engine: eng, MaxAttempts: 1})
		s.receive("paris", "B", 1) // unrelated
		_, err = s.oms.Place(s.ctx, orders.PlaceRequest{Channel: "web", Groups: []orders.GroupRequest{{Delivery: shipParis, Lines: []orders.LineRequest{oline("L1", "A", 2)}}}})
		if !errors.Is(err, orders.ErrUnfulfillable) {
			t.Fatalf("one round, stock stolen: %v", err)
		}
		s.want("A", "wh", 0, 0)
	})

	t.Run("ReservationReplyLost", func(t *testing.T) {
		// The ledger commits the reservation but the reply is lost: Place
		// fails, and the reservation it cannot know about is released.
		s := newOScen(t, h, nil)
		s.receive("wh", "A", 5)
		lost := &faultStore{Store: s.inv}
		l2, err := inventory.New(s.ctx, lost, &inventory.Options{Clock: s.clk})
		s.ok(err)
		oms, err := orders.New(l2, s.st, &orders.Options{NewOrderID: func() orders.OrderID { return "lost" }})
		s.ok(err)
		lost.loseReply.Store(1)
		if _, err := oms.Place(s.ctx, orders.PlaceRequest{Channel: "web", Groups: []orders.GroupRequest{{Delivery: shipParis, Lines: []orders.LineRequest{oline("L1", "A", 2)}}}}); !errors.Is(err, errLostReply) {
			t.Fatalf("Place with a lost reply: %v", err)
		}
		s.want("A", "wh", 5, 0)
		o := s.checkOrder("lost")
		if o.State != orders.Failed || o.Attempts != 1 {
			t.Fatalf("order %s after %d reservations", o.State, o.Attempts)
		}
		wantStrings(t, "history", s.history("lost"), []string{"order.reconciled", "order.failed"})
	})

	t.Run("RetryAfterLostReplyConverges", func(t *testing.T) {
		// Shipping commits in the ledger, the reply is lost, the order is
		// not stored as shipped. The retry reuses the ledger key of the
		// order's version: the units leave once, the order ends shipped.
		s := newOScen(t, h, nil)
		s.receive("wh", "A", 5)
		lost := &faultStore{Store: s.inv}
		l2, err := inventory.New(s.ctx, lost, &inventory.Options{Clock: s.clk})
		s.ok(err)
		oms, err := orders.New(l2, s.st, &orders.Options{NewOrderID: func() orders.OrderID { return "retry" }})
		s.ok(err)
		o, err := oms.Place(s.ctx, orders.PlaceRequest{Channel: "web", Groups: []orders.GroupRequest{{Delivery: shipParis, Lines: []orders.LineRequest{oline("L1", "A", 2)}}}})
		s.ok(err)
		f := o.Fulfilments[0].ID
		for _, step := range []func(context.Context, orders.OrderID, orders.FulfilmentID) (orders.Order, error){oms.Accept, oms.StartPicking, oms.Pack} {
			_, err := step(s.ctx, o.ID, f)
			s.ok(err)
		}
		lost.loseReply.Store(1)
		if _, err := oms.Ship(s.ctx, o.ID, f, "T1"); !errors.Is(err, errLostReply) {
			t.Fatalf("ship with a lost reply: %v", err)
		}
		s.want("A", "wh", 3, 0) // committed in the ledger
		if o, _ := s.oms.Get(s.ctx, o.ID); o.Fulfilment(f).State != orders.Packed {
			t.Fatalf("the order moved on without its write: %s", o.Fulfilment(f).State)
		}
		o, err = oms.Ship(s.ctx, o.ID, f, "T1")
		s.ok(err)
		if o.Fulfilment(f).State != orders.Shipped {
			t.Fatalf("after the retry: %s", o.Fulfilment(f).State)
		}
		s.want("A", "wh", 3, 0) // not committed twice
		s.checkOrder(o.ID)
		if err := s.l.Verify(s.ctx); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("ConcurrentOperationsOnOneOrder", func(t *testing.T) {
		// Goroutines step, reject and cancel the fulfilments of one order
		// at once through one Service: the operations are serialised, so
		// the order and the ledger agree afterwards whatever won.
		s := newOScen(t, h, nil)
		s.receive("wh", "A", 20)
		s.receive("paris", "B", 20)
		o := s.place(orders.PlaceRequest{Groups: []orders.GroupRequest{{Delivery: shipParis, Lines: []orders.LineRequest{oline("L1", "A", 3), oline("L2", "B", 3)}}}})
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, f := range o.Fulfilments {
					switch g % 4 {
					case 0:
						_, _ = s.oms.Accept(s.ctx, o.ID, f.ID)
						_, _ = s.oms.StartPicking(s.ctx, o.ID, f.ID)
					case 1:
						_, _ = s.oms.Reject(s.ctx, o.ID, f.ID, orders.RejectRequest{Lines: []orders.LineQty{{Line: f.Lines[0].Line, Qty: 1}}, KeepStock: true})
					case 2:
						_, _ = s.oms.CancelLines(s.ctx, o.ID, []orders.LineQty{{Line: f.Lines[0].Line, Qty: 1}}, "customer")
					default:
						_, _ = s.oms.Pack(s.ctx, o.ID, f.ID)
						_, _ = s.oms.Ship(s.ctx, o.ID, f.ID, "T")
					}
				}
			}()
		}
		wg.Wait()
		s.checkOrder(o.ID)
		s.checkEvents()
		if err := s.l.Verify(s.ctx); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("CrashBetweenReserveAndStore", func(t *testing.T) {
		// The store accepts the pending order, then "the process dies":
		// every later Save fails. The reservation made in between must not
		// leak: a new Service's Recover releases it.
		s := newOScen(t, h, nil)
		s.receive("wh", "A", 5)
		d := &death{}
		l2, err := inventory.New(s.ctx, &dyingInventory{Store: s.inv, d: d}, &inventory.Options{Clock: s.clk})
		s.ok(err)
		crashed, err := orders.New(l2, &dyingOrders{Store: s.st, d: d}, &orders.Options{NewOrderID: func() orders.OrderID { return "crashed" }})
		s.ok(err)
		_, err = crashed.Place(s.ctx, orders.PlaceRequest{Channel: "web", IdempotencyKey: "k", Groups: []orders.GroupRequest{{Delivery: shipParis, Lines: []orders.LineRequest{oline("L1", "A", 2)}}}})
		if err == nil {
			t.Fatal("Place succeeded on a dying store")
		}
		s.want("A", "wh", 3, 2) // the reservation exists, the order is pending
		// A retry within the grace period sees the placement in progress.
		if _, err := s.oms.Place(s.ctx, orders.PlaceRequest{Channel: "web", IdempotencyKey: "k", Groups: []orders.GroupRequest{{Delivery: shipParis, Lines: []orders.LineRequest{oline("L1", "A", 2)}}}}); !errors.Is(err, orders.ErrInProgress) {
			t.Fatalf("retry during placement: %v", err)
		}
		n, err := s.oms.Recover(s.ctx)
		s.ok(err)
		if n != 0 {
			t.Fatalf("recovered %d orders inside the grace period", n)
		}
		s.clk.Advance(2 * time.Minute)
		n, err = s.oms.Recover(s.ctx)
		s.ok(err)
		if n != 1 {
			t.Fatalf("recovered %d orders, want 1", n)
		}
		s.want("A", "wh", 5, 0)
		ids, err := s.st.FindByKey(s.ctx, "k")
		s.ok(err)
		o := s.checkOrder(ids)
		if o.State != orders.Failed || o.Reason != "abandoned" {
			t.Fatalf("recovered order %s (%s)", o.State, o.Reason)
		}
		s.checkEvents()
		if err := s.l.Verify(s.ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// death is shared by a dying pair of stores: once the orders store's Save
// is called the process is "dead" and every later write of either store
// fails, so nothing can clean up.
type death struct{ dead atomic.Bool }

var errDied = errors.New("storagetest: the process died")

type dyingOrders struct {
	orders.Store
	d *death
}

func (s *dyingOrders) Save(context.Context, orders.Order, []orders.Event) error {
	s.d.dead.Store(true)
	return errDied
}

type dyingInventory struct {
	inventory.Store
	d *death
}

func (s *dyingInventory) Update(ctx context.Context, keys []inventory.Account, fn func(inventory.Tx) error) error {
	if s.d.dead.Load() {
		return errDied
	}
	return s.Store.Update(ctx, keys, fn)
}

// fataler is what the checks shared by tests and rapid properties need.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}
