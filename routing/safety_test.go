package routing_test

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/routing"
)

// A store whose stock of the ordered SKUs is all held back by safety stock
// reads "safety_stock.reserved" with the units held back against the units
// ordered; a store with some promisable units is not rejected.
func TestGoldenSafetyStockReserved(t *testing.T) {
	st := site("ST", inventory.TypeStore, 48.86, 2.34, 1, map[omnikit.SKU]int64{"A": 2, "B": 1, "C": 7})
	st.SafetyStock = map[omnikit.SKU]int64{"A": 2, "B": 5}
	part := site("PT", inventory.TypeStore, 48.87, 2.35, 1, map[omnikit.SKU]int64{"A": 3})
	part.SafetyStock = map[omnikit.SKU]int64{"A": 2}
	wh := site("WH", inventory.TypeWarehouse, 45.76, 4.83, 1, map[omnikit.SKU]int64{"A": 9, "B": 9})
	n := mustNet(t, st, part, wh)
	d := route(t, mustEngine(t), n, shipReq(paris, ln("1", "A", 2), ln("2", "B", 1)))
	why := d.WhyNot("ST")
	if why.Code != routing.CodeSafetyReserved || why.Rule != "safety_stock" || why.Measured != 3 || why.Limit != 3 || why.Unit != "units" {
		t.Fatalf("ST: %+v", why)
	}
	if got := why.String(); got != "safety_stock.reserved 3 units held back, 3 ordered" {
		t.Fatalf("string %q", got)
	}
	if w := d.WhyNot("PT"); w.Code == routing.CodeSafetyReserved {
		t.Fatalf("PT has a promisable unit: %+v", w)
	}
	// Without the filter the same location reads "stock.none".
	s := routing.DefaultStrategy()
	s.Filters = []routing.Filter{routing.CapabilityFilter{}, routing.StockFilter{}}
	d2 := route(t, mustEngine(t, s), n, shipReq(paris, ln("1", "A", 2), ln("2", "B", 1)))
	if w := d2.WhyNot("ST"); w.Code != routing.CodeStockNone {
		t.Fatalf("without the filter: %+v", w)
	}
}

// TestPropertySafetyStock: a plan never allocates a location more than
// max(0, stock - safety) of a SKU, and a location is "safety_stock.reserved"
// exactly when it holds ordered SKUs but every unit is held back.
func TestPropertySafetyStock(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := drawInst(t)
		for i := range in.sites {
			ss := map[omnikit.SKU]int64{}
			for k := range 5 {
				if q := rapid.IntRange(-3, 3).Draw(t, "safety"); q > 0 {
					ss[omnikit.SKU(fmt.Sprintf("S%d", k))] = int64(q)
				}
			}
			in.sites[i].SafetyStock = ss
		}
		d := route(t, mustEngine(t, strategy(routing.Tiered{}, in.pol)), mustNet(t, in.sites...), in.request())
		byID := map[omnikit.LocationID]routing.Site{}
		for _, s := range in.sites {
			byID[s.Location.ID] = s
		}
		used := map[[2]string]int64{}
		for _, a := range d.Allocations {
			s := byID[a.Location]
			k := [2]string{string(a.Location), string(a.SKU)}
			used[k] += a.Qty
			if lim := max(0, s.Stock[a.SKU]-s.SafetyStock[a.SKU]); used[k] > lim {
				t.Fatalf("%s: %d of %s > %d promisable", a.Location, used[k], a.SKU, lim)
			}
		}
		ordered := map[omnikit.SKU]bool{}
		var demand int64
		for _, l := range in.lines {
			ordered[l.SKU] = true
			demand += l.Qty
		}
		for _, c := range d.Candidates() {
			s := byID[c.Location]
			var avail, held int64
			for k := range ordered {
				a := max(0, s.Stock[k]-s.SafetyStock[k])
				avail += a
				if a == 0 {
					held += s.Stock[k]
				}
			}
			passedEarlier := s.Location.Capabilities.Has(inventory.CanShip) && c.Reason.Code != routing.CodeExcludedRequest
			want := passedEarlier && avail == 0 && held > 0
			if got := c.Reason.Code == routing.CodeSafetyReserved; got != want {
				t.Fatalf("%s: reason %+v, promisable %d, held back %d", c.Location, c.Reason, avail, held)
			}
			if want && (c.Reason.Measured != held || c.Reason.Limit != demand || c.Status != routing.Filtered) {
				t.Fatalf("%s: %+v, want measured %d limit %d", c.Location, c.Reason, held, demand)
			}
		}
	})
}
