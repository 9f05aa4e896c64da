package routing_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/routing"
)

// traceDecisions returns decisions with every kind of trace: used, not
// needed, no stock, unfulfillable, built-in and plug-in rejections with
// measured values, exclusions, no rankers (empty keys), transfers.
func traceDecisions(t *testing.T) []routing.Decision {
	t.Helper()
	r := newRand()
	plug := routing.DefaultStrategy()
	plug.Name = "plug"
	plug.Filters = append(plug.Filters, routing.Soft(routing.RadiusFilter{MaxMeters: 150_000}),
		routing.FilterFunc{ID: "acme.odd", F: func(c *routing.Context, s *routing.Site) routing.Verdict {
			if s.Priority == 3 {
				return routing.Reject(routing.Reason{Code: "acme.odd", Measured: s.Priority, Limit: 2, Unit: "acme"})
			}
			return routing.Accept
		}})
	plug.Rankers = []routing.Ranker{routing.RankerFunc{ID: "acme.rank", F: func(c *routing.Context, s *routing.Site) int64 {
		if s.Priority == 4 {
			panic("boom")
		}
		return -s.Priority
	}}, routing.DistanceRanker{}}
	noRank := routing.DefaultStrategy()
	noRank.Name, noRank.Rankers = "norank", nil
	whole := routing.DefaultStrategy()
	whole.Name, whole.Policy = "whole", routing.SplitPolicy{MaxShipments: 1}
	engines := []*routing.Engine{mustEngine(t), mustEngine(t, plug), mustEngine(t, noRank), mustEngine(t, whole)}
	out := []routing.Decision{{}}
	for i := range 200 {
		in := genInstance(r, 1+r.IntN(8), 1+r.IntN(5), 1+r.IntN(5))
		for j := range in.sites {
			if r.IntN(6) == 0 {
				in.sites[j].Capacity, in.sites[j].Workload = 1, 1
			}
		}
		req := shipReq(in.dest, in.lines...)
		if i%3 == 0 {
			req.Exclude = []omnikit.LocationID{in.sites[0].Location.ID}
		}
		if i%5 == 0 {
			req = pickupReq(string(in.sites[len(in.sites)-1].Location.ID), true, in.lines...)
		}
		out = append(out, route(t, engines[i%len(engines)], mustNet(t, in.sites...), req))
	}
	return out
}

// TestDecisionJSONMatchesOldShape checks that a Decision encodes exactly
// as the struct with the exported Candidates field did, and decodes back.
func TestDecisionJSONMatchesOldShape(t *testing.T) {
	ds := traceDecisions(t)
	for i, d := range ds {
		want, err := json.Marshal(view(d))
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("decision %d:\n got %s\nwant %s", i, got, want)
		}
		if byPtr, _ := json.Marshal(&d); !bytes.Equal(byPtr, want) {
			t.Fatalf("decision %d by pointer:\n got %s\nwant %s", i, byPtr, want)
		}
		var back routing.Decision
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatal(err)
		}
		var backView decisionView
		if err := json.Unmarshal(got, &backView); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(backView, view(back)); diff != "" {
			t.Fatalf("decision %d decodes differently:\n%s", i, diff)
		}
		if again, _ := json.Marshal(back); !bytes.Equal(again, want) {
			t.Fatalf("decision %d round trip:\n got %s\nwant %s", i, again, want)
		}
		for _, c := range back.Candidates() {
			if back.WhyNot(c.Location) != d.WhyNot(c.Location) {
				t.Fatalf("decision %d: WhyNot(%s) after decoding", i, c.Location)
			}
		}
	}
	// In a slice, and with fields absent from the input kept, as for a
	// struct.
	want, _ := json.Marshal([]decisionView{view(ds[1]), view(ds[2])})
	if got, _ := json.Marshal([]routing.Decision{ds[1], ds[2]}); !bytes.Equal(got, want) {
		t.Fatalf("slice:\n got %s\nwant %s", got, want)
	}
	d := ds[1]
	if err := json.Unmarshal([]byte(`{"Strategy":"other"}`), &d); err != nil {
		t.Fatal(err)
	}
	if d.Strategy != "other" || !slices.EqualFunc(d.Candidates(), ds[1].Candidates(), candEqual) {
		t.Fatalf("partial decode: %s %+v", d.Strategy, d.Candidates())
	}
	if err := json.Unmarshal([]byte(`{"Candidates":7}`), &d); err == nil {
		t.Fatal("bad candidates decoded")
	}
}

func candEqual(a, b routing.Candidate) bool {
	return a.Location == b.Location && a.Status == b.Status && a.Reason == b.Reason && a.Units == b.Units &&
		a.DistanceMeters == b.DistanceMeters && slices.Equal(a.Keys, b.Keys) && (a.Keys == nil) == (b.Keys == nil)
}

// TestDecisionCandidateLookup checks Candidate and WhyNot against the full
// view, and that the view is a fresh copy.
func TestDecisionCandidateLookup(t *testing.T) {
	for _, d := range traceDecisions(t) {
		cs := d.Candidates()
		for _, c := range cs {
			got, ok := d.Candidate(c.Location)
			if !ok || !candEqual(got, c) || d.WhyNot(c.Location) != c.Reason {
				t.Fatalf("Candidate(%s) = %+v, %v; want %+v", c.Location, got, ok, c)
			}
		}
		if _, ok := d.Candidate("NOPE"); ok || d.WhyNot("NOPE").Code != routing.CodeOutOfScope {
			t.Fatal("NOPE is a candidate")
		}
		for i := range cs {
			cs[i].Location = "X"
			for k := range cs[i].Keys {
				cs[i].Keys[k] = 12345
			}
		}
		for _, c := range d.Candidates() {
			if c.Location == "X" || slices.Contains(c.Keys, 12345) {
				t.Fatalf("Candidates shares memory with an earlier result: %+v", c)
			}
		}
	}
}

// TestDecisionTraceReasons checks a few traces by name: the measured
// values of rejections and the units of used locations.
func TestDecisionTraceReasons(t *testing.T) {
	full := site("FULL", inventory.TypeWarehouse, 48.9, 2.3, 0, map[omnikit.SKU]int64{"A": 5})
	full.Capacity, full.Workload = 4, 6
	n := mustNet(t, full,
		site("NONE", inventory.TypeWarehouse, 48.9, 2.3, 0, map[omnikit.SKU]int64{"B": 5}),
		site("USED", inventory.TypeWarehouse, 48.9, 2.3, 0, map[omnikit.SKU]int64{"A": 5}))
	d := route(t, mustEngine(t), n, shipReq(paris, ln("1", "A", 3)))
	want := []routing.Reason{
		{Code: routing.CodeCapacityFull, Rule: "capacity", Measured: 6, Limit: 4, Unit: "units"},
		{Code: routing.CodeStockNone, Rule: "stock"},
		{Code: routing.CodeUsed, Rule: "solver"},
	}
	cs := d.Candidates()
	if len(cs) != 3 || cs[0].Status != routing.Filtered || cs[1].Status != routing.Filtered || cs[2].Status != routing.Used || cs[2].Units != 3 {
		t.Fatalf("candidates %+v", cs)
	}
	for i, c := range cs {
		if c.Reason != want[i] {
			t.Fatalf("%s: %+v, want %+v", c.Location, c.Reason, want[i])
		}
	}
	if cs[0].Keys != nil || len(cs[2].Keys) != 2 || cs[2].DistanceMeters != full.Location.Geo.DistanceMeters(paris) {
		t.Fatalf("keys or distance: %+v", cs)
	}
}
