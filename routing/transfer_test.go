package routing_test

import (
	"errors"
	"math/bits"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/routing"
)

func pickupReq(store string, transfer bool, lines ...routing.Line) routing.Request {
	return routing.Request{Channel: "web", Lines: lines, Now: now,
		Delivery: routing.Delivery{Method: routing.Pickup, Store: omnikit.LocationID(store), AllowTransfer: transfer}}
}

func TestGoldenPickupByTransfer(t *testing.T) {
	n := mustNet(t,
		site("ST", inventory.TypeStore, 48.86, 2.34, 1, map[omnikit.SKU]int64{"A": 3}),
		site("WH", inventory.TypeWarehouse, 48.9, 2.4, 1, map[omnikit.SKU]int64{"A": 9, "B": 9}),
		site("WH-FAR", inventory.TypeWarehouse, 45.76, 4.83, 0, map[omnikit.SKU]int64{"B": 9}),
	)
	e := mustEngine(t)
	r := pickupReq("ST", true, ln("1", "A", 1), ln("2", "B", 1))
	d := route(t, e, n, r)
	want := []routing.Allocation{
		{Line: "1", SKU: "A", Location: "WH", Qty: 1, TransferTo: "ST"},
		{Line: "2", SKU: "B", Location: "WH", Qty: 1, TransferTo: "ST"},
	}
	// One shipment (the warehouse holds both lines) beats store + transfer.
	if d.Status != routing.Complete || !slices.Equal(d.Allocations, want) || d.Objective.Shipments != 1 || d.Objective.Transfers != 1 {
		t.Fatalf("got %+v / %+v", d.Allocations, d.Objective)
	}
	if len(d.Candidates()) != 3 || d.WhyNot("WH-FAR").Code != routing.CodeNotNeeded {
		t.Fatalf("candidates %+v", d.Candidates())
	}
	if len(d.Packages) != 1 || d.Packages[0].TransferTo != "ST" || d.Packages[0].Units() != 2 {
		t.Fatalf("packages %+v", d.Packages)
	}
	// With the warehouse excluded the store serves its own line and the
	// far warehouse transfers the other.
	r.Exclude = []omnikit.LocationID{"WH"}
	d = route(t, e, n, r)
	want = []routing.Allocation{
		{Line: "1", SKU: "A", Location: "ST", Qty: 1},
		{Line: "2", SKU: "B", Location: "WH-FAR", Qty: 1, TransferTo: "ST"},
	}
	if !slices.Equal(d.Allocations, want) || d.Objective.Transfers != 1 {
		t.Fatalf("excluded: %+v", d.Allocations)
	}
	// Without transfers the store alone is in scope.
	r.Delivery.AllowTransfer = false
	if d := route(t, e, n, r); d.Status != routing.Partial || len(d.Candidates()) != 1 {
		t.Fatalf("no transfer: %+v", d)
	}
}

// The pickup store's own stock wins a tie on shipments even against a
// better ranked location at the same place.
func TestGoldenPickupStorePreferred(t *testing.T) {
	n := mustNet(t,
		site("A-WH", inventory.TypeWarehouse, 48.86, 2.34, 0, map[omnikit.SKU]int64{"A": 9}),
		site("ST", inventory.TypeStore, 48.86, 2.34, 9, map[omnikit.SKU]int64{"A": 3}),
	)
	d := route(t, mustEngine(t), n, pickupReq("ST", true, ln("1", "A", 2)))
	if !slices.Equal(locs(d), []omnikit.LocationID{"ST"}) || d.Objective.Transfers != 0 || d.Allocations[0].TransferTo != "" {
		t.Fatalf("got %+v", d.Objective)
	}
	if d.RunnerUp == nil || d.RunnerUp.Transfers != 1 {
		t.Fatalf("runner-up %+v", d.RunnerUp)
	}
	// The store is one unit short: one transfer of everything (1 shipment)
	// beats the store plus a transfer (2 shipments).
	d = route(t, mustEngine(t), n, pickupReq("ST", true, ln("1", "A", 4)))
	if !slices.Equal(locs(d), []omnikit.LocationID{"A-WH"}) {
		t.Fatalf("short store: %+v", d.Objective)
	}
	// Both are needed (C only at the store, B only at the warehouse): the
	// line both could serve comes from the store's own stock.
	n = mustNet(t,
		site("A-WH", inventory.TypeWarehouse, 48.86, 2.34, 0, map[omnikit.SKU]int64{"A": 9, "B": 1}),
		site("ST", inventory.TypeStore, 48.86, 2.34, 9, map[omnikit.SKU]int64{"A": 1, "C": 1}),
	)
	d = route(t, mustEngine(t), n, pickupReq("ST", true, ln("1", "A", 1), ln("2", "B", 1), ln("3", "C", 1)))
	if d.Allocations[0].Line != "1" || d.Allocations[0].Location != "ST" || d.Objective.Transfers != 1 {
		t.Fatalf("shared line: %+v", d.Allocations)
	}
}

