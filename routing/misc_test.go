package routing_test

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/routing"
)

func TestBadInputTypedErrors(t *testing.T) {
	good := site("A", inventory.TypeWarehouse, 48, 2, 0, map[omnikit.SKU]int64{"X": 1})
	for name, sites := range map[string][]routing.Site{
		"duplicate": {good, good},
		"nan":       {site("B", inventory.TypeWarehouse, math.NaN(), 2, 0, nil)},
		"type":      {{Location: inventory.Location{ID: "C", Type: "moon"}}},
		"negative":  {site("D", inventory.TypeWarehouse, 48, 2, 0, map[omnikit.SKU]int64{"X": -1})},
	} {
		_, err := routing.NewNetwork(sites)
		var ne *routing.NetworkError
		if !errors.Is(err, routing.ErrInvalidNetwork) || !errors.As(err, &ne) {
			t.Errorf("%s: got %v", name, err)
		}
	}
	n := mustNet(t, good)
	e := mustEngine(t)
	for name, r := range map[string]routing.Request{
		"no lines":  shipReq(paris),
		"qty 0":     shipReq(paris, ln("1", "X", 0)),
		"dup line":  shipReq(paris, ln("1", "X", 1), ln("1", "X", 2)),
		"nan dest":  shipReq(omnikit.GeoPoint{Lat: math.NaN()}, ln("1", "X", 1)),
		"no method": {Lines: []routing.Line{ln("1", "X", 1)}},
		"unknown pickup store": {Lines: []routing.Line{ln("1", "X", 1)},
			Delivery: routing.Delivery{Method: routing.Pickup, Store: "nope"}},
	} {
		_, err := e.Route(context.Background(), n, r)
		var re *routing.RequestError
		if !errors.Is(err, routing.ErrInvalidRequest) || !errors.As(err, &re) {
			t.Errorf("%s: got %v", name, err)
		}
	}
	// An unknown SKU is fine: it has 0 stock.
	d := route(t, e, n, shipReq(paris, ln("1", "NOPE", 1)))
	if d.Status != routing.Unfulfillable || d.Unfulfilled[0].Code != routing.CodeStockShort {
		t.Fatalf("unknown sku: %+v", d)
	}
	if _, err := routing.New(routing.Strategy{}); !errors.Is(err, routing.ErrInvalidConfig) {
		t.Fatalf("config: %v", err)
	}
}

type panicky struct{ at omnikit.LocationID }

func (panicky) Name() string { return "acme.panicky" }
func (p panicky) Check(c *routing.Context, s *routing.Site) routing.Verdict {
	if s.Location.ID == p.at {
		panic("boom")
	}
	return routing.Accept
}

type panicSolver struct{}

func (panicSolver) Name() string                            { return "acme.solver" }
func (panicSolver) Solve(*routing.Problem) routing.Solution { panic("boom") }

type cheatSolver struct{}

func (cheatSolver) Name() string { return "acme.cheat" }
func (cheatSolver) Solve(p *routing.Problem) routing.Solution {
	return routing.Solution{Assignments: []routing.Assignment{{Line: 0, Candidate: 0, Qty: 1000}}}
}

func TestPluginPanicRejectsLocation(t *testing.T) {
	n := mustNet(t,
		site("A", inventory.TypeWarehouse, 48.86, 2.35, 0, map[omnikit.SKU]int64{"X": 5}),
		site("B", inventory.TypeWarehouse, 45, 4, 0, map[omnikit.SKU]int64{"X": 5}),
	)
	s := routing.DefaultStrategy()
	s.Filters = append(s.Filters, panicky{at: "A"})
	d := route(t, mustEngine(t, s), n, shipReq(paris, ln("1", "X", 1)))
	if w := d.WhyNot("A"); w.Code != routing.CodePluginPanic || w.Rule != "acme.panicky" {
		t.Fatalf("A: %+v", w)
	}
	if d.Objective.Locations[0] != "B" {
		t.Fatalf("plan %v", d.Objective.Locations)
	}
	s.Solver = panicSolver{}
	if _, err := mustEngine(t, s).Route(context.Background(), n, shipReq(paris, ln("1", "X", 1))); !errors.Is(err, routing.ErrPluginPanic) {
		t.Fatalf("solver panic: %v", err)
	}
	s.Solver = cheatSolver{}
	if _, err := mustEngine(t, s).Route(context.Background(), n, shipReq(paris, ln("1", "X", 1))); !errors.Is(err, routing.ErrInvalidPlan) {
		t.Fatalf("cheat: %v", err)
	}
}

