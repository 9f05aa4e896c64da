package routing_test

import (
	"context"
	"errors"
	"testing"

	"pgregory.net/rapid"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/routing"
)

// A cheaper warehouse wins over a nearer one at the same number of
// shipments; cost never buys an extra shipment.
func TestGoldenCostTier(t *testing.T) {
	near := site("NEAR", inventory.TypeWarehouse, 48.86, 2.34, 0, map[omnikit.SKU]int64{"A": 5, "B": 5})
	near.ShipmentCost = 900
	far := site("FAR", inventory.TypeWarehouse, 45.76, 4.83, 0, map[omnikit.SKU]int64{"A": 5, "B": 5})
	far.ShipmentCost = 450
	cheapA := site("CA", inventory.TypeWarehouse, 45.70, 4.80, 0, map[omnikit.SKU]int64{"A": 5})
	cheapB := site("CB", inventory.TypeWarehouse, 45.71, 4.81, 0, map[omnikit.SKU]int64{"B": 5})
	n := mustNet(t, near, far, cheapA, cheapB)
	d := route(t, mustEngine(t), n, shipReq(paris, ln("1", "A", 2), ln("2", "B", 1)))
	if got := locs(d); len(got) != 1 || got[0] != "FAR" || d.Objective.Cost != 450 || d.Objective.Shipments != 1 {
		t.Fatalf("got %v cost %d", got, d.Objective.Cost)
	}
	if !d.Certificate.Optimal {
		t.Fatalf("certificate %+v", d.Certificate)
	}
	if d.RunnerUp == nil || d.RunnerUp.Cost != 900 {
		t.Fatalf("runner-up %+v", d.RunnerUp)
	}
	// Evaluate reports the cost of a proposed plan.
	ev, err := mustEngine(t).Evaluate(context.Background(), n, shipReq(paris, ln("1", "A", 2), ln("2", "B", 1)), []routing.Allocation{
		{Line: "1", SKU: "A", Location: "NEAR", Qty: 2}, {Line: "2", SKU: "B", Location: "NEAR", Qty: 1},
	})
	if err != nil || ev.Objective.Cost != 900 || ev.Objective.Compare(d.Objective) <= 0 {
		t.Fatalf("evaluate %+v %v", ev.Objective, err)
	}
}

func TestNegativeShipmentCost(t *testing.T) {
	s := site("X", inventory.TypeWarehouse, 48, 2, 0, nil)
	s.ShipmentCost = -1
	if _, err := routing.NewNetwork([]routing.Site{s}); !errors.Is(err, routing.ErrInvalidNetwork) {
		t.Fatalf("err %v", err)
	}
}

// TestPropertyCost: with shipment costs, shipments still equal the
// oracle's, and where the solver certifies Optimal its (unfulfilled,
// shipments, transfers, cost) equals the brute-force oracle's.
func TestPropertyCost(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := drawInst(t)
		for i := range in.sites {
			in.sites[i].ShipmentCost = int64(rapid.IntRange(0, 5).Draw(t, "cost")) * 100
		}
		e := mustEngine(t, strategy(routing.Tiered{}, in.pol))
		d := route(t, e, mustNet(t, in.sites...), in.request())
		checkInvariants(t, in, d)
		if d.Status == routing.Unfulfillable {
			return
		}
		unf, ships, cost := oracleCost(in)
		if d.Objective.Unfulfilled != unf || int(d.Objective.Shipments) != ships {
			t.Fatalf("solver (%d, %d) != oracle (%d, %d)", d.Objective.Unfulfilled, d.Objective.Shipments, unf, ships)
		}
		if d.Certificate.Optimal && (d.Objective.Transfers != 0 || d.Objective.Cost != cost) {
			t.Fatalf("certified optimal but (transfers %d, cost %d) != oracle (0, %d): %+v", d.Objective.Transfers, d.Objective.Cost, cost, d.Objective)
		}
		var sum int64
		for _, l := range locs(d) {
			for _, s := range in.sites {
				if s.Location.ID == l {
					sum += s.ShipmentCost
				}
			}
		}
		if sum != d.Objective.Cost {
			t.Fatalf("objective cost %d != summed %d", d.Objective.Cost, sum)
		}
	})
}