func TestGoldenTransferReadyBy(t *testing.T) {
	st := site("ST", inventory.TypeStore, 48.86, 2.34, 0, map[omnikit.SKU]int64{"A": 1})
	st.Hours = parisHours(t)
	slow := site("WH-SLOW", inventory.TypeWarehouse, 45.76, 4.83, 0, map[omnikit.SKU]int64{"B": 5})
	slow.TransferLead = 48 * time.Hour
	quick := site("WH-QUICK", inventory.TypeWarehouse, 50.63, 3.06, 0, map[omnikit.SKU]int64{"B": 5}) // uses the default lead time
	n := mustNet(t, st, slow, quick)
	s := timeStrategy(routing.ReadyByFilter{Prep: time.Hour})
	r := pickupReq("ST", true, ln("1", "A", 1), ln("2", "B", 1))
	r.Delivery.TransferLead = 20 * time.Hour
	r.Now = parisTime(t, 2026, 12, 1, 10, 0)     // Tuesday
	r.ReadyBy = parisTime(t, 2026, 12, 2, 12, 0) // Wednesday noon: 26 h
	d := route(t, mustEngine(t, s), n, r)
	// Quick: ready 11:00 + 20 h = Wednesday 07:00, store opens 09:00: 23 h.
	// Slow: 11:00 + 48 h = Thursday 11:00: 49 h > 26 h.
	if w := d.WhyNot("WH-SLOW"); w.Code != routing.CodeReadyByLate || w.Measured != 49*60 || w.Limit != 26*60 {
		t.Fatalf("slow: %+v", w)
	}
	if d.Status != routing.Complete || !slices.Equal(locs(d), []omnikit.LocationID{"ST", "WH-QUICK"}) {
		t.Fatalf("plan %+v %+v", d.Objective, d.Candidates())
	}
	// Wednesday 08:00 is before the store opens: the quick source is late
	// by the wait for opening (ready 09:00 = 23 h > 22 h).
	r.ReadyBy = parisTime(t, 2026, 12, 2, 8, 0)
	d = route(t, mustEngine(t, s), n, r)
	if w := d.WhyNot("WH-QUICK"); w.Code != routing.CodeReadyByLate || w.Measured != 23*60 || w.Limit != 22*60 {
		t.Fatalf("quick: %+v", w)
	}
}

func TestTransferBadRequests(t *testing.T) {
	n := mustNet(t, site("ST", inventory.TypeStore, 48.86, 2.34, 0, map[omnikit.SKU]int64{"A": 1}))
	e := mustEngine(t)
	r := shipReq(paris, ln("1", "A", 1))
	r.Delivery.AllowTransfer = true
	if _, err := e.Route(t.Context(), n, r); !errors.Is(err, routing.ErrInvalidRequest) {
		t.Fatalf("ship with transfer: %v", err)
	}
	r = pickupReq("ST", true, ln("1", "A", 1))
	r.Delivery.TransferLead = -time.Second
	if _, err := e.Route(t.Context(), n, r); !errors.Is(err, routing.ErrInvalidRequest) {
		t.Fatalf("negative lead: %v", err)
	}
	s := site("X", inventory.TypeStore, 48.86, 2.34, 0, nil)
	s.TransferLead = -time.Second
	if _, err := routing.NewNetwork([]routing.Site{s}); !errors.Is(err, routing.ErrInvalidNetwork) {
		t.Fatalf("negative site lead: %v", err)
	}
}