func TestSoftFilterRelaxAndFallback(t *testing.T) {
	n := mustNet(t,
		site("NEAR", inventory.TypeStore, 48.86, 2.35, 0, map[omnikit.SKU]int64{"X": 1}),
		site("FAR", inventory.TypeWarehouse, 45.76, 4.83, 0, map[omnikit.SKU]int64{"X": 5}),
	)
	s := routing.DefaultStrategy()
	s.Name = "local"
	s.Policy.AllowPartial = false
	s.Filters = append(s.Filters, routing.Soft(routing.RadiusFilter{MaxMeters: 50_000}))
	d := route(t, mustEngine(t, s), n, shipReq(paris, ln("1", "X", 3)))
	if d.Status != routing.Complete || len(d.Relaxed) != 1 || d.Relaxed[0] != "radius" || len(d.Attempts) != 2 {
		t.Fatalf("relax: %+v", d)
	}
	// Hard radius: falls back to the next strategy.
	s.Filters[len(s.Filters)-1] = routing.RadiusFilter{MaxMeters: 50_000}
	fb := routing.DefaultStrategy()
	fb.Name = "national"
	d = route(t, mustEngine(t, s, fb), n, shipReq(paris, ln("1", "X", 3)))
	if d.Strategy != "national" || d.Status != routing.Complete || len(d.Attempts) != 2 {
		t.Fatalf("fallback: %+v", d)
	}
	// The radius reason carries measured value and limit.
	d = route(t, mustEngine(t, s), n, shipReq(paris, ln("1", "X", 1)))
	if w := d.WhyNot("FAR"); w.Code != routing.CodeRadiusExceeded || w.Limit != 50_000 || w.Measured < 390_000 {
		t.Fatalf("radius: %v", w)
	} else {
		t.Log(w)
	}
}

func TestEvaluate(t *testing.T) {
	n := mustNet(t,
		site("A", inventory.TypeWarehouse, 48.86, 2.35, 0, map[omnikit.SKU]int64{"X": 2}),
		site("B", inventory.TypeWarehouse, 45, 4, 0, map[omnikit.SKU]int64{"X": 5}),
		site("P", inventory.TypeStore, 45, 4, 0, map[omnikit.SKU]int64{"X": 5}),
	)
	n2 := n
	e := mustEngine(t)
	r := shipReq(paris, ln("1", "X", 3))
	ev, err := e.Evaluate(context.Background(), n2, r, []routing.Allocation{{Line: "1", Location: "A", Qty: 2}, {Line: "1", Location: "B", Qty: 1}})
	if err != nil || !ev.Feasible || ev.Objective.Shipments != 2 {
		t.Fatalf("%+v %v", ev, err)
	}
	ev, _ = e.Evaluate(context.Background(), n2, r, []routing.Allocation{{Line: "1", Location: "A", Qty: 3}})
	if ev.Feasible || ev.Violations[0].Code != routing.CodeEvalOverAvailable {
		t.Fatalf("%+v", ev)
	}
	// P is a store without... it has every capability here; exclude it.
	r.Exclude = []omnikit.LocationID{"P"}
	ev, _ = e.Evaluate(context.Background(), n2, r, []routing.Allocation{{Line: "1", Location: "P", Qty: 3}})
	if ev.Feasible || ev.Violations[0].Code != routing.CodeEvalNotCandidate {
		t.Fatalf("%+v", ev)
	}
}

func TestRouteOrderConsumesStock(t *testing.T) {
	n := mustNet(t,
		site("ST", inventory.TypeStore, 48.86, 2.35, 0, map[omnikit.SKU]int64{"X": 2}),
		site("WH", inventory.TypeWarehouse, 45, 4, 0, map[omnikit.SKU]int64{"X": 5}),
	)
	o := routing.Order{Groups: []routing.Request{
		{Lines: []routing.Line{ln("1", "X", 2)}, Delivery: routing.Delivery{Method: routing.TakeAway, Store: "ST"}},
		shipReq(paris, ln("2", "X", 1)),
	}}
	ds, err := mustEngine(t).RouteOrder(context.Background(), n, o)
	if err != nil {
		t.Fatal(err)
	}
	if ds[0].Objective.Locations[0] != "ST" || ds[1].Objective.Locations[0] != "WH" {
		t.Fatalf("%v %v", ds[0].Objective, ds[1].Objective)
	}
}

func TestConcurrentRoutes(t *testing.T) {
	in := genInstance(newRand(), 50, 8, 10)
	n := mustNet(t, in.sites...)
	e := mustEngine(t)
	want := route(t, e, n, shipReq(in.dest, in.lines...))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				d, err := e.Route(context.Background(), n, shipReq(in.dest, in.lines...))
				if err != nil || d.Objective.Compare(want.Objective) != 0 {
					t.Error("concurrent route differs", err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestUtilisationAndMarketRankers(t *testing.T) {
	a := site("A", inventory.TypeWarehouse, 48, 2, 0, map[omnikit.SKU]int64{"X": 5})
	a.Capacity, a.Workload, a.Market = 100, 90, "BE"
	b := site("B", inventory.TypeWarehouse, 48, 2, 0, map[omnikit.SKU]int64{"X": 5})
	b.Capacity, b.Workload, b.Market = 100, 10, "FR"
	n := mustNet(t, a, b)
	r := shipReq(omnikit.GeoPoint{}, ln("1", "X", 1)) // unknown destination: distances tie at 0
	s := routing.DefaultStrategy()
	s.Rankers = []routing.Ranker{routing.UtilisationRanker{}}
	if d := route(t, mustEngine(t, s), n, r); d.Objective.Locations[0] != "B" || d.Objective.RankKeys[0] != 100 {
		t.Fatalf("utilisation: %+v", d.Objective)
	}
	s.Rankers = []routing.Ranker{routing.MarketRanker{}}
	r.Delivery.Market = "BE"
	if d := route(t, mustEngine(t, s), n, r); d.Objective.Locations[0] != "A" {
		t.Fatalf("market: %+v", d.Objective)
	}
}
