package routing_test

import (
	"fmt"
	"math/bits"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/routing"
)

type pinst struct {
	sites   []routing.Site
	lines   []routing.Line
	pol     routing.SplitPolicy
	exclude []omnikit.LocationID
}

func drawInst(t *rapid.T) pinst {
	var in pinst
	nLoc := rapid.IntRange(1, 8).Draw(t, "nLoc")
	nSKU := rapid.IntRange(1, 5).Draw(t, "nSKU")
	nLines := rapid.IntRange(1, 6).Draw(t, "nLines")
	for i := range nLoc {
		st := map[omnikit.SKU]int64{}
		for k := range nSKU {
			if q := rapid.IntRange(-2, 4).Draw(t, "q"); q > 0 {
				st[omnikit.SKU(fmt.Sprintf("S%d", k))] = int64(q)
			}
		}
		s := site(fmt.Sprintf("L%d", i), inventory.TypeWarehouse,
			48+float64(rapid.IntRange(0, 3).Draw(t, "lat"))/10, 2+float64(rapid.IntRange(0, 3).Draw(t, "lng"))/10,
			int64(rapid.IntRange(0, 2).Draw(t, "prio")), st)
		if rapid.IntRange(0, 9).Draw(t, "cap") == 0 {
			s.Location.Capabilities = inventory.CanPickup
		}
		in.sites = append(in.sites, s)
		if rapid.IntRange(0, 11).Draw(t, "ex") == 0 {
			in.exclude = append(in.exclude, s.Location.ID)
		}
	}
	for i := range nLines {
		in.lines = append(in.lines, ln(fmt.Sprintf("l%d", i), fmt.Sprintf("S%d", rapid.IntRange(0, nSKU-1).Draw(t, "sku")), int64(rapid.IntRange(1, 3).Draw(t, "qty"))))
	}
	in.pol = routing.SplitPolicy{
		MaxShipments:   rapid.IntRange(0, 3).Draw(t, "K"),
		AllowLineSplit: rapid.Bool().Draw(t, "split"),
		AllowPartial:   rapid.Bool().Draw(t, "partial"),
	}
	return in
}

func (in pinst) request() routing.Request {
	r := shipReq(paris, in.lines...)
	r.Exclude = in.exclude
	return r
}

// oracle returns the best (unfulfilled, shipments) by brute force over
// location subsets, ordered by size.
func oracle(in pinst) (unf int64, ships int) {
	unf, ships, _ = oracleCost(in)
	return unf, ships
}

// oracleCost returns the best (unfulfilled, shipments, cost) by brute force
// over location subsets (cost: summed Site.ShipmentCost).
func oracleCost(in pinst) (unf int64, ships int, cost int64) {
	var eligible []routing.Site
	for _, s := range in.sites {
		if s.Location.Capabilities.Has(inventory.CanShip) && !slices.Contains(in.exclude, s.Location.ID) {
			eligible = append(eligible, s)
		}
	}
	var demand int64
	for _, l := range in.lines {
		demand += l.Qty
	}
	cover := func(mask int) int64 {
		var set []routing.Site
		for i := range eligible {
			if mask&(1<<i) != 0 {
				set = append(set, eligible[i])
			}
		}
		if in.pol.AllowLineSplit {
			need := map[omnikit.SKU]int64{}
			var skus []omnikit.SKU
			for _, l := range in.lines {
				if need[l.SKU] == 0 {
					skus = append(skus, l.SKU)
				}
				need[l.SKU] += l.Qty
			}
			var got int64
			for _, k := range skus {
				var have int64
				for _, s := range set {
					have += s.Stock[k]
				}
				got += min(have, need[k])
			}
			return got
		}
		// Whole lines: try every assignment of lines to locations (or none).
		rem := make([]map[omnikit.SKU]int64, len(set))
		for i, s := range set {
			rem[i] = map[omnikit.SKU]int64{}
			for k, v := range s.Stock {
				rem[i][k] = v
			}
		}
		var best int64
		var rec func(i int, got int64)
		rec = func(i int, got int64) {
			if i == len(in.lines) {
				best = max(best, got)
				return
			}
			l := in.lines[i]
			rec(i+1, got)
			for j := range rem {
				if rem[j][l.SKU] >= l.Qty {
					rem[j][l.SKU] -= l.Qty
					rec(i+1, got+l.Qty)
					rem[j][l.SKU] += l.Qty
				}
			}
		}
		rec(0, 0)
		return best
	}
	n := len(eligible)
	K := n
	if in.pol.MaxShipments > 0 {
		K = min(K, in.pol.MaxShipments)
	}
	bestUnf, bestShips, bestCost := demand, 0, int64(0)
	for mask := 1; mask < 1<<n; mask++ {
		sz := bits.OnesCount(uint(mask))
		if sz > K {
			continue
		}
		u := demand - cover(mask)
		var c int64
		for i := range eligible {
			if mask&(1<<i) != 0 {
				c += eligible[i].ShipmentCost
			}
		}
		if u < bestUnf || (u == bestUnf && (sz < bestShips || (sz == bestShips && c < bestCost))) {
			bestUnf, bestShips, bestCost = u, sz, c
		}
	}
	if bestUnf == demand {
		bestShips, bestCost = 0, 0
	}
	return bestUnf, bestShips, bestCost
}