// A pickup store without CanPickup cannot receive transfers either.
func TestTransferNeedsPickupStore(t *testing.T) {
	st := site("ST", inventory.TypeStore, 48.86, 2.34, 0, map[omnikit.SKU]int64{"A": 1})
	st.Location.Capabilities = inventory.CanShip
	n := mustNet(t, st, site("WH", inventory.TypeWarehouse, 48.9, 2.4, 1, map[omnikit.SKU]int64{"A": 9}))
	d := route(t, mustEngine(t), n, pickupReq("ST", true, ln("1", "A", 1)))
	if d.Status != routing.Unfulfillable || d.WhyNot("WH").Code != routing.CodeCapabilityMiss || d.WhyNot("ST").Code != routing.CodeCapabilityMiss {
		t.Fatalf("got %+v", d.Candidates())
	}
}

// transferOracle returns the best (unfulfilled, shipments, transfers) by
// brute force, lines may split.
func transferOracle(sites []routing.Site, lines []routing.Line, store omnikit.LocationID, exclude []omnikit.LocationID, maxShip int) (int64, int, int) {
	var el []routing.Site
	for _, s := range sites {
		if !slices.Contains(exclude, s.Location.ID) {
			el = append(el, s)
		}
	}
	need := map[omnikit.SKU]int64{}
	var skus []omnikit.SKU
	var demand int64
	for _, l := range lines {
		if need[l.SKU] == 0 {
			skus = append(skus, l.SKU)
		}
		need[l.SKU] += l.Qty
		demand += l.Qty
	}
	bu, bs, bt := demand, 0, 0
	for mask := 1; mask < 1<<len(el); mask++ {
		sz := bits.OnesCount(uint(mask))
		if maxShip > 0 && sz > maxShip {
			continue
		}
		var got int64
		tr := 0
		for _, k := range skus {
			var have int64
			for i, s := range el {
				if mask&(1<<i) != 0 {
					have += s.Stock[k]
				}
			}
			got += min(have, need[k])
		}
		for i, s := range el {
			if mask&(1<<i) != 0 && s.Location.ID != store {
				tr++
			}
		}
		u := demand - got
		if u < bu || (u == bu && (sz < bs || (sz == bs && tr < bt))) {
			bu, bs, bt = u, sz, tr
		}
	}
	if bu == demand {
		return demand, 0, 0
	}
	return bu, bs, bt
}

// TestPropertyTransfers: with transfers, plans stay within stock, never
// use an excluded location, mark exactly the non-store allocations as
// transfers to the store, and match a brute-force oracle on
// (unfulfilled, shipments, transfers).
func TestPropertyTransfers(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := drawInst(t)
		in.pol.AllowLineSplit = true
		in.pol.AllowPartial = true
		for i := range in.sites {
			in.sites[i].Location.Capabilities = shipAll
		}
		store := in.sites[rapid.IntRange(0, len(in.sites)-1).Draw(t, "store")].Location.ID
		r := pickupReq(string(store), true, in.lines...)
		r.Exclude = in.exclude
		d := route(t, mustEngine(t, strategy(routing.Tiered{}, in.pol)), mustNet(t, in.sites...), r)

		stock := map[omnikit.LocationID]routing.Site{}
		for _, s := range in.sites {
			stock[s.Location.ID] = s
		}
		used := map[[2]string]int64{}
		var served int64
		for _, a := range d.Allocations {
			if slices.Contains(in.exclude, a.Location) {
				t.Fatalf("allocation at excluded %s", a.Location)
			}
			if (a.Location == store) != (a.TransferTo == "") || (a.TransferTo != "" && a.TransferTo != store) {
				t.Fatalf("transfer mark %+v (store %s)", a, store)
			}
			k := [2]string{string(a.Location), string(a.SKU)}
			used[k] += a.Qty
			if used[k] > stock[a.Location].Stock[a.SKU] {
				t.Fatalf("%s over stock", a.Location)
			}
			served += a.Qty
		}
		if len(d.Candidates()) != len(in.sites) {
			t.Fatalf("%d candidates for %d sites", len(d.Candidates()), len(in.sites))
		}
		for _, c := range d.Candidates() {
			if c.Reason.Code == "" || (c.Status == routing.Used) != (c.Reason.Code == routing.CodeUsed) {
				t.Fatalf("candidate %+v", c)
			}
		}
		unf, ships, trs := transferOracle(in.sites, in.lines, store, in.exclude, in.pol.MaxShipments)
		if d.Objective.Unfulfilled != unf || int(d.Objective.Shipments) != ships || int(d.Objective.Transfers) != trs {
			t.Fatalf("got (%d, %d, %d), oracle (%d, %d, %d)", d.Objective.Unfulfilled, d.Objective.Shipments, d.Objective.Transfers, unf, ships, trs)
		}
		if served+d.Objective.Unfulfilled != sumQty(in.lines) {
			t.Fatalf("served %d + unfulfilled %d != ordered", served, d.Objective.Unfulfilled)
		}
	})
}

