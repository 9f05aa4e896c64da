package routing_test

import (
	"testing"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/routing"
)

func locs(d routing.Decision) []omnikit.LocationID { return d.Objective.Locations }

func TestGoldenWarehouseCoversAll(t *testing.T) {
	n := mustNet(t,
		site("WH", inventory.TypeWarehouse, 48.9, 2.4, 1, map[omnikit.SKU]int64{"A": 5, "B": 5}),
		site("ST1", inventory.TypeStore, 48.86, 2.35, 1, map[omnikit.SKU]int64{"A": 1}),
	)
	d := route(t, mustEngine(t), n, shipReq(paris, ln("1", "A", 2), ln("2", "B", 1)))
	if d.Status != routing.Complete || len(locs(d)) != 1 || locs(d)[0] != "WH" || !d.Certificate.Optimal {
		t.Fatalf("got %+v", d)
	}
	if r := d.WhyNot("ST1"); r.Code != routing.CodeNotNeeded {
		t.Fatalf("ST1: %v", r)
	}
}

func TestGoldenCloserStoreWins(t *testing.T) {
	n := mustNet(t,
		site("WH", inventory.TypeWarehouse, 45.76, 4.83, 0, map[omnikit.SKU]int64{"A": 9}), // Lyon
		site("ST", inventory.TypeStore, 48.86, 2.34, 5, map[omnikit.SKU]int64{"A": 3}),     // Paris
	)
	d := route(t, mustEngine(t), n, shipReq(paris, ln("1", "A", 2)))
	if len(locs(d)) != 1 || locs(d)[0] != "ST" {
		t.Fatalf("got %v", locs(d))
	}
	if d.RunnerUp == nil || d.RunnerUp.Locations[0] != "WH" || d.RunnerUp.DistanceMeters <= d.Objective.DistanceMeters {
		t.Fatalf("runner-up %+v", d.RunnerUp)
	}
}

// The textbook instance where rank-then-fill needs 3 shipments and the
// optimum is 2.
func TestGoldenTwoShipmentsWherePriorityFillNeedsThree(t *testing.T) {
	one := func(skus ...string) map[omnikit.SKU]int64 {
		m := map[omnikit.SKU]int64{}
		for _, s := range skus {
			m[omnikit.SKU(s)] = 1
		}
		return m
	}
	n := mustNet(t,
		site("L1", inventory.TypeWarehouse, 48.9, 2.4, 1, one("A", "B", "C", "D")),
		site("L2", inventory.TypeWarehouse, 48.9, 2.5, 2, one("A", "C", "E")),
		site("L3", inventory.TypeWarehouse, 48.9, 2.6, 3, one("B", "D", "F")),
	)
	r := shipReq(paris, ln("a", "A", 1), ln("b", "B", 1), ln("c", "C", 1), ln("d", "D", 1), ln("e", "E", 1), ln("f", "F", 1))
	pol := routing.SplitPolicy{AllowLineSplit: true}
	d := route(t, mustEngine(t, strategy(routing.Tiered{}, pol)), n, r)
	if d.Objective.Shipments != 2 || !d.Certificate.Optimal || d.Status != routing.Complete {
		t.Fatalf("tiered: %+v", d.Objective)
	}
	pf := route(t, mustEngine(t, strategy(routing.PriorityFill, pol)), n, r)
	if pf.Objective.Shipments != 3 {
		t.Fatalf("priority fill: %+v", pf.Objective)
	}
	if r := d.WhyNot("L1"); r.Code != routing.CodeNotNeeded {
		t.Fatalf("L1: %v", r)
	}
}

func TestGoldenPickupStoreLacksOneLine(t *testing.T) {
	n := mustNet(t,
		site("ST", inventory.TypeStore, 48.86, 2.34, 1, map[omnikit.SKU]int64{"A": 3}),
		site("WH", inventory.TypeWarehouse, 48.9, 2.4, 1, map[omnikit.SKU]int64{"A": 9, "B": 9}),
	)
	r := routing.Request{Lines: []routing.Line{ln("1", "A", 1), ln("2", "B", 1)}, Delivery: routing.Delivery{Method: routing.Pickup, Store: "ST"}, Now: now}
	d := route(t, mustEngine(t), n, r)
	if d.Status != routing.Partial || len(d.Unfulfilled) != 1 || d.Unfulfilled[0].Line != "2" || d.Unfulfilled[0].Code != routing.CodeStockShort {
		t.Fatalf("got %+v", d)
	}
	if len(d.Candidates()) != 1 || d.Candidates()[0].Location != "ST" || d.WhyNot("WH").Code != routing.CodeOutOfScope {
		t.Fatalf("candidates %+v", d.Candidates())
	}
	// Without partial plans the request is unfulfillable at that store.
	s := routing.DefaultStrategy()
	s.Policy.AllowPartial = false
	d = route(t, mustEngine(t, s), n, r)
	if d.Status != routing.Unfulfillable || len(d.Allocations) != 0 || d.Candidates()[0].Reason.Code != routing.CodeUnfulfillable {
		t.Fatalf("got %+v", d)
	}
}

func TestGoldenStoreExcludedAfterRejection(t *testing.T) {
	n := mustNet(t,
		site("ST", inventory.TypeStore, 48.86, 2.34, 1, map[omnikit.SKU]int64{"A": 3}),
		site("WH", inventory.TypeWarehouse, 45.76, 4.83, 1, map[omnikit.SKU]int64{"A": 9}),
	)
	e := mustEngine(t)
	r := shipReq(paris, ln("1", "A", 2))
	if d := route(t, e, n, r); locs(d)[0] != "ST" {
		t.Fatalf("first: %v", locs(d))
	}
	r.Rejections = []routing.Rejection{{Location: "ST", Lines: []inventory.Line{{SKU: "A", Qty: 2}}}}
	d := route(t, e, n, r)
	if locs(d)[0] != "WH" {
		t.Fatalf("reroute: %v", locs(d))
	}
	why := d.WhyNot("ST")
	if why.Code != routing.CodeExcludedRerouted || why.Measured != 2 {
		t.Fatalf("why: %+v", why)
	}
}

func TestGoldenSafetyStockHoldsUnitsBack(t *testing.T) {
	st := site("ST", inventory.TypeStore, 48.86, 2.34, 1, map[omnikit.SKU]int64{"A": 3})
	st.SafetyStock = map[omnikit.SKU]int64{"A": 2}
	n := mustNet(t, st, site("WH", inventory.TypeWarehouse, 45.76, 4.83, 1, map[omnikit.SKU]int64{"A": 9}))
	if got := n.Available("ST", "A"); got != 1 {
		t.Fatalf("available %d", got)
	}
	d := route(t, mustEngine(t), n, shipReq(paris, ln("1", "A", 2)))
	if locs(d)[0] != "WH" || d.Objective.Shipments != 1 {
		t.Fatalf("got %v", locs(d))
	}
}