func checkInvariants(t *rapid.T, in pinst, d routing.Decision) {
	avail := map[omnikit.LocationID]routing.Site{}
	for _, s := range in.sites {
		avail[s.Location.ID] = s
	}
	status := map[omnikit.LocationID]routing.CandidateStatus{}
	for _, c := range d.Candidates() {
		if _, dup := status[c.Location]; dup {
			t.Fatalf("candidate %s listed twice", c.Location)
		}
		status[c.Location] = c.Status
		if s := avail[c.Location]; c.DistanceMeters != s.Location.Geo.DistanceMeters(paris) {
			t.Fatalf("%s: distance %d != %d", c.Location, c.DistanceMeters, s.Location.Geo.DistanceMeters(paris))
		}
		if c.Reason.Code == "" {
			t.Fatalf("candidate %s has no reason", c.Location)
		}
		if (c.Status == routing.Used) != (c.Reason.Code == routing.CodeUsed) || (c.Status == routing.Used) != (c.Units > 0) {
			t.Fatalf("candidate %+v inconsistent", c)
		}
	}
	if len(d.Candidates()) != len(in.sites) {
		t.Fatalf("%d candidates for %d locations", len(d.Candidates()), len(in.sites))
	}
	used := map[omnikit.LocationID]map[omnikit.SKU]int64{}
	perLine := map[string]int64{}
	parts := map[string]int{}
	for _, a := range d.Allocations {
		if status[a.Location] != routing.Used {
			t.Fatalf("allocation at %s which is %s", a.Location, status[a.Location])
		}
		s := avail[a.Location]
		if !s.Location.Capabilities.Has(inventory.CanShip) || slices.Contains(in.exclude, a.Location) {
			t.Fatalf("allocation at filtered-out location %s", a.Location)
		}
		if used[a.Location] == nil {
			used[a.Location] = map[omnikit.SKU]int64{}
		}
		used[a.Location][a.SKU] += a.Qty
		if used[a.Location][a.SKU] > s.Stock[a.SKU] {
			t.Fatalf("%s: %d of %s > %d available", a.Location, used[a.Location][a.SKU], a.SKU, s.Stock[a.SKU])
		}
		perLine[a.Line] += a.Qty
		parts[a.Line]++
	}
	for _, u := range d.Unfulfilled {
		perLine[u.Line] += u.Qty
	}
	for _, l := range in.lines {
		if perLine[l.ID] != l.Qty {
			t.Fatalf("line %s: allocated+unfulfilled %d != %d", l.ID, perLine[l.ID], l.Qty)
		}
		if !in.pol.AllowLineSplit && parts[l.ID] > 1 {
			t.Fatalf("line %s split across %d locations", l.ID, parts[l.ID])
		}
	}
	if k := in.pol.MaxShipments; k > 0 && len(used) > k {
		t.Fatalf("%d shipments > %d", len(used), k)
	}
	if !in.pol.AllowPartial && d.Status == routing.Partial {
		t.Fatalf("partial plan under a no-partial policy")
	}
	if int(d.Objective.Shipments) != len(used) {
		t.Fatalf("objective shipments %d != %d", d.Objective.Shipments, len(used))
	}
}

