package routing_test

import (
	"context"
	"fmt"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/routing"
)

func exampleNetwork() *routing.Network {
	caps := inventory.CanShip | inventory.CanPickup | inventory.CanShipFromStore
	n, err := routing.NewNetwork([]routing.Site{
		{Location: inventory.Location{ID: "WH-LYON", Type: inventory.TypeWarehouse, Geo: omnikit.GeoPoint{Lat: 45.76, Lng: 4.83}, Capabilities: caps},
			Stock: map[omnikit.SKU]int64{"TEE": 50, "CAP": 20}},
		{Location: inventory.Location{ID: "ST-PARIS", Type: inventory.TypeStore, Geo: omnikit.GeoPoint{Lat: 48.86, Lng: 2.34}, Capabilities: caps},
			Stock: map[omnikit.SKU]int64{"TEE": 2}},
		{Location: inventory.Location{ID: "ST-LILLE", Type: inventory.TypeStore, Geo: omnikit.GeoPoint{Lat: 50.63, Lng: 3.06}, Capabilities: inventory.CanPickup},
			Stock: map[omnikit.SKU]int64{"TEE": 9, "CAP": 9}},
	})
	if err != nil {
		panic(err)
	}
	return n
}

func Example() {
	n := exampleNetwork()
	e, _ := routing.New() // the default strategy
	d, err := e.Route(context.Background(), n, routing.Request{
		Channel:  "web",
		Lines:    []routing.Line{{ID: "1", SKU: "TEE", Qty: 1}, {ID: "2", SKU: "CAP", Qty: 1}},
		Delivery: routing.Delivery{Method: routing.Ship, Destination: omnikit.GeoPoint{Lat: 48.85, Lng: 2.35}},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(d.Status, d.Strategy, "optimal:", d.Certificate.Optimal)
	for _, a := range d.Allocations {
		fmt.Println(a.Line, a.SKU, a.Location, a.Qty)
	}
	fmt.Println("shipments", d.Objective.Shipments, "distance", d.Objective.DistanceMeters, "m")
	for _, c := range d.Candidates() {
		fmt.Println(c.Location, c.Status, c.Reason)
	}
	// Output:
	// complete default optimal: true
	// 1 TEE WH-LYON 1
	// 2 CAP WH-LYON 1
	// shipments 1 distance 391129 m
	// ST-LILLE filtered capability.missing
	// ST-PARIS unused not_needed
	// WH-LYON used used
}

func ExampleDecision_WhyNot() {
	n := exampleNetwork()
	s := routing.DefaultStrategy()
	s.Filters = append(s.Filters, routing.RadiusFilter{MaxMeters: 300_000})
	e, _ := routing.New(s)
	d, _ := e.Route(context.Background(), n, routing.Request{
		Lines:    []routing.Line{{ID: "1", SKU: "TEE", Qty: 1}},
		Delivery: routing.Delivery{Method: routing.Ship, Destination: omnikit.GeoPoint{Lat: 48.85, Lng: 2.35}},
	})
	fmt.Println(d.Objective.Locations)
	fmt.Println(d.WhyNot("WH-LYON"))
	fmt.Println(d.WhyNot("ST-LILLE"))
	// Output:
	// [ST-PARIS]
	// radius.exceeded 391.1 km > 300 km
	// capability.missing
}

func ExampleRequest_rejections() {
	n := exampleNetwork()
	e, _ := routing.New()
	r := routing.Request{
		Lines:    []routing.Line{{ID: "1", SKU: "TEE", Qty: 2}},
		Delivery: routing.Delivery{Method: routing.Ship, Destination: omnikit.GeoPoint{Lat: 48.85, Lng: 2.35}},
	}
	d, _ := e.Route(context.Background(), n, r)
	fmt.Println(d.Objective.Locations)
	// The Paris store could not find the units: route again without it.
	r.Rejections = []routing.Rejection{{Location: "ST-PARIS", Lines: []inventory.Line{{SKU: "TEE", Qty: 2}}}}
	d, _ = e.Route(context.Background(), n, r)
	fmt.Println(d.Objective.Locations, d.WhyNot("ST-PARIS"))
	// Output:
	// [ST-PARIS]
	// [WH-LYON] excluded.rerouted 2 units
}

func ExampleEngine_Evaluate() {
	n := exampleNetwork()
	e, _ := routing.New()
	r := routing.Request{
		Lines:    []routing.Line{{ID: "1", SKU: "TEE", Qty: 3}},
		Delivery: routing.Delivery{Method: routing.Ship, Destination: omnikit.GeoPoint{Lat: 48.85, Lng: 2.35}},
	}
	ev, _ := e.Evaluate(context.Background(), n, r, []routing.Allocation{{Line: "1", Location: "ST-PARIS", Qty: 3}})
	fmt.Println(ev.Feasible, ev.Violations[0])
	ev, _ = e.Evaluate(context.Background(), n, r, []routing.Allocation{{Line: "1", Location: "ST-PARIS", Qty: 2}, {Line: "1", Location: "WH-LYON", Qty: 1}})
	fmt.Println(ev.Feasible, ev.Objective.Shipments)
	// Output:
	// false evaluate.over_available 3 units > 2 units
	// true 2
}
