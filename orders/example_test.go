package orders_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/omnikit/omnikit"
	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/orders"
	"github.com/omnikit/omnikit/routing"
	"github.com/omnikit/omnikit/storage/memory"
)

// An online order collected in a store: placed, prepared, put at the
// counter and handed over against its pickup code.
func Example() {
	ctx := context.Background()
	clock := omnikit.NewManualClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	ledger, _ := inventory.New(ctx, memory.NewInventory(), &inventory.Options{Clock: clock})
	_ = ledger.DefineLocation(ctx, inventory.Location{ID: "lyon", Type: inventory.TypeStore, Capabilities: inventory.CanPickup})
	_ = ledger.DefineSKUs(ctx, "mug")
	_ = ledger.DefineChannel(ctx, inventory.Channel{ID: "web", Pool: []omnikit.LocationID{"lyon"}})
	_, _ = ledger.Receive(ctx, inventory.StockRequest{Location: "lyon", Lines: []inventory.Line{{SKU: "mug", Qty: 3}}})

	oms, _ := orders.New(ledger, memory.NewOrders(), &orders.Options{
		NewOrderID:    func() orders.OrderID { return "W-1001" },
		NewPickupCode: func() string { return "4711" },
	})
	o, err := oms.Place(ctx, orders.PlaceRequest{Channel: "web", Groups: []orders.GroupRequest{{
		Delivery: orders.Delivery{Method: routing.Pickup, Store: "lyon"},
		Lines:    []orders.LineRequest{{SKU: "mug", Qty: 2, UnitPrice: omnikit.MustMoney("9.90", "EUR")}},
	}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	f := o.Fulfilments[0].ID
	_, _ = oms.Accept(ctx, o.ID, f)
	_, _ = oms.StartPicking(ctx, o.ID, f)
	_, _ = oms.Pack(ctx, o.ID, f)
	_, _ = oms.ReadyForPickup(ctx, o.ID, f)
	if _, err := oms.Collect(ctx, o.ID, f, "0000"); err != nil {
		fmt.Println(err)
	}
	o, _ = oms.Collect(ctx, o.ID, f, "4711")
	a, _ := ledger.Availability(ctx, "mug", "lyon")
	fmt.Println(o.ID, o.State, o.Fulfilments[0].State, "sellable:", a.Sellable)
	hist, _ := oms.History(ctx, o.ID)
	for _, e := range hist {
		fmt.Println(strings.TrimSpace(fmt.Sprint(e.Seq, " ", e.Type, " ", e.Fulfilment)))
	}
	// Output:
	// orders: wrong pickup code for W-1001/F1
	// W-1001 completed collected sellable: 1
	// 1 order.placed
	// 2 fulfilment.created F1
	// 3 fulfilment.accepted F1
	// 4 fulfilment.picking F1
	// 5 fulfilment.packed F1
	// 6 fulfilment.ready_for_pickup F1
	// 7 fulfilment.collected F1
	// 8 order.completed
}
