package routing_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/routing"
)

func TestMaxUnitsAndItemsSplitters(t *testing.T) {
	in := routing.Package{Location: "WH", Items: []routing.PackageItem{{Line: "1", SKU: "A", Qty: 2}, {Line: "2", SKU: "B", Qty: 5}}}
	got := routing.MaxUnitsSplitter{Max: 3}.Split(in)
	want := []routing.Package{
		{Location: "WH", Items: []routing.PackageItem{{Line: "1", SKU: "A", Qty: 2}, {Line: "2", SKU: "B", Qty: 1}}},
		{Location: "WH", Items: []routing.PackageItem{{Line: "2", SKU: "B", Qty: 3}}},
		{Location: "WH", Items: []routing.PackageItem{{Line: "2", SKU: "B", Qty: 1}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("max units:\n%s", diff)
	}
	got = routing.MaxItemsSplitter{Max: 1}.Split(in)
	if len(got) != 2 || got[0].Units() != 2 || got[1].Units() != 5 {
		t.Fatalf("max items: %+v", got)
	}
	for _, sp := range []routing.Splitter{routing.MaxUnitsSplitter{}, routing.MaxItemsSplitter{Max: -1}, nil} {
		if _, err := routing.New(routing.Strategy{Name: "x", Splitters: []routing.Splitter{sp}}); !errors.Is(err, routing.ErrInvalidConfig) {
			t.Errorf("%v: %v", sp, err)
		}
	}
}

type badSplitter struct{ mode int }

func (badSplitter) Name() string { return "acme.bad" }
func (b badSplitter) Split(p routing.Package) []routing.Package {
	switch b.mode {
	case 0:
		p.Items[0].Qty++ // invents a unit
	case 1:
		p.Location = "ELSEWHERE"
	case 2:
		return nil
	case 3:
		panic("boom")
	}
	return []routing.Package{p}
}

func TestSplitterChecked(t *testing.T) {
	n := mustNet(t, site("WH", inventory.TypeWarehouse, 48.9, 2.4, 0, map[omnikit.SKU]int64{"A": 9}))
	r := shipReq(paris, ln("1", "A", 4))
	s := routing.DefaultStrategy()
	s.Splitters = []routing.Splitter{routing.MaxUnitsSplitter{Max: 3}}
	d := route(t, mustEngine(t, s), n, r)
	if len(d.Packages) != 2 || d.Packages[0].Units() != 3 || d.Packages[1].Units() != 1 {
		t.Fatalf("packages %+v", d.Packages)
	}
	for mode, want := range []error{routing.ErrInvalidPlan, routing.ErrInvalidPlan, routing.ErrInvalidPlan, routing.ErrPluginPanic} {
		s.Splitters = []routing.Splitter{badSplitter{mode}}
		if _, err := mustEngine(t, s).Route(t.Context(), n, r); !errors.Is(err, want) {
			t.Errorf("mode %d: %v", mode, err)
		}
	}
}

// TestPropertyPackages: packages hold exactly the allocations, per
// location and line; with MaxUnitsSplitter no package exceeds Max and a
// location with u units gets ceil(u/Max) packages; MaxItemsSplitter after
// it keeps both limits.
func TestPropertyPackages(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := drawInst(t)
		maxU := rapid.Int64Range(1, 4).Draw(t, "maxUnits")
		maxI := rapid.IntRange(1, 3).Draw(t, "maxItems")
		s := strategy(routing.Tiered{}, in.pol)
		s.Splitters = []routing.Splitter{routing.MaxUnitsSplitter{Max: maxU}}
		withItems := rapid.Bool().Draw(t, "withItems")
		if withItems {
			s.Splitters = append(s.Splitters, routing.MaxItemsSplitter{Max: maxI})
		}
		d := route(t, mustEngine(t, s), mustNet(t, in.sites...), in.request())
		alloc := map[string]int64{}
		units := map[omnikit.LocationID]int64{}
		for _, a := range d.Allocations {
			alloc[fmt.Sprint(a.Location, "/", a.Line, "/", a.SKU)] += a.Qty
			units[a.Location] += a.Qty
		}
		count := map[omnikit.LocationID]int64{}
		for _, p := range d.Packages {
			if p.Units() > maxU || len(p.Items) == 0 || (withItems && len(p.Items) > maxI) {
				t.Fatalf("package %+v breaks the limits", p)
			}
			count[p.Location]++
			for _, it := range p.Items {
				alloc[fmt.Sprint(p.Location, "/", it.Line, "/", it.SKU)] -= it.Qty
			}
		}
		for k, v := range alloc {
			if v != 0 {
				t.Fatalf("%s: packages differ from allocations by %d", k, v)
			}
		}
		if !withItems {
			for l, u := range units {
				if want := (u + maxU - 1) / maxU; count[l] != want {
					t.Fatalf("%s: %d packages for %d units, max %d", l, count[l], u, maxU)
				}
			}
		}
	})
}
