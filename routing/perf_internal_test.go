package routing

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
)

// TestFastDistanceExact checks that the fast distance path (precomputed
// half angles, series asin, guarded rounding) gives exactly
// GeoPoint.DistanceMeters, from a few metres to the antipodes, and that
// its unrounded value stays far inside the guard band.
func TestFastDistanceExact(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const nSites = 2000
	var sites []Site
	for i := range nSites {
		var g omnikit.GeoPoint
		switch i % 4 {
		case 0: // anywhere
			g = omnikit.GeoPoint{Lat: -90 + 180*r.Float64(), Lng: -180 + 360*r.Float64()}
		case 1: // a country
			g = omnikit.GeoPoint{Lat: 43 + 6*r.Float64(), Lng: -1 + 7*r.Float64()}
		case 2: // a city
			g = omnikit.GeoPoint{Lat: 48.8 + 0.1*r.Float64(), Lng: 2.3 + 0.1*r.Float64()}
		default: // near the poles and the antimeridian
			g = omnikit.GeoPoint{Lat: 89.9 * (2*r.Float64() - 1), Lng: 179.95 + 0.05*r.Float64()}
			if r.IntN(2) == 0 {
				g.Lng = -g.Lng
			}
		}
		sites = append(sites, Site{Location: inventory.Location{ID: omnikit.LocationID(fmt.Sprintf("S%05d", i)), Type: inventory.TypeStore, Geo: g}})
	}
	n, err := NewNetwork(sites)
	if err != nil {
		t.Fatal(err)
	}
	dests := []omnikit.GeoPoint{{Lat: 48.8566, Lng: 2.3522}, {Lat: -33.9, Lng: 151.2}, {Lat: 89.99, Lng: -179.99}, {Lat: 0, Lng: 0.0001}}
	for range 60 {
		dests = append(dests, omnikit.GeoPoint{Lat: 43 + 6*r.Float64(), Lng: -1 + 7*r.Float64()})
	}
	// Destinations on top of, and a few metres from, sites.
	for i := 0; i < nSites; i += 97 {
		g := n.sites[i].Location.Geo
		dests = append(dests, g, omnikit.GeoPoint{Lat: g.Lat + 1e-5, Lng: g.Lng}, omnikit.GeoPoint{Lat: g.Lat, Lng: g.Lng - 3e-5})
	}
	dist := make([]int64, len(n.sites))
	var fast, maxErr float64
	for _, d := range dests {
		if err := d.Validate(); err != nil {
			continue
		}
		cosDest := math.Cos(d.Lat * (math.Pi / 180))
		h := newHalfAngles(d)
		n.distancesFast(n.all, dist, d, &h, cosDest)
		for i := range n.sites {
			want := n.sites[i].Location.Geo.DistanceMeters(d)
			if dist[i] != want {
				t.Fatalf("site %d to %v: fast %d, exact %d", i, d, dist[i], want)
			}
			if got := n.distMetersFast(i, d, &h, cosDest); got != want {
				t.Fatalf("site %d to %v: distMetersFast %d, exact %d", i, d, got, want)
			}
			if m, ok := n.fastMeters(i, &h, cosDest); ok {
				fast++
				exact := n.sites[i].Location.Geo.DistanceKm(d) * 1000
				maxErr = max(maxErr, math.Abs(m-exact))
			}
		}
	}
	if fast == 0 {
		t.Fatal("the fast path never applied")
	}
	// The guard band must dwarf the approximation error.
	if maxErr > fastDistGuard/100 {
		t.Fatalf("fast distance error %.3g m is too close to the guard %.3g m", maxErr, fastDistGuard)
	}
	t.Logf("%.0f fast distances, largest difference from the exact expression %.3g m", fast, maxErr)
}