func TestPropertyPlans(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := drawInst(t)
		e := mustEngine(t, strategy(routing.Tiered{}, in.pol))
		d := route(t, e, mustNet(t, in.sites...), in.request())
		checkInvariants(t, in, d)

		// Brute-force oracle.
		unf, ships := oracle(in)
		gotUnf, gotShips := d.Objective.Unfulfilled, int(d.Objective.Shipments)
		if d.Status == routing.Unfulfillable {
			if in.pol.AllowPartial && unf < sumQty(in.lines) {
				t.Fatalf("unfulfillable but oracle serves %d units", sumQty(in.lines)-unf)
			}
			if !in.pol.AllowPartial && unf == 0 {
				t.Fatalf("unfulfillable but oracle serves all with %d shipments", ships)
			}
		} else if gotUnf != unf || gotShips != ships {
			t.Fatalf("solver (unfulfilled %d, shipments %d) != oracle (%d, %d)", gotUnf, gotShips, unf, ships)
		}
		if !d.Certificate.Optimal {
			t.Fatalf("small instance not certified: %+v", d.Certificate)
		}

		// Shuffled inputs give the same decision.
		sh := in
		sh.sites = slices.Clone(in.sites)
		sh.lines = slices.Clone(in.lines)
		perm := rapid.Permutation(sh.sites).Draw(t, "permSites")
		sh.sites = perm
		sh.lines = rapid.Permutation(sh.lines).Draw(t, "permLines")
		d2 := route(t, e, mustNet(t, sh.sites...), sh.request())
		if diff := cmp.Diff(view(d), view(d2)); diff != "" {
			t.Fatalf("shuffle changed the decision:\n%s", diff)
		}

		// An irrelevant location changes nothing but its own trace.
		ir := in
		ir.sites = append(slices.Clone(in.sites), site("ZZ-IRRELEVANT", inventory.TypeWarehouse, 48.85, 2.35, 0, map[omnikit.SKU]int64{"OTHER": 50}))
		d3 := route(t, e, mustNet(t, ir.sites...), ir.request())
		if w := d3.WhyNot("ZZ-IRRELEVANT"); w.Code != routing.CodeStockNone {
			t.Fatalf("irrelevant location reason %v", w)
		}
		v3 := view(d3)
		v3.Candidates = slices.DeleteFunc(v3.Candidates, func(c routing.Candidate) bool { return c.Location == "ZZ-IRRELEVANT" })
		v3.Certificate.Nodes, d.Certificate.Nodes = 0, 0
		for i := range v3.Attempts {
			v3.Attempts[i] = d.Attempts[min(i, len(d.Attempts)-1)]
		}
		if diff := cmp.Diff(view(d), v3); diff != "" {
			t.Fatalf("irrelevant location changed the decision:\n%s", diff)
		}
	})
}

func sumQty(ls []routing.Line) int64 {
	var s int64
	for _, l := range ls {
		s += l.Qty
	}
	return s
}

// Baselines must also respect the hard invariants.
func TestPropertyBaselines(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := drawInst(t)
		for _, sv := range []routing.Solver{routing.PriorityFill, routing.NearestFill} {
			d := route(t, mustEngine(t, strategy(sv, in.pol)), mustNet(t, in.sites...), in.request())
			checkInvariants(t, in, d)
		}
	})
}