// TestPropertyTimeFilters: with random timetables, a plan never uses a
// location that is closed at Now or that an independent computation says
// cannot be ready by ReadyBy; every filtered location carries the time
// reason of its failing filter.
func TestPropertyTimeFilters(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := drawInst(t)
		zone := time.FixedZone("z", rapid.IntRange(-8, 8).Draw(t, "tz")*3600)
		for i := range in.sites {
			if rapid.IntRange(0, 3).Draw(t, "hasHours") == 0 {
				continue
			}
			var ws []routing.Window
			for d := range 7 {
				if rapid.Bool().Draw(t, "openDay") {
					o := rapid.IntRange(0, 23).Draw(t, "openH") * 60
					ws = append(ws, routing.Window{Day: time.Weekday(d), Open: o, Close: rapid.IntRange(o/60+1, 24).Draw(t, "closeH") * 60})
				}
			}
			in.sites[i].Hours = &routing.Hours{Zone: zone, Windows: ws}
		}
		nowT := now.Add(time.Duration(rapid.IntRange(0, 7*24*4).Draw(t, "now")) * 15 * time.Minute)
		prep := time.Duration(rapid.IntRange(0, 12).Draw(t, "prep")) * 30 * time.Minute
		s := strategy(routing.Tiered{}, in.pol)
		useOpen := rapid.Bool().Draw(t, "useOpen")
		if useOpen {
			s.Filters = append(s.Filters, routing.OpenFilter{})
		}
		s.Filters = append(s.Filters, routing.ReadyByFilter{Prep: prep})
		r := in.request()
		r.Now = nowT
		r.ReadyBy = nowT.Add(time.Duration(rapid.IntRange(0, 72).Draw(t, "deadline")) * time.Hour)
		d := route(t, mustEngine(t, s), mustNet(t, in.sites...), r)

		byID := map[omnikit.LocationID]routing.Site{}
		for _, s := range in.sites {
			byID[s.Location.ID] = s
		}
		okAt := func(id omnikit.LocationID) (open, ready bool) {
			h := byID[id].Hours
			if h == nil {
				return true, !nowT.Add(prep).After(r.ReadyBy)
			}
			rt, ok := h.ReadyAt(nowT, prep)
			return h.OpenAt(nowT), ok && !rt.After(r.ReadyBy)
		}
		for _, a := range d.Allocations {
			open, ready := okAt(a.Location)
			if (useOpen && !open) || !ready {
				t.Fatalf("allocation at %s (open %v, ready %v)", a.Location, open, ready)
			}
		}
		for _, c := range d.Candidates() {
			if c.Status != routing.Filtered || c.Reason.Rule == "capability" || c.Reason.Rule == "scope" || c.Reason.Rule == "stock" {
				continue
			}
			open, ready := okAt(c.Location)
			switch c.Reason.Code {
			case routing.CodeClosedNow, routing.CodeClosedAlways:
				if c.Reason.Rule == "open" && open {
					t.Fatalf("%s filtered closed but open", c.Location)
				}
				if c.Reason.Rule == "ready_by" && ready {
					t.Fatalf("%s filtered never-ready but ready", c.Location)
				}
			case routing.CodeReadyByLate:
				if ready || c.Reason.Measured <= c.Reason.Limit {
					t.Fatalf("%s late reason %v but ready %v", c.Location, c.Reason, ready)
				}
			default:
				t.Fatalf("%s: unexpected reason %v", c.Location, c.Reason)
			}
		}
	})
}
