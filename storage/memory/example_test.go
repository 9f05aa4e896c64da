package memory_test

import (
	"context"
	"fmt"

	"github.com/omnikit/omnikit/inventory"
	"github.com/omnikit/omnikit/storage/memory"
)

// A ledger on the in-memory store: define a location and a SKU, receive
// stock and read it back.
func ExampleNewInventory() {
	ctx := context.Background()
	l, err := inventory.New(ctx, memory.NewInventory(), nil)
	if err != nil {
		panic(err)
	}
	if err := l.DefineLocation(ctx, inventory.Location{ID: "wh-1", Type: inventory.TypeWarehouse, Capabilities: inventory.CanShip}); err != nil {
		panic(err)
	}
	if err := l.DefineSKUs(ctx, "mug-blue"); err != nil {
		panic(err)
	}
	e, err := l.Receive(ctx, inventory.StockRequest{Location: "wh-1", Lines: []inventory.Line{{SKU: "mug-blue", Qty: 12}}})
	if err != nil {
		panic(err)
	}
	a, err := l.Availability(ctx, "mug-blue", "wh-1")
	if err != nil {
		panic(err)
	}
	fmt.Printf("entry %d: %s; %s at %s: %d sellable, %d to promise\n", e.Seq, e.Kind, a.SKU, a.Location, a.Sellable, a.ATP)
	fmt.Println("verify:", l.Verify(ctx))
	// Output:
	// entry 1: receive; mug-blue at wh-1: 12 sellable, 12 to promise
	// verify: <nil>
}
