package routing_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/routing"
)

var now = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

var paris = omnikit.GeoPoint{Lat: 48.8566, Lng: 2.3522}

const shipAll = inventory.CanShip | inventory.CanPickup | inventory.CanShipFromStore

func site(id string, typ inventory.LocationType, lat, lng float64, prio int64, stock map[omnikit.SKU]int64) routing.Site {
	return routing.Site{
		Location: inventory.Location{ID: omnikit.LocationID(id), Type: typ, Geo: omnikit.GeoPoint{Lat: lat, Lng: lng}, Capabilities: shipAll},
		Priority: prio,
		Stock:    stock,
	}
}

// tb is what both *testing.T and *rapid.T provide.
type tb interface {
	Helper()
	Fatal(args ...any)
}

func mustNet(t tb, sites ...routing.Site) *routing.Network {
	t.Helper()
	n, err := routing.NewNetwork(sites)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func mustEngine(t tb, s ...routing.Strategy) *routing.Engine {
	t.Helper()
	e, err := routing.New(s...)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func route(t tb, e *routing.Engine, n *routing.Network, r routing.Request) routing.Decision {
	t.Helper()
	d, err := e.Route(context.Background(), n, r)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func shipReq(dest omnikit.GeoPoint, lines ...routing.Line) routing.Request {
	return routing.Request{Channel: "web", Lines: lines, Delivery: routing.Delivery{Method: routing.Ship, Destination: dest}, Now: now}
}

func ln(id, sku string, q int64) routing.Line {
	return routing.Line{ID: id, SKU: omnikit.SKU(sku), Qty: q}
}

func strategy(sv routing.Solver, pol routing.SplitPolicy) routing.Strategy {
	s := routing.DefaultStrategy()
	s.Name = sv.Name()
	s.Solver = sv
	s.Policy = pol
	return s
}

// instance is a small random routing problem.
type instance struct {
	sites []routing.Site
	lines []routing.Line
	dest  omnikit.GeoPoint
}

// genInstance builds nLoc locations and nLines lines over nSKU SKUs.
func genInstance(r *rand.Rand, nLoc, nLines, nSKU int) instance {
	var in instance
	in.dest = omnikit.GeoPoint{Lat: 45 + r.Float64()*5, Lng: r.Float64() * 5}
	for i := range nLoc {
		st := map[omnikit.SKU]int64{}
		for k := range nSKU {
			if r.IntN(100) < 45 {
				st[omnikit.SKU(fmt.Sprintf("S%02d", k))] = int64(1 + r.IntN(4))
			}
		}
		typ := inventory.TypeStore
		if i%4 == 0 {
			typ = inventory.TypeWarehouse
		}
		s := site(fmt.Sprintf("LOC%04d", i), typ, 45+r.Float64()*5, r.Float64()*5, int64(r.IntN(5)), st)
		in.sites = append(in.sites, s)
	}
	for i := range nLines {
		in.lines = append(in.lines, ln(fmt.Sprintf("l%02d", i), fmt.Sprintf("S%02d", r.IntN(nSKU)), int64(1+r.IntN(3))))
	}
	return in
}

func newRand() *rand.Rand { return rand.New(rand.NewPCG(3, 4)) }

// TestMain raises rapid's default number of checks (100) to 2,000 unless
// -rapid.checks is given: fewer runs miss rare solver bugs.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "rapid.checks" })
	if !set {
		_ = flag.Set("rapid.checks", "2000")
	}
	os.Exit(m.Run())
}

// decisionView is a Decision with its candidates as a field: the shape
// Decision had when Candidates was an exported field, for cmp.Diff (which
// does not read unexported fields) and for the JSON encoding tests.
type decisionView struct {
	Status      routing.Status
	Strategy    string
	Solver      string
	Relaxed     []string
	Allocations []routing.Allocation
	Unfulfilled []routing.Shortfall
	Packages    []routing.Package
	Objective   routing.Objective
	RunnerUp    *routing.Objective
	Certificate routing.Certificate
	Candidates  []routing.Candidate
	Attempts    []routing.Attempt
}

func view(d routing.Decision) decisionView {
	return decisionView{
		Status: d.Status, Strategy: d.Strategy, Solver: d.Solver, Relaxed: d.Relaxed,
		Allocations: d.Allocations, Unfulfilled: d.Unfulfilled, Packages: d.Packages,
		Objective: d.Objective, RunnerUp: d.RunnerUp, Certificate: d.Certificate,
		Candidates: d.Candidates(), Attempts: d.Attempts,
	}
}
