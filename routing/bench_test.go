package routing_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/routing"
)

// bigNetwork is 1,000 locations: 20 warehouses with most of a 400-SKU
// catalogue, 980 stores with 40 SKUs each, around France.
func bigNetwork(r *rand.Rand) []routing.Site {
	var sites []routing.Site
	for i := range 1000 {
		st := map[omnikit.SKU]int64{}
		typ, n := inventory.TypeStore, 40
		if i < 20 {
			typ, n = inventory.TypeWarehouse, 360
		}
		for range n {
			st[omnikit.SKU(fmt.Sprintf("SKU%03d", r.IntN(400)))] = int64(1 + r.IntN(20))
		}
		sites = append(sites, site(fmt.Sprintf("LOC%04d", i), typ, 43+r.Float64()*6, -1+r.Float64()*7, int64(r.IntN(10)), st))
	}
	return sites
}

func bigOrders(r *rand.Rand, k int) []routing.Request {
	var out []routing.Request
	for range k {
		var lines []routing.Line
		for j := range 20 {
			lines = append(lines, ln(fmt.Sprintf("l%02d", j), fmt.Sprintf("SKU%03d", r.IntN(400)), int64(1+r.IntN(2))))
		}
		out = append(out, shipReq(omnikit.GeoPoint{Lat: 43 + r.Float64()*6, Lng: -1 + r.Float64()*7}, lines...))
	}
	return out
}

// BenchmarkRoute20x1000 routes 20-line orders over 1,000 locations on one
// core and reports p50 and p99 latency from per-operation timings.
func BenchmarkRoute20x1000(b *testing.B) { benchRoute20x1000(b, false) }

// BenchmarkRoute20x1000Explained is BenchmarkRoute20x1000 with the full
// explanation read after each call (Decision.Candidates, which builds the
// 1,000 Candidate values), inside the timed region.
func BenchmarkRoute20x1000Explained(b *testing.B) { benchRoute20x1000(b, true) }

func benchRoute20x1000(b *testing.B, explain bool) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	r := rand.New(rand.NewPCG(1, 2))
	n := mustNet(b, bigNetwork(r)...)
	orders := bigOrders(r, 256)
	e := mustEngine(b)
	ctx := context.Background()
	times := make([]time.Duration, 0, b.N)
	var ships, units int64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		t0 := time.Now()
		d, err := e.Route(ctx, n, orders[i%len(orders)])
		if explain {
			for _, c := range d.Candidates() {
				units += c.Units + int64(len(c.Keys)) + int64(len(c.Reason.Code))
			}
		}
		times = append(times, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
		ships += d.Objective.Shipments
	}
	b.StopTimer()
	if explain && units == 0 {
		b.Fatal("empty explanation")
	}
	slices.Sort(times)
	q := func(p float64) float64 { return float64(times[int(p*float64(len(times)-1))].Microseconds()) }
	b.ReportMetric(q(0.50), "p50-us")
	b.ReportMetric(q(0.99), "p99-us")
	b.ReportMetric(float64(ships)/float64(len(times)), "shipments/op")
}

type splitStats struct{ tiered, priority, nearest, opt int64 }

// splitRates routes the same random 8-location x 6-line orders with every
// solver and the brute-force oracle, checking correctness-type facts.
func splitRates(t testing.TB, orders int) splitStats {
	r := rand.New(rand.NewPCG(42, 7))
	pol := routing.SplitPolicy{AllowLineSplit: true, AllowPartial: true}
	tiered := mustEngine(t, strategy(routing.Tiered{}, pol))
	prio := mustEngine(t, strategy(routing.PriorityFill, pol))
	near := mustEngine(t, strategy(routing.NearestFill, pol))
	var st splitStats
	for range orders {
		in := genInstance(r, 8, 6, 8)
		n := mustNet(t, in.sites...)
		req := shipReq(in.dest, in.lines...)
		dt, dp, dn := route(t, tiered, n, req), route(t, prio, n, req), route(t, near, n, req)
		unf, opt := oracle(pinst{sites: in.sites, lines: in.lines, pol: pol})
		for _, d := range []routing.Decision{dt, dp, dn} {
			if d.Objective.Unfulfilled != unf {
				t.Fatalf("%s: unfulfilled %d != oracle %d", d.Solver, d.Objective.Unfulfilled, unf)
			}
		}
		if int(dt.Objective.Shipments) != opt {
			t.Fatalf("tiered %d shipments != oracle %d", dt.Objective.Shipments, opt)
		}
		if dt.Objective.Shipments > dn.Objective.Shipments || dt.Objective.Shipments > dp.Objective.Shipments {
			t.Fatalf("tiered worse than a baseline: %d vs %d/%d", dt.Objective.Shipments, dp.Objective.Shipments, dn.Objective.Shipments)
		}
		st.tiered += dt.Objective.Shipments
		st.priority += dp.Objective.Shipments
		st.nearest += dn.Objective.Shipments
		st.opt += int64(opt)
	}
	return st
}

func extra(x, opt int64) float64 { return 100 * float64(x-opt) / float64(opt) }

// TestSplitRate logs the shipments of each solver against the optimum on
// 10,000 random orders (8 locations x 6 lines).
func TestSplitRate(t *testing.T) {
	orders := 10_000
	if testing.Short() {
		orders = 1000
	}
	st := splitRates(t, orders)
	t.Logf("%d orders: optimum %d shipments; tiered %+.2f%%, priority fill %+.2f%%, nearest fill %+.2f%% over the optimum",
		orders, st.opt, extra(st.tiered, st.opt), extra(st.priority, st.opt), extra(st.nearest, st.opt))
}

// BenchmarkSplitRate reports the same figures as TestSplitRate.
func BenchmarkSplitRate(b *testing.B) {
	var st splitStats
	for b.Loop() {
		st = splitRates(b, 10_000)
	}
	b.ReportMetric(extra(st.tiered, st.opt), "tiered-extra-%")
	b.ReportMetric(extra(st.priority, st.opt), "priority-extra-%")
	b.ReportMetric(extra(st.nearest, st.opt), "nearest-extra-%")
}