func TestRoundFast(t *testing.T) {
	for _, c := range []struct {
		m    float64
		want int64
		ok   bool
	}{
		{0, 0, true}, {0.4, 0, true}, {0.6, 1, true}, {12.5, 0, false},
		{12.5 - fastDistGuard/2, 0, false}, {12.5 + fastDistGuard/2, 0, false},
		{12.5 - 2*fastDistGuard, 12, true}, {12.5 + 2*fastDistGuard, 13, true}, {999999.99, 1000000, true},
	} {
		got, ok := roundFast(c.m)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("roundFast(%v) = %d, %v; want %d, %v", c.m, got, ok, c.want, c.ok)
		}
		if ok && got != int64(math.Round(c.m)) {
			t.Errorf("roundFast(%v) = %d, math.Round gives %v", c.m, got, math.Round(c.m))
		}
	}
}

// TestSolverRowsLeftClean checks the invariant that lets Tiered skip
// clearing its pooled row buffer: after a sparse (line-splitting) solve
// the buffer is all zero again, and a dense (whole-line) solve marks it
// dirty so that the next call clears it.
func TestSolverRowsLeftClean(t *testing.T) {
	var sites []Site
	for i := range 40 {
		st := map[omnikit.SKU]int64{}
		for k := range 6 {
			if (i+k)%3 != 0 {
				st[omnikit.SKU(fmt.Sprintf("S%d", k))] = int64(1 + (i*k)%4)
			}
		}
		sites = append(sites, Site{Location: inventory.Location{ID: omnikit.LocationID(fmt.Sprintf("L%02d", i)), Type: inventory.TypeWarehouse,
			Geo: omnikit.GeoPoint{Lat: 45 + float64(i)/10, Lng: 2}, Capabilities: inventory.CanShip}, Stock: st})
	}
	n, err := NewNetwork(sites)
	if err != nil {
		t.Fatal(err)
	}
	req := Request{Lines: []Line{{ID: "a", SKU: "S0", Qty: 5}, {ID: "b", SKU: "S3", Qty: 7}, {ID: "c", SKU: "S5", Qty: 2}},
		Delivery: Delivery{Method: Ship, Destination: omnikit.GeoPoint{Lat: 46, Lng: 2}}}
	for _, split := range []bool{true, false, true} {
		st := DefaultStrategy()
		st.Policy.AllowLineSplit = split
		e, err := New(st)
		if err != nil {
			t.Fatal(err)
		}
		c, err := req.canonicalize(n)
		if err != nil {
			t.Fatal(err)
		}
		pr := e.prepare(n, c, &e.strategies[0], false)
		Tiered{}.Solve(pr.p)
		b := pr.p.pool
		if split {
			if b.tDirty {
				t.Fatal("sparse solve left the rows marked dirty")
			}
			for i, v := range b.t[:cap(b.t)] {
				if v != 0 {
					t.Fatalf("row entry %d = %d after a sparse solve", i, v)
				}
			}
		} else if !b.tDirty {
			t.Fatal("dense solve did not mark the rows dirty")
		}
		pr.release()
	}
}

// TestRadixSort: radixSortHigh sorts like slices.Sort, for plain keys (lo
// 0) and for keys whose low lo bits are an index appended in order.
func TestRadixSort(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, lo := range []uint{0, 10, 12} {
		for _, n := range []int{0, 1, 2, 3, 17, 256, 1000} {
			for _, bits := range []uint{1, 8, 30, 40, 64 - lo} {
				keys := make([]uint64, n)
				for i := range keys {
					k := r.Uint64() >> (64 - bits)
					if r.IntN(10) == 0 {
						k |= 1 << (63 - lo) // like the transfer bit
					}
					keys[i] = k<<lo | uint64(i)&(1<<lo-1)
				}
				if lo > 0 && n > 1<<lo {
					continue // the index would not fit
				}
				want := slices.Clone(keys)
				slices.Sort(want)
				if got := radixSortHigh(keys, make([]uint64, n), lo); !slices.Equal(got, want) {
					t.Fatalf("lo=%d n=%d bits=%d: radixSortHigh differs from slices.Sort", lo, n, bits)
				}
			}
		}
	}
}
