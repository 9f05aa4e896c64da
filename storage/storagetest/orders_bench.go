package storagetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/orders"
	"github.com/omnikit/omnikit/routing"
)

// BenchmarkOrders measures orders placed end to end (validate, route over a
// fresh ledger snapshot, store the pending intent, reserve, store the
// placed order with its events) on an adapter, next to a baseline measured
// in the same run on the same stores: the plain path a hand-written
// service would take, one ledger reservation at a known location and one
// insert of the order record, with no routing, no intent record and no
// events. Each order has two lines of two of 100 SKUs, shipped to Paris,
// over a network of a warehouse and two stores.
//
//	Place/serial/oms, Place/serial/baseline
//	Place/parallel/oms, Place/parallel/baseline   (16 goroutines per core)
func BenchmarkOrders(b *testing.B, h OrdersHarness) {
	for _, par := range []bool{false, true} {
		mode := "serial"
		if par {
			mode = "parallel"
		}
		b.Run("Place/"+mode+"/oms", func(b *testing.B) {
			oms, _, _, skus := benchOMS(b, h)
			var n atomic.Int64
			benchLoop(b, par, func(i int) {
				_, err := oms.Place(context.Background(), orders.PlaceRequest{
					ID: orders.OrderID(fmt.Sprintf("B%d", n.Add(1))), Channel: "web",
					Groups: []orders.GroupRequest{{Delivery: shipParis, Lines: []orders.LineRequest{
						oline("L1", skus[i%len(skus)], 1), oline("L2", skus[(i+1)%len(skus)], 1),
					}}},
				})
				if err != nil {
					b.Fatal(err)
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
		})
		b.Run("Place/"+mode+"/baseline", func(b *testing.B) {
			_, l, st, skus := benchOMS(b, h)
			var n atomic.Int64
			benchLoop(b, par, func(i int) {
				ctx := context.Background()
				id := orders.OrderID(fmt.Sprintf("B%d", n.Add(1)))
				a, c := skus[i%len(skus)], skus[(i+1)%len(skus)]
				rid := orders.ReservationID(id, 1)
				if _, err := l.Reserve(ctx, inventory.ReserveRequest{ID: rid, Owner: string(id), Lines: []inventory.LocatedLine{
					{SKU: a, Location: "wh", Qty: 1}, {SKU: c, Location: "wh", Qty: 1},
				}}); err != nil {
					b.Fatal(err)
				}
				o := orders.Order{ID: id, Channel: "web", State: orders.Open, Version: 1, Currency: omnikit.MustCurrency("EUR"),
					Groups: []orders.Delivery{shipParis},
					Lines: []orders.Line{
						{ID: "L1", SKU: a, Qty: 1, UnitPrice: euro("10.00"), Discount: euro("0")},
						{ID: "L2", SKU: c, Qty: 1, UnitPrice: euro("10.00"), Discount: euro("0")},
					},
					Fulfilments: []orders.Fulfilment{{ID: "F1", Location: "wh", Method: routing.Ship, State: orders.Created, Reservation: rid,
						Lines: []orders.FulfilmentLine{{Line: "L1", SKU: a, Qty: 1}, {Line: "L2", SKU: c, Qty: 1}}}},
				}
				if err := st.Create(ctx, o, nil); err != nil {
					b.Fatal(err)
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
		})
	}
}

// benchOMS returns an OMS over a warehouse and two stores with ample stock
// of 100 SKUs.
func benchOMS(b *testing.B, h OrdersHarness) (*orders.Service, *inventory.Ledger, orders.Store, []omnikit.SKU) {
	b.Helper()
	ctx := context.Background()
	inv, st := h.NewStores(b)
	l, err := inventory.New(ctx, inv, &inventory.Options{GroupCommit: h.GroupCommit})
	if err != nil {
		b.Fatal(err)
	}
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	must(l.DefineLocation(ctx, inventory.Location{ID: "wh", Type: inventory.TypeWarehouse, Capabilities: inventory.CanShip, Geo: omnikit.GeoPoint{Lat: 48.9, Lng: 2.6}}))
	must(l.DefineLocation(ctx, inventory.Location{ID: "paris", Type: inventory.TypeStore, Capabilities: inventory.CanPickup | inventory.CanShipFromStore, Geo: omnikit.GeoPoint{Lat: 48.86, Lng: 2.35}}))
	must(l.DefineLocation(ctx, inventory.Location{ID: "lyon", Type: inventory.TypeStore, Capabilities: inventory.CanPickup, Geo: omnikit.GeoPoint{Lat: 45.76, Lng: 4.84}}))
	skus := make([]omnikit.SKU, 100)
	for i := range skus {
		skus[i] = omnikit.SKU(fmt.Sprintf("SKU-%03d", i))
	}
	must(l.DefineSKUs(ctx, skus...))
	must(l.DefineChannel(ctx, inventory.Channel{ID: "web", Pool: []omnikit.LocationID{"wh", "paris", "lyon"}}))
	lines := make([]inventory.Line, len(skus))
	for i, s := range skus {
		lines[i] = inventory.Line{SKU: s, Qty: 1_000_000_000}
	}
	_, err = l.Receive(ctx, inventory.StockRequest{Location: "wh", Lines: lines})
	must(err)
	oms, err := orders.New(l, st, nil)
	must(err)
	return oms, l, st, skus
}
